//! What answers when no route does: `GET /` says what this server is (until the
//! web UI takes its place), and every unmatched route or method gets Unleash's
//! JSON error naming the method and path.

use axum::http::{Method, Uri};
use axum::response::Html;
use axum::routing::get;
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(index))
}

async fn index() -> Html<&'static str> {
    Html(INDEX)
}

const INDEX: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flagstaff</title></head>
<body>
<h1>Flagstaff</h1>
<p>An Unleash-compatible feature-flag server. There is no web interface yet; use the API.</p>
<ul>
<li><a href="/health">/health</a> — is the server up</li>
<li><code>/api/admin/…</code> — the admin API (Unleash's), with an admin token in the <code>Authorization</code> header</li>
<li><code>/api/client/features</code> — for backend SDKs (point them at <code>/api</code>), with a backend token</li>
<li><code>/api/frontend</code> — for browser and mobile SDKs, with a frontend token</li>
</ul>
<p>Tokens: on a first start without <code>INIT_ADMIN_API_TOKENS</code>, the server log shows an admin
token once; with it, <code>POST /api/admin/api-tokens</code> creates backend and frontend tokens.</p>
</body></html>
"#;

/// No route matches the path.
pub async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("Could not find the route {method} {}", uri.path()))
}

/// The path exists, but not for this method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("The route {} does not accept {method}", uri.path()))
}
