//! What answers when no route does: every unmatched route or method gets
//! Unleash's JSON error naming the method and path (`GET /` is the web UI's).
//! And what answers when an extractor axum provides refuses a request (a query
//! string or a numeric path segment that does not parse, a body over the
//! limit): [`json_errors`] rewrites its plain-text 4xx into the same JSON
//! error, so every API error has Unleash's shape.

use axum::extract::Request;
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// No route matches the path.
pub async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("Could not find the route {method} {}", uri.path()))
}

/// The path exists, but not for this method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("The route {} does not accept {method}", uri.path()))
}

/// Longest rejection text kept in the rewritten error.
const MAX_REJECTION_TEXT: usize = 4096;

/// A 400, 404, 405, 413, 415 or 422 answered as plain text (axum's extractor
/// rejections, the body-limit layer's 413) becomes Unleash's JSON error with
/// that status (422: 400, as Unleash answers invalid data), its message and
/// headers. JSON and HTML answers (the web UI's pages) pass untouched.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if !response.status().is_client_error() {
        return response;
    }
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    let rewritten = matches!(
        response.status(),
        StatusCode::BAD_REQUEST
            | StatusCode::UNPROCESSABLE_ENTITY
            | StatusCode::NOT_FOUND
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    if !plain || !rewritten {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_REJECTION_TEXT)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let error = match parts.status {
        StatusCode::NOT_FOUND => ApiError::NotFound(or_default(text, "Not found")),
        StatusCode::METHOD_NOT_ALLOWED => {
            ApiError::MethodNotAllowed(or_default(text, "Method not allowed"))
        }
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
        _ => ApiError::BadData(or_default(text, "Request validation failed")),
    };
    let mut rewritten = error.into_response();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &parts.headers {
        rewritten.headers_mut().insert(name.clone(), value.clone());
    }
    rewritten
}

fn or_default(text: String, default: &str) -> String {
    if text.is_empty() {
        default.to_owned()
    } else {
        text
    }
}
