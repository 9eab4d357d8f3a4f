//! Context fields (`/api/admin/context`), with their legal values.

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    AddLegalValue, ContextFieldInput, CreateContextField, DeleteContextField, LegalValue,
    UpdateContextField,
};
use flagstaff_domain::wire::ContextFieldView;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/context", get(list).post(create))
        .route(
            "/api/admin/context/{name}",
            get(read).put(replace).delete(remove),
        )
        .route(
            "/api/admin/context/{name}/legal-values",
            post(add_legal_value),
        )
}

#[utoipa::path(
    get,
    path = "/api/admin/context",
    summary = "Every context field",
    responses(
        (status = 200, description = "Every context field", body = [ContextFieldView],
            example = json!([{"name": "userId", "description": "The user's id", "stickiness": true,
                "sortOrder": 1, "legalValues": [], "createdAt": "2025-03-01T09:00:00Z",
                "usedInFeatures": 0, "usedInProjects": 0}])),
    )
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let fields = state.store.context_fields().await?;
    let views: Vec<ContextFieldView> = fields.iter().map(ContextFieldView::from).collect();
    Ok(Json(views).into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/context/{name}",
    summary = "One context field",
    responses(
        (status = 200, description = "The context field", body = ContextFieldView),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let field = state.store.context_field(&name).await?;
    Ok(Json(ContextFieldView::from(&field)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/context",
    summary = "Creates a context field",
    request_body = ContextFieldInput,
    responses(
        (status = 201, description = "The context field created", body = ContextFieldView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(field): ApiObject<ContextFieldInput>,
) -> ApiResult<Response> {
    let field = state
        .apply(&admin.actor(), CreateContextField { field })
        .await?;
    let location = [(
        axum::http::header::LOCATION,
        format!("context/{}", field.name),
    )];
    Ok((
        StatusCode::CREATED,
        location,
        Json(ContextFieldView::from(&field)),
    )
        .into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/context/{name}",
    summary = "Replaces a context field",
    request_body = ContextFieldInput,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
    ApiObject(field): ApiObject<ContextFieldInput>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), UpdateContextField { name, field })
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post,
    path = "/api/admin/context/{name}/legal-values",
    summary = "Adds or changes a legal value",
    request_body = LegalValue,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn add_legal_value(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
    ApiObject(value): ApiObject<LegalValue>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), AddLegalValue { name, value })
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/context/{name}",
    summary = "Deletes a context field",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), DeleteContextField { name })
        .await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, read, replace, remove, add_legal_value))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: context", "context")
}
