-- Impact metrics and safeguards (issue 26). What SDKs send as `impactMetrics`:
-- one series per metric and label set (at most a fixed number per metric,
-- checked when a new one comes), and each report's sample as a row of its own
-- (so replicas never merge into one row) with its minute and its data as JSON
-- (a counter's increment, a gauge's value, a histogram's count, sum and
-- cumulative buckets), pruned with the other metrics. Not changes: no event.
CREATE TABLE impact_metric_series (
    metric_name TEXT NOT NULL,
    labels TEXT NOT NULL,
    metric_type TEXT NOT NULL,
    help TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (metric_name, labels)
);
CREATE TABLE impact_metric_values (
    id TEXT PRIMARY KEY,
    metric_name TEXT NOT NULL,
    labels TEXT NOT NULL,
    minute TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX impact_metric_values_by_metric ON impact_metric_values (metric_name, minute);
CREATE INDEX impact_metric_values_by_minute ON impact_metric_values (minute);
-- A safeguard watches an impact metric for a flag's environment (of one
-- release plan, or of the environment); when its condition holds it pauses
-- the plans' progressions (triggered_at), and may switch the environment off.
CREATE TABLE safeguards (
    id TEXT PRIMARY KEY,
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    release_plan_id TEXT REFERENCES release_plan_definitions(id) ON DELETE CASCADE,
    impact_metric TEXT NOT NULL,
    trigger_condition TEXT NOT NULL,
    disable_environment BIGINT NOT NULL DEFAULT 0,
    triggered_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX safeguards_by_feature ON safeguards (feature_name, environment);
-- Saved impact metric charts (Unleash's impact metrics config): global, or of one flag.
CREATE TABLE impact_metric_configs (
    id TEXT PRIMARY KEY,
    feature_name TEXT REFERENCES features(name) ON DELETE CASCADE,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL
);
