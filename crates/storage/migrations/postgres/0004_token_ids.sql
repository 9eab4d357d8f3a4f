-- Tokens get a public id (list, revoke without the secret) and a short,
-- non-secret prefix of the secret to tell them apart. Older rows get a random id;
-- their prefix is unknown (only the hash was kept).
ALTER TABLE api_tokens ADD COLUMN id TEXT;
ALTER TABLE api_tokens ADD COLUMN secret_prefix TEXT;
UPDATE api_tokens SET id = md5(random()::text || secret_hash) WHERE id IS NULL;
CREATE UNIQUE INDEX api_tokens_by_id ON api_tokens (id);
