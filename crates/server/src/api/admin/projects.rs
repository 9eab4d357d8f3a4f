//! Projects and environments (list, create, enable an environment for a
//! project), and the fixed catalogues: strategy types and feature types.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::parse_feature_name;
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::NewEvent;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/projects", get(projects).post(create_project))
        .route(
            "/api/admin/environments",
            get(environments).post(create_environment),
        )
        .route(
            "/api/admin/projects/{project}/environments",
            post(enable_environment),
        )
        .route("/api/admin/strategies", get(strategy_types))
        .route("/api/admin/feature-types", get(feature_types))
}

async fn strategy_types(_admin: AdminToken) -> Json<Value> {
    let strategies: Vec<Value> = super::strategies::STRATEGY_TYPES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "name": name, "displayName": name, "editable": false,
                "deprecated": name.starts_with("gradualRollout"), "sortOrder": i, "parameters": []
            })
        })
        .collect();
    Json(json!({"version": 1, "strategies": strategies}))
}

async fn feature_types(_admin: AdminToken) -> Json<Value> {
    let types: Vec<Value> = [
        ("release", "Release", Some(40)),
        ("experiment", "Experiment", Some(40)),
        ("operational", "Operational", Some(7)),
        ("kill-switch", "Kill switch", None),
        ("permission", "Permission", None),
    ]
    .iter()
    .map(|(id, name, days)| json!({"id": id, "name": name, "lifetimeDays": days}))
    .collect();
    Json(json!({"version": 1, "types": types}))
}

async fn projects(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let projects: Vec<Value> = state
        .store
        .projects()
        .await?
        .into_iter()
        .map(|(id, name, description)| json!({"id": id, "name": name, "description": description}))
        .collect();
    Ok(Json(json!({"version": 1, "projects": projects})))
}

async fn environments(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let environments: Vec<Value> = state
        .store
        .environments()
        .await?
        .into_iter()
        .map(|e| json!({"name": e.name, "type": e.kind, "enabled": true, "sortOrder": e.sort_order, "protected": false}))
        .collect();
    Ok(Json(json!({"version": 1, "environments": environments})))
}

#[derive(Deserialize)]
struct ProjectBody {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

async fn create_project(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    ApiObject(body): ApiObject<ProjectBody>,
) -> ApiResult<Response> {
    let id = parse_feature_name(body.id.trim())?.to_owned();
    let name = body.name.unwrap_or_else(|| id.clone());
    if state.store.project_exists(&id).await? {
        return Err(ApiError::NameExists(format!(
            "A project with id {id} already exists"
        )));
    }
    let mut w = state.store.write().await?;
    w.insert_project(&id, &name, body.description.as_deref())
        .await?;
    let data = json!({"id": id, "name": name, "description": body.description});
    w.record_event(NewEvent {
        event_type: "project-created",
        created_by: token.name,
        project: Some(id.clone()),
        data: Some(data.clone()),
        ..NewEvent::default()
    })
    .await?;
    w.commit().await?;
    state.after_commit().await;
    Ok((StatusCode::CREATED, Json(data)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvironmentBody {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    sort_order: Option<i64>,
}

async fn create_environment(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    ApiObject(body): ApiObject<EnvironmentBody>,
) -> ApiResult<Response> {
    let name = parse_feature_name(body.name.trim())?.to_owned();
    if body.kind.trim().is_empty() {
        return Err(ApiError::BadData("\"type\" is required".to_owned()));
    }
    if state
        .store
        .environments()
        .await?
        .iter()
        .any(|e| e.name == name)
    {
        return Err(ApiError::NameExists(format!(
            "An environment named {name} already exists"
        )));
    }
    let sort_order = body.sort_order.unwrap_or(1000);
    let mut w = state.store.write().await?;
    w.insert_environment(&name, &body.kind, sort_order).await?;
    let data = json!({"name": name, "type": body.kind, "enabled": true, "sortOrder": sort_order, "protected": false});
    w.record_event(NewEvent {
        event_type: "environment-created",
        created_by: token.name,
        environment: Some(name),
        data: Some(data.clone()),
        ..NewEvent::default()
    })
    .await?;
    w.commit().await?;
    state.after_commit().await;
    Ok((StatusCode::CREATED, Json(data)).into_response())
}

#[derive(Deserialize)]
struct EnableBody {
    environment: String,
}

async fn enable_environment(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<EnableBody>,
) -> ApiResult<StatusCode> {
    if !state.store.project_exists(&project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    if !state
        .store
        .environments()
        .await?
        .iter()
        .any(|e| e.name == body.environment)
    {
        return Err(ApiError::NotFound(format!(
            "Could not find environment {}",
            body.environment
        )));
    }
    if state
        .store
        .project_environments(&project)
        .await?
        .iter()
        .any(|e| e.name == body.environment)
    {
        return Err(ApiError::NameExists(format!(
            "Environment {} is already enabled for project {project}",
            body.environment
        )));
    }
    let mut w = state.store.write().await?;
    w.link_project_environment(&project, &body.environment)
        .await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "project-environment-added",
                created_by: token.name,
                project: Some(project),
                environment: Some(body.environment),
                ..NewEvent::default()
            },
        )
        .await?;
    Ok(StatusCode::OK)
}
