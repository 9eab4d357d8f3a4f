//! A change request's life: changes added to the caller's draft, the
//! request read, moved through its states (approve, reject, apply, schedule,
//! cancel), renamed, commented, its approvers asked, a change edited or
//! discarded, the request deleted.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{view, views};
use crate::api::admin::id_in_path;
use crate::api::routes::{get, post, put, Routes};
use crate::api::{ApiJson, ApiObject};
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    AddChange, AddChangeRequestComment, ChangeInput, DeleteChangeRequest, DiscardChange,
    EditChange, EnvironmentName, ProjectId, SetChangeRequestApprovers, SetChangeRequestState,
    SetChangeRequestTitle, StateInput,
};
use flagstaff_domain::wire::change_requests::{ChangeRequestUser, ChangeRequestView};

const ONE: &str = "/api/admin/projects/{project}/change-requests/{id}";

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/admin/projects/{project}/environments/{environment}/change-requests",
            post(add),
        )
        .route("/api/admin/projects/{project}/change-requests", get(list))
        .route(ONE, get(one).delete(delete))
        .route(&format!("{ONE}/state"), put(set_state))
        .route(&format!("{ONE}/title"), put(set_title))
        .route(&format!("{ONE}/comments"), post(comment))
        .route(
            &format!("{ONE}/approvers"),
            get(approvers).put(set_approvers),
        )
        .route(
            "/api/admin/projects/{project}/change-requests/{id}/changes/{change}",
            put(edit_change).delete(discard_change),
        )
}

/// One change, or several (Unleash's changeRequestOneOrManyCreateSchema).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(example = json!({"action": "updateEnabled", "feature": "new-checkout", "payload": {"enabled": true}}))]
enum OneOrMany {
    One(ChangeInput),
    Many(Vec<ChangeInput>),
}

fn request_path(project: &str, id: &str) -> ApiResult<(ProjectId, i64)> {
    Ok((
        ProjectId::in_path(project)?,
        id_in_path(id, "change request")?,
    ))
}

/// The request `id` of `project`, as shown.
async fn shown(state: &AppState, project: &ProjectId, id: i64) -> ApiResult<ChangeRequestView> {
    match state.store.change_request(id).await? {
        Some(row) if row.project == project.as_str() => view(state, row).await,
        _ => Err(ApiError::NotFound(format!(
            "Could not find change request {id} in project {project}"
        ))),
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/environments/{environment}/change-requests",
    summary = "Adds changes to the caller's draft change request for an environment",
    request_body = OneOrMany,
    responses(
        (status = 200, description = "The draft with the changes", body = ChangeRequestView),
        (status = 400, description = "Invalid input (a payload the action does not take)"),
        (status = 404, description = "Not found"),
    )
)]
async fn add(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, environment)): Path<(String, String)>,
    ApiJson(body): ApiJson<OneOrMany>,
) -> ApiResult<Json<ChangeRequestView>> {
    let project = ProjectId::in_path(&project)?;
    let environment = EnvironmentName::in_path(&environment)?;
    let inputs = match body {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    };
    let operation = AddChange::new(project.clone(), environment, inputs)?;
    let id = state.apply(&admin.actor(), operation).await?;
    Ok(Json(shown(&state, &project, id).await?))
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests",
    summary = "A project's change requests, newest first",
    responses(
        (status = 200, description = "The change requests", body = Vec<ChangeRequestView>,
            example = json!([{"id": 1, "title": "Change request #1", "environment": "production", "project": "default", "state": "In review", "minApprovals": 1, "createdBy": {"id": 2, "username": "alice", "imageUrl": null}, "createdAt": "2026-12-07T10:00:00.000Z", "features": [], "approvals": [], "rejections": [], "comments": [], "requestedApprovers": []}])),
    )
)]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<ChangeRequestView>>> {
    Ok(Json(views(&state, Some(&project), |_| true).await?))
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/{id}",
    summary = "One change request, with conflicts marked",
    responses(
        (status = 200, description = "The change request", body = ChangeRequestView),
        (status = 404, description = "Not found"),
    )
)]
async fn one(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
) -> ApiResult<Json<ChangeRequestView>> {
    let (project, id) = request_path(&project, &id)?;
    Ok(Json(shown(&state, &project, id).await?))
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/change-requests/{id}",
    summary = "Deletes a change request that was not applied",
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Applied: it stays"),
        (status = 404, description = "Not found"),
    )
)]
async fn delete(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (project, id) = request_path(&project, &id)?;
    state
        .apply(&admin.actor(), DeleteChangeRequest { project, id })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/change-requests/{id}/state",
    summary = "Moves a change request on: review, approve, reject, apply, schedule, cancel",
    request_body = StateInput,
    responses(
        (status = 200, description = "The change request in its new state", body = ChangeRequestView),
        (status = 400, description = "Invalid input, or a transition its state does not allow"),
        (status = 403, description = "Approving or rejecting one's own request"),
        (status = 404, description = "Not found"),
        (status = 409, description = "A flag changed after a change to it was made"),
    )
)]
async fn set_state(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
    ApiObject(input): ApiObject<StateInput>,
) -> ApiResult<Json<ChangeRequestView>> {
    let (project, id) = request_path(&project, &id)?;
    let operation = SetChangeRequestState {
        project: project.clone(),
        id,
        input,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(Json(shown(&state, &project, id).await?))
}

/// Unleash's body for a new title.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"title": "Roll out the new checkout"}))]
struct TitleInput {
    title: String,
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/change-requests/{id}/title",
    summary = "Renames a change request",
    request_body = TitleInput,
    responses(
        (status = 204, description = "Renamed"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn set_title(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
    ApiObject(body): ApiObject<TitleInput>,
) -> ApiResult<StatusCode> {
    let (project, id) = request_path(&project, &id)?;
    let operation = SetChangeRequestTitle {
        project,
        id,
        title: body.title,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A comment (Unleash's changeRequestAddCommentSchema).
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"text": "Checked the dashboards: fine"}))]
struct CommentInput {
    text: String,
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/change-requests/{id}/comments",
    summary = "Comments on a change request",
    request_body = CommentInput,
    responses(
        (status = 201, description = "The change request with the comment", body = ChangeRequestView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn comment(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
    ApiObject(body): ApiObject<CommentInput>,
) -> ApiResult<Response> {
    let (project, id) = request_path(&project, &id)?;
    let operation = AddChangeRequestComment {
        project: project.clone(),
        id,
        text: body.text,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok((
        StatusCode::CREATED,
        Json(shown(&state, &project, id).await?),
    )
        .into_response())
}

/// The users a request asks to review it.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"approvers": [2, 5]}))]
struct ApproversInput {
    /// User ids.
    approvers: Vec<i64>,
}

/// The users a request asks to review it, as shown.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"approvers": [{"id": 3, "username": "bob", "imageUrl": null}]}))]
struct Approvers {
    approvers: Vec<ChangeRequestUser>,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/{id}/approvers",
    summary = "The users a change request asks to review it",
    responses(
        (status = 200, description = "The requested approvers", body = Approvers),
        (status = 404, description = "Not found"),
    )
)]
async fn approvers(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
) -> ApiResult<Json<Approvers>> {
    let (project, id) = request_path(&project, &id)?;
    let shown = shown(&state, &project, id).await?;
    Ok(Json(Approvers {
        approvers: shown.requested_approvers,
    }))
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/change-requests/{id}/approvers",
    summary = "Asks users to review a change request",
    request_body = ApproversInput,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn set_approvers(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, id)): Path<(String, String)>,
    ApiObject(body): ApiObject<ApproversInput>,
) -> ApiResult<StatusCode> {
    let (project, id) = request_path(&project, &id)?;
    let operation = SetChangeRequestApprovers {
        project,
        id,
        users: body.approvers,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/change-requests/{id}/changes/{change}",
    summary = "Replaces one change of a change request (re-submitting it against the flag as it is now)",
    request_body = ChangeInput,
    responses(
        (status = 200, description = "The change request", body = ChangeRequestView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn edit_change(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, id, change)): Path<(String, String, String)>,
    ApiObject(input): ApiObject<ChangeInput>,
) -> ApiResult<Json<ChangeRequestView>> {
    let (project, id) = request_path(&project, &id)?;
    let operation = EditChange {
        project: project.clone(),
        id,
        change_id: id_in_path(&change, "change")?,
        input,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(Json(shown(&state, &project, id).await?))
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/change-requests/{id}/changes/{change}",
    summary = "Discards one change of a change request (the request goes with its last change)",
    responses(
        (status = 204, description = "Discarded"),
        (status = 400, description = "The request is closed"),
        (status = 404, description = "Not found"),
    )
)]
async fn discard_change(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, id, change)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (project, id) = request_path(&project, &id)?;
    let operation = DiscardChange {
        project,
        id,
        change_id: id_in_path(&change, "change")?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        add,
        list,
        one,
        delete,
        set_state,
        set_title,
        comment,
        approvers,
        set_approvers,
        edit_change,
        discard_change
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: change requests", "change_requests")
}
