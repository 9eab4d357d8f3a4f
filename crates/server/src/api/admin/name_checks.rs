//! Unleash's name checks before creating a segment or a context field
//! (`POST /api/admin/segments/validate`, `POST /api/admin/context/validate`):
//! the name rules of the operations that create them (`check_segment_name`,
//! `check_context_name`), then whether the name is taken (409). They change
//! nothing.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::api::routes::{post, Routes};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{check_context_name, check_segment_name};
use flagstaff_storage::StorageError;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/segments/validate", post(segment_name))
        .route("/api/admin/context/validate", post(context_name))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NameInput, example = json!({"name": "beta-users"}))]
pub(super) struct NameBody {
    name: String,
}

#[utoipa::path(
    post,
    path = "/api/admin/segments/validate",
    summary = "Whether a segment may be created with this name",
    request_body = NameBody,
    responses(
        (status = 204, description = "It may"),
        (status = 400, description = "The name breaks the rules"),
        (status = 409, description = "A segment has this name"),
    )
)]
async fn segment_name(
    State(state): State<AppState>,
    _admin: AdminToken,
    ApiObject(body): ApiObject<NameBody>,
) -> ApiResult<StatusCode> {
    let name = check_segment_name(&body.name)?;
    if state.store.segments().await?.iter().any(|s| s.name == name) {
        return Err(ApiError::NameExists(format!(
            "There is already a segment named {name:?}"
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/admin/context/validate",
    summary = "Whether a context field may be created with this name",
    request_body = NameBody,
    responses(
        (status = 200, description = "It may"),
        (status = 400, description = "The name breaks the rules"),
        (status = 409, description = "A context field has this name"),
    )
)]
async fn context_name(
    State(state): State<AppState>,
    _admin: AdminToken,
    ApiObject(body): ApiObject<NameBody>,
) -> ApiResult<StatusCode> {
    context_name_free(&state, &body).await
}

/// The context field name keeps the rules and is not taken (names are unique
/// across global and project fields).
pub(super) async fn context_name_free(state: &AppState, body: &NameBody) -> ApiResult<StatusCode> {
    let name = check_context_name(&body.name)?;
    match state.store.context_field(name).await {
        Ok(_) => Err(ApiError::NameExists(format!(
            "A context field with name {name:?} already exists"
        ))),
        Err(StorageError::NotFound(_)) => Ok(StatusCode::OK),
        Err(e) => Err(e.into()),
    }
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(segment_name, context_name))]
    struct Doc;
    crate::api::openapi::area(
        Doc::openapi(),
        "Admin: segments and context fields",
        "names",
    )
}
