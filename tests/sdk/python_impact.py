"""Impact metrics with the real Python SDK: defines an `errors` counter,
increments it by the count on the command line, and shuts the client down,
which sends them (`impactMetrics` in `POST /api/client/metrics`). Prints the
metric definitions' names as one JSON line."""
import json
import sys

from UnleashClient import UnleashClient

url, token, cache_dir, count = sys.argv[1:]

client = UnleashClient(
    url=url + "/api",
    app_name="flagstaff-impact-test",
    environment="production",
    custom_headers={"Authorization": token},
    refresh_interval=60,
    metrics_interval=60,
    disable_registration=True,
    cache_directory=cache_dir,
)
client.initialize_client(fetch_toggles=True)
client.impact_metrics.define_counter("errors", "Errors in checkout")
client.impact_metrics.increment_counter("errors", int(count))
client.destroy()
print(json.dumps(["errors"]), flush=True)
