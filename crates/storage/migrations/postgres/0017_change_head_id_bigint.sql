-- The change head's id was INTEGER (32 bits) here and a 64-bit integer on
-- SQLite, like every other integer column; the schema parity test
-- (storage::schema_parity) found it. One type on both backends.
ALTER TABLE change_head ALTER COLUMN id TYPE BIGINT;
