-- Integrations (Unleash's addons) and their outbox. A delivery row is written
-- in the same transaction as the event it carries, one per matching enabled
-- integration, so a committed event is never lost; a worker on any replica
-- claims due rows with a short lease (an UPDATE that succeeds for one
-- process only), sends them, and logs every attempt.
CREATE TABLE addons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    description TEXT,
    enabled INTEGER NOT NULL,
    parameters TEXT NOT NULL,
    events TEXT NOT NULL,
    projects TEXT NOT NULL,
    environments TEXT NOT NULL,
    signing_secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE addon_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    addon_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    feature_name TEXT,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    leased_until TEXT
);
CREATE INDEX addon_deliveries_due ON addon_deliveries (state, next_attempt_at);
CREATE INDEX addon_deliveries_by_flag ON addon_deliveries (addon_id, feature_name, id);
CREATE TABLE addon_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    addon_id BIGINT NOT NULL,
    delivery_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    succeeded INTEGER NOT NULL,
    status BIGINT,
    latency_ms BIGINT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX addon_attempts_by_addon ON addon_attempts (addon_id, id);
