//! The delta history: what each new snapshot changed in the client documents,
//! kept as Unleash's delta events for a bounded number of changed flags, so a
//! client a few minutes behind (`GET /api/client/delta`, a stream resumed with
//! `Last-Event-ID`) is sent only what changed since its revision; a client
//! older than the history is sent a hydration instead.
//!
//! A change is found by comparing the previous snapshot's flag maps with the
//! next one's (`imbl`'s diff skips the structure they share, so this costs what
//! changed), which works the same after an incremental update and after a full
//! rebuild. Replicas may catch up in different steps (one applies revisions
//! 5–7 at once, another one by one), so a client's revision can fall inside a
//! step: it is then sent every change of that step — a superset, and harmless,
//! because every delta event carries the final state of what it names.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use flagstaff_engine::document::{DeltaEvent, Segment};

use crate::snapshot::{ClientFlag, FlagMap, Snapshot};

/// Most flag and segment changes kept, and most bytes of them (as serialised);
/// past either the oldest changes are dropped and a client from before them
/// gets a hydration.
pub const MAX_HISTORY_EVENTS: usize = 20_000;
pub const MAX_HISTORY_BYTES: usize = 64 * 1024 * 1024;

/// What happened to one flag in one environment.
#[derive(Debug, Clone)]
pub enum FlagChange {
    Updated(Arc<ClientFlag>),
    Removed { name: String, project: String },
}

#[derive(Debug, Clone)]
pub enum SegmentChange {
    Updated(Segment),
    Removed(i64),
}

/// What one new snapshot changed.
#[derive(Debug, Default)]
pub struct Change {
    /// The snapshot revision this change leads to.
    pub revision: i64,
    /// About how many bytes its flags and segments take, serialised.
    bytes: usize,
    /// Segments are shared by every environment.
    pub segments: Vec<SegmentChange>,
    /// Environment → what changed among its flags, in name order.
    pub flags: HashMap<String, Vec<FlagChange>>,
}

impl Change {
    /// What changed from `previous` to `next`.
    pub fn between(previous: &Snapshot, next: &Snapshot) -> Change {
        let empty = FlagMap::default();
        let mut flags = HashMap::new();
        let names: HashSet<&String> = previous
            .environments
            .keys()
            .chain(next.environments.keys())
            .collect();
        for environment in names {
            let before = previous.environments.get(environment).unwrap_or(&empty);
            let after = next.environments.get(environment).unwrap_or(&empty);
            let changes: Vec<FlagChange> = before
                .diff(after)
                .map(|item| match item {
                    imbl::ordmap::DiffItem::Add(_, flag)
                    | imbl::ordmap::DiffItem::Update { new: (_, flag), .. } => {
                        FlagChange::Updated(Arc::clone(flag))
                    }
                    imbl::ordmap::DiffItem::Remove(name, flag) => FlagChange::Removed {
                        name: name.clone(),
                        project: flag.project.clone(),
                    },
                })
                .collect();
            if !changes.is_empty() {
                flags.insert(environment.clone(), changes);
            }
        }
        let mut segments = Vec::new();
        if !Arc::ptr_eq(&previous.segments, &next.segments) {
            let old: HashMap<i64, &Segment> = previous.segments.iter().map(|s| (s.id, s)).collect();
            let new_ids: HashSet<i64> = next.segments.iter().map(|s| s.id).collect();
            for segment in next.segments.iter() {
                if old.get(&segment.id) != Some(&segment) {
                    segments.push(SegmentChange::Updated(segment.clone()));
                }
            }
            for id in old.keys().filter(|id| !new_ids.contains(id)) {
                segments.push(SegmentChange::Removed(*id));
            }
        }
        let bytes = flags
            .values()
            .flatten()
            .map(|change| match change {
                FlagChange::Updated(flag) => serialised_len(&flag.feature),
                FlagChange::Removed { name, project } => name.len() + project.len(),
            })
            .chain(segments.iter().map(|change| match change {
                SegmentChange::Updated(segment) => serialised_len(segment),
                SegmentChange::Removed(_) => 8,
            }))
            .sum();
        Change {
            revision: next.revision,
            bytes,
            segments,
            flags,
        }
    }

    fn size(&self) -> usize {
        self.segments.len() + self.flags.values().map(Vec::len).sum::<usize>()
    }
}

/// The recent changes, oldest first; shared by consecutive snapshots.
#[derive(Debug, Clone, Default)]
pub struct DeltaHistory {
    changes: imbl::Vector<Arc<Change>>,
    /// The history is complete from this revision on: a client at this
    /// revision or later can be brought up to date from it.
    complete_from: i64,
    /// Flag and segment changes held.
    size: usize,
    /// About how many bytes they take.
    bytes: usize,
    /// The bounds: [`MAX_HISTORY_EVENTS`] and [`MAX_HISTORY_BYTES`].
    max_events: usize,
    max_bytes: usize,
}

fn serialised_len(value: &impl serde::Serialize) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len())
}

/// Which flags a client sees (its token's projects, its `namePrefix`, its tags).
pub trait FlagFilter {
    fn admits(&self, name: &str, project: &str) -> bool;

    /// Whether an admitted flag passes the tag filter too. An updated flag
    /// that does not is sent as removed: it may just have lost the tag (a
    /// client that never had it drops nothing).
    fn admits_tags(&self, _flag: &ClientFlag) -> bool {
        true
    }
}

impl DeltaHistory {
    /// An empty history for a snapshot built at `revision`.
    pub fn starting_at(revision: i64) -> DeltaHistory {
        DeltaHistory {
            complete_from: revision,
            max_events: MAX_HISTORY_EVENTS,
            max_bytes: MAX_HISTORY_BYTES,
            ..DeltaHistory::default()
        }
    }

    /// This history followed by `change` (dropping the oldest changes past
    /// [`MAX_HISTORY_EVENTS`]).
    pub fn then(&self, change: Change) -> DeltaHistory {
        let mut next = self.clone();
        if change.size() > 0 {
            next.size += change.size();
            next.bytes += change.bytes;
            next.changes.push_back(Arc::new(change));
        }
        while next.size > next.max_events || next.bytes > next.max_bytes {
            let Some(oldest) = next.changes.pop_front() else {
                break;
            };
            next.size -= oldest.size();
            next.bytes -= oldest.bytes;
            next.complete_from = oldest.revision;
        }
        next
    }

    /// The oldest revision a client can be brought up to date from.
    pub fn complete_from(&self) -> i64 {
        self.complete_from
    }

    /// Whether a client at `revision` can be brought up to date from here.
    pub fn reaches(&self, revision: i64) -> bool {
        revision >= self.complete_from
    }

    /// The delta events a client at `revision` needs for `environment`, in
    /// commit order, one per flag or segment (its latest state); `None` when
    /// the history does not reach back to `revision`.
    pub fn events_since(
        &self,
        revision: i64,
        environment: &str,
        filter: &impl FlagFilter,
    ) -> Option<Vec<DeltaEvent>> {
        if !self.reaches(revision) {
            return None;
        }
        // Newest first, so the first event seen for a name is its latest.
        let mut seen_flags: HashSet<&str> = HashSet::new();
        let mut seen_segments: HashSet<i64> = HashSet::new();
        let mut newest_first = Vec::new();
        for change in self.changes.iter().rev() {
            if change.revision <= revision {
                break;
            }
            let event_id = change.revision;
            if let Some(flags) = change.flags.get(environment) {
                for flag in flags.iter().rev() {
                    let (name, project) = match flag {
                        FlagChange::Updated(f) => (f.feature.name.as_str(), f.project.as_str()),
                        FlagChange::Removed { name, project } => (name.as_str(), project.as_str()),
                    };
                    if !filter.admits(name, project) || !seen_flags.insert(name) {
                        continue;
                    }
                    newest_first.push(match flag {
                        FlagChange::Updated(f) if !filter.admits_tags(f) => {
                            DeltaEvent::FeatureRemoved {
                                event_id,
                                feature_name: f.feature.name.clone(),
                                project: Some(f.project.clone()),
                            }
                        }
                        FlagChange::Updated(f) => DeltaEvent::FeatureUpdated {
                            event_id,
                            feature: f.feature.clone(),
                        },
                        FlagChange::Removed { name, project } => DeltaEvent::FeatureRemoved {
                            event_id,
                            feature_name: name.clone(),
                            project: Some(project.clone()),
                        },
                    });
                }
            }
            // Segments before the flags of the same change (pushed last here).
            for segment in change.segments.iter().rev() {
                let id = match segment {
                    SegmentChange::Updated(s) => s.id,
                    SegmentChange::Removed(id) => *id,
                };
                if !seen_segments.insert(id) {
                    continue;
                }
                newest_first.push(match segment {
                    SegmentChange::Updated(s) => DeltaEvent::SegmentUpdated {
                        event_id,
                        segment: s.clone(),
                    },
                    SegmentChange::Removed(id) => DeltaEvent::SegmentRemoved {
                        event_id,
                        segment_id: *id,
                    },
                });
            }
        }
        newest_first.reverse();
        Some(newest_first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::ClientFlag;
    use flagstaff_engine::document::Feature;

    fn flag(name: &str, project: &str, enabled: bool) -> (String, Arc<ClientFlag>) {
        (
            name.to_owned(),
            Arc::new(ClientFlag {
                project: project.to_owned(),
                feature: Feature {
                    name: name.to_owned(),
                    enabled,
                    project: Some(project.to_owned()),
                    ..Feature::default()
                },
                strategy_ids: Vec::new(),
                tags: Vec::new(),
            }),
        )
    }

    fn snapshot(revision: i64, flags: Vec<(String, Arc<ClientFlag>)>) -> Snapshot {
        let mut environments = HashMap::new();
        environments.insert("dev".to_owned(), flags.into_iter().collect::<FlagMap>());
        let mut snapshot = Snapshot::default();
        snapshot.revision = revision;
        snapshot.environments = environments;
        snapshot
    }

    struct Everything;
    impl FlagFilter for Everything {
        fn admits(&self, _: &str, _: &str) -> bool {
            true
        }
    }

    struct Project(&'static str);
    impl FlagFilter for Project {
        fn admits(&self, _: &str, project: &str) -> bool {
            project == self.0
        }
    }

    /// What the events name, in order: `+name` updated (enabled?), `-name` removed.
    fn names(events: &[DeltaEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                DeltaEvent::FeatureUpdated { event_id, feature } => {
                    format!("+{}@{event_id}:{}", feature.name, feature.enabled)
                }
                DeltaEvent::FeatureRemoved {
                    event_id,
                    feature_name,
                    ..
                } => format!("-{feature_name}@{event_id}"),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_client_is_sent_the_latest_state_of_what_changed_since_its_revision() {
        let s0 = snapshot(0, vec![]);
        let s1 = snapshot(1, vec![flag("a", "p", false)]);
        let s2 = snapshot(2, vec![flag("a", "p", true), flag("b", "q", false)]);
        let s3 = snapshot(3, vec![flag("b", "q", false)]);
        let s4 = snapshot(4, vec![flag("b", "q", false)]); // nothing changed
        let history = DeltaHistory::starting_at(0)
            .then(Change::between(&s0, &s1))
            .then(Change::between(&s1, &s2))
            .then(Change::between(&s2, &s3))
            .then(Change::between(&s3, &s4));
        let since = |r| {
            history
                .events_since(r, "dev", &Everything)
                .map(|e| names(&e))
        };
        assert_eq!(since(0), Some(vec!["+b@2:false".into(), "-a@3".into()]));
        assert_eq!(since(1), Some(vec!["+b@2:false".into(), "-a@3".into()]));
        assert_eq!(since(2), Some(vec!["-a@3".into()]));
        assert_eq!(since(3), Some(vec![]));
        assert_eq!(since(4), Some(vec![]));
        assert_eq!(
            history
                .events_since(0, "dev", &Project("q"))
                .map(|e| names(&e)),
            Some(vec!["+b@2:false".into()])
        );
        assert_eq!(history.events_since(0, "prod", &Everything), Some(vec![]));
    }

    #[test]
    fn the_history_is_bounded_and_says_how_far_back_it_reaches() {
        let mut history = DeltaHistory::starting_at(10);
        history.max_events = 3;
        let mut previous = snapshot(10, vec![]);
        for revision in 11..=15 {
            let next = snapshot(revision, vec![flag(&format!("f{revision}"), "p", true)]);
            history = history.then(Change::between(&previous, &next));
            previous = next;
        }
        // Each change removed one flag and added another: two events, so
        // only the last change fits in three.
        assert!(!history.reaches(13));
        assert!(history.reaches(14));
        assert_eq!(history.complete_from(), 14);
        assert_eq!(history.events_since(13, "dev", &Everything), None);
        assert_eq!(
            history
                .events_since(14, "dev", &Everything)
                .map(|e| names(&e)),
            Some(vec!["-f14@15".into(), "+f15@15:true".into()])
        );
    }
}
