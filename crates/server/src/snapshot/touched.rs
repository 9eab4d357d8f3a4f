//! What a run of changes touched, as far as the client documents go: the
//! change log's events, read by their type, say which flags and segments a
//! catch-up reloads, and what it cannot narrow down (then it rebuilds).

use std::collections::BTreeSet;

use crate::storage::ChangeRecord;

/// What a run of changes touched, as far as the client documents go.
#[derive(Debug, Default)]
pub(super) struct Touched {
    pub flags: BTreeSet<String>,
    pub segments: BTreeSet<i64>,
    pub tokens: bool,
    /// A project was created, changed or deleted (the set of projects is reloaded).
    pub projects: bool,
    /// A tag was created (the set of tags is reloaded).
    pub tags: bool,
    /// Something the log does not narrow down (a new environment, …).
    pub everything: bool,
}

impl Touched {
    pub(super) fn from_changes(changes: &[ChangeRecord]) -> Touched {
        let mut touched = Touched::default();
        for change in changes {
            let kind = change.event_type.as_str();
            if kind.starts_with("signal-endpoint-token-") || kind == "signal-endpoint-deleted" {
                // In no client document; the token cache knows signal tokens' hashes.
                touched.tokens = true;
                continue;
            }
            if [
                "feature-link-",
                "signal-endpoint-",
                "actions-",
                "addon-config-",
                "addon-delivery-",
                "features-",
            ]
            .iter()
            .any(|prefix| kind.starts_with(prefix))
            {
                // Links, signal endpoints, action sets, integrations, exports,
                // the summary event of an import: not part of any client document
                // (a step an action set or an import runs records its own events).
                continue;
            }
            if let Some(name) = &change.feature_name {
                touched.flags.insert(name.clone());
            } else if kind.starts_with("segment-") {
                match change.subject_id {
                    Some(id) => {
                        touched.segments.insert(id);
                    }
                    None => touched.everything = true,
                }
            } else if kind.starts_with("api-token-") || kind.starts_with("pat-") {
                // Personal access tokens are in no client document; the token
                // cache knows their hashes.
                touched.tokens = true;
            } else if matches!(
                kind,
                "project-created" | "project-updated" | "project-deleted"
            ) {
                // Not part of any client document; only the set of projects changes.
                touched.projects = true;
            } else if kind == "tag-created" {
                // Not part of any client document until a flag has it (its own event).
                touched.tags = true;
            } else if kind.starts_with("context-field-")
                || kind.starts_with("strategy-")
                || matches!(
                    kind,
                    "tag-type-created" | "tag-type-updated" | "default-strategy-updated"
                )
            {
                // Not part of any client document (flags name strategy types;
                // a default strategy is copied into a flag by its own event).
            } else {
                // Among others a deleted tag or tag type, which leaves flags.
                touched.everything = true;
            }
        }
        touched
    }
}
