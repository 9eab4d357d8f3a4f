//! What answers when no route does: every unmatched route or method gets
//! Unleash's JSON error naming the method and path (`GET /` is the web UI's).

use axum::http::{Method, Uri};

use crate::error::ApiError;

/// No route matches the path.
pub async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("Could not find the route {method} {}", uri.path()))
}

/// The path exists, but not for this method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("The route {} does not accept {method}", uri.path()))
}
