-- The flag search (admin search, web UI) finds flags by part of their name
-- or description, any case: `ILIKE '%text%'`, which this trigram index
-- answers for a text of three characters or more (pg_trgm, a trusted
-- extension shipped with PostgreSQL). SQLite has the same index as an FTS5
-- table of the same name.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX features_search ON features USING gin (name gin_trgm_ops, description gin_trgm_ops);
