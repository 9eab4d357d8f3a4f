//! One log line per request: at `info` for admin writes, at `debug` for
//! everything else (SDK traffic). Method, path (no query), status, latency and
//! the token's name — never a secret. Every request is also counted for
//! `GET /metrics`, by its route's pattern.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Level;

use crate::auth::presented_secret;
use crate::state::AppState;
use crate::telemetry::UNMATCHED_ROUTE;

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
    let method = request.method().clone();
    // An `Arc<str>` clone, not a copy of the pattern: this runs on every request.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let logged = wanted.then(|| {
        let token = presented_secret(request.headers())
            .map(|secret| {
                state.tokens.find(secret).map_or_else(
                    // PATs are not cached, and the log looks nothing up.
                    || {
                        if secret.starts_with(flagstaff_domain::ops::pats::PAT_PREFIX) {
                            "(personal access token)".to_owned()
                        } else {
                            "(unknown)".to_owned()
                        }
                    },
                    |t| t.name,
                )
            })
            .unwrap_or_else(|| "-".to_owned());
        (request.uri().path().to_owned(), token)
    });
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status();
    let elapsed = started.elapsed().as_secs_f64();
    state.telemetry.observe(
        method.as_str(),
        route.as_ref().map_or(UNMATCHED_ROUTE, MatchedPath::as_str),
        status.as_str(),
        elapsed,
    );
    let status = status.as_u16();
    let Some((path, token)) = logged else {
        return response;
    };
    let latency_ms = elapsed * 1000.0;
    if admin_write {
        tracing::info!(target: TARGET, %method, %path, status, latency_ms, %token, "request");
    } else {
        tracing::debug!(target: TARGET, %method, %path, status, latency_ms, %token, "request");
    }
    response
}
