//! Strategies of a flag in one environment: list, add, read, replace, patch, remove.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use flagstaff_engine::document::{Constraint, Variant};
use serde::Deserialize;
use serde_json::Value;

use super::variants::normalise_variants;
use super::{check_project_environment, strategy_json};
use crate::api::{ApiJson, ApiObject};
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{FeatureRow, NewEvent, StrategyRow, StrategyValues, WriteTx};

pub const STRATEGY_TYPES: &[&str] = &[
    "default",
    "flexibleRollout",
    "userWithId",
    "remoteAddress",
    "applicationHostname",
    "gradualRolloutRandom",
    "gradualRolloutSessionId",
    "gradualRolloutUserId",
];

pub fn router() -> Router<AppState> {
    let base =
        "/api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies";
    Router::new().route(base, get(list).post(add)).route(
        &format!("{base}/{{strategy}}"),
        get(read).put(replace).patch(patch).delete(remove),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StrategyBody {
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    sort_order: Option<i64>,
    #[serde(default)]
    parameters: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    constraints: Option<Vec<Constraint>>,
    #[serde(default)]
    segments: Option<Vec<i64>>,
    #[serde(default)]
    variants: Option<Vec<Variant>>,
}

/// Validates a strategy body into what is stored, with Unleash's defaults.
fn strategy_values(body: StrategyBody, feature: &str) -> ApiResult<StrategyValues> {
    if !STRATEGY_TYPES.contains(&body.name.as_str()) {
        return Err(ApiError::BadData(format!(
            "Could not find strategy type with name {}",
            body.name
        )));
    }
    let mut parameters = BTreeMap::new();
    for (key, value) in body.parameters.unwrap_or_default() {
        let text = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            other => {
                return Err(ApiError::BadData(format!(
                    "parameter {key:?} must be a string, found {other}"
                )))
            }
        };
        parameters.insert(key, text);
    }
    if body.name == "flexibleRollout" {
        for (key, default) in [
            ("rollout", "100"),
            ("stickiness", "default"),
            ("groupId", feature),
        ] {
            let entry = parameters.entry(key.to_owned()).or_default();
            if entry.trim().is_empty() {
                *entry = default.to_owned();
            }
        }
        let rollout = &parameters["rollout"];
        if !rollout.parse::<u32>().is_ok_and(|r| r <= 100) {
            return Err(ApiError::BadData(format!(
                "rollout must be a whole number from 0 to 100, found {rollout:?}"
            )));
        }
    }
    let constraints = body.constraints.unwrap_or_default();
    check_constraints(&constraints)?;
    let mut segments = body.segments.unwrap_or_default();
    segments.sort_unstable();
    segments.dedup();
    Ok(StrategyValues {
        name: body.name,
        title: body.title,
        disabled: body.disabled.unwrap_or(false),
        sort_order: body.sort_order.unwrap_or(0),
        parameters,
        constraints,
        segments,
        variants: normalise_variants(body.variants.unwrap_or_default(), false)?,
    })
}

/// Every constraint names a context field and is one the engine would use
/// (the engine's operator list and value rules; see `constraint_problem`).
pub fn check_constraints(constraints: &[Constraint]) -> ApiResult<()> {
    for (i, c) in constraints.iter().enumerate() {
        if c.context_name.trim().is_empty() {
            return Err(ApiError::BadData(format!(
                "constraints[{i}]: a constraint needs a contextName"
            )));
        }
        if let Some(why) = flagstaff_engine::constraint_problem(c) {
            return Err(ApiError::BadData(format!(
                "constraints[{i}] ({} {}): {why}",
                c.context_name, c.operator
            )));
        }
    }
    Ok(())
}

/// Every segment a strategy names exists (read in the write transaction).
async fn check_segments(w: &mut WriteTx<'_>, values: &StrategyValues) -> ApiResult<()> {
    if values.segments.is_empty() {
        return Ok(());
    }
    let known: Vec<i64> = w.segments().await?.iter().map(|s| s.id).collect();
    match values.segments.iter().find(|id| !known.contains(id)) {
        Some(id) => Err(ApiError::BadData(format!("Segment {id} does not exist"))),
        None => Ok(()),
    }
}

async fn context(
    state: &AppState,
    project: &str,
    feature: &str,
    environment: &str,
) -> ApiResult<FeatureRow> {
    check_project_environment(state, project, environment).await?;
    Ok(state.store.live_feature(project, feature).await?)
}

/// The strategy, if it is the flag's in that environment.
fn belonging(
    strategy: Option<StrategyRow>,
    feature: &str,
    environment: &str,
    id: &str,
) -> ApiResult<StrategyRow> {
    match strategy {
        Some(s) if s.feature_name == feature && s.environment == environment => Ok(s),
        _ => Err(ApiError::NotFound(format!(
            "Could not find strategy with id {id}"
        ))),
    }
}

async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature, environment)): Path<(String, String, String)>,
) -> ApiResult<Json<Vec<Value>>> {
    context(&state, &project, &feature, &environment).await?;
    let strategies = state.store.strategies(&feature, Some(&environment)).await?;
    Ok(Json(strategies.iter().map(strategy_json).collect()))
}

async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature, environment, id)): Path<(String, String, String, String)>,
) -> ApiResult<Json<Value>> {
    context(&state, &project, &feature, &environment).await?;
    let strategy = state.store.strategy(&id).await?;
    Ok(Json(strategy_json(&belonging(
        strategy,
        &feature,
        &environment,
        &id,
    )?)))
}

async fn add(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path((project, feature, environment)): Path<(String, String, String)>,
    ApiObject(body): ApiObject<StrategyBody>,
) -> ApiResult<Json<Value>> {
    context(&state, &project, &feature, &environment).await?;
    let values = strategy_values(body, &feature)?;
    let mut w = state.store.write().await?;
    check_segments(&mut w, &values).await?;
    let strategy = StrategyRow {
        id: uuid::Uuid::new_v4().to_string(),
        values,
        feature_name: feature.clone(),
        environment: environment.clone(),
    };
    w.insert_strategy(&strategy).await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "feature-strategy-add",
                created_by: token.name,
                project: Some(project),
                environment: Some(environment),
                feature_name: Some(feature),
                data: Some(strategy_json(&strategy)),
                ..NewEvent::default()
            },
        )
        .await?;
    Ok(Json(strategy_json(&strategy)))
}

async fn update(
    state: &AppState,
    mut w: WriteTx<'_>,
    token_name: String,
    project: String,
    before: StrategyRow,
    values: StrategyValues,
) -> ApiResult<Json<Value>> {
    let after = StrategyRow {
        values,
        ..before.clone()
    };
    w.update_strategy(&after).await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "feature-strategy-update",
                created_by: token_name,
                project: Some(project),
                environment: Some(after.environment.clone()),
                feature_name: Some(after.feature_name.clone()),
                pre_data: Some(strategy_json(&before)),
                data: Some(strategy_json(&after)),
            },
        )
        .await?;
    Ok(Json(strategy_json(&after)))
}

async fn replace(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path((project, feature, environment, id)): Path<(String, String, String, String)>,
    ApiObject(body): ApiObject<StrategyBody>,
) -> ApiResult<Json<Value>> {
    context(&state, &project, &feature, &environment).await?;
    let values = strategy_values(body, &feature)?;
    let mut w = state.store.write().await?;
    let before = belonging(w.strategy(&id).await?, &feature, &environment, &id)?;
    check_segments(&mut w, &values).await?;
    update(&state, w, token.name, project, before, values).await
}

async fn patch(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path((project, feature, environment, id)): Path<(String, String, String, String)>,
    ApiJson(operations): ApiJson<json_patch::Patch>,
) -> ApiResult<Json<Value>> {
    context(&state, &project, &feature, &environment).await?;
    // Read, patch and write in one transaction: concurrent patches never lose one another.
    let mut w = state.store.write().await?;
    let before = belonging(w.strategy(&id).await?, &feature, &environment, &id)?;
    let mut document = strategy_json(&before);
    json_patch::patch(&mut document, &operations)
        .map_err(|e| ApiError::BadData(format!("Could not apply provided patch: {e}")))?;
    let body: StrategyBody = serde_json::from_value(document)
        .map_err(|e| ApiError::BadData(format!("the patched strategy is not valid: {e}")))?;
    let values = strategy_values(body, &feature)?;
    check_segments(&mut w, &values).await?;
    update(&state, w, token.name, project, before, values).await
}

async fn remove(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path((project, feature, environment, id)): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    context(&state, &project, &feature, &environment).await?;
    let mut w = state.store.write().await?;
    let before = belonging(w.strategy(&id).await?, &feature, &environment, &id)?;
    w.delete_strategy(&id).await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "feature-strategy-remove",
                created_by: token.name,
                project: Some(project),
                environment: Some(environment),
                feature_name: Some(feature),
                pre_data: Some(strategy_json(&before)),
                ..NewEvent::default()
            },
        )
        .await?;
    Ok(StatusCode::OK)
}
