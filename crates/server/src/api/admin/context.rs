//! Context fields (`/api/admin/context`), with their legal values.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::ops::{
    AddLegalValue, ContextFieldInput, CreateContextField, DeleteContextField, LegalValue,
    UpdateContextField,
};
use crate::state::AppState;
use crate::wire::ContextFieldView;

pub fn router() -> Router<AppState> {
    Router::new()
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

async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let fields = state.store.context_fields().await?;
    let views: Vec<ContextFieldView> = fields.iter().map(ContextFieldView::from).collect();
    Ok(Json(views).into_response())
}

async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let field = state.store.context_field(&name).await?;
    Ok(Json(ContextFieldView::from(&field)).into_response())
}

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
