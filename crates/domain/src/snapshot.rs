//! Client snapshots: for every environment, the flags as the client API shows
//! them and an engine compiled from them, swapped in atomically. Client
//! requests read the current snapshot and never touch the database.
//!
//! [`Snapshots::catch_up`] brings a snapshot to the database's change head by
//! reading the events of the changes since its revision (the change log):
//! only the flags and segments they touched are reloaded and recompiled
//! ([`Engine::updated`]), everything else is shared with the previous snapshot.
//! A change it cannot narrow down (a new environment, too many changes) rebuilds
//! everything. The snapshot's revision is the change head's;
//! each environment keeps the revision of the last change to its document, so
//! a change elsewhere (another environment, a token) leaves its ETag alone.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arc_swap::ArcSwap;
use flagstaff_engine::document::{ClientFeatures, Feature, Segment};
use flagstaff_engine::{Engine, EngineOptions};

use tokio::sync::Mutex;

use crate::delta::{Change, DeltaHistory};
use crate::response_cache::ResponseCache;
use flagstaff_storage::{ReadTx, StorageResult, Store, Tag, TxReader};

mod flags;
mod playground;
mod touched;

use flags::{client_flags, client_segments};
use touched::Touched;

#[derive(Debug, Default)]
pub struct Snapshot {
    /// The change head this snapshot was built at.
    pub revision: i64,
    /// False only for the empty snapshot before the first build.
    built: bool,
    /// Environment name → the revision of the last change to its document.
    environment_revisions: HashMap<String, i64>,
    /// Environment name → its flags (with the project each belongs to), sorted
    /// by name; shared with the snapshots before and after where unchanged.
    pub environments: HashMap<String, FlagMap>,
    /// Every segment, as the client API lists them.
    pub segments: Arc<Vec<Segment>>,
    /// Environment name → its flags compiled for evaluation (the frontend API).
    pub engines: HashMap<String, Arc<Engine>>,
    /// The environments whose document this snapshot changed, when known
    /// (an incremental update knows; a full rebuild compares documents).
    changed: Option<BTreeSet<String>>,
    /// What the engine could not use, by environment (a flag it turned off, a
    /// constraint that never matches), sorted: logged when new, listed by the admin API.
    pub warnings: Vec<(String, String)>,
    /// Client responses already serialised (and gzipped), by ETag (which names
    /// the environment, the filter and the environment's revision), so each is
    /// built once and kept while its environment's revision holds.
    pub responses: ResponseCache,
    /// The projects that exist: a filter naming any other one is the same filter.
    pub projects: Arc<BTreeSet<String>>,
    /// The tags that exist: a `tag` filter naming any other one is the same filter.
    pub tags: Arc<BTreeSet<Tag>>,
    /// The recent changes as delta events (the delta API and streams).
    pub history: DeltaHistory,
}

impl Snapshot {
    /// Whether this snapshot was built from the database (not the empty one before).
    pub fn is_built(&self) -> bool {
        self.built
    }

    /// The revision of the last change to `environment`'s document.
    pub fn revision_of(&self, environment: &str) -> i64 {
        self.environment_revisions
            .get(environment)
            .copied()
            .unwrap_or(0)
    }
}

/// An environment's flags by name, in name order. A persistent map: the next
/// snapshot shares it and changes only the entries a change touched.
pub type FlagMap = imbl::OrdMap<String, Arc<ClientFlag>>;

#[derive(Debug, Clone, PartialEq)]
pub struct ClientFlag {
    pub project: String,
    pub feature: Feature,
    /// The ids of `feature.strategies`, in the same order (for the playground).
    pub strategy_ids: Vec<String>,
    /// The flag's tags, sorted (the client API's `tag` filter; not in the document).
    pub tags: Vec<Tag>,
}

impl ClientFlag {
    /// Whether the flag has any of `tags`.
    pub fn has_any_tag(&self, tags: &[Tag]) -> bool {
        tags.iter().any(|t| self.tags.binary_search(t).is_ok())
    }
}

#[derive(Default)]
pub struct Snapshots {
    current: ArcSwap<Snapshot>,
    /// One catch-up at a time.
    updating: Mutex<()>,
}

/// More changes than this since a snapshot: rebuild it whole.
const MAX_INCREMENTAL_EVENTS: i64 = 1_000;

/// What a catch-up changed beyond the client documents.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CaughtUp {
    /// Tokens were created or deleted (or a full rebuild ran): reload the token cache.
    pub tokens: bool,
}

fn engine_options() -> EngineOptions {
    EngineOptions {
        hostname: None,
        random_seed: chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64,
    }
}

fn compile(flags: &FlagMap, segments: &[Segment]) -> Engine {
    let document = ClientFeatures {
        version: 2,
        features: flags.values().map(|f| f.feature.clone()).collect(),
        segments: segments.to_vec(),
    };
    Engine::with_options(&document, &engine_options())
}

impl Snapshots {
    pub fn load(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Brings the snapshot up to the database's change head: incrementally
    /// from the change log when it can, else by a full rebuild.
    pub async fn catch_up(&self, store: &Store) -> StorageResult<CaughtUp> {
        let _one_at_a_time = self.updating.lock().await;
        let previous = self.current.load_full();
        // Everything read in one consistent transaction: the snapshot is then
        // exactly the state at `head`, on every replica alike.
        let mut read = store.read_consistent().await?;
        let head = read.current_revision().await?;
        if head == previous.revision && previous.built {
            read.finish().await?;
            return Ok(CaughtUp::default());
        }
        let changes = if previous.built && head > previous.revision {
            read.changes_since(previous.revision, head, MAX_INCREMENTAL_EVENTS + 1)
                .await?
        } else {
            Vec::new()
        };
        let touched = Touched::from_changes(&changes);
        let incremental = previous.built
            && head > previous.revision
            && (changes.len() as i64) <= MAX_INCREMENTAL_EVENTS
            && !touched.everything;
        let mut next = if incremental {
            Self::apply(&read, &previous, head, &touched).await?
        } else {
            Self::rebuild(&mut read, head).await?
        };
        next.projects = if incremental && !touched.projects {
            Arc::clone(&previous.projects)
        } else {
            Arc::new(read.project_ids().await?)
        };
        next.tags = if incremental && !touched.tags {
            Arc::clone(&previous.tags)
        } else {
            Arc::new(read.tag_set().await?)
        };
        read.finish().await?;
        next.settle(&previous);
        next.history = if previous.built {
            previous.history.then(Change::between(&previous, &next))
        } else {
            DeltaHistory::starting_at(head)
        };
        self.current.store(Arc::new(next));
        Ok(CaughtUp {
            tokens: touched.tokens || !incremental,
        })
    }

    /// Everything from the database.
    async fn rebuild(read: &mut ReadTx, revision: i64) -> StorageResult<Snapshot> {
        let rows = read.snapshot_rows().await?;
        let tags = read.tags_by_flag(None).await?;
        let segments = client_segments(read.segments().await?);
        let mut maps = HashMap::new();
        let mut engines = HashMap::new();
        for (environment, list) in client_flags(&rows, tags) {
            let map: FlagMap = list
                .into_iter()
                .map(|f| (f.feature.name.clone(), f))
                .collect();
            engines.insert(environment.clone(), Arc::new(compile(&map, &segments)));
            maps.insert(environment, map);
        }
        Ok(Snapshot {
            revision,
            built: true,
            environments: maps,
            segments,
            engines,
            ..Snapshot::default()
        })
    }

    /// The previous snapshot with the touched flags and segments reloaded.
    async fn apply(
        read: &TxReader,
        previous: &Snapshot,
        revision: i64,
        touched: &Touched,
    ) -> StorageResult<Snapshot> {
        let names: Vec<String> = touched.flags.iter().cloned().collect();
        let rows = read.snapshot_rows_of(&names).await?;
        let tags = read.tags_by_flag(Some(&names)).await?;
        let mut fresh = client_flags(&rows, tags);
        let segments = if touched.segments.is_empty() {
            previous.segments.clone()
        } else {
            client_segments(read.segments().await?)
        };
        let mut next = Snapshot {
            revision,
            built: true,
            segments,
            ..Snapshot::default()
        };
        let environment_names: BTreeSet<String> = previous
            .environments
            .keys()
            .chain(fresh.keys())
            .cloned()
            .collect();
        let mut changed = BTreeSet::new();
        for environment in environment_names {
            let before = previous.environments.get(environment.as_str());
            let mut list: FlagMap = before.cloned().unwrap_or_default();
            let mut now: HashMap<String, Arc<ClientFlag>> = fresh
                .remove(environment.as_str())
                .unwrap_or_default()
                .into_iter()
                .map(|f| (f.feature.name.clone(), f))
                .collect();
            let mut upserted: Vec<String> = Vec::new();
            let mut removed: Vec<&str> = Vec::new();
            for name in &touched.flags {
                match (list.get(name), now.remove(name)) {
                    (Some(old), Some(flag)) => {
                        if *old != flag {
                            list.insert(name.clone(), flag);
                            upserted.push(name.clone());
                        }
                    }
                    (None, Some(flag)) => {
                        list.insert(name.clone(), flag);
                        upserted.push(name.clone());
                    }
                    (Some(_), None) => {
                        list.remove(name);
                        removed.push(name);
                    }
                    (None, None) => {}
                }
            }
            // Flags whose segments changed are recompiled with the new ones.
            if !touched.segments.is_empty() {
                for flag in list.values() {
                    let uses = flag
                        .feature
                        .strategies
                        .iter()
                        .any(|s| s.segments.iter().any(|id| touched.segments.contains(id)));
                    if uses && !upserted.contains(&flag.feature.name) {
                        upserted.push(flag.feature.name.clone());
                    }
                }
            }
            if !upserted.is_empty() || !removed.is_empty() || !touched.segments.is_empty() {
                changed.insert(environment.clone());
            }
            let engine = match previous.engines.get(environment.as_str()) {
                Some(engine) if upserted.is_empty() && removed.is_empty() => engine.clone(),
                Some(engine) => {
                    let upserts: Vec<&Feature> = upserted
                        .iter()
                        .filter_map(|name| list.get(name).map(|f| &f.feature))
                        .collect();
                    Arc::new(engine.updated(&next.segments, &upserts, &removed))
                }
                None => Arc::new(compile(&list, &next.segments)),
            };
            next.engines.insert(environment.clone(), engine);
            next.environments.insert(environment.clone(), list);
        }
        next.changed = Some(changed);
        Ok(next)
    }
}

impl Snapshot {
    /// `previous` with `flags` reloaded through `reader` — a change
    /// transaction that ran a change request's operations and is dropped
    /// after: what the playground evaluates "as if applied".
    pub async fn previewed(
        previous: &Snapshot,
        reader: &TxReader,
        flags: BTreeSet<String>,
    ) -> StorageResult<Snapshot> {
        let touched = Touched {
            flags,
            ..Touched::default()
        };
        let mut next = Snapshots::apply(reader, previous, previous.revision, &touched).await?;
        next.projects = Arc::clone(&previous.projects);
        next.tags = Arc::clone(&previous.tags);
        Ok(next)
    }
}

impl Snapshot {
    /// Finishes a new snapshot against the one it replaces: environments whose
    /// document is unchanged keep their revision (so their ETag, and the
    /// responses already built for them); new engine warnings are logged.
    fn settle(&mut self, previous: &Snapshot) {
        let segments_unchanged =
            Arc::ptr_eq(&previous.segments, &self.segments) || previous.segments == self.segments;
        for (environment, flags) in &self.environments {
            let unchanged = match &self.changed {
                Some(changed) => !changed.contains(environment),
                None => segments_unchanged && previous.environments.get(environment) == Some(flags),
            };
            let revision = if unchanged && previous.built {
                previous.revision_of(environment)
            } else {
                self.revision
            };
            self.environment_revisions
                .insert(environment.clone(), revision);
        }
        // Warnings of an engine shared with the previous snapshot are its warnings.
        self.warnings = self
            .engines
            .iter()
            .flat_map(|(environment, engine)| {
                let kept = previous
                    .engines
                    .get(environment)
                    .is_some_and(|before| Arc::ptr_eq(before, engine));
                let warnings: Vec<(String, String)> = if kept {
                    previous
                        .warnings
                        .iter()
                        .filter(|(e, _)| e == environment)
                        .cloned()
                        .collect()
                } else {
                    engine
                        .warnings()
                        .into_iter()
                        .map(|w| (environment.clone(), w))
                        .collect()
                };
                warnings
            })
            .collect();
        self.warnings.sort();
        for (environment, warning) in &self.warnings {
            if previous
                .warnings
                .binary_search(&(environment.clone(), warning.clone()))
                .is_err()
            {
                tracing::warn!(environment = %environment, "engine: {warning}");
            }
        }
        let responses = previous.responses.carry_over(|environment| {
            self.revision_of(environment) == previous.revision_of(environment)
        });
        self.responses = responses;
    }
}
