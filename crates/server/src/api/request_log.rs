//! One log line per request: at `info` for admin writes, at `debug` for
//! everything else (SDK traffic). Method, path (no query), status, latency and
//! the token's name — never a secret. When the line would not be written, the
//! request passes through untouched.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Level;

use crate::auth::presented_secret;
use crate::state::AppState;

const TARGET: &str = "flagstaff::request";

pub async fn log_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let admin_write = request.uri().path().starts_with("/api/admin")
        && !matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
    let wanted = if admin_write {
        tracing::enabled!(target: TARGET, Level::INFO)
    } else {
        tracing::enabled!(target: TARGET, Level::DEBUG)
    };
    if !wanted {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let token = presented_secret(request.headers())
        .map(|secret| {
            state
                .tokens
                .find(secret)
                .map_or_else(|| "(unknown)".to_owned(), |t| t.name)
        })
        .unwrap_or_else(|| "-".to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if admin_write {
        tracing::info!(target: TARGET, %method, %path, status, latency_ms, %token, "request");
    } else {
        tracing::debug!(target: TARGET, %method, %path, status, latency_ms, %token, "request");
    }
    response
}
