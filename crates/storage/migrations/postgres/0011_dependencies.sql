-- Dependent flags (Unleash's dependent features): a child flag is on only when
-- its parent is as the row says (on or off, and with one of `variants` when
-- the list is not empty). One level only, same project; the operations keep
-- those rules. A row goes with either flag.
CREATE TABLE feature_dependencies (
    child TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    parent TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    enabled BIGINT NOT NULL DEFAULT 1,
    variants TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (child, parent)
);
CREATE INDEX feature_dependencies_by_parent ON feature_dependencies (parent, child);
