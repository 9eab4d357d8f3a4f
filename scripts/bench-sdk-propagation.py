#!/usr/bin/env python3
"""Time from an admin change to an SDK's answer changing, for the real Python
SDK with its default 15 s poll (`GET /api/client/features`) and the real Node
SDK streaming (`experimentalMode: {type: 'streaming'}`), against the release
binary on loopback. Figures only; nothing is asserted.

    cargo build --release -p flagstaff
    .venv/bin/python scripts/bench-sdk-propagation.py [changes]

Needs what `scripts/test` installs: `.venv` (UnleashClient) and
`tests/sdk/node_modules` (unleash-client).
"""

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from UnleashClient import UnleashClient

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN = "*:*.propagation-bench-admin-0123456789"
CLIENT = "default:development.propagation-bench-client-0123456789"
FLAG = "propagation"

NODE_PROBE = r"""
const { initialize, InMemStorageProvider } = require('unleash-client');
const [url, token, flag] = process.argv.slice(1);
const unleash = initialize({
  url: `${url}/api`, appName: 'propagation-node', customHeaders: { Authorization: token },
  disableMetrics: true, refreshInterval: 600000, experimentalMode: { type: 'streaming' },
  storageProvider: new InMemStorageProvider(),
});
unleash.once('synchronized', () => {
  let last = unleash.isEnabled(flag);
  process.stdout.write(`READY ${last}\n`);
  setInterval(() => {
    const now = unleash.isEnabled(flag);
    if (now !== last) { last = now; process.stdout.write(`CHANGE ${now} ${Date.now()}\n`); }
  }, 1);
});
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", ADMIN)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        return response.status


def main():
    changes = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    binary = os.environ.get("FLAGSTAFF_BIN", os.path.join(ROOT, "target/release/flagstaff"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, INIT_ADMIN_API_TOKENS=ADMIN, INIT_CLIENT_API_TOKENS=CLIENT,
                   RUST_LOG="warn")
        server = subprocess.Popen(
            [binary, "serve", "--host", "127.0.0.1", "--port", str(port),
             "--database-url", f"sqlite://{tmp}/bench.db"],
            env=env, stdout=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/health")
                    break
                except OSError:
                    time.sleep(0.05)
            features = "/api/admin/projects/default/features"
            call(base, "POST", features, {"name": FLAG})
            call(base, "POST", f"{features}/{FLAG}/environments/development/strategies",
                 {"name": "flexibleRollout",
                  "parameters": {"rollout": "100", "stickiness": "default", "groupId": FLAG}})

            # The Python SDK with its defaults (15 s refresh); watched every millisecond.
            python_sdk = UnleashClient(url=f"{base}/api", app_name="propagation-python",
                                       custom_headers={"Authorization": CLIENT},
                                       disable_metrics=True, disable_registration=True,
                                       cache_directory=tmp)
            python_sdk.initialize_client()
            python_changes = []

            def watch_python():
                last = python_sdk.is_enabled(FLAG)
                while True:
                    now = python_sdk.is_enabled(FLAG)
                    if now != last:
                        python_changes.append((now, time.time()))
                        last = now
                    time.sleep(0.001)

            threading.Thread(target=watch_python, daemon=True).start()

            node = subprocess.Popen(["node", "-e", NODE_PROBE, base, CLIENT, FLAG],
                                    cwd=os.path.join(ROOT, "tests/sdk"),
                                    stdout=subprocess.PIPE, text=True)
            node.stdout.readline()  # READY
            node_changes = []

            def watch_node():
                for line in node.stdout:
                    parts = line.split()
                    if parts and parts[0] == "CHANGE":
                        node_changes.append((parts[1] == "true", int(parts[2]) / 1000.0))

            threading.Thread(target=watch_node, daemon=True).start()

            python_delays, node_delays = [], []
            enabled = False
            for i in range(changes):
                # Land at a random point of the Python SDK's poll cycle.
                time.sleep(random.uniform(0.5, 15.0))
                enabled = not enabled
                verb = "on" if enabled else "off"
                sent = time.time()
                call(base, "POST", f"{features}/{FLAG}/environments/development/{verb}")
                deadline = sent + 40
                while time.time() < deadline and not (
                        len(python_changes) > i and len(node_changes) > i):
                    time.sleep(0.01)
                if len(python_changes) > i:
                    python_delays.append(python_changes[i][1] - sent)
                if len(node_changes) > i:
                    node_delays.append(node_changes[i][1] - sent)
                print(f"change {i + 1}: python {python_delays[-1] * 1000:.0f} ms, "
                      f"node (streaming) {node_delays[-1] * 1000:.1f} ms", flush=True)
            for name, delays in (("Python SDK, default 15 s poll", python_delays),
                                 ("Node SDK, streaming", node_delays)):
                print(f"{name}: median {statistics.median(delays) * 1000:.1f} ms, "
                      f"max {max(delays) * 1000:.1f} ms over {len(delays)} changes")
            node.kill()
            python_sdk.destroy()
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
