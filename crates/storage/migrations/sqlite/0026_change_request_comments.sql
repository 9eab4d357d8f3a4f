-- Change requests (issue 26): comments, and the approvers a request asks for.
CREATE TABLE change_request_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    change_request_id INTEGER NOT NULL REFERENCES change_requests(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX change_request_comments_by_request ON change_request_comments (change_request_id, id);
CREATE TABLE change_request_approvers (
    change_request_id INTEGER NOT NULL REFERENCES change_requests(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (change_request_id, user_id)
);
