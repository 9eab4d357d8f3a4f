//! `GET /metrics`: the Prometheus text format ([`crate::telemetry`]), answered
//! to an admin token, or to anyone with `--metrics-public` (for a scraper
//! inside a private network).

use crate::api::routes::{get, Routes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn router(public: bool) -> Routes {
    Routes::new().route(
        "/metrics",
        get(move |state: State<AppState>, request: Request| metrics(state, request, public)),
    )
}

#[utoipa::path(
    get,
    path = "/metrics",
    summary = "Prometheus metrics (public with --metrics-public)",
    responses(
        (status = 200, description = "OK", content_type = "text/plain", body = String),
    )
)]
async fn metrics(
    State(state): State<AppState>,
    request: Request,
    public: bool,
) -> ApiResult<Response> {
    if !public {
        let (mut parts, _) = request.into_parts();
        AdminToken::from_request_parts(&mut parts, &state).await?;
    }
    let text = state.telemetry.render(state.domain(), &state.metrics).await;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response())
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(metrics))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Metrics", "prometheus")
}
