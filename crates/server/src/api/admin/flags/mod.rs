//! Flags: create, read, update (PUT and JSON Patch) and archive one flag; the
//! lists of flags, and a flag's lifecycle (switching it in an environment,
//! reviving and deleting it) are in their own modules.

mod lifecycle;
mod lists;

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use flagstaff_domain::wire::FlagView;
use serde::Deserialize;

use super::flag_answer;
use crate::api::{ApiJson, ApiObject};
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    ArchiveFlag, CreateFlag, Edit, FlagFields, FlagName, FlagType, ProjectId, TagInput, UpdateFlag,
};

pub fn router() -> Routes {
    let feature = "/api/admin/projects/{project}/features/{feature}";
    Routes::new()
        .route("/api/admin/projects/{project}/features", post(create))
        .route(feature, get(read).put(replace).patch(patch).delete(archive))
        .merge(lists::router())
        .merge(lifecycle::router())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    #[serde(default, rename = "type")]
    feature_type: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    impression_data: Option<bool>,
    #[serde(default)]
    tags: Vec<TagInput>,
}

/// The path's project and flag.
fn flag_path((project, feature): (String, String)) -> ApiResult<(ProjectId, FlagName)> {
    Ok((ProjectId::in_path(&project)?, FlagName::in_path(&feature)?))
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features",
    summary = "Creates a flag",
    request_body(content = CreateBody, example = json!({"name": "new-checkout", "type": "release",
        "description": "The new checkout flow", "impressionData": false,
        "tags": [{"type": "simple", "value": "checkout"}]})),
    responses(
        (status = 201, description = "The flag created", body = FlagView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<CreateBody>,
) -> ApiResult<Response> {
    let operation = CreateFlag {
        name: FlagName::parse(&body.name)?,
        flag_type: FlagType::parse(body.feature_type.as_deref().unwrap_or("release"))?,
        project: ProjectId::in_path(&project)?,
        description: body.description,
        impression_data: body.impression_data.unwrap_or(false),
        tags: body.tags,
    };
    let feature = state.apply(&admin.actor(), operation).await?;
    flag_answer(&state, feature, StatusCode::CREATED).await
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features/{feature}",
    summary = "One flag, with its environments, strategies, tags, links and dependencies",
    responses(
        (status = 200, description = "The flag", body = FlagView),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let feature = state.store.live_flag(&project, &name).await?;
    flag_answer(&state, feature, StatusCode::OK).await
}

async fn update(
    state: AppState,
    admin: AdminToken,
    path: (String, String),
    edit: Edit<FlagFields>,
) -> ApiResult<Response> {
    let (project, name) = flag_path(path)?;
    let operation = UpdateFlag {
        project,
        name,
        edit,
    };
    let feature = state.apply(&admin.actor(), operation).await?;
    flag_answer(&state, feature, StatusCode::OK).await
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/features/{feature}",
    summary = "Replaces a flag's fields",
    request_body = FlagFields,
    responses(
        (status = 200, description = "The flag as changed", body = FlagView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
    ApiObject(fields): ApiObject<FlagFields>,
) -> ApiResult<Response> {
    update(state, admin, path, Edit::Replace(fields)).await
}

#[utoipa::path(
    patch,
    path = "/api/admin/projects/{project}/features/{feature}",
    summary = "Changes a flag's fields with JSON Patch",
    request_body(content = json_patch::Patch, description = "JSON Patch operations on the flag's fields as `FlagFields` shows them",
        example = json!([{"op": "replace", "path": "/description", "value": "The new checkout flow"}])),
    responses(
        (status = 200, description = "The flag as changed", body = FlagView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn patch(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
    ApiJson(operations): ApiJson<json_patch::Patch>,
) -> ApiResult<Response> {
    update(state, admin, path, Edit::Patch(operations)).await
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/features/{feature}",
    summary = "Archives a flag",
    responses(
        (status = 202, description = "Accepted"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn archive(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (project, name) = flag_path(path)?;
    state
        .apply(&admin.actor(), ArchiveFlag { project, name })
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(create, read, replace, patch, archive))]
    struct Doc;
    let mut openapi = Doc::openapi();
    openapi.merge(lists::doc());
    openapi.merge(lifecycle::doc());
    crate::api::openapi::area(openapi, "Admin: flags", "flags")
}
