-- Flagstaff schema (SQLite). JSON is stored as text; instants as RFC 3339 text.
-- Booleans are integers (0/1) on both backends: sqlx's Any driver reads no SQLite BOOLEAN.
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE environments (
    name TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE project_environments (
    project_id TEXT NOT NULL REFERENCES projects(id),
    environment TEXT NOT NULL REFERENCES environments(name),
    PRIMARY KEY (project_id, environment)
);
CREATE TABLE features (
    name TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    description TEXT,
    type TEXT NOT NULL,
    stale INTEGER NOT NULL DEFAULT 0,
    impression_data INTEGER NOT NULL DEFAULT 0,
    archived_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE feature_environments (
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    environment TEXT NOT NULL REFERENCES environments(name),
    enabled INTEGER NOT NULL DEFAULT 0,
    variants TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (feature_name, environment)
);
CREATE TABLE feature_strategies (
    id TEXT PRIMARY KEY,
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    environment TEXT NOT NULL REFERENCES environments(name),
    strategy_name TEXT NOT NULL,
    title TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    sort_order INTEGER NOT NULL DEFAULT 0,
    parameters TEXT NOT NULL DEFAULT '{}',
    constraints TEXT NOT NULL DEFAULT '[]',
    segments TEXT NOT NULL DEFAULT '[]',
    variants TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE INDEX feature_strategies_by_feature ON feature_strategies (feature_name, environment);
CREATE TABLE api_tokens (
    secret_hash TEXT PRIMARY KEY,
    token_name TEXT NOT NULL,
    type TEXT NOT NULL,
    projects TEXT NOT NULL,
    environment TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    project TEXT,
    environment TEXT,
    feature_name TEXT,
    pre_data TEXT,
    data TEXT
);
CREATE INDEX events_by_feature ON events (feature_name, id);
