//! One log line per request: at `info` for admin writes — the admin API's
//! and the web UI's (every UI POST) — at `debug` for everything else (SDK
//! traffic, page loads). Method, path (no query), status, latency and the
//! token's name or the signed-in user's — never a secret, never a form body.
//! Every request is also counted for `GET /metrics`, by its route's pattern.

use std::sync::{Arc, OnceLock};
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

/// The signed-in user of a UI request, filled in by the `SignedIn`
/// extractor (the session is looked up once, by the handler) and read by the
/// log line after the response.
#[derive(Clone, Default)]
pub struct RequestUser(Arc<OnceLock<String>>);

impl RequestUser {
    pub fn set(&self, username: &str) {
        let _ = self.0.set(username.to_owned());
    }
}

pub async fn log_request(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let write = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let path = request.uri().path();
    // The web UI's routes are the ones outside the APIs' prefixes (`/api-tokens` is the UI's).
    let ui_write = write
        && !["/api/", "/edge/", "/ofrep/"]
            .iter()
            .any(|p| path.starts_with(p));
    let admin_write = (write && path.starts_with("/api/admin")) || ui_write;
    let wanted = if admin_write {
        tracing::enabled!(target: TARGET, Level::INFO)
    } else {
        tracing::enabled!(target: TARGET, Level::DEBUG)
    };
    let method = request.method().clone();
    // An `Arc<str>` clone, not a copy of the pattern: this runs on every request.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let user = (wanted && ui_write).then(|| {
        let user = RequestUser::default();
        request.extensions_mut().insert(user.clone());
        user
    });
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
    if let Some(user) = user {
        let user = user.0.get().map_or("-", String::as_str);
        tracing::info!(target: TARGET, %method, %path, status, latency_ms, %user, "request");
    } else if admin_write {
        tracing::info!(target: TARGET, %method, %path, status, latency_ms, %token, "request");
    } else {
        tracing::debug!(target: TARGET, %method, %path, status, latency_ms, %token, "request");
    }
    response
}
