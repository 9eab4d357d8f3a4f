-- Segments (reusable constraint lists) and context fields.
CREATE TABLE segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    project TEXT,
    constraints TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE context_fields (
    name TEXT PRIMARY KEY,
    description TEXT,
    stickiness INTEGER NOT NULL DEFAULT 0,
    sort_order INTEGER NOT NULL DEFAULT 0,
    legal_values TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
