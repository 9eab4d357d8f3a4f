-- The change head: one row holding the revision. Every change takes its row
-- lock first (so writers queue across processes, and read what they decide on
-- under that lock) and bumps it once, so revisions are gapless and in commit
-- order. Events carry the revision of the change that wrote them.
CREATE TABLE change_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO change_head (id, revision) SELECT 1, COALESCE(MAX(id), 0) FROM events;
ALTER TABLE events ADD COLUMN revision BIGINT;
UPDATE events SET revision = id;
CREATE INDEX events_by_revision ON events (revision);
