"""Drives the real Python SDK (PyPI `UnleashClient`) against a Flagstaff server.

Protocol (driven by crates/flagstaff/tests/sdk.rs): prints one JSON line per user
with the SDK's decision and variant, then `PHASE1-DONE`; waits for a line on
stdin; then polls until the SDK sees the flag off for a user it saw on, and
prints `UPDATED <ms after the line>` (or `TIMEOUT`). `FLAGSTAFF_SDK_FLAGS` (comma-separated)
names several flags to evaluate for each user, in that order; the update is
still watched on `flag`. `FLAGSTAFF_SDK_CONTEXTS` (a JSON array of contexts)
replaces the `users` contexts `{"userId": i}`; `FLAGSTAFF_SDK_APP` names the app.
"""
import json
import os
import sys
import time

from UnleashClient import UnleashClient

url, token, flag, users, cache_dir = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

client = UnleashClient(
    url=url + "/api",
    app_name=os.environ.get("FLAGSTAFF_SDK_APP", "flagstaff-sdk-test"),
    environment="production",
    custom_headers={"Authorization": token},
    refresh_interval=1,
    metrics_interval=1,
    cache_directory=cache_dir,
)
client.initialize_client(fetch_toggles=True)

flags = os.environ.get("FLAGSTAFF_SDK_FLAGS", flag).split(",")
contexts = json.loads(os.environ.get("FLAGSTAFF_SDK_CONTEXTS", "null")) or [
    {"userId": str(i)} for i in range(users)
]
on_context = None
for context in contexts:
    for name in flags:
        enabled = client.is_enabled(name, context)
        variant = client.get_variant(name, context)
        if name == flag and enabled and on_context is None:
            on_context = context
        print(json.dumps({"userId": context.get("userId"), "flag": name, "enabled": enabled, "variant": variant}))
sys.stdout.flush()
print("PHASE1-DONE", flush=True)

sys.stdin.readline()
asked = time.time()
deadline = asked + 20
while time.time() < deadline:
    if not client.is_enabled(flag, on_context):
        # How long after the change the SDK answered differently (ms).
        print(f"UPDATED {round((time.time() - asked) * 1000)}", flush=True)
        break
    time.sleep(0.2)
else:
    print("TIMEOUT", flush=True)
client.destroy()
