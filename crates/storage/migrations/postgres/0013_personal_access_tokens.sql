-- Personal access tokens: a user's own secrets for the admin API. A PAT acts
-- with its user's root role as it is at each request (read with the user), so
-- deleting or demoting the user takes effect at once; deleting the user
-- deletes their PATs. Only the SHA-256 of a secret is stored.
CREATE TABLE personal_access_tokens (
    id BIGSERIAL PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    seen_at TEXT,
    UNIQUE (user_id, description)
);
