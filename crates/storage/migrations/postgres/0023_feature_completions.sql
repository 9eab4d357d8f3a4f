-- Flag lifecycle (issue 23): a flag marked completed (Unleash's "mark
-- completed"), kept or discarded, with an optional value it was kept at.
-- Every other lifecycle stage is derived from what Flagstaff already knows.
CREATE TABLE feature_completions (
    feature_name TEXT PRIMARY KEY REFERENCES features(name) ON DELETE CASCADE,
    status TEXT NOT NULL,
    status_value TEXT,
    completed_at TEXT NOT NULL
);
