-- Favorites (issue 23): a user's own starred flags and projects (Unleash's
-- favorite_features and favorite_projects). Per user, no event; deleted with
-- the user, the flag or the project.
CREATE TABLE favorite_features (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    feature_name TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, feature_name)
);
CREATE TABLE favorite_projects (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, project_id)
);
