-- PostgreSQL's change head id becomes BIGINT in this version; SQLite's INTEGER
-- is 64 bits already. Nothing to change here: the version keeps both trees in step.
SELECT 1;
