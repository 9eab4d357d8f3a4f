-- Indexes for the admin API's filters and joins: flags by project, events by
-- project and by type (newest first), strategies by environment.
CREATE INDEX features_by_project ON features (project_id, name);
CREATE INDEX events_by_project ON events (project, id);
CREATE INDEX events_by_type ON events (type, id);
CREATE INDEX feature_environments_by_environment ON feature_environments (environment);
