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
SELECT DISTINCT ON (r.signal_id) r.signal_id, (r.signal::jsonb ->> 'sourceId')::BIGINT,
       r.signal::jsonb ->> 'tokenName', (r.signal::jsonb -> 'payload')::TEXT,
       r.signal::jsonb ->> 'createdAt'
FROM action_set_runs r
WHERE NOT EXISTS (SELECT 1 FROM signals s WHERE s.id = r.signal_id)
  AND jsonb_typeof(r.signal::jsonb -> 'payload') = 'object'
  AND jsonb_typeof(r.signal::jsonb -> 'sourceId') = 'number'
  AND r.signal::jsonb ->> 'tokenName' IS NOT NULL
  AND r.signal::jsonb ->> 'createdAt' IS NOT NULL
  AND (r.signal::jsonb ->> 'sourceId')::BIGINT IN (SELECT id FROM signal_endpoints)
ORDER BY r.signal_id, r.id DESC;
UPDATE signals SET payload_bytes = OCTET_LENGTH(payload);
ALTER TABLE action_set_runs DROP COLUMN signal;
CREATE INDEX action_set_runs_by_signal ON action_set_runs (signal_id);
DROP INDEX signals_by_endpoint;
CREATE INDEX signals_by_endpoint ON signals (endpoint_id, id, payload_bytes);
ALTER TABLE events ADD COLUMN action_depth BIGINT NOT NULL DEFAULT 0;
