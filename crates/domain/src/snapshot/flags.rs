//! The flags as each environment's client document shows them, built from
//! their stored rows (disabled strategies left out, tags beside the document).

use std::collections::HashMap;
use std::sync::Arc;

use flagstaff_engine::document::{Dependency, Feature, Segment, Strategy};

use super::ClientFlag;
use flagstaff_storage::{DependencyRow, FlagRow, FlagRows, SegmentRow, StrategyRow, Tag};

fn client_strategy(s: &StrategyRow) -> Strategy {
    Strategy {
        name: s.values.name.clone(),
        parameters: s.values.parameters.clone(),
        constraints: s.values.constraints.clone(),
        segments: s.values.segments.clone(),
        variants: s.values.variants.clone(),
        disabled: false,
    }
}

/// A dependency as the client API shows it (Unleash's shape: `variants` only
/// when the parent must be on).
fn client_dependency(d: &DependencyRow) -> Dependency {
    Dependency {
        feature: d.parent.clone(),
        enabled: Some(d.enabled),
        variants: d.enabled.then(|| d.variants.clone()),
    }
}

/// The flags as each environment's client document shows them, from their rows:
/// environment name → flags (unsorted).
pub(super) fn client_flags(
    rows: &FlagRows,
    tags: Vec<(String, Tag)>,
) -> HashMap<String, Vec<Arc<ClientFlag>>> {
    let FlagRows {
        features,
        environments,
        strategies,
        dependencies,
    } = rows;
    let mut parents_of: HashMap<&str, Vec<Dependency>> = HashMap::new();
    for d in dependencies {
        parents_of
            .entry(d.child.as_str())
            .or_default()
            .push(client_dependency(d));
    }
    let mut tags_of: HashMap<String, Vec<Tag>> = HashMap::new();
    for (name, tag) in tags {
        tags_of.entry(name).or_default().push(tag);
    }
    for tags in tags_of.values_mut() {
        tags.sort();
    }
    let mut strategies_of: HashMap<(&str, &str), Vec<&StrategyRow>> = HashMap::new();
    for s in strategies.iter().filter(|s| !s.values.disabled) {
        strategies_of
            .entry((s.feature_name.as_str(), s.environment.as_str()))
            .or_default()
            .push(s);
    }
    let by_name: HashMap<&str, &FlagRow> = features.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut flags: HashMap<String, Vec<Arc<ClientFlag>>> = HashMap::new();
    for env in environments {
        let Some(feature) = by_name.get(env.feature_name.as_str()) else {
            continue; // archived
        };
        let rows = strategies_of
            .remove(&(feature.name.as_str(), env.environment.as_str()))
            .unwrap_or_default();
        flags
            .entry(env.environment.clone())
            .or_default()
            .push(Arc::new(ClientFlag {
                project: feature.project.clone(),
                feature: Feature {
                    name: feature.name.clone(),
                    feature_type: Some(feature.feature_type.as_str().to_owned()),
                    description: feature.description.clone(),
                    enabled: env.enabled,
                    stale: feature.stale,
                    impression_data: feature.impression_data,
                    project: Some(feature.project.clone()),
                    strategies: rows.iter().map(|s| client_strategy(s)).collect(),
                    variants: env.variants.clone(),
                    dependencies: parents_of
                        .get(feature.name.as_str())
                        .cloned()
                        .unwrap_or_default(),
                },
                strategy_ids: rows.iter().map(|s| s.id.clone()).collect(),
                tags: tags_of.get(&feature.name).cloned().unwrap_or_default(),
            }));
    }
    flags
}

pub(super) fn client_segments(rows: Vec<SegmentRow>) -> Arc<Vec<Segment>> {
    let segments = rows
        .into_iter()
        .map(|s| Segment {
            id: s.id,
            name: Some(s.name),
            constraints: s.constraints,
        })
        .collect();
    Arc::new(segments)
}
