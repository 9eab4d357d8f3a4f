//! The tags of a flag (`/api/admin/features/:name/tags`) and of many flags of
//! a project at once (`PUT /api/admin/projects/:project/tags`).

use crate::api::routes::{delete, get, put, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::{tag_list, TagList};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    FlagName, ProjectId, RetagFlag, RetagFlags, TagFlag, TagInput, UntagFlag,
};
use flagstaff_storage::Tag;

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/admin/features/{feature}/tags",
            get(flag_tags).post(tag_flag).put(retag_flag),
        )
        .route(
            "/api/admin/features/{feature}/tags/{type}/{value}",
            delete(untag_flag),
        )
        .route(
            "/api/admin/projects/{project}/tags",
            put(retag_project_flags),
        )
}

#[utoipa::path(
    get,
    path = "/api/admin/features/{feature}/tags",
    summary = "A flag's tags",
    responses(
        (status = 200, description = "The flag's tags", body = TagList),
    )
)]
async fn flag_tags(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
) -> ApiResult<Response> {
    if state.store.flag(&feature).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "Could not find feature flag {feature}"
        )));
    }
    Ok(tag_list(&state.store.flag_tags(&feature).await?))
}

#[utoipa::path(
    post,
    path = "/api/admin/features/{feature}/tags",
    summary = "Tags a flag",
    request_body = TagInput,
    responses(
        (status = 201, description = "The tag added", body = Tag),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn tag_flag(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(feature): Path<String>,
    ApiObject(tag): ApiObject<TagInput>,
) -> ApiResult<Response> {
    let feature = FlagName::in_path(&feature)?;
    let tag = state
        .apply(&admin.actor(), TagFlag { feature, tag })
        .await?;
    Ok((StatusCode::CREATED, Json(tag)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"addedTags": [{"type": "simple", "value": "checkout"}],
    "removedTags": [{"type": "simple", "value": "old"}]}))]
struct Retag {
    added_tags: Vec<TagInput>,
    removed_tags: Vec<TagInput>,
}

#[utoipa::path(
    put,
    path = "/api/admin/features/{feature}/tags",
    summary = "Adds and removes a flag's tags",
    request_body = Retag,
    responses(
        (status = 200, description = "The flag's tags now", body = TagList),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn retag_flag(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(feature): Path<String>,
    ApiObject(body): ApiObject<Retag>,
) -> ApiResult<Response> {
    let operation = RetagFlag {
        feature: FlagName::in_path(&feature)?,
        added_tags: body.added_tags,
        removed_tags: body.removed_tags,
    };
    let tags = state.apply(&admin.actor(), operation).await?;
    Ok(tag_list(&tags))
}

#[utoipa::path(
    delete,
    path = "/api/admin/features/{feature}/tags/{type}/{value}",
    summary = "Removes a tag from a flag",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn untag_flag(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((feature, tag_type, value)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let operation = UntagFlag {
        feature: FlagName::in_path(&feature)?,
        tag: Tag::new(tag_type, value),
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"features": ["new-checkout", "dark-mode"],
    "tags": {"addedTags": [{"type": "simple", "value": "checkout"}], "removedTags": []}}))]
struct ProjectRetag {
    features: Vec<String>,
    tags: Retag,
}

/// 200 with no body, as Unleash.
#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/tags",
    summary = "Adds and removes tags on many flags of a project",
    request_body = ProjectRetag,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn retag_project_flags(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<ProjectRetag>,
) -> ApiResult<StatusCode> {
    let operation = RetagFlags {
        project: ProjectId::in_path(&project)?,
        features: body
            .features
            .iter()
            .map(|name| FlagName::parse(name))
            .collect::<Result<_, _>>()?,
        added_tags: body.tags.added_tags,
        removed_tags: body.tags.removed_tags,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// This part of the tags' OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(flag_tags, tag_flag, retag_flag, untag_flag, retag_project_flags))]
    struct Doc;
    Doc::openapi()
}
