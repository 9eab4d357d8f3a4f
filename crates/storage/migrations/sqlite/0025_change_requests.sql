-- Change requests and scheduled changes (issue 26). A row of
-- change_request_settings means changes to that project environment need an
-- approved request (required_approvals of other users). A request is a list
-- of changes, each stored as its typed operation (JSON, applied later) beside
-- Unleash's view of it (action, payload) and the revision of the last change
-- to its flag when it was made (a later one is a conflict).
CREATE TABLE change_request_settings (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    required_approvals INTEGER NOT NULL,
    PRIMARY KEY (project_id, environment)
);
CREATE TABLE change_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    min_approvals INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    scheduled_at TEXT,
    schedule_status TEXT,
    schedule_failure TEXT
);
CREATE INDEX change_requests_by_project ON change_requests (project_id, state);
CREATE INDEX change_requests_by_schedule ON change_requests (state, scheduled_at);
CREATE TABLE change_request_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    change_request_id INTEGER NOT NULL REFERENCES change_requests(id) ON DELETE CASCADE,
    feature_name TEXT NOT NULL,
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    operation TEXT NOT NULL,
    base_revision INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX change_request_changes_by_request ON change_request_changes (change_request_id, id);
CREATE TABLE change_request_reviews (
    change_request_id INTEGER NOT NULL REFERENCES change_requests(id) ON DELETE CASCADE,
    reviewer TEXT NOT NULL,
    verdict TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (change_request_id, reviewer)
);
