//! The strategy catalogue (`/api/admin/strategies`): Unleash's built-in
//! strategies and custom ones — list, read, create, change, deprecate,
//! reactivate, delete.

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    CreateStrategyType, DeleteStrategyType, DeprecateStrategyType, StrategyTypeInput,
    UpdateStrategyType,
};
use flagstaff_domain::wire::StrategyTypeView;

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

/// Unleash's strategiesSchema: every strategy type, built-in ones first.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "strategies": [{"name": "default", "title": null,
    "displayName": "default", "description": "The standard strategy: on for everyone",
    "editable": false, "deprecated": false, "sortOrder": 0, "parameters": []}]}))]
struct StrategyTypeList<'a> {
    version: u8,
    strategies: Vec<StrategyTypeView<'a>>,
}

#[utoipa::path(
    get,
    path = "/api/admin/strategies",
    summary = "Every strategy type",
    responses(
        (status = 200, description = "Every strategy type", body = StrategyTypeList),
    )
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let strategies = state.store.strategy_types().await?;
    let strategies = strategies.iter().map(StrategyTypeView::from).collect();
    Ok(Json(StrategyTypeList {
        version: 1,
        strategies,
    })
    .into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/strategies/{name}",
    summary = "One strategy type",
    responses(
        (status = 200, description = "The strategy type", body = StrategyTypeView),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    match state.store.strategy_type(&name).await? {
        Some(s) => Ok(Json(StrategyTypeView::from(&s)).into_response()),
        None => Err(ApiError::NotFound(format!(
            "Could not find strategy with name {name}"
        ))),
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/strategies",
    summary = "Adds a custom strategy type",
    request_body = StrategyTypeInput,
    responses(
        (status = 201, description = "The strategy type added", body = StrategyTypeView),
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
        Json(StrategyTypeView::from(&created)),
    )
        .into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/strategies/{name}",
    summary = "Changes a custom strategy type",
    request_body(content = StrategyTypeInput, example = json!({"title": "By country",
        "description": "On for the countries listed", "parameters": [{"name": "countries",
            "type": "list", "description": "Country codes", "required": true}]})),
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
