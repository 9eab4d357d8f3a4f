-- Flag links (Unleash 7's feature links), signal endpoints with their tokens
-- (only a SHA-256 of each secret is kept) and the signals they received, and
-- action sets with the log of their runs. Signals and runs are bounded per
-- endpoint and per action set by the writer, which prunes in the same write.
CREATE TABLE feature_links (
    id TEXT PRIMARY KEY,
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    url TEXT NOT NULL,
    title TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX feature_links_by_feature ON feature_links (feature_name, created_at);
CREATE TABLE signal_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE signal_endpoint_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id INTEGER NOT NULL REFERENCES signal_endpoints(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX signal_endpoint_tokens_by_endpoint ON signal_endpoint_tokens (endpoint_id, id);
CREATE TABLE signals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id INTEGER NOT NULL REFERENCES signal_endpoints(id) ON DELETE CASCADE,
    token_name TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX signals_by_endpoint ON signals (endpoint_id, id);
CREATE TABLE action_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    description TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    source TEXT NOT NULL,
    source_id INTEGER NOT NULL REFERENCES signal_endpoints(id),
    filters TEXT NOT NULL DEFAULT '{}',
    actor_id INTEGER,
    actions TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (project, name)
);
CREATE INDEX action_sets_by_source ON action_sets (source_id, id);
CREATE TABLE action_set_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action_set_id INTEGER NOT NULL REFERENCES action_sets(id) ON DELETE CASCADE,
    signal_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    signal TEXT NOT NULL,
    action_set TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX action_set_runs_by_set ON action_set_runs (action_set_id, id);
