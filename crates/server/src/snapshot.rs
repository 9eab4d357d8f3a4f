//! Client snapshots: for every environment, the flags as the client API shows
//! them, rebuilt in one place ([`Snapshots::rebuild`]) after every committed
//! change and swapped in atomically. Client requests read the current snapshot
//! and never touch the database. The snapshot's revision is the change head's;
//! each environment keeps the revision of the last change to its document, so
//! a change elsewhere (another environment, a token) leaves its ETag alone.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use flagstaff_engine::document::{ClientFeatures, Feature, Segment, Strategy};
use flagstaff_engine::{Engine, EngineOptions};
use std::sync::{Mutex as SyncMutex, PoisonError};

use axum::body::Bytes;
use tokio::sync::Mutex;

use crate::storage::{StorageResult, Store};

#[derive(Debug, Default)]
pub struct Snapshot {
    /// The change head this snapshot was built at.
    pub revision: i64,
    /// Environment name → the revision of the last change to its document.
    environment_revisions: HashMap<String, i64>,
    /// Environment name → its flags (with the project each belongs to), by name.
    pub environments: HashMap<String, Vec<ClientFlag>>,
    /// Every segment, as the client API lists them.
    pub segments: Vec<Segment>,
    /// Environment name → its flags compiled for evaluation (the frontend API).
    pub engines: HashMap<String, Engine>,
    /// What the engine could not use, by environment (a flag it turned off, a
    /// constraint that never matches), sorted: logged when new, listed by the admin API.
    pub warnings: Vec<(String, String)>,
    /// Client responses already serialised (and gzipped), by ETag (which names
    /// the environment, the filter and the environment's revision) with the
    /// environment they belong to, so each is built once and kept while valid.
    bodies: SyncMutex<HashMap<String, (String, CachedBody)>>,
}

/// One client response, plain and gzipped.
#[derive(Debug, Clone)]
pub struct CachedBody {
    pub plain: Bytes,
    pub gzip: Bytes,
}

fn gzip(bytes: &[u8]) -> Bytes {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    Bytes::from(encoder.finish().unwrap_or_default())
}

/// Most distinct responses kept per revision; past it the cache starts over.
const MAX_CACHED_BODIES: usize = 512;

impl Snapshot {
    /// The revision of the last change to `environment`'s document.
    pub fn revision_of(&self, environment: &str) -> i64 {
        self.environment_revisions
            .get(environment)
            .copied()
            .unwrap_or(0)
    }

    /// The response body for `etag` (of `environment`), built by `build` (and
    /// gzipped) on first use.
    pub fn body(&self, environment: &str, etag: &str, build: impl FnOnce() -> Bytes) -> CachedBody {
        let mut bodies = self.bodies.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, body)) = bodies.get(etag) {
            return body.clone();
        }
        let plain = build();
        let body = CachedBody {
            gzip: gzip(&plain),
            plain,
        };
        if bodies.len() >= MAX_CACHED_BODIES {
            bodies.clear();
        }
        bodies.insert(etag.to_owned(), (environment.to_owned(), body.clone()));
        body
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientFlag {
    pub project: String,
    pub feature: Feature,
    /// The ids of `feature.strategies`, in the same order (for the playground).
    pub strategy_ids: Vec<String>,
}

#[derive(Default)]
pub struct Snapshots {
    current: ArcSwap<Snapshot>,
    rebuilding: Mutex<()>,
}

impl Snapshots {
    pub fn load(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    pub async fn rebuild(&self, store: &Store) -> StorageResult<()> {
        let _one_at_a_time = self.rebuilding.lock().await;
        let revision = store.current_revision().await?;
        let (features, environments, strategies) = store.snapshot_rows().await?;
        let mut strategies_of: HashMap<(&str, &str), Vec<(String, Strategy)>> = HashMap::new();
        for s in strategies.iter().filter(|s| !s.values.disabled) {
            strategies_of
                .entry((s.feature_name.as_str(), s.environment.as_str()))
                .or_default()
                .push((
                    s.id.clone(),
                    Strategy {
                        name: s.values.name.clone(),
                        parameters: s.values.parameters.clone(),
                        constraints: s.values.constraints.clone(),
                        segments: s.values.segments.clone(),
                        variants: s.values.variants.clone(),
                        disabled: false,
                    },
                ));
        }
        let by_name: HashMap<&str, &crate::storage::FeatureRow> =
            features.iter().map(|f| (f.name.as_str(), f)).collect();
        let segments = store
            .segments()
            .await?
            .into_iter()
            .map(|s| Segment {
                id: s.id,
                name: Some(s.name),
                constraints: s.constraints,
            })
            .collect();
        let mut snapshot = Snapshot {
            revision,
            environment_revisions: HashMap::new(),
            warnings: Vec::new(),
            environments: HashMap::new(),
            segments,
            engines: HashMap::new(),
            bodies: SyncMutex::default(),
        };
        for env in &environments {
            let Some(feature) = by_name.get(env.feature_name.as_str()) else {
                continue; // archived
            };
            let (strategy_ids, strategies): (Vec<String>, Vec<Strategy>) = strategies_of
                .remove(&(feature.name.as_str(), env.environment.as_str()))
                .unwrap_or_default()
                .into_iter()
                .unzip();
            snapshot
                .environments
                .entry(env.environment.clone())
                .or_default()
                .push(ClientFlag {
                    project: feature.project.clone(),
                    feature: Feature {
                        name: feature.name.clone(),
                        feature_type: Some(feature.feature_type.clone()),
                        description: feature.description.clone(),
                        enabled: env.enabled,
                        stale: feature.stale,
                        impression_data: feature.impression_data,
                        project: Some(feature.project.clone()),
                        strategies,
                        variants: env.variants.clone(),
                        dependencies: Vec::new(),
                    },
                    strategy_ids,
                });
        }
        for (environment, flags) in snapshot.environments.iter_mut() {
            flags.sort_by(|a, b| a.feature.name.cmp(&b.feature.name));
            let document = ClientFeatures {
                version: 2,
                features: flags.iter().map(|f| f.feature.clone()).collect(),
                segments: snapshot.segments.clone(),
            };
            let options = EngineOptions {
                hostname: None,
                random_seed: chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64,
            };
            let engine = Engine::with_options(&document, &options);
            snapshot.warnings.extend(
                engine
                    .warnings()
                    .iter()
                    .map(|w| (environment.clone(), w.clone())),
            );
            snapshot.engines.insert(environment.clone(), engine);
        }
        snapshot.warnings.sort();
        let previous = self.current.load_full();
        if revision < previous.revision {
            return Ok(());
        }
        for (environment, warning) in &snapshot.warnings {
            if previous
                .warnings
                .binary_search(&(environment.clone(), warning.clone()))
                .is_err()
            {
                tracing::warn!(environment = %environment, "engine: {warning}");
            }
        }
        // An environment whose document is unchanged keeps its revision (and
        // so its ETag, and the responses already built for it).
        let segments_unchanged = previous.segments == snapshot.segments;
        for (environment, flags) in &snapshot.environments {
            let unchanged =
                segments_unchanged && previous.environments.get(environment) == Some(flags);
            let environment_revision = if unchanged {
                previous.revision_of(environment)
            } else {
                revision
            };
            snapshot
                .environment_revisions
                .insert(environment.clone(), environment_revision);
        }
        {
            let previous_bodies = previous
                .bodies
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let kept: HashMap<String, (String, CachedBody)> = previous_bodies
                .iter()
                .filter(|(_, (environment, _))| {
                    snapshot.revision_of(environment) == previous.revision_of(environment)
                })
                .map(|(etag, entry)| (etag.clone(), entry.clone()))
                .collect();
            *snapshot
                .bodies
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = kept;
        }
        self.current.store(Arc::new(snapshot));
        Ok(())
    }
}
