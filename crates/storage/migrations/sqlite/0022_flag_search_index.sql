-- The flag search (admin search, web UI) finds flags by part of their name
-- or description, any case. This trigram index (FTS5, bundled SQLite >= 3.34;
-- contentless, >= 3.43) answers which flags may contain a text of three
-- characters or more; the search keeps its LIKE to decide exactly, so the
-- results are those of the LIKE alone. Its rows are the flags' rowids, kept in
-- step by the triggers below (VACUUM keeps a table's rowids).
CREATE VIRTUAL TABLE features_search USING fts5(
    name, description, tokenize = 'trigram', content = '', contentless_delete = 1
);
INSERT INTO features_search (rowid, name, description)
    SELECT rowid, name, description FROM features;
CREATE TRIGGER features_search_insert AFTER INSERT ON features BEGIN
    INSERT INTO features_search (rowid, name, description)
        VALUES (new.rowid, new.name, new.description);
END;
CREATE TRIGGER features_search_update AFTER UPDATE OF name, description ON features
WHEN old.name IS NOT new.name OR old.description IS NOT new.description BEGIN
    DELETE FROM features_search WHERE rowid = old.rowid;
    INSERT INTO features_search (rowid, name, description)
        VALUES (new.rowid, new.name, new.description);
END;
CREATE TRIGGER features_search_delete AFTER DELETE ON features BEGIN
    DELETE FROM features_search WHERE rowid = old.rowid;
END;
