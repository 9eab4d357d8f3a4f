//! Projects and environments (read-only for now).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/projects", get(projects))
        .route("/api/admin/environments", get(environments))
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
