//! The HTTP API: one file per area, each owning its router, request and
//! response types; this module merges them and adds the shared layers.

pub mod admin;
pub mod client;
mod client_metrics;
mod extract;
pub(crate) mod frontend;
mod health;
mod ofrep;

use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;

use crate::config::ServeArgs;
use crate::state::AppState;

pub use extract::{ApiJson, ApiObject};

pub fn router(state: AppState, args: &ServeArgs) -> Router {
    Router::new()
        .merge(health::router())
        .merge(admin::router())
        .merge(client::router())
        .merge(client_metrics::router())
        .merge(frontend::router(&args.cors_origins))
        .merge(ofrep::router())
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(args.body_limit))
        .with_state(state)
}
