//! The HTTP API: one file per area, each owning its router, request and
//! response types; this module merges them and adds the shared layers.

pub mod admin;
pub mod client;
mod client_metrics;
mod client_query;
mod edge;
mod extract;
mod fallback;
pub(crate) mod frontend;
mod health;
mod ofrep;
pub mod openapi;
mod prometheus;
pub(crate) mod request_log;
pub mod routes;
mod signal_endpoint;
mod streaming;

use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;

use crate::config::ServeArgs;
use crate::state::AppState;

pub use extract::{ApiJson, ApiObject};
pub use routes::RouteEntry;
use routes::Routes;

/// Every API route but the frontend API's (which has its own CORS layer and
/// method fallback, merged after the others').
fn api_routes(args: &ServeArgs) -> Routes {
    Routes::new()
        .merge(health::router())
        .merge(openapi::router())
        .merge(admin::router())
        .merge(client::router())
        .merge(streaming::router())
        .merge(client_metrics::router())
        .merge(edge::router())
        .merge(signal_endpoint::router())
        .merge(ofrep::router())
        .merge(prometheus::router(args.metrics_public))
}

/// Every (method, path) the API routes (the web UI's pages aside), as
/// registered: what the OpenAPI document must describe.
pub fn route_table(args: &ServeArgs) -> Vec<RouteEntry> {
    let mut table = api_routes(args).table().to_vec();
    table.extend_from_slice(frontend::router(&args.cors_origins).table());
    table
}

pub fn router(state: AppState, args: &ServeArgs) -> Router {
    Router::new()
        .merge(api_routes(args).into_router())
        .merge(crate::ui::router(state.clone()))
        .method_not_allowed_fallback(fallback::method_not_allowed)
        // After the fallback above, which would replace the one under its CORS layer.
        .merge(frontend::router(&args.cors_origins).into_router())
        .fallback(fallback::not_found)
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(args.body_limit))
        .layer(axum::middleware::from_fn(fallback::json_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_log::log_request,
        ))
        .with_state(state)
}

/// A JSON body with an ETag derived from its bytes, or 304 when the caller
/// already has it (responses computed per request: frontend API, OFREP bulk).
pub fn json_with_etag(headers: &axum::http::HeaderMap, body: Vec<u8>) -> axum::response::Response {
    use axum::http::{header, HeaderValue, StatusCode};
    use axum::response::IntoResponse;
    let etag = flagstaff_domain::evaluation::body_etag(&body);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
