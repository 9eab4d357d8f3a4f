//! The admin API (admin tokens only): flags, their environments, strategies and
//! variants, the event log, API tokens, projects and environments. Every write
//! commits together with its event, then rebuilds the client snapshots.

mod context;
mod events;
mod features;
mod metrics;
mod playground;
mod projects;
mod segments;
mod strategies;
mod tokens;
mod variants;

use axum::Router;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{EnvironmentRow, FeatureEnvironmentRow, FeatureRow, StrategyRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(features::router())
        .merge(strategies::router())
        .merge(variants::router())
        .merge(events::router())
        .merge(tokens::router())
        .merge(projects::router())
        .merge(metrics::router())
        .merge(playground::router())
        .merge(segments::router())
        .merge(context::router())
}

/// A flag name Unleash accepts: 1–100 characters that `encodeURIComponent`
/// leaves alone, and not `.` or `..`.
pub fn parse_feature_name(name: &str) -> ApiResult<&str> {
    let url_safe = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b));
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::BadData(
            "\"name\" must be between 1 and 100 characters long".to_owned(),
        ));
    }
    if !url_safe || name == "." || name == ".." {
        return Err(ApiError::BadData(format!(
            "\"name\" must be URL friendly: {name:?}"
        )));
    }
    Ok(name)
}

/// The project exists and has this environment enabled.
pub async fn check_project_environment(
    state: &AppState,
    project: &str,
    environment: &str,
) -> ApiResult<()> {
    let environments = state.store.project_environments(project).await?;
    if !state.store.project_exists(project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    if !environments.iter().any(|e| e.name == environment) {
        return Err(ApiError::NotFound(format!(
            "Could not find environment {environment} in project {project}"
        )));
    }
    Ok(())
}

pub fn strategy_json(strategy: &StrategyRow) -> Value {
    let v = &strategy.values;
    json!({
        "id": strategy.id,
        "name": v.name,
        "title": v.title,
        "disabled": v.disabled,
        "featureName": strategy.feature_name,
        "sortOrder": v.sort_order,
        "segments": v.segments,
        "constraints": v.constraints,
        "parameters": v.parameters,
        "variants": v.variants,
    })
}

/// Unleash's featureSchema for one flag, with its environments.
pub async fn feature_json(state: &AppState, feature: &FeatureRow) -> ApiResult<Value> {
    let environments = state.store.project_environments(&feature.project).await?;
    let rows = state.store.feature_environments(&feature.name).await?;
    let strategies = state.store.strategies(&feature.name, None).await?;
    Ok(feature_view(feature, &environments, &rows, &strategies))
}

/// A flag as the admin API shows it, from its rows: `rows` and `strategies`
/// are this flag's (its environments' state, its strategies in order).
pub fn feature_view(
    feature: &FeatureRow,
    environments: &[EnvironmentRow],
    rows: &[FeatureEnvironmentRow],
    strategies: &[StrategyRow],
) -> Value {
    let environments: Vec<Value> = environments
        .iter()
        .filter_map(|env| {
            let row = rows.iter().find(|r| r.environment == env.name)?;
            let own: Vec<&StrategyRow> = strategies
                .iter()
                .filter(|s| s.environment == env.name)
                .collect();
            Some(json!({
                "name": env.name,
                "environment": env.name,
                "type": env.kind,
                "enabled": row.enabled,
                "sortOrder": env.sort_order,
                "variantCount": row.variants.len(),
                "strategies": own.iter().map(|s| strategy_json(s)).collect::<Vec<_>>(),
                "variants": row.variants,
                "hasStrategies": !own.is_empty(),
                "hasEnabledStrategies": own.iter().any(|s| !s.values.disabled),
            }))
        })
        .collect();
    json!({
        "name": feature.name,
        "type": feature.feature_type,
        "description": feature.description,
        "project": feature.project,
        "enabled": false,
        "stale": feature.stale,
        "archived": feature.archived_at.is_some(),
        "archivedAt": feature.archived_at,
        "impressionData": feature.impression_data,
        "createdAt": feature.created_at,
        "createdBy": {"name": feature.created_by},
        "environments": environments,
        "variants": [],
        "tags": [],
        "children": [],
        "dependencies": [],
    })
}

/// The metadata part of a flag, as events record it.
pub fn feature_metadata(feature: &FeatureRow) -> Value {
    json!({
        "name": feature.name,
        "type": feature.feature_type,
        "description": feature.description,
        "project": feature.project,
        "stale": feature.stale,
        "impressionData": feature.impression_data,
        "archived": feature.archived_at.is_some(),
        "createdAt": feature.created_at,
    })
}

pub const FEATURE_TYPES: &[&str] = &[
    "release",
    "experiment",
    "operational",
    "kill-switch",
    "permission",
];

#[cfg(test)]
mod tests {
    use super::parse_feature_name;

    #[test]
    fn flag_names_are_url_friendly() {
        for ok in ["checkout", "a.b-c_d~e", "new!(x)*'", "A1"] {
            assert!(parse_feature_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "has space",
            "ü",
            "a/b",
            "a?b",
            &"x".repeat(101),
        ] {
            assert!(parse_feature_name(bad).is_err(), "{bad}");
        }
    }
}
