-- Users managed through the admin API and the users screen (issue 23): a
-- user may be deactivated (no sign-in, no session, no PAT opens anything,
-- until reactivated); a password reset link is kept as the SHA-256 of its
-- secret, used once, until it expires; and each user's sign-ins are listed
-- (not changes: written without a revision, the newest 20 per user kept).
ALTER TABLE users ADD COLUMN deactivated_at TEXT;
CREATE TABLE password_resets (
    secret_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
CREATE TABLE sign_ins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    signed_in_at TEXT NOT NULL,
    address TEXT,
    via TEXT NOT NULL
);
CREATE INDEX sign_ins_by_user ON sign_ins (user_id, id);
