//! Flags: create, read, update (PUT and JSON Patch), archive, revive, delete,
//! and switching a flag on or off in an environment.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    check_project_environment, feature_json, feature_metadata, parse_feature_name, FEATURE_TYPES,
};
use crate::api::{ApiJson, ApiObject};
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use std::collections::HashMap;

use crate::storage::{
    now_text, FeatureEnvironmentRow, FeatureRow, NewEvent, StrategyRow, StrategyValues, WriteTx,
};

pub fn router() -> Router<AppState> {
    let feature = "/api/admin/projects/{project}/features/{feature}";
    Router::new()
        .route(
            "/api/admin/projects/{project}/features",
            get(list).post(create),
        )
        .route(feature, get(read).put(replace).patch(patch).delete(archive))
        .route(
            &format!("{feature}/environments/{{environment}}/on"),
            post(switch_on),
        )
        .route(
            &format!("{feature}/environments/{{environment}}/off"),
            post(switch_off),
        )
        .route("/api/admin/archive/features", get(list_archived))
        .route("/api/admin/archive/revive/{feature}", post(revive))
        .route("/api/admin/archive/{feature}", delete(delete_archived))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    #[serde(default, rename = "type")]
    feature_type: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    impression_data: Option<bool>,
}

fn check_type(feature_type: &str) -> ApiResult<()> {
    if FEATURE_TYPES.contains(&feature_type) {
        Ok(())
    } else {
        Err(ApiError::BadData(format!(
            "{feature_type:?} is not a known feature type"
        )))
    }
}

async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<Value>> {
    if !state.store.project_exists(&project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    // Four queries whatever the number of flags.
    let environments = state.store.project_environments(&project).await?;
    let (rows, strategies) = state.store.project_feature_rows(&project).await?;
    let mut rows_of: HashMap<&str, Vec<FeatureEnvironmentRow>> = HashMap::new();
    for row in rows.iter() {
        rows_of
            .entry(row.feature_name.as_str())
            .or_default()
            .push(row.clone());
    }
    let mut strategies_of: HashMap<&str, Vec<StrategyRow>> = HashMap::new();
    for strategy in strategies.iter() {
        strategies_of
            .entry(strategy.feature_name.as_str())
            .or_default()
            .push(strategy.clone());
    }
    let features: Vec<Value> = state
        .store
        .features(Some(&project), false)
        .await?
        .iter()
        .map(|feature| {
            let name = feature.name.as_str();
            super::feature_view(
                feature,
                &environments,
                rows_of.get(name).map_or(&[], Vec::as_slice),
                strategies_of.get(name).map_or(&[], Vec::as_slice),
            )
        })
        .collect();
    Ok(Json(json!({"version": 2, "features": features})))
}

async fn create(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<CreateBody>,
) -> ApiResult<Response> {
    let name = parse_feature_name(body.name.trim())?.to_owned();
    let feature_type = body.feature_type.unwrap_or_else(|| "release".to_owned());
    check_type(&feature_type)?;
    if !state.store.project_exists(&project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    let environments: Vec<String> = state
        .store
        .project_environments(&project)
        .await?
        .into_iter()
        .map(|e| e.name)
        .collect();
    let feature = FeatureRow {
        name: name.clone(),
        project: project.clone(),
        description: body.description,
        feature_type,
        stale: false,
        impression_data: body.impression_data.unwrap_or(false),
        archived_at: None,
        created_at: now_text(),
        created_by: token.name.clone(),
    };
    let mut w = state.store.write().await?;
    if let Some(existing) = w.feature(&name).await? {
        return Err(ApiError::NameExists(if existing.archived_at.is_some() {
            "An archived flag with that name already exists".to_owned()
        } else {
            "A flag with that name already exists".to_owned()
        }));
    }
    w.insert_feature(&feature, &environments).await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "feature-created",
                created_by: token.name,
                project: Some(project),
                feature_name: Some(name),
                data: Some(feature_metadata(&feature)),
                ..NewEvent::default()
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(feature_json(&state, &feature).await?),
    )
        .into_response())
}

async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let feature = state.store.live_feature(&project, &name).await?;
    Ok(Json(feature_json(&state, &feature).await?))
}

/// Applies the metadata fields a PUT or PATCH may change; anything else is refused.
fn apply_metadata(feature: &mut FeatureRow, document: &Value) -> ApiResult<()> {
    let Some(fields) = document.as_object() else {
        return Err(ApiError::BadData(
            "the flag must be a JSON object".to_owned(),
        ));
    };
    for (key, value) in fields {
        match (key.as_str(), value) {
            ("name", Value::String(n)) if *n == feature.name => {}
            ("name", _) => {
                return Err(ApiError::BadData(
                    "Cannot change name of feature flag".to_owned(),
                ));
            }
            ("description", Value::String(d)) => feature.description = Some(d.clone()),
            ("description", Value::Null) => feature.description = None,
            ("type", Value::String(t)) => {
                check_type(t)?;
                feature.feature_type = t.clone();
            }
            ("stale", Value::Bool(b)) => feature.stale = *b,
            ("impressionData", Value::Bool(b)) => feature.impression_data = *b,
            // Unleash's update ignores `archived` (archiving is DELETE); the
            // guide's PUT body sends it.
            ("archived", Value::Bool(_)) => {}
            ("project", Value::String(p)) if *p == feature.project => {}
            ("project" | "createdAt", _) => {}
            (key @ ("description" | "type" | "stale" | "impressionData" | "archived"), other) => {
                return Err(ApiError::BadData(format!(
                    "\"{key}\" has the wrong type: {other}"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

async fn update_metadata(
    state: &AppState,
    mut w: WriteTx<'_>,
    token_name: String,
    before: FeatureRow,
    after: FeatureRow,
) -> ApiResult<Json<Value>> {
    w.update_feature(&after).await?;
    w.record_event(NewEvent {
        event_type: "feature-metadata-updated",
        created_by: token_name.clone(),
        project: Some(after.project.clone()),
        feature_name: Some(after.name.clone()),
        pre_data: Some(feature_metadata(&before)),
        data: Some(feature_metadata(&after)),
        ..NewEvent::default()
    })
    .await?;
    if before.stale != after.stale {
        w.record_event(NewEvent {
            event_type: if after.stale {
                "feature-stale-on"
            } else {
                "feature-stale-off"
            },
            created_by: token_name,
            project: Some(after.project.clone()),
            feature_name: Some(after.name.clone()),
            ..NewEvent::default()
        })
        .await?;
    }
    w.commit().await?;
    state.after_commit().await;
    Ok(Json(feature_json(state, &after).await?))
}

async fn replace(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path((project, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    let mut w = state.store.write().await?;
    let before = w.live_feature(&project, &name).await?;
    let mut after = before.clone();
    apply_metadata(&mut after, &body)?;
    update_metadata(&state, w, token.name, before, after).await
}

async fn patch(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path((project, name)): Path<(String, String)>,
    ApiJson(operations): ApiJson<json_patch::Patch>,
) -> ApiResult<Json<Value>> {
    if operations
        .0
        .iter()
        .any(|op| op_path(op).starts_with("/variants"))
    {
        return Err(ApiError::OperationDenied(
            "Changing variants is done via PATCH operation to /api/admin/projects/:project/features/:feature/environments/:environment/variants"
                .to_owned(),
        ));
    }
    // Read, patch and write in one transaction: concurrent patches never lose one another.
    let mut w = state.store.write().await?;
    let before = w.live_feature(&project, &name).await?;
    let mut document = super::feature_metadata(&before);
    json_patch::patch(&mut document, &operations)
        .map_err(|e| ApiError::BadData(format!("Could not apply provided patch: {e}")))?;
    let mut after = before.clone();
    apply_metadata(&mut after, &document)?;
    update_metadata(&state, w, token.name, before, after).await
}

fn op_path(op: &json_patch::PatchOperation) -> String {
    serde_json::to_value(op)
        .ok()
        .and_then(|v| v.get("path").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

async fn archive(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path((project, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let mut w = state.store.write().await?;
    let before = w.live_feature(&project, &name).await?;
    let mut after = before.clone();
    after.archived_at = Some(now_text());
    w.update_feature(&after).await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "feature-archived",
                created_by: token.name,
                project: Some(project),
                feature_name: Some(name),
                pre_data: Some(feature_metadata(&before)),
                data: Some(feature_metadata(&after)),
                ..NewEvent::default()
            },
        )
        .await?;
    Ok(StatusCode::ACCEPTED)
}

async fn list_archived(
    State(state): State<AppState>,
    _admin: AdminToken,
) -> ApiResult<Json<Value>> {
    let features: Vec<Value> = state
        .store
        .features(None, true)
        .await?
        .iter()
        .map(feature_metadata)
        .collect();
    Ok(Json(json!({"version": 2, "features": features})))
}

async fn archived_feature(w: &mut WriteTx<'_>, name: &str) -> ApiResult<FeatureRow> {
    match w.feature(name).await? {
        Some(f) if f.archived_at.is_some() => Ok(f),
        _ => Err(ApiError::NotFound(format!(
            "Could not find archived feature flag {name}"
        ))),
    }
}

async fn revive(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let mut w = state.store.write().await?;
    let before = archived_feature(&mut w, &name).await?;
    let mut after = before.clone();
    after.archived_at = None;
    let environments = w.feature_environments(&name).await?;
    w.update_feature(&after).await?;
    // As Unleash: a revived flag comes back switched off everywhere.
    for env in environments.iter().filter(|e| e.enabled) {
        w.set_environment_enabled(&name, &env.environment, false)
            .await?;
    }
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "feature-revived",
                created_by: token.name,
                project: Some(after.project.clone()),
                feature_name: Some(name),
                pre_data: Some(feature_metadata(&before)),
                data: Some(feature_metadata(&after)),
                ..NewEvent::default()
            },
        )
        .await?;
    Ok(StatusCode::OK)
}

async fn delete_archived(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let mut w = state.store.write().await?;
    let before = archived_feature(&mut w, &name).await?;
    w.delete_feature(&name).await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "feature-deleted",
                created_by: token.name,
                project: Some(before.project.clone()),
                feature_name: Some(name),
                pre_data: Some(feature_metadata(&before)),
                ..NewEvent::default()
            },
        )
        .await?;
    Ok(StatusCode::OK)
}

async fn switch(
    state: AppState,
    token_name: String,
    (project, name, environment): (String, String, String),
    on: bool,
) -> ApiResult<StatusCode> {
    check_project_environment(&state, &project, &environment).await?;
    // Decided inside the transaction: two racing "on" calls add one default strategy.
    let mut w = state.store.write().await?;
    let feature = w.live_feature(&project, &name).await?;
    let before = w.feature_environment(&name, &environment).await?;
    let strategies = w.strategies(&name, Some(&environment)).await?;
    w.set_environment_enabled(&name, &environment, on).await?;
    // As Unleash: switching on an environment without an active strategy adds
    // the default one, a 100% flexible rollout.
    if on && strategies.iter().all(|s| s.values.disabled) {
        let strategy = StrategyRow {
            id: uuid::Uuid::new_v4().to_string(),
            feature_name: name.clone(),
            environment: environment.clone(),
            values: StrategyValues {
                name: "flexibleRollout".to_owned(),
                parameters: [
                    ("rollout", "100"),
                    ("stickiness", "default"),
                    ("groupId", name.as_str()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
                ..StrategyValues::default()
            },
        };
        w.insert_strategy(&strategy).await?;
        w.record_event(NewEvent {
            event_type: "feature-strategy-add",
            created_by: token_name.clone(),
            project: Some(project.clone()),
            environment: Some(environment.clone()),
            feature_name: Some(name.clone()),
            data: Some(super::strategy_json(&strategy)),
            ..NewEvent::default()
        })
        .await?;
    }
    if before.enabled != on {
        w.record_event(NewEvent {
            event_type: if on {
                "feature-environment-enabled"
            } else {
                "feature-environment-disabled"
            },
            created_by: token_name,
            project: Some(feature.project),
            environment: Some(environment),
            feature_name: Some(name),
            pre_data: Some(json!({"enabled": before.enabled})),
            data: Some(json!({"enabled": on})),
        })
        .await?;
    }
    w.commit().await?;
    state.after_commit().await;
    Ok(StatusCode::OK)
}

async fn switch_on(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(path): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    switch(state, token.name, path, true).await
}

async fn switch_off(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(path): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    switch(state, token.name, path, false).await
}
