-- Instance settings by name, as Unleash's `settings` table (issue 23): the
-- value is JSON, read by its own typed reader (maintenance mode:
-- `maintenance.mode` = {"enabled": bool}).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- A flag type's expected lifetime in days when changed from the catalogue's
-- (`PUT /api/admin/feature-types/:id/lifetime`; 0 = never potentially stale).
CREATE TABLE feature_type_lifetimes (
    feature_type TEXT PRIMARY KEY,
    lifetime_days INTEGER NOT NULL
);
