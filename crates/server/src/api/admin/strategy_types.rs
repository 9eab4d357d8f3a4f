//! The strategy catalogue (`/api/admin/strategies`): Unleash's built-in
//! strategies and custom ones — list, read, create, change, deprecate,
//! reactivate, delete.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::ops::{
    CreateStrategyType, DeleteStrategyType, DeprecateStrategyType, StrategyTypeInput,
    UpdateStrategyType,
};
use crate::state::AppState;
use crate::wire::{to_value, StrategyTypeView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/strategies", get(list).post(create))
        .route(
            "/api/admin/strategies/{name}",
            get(read).put(update).delete(remove),
        )
        .route("/api/admin/strategies/{name}/deprecate", post(deprecate))
        .route("/api/admin/strategies/{name}/reactivate", post(reactivate))
}

async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let strategies = state.store.strategy_types().await?;
    let views: Vec<StrategyTypeView> = strategies.iter().map(StrategyTypeView::from).collect();
    Ok(Json(json!({"version": 1, "strategies": views})))
}

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
