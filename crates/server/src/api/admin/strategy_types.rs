//! The strategy catalogue (`/api/admin/strategies`): Unleash's built-in
//! strategies and custom ones — list, read, create, change, deprecate,
//! reactivate, delete.

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    CreateStrategyType, DeleteStrategyType, DeprecateStrategyType, StrategyTypeInput,
    UpdateStrategyType,
};
use flagstaff_domain::wire::{to_value, StrategyTypeView};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/strategies", get(list).post(create))
        .route(
            "/api/admin/strategies/{name}",
            get(read).put(update).delete(remove),
        )
        .route("/api/admin/strategies/{name}/deprecate", post(deprecate))
        .route("/api/admin/strategies/{name}/reactivate", post(reactivate))
}

#[utoipa::path(
    get,
    path = "/api/admin/strategies",
    summary = "Every strategy type",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let strategies = state.store.strategy_types().await?;
    let views: Vec<StrategyTypeView> = strategies.iter().map(StrategyTypeView::from).collect();
    Ok(Json(json!({"version": 1, "strategies": views})))
}

#[utoipa::path(
    get,
    path = "/api/admin/strategies/{name}",
    summary = "One strategy type",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    match state.store.strategy_type(&name).await? {
        Some(s) => Ok(Json(to_value(&StrategyTypeView::from(&s)))),
        None => Err(ApiError::NotFound(format!(
            "Could not find strategy with name {name}"
        ))),
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/strategies",
    summary = "Adds a custom strategy type",
    request_body = Object,
    responses(
        (status = 201, description = "Created", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(strategy): ApiObject<StrategyTypeInput>,
) -> ApiResult<Response> {
    let created = state
        .apply(&admin.actor(), CreateStrategyType { strategy })
        .await?;
    let location = [(header::LOCATION, format!("strategies/{}", created.name))];
    Ok((
        StatusCode::CREATED,
        location,
        Json(to_value(&StrategyTypeView::from(&created))),
    )
        .into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/strategies/{name}",
    summary = "Changes a custom strategy type",
    request_body = Object,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn update(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
    ApiObject(strategy): ApiObject<StrategyTypeInput>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), UpdateStrategyType { name, strategy })
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/strategies/{name}",
    summary = "Deletes a custom strategy type",
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
        .apply(&admin.actor(), DeleteStrategyType { name })
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post,
    path = "/api/admin/strategies/{name}/deprecate",
    summary = "Deprecates a strategy type",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn deprecate(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let operation = DeprecateStrategyType {
        name,
        deprecated: true,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post,
    path = "/api/admin/strategies/{name}/reactivate",
    summary = "Reactivates a strategy type",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn reactivate(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let operation = DeprecateStrategyType {
        name,
        deprecated: false,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, read, update, remove, deprecate, reactivate))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: strategy types", "strategy_types")
}
