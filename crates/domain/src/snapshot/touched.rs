//! What a run of changes touched, as far as the client documents go: the
//! change log's events, parsed into their [`EventKind`], say (through
//! [`EventKind::touches`]) which flags and segments a catch-up reloads, and
//! what it cannot narrow down (then it rebuilds).

use std::collections::BTreeSet;

use flagstaff_storage::{ChangeRecord, EventKind, Part, Touches};

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
            // A name this version does not record (a newer process wrote it)
            // cannot be narrowed down.
            let Ok(kind) = change.event_type.parse::<EventKind>() else {
                touched.everything = true;
                continue;
            };
            let part = match kind.touches() {
                Touches::Tokens => {
                    touched.tokens = true;
                    continue;
                }
                Touches::Nothing => continue,
                Touches::FlagElse(part) => part,
            };
            if let Some(name) = &change.feature_name {
                touched.flags.insert(name.clone());
                continue;
            }
            match part {
                Part::Segment => match change.subject_id {
                    Some(id) => {
                        touched.segments.insert(id);
                    }
                    None => touched.everything = true,
                },
                Part::Tokens => touched.tokens = true,
                Part::Projects => touched.projects = true,
                Part::Tags => touched.tags = true,
                Part::Nothing => {}
                Part::Everything => touched.everything = true,
            }
        }
        touched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule by name prefix that `EventKind::touches` replaced, kept to
    /// show that every kind is decided as before — but for user events, which
    /// rebuilt everything and now touch nothing (issue 21).
    fn by_prefix(change: &ChangeRecord) -> Touched {
        let mut touched = Touched::default();
        let kind = change.event_type.as_str();
        if kind.starts_with("signal-endpoint-token-") || kind == "signal-endpoint-deleted" {
            touched.tokens = true;
            return touched;
        }
        if [
            "feature-link-",
            "signal-endpoint-",
            "actions-",
            "addon-config-",
            "addon-delivery-",
            "addon-test-",
            "features-",
            "user-",
            // Kinds added since, which change nothing an SDK is sent.
            "feature-completed",
            "feature-uncompleted",
            // Change requests: what applying one changes records its own events.
            "change-",
        ]
        .iter()
        .any(|prefix| kind.starts_with(prefix))
        {
            return touched;
        }
        // Kinds added since: a flag they name, else nothing.
        if kind.starts_with("setting-")
            || kind.starts_with("feature-type-")
            || kind.starts_with("release-plan-template-")
            || kind.starts_with("impact-metric-")
        {
            touched.flags.extend(change.feature_name.clone());
            return touched;
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
            touched.tokens = true;
        } else if matches!(
            kind,
            "project-created" | "project-updated" | "project-deleted"
        ) {
            touched.projects = true;
        } else if kind == "tag-created" {
            touched.tags = true;
        } else if kind.starts_with("context-field-")
            || kind.starts_with("strategy-")
            || matches!(
                kind,
                "tag-type-created" | "tag-type-updated" | "default-strategy-updated"
            )
        {
        } else {
            touched.everything = true;
        }
        touched
    }

    fn summary(t: &Touched) -> (Vec<String>, Vec<i64>, [bool; 4]) {
        (
            t.flags.iter().cloned().collect(),
            t.segments.iter().copied().collect(),
            [t.tokens, t.projects, t.tags, t.everything],
        )
    }

    #[test]
    fn every_kind_touches_what_its_name_prefix_did() {
        for &kind in EventKind::ALL {
            for feature_name in [None, Some("f".to_owned())] {
                for subject_id in [None, Some(7)] {
                    let change = ChangeRecord {
                        revision: 1,
                        event_type: kind.as_str().to_owned(),
                        feature_name: feature_name.clone(),
                        subject_id,
                    };
                    assert_eq!(
                        summary(&Touched::from_changes(std::slice::from_ref(&change))),
                        summary(&by_prefix(&change)),
                        "{kind} with {feature_name:?} and {subject_id:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn user_events_reload_nothing() {
        for kind in [EventKind::UserCreated, EventKind::UserPasswordChanged] {
            let change = ChangeRecord {
                revision: 1,
                event_type: kind.as_str().to_owned(),
                feature_name: None,
                subject_id: None,
            };
            let touched = Touched::from_changes(&[change]);
            assert_eq!(
                summary(&touched),
                (Vec::new(), Vec::new(), [false; 4]),
                "{kind}"
            );
        }
    }

    #[test]
    fn a_name_this_version_does_not_record_rebuilds() {
        let change = ChangeRecord {
            revision: 1,
            event_type: "feature-renamed-in-a-later-version".to_owned(),
            feature_name: Some("f".to_owned()),
            subject_id: None,
        };
        assert!(Touched::from_changes(&[change]).everything);
    }
}
