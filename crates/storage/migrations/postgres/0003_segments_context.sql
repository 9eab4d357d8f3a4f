-- Segments (reusable constraint lists) and context fields.
CREATE TABLE segments (
    id BIGSERIAL PRIMARY KEY,
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
    stickiness BIGINT NOT NULL DEFAULT 0,
    sort_order BIGINT NOT NULL DEFAULT 0,
    legal_values TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
