//! Tag types (`/api/admin/tag-types`): list, create, validate, read, change, delete.

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    validate_tag_type, CreateTagType, DeleteTagType, TagTypeInput, UpdateTagType,
};
use flagstaff_domain::wire::TagTypeView;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/tag-types", get(tag_types).post(create_tag_type))
        .route("/api/admin/tag-types/validate", post(validate))
        .route(
            "/api/admin/tag-types/{name}",
            get(tag_type).put(update_tag_type).delete(delete_tag_type),
        )
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"version": 1, "tagTypes": [{"name": "team", "description": "Which team owns the flag", "icon": null, "color": "#1a7f37"}]}))]
struct TagTypeList<'a> {
    version: u8,
    tag_types: Vec<TagTypeView<'a>>,
}

/// As Unleash's handler answers (its OpenAPI document says a bare tag type).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"version": 1, "tagType": {"name": "team", "description": "Which team owns the flag", "icon": null, "color": "#1a7f37"}}))]
struct OneTagType<'a> {
    version: u8,
    tag_type: TagTypeView<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"valid": true, "tagType": {"name": "team", "description": "Which team owns the flag", "icon": null, "color": "#1a7f37"}}))]
struct TagTypeValidation<'a> {
    valid: bool,
    tag_type: TagTypeView<'a>,
}

#[utoipa::path(
    get,
    path = "/api/admin/tag-types",
    summary = "Every tag type",
    responses(
        (status = 200, description = "Every tag type", body = TagTypeList),
    )
)]
async fn tag_types(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let types = state.store.tag_types().await?;
    let tag_types = types.iter().map(TagTypeView::from).collect();
    Ok(Json(TagTypeList {
        version: 1,
        tag_types,
    })
    .into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/tag-types",
    summary = "Creates a tag type",
    request_body = TagTypeInput,
    responses(
        (status = 201, description = "The tag type created", body = TagTypeView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create_tag_type(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(tag_type): ApiObject<TagTypeInput>,
) -> ApiResult<Response> {
    let created = state
        .apply(&admin.actor(), CreateTagType { tag_type })
        .await?;
    let location = [(header::LOCATION, format!("tag-types/{}", created.name))];
    Ok((
        StatusCode::CREATED,
        location,
        Json(TagTypeView::from(&created)),
    )
        .into_response())
}

/// 200 `{valid, tagType}` when the body could be a new tag type; 400 or 409 if not.
#[utoipa::path(
    post,
    path = "/api/admin/tag-types/validate",
    summary = "Whether a tag type is valid and free",
    request_body = TagTypeInput,
    responses(
        (status = 200, description = "The tag type as it would be stored", body = TagTypeValidation),
        (status = 400, description = "Invalid input"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn validate(
    State(state): State<AppState>,
    _admin: AdminToken,
    ApiObject(input): ApiObject<TagTypeInput>,
) -> ApiResult<Response> {
    let checked = validate_tag_type(&state.store, input).await?;
    let answer = TagTypeValidation {
        valid: true,
        tag_type: TagTypeView::from(&checked),
    };
    Ok(Json(answer).into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/tag-types/{name}",
    summary = "One tag type",
    responses(
        (status = 200, description = "The tag type", body = OneTagType),
    )
)]
async fn tag_type(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    match state.store.tag_type(&name).await? {
        Some(t) => Ok(Json(OneTagType {
            version: 1,
            tag_type: TagTypeView::from(&t),
        })
        .into_response()),
        None => Err(ApiError::NotFound(format!(
            "Tagtype {name} could not be found"
        ))),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"description": "Which team owns the flag", "icon": "group", "color": "#1a7f37"}))]
struct TagTypeChange {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    icon: Option<String>,
    #[serde(default)]
    color: Option<String>,
}

#[utoipa::path(
    put,
    path = "/api/admin/tag-types/{name}",
    summary = "Changes a tag type",
    request_body = TagTypeChange,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn update_tag_type(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
    ApiObject(change): ApiObject<TagTypeChange>,
) -> ApiResult<StatusCode> {
    let tag_type = TagTypeInput {
        name,
        description: change.description,
        icon: change.icon,
        color: change.color,
    };
    state
        .apply(&admin.actor(), UpdateTagType { tag_type })
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/tag-types/{name}",
    summary = "Deletes a tag type and its tags",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn delete_tag_type(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    state.apply(&admin.actor(), DeleteTagType { name }).await?;
    Ok(StatusCode::OK)
}

/// This part of the tags' OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        tag_types,
        create_tag_type,
        validate,
        tag_type,
        update_tag_type,
        delete_tag_type
    ))]
    struct Doc;
    Doc::openapi()
}
