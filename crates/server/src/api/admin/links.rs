//! Flag links (`/api/admin/projects/:p/features/:f/link`, Unleash 7): add,
//! change, remove. Unleash answers 204 to all three; we answer the link (201
//! and 200) so a script learns the new link's id, and 204 to a removal.

use crate::api::routes::{post, put, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{AddLink, FlagName, LinkInput, ProjectId, RemoveLink, UpdateLink};
use flagstaff_domain::wire::LinkView;

pub fn router() -> Routes {
    let link = "/api/admin/projects/{project}/features/{feature}/link";
    Routes::new()
        .route(link, post(add))
        .route(&format!("{link}/{{id}}"), put(update).delete(remove))
}

fn flag_path(project: &str, feature: &str) -> ApiResult<(ProjectId, FlagName)> {
    Ok((ProjectId::in_path(project)?, FlagName::in_path(feature)?))
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/link",
    summary = "Adds a link to a flag",
    request_body = LinkInput,
    responses(
        (status = 201, description = "The link added, with its id", body = LinkView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn add(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
    ApiObject(link): ApiObject<LinkInput>,
) -> ApiResult<Response> {
    let (project, feature) = flag_path(&project, &feature)?;
    let operation = AddLink {
        project,
        feature,
        link,
    };
    let link = state.apply(&admin.actor(), operation).await?;
    Ok((StatusCode::CREATED, Json(LinkView::from(&link))).into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/features/{feature}/link/{id}",
    summary = "Changes a link",
    request_body = LinkInput,
    responses(
        (status = 200, description = "The link as changed", body = LinkView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn update(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature, id)): Path<(String, String, String)>,
    ApiObject(link): ApiObject<LinkInput>,
) -> ApiResult<Response> {
    let (project, feature) = flag_path(&project, &feature)?;
    let operation = UpdateLink {
        project,
        feature,
        id,
        link,
    };
    let link = state.apply(&admin.actor(), operation).await?;
    Ok(Json(LinkView::from(&link)).into_response())
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/features/{feature}/link/{id}",
    summary = "Removes a link",
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature, id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (project, feature) = flag_path(&project, &feature)?;
    let operation = RemoveLink {
        project,
        feature,
        id,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(add, update, remove))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: flags", "links")
}
