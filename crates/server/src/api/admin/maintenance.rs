//! Maintenance mode: whether changes are refused (`GET|POST /api/admin/maintenance`).

use crate::api::routes::{get, Routes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::SetMaintenance;

pub fn router() -> Routes {
    Routes::new().route("/api/admin/maintenance", get(read).post(set))
}

/// Unleash's maintenanceSchema (and toggleMaintenanceSchema).
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"enabled": true}))]
struct Maintenance {
    /// While on, every change but turning it off is refused (503); SDKs are answered as before.
    enabled: bool,
}

#[utoipa::path(
    get,
    path = "/api/admin/maintenance",
    summary = "Whether maintenance mode is on",
    responses(
        (status = 200, description = "Maintenance mode", body = Maintenance),
    )
)]
async fn read(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Maintenance>> {
    Ok(Json(Maintenance {
        enabled: state.store.maintenance_mode().await?,
    }))
}

#[utoipa::path(
    post,
    path = "/api/admin/maintenance",
    summary = "Turns maintenance mode on or off",
    request_body = Maintenance,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Invalid input"),
    )
)]
async fn set(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<Maintenance>,
) -> ApiResult<StatusCode> {
    let operation = SetMaintenance {
        enabled: body.enabled,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(read, set))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: instance", "maintenance")
}
