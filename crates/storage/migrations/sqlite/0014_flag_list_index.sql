-- The flag list (admin search, web UI) counts and pages a project's live
-- flags by name: this index answers the count alone and gives the page in
-- order without a sort, whatever the number of flags.
CREATE INDEX features_live_by_project ON features (project_id, archived_at, name);
