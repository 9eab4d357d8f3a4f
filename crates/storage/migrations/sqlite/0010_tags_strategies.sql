-- Tag types, tags and the tags of flags (Unleash's), strategy types (the
-- built-in ones seeded here, custom ones added through the admin API), each
-- project environment's default strategy, and the flag's tags on its events.
-- Deleting a tag type or a tag takes its flag tags with it, as in Unleash.
CREATE TABLE tag_types (
    name TEXT PRIMARY KEY,
    description TEXT,
    icon TEXT,
    color TEXT,
    created_at TEXT NOT NULL
);
INSERT INTO tag_types (name, description, icon, color, created_at)
VALUES ('simple', 'Used to simplify filtering of features', '#', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
CREATE TABLE tags (
    tag_type TEXT NOT NULL REFERENCES tag_types(name) ON DELETE CASCADE,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (tag_type, value)
);
CREATE TABLE feature_tags (
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    tag_type TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (feature_name, tag_type, tag_value),
    FOREIGN KEY (tag_type, tag_value) REFERENCES tags(tag_type, value) ON DELETE CASCADE
);
CREATE INDEX feature_tags_by_tag ON feature_tags (tag_type, tag_value);
CREATE TABLE strategies (
    name TEXT PRIMARY KEY,
    title TEXT,
    description TEXT,
    parameters TEXT NOT NULL DEFAULT '[]',
    built_in INTEGER NOT NULL DEFAULT 0,
    deprecated INTEGER NOT NULL DEFAULT 0,
    sort_order INTEGER NOT NULL DEFAULT 9999,
    created_at TEXT NOT NULL
);
INSERT INTO strategies (name, title, description, parameters, built_in, deprecated, sort_order, created_at) VALUES
('flexibleRollout', 'Gradual rollout', 'On for a percentage of users, sticky on the stickiness field, grouped by groupId.',
 '[{"name":"rollout","type":"percentage","description":"","required":false},{"name":"stickiness","type":"string","description":"The context field the rollout is sticky on","required":true},{"name":"groupId","type":"string","description":"Flags with the same groupId bucket users alike","required":true}]',
 1, 0, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
('default', 'Standard', 'On or off for everyone.', '[]', 1, 0, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
('userWithId', 'UserIDs', 'On for the listed user ids.',
 '[{"name":"userIds","type":"list","description":"","required":false}]', 1, 0, 2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
('remoteAddress', 'IPs', 'On for the listed addresses and CIDR ranges.',
 '[{"name":"IPs","type":"list","description":"","required":true}]', 1, 0, 3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
('applicationHostname', 'Hosts', 'On for the listed host names.',
 '[{"name":"hostNames","type":"list","description":"","required":false}]', 1, 0, 4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
('gradualRolloutRandom', NULL, 'Deprecated: a random percentage of requests.',
 '[{"name":"percentage","type":"percentage","description":"","required":false}]', 1, 1, 5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
('gradualRolloutSessionId', NULL, 'Deprecated: a percentage of sessions.',
 '[{"name":"percentage","type":"percentage","description":"","required":false},{"name":"groupId","type":"string","description":"","required":true}]', 1, 1, 6, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
('gradualRolloutUserId', NULL, 'Deprecated: a percentage of users.',
 '[{"name":"percentage","type":"percentage","description":"","required":false},{"name":"groupId","type":"string","description":"","required":true}]', 1, 1, 7, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
CREATE TABLE project_default_strategies (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment TEXT NOT NULL REFERENCES environments(name),
    strategy TEXT NOT NULL,
    PRIMARY KEY (project_id, environment)
);
ALTER TABLE events ADD COLUMN tags TEXT;
