-- Web UI users (passwords as argon2id hashes only) and their sessions,
-- server-side so every replica sees them: a session is kept as the SHA-256
-- of its cookie's random id, with its CSRF token and expiry.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    email TEXT UNIQUE,
    name TEXT,
    password_hash TEXT NOT NULL,
    root_role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seen_at TEXT
);
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
