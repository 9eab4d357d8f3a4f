-- Client metrics: yes/no counts per flag, environment, application and hour bucket,
-- and variant counts alongside; the SDK instances seen through register/metrics.
CREATE TABLE client_metrics (
    feature_name TEXT NOT NULL,
    environment TEXT NOT NULL,
    app_name TEXT NOT NULL,
    hour TEXT NOT NULL,
    yes BIGINT NOT NULL DEFAULT 0,
    no BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (feature_name, environment, app_name, hour)
);
CREATE TABLE client_metric_variants (
    feature_name TEXT NOT NULL,
    environment TEXT NOT NULL,
    app_name TEXT NOT NULL,
    hour TEXT NOT NULL,
    variant TEXT NOT NULL,
    count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (feature_name, environment, app_name, hour, variant)
);
CREATE TABLE client_instances (
    app_name TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    environment TEXT NOT NULL,
    sdk_version TEXT,
    strategies TEXT NOT NULL DEFAULT '[]',
    started TEXT,
    interval_ms BIGINT,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (app_name, instance_id, environment)
);
