"""The hostile-load probe's mix against `flagstaff serve` on loopback, for a
bounded time (see scripts/soak.sh). Prints RSS, database size, /health p99 and
admin-write p99 over the first and the last 10 seconds. Standard library only.

    python3 scripts/soak.py target/release/flagstaff 120
"""
import http.client, json, os, random, socket, string, subprocess, sys, tempfile, threading, time

binary, duration = sys.argv[1], int(sys.argv[2])
ADMIN = "*:*.soak-admin-0123456789abcdef0123456789"
CLIENT = "default:development.soak-client-0123456789abcdef"
FRONTEND = "default:development.soak-frontend-0123456789abcd"
work = tempfile.mkdtemp()
db = os.path.join(work, "soak.db")
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen(
    [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--database-url", db],
    env={**os.environ, "INIT_ADMIN_API_TOKENS": ADMIN, "INIT_CLIENT_API_TOKENS": CLIENT,
         "INIT_FRONTEND_API_TOKENS": FRONTEND, "RUST_LOG": "warn"},
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def call(method, path, token=None, body=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = token
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


for _ in range(100):
    try:
        if call("GET", "/health") == 200:
            break
    except OSError:
        time.sleep(0.1)
FLAGS = [f"soak-{i:03}" for i in range(200)]
for name in FLAGS:
    call("POST", "/api/admin/projects/default/features", ADMIN, {"name": name})

running = True
samples = []  # (time, kind, milliseconds)
lock = threading.Lock()


def rss_mb():
    with open(f"/proc/{server.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def db_mb():
    return sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p)) / 1e6


def now_text():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def word(n):
    return "".join(random.choices(string.ascii_lowercase, k=n))


def metrics_flood():
    while running:
        toggles = {f"made-up-{word(12)}": {"yes": 1, "no": 0} for _ in range(1000)}
        toggles.update({name: {"yes": 2, "no": 1} for name in random.sample(FLAGS, 20)})
        token = random.choice([CLIENT, FRONTEND])
        path = "/api/client/metrics" if token == CLIENT else "/api/frontend/client/metrics"
        try:
            call("POST", path, token, {"appName": "app-" + word(3), "instanceId": word(300 if random.random() < 0.1 else 8),
                                       "bucket": {"start": now_text(), "stop": now_text(), "toggles": toggles}})
        except OSError:
            time.sleep(0.05)


def cache_misses():
    while running:
        try:
            call("GET", f"/api/client/features?namePrefix={word(6)}&project={word(5)}", CLIENT)
        except OSError:
            time.sleep(0.05)


def wrong_tokens():
    while running:
        try:
            call("GET", "/api/client/features", f"*:development.{word(20)}")
        except OSError:
            time.sleep(0.05)


def slowloris():
    held = []
    while running:
        while len(held) < 300 and running:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                held.append(s)
            except OSError:
                break
        time.sleep(1)
        alive = []
        for s in held:
            try:
                s.sendall(b"a")
                alive.append(s)
            except OSError:
                s.close()
        held = alive
    for s in held:
        s.close()


def measure():
    flip = False
    while running:
        t = time.monotonic()
        try:
            call("GET", "/health", timeout=30)
            health = (time.monotonic() - t) * 1000
        except OSError:
            health = 30000.0
        flip = not flip
        t = time.monotonic()
        try:
            call("POST", f"/api/admin/projects/default/features/soak-000/environments/development/{'on' if flip else 'off'}", ADMIN, timeout=30)
            write = (time.monotonic() - t) * 1000
        except OSError:
            write = 30000.0
        with lock:
            samples.append((time.monotonic(), "health", health))
            samples.append((time.monotonic(), "write", write))
        time.sleep(0.1)


def p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.99))] if values else float("nan")


def window(start, end, label):
    with lock:
        health = [ms for t, kind, ms in samples if start <= t < end and kind == "health"]
        write = [ms for t, kind, ms in samples if start <= t < end and kind == "write"]
    print(f"{label}: RSS {rss_mb():.0f} MB, database {db_mb():.1f} MB, /health p99 {p99(health):.1f} ms, "
          f"admin write p99 {p99(write):.1f} ms ({len(health)} samples)", flush=True)


threads = [threading.Thread(target=measure)]
threads += [threading.Thread(target=metrics_flood) for _ in range(6)]
threads += [threading.Thread(target=cache_misses) for _ in range(3)]
threads += [threading.Thread(target=wrong_tokens) for _ in range(2)]
threads += [threading.Thread(target=slowloris)]
print(f"soak: {duration} s against {binary} on port {port} (SQLite {db}); idle RSS {rss_mb():.0f} MB", flush=True)
begin = time.monotonic()
for thread in threads:
    thread.start()
time.sleep(10)
window(begin, begin + 10, "first 10 s")
time.sleep(max(0, duration - 20))
end_start = time.monotonic()
time.sleep(10)
window(end_start, end_start + 10, "last 10 s ")
running = False
for thread in threads:
    thread.join(timeout=15)
server.terminate()
server.wait(timeout=30)
