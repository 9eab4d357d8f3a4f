//! Action sets (`/api/admin/projects/:p/actions`, Unleash Enterprise's
//! shapes): list, create, read, replace, switch on or off, delete, and the log
//! of their runs (`…/:id/events`, newest first).

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::id_in_path;
use super::signal_endpoints::PageQuery;
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    ActionSetInput, CreateActionSet, DeleteActionSet, ProjectId, SwitchActionSet, UpdateActionSet,
};
use flagstaff_domain::wire::automation::{ActionRunView, ActionSetView};
use flagstaff_storage::ActionSetRow;

pub fn router() -> Routes {
    let sets = "/api/admin/projects/{project}/actions";
    let set = "/api/admin/projects/{project}/actions/{id}";
    Routes::new()
        .route(sets, get(list).post(create))
        .route(set, get(read).put(replace).delete(remove))
        .route(&format!("{set}/on"), post(switch_on))
        .route(&format!("{set}/off"), post(switch_off))
        .route(&format!("{set}/events"), get(runs))
}

fn set_path(project: &str, id: &str) -> ApiResult<(ProjectId, i64)> {
    Ok((ProjectId::in_path(project)?, id_in_path(id, "action set")?))
}

/// The project's action set `id` (for reads).
async fn existing(state: &AppState, project: &str, id: &str) -> ApiResult<ActionSetRow> {
    let (project, id) = set_path(project, id)?;
    if !state.store.project_exists(&project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    state
        .store
        .action_set(&project, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Could not find action set {id}")))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"actions": [{"id": 1, "project": "default",
    "name": "qa-enables-checkout", "description": null, "enabled": true, "actorId": 7,
    "match": {"source": "signal-endpoint", "sourceId": 1, "payload": {}},
    "actions": [{"id": 1, "action": "TOGGLE_FEATURE_ON", "sortOrder": 1,
        "executionParams": {"project": "default", "featureName": "new-checkout",
            "environment": "development"},
        "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}],
    "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}]}))]
struct ActionSetList<'a> {
    actions: Vec<ActionSetView<'a>>,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/actions",
    summary = "A project's action sets",
    responses(
        (status = 200, description = "The project's action sets", body = ActionSetList),
    )
)]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Response> {
    if !state.store.project_exists(&project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    let sets = state.store.action_sets(&project).await?;
    let actions = sets.iter().map(ActionSetView::from).collect();
    Ok(Json(ActionSetList { actions }).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/actions",
    summary = "Creates an action set",
    request_body = ActionSetInput,
    responses(
        (status = 201, description = "The action set", body = ActionSetView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(set): ApiObject<ActionSetInput>,
) -> ApiResult<Response> {
    let project = ProjectId::in_path(&project)?;
    let set = state
        .apply(&admin.actor(), CreateActionSet { project, set })
        .await?;
    Ok((StatusCode::CREATED, Json(ActionSetView::from(&set))).into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/actions/{id}",
    summary = "One action set",
    responses(
        (status = 200, description = "The action set", body = ActionSetView),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let set = existing(&state, &project, &id).await?;
    Ok(Json(ActionSetView::from(&set)).into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/actions/{id}",
    summary = "Replaces an action set",
    request_body = ActionSetInput,
    responses(
        (status = 200, description = "The action set", body = ActionSetView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
    ApiObject(set): ApiObject<ActionSetInput>,
) -> ApiResult<Response> {
    let (project, id) = set_path(&project, &id)?;
    let set = state
        .apply(&admin.actor(), UpdateActionSet { project, id, set })
        .await?;
    Ok(Json(ActionSetView::from(&set)).into_response())
}

async fn switch(
    state: AppState,
    admin: AdminToken,
    (project, id): (String, String),
    enabled: bool,
) -> ApiResult<Response> {
    let (project, id) = set_path(&project, &id)?;
    let operation = SwitchActionSet {
        project,
        id,
        enabled,
    };
    let set = state.apply(&admin.actor(), operation).await?;
    Ok(Json(ActionSetView::from(&set)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/actions/{id}/on",
    summary = "Enables an action set",
    responses(
        (status = 200, description = "The action set, enabled", body = ActionSetView),
    )
)]
async fn switch_on(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
) -> ApiResult<Response> {
    switch(state, admin, path, true).await
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/actions/{id}/off",
    summary = "Disables an action set",
    responses(
        (status = 200, description = "The action set, disabled", body = ActionSetView),
    )
)]
async fn switch_off(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
) -> ApiResult<Response> {
    switch(state, admin, path, false).await
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/actions/{id}",
    summary = "Deletes an action set",
    responses(
        (status = 204, description = "Done"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (project, id) = set_path(&project, &id)?;
    state
        .apply(&admin.actor(), DeleteActionSet { project, id })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/actions/{id}/events",
    summary = "An action set's runs, newest first",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of runs", body = RunList),
        (status = 400, description = "Invalid input"),
    )
)]
async fn runs(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Response> {
    let (limit, offset) = query.page()?;
    let set = existing(&state, &project, &id).await?;
    let runs = state.store.action_runs(set.id, limit, offset).await?;
    let action_set_events = runs.iter().map(ActionRunView::from).collect();
    Ok(Json(RunList { action_set_events }).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"actionSetEvents": [{"id": 3, "actionSetId": 1, "signalId": 7,
    "createdAt": "2025-03-01T09:00:00Z", "state": "success", "signal": null,
    "actionSet": {"id": 1, "project": "default", "name": "qa-enables-checkout",
        "description": null, "enabled": true, "actorId": null,
        "match": {"source": "signal-endpoint", "sourceId": 1, "payload": {}},
        "actions": [{"id": 1, "action": "TOGGLE_FEATURE_ON", "sortOrder": 1,
            "executionParams": {"project": "default", "featureName": "new-checkout",
                "environment": "development"},
            "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin", "state": "success"}],
        "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}}]}))]
struct RunList<'a> {
    action_set_events: Vec<ActionRunView<'a>>,
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, read, replace, remove, switch_on, switch_off, runs))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: actions", "actions")
}
