-- Signals are stored once: a run of an action set names its signal
-- (`signal_id`) instead of keeping a copy of it. The copies runs kept bring
-- back the signals pruned meanwhile, so every run still shows its signal.
-- `payload_bytes` is what the byte budget per endpoint counts (the covering
-- index answers it without reading payloads); `action_depth` is how deep in a
-- chain of action runs a change was made (0: by a person or a token), on the
-- events it recorded and on the signals its webhooks sent back (the loop
-- guard).
ALTER TABLE signals ADD COLUMN payload_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signals ADD COLUMN action_depth BIGINT NOT NULL DEFAULT 0;
INSERT INTO signals (id, endpoint_id, token_name, payload, created_at)
SELECT r.signal_id, json_extract(r.signal, '$.sourceId'), json_extract(r.signal, '$.tokenName'),
       json_extract(r.signal, '$.payload'), json_extract(r.signal, '$.createdAt')
FROM action_set_runs r
WHERE r.id IN (SELECT MAX(id) FROM action_set_runs GROUP BY signal_id)
  AND NOT EXISTS (SELECT 1 FROM signals s WHERE s.id = r.signal_id)
  AND json_type(r.signal, '$.payload') = 'object'
  AND json_extract(r.signal, '$.tokenName') IS NOT NULL
  AND json_extract(r.signal, '$.createdAt') IS NOT NULL
  AND EXISTS (SELECT 1 FROM signal_endpoints e WHERE e.id = json_extract(r.signal, '$.sourceId'));
UPDATE signals SET payload_bytes = LENGTH(CAST(payload AS BLOB));
ALTER TABLE action_set_runs DROP COLUMN signal;
CREATE INDEX action_set_runs_by_signal ON action_set_runs (signal_id);
DROP INDEX signals_by_endpoint;
CREATE INDEX signals_by_endpoint ON signals (endpoint_id, id, payload_bytes);
ALTER TABLE events ADD COLUMN action_depth BIGINT NOT NULL DEFAULT 0;
