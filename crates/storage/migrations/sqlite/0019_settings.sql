-- Instance settings by name, as Unleash's `settings` table (issue 23): the
-- value is JSON, read by its own typed reader (maintenance mode:
-- `maintenance.mode` = {"enabled": bool}).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
