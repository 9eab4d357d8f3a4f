//! Tag types (`/api/admin/tag-types`), tags (`/api/admin/tags`), the tags
//! of a flag (`/api/admin/features/:name/tags`) and of many flags of a project
//! at once (`PUT /api/admin/projects/:project/tags`), in Unleash 8's shapes.

use crate::api::routes::{delete, get, post, put, Routes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    validate_tag_type, CreateTag, CreateTagType, DeleteTag, DeleteTagType, FeatureName, ProjectId,
    RetagFlag, RetagFlags, TagFlag, TagInput, TagTypeInput, UntagFlag, UpdateTagType,
};
use flagstaff_domain::wire::{to_value, TagTypeView};
use flagstaff_storage::Tag;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/tag-types", get(tag_types).post(create_tag_type))
        .route("/api/admin/tag-types/validate", post(validate))
        .route(
            "/api/admin/tag-types/{name}",
            get(tag_type).put(update_tag_type).delete(delete_tag_type),
        )
        .route("/api/admin/tags", get(all_tags).post(create_tag))
        .route("/api/admin/tags/{type}", get(tags_of_type))
        .route(
            "/api/admin/tags/{type}/{value}",
            get(tag).delete(delete_tag),
        )
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

fn tag_list(tags: &[Tag]) -> Json<Value> {
    Json(json!({"version": 1, "tags": tags}))
}

#[utoipa::path(
    get,
    path = "/api/admin/tag-types",
    summary = "Every tag type",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn tag_types(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let types = state.store.tag_types().await?;
    let views: Vec<TagTypeView> = types.iter().map(TagTypeView::from).collect();
    Ok(Json(json!({"version": 1, "tagTypes": views})))
}

#[utoipa::path(
    post,
    path = "/api/admin/tag-types",
    summary = "Creates a tag type",
    request_body = TagTypeInput,
    responses(
        (status = 201, description = "Created", body = Object),
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
        Json(to_value(&TagTypeView::from(&created))),
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
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn validate(
    State(state): State<AppState>,
    _admin: AdminToken,
    ApiObject(input): ApiObject<TagTypeInput>,
) -> ApiResult<Json<Value>> {
    let checked = validate_tag_type(&state.store, input).await?;
    Ok(Json(
        json!({"valid": true, "tagType": to_value(&TagTypeView::from(&checked))}),
    ))
}

/// As Unleash's handler answers (its OpenAPI document says a bare tag type).
#[utoipa::path(
    get,
    path = "/api/admin/tag-types/{name}",
    summary = "One tag type",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn tag_type(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    match state.store.tag_type(&name).await? {
        Some(t) => Ok(Json(
            json!({"version": 1, "tagType": to_value(&TagTypeView::from(&t))}),
        )),
        None => Err(ApiError::NotFound(format!(
            "Tagtype {name} could not be found"
        ))),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
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

#[utoipa::path(
    get,
    path = "/api/admin/tags",
    summary = "Every tag",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn all_tags(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    Ok(tag_list(&state.store.tags(None).await?))
}

#[utoipa::path(
    get,
    path = "/api/admin/tags/{type}",
    summary = "The tags of one type",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn tags_of_type(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(tag_type): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(tag_list(&state.store.tags(Some(&tag_type)).await?))
}

#[utoipa::path(
    get,
    path = "/api/admin/tags/{type}/{value}",
    summary = "One tag",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn tag(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((tag_type, value)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let tag = Tag::new(tag_type, value);
    if !state.store.tag_exists(&tag).await? {
        return Err(ApiError::NotFound(format!("Could not find tag {tag}")));
    }
    Ok(Json(json!({"version": 1, "tag": tag})))
}

#[utoipa::path(
    post,
    path = "/api/admin/tags",
    summary = "Creates a tag",
    request_body = TagInput,
    responses(
        (status = 201, description = "Created", body = Object),
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
        format!("tags/{}/{}", tag.tag_type, tag.value),
    )];
    Ok((
        StatusCode::CREATED,
        location,
        Json(json!({"version": 1, "tag": tag})),
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

#[utoipa::path(
    get,
    path = "/api/admin/features/{feature}/tags",
    summary = "A flag's tags",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn flag_tags(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
) -> ApiResult<Json<Value>> {
    if state.store.feature(&feature).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "Could not find feature flag {feature}"
        )));
    }
    Ok(tag_list(&state.store.feature_tags(&feature).await?))
}

#[utoipa::path(
    post,
    path = "/api/admin/features/{feature}/tags",
    summary = "Tags a flag",
    request_body = TagInput,
    responses(
        (status = 201, description = "Created", body = Object),
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
    let feature = FeatureName::in_path(&feature)?;
    let tag = state
        .apply(&admin.actor(), TagFlag { feature, tag })
        .await?;
    Ok((StatusCode::CREATED, Json(to_value(&tag))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Retag {
    #[schema(value_type = Vec<Object>)]
    added_tags: Vec<TagInput>,
    #[schema(value_type = Vec<Object>)]
    removed_tags: Vec<TagInput>,
}

#[utoipa::path(
    put,
    path = "/api/admin/features/{feature}/tags",
    summary = "Adds and removes a flag's tags",
    request_body = Retag,
    responses(
        (status = 200, description = "OK", body = Object),
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
) -> ApiResult<Json<Value>> {
    let operation = RetagFlag {
        feature: FeatureName::in_path(&feature)?,
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
        feature: FeatureName::in_path(&feature)?,
        tag: Tag::new(tag_type, value),
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize, utoipa::ToSchema)]
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
            .map(|name| FeatureName::parse(name))
            .collect::<Result<_, _>>()?,
        added_tags: body.tags.added_tags,
        removed_tags: body.tags.removed_tags,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        tag_types,
        create_tag_type,
        validate,
        tag_type,
        update_tag_type,
        delete_tag_type,
        all_tags,
        create_tag,
        tags_of_type,
        tag,
        delete_tag,
        flag_tags,
        tag_flag,
        retag_flag,
        untag_flag,
        retag_project_flags
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: tags", "tags")
}
