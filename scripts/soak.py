"""The hostile-load probes' mix against `flagstaff serve` on loopback, for a
bounded time (see scripts/soak.sh). Prints RSS, database size, /health p99 and
admin-write p99 over the first and the last 10 seconds, then what each attack of
round two (issue 20) achieved. Standard library only.

Round one: metrics floods, cache-missing filters, wrong tokens, slow headers.
Round two: 60 parallel wrong sign-ins; valid SDK tokens sent from the address
that floods wrong ones; two dead webhooks (one never answers, one answers 500)
with a growing backlog while a healthy webhook added later is timed; 900 KB
signals; a webhook -> own signal endpoint -> action set loop; 1,500 idle
keep-alive connections from one address; SSRF URL forms; more projects than
the cap. The measuring client uses its own loopback address (127.0.0.2), as a
person elsewhere would.

    python3 scripts/soak.py target/release/flagstaff 120
"""
import http.client, json, os, random, socket, string, subprocess, sys, tempfile, threading, time

binary, duration = sys.argv[1], int(sys.argv[2])
ADMIN = "*:*.soak-admin-0123456789abcdef0123456789"
USER, PASSWORD = "soak-admin", "soak-password-0123456789"
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
         "INIT_FRONTEND_API_TOKENS": FRONTEND, "RUST_LOG": "warn",
         "INIT_ADMIN_USER": USER, "INIT_ADMIN_PASSWORD": PASSWORD,
         "INTEGRATIONS_ALLOWED_HOSTS": "127.0.0.1"},
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


IP_BIND_ADDRESS_NO_PORT = 24  # Linux: pick the source port at connect time, per destination


def connect(source, timeout):
    """A connection to the server from the loopback address `source` (127.0.0.0/8
    all reaches it), without exhausting ephemeral ports on bind."""
    s = socket.socket()
    s.settimeout(timeout)
    s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    s.bind((source, 0))
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        raise
    return s


class Connection(http.client.HTTPConnection):
    def __init__(self, source, timeout):
        super().__init__("127.0.0.1", port, timeout=timeout)
        self.source = source

    def connect(self):
        self.sock = connect(self.source, self.timeout)


def request(method, path, token=None, body=None, timeout=10, source="127.0.0.1", raw=None,
            content_type="application/json"):
    """(status, body) of one request on a new connection from `source`."""
    conn = Connection(source, timeout)
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = token
    data = raw if raw is not None else (None if body is None else json.dumps(body))
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    text = response.read()
    conn.close()
    return response.status, text


def call(method, path, token=None, body=None, timeout=10, source="127.0.0.1"):
    return request(method, path, token, body, timeout, source)[0]


def call_json(method, path, token=ADMIN, body=None):
    """An admin's call, from the admin's own address (127.0.0.2)."""
    status, text = request(method, path, token, body, source="127.0.0.2")
    try:
        return status, json.loads(text or b"null")
    except ValueError:
        return status, None


for _ in range(100):
    try:
        if call("GET", "/health") == 200:
            break
    except (OSError, http.client.HTTPException):  # not up yet (or a self-connect)
        time.sleep(0.1)
FLAGS = [f"soak-{i:03}" for i in range(200)]
for name in FLAGS:
    call("POST", "/api/admin/projects/default/features", ADMIN, {"name": name})

running = True
samples = []  # (time, kind, milliseconds)
lock = threading.Lock()
tally = {}  # (attack, outcome) -> count


def count(attack, outcome):
    with lock:
        tally[(attack, outcome)] = tally.get((attack, outcome), 0) + 1


# --- Receivers for the integrations: one that never answers, one that answers
# 500, one healthy that notes when each probe flag's creation arrives.
def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1024)
    return s, s.getsockname()[1]


dead_socket, dead_port = listener()
failing_socket, failing_port = listener()
healthy_socket, healthy_port = listener()
arrived = {}  # probe flag -> monotonic time its webhook arrived


def never_answers():
    held = []
    dead_socket.settimeout(0.5)
    while running:
        try:
            held.append(dead_socket.accept()[0])
        except OSError:
            pass
    for c in held:
        c.close()


def answer(sock, status, note=None):
    sock.settimeout(0.5)
    while running:
        try:
            conn, _ = sock.accept()
        except OSError:
            continue
        conn.settimeout(5)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            if note:
                note(body)
            conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        except OSError:
            pass
        finally:
            conn.close()


def note_probe(body):
    try:
        name = json.loads(body)["f"]
    except (ValueError, KeyError, TypeError):
        return
    with lock:
        arrived.setdefault(name, time.monotonic())


ALL_CHANGES = ["feature-created", "feature-environment-enabled", "feature-environment-disabled",
               "feature-strategy-update"]
for port_, what in [(dead_port, "never answers"), (failing_port, "answers 500")]:
    status, body = call_json("POST", "/api/admin/addons", body={
        "provider": "webhook", "enabled": True, "description": f"dead: {what}",
        "parameters": {"url": f"http://127.0.0.1:{port_}/hook"}, "events": ALL_CHANGES})
    assert status in (200, 201), (status, body)

# --- SSRF: URL forms that reach loopback or reserved ranges behind IPv6 dress.
SSRF_URLS = ["http://[::127.0.0.1]/h", "http://[::ffff:127.0.0.1]/h", "http://[64:ff9b::7f00:1]/h",
             "http://[2002:7f00:1::]/h", "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/h",
             "http://198.18.0.1/h", "http://[::1]/h", "http://0.0.0.0/h", "http://100.64.0.1/h",
             "http://169.254.169.254/latest/meta-data"]
for url in SSRF_URLS:
    status, _ = call_json("POST", "/api/admin/addons", body={
        "provider": "webhook", "parameters": {"url": url}, "events": ["feature-created"]})
    count("ssrf", "refused" if status == 400 else f"accepted {status}")

# --- Caps: more projects than the default cap.
for i in range(520):
    status = call("POST", "/api/admin/projects", ADMIN, {"id": f"soak-p{i}", "name": f"soak p{i}"})
    count("projects", "created" if status in (200, 201) else str(status))

# --- The action loop: a webhook of production switches -> this server's own
# signal endpoint -> action sets that switch the flag back.
call("POST", "/api/admin/projects/default/features", ADMIN, {"name": "soak-loop"})
status, endpoint = call_json("POST", "/api/admin/signal-endpoints", body={"name": "loop"})
_, loop_token = call_json("POST", f"/api/admin/signal-endpoints/{endpoint['id']}/tokens", body={"name": "loop"})
_, big_endpoint = call_json("POST", "/api/admin/signal-endpoints", body={"name": "big"})
_, big_token = call_json("POST", f"/api/admin/signal-endpoints/{big_endpoint['id']}/tokens", body={"name": "big"})
for seen, action in [("feature-environment-enabled", "TOGGLE_FEATURE_OFF"),
                     ("feature-environment-disabled", "TOGGLE_FEATURE_ON")]:
    status, body = call_json("POST", "/api/admin/projects/default/actions", body={
        "name": f"loop-{action.lower()}", "enabled": True, "actorId": 1,
        "match": {"source": "signal-endpoint", "sourceId": endpoint["id"],
                  "payload": {"type": {"operator": "IN", "values": [seen]}}},
        "actions": [{"action": action, "sortOrder": 1, "executionParams": {
            "project": "default", "featureName": "soak-loop", "environment": "production"}}]})
    assert status in (200, 201), (status, body)
status, body = call_json("POST", "/api/admin/addons", body={
    "provider": "webhook", "enabled": True, "description": "loop",
    "parameters": {"url": f"http://127.0.0.1:{port}/api/signal-endpoint/loop",
                   "authorization": loop_token["token"], "bodyTemplate": '{"type": "{{event.type}}"}'},
    "events": ["feature-environment-enabled", "feature-environment-disabled"],
    "projects": ["default"], "environments": ["production"]})
assert status in (200, 201), (status, body)


def signin_flood():
    form = f"login={USER}&password=wrong-{word(8)}".encode()
    while running:
        t = time.monotonic()
        try:
            status, _ = request("POST", "/login", raw=form, content_type="application/x-www-form-urlencoded")
            count("sign-in flood", str(status))
        except OSError:
            count("sign-in flood", "error")
        if time.monotonic() - t < 0.01:
            time.sleep(0.01)


def right_password():
    form = f"login={USER}&password={PASSWORD}".encode()
    while running:
        try:
            status, _ = request("POST", "/login", raw=form, content_type="application/x-www-form-urlencoded",
                                source="127.0.0.6")
            count("right password from elsewhere", str(status))
        except OSError:
            count("right password from elsewhere", "error")
        time.sleep(1)


def valid_tokens():
    while running:
        for token, path in [(CLIENT, "/api/client/features"), (ADMIN, "/api/admin/projects")]:
            try:
                count("valid tokens beside the wrong ones", str(call("GET", path, token)))
            except OSError:
                count("valid tokens beside the wrong ones", "error")
        time.sleep(0.02)


def big_signals():
    payload = json.dumps({"blob": "x" * 900_000})
    while running:
        try:
            status, _ = request("POST", "/api/signal-endpoint/big", big_token["token"], raw=payload,
                                source="127.0.0.7")
            count("900 KB signals", str(status))
        except OSError:
            count("900 KB signals", "error")
        time.sleep(0.05)


def idle_connections():
    held = []
    while running and len(held) < 1500:
        try:
            s = connect("127.0.0.3", 2)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            held.append(s)
        except OSError:
            count("idle keep-alive connections", "refused at connect")
            break
    answered = {}
    for s in held:
        try:
            s.settimeout(2)
            status = s.recv(64).split(b" ")[1].decode()
        except (OSError, IndexError):
            status = "closed"
        answered[status] = answered.get(status, 0) + 1
    for status, n in answered.items():
        with lock:
            tally[("idle keep-alive connections", status)] = n
    while running:
        time.sleep(0.5)
    for s in held:
        s.close()


def healthy_webhook():
    time.sleep(10)  # let the dead webhooks' backlog grow first
    status, body = call_json("POST", "/api/admin/addons", body={
        "provider": "webhook", "enabled": True, "description": "healthy, added late",
        "parameters": {"url": f"http://127.0.0.1:{healthy_port}/hook", "bodyTemplate": '{"f": "{{event.featureName}}"}'},
        "events": ["feature-created"]})
    assert status in (200, 201), (status, body)
    i = 0
    while running:
        name = f"probe-{i:04}"
        i += 1
        created = time.monotonic()
        call("POST", "/api/admin/projects/default/features", ADMIN, {"name": name}, source="127.0.0.2")
        probes.append((name, created))
        time.sleep(1)


probes = []  # (flag, monotonic time its creation was answered)


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
                s = connect("127.0.0.5", 2)
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
            call("GET", "/health", timeout=30, source="127.0.0.2")
            health = (time.monotonic() - t) * 1000
        except OSError:
            health = 30000.0
        flip = not flip
        t = time.monotonic()
        try:
            call("POST", f"/api/admin/projects/default/features/soak-000/environments/development/{'on' if flip else 'off'}", ADMIN, timeout=30,
                 source="127.0.0.2")
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
threads += [threading.Thread(target=never_answers), threading.Thread(target=answer, args=(failing_socket, 500)),
            threading.Thread(target=answer, args=(healthy_socket, 200, note_probe))]
threads += [threading.Thread(target=signin_flood) for _ in range(60)]
threads += [threading.Thread(target=right_password), threading.Thread(target=valid_tokens),
            threading.Thread(target=big_signals), threading.Thread(target=idle_connections),
            threading.Thread(target=healthy_webhook)]
print(f"soak: {duration} s against {binary} on port {port} (SQLite {db}); idle RSS {rss_mb():.0f} MB", flush=True)
begin = time.monotonic()
# The loop starts with one switch in production.
call("POST", "/api/admin/projects/default/features/soak-loop/environments/production/on", ADMIN)
for thread in threads:
    thread.start()
time.sleep(10)
window(begin, begin + 10, "first 10 s")
time.sleep(max(0, duration - 20))
end_start = time.monotonic()
time.sleep(10)
window(end_start, end_start + 10, "last 10 s ")
peak_rss = 0.0
with open(f"/proc/{server.pid}/status") as status_file:
    for line in status_file:
        if line.startswith("VmHWM:"):
            peak_rss = int(line.split()[1]) / 1024
_, loop_events = call_json("GET", "/api/admin/search/events?feature=IS:soak-loop&limit=1")
running = False
for thread in threads:
    thread.join(timeout=15)
print(f"peak RSS {peak_rss:.0f} MB; events of the action loop's flag in {duration} s: "
      f"{(loop_events or {}).get('total')}", flush=True)
latencies = sorted(arrived[name] - created for name, created in probes if name in arrived)
lost = sum(1 for name, _ in probes if name not in arrived)
if latencies:
    print(f"healthy webhook added after 10 s beside two dead ones: {len(latencies)} probes delivered, "
          f"median {latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms, "
          f"{lost} not delivered by the end", flush=True)
else:
    print(f"healthy webhook: none of {len(probes)} probes delivered", flush=True)
for attack in sorted({a for a, _ in tally}):
    outcomes = ", ".join(f"{o}: {n}" for (a, o), n in sorted(tally.items()) if a == attack)
    print(f"{attack}: {outcomes}", flush=True)
server.terminate()
server.wait(timeout=30)
