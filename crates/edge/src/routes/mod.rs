//! The edge's HTTP routes, one file per area: `client.rs` (backend SDKs),
//! `delta.rs` (`/api/client/delta` and `/api/client/streaming` for SDKs),
//! `frontend.rs` (frontend API, its `/api/proxy` alias, OFREP),
//! `backstage.rs` (`/internal-backstage/*` and `/edge/validate`). Handlers
//! read the token through [`authorised`], which asks [`EdgeState`].

mod backstage;
mod client;
mod delta;
mod frontend;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use flagstaff_server::client_address::ClientAddress;
use serde_json::json;

use crate::state::{EdgeState, Refusal};
use crate::tokens::{EdgeToken, TokenKind};

/// Every route, under `base_path` when one is given.
pub fn router(state: EdgeState, base_path: &str, cors_origins: &[String]) -> Router {
    let routes = Router::new()
        .merge(client::router())
        .merge(delta::router())
        .merge(frontend::router(cors_origins))
        .merge(backstage::router())
        .fallback(not_found)
        .with_state(state);
    let base = base_path.trim_end_matches('/');
    if base.is_empty() {
        routes
    } else {
        let base = if base.starts_with('/') {
            base.to_owned()
        } else {
            format!("/{base}")
        };
        Router::new().nest(&base, routes).fallback(not_found)
    }
}

/// `--allow-list` and `--deny-list`: a client outside the allowed networks,
/// or inside a denied one, gets an empty 403 before anything else runs. The
/// client is the TCP peer, or with `--trust-proxy` the address its trusted
/// proxies forwarded (Edge looks at the peer only, which behind a load
/// balancer is the balancer).
pub async fn admit_networks(
    State(state): State<EdgeState>,
    address: ClientAddress,
    request: Request,
    next: Next,
) -> Response {
    let settings = &state.settings;
    let admitted = match address.0 {
        None => true,
        Some(client) => {
            (settings.allow_list.is_empty()
                || settings.allow_list.iter().any(|net| net.contains(&client)))
                && !settings.deny_list.iter().any(|net| net.contains(&client))
        }
    };
    if admitted {
        next.run(request).await
    } else {
        StatusCode::FORBIDDEN.into_response()
    }
}

async fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "Not found")
}

/// A bare `{"message"}` body, as Unleash's client and frontend APIs answer errors.
pub fn message(status: StatusCode, text: &str) -> Response {
    (status, axum::Json(json!({ "message": text }))).into_response()
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Missing => message(
                StatusCode::UNAUTHORIZED,
                "This endpoint requires an API token. Please add an authorization header to your request with a valid token",
            ),
            Refusal::Unknown => message(
                StatusCode::FORBIDDEN,
                "This endpoint requires an API token. Please add an authorization header to your request with a valid token",
            ),
            Refusal::WrongKind => message(
                StatusCode::FORBIDDEN,
                "invalid token: expected a different token type for this endpoint",
            ),
            Refusal::Unavailable(reason) => {
                let mut response = message(StatusCode::SERVICE_UNAVAILABLE, &reason);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                response
            }
            Refusal::NoClientToken => message(
                StatusCode::NETWORK_AUTHENTICATION_REQUIRED,
                "This edge has no client token whose flags cover this token's environment and projects",
            ),
        }
    }
}

/// The request's token, if it is a live token of `kind`.
pub async fn authorised(
    state: &EdgeState,
    headers: &HeaderMap,
    kind: TokenKind,
) -> Result<std::sync::Arc<EdgeToken>, Refusal> {
    let secret = headers
        .get(state.settings.token_header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.get(..7)
                .filter(|p| p.eq_ignore_ascii_case("bearer "))
                .map_or(v, |_| &v[7..])
        });
    state.authorise(secret, kind).await
}
