//! The admin API (admin tokens only): flags, their environments, strategies and
//! variants, the event log, API tokens, projects and environments. Handlers
//! parse the request, apply an operation (`crate::ops`) through
//! `AppState::apply`, and render a view (`crate::wire`); reads go to the store.

mod context;
mod events;
mod features;
mod flag_batches;
mod metrics;
mod playground;
mod projects;
mod search;
mod segments;
mod strategies;
mod tokens;
mod variants;

use axum::Router;
use serde_json::Value;

use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::ops::Actor;
use crate::state::AppState;
use crate::storage::{FeatureEnvironmentRow, FeatureRow, StrategyRow};
use crate::wire::{to_value, FlagView};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(features::router())
        .merge(flag_batches::router())
        .merge(strategies::router())
        .merge(variants::router())
        .merge(events::router())
        .merge(tokens::router())
        .merge(projects::router())
        .merge(metrics::router())
        .merge(playground::router())
        .merge(segments::router())
        .merge(search::router())
        .merge(context::router())
}

impl AdminToken {
    /// Who the event log names for this request's changes.
    pub fn actor(&self) -> Actor {
        Actor::named(self.0.name.clone())
    }
}

/// The project exists and has this environment enabled (for reads; operations
/// check the same inside their transaction).
pub async fn check_project_environment(
    state: &AppState,
    project: &str,
    environment: &str,
) -> ApiResult<()> {
    if !state.store.project_exists(project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    let environments = state.store.project_environments(project).await?;
    if !environments.iter().any(|e| e.name == environment) {
        return Err(ApiError::NotFound(format!(
            "Could not find environment {environment} in project {project}"
        )));
    }
    Ok(())
}

/// Unleash's featureSchema for one flag, with its environments.
pub async fn feature_json(state: &AppState, feature: &FeatureRow) -> ApiResult<Value> {
    let environments = state.store.project_environments(&feature.project).await?;
    let rows = state.store.feature_environments(&feature.name).await?;
    let strategies = state.store.strategies(&feature.name, None).await?;
    let rows: Vec<&FeatureEnvironmentRow> = rows.iter().collect();
    let strategies: Vec<&StrategyRow> = strategies.iter().collect();
    Ok(to_value(&FlagView::new(
        feature,
        &environments,
        &rows,
        &strategies,
    )))
}
