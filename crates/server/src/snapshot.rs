//! Client snapshots: for every environment, the flags as the client API shows
//! them, rebuilt in one place ([`Snapshots::rebuild`]) after every committed
//! change and swapped in atomically. Client requests read the current snapshot
//! and never touch the database. The revision is the newest event id, so any
//! change moves it; a later issue pushes each new revision to connected SDKs.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use flagstaff_engine::document::{Feature, Segment, Strategy};
use tokio::sync::Mutex;

use crate::storage::{StorageResult, Store};

#[derive(Debug, Default)]
pub struct Snapshot {
    pub revision: i64,
    /// Environment name → its flags (with the project each belongs to), by name.
    pub environments: HashMap<String, Vec<ClientFlag>>,
    /// Every segment, as the client API lists them.
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
pub struct ClientFlag {
    pub project: String,
    pub feature: Feature,
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
        let revision = store.latest_event_id().await?;
        let (features, environments, strategies) = store.snapshot_rows().await?;
        let mut strategies_of: HashMap<(&str, &str), Vec<Strategy>> = HashMap::new();
        for s in strategies.iter().filter(|s| !s.values.disabled) {
            strategies_of
                .entry((s.feature_name.as_str(), s.environment.as_str()))
                .or_default()
                .push(Strategy {
                    name: s.values.name.clone(),
                    parameters: s.values.parameters.clone(),
                    constraints: s.values.constraints.clone(),
                    segments: s.values.segments.clone(),
                    variants: s.values.variants.clone(),
                    disabled: false,
                });
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
            environments: HashMap::new(),
            segments,
        };
        for env in &environments {
            let Some(feature) = by_name.get(env.feature_name.as_str()) else {
                continue; // archived
            };
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
                        strategies: strategies_of
                            .remove(&(feature.name.as_str(), env.environment.as_str()))
                            .unwrap_or_default(),
                        variants: env.variants.clone(),
                        dependencies: Vec::new(),
                    },
                });
        }
        for flags in snapshot.environments.values_mut() {
            flags.sort_by(|a, b| a.feature.name.cmp(&b.feature.name));
        }
        if revision >= self.current.load().revision {
            self.current.store(Arc::new(snapshot));
        }
        Ok(())
    }
}
