//! The HTTP API: one file per area, each owning its router, request and
//! response types; this module merges them and adds the shared layers.

pub mod admin;
pub mod client;
mod client_metrics;
mod extract;
mod health;

use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;

use crate::state::AppState;

pub use extract::ApiJson;

pub fn router(state: AppState, body_limit: usize) -> Router {
    Router::new()
        .merge(health::router())
        .merge(admin::router())
        .merge(client::router())
        .merge(client_metrics::router())
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(body_limit))
        .with_state(state)
}
