-- Release templates and plans (issue 26): Unleash's release_plan_definitions
-- (a template, or a plan on one flag's environment made from a template),
-- their milestones, each milestone's strategies, and progressions (move from
-- one milestone to the next after a time). A plan's active milestone has its
-- strategies in feature_strategies, marked with milestone_id (same ids as the
-- milestone's strategies), so starting another replaces them and nothing else.
CREATE TABLE release_plan_definitions (
    id TEXT PRIMARY KEY,
    discriminator TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    feature_name TEXT REFERENCES features(name) ON DELETE CASCADE,
    environment TEXT,
    release_plan_template_id TEXT,
    active_milestone_id TEXT,
    paused_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE INDEX release_plans_by_feature ON release_plan_definitions (feature_name, environment);
CREATE TABLE milestones (
    id TEXT PRIMARY KEY,
    release_plan_definition_id TEXT NOT NULL REFERENCES release_plan_definitions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    sort_order BIGINT NOT NULL,
    started_at TEXT
);
CREATE INDEX milestones_by_plan ON milestones (release_plan_definition_id);
CREATE TABLE milestone_strategies (
    id TEXT PRIMARY KEY,
    milestone_id TEXT NOT NULL REFERENCES milestones(id) ON DELETE CASCADE,
    strategy_name TEXT NOT NULL,
    title TEXT,
    sort_order BIGINT NOT NULL DEFAULT 0,
    parameters TEXT NOT NULL DEFAULT '{}',
    constraints TEXT NOT NULL DEFAULT '[]',
    segments TEXT NOT NULL DEFAULT '[]',
    variants TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX milestone_strategies_by_milestone ON milestone_strategies (milestone_id);
CREATE TABLE milestone_progressions (
    source_milestone TEXT PRIMARY KEY REFERENCES milestones(id) ON DELETE CASCADE,
    target_milestone TEXT NOT NULL REFERENCES milestones(id) ON DELETE CASCADE,
    interval_minutes BIGINT NOT NULL,
    executed_at TEXT,
    created_at TEXT NOT NULL
);
ALTER TABLE feature_strategies ADD COLUMN milestone_id TEXT;
