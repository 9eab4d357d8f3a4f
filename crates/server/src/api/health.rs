//! `GET /health`.

use crate::api::routes::{get, Routes};
use axum::Json;
use serde_json::{json, Value};

pub fn router() -> Routes {
    Routes::new().route("/health", get(health))
}

#[utoipa::path(
    get,
    path = "/health",
    summary = "Whether the server is up",
    security(()),
    responses((status = 200, description = "Always `{\"health\": \"GOOD\"}`", body = Object))
)]
async fn health() -> Json<Value> {
    Json(json!({"health": "GOOD"}))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(health))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Health", "health")
}
