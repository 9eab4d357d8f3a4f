//! The UI's static files, compiled into the binary (no CDN, no build step):
//! the stylesheet and the scripts, plain ES modules that only enhance pages
//! which work without them. The CSP (`guard.rs`) allows them as `'self'`.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// `/ui/<name>`: name, content type, content.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "flagstaff.css",
        CSS,
        include_str!("../../static/flagstaff.css"),
    ),
    (
        "flagstaff.js",
        JS,
        include_str!("../../static/flagstaff.js"),
    ),
];

/// `GET /ui/{file}`: one of [`ASSETS`], cached for an hour; else 404.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
