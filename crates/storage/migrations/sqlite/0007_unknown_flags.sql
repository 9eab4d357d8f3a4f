-- Flags SDKs report metrics for but that do not exist (Unleash 7's "unknown
-- flags"): one row per flag, application and environment with when it was last
-- reported, capped in number by the writer and pruned by age; and an index to
-- prune SDK instances by when they were last seen, and one to list the flags
-- an application reported.
CREATE TABLE unknown_flags (
    name TEXT NOT NULL,
    app_name TEXT NOT NULL,
    environment TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (name, app_name, environment)
);
CREATE INDEX unknown_flags_by_last_seen ON unknown_flags (last_seen);
CREATE INDEX client_instances_by_last_seen ON client_instances (last_seen);
CREATE INDEX client_metrics_by_app ON client_metrics (app_name, feature_name);
