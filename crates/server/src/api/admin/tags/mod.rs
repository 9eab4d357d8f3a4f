//! Tag types (`/api/admin/tag-types`), tags (`/api/admin/tags`), the tags
//! of a flag (`/api/admin/features/:name/tags`) and of many flags of a project
//! at once (`PUT /api/admin/projects/:project/tags`), in Unleash 8's shapes.

mod flag_tags;
mod tag_types;

use crate::api::routes::{get, Routes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::path_segment::path_segment;
use crate::state::AppState;
use flagstaff_domain::ops::{CreateTag, DeleteTag, TagInput};
use flagstaff_storage::Tag;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/tags", get(all_tags).post(create_tag))
        .route("/api/admin/tags/{type}", get(tags_of_type))
        .route(
            "/api/admin/tags/{type}/{value}",
            get(tag).delete(delete_tag),
        )
        .merge(tag_types::router())
        .merge(flag_tags::router())
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "tags": [{"type": "simple", "value": "checkout"},
    {"type": "team", "value": "payments"}]}))]
struct TagList<'a> {
    version: u8,
    tags: &'a [Tag],
}

fn tag_list(tags: &[Tag]) -> Response {
    Json(TagList { version: 1, tags }).into_response()
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "tag": {"type": "simple", "value": "checkout"}}))]
struct OneTag {
    version: u8,
    tag: Tag,
}

#[utoipa::path(
    get,
    path = "/api/admin/tags",
    summary = "Every tag",
    responses(
        (status = 200, description = "Every tag", body = TagList),
    )
)]
async fn all_tags(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    Ok(tag_list(&state.store.tags(None).await?))
}

#[utoipa::path(
    get,
    path = "/api/admin/tags/{type}",
    summary = "The tags of one type",
    responses(
        (status = 200, description = "The tags of the type", body = TagList),
    )
)]
async fn tags_of_type(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(tag_type): Path<String>,
) -> ApiResult<Response> {
    Ok(tag_list(&state.store.tags(Some(&tag_type)).await?))
}

#[utoipa::path(
    get,
    path = "/api/admin/tags/{type}/{value}",
    summary = "One tag",
    responses(
        (status = 200, description = "The tag", body = OneTag),
    )
)]
async fn tag(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((tag_type, value)): Path<(String, String)>,
) -> ApiResult<Response> {
    let tag = Tag::new(tag_type, value);
    if !state.store.tag_exists(&tag).await? {
        return Err(ApiError::NotFound(format!("Could not find tag {tag}")));
    }
    Ok(Json(OneTag { version: 1, tag }).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/tags",
    summary = "Creates a tag",
    request_body = TagInput,
    responses(
        (status = 201, description = "The tag created", body = OneTag),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create_tag(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(tag): ApiObject<TagInput>,
) -> ApiResult<Response> {
    let tag = state.apply(&admin.actor(), CreateTag { tag }).await?;
    let location = [(
        header::LOCATION,
        format!(
            "tags/{}/{}",
            path_segment(&tag.tag_type),
            path_segment(&tag.value)
        ),
    )];
    Ok((
        StatusCode::CREATED,
        location,
        Json(OneTag { version: 1, tag }),
    )
        .into_response())
}

#[utoipa::path(
    delete,
    path = "/api/admin/tags/{type}/{value}",
    summary = "Deletes a tag",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn delete_tag(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((tag_type, value)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let tag = Tag::new(tag_type, value);
    state.apply(&admin.actor(), DeleteTag { tag }).await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(all_tags, create_tag, tags_of_type, tag, delete_tag))]
    struct Doc;
    let mut openapi = Doc::openapi();
    openapi.merge(tag_types::doc());
    openapi.merge(flag_tags::doc());
    crate::api::openapi::area(openapi, "Admin: tags", "tags")
}
