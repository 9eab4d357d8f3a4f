//! The frontend API that browser and mobile SDKs (`unleash-proxy-client`, the
//! React/Next SDKs) call: `GET /api/frontend` (context in the query) and
//! `POST /api/frontend` (context in the body) answer the *enabled* flags of the
//! token's projects in its environment, evaluated by the engine compiled into
//! the current snapshot — no database access per request. Also the frontend
//! SDKs' metrics and registration, and CORS for browsers.

use crate::api::routes::{get, post, Routes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use flagstaff_domain::evaluation::{context_from_value, frontend_body, Toggles};
use flagstaff_engine::Context;
use serde_json::Value;

use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use super::client_metrics::{
    record_metrics, record_registration, MetricsBody, RegisterBody, ReportAnswers,
};
use crate::api::{ApiJson, ApiObject};
use crate::auth::FrontendToken;
use crate::client_address::ClientAddress;
use crate::error::{ApiError, ApiResult};
use crate::request_context::context_from_pairs;
use crate::state::AppState;

pub fn router(cors_origins: &[String]) -> Routes {
    let origins = if cors_origins.is_empty() || cors_origins.iter().any(|o| o.trim() == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            cors_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim()).ok()),
        )
    };
    let cors = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(Any)
        .allow_headers(Any)
        .expose_headers([header::ETAG]);
    Routes::new()
        .route("/api/frontend", get(from_query).post(from_body))
        .route("/api/frontend/client/metrics", post(metrics))
        .route("/api/frontend/client/register", post(register))
        // Inside the CORS layer, so preflight requests are answered by it.
        .map_router(|router| {
            router
                .method_not_allowed_fallback(super::fallback::method_not_allowed)
                .layer(cors)
        })
}

/// The body of `POST /api/frontend` (and OFREP's): the context, under
/// `context`. The frontend API also reads the context's fields from the top
/// level of the body when there is no `context`, as Unleash's proxy does.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"context": {"userId": "42", "sessionId": "s-9f1c", "properties": {"plan": "pro"}}}))]
pub(crate) struct ContextBody {
    #[allow(dead_code)] // documents the body; the handlers read it leniently
    context: Context,
}

fn evaluate(
    state: &AppState,
    token: &crate::auth::ApiToken,
    mut context: Context,
    address: Option<std::net::IpAddr>,
    headers: &HeaderMap,
) -> Response {
    if context.remote_address.is_none() {
        context.remote_address = address.map(|a| a.to_string());
    }
    let context = context.with_current_time(state.clock.now());
    let snapshot = state.snapshots.load();
    let engine = snapshot.engines.get(&token.environment).map(|e| &**e);
    let body = frontend_body(engine, &context, |p| token.sees_project(p));
    crate::api::json_with_etag(headers, body)
}

#[utoipa::path(
    get,
    path = "/api/frontend",
    summary = "The enabled flags for the context in the query string",
    params(("userId" = Option<String>, Query), ("sessionId" = Option<String>, Query), ("remoteAddress" = Option<String>, Query), ("appName" = Option<String>, Query), ("environment" = Option<String>, Query), ("currentTime" = Option<String>, Query), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The enabled flags", body = Toggles),
        (status = 304, description = "Not modified since the ETag given"),
        (status = 400, description = "Invalid input"),
    )
)]
async fn from_query(
    State(state): State<AppState>,
    FrontendToken(token): FrontendToken,
    ClientAddress(address): ClientAddress,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let context = context_from_pairs(params.into_iter().map(|(k, v)| (k, Value::String(v))))?;
    Ok(evaluate(&state, &token, context, address, &headers))
}

#[utoipa::path(
    post,
    path = "/api/frontend",
    summary = "The enabled flags for the context in the body",
    params(("If-None-Match" = Option<String>, Header)),
    request_body = ContextBody,
    responses(
        (status = 200, description = "The enabled flags", body = Toggles),
        (status = 304, description = "Not modified since the ETag given"),
        (status = 400, description = "Invalid input"),
    )
)]
async fn from_body(
    State(state): State<AppState>,
    FrontendToken(token): FrontendToken,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    let context = context_from_value(body).map_err(|e| ApiError::BadData(e.to_string()))?;
    Ok(evaluate(&state, &token, context, address, &headers))
}

#[utoipa::path(
    post,
    path = "/api/frontend/client/metrics",
    summary = "Reports a frontend SDK's counts",
    request_body = MetricsBody,
    responses(ReportAnswers)
)]
async fn metrics(
    State(state): State<AppState>,
    FrontendToken(token): FrontendToken,
    ApiObject(body): ApiObject<MetricsBody>,
) -> ApiResult<StatusCode> {
    record_metrics(&state, token, body).await
}

#[utoipa::path(
    post,
    path = "/api/frontend/client/register",
    summary = "Registers a frontend SDK instance",
    request_body = RegisterBody,
    responses(ReportAnswers)
)]
async fn register(
    State(state): State<AppState>,
    FrontendToken(token): FrontendToken,
    ApiObject(body): ApiObject<RegisterBody>,
) -> ApiResult<StatusCode> {
    record_registration(&state, token, body).await
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(from_query, from_body, metrics, register))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Frontend API", "frontend")
}
