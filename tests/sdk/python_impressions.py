"""Impression data with the real Python SDK: prints, as one JSON line, the
impression events its `event_callback` received for `is_enabled` and
`get_variant` on the flags named on the command line."""
import json
import sys

from UnleashClient import UnleashClient
from UnleashClient.events import UnleashEvent

url, token, cache_dir, *flags = sys.argv[1:]
events = []


def on_event(event):
    if isinstance(event, UnleashEvent):
        events.append({
            "type": event.event_type.value,
            "feature": event.feature_name,
            "enabled": event.enabled,
            "variant": event.variant,
        })


client = UnleashClient(
    url=url + "/api",
    app_name="flagstaff-impressions-test",
    environment="production",
    custom_headers={"Authorization": token},
    refresh_interval=60,
    disable_metrics=True,
    disable_registration=True,
    cache_directory=cache_dir,
    event_callback=on_event,
)
client.initialize_client(fetch_toggles=True)
for flag in flags:
    client.is_enabled(flag, {"userId": "1"})
    client.get_variant(flag, {"userId": "1"})
client.destroy()
print(json.dumps(events), flush=True)
