-- PostgreSQL's trigram index stops deferring its updates (see the PostgreSQL
-- migration of the same number); SQLite's FTS5 table has nothing to change.
SELECT 1;
