//! The one error type of the HTTP layer, rendered in Unleash's JSON error shape
//! (`{"id","name","message","details":[{"message","description","path"}]}`,
//! `path` only where one field is at fault) in one place. Internal errors are
//! logged with their cause; the caller sees only a safe message. [`op_status`]
//! is the one mapping of a refused operation to a status, for the API and the
//! web UI alike.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use flagstaff_domain::ops::OpError;
use flagstaff_domain::NotStored;
use flagstaff_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// An operation refused the request (status: [`op_status`]).
    #[error(transparent)]
    Refused(OpError),
    #[error("{0}")]
    BadData(String),
    /// A body that is JSON but not of the expected shape: `field` is where
    /// (rendered as `details[].path`, as an operation's `Invalid`).
    #[error("{message}")]
    BadField {
        field: flagstaff_domain::ops::FieldPath,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    NameExists(String),
    #[error("{0}")]
    OperationDenied(String),
    #[error("{0}")]
    InvalidOperation(String),
    #[error("You must log in to use Unleash. Your request had no authorization header, so we could not authorize you. Send an admin API token in the Authorization header (GET / says how to get one).")]
    AuthenticationRequired,
    #[error("You must log in to use Unleash.")]
    Unauthorized,
    /// 401: a wrong username or password (Unleash's PasswordMismatchError).
    #[error("Wrong username or password")]
    PasswordMismatch,
    /// 401: a password reset link that is used, expired or made up.
    #[error("{0}")]
    InvalidToken(String),
    #[error("You don't have the required permissions to perform this operation.")]
    Forbidden,
    /// 401 on the client and frontend APIs, which answer with a bare `{"message"}`.
    #[error("This endpoint requires an API token. Please add an authorization header to your request with a valid token")]
    ClientUnauthorized,
    /// 401 on a signal endpoint: no token of that endpoint (or no such endpoint).
    #[error("This signal endpoint needs one of its own tokens in the Authorization header")]
    SignalUnauthorized,
    /// 403 on the client and frontend APIs.
    #[error("invalid token: expected a different token type for this endpoint")]
    ClientForbidden,
    /// The route exists, but not for this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("Request body is too large")]
    PayloadTooLarge,
    /// 413 with a message that names the limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    /// 429: this client sent too much; try again after the given seconds.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// 503: the server cannot take this now, and stored nothing of it.
    #[error("{message}")]
    Unavailable { message: String, retry_after: u64 },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Refused(refusal) => op_status(refusal),
            ApiError::BadData(_) | ApiError::BadField { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::NameExists(_) => StatusCode::CONFLICT,
            ApiError::OperationDenied(_)
            | ApiError::InvalidOperation(_)
            | ApiError::Forbidden
            | ApiError::ClientForbidden => StatusCode::FORBIDDEN,
            ApiError::AuthenticationRequired
            | ApiError::Unauthorized
            | ApiError::PasswordMismatch
            | ApiError::InvalidToken(_)
            | ApiError::ClientUnauthorized
            | ApiError::SignalUnauthorized => StatusCode::UNAUTHORIZED,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge | ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Unleash's machine-readable error kind.
    fn kind(&self) -> &'static str {
        match self {
            ApiError::Refused(refusal) => match refusal {
                OpError::Invalid { .. } => "BadDataError",
                OpError::NotFound(_) | OpError::Storage(StorageError::NotFound(_)) => {
                    "NotFoundError"
                }
                OpError::Conflict(_) | OpError::Storage(StorageError::Conflict(_)) => {
                    "NameExistsError"
                }
                OpError::Denied(_) => "OperationDeniedError",
                OpError::InvalidOperation(_) => "InvalidOperationError",
                OpError::TooLarge(_) => "ContentTooLargeError",
                OpError::Busy(_) => "RateLimitError",
                OpError::Maintenance(_) => "ServiceUnavailableError",
                OpError::ChangeRequestRequired(_) => "PermissionError",
                OpError::Storage(_) => "InternalError",
            },
            ApiError::BadData(_) | ApiError::BadField { .. } => "BadDataError",
            ApiError::NotFound(_) => "NotFoundError",
            ApiError::NameExists(_) => "NameExistsError",
            ApiError::OperationDenied(_) => "OperationDeniedError",
            ApiError::InvalidOperation(_) => "InvalidOperationError",
            ApiError::AuthenticationRequired => "AuthenticationRequired",
            ApiError::PasswordMismatch => "PasswordMismatchError",
            ApiError::InvalidToken(_) => "InvalidTokenError",
            ApiError::Unauthorized
            | ApiError::ClientUnauthorized
            | ApiError::SignalUnauthorized => "UnauthorizedError",
            ApiError::Forbidden | ApiError::ClientForbidden => "PermissionError",
            ApiError::MethodNotAllowed(_) => "NotImplementedError",
            ApiError::PayloadTooLarge | ApiError::TooLarge(_) => "ContentTooLargeError",
            ApiError::UnsupportedMediaType => "ContentTypeError",
            ApiError::TooManyRequests { .. } => "RateLimitError",
            ApiError::Unavailable { .. } => "ServiceUnavailableError",
            ApiError::Internal(_) => "InternalError",
        }
    }

    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Internal(Box::new(error))
    }
}

/// The status of a refused operation: the one mapping, which the API's
/// [`ApiError`] and the web UI's refusal pages both use.
pub fn op_status(error: &OpError) -> StatusCode {
    match error {
        OpError::Invalid { .. } => StatusCode::BAD_REQUEST,
        OpError::NotFound(_) | OpError::Storage(StorageError::NotFound(_)) => StatusCode::NOT_FOUND,
        OpError::Conflict(_) | OpError::Storage(StorageError::Conflict(_)) => StatusCode::CONFLICT,
        OpError::Denied(_) | OpError::InvalidOperation(_) => StatusCode::FORBIDDEN,
        OpError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        OpError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
        OpError::Maintenance(_) => StatusCode::SERVICE_UNAVAILABLE,
        OpError::ChangeRequestRequired(_) => StatusCode::FORBIDDEN,
        OpError::Storage(StorageError::Unreachable { .. }) => StatusCode::SERVICE_UNAVAILABLE,
        OpError::Storage(StorageError::Database(_)) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Seconds a client is asked to wait after a `Busy` refusal.
pub const BUSY_RETRY_AFTER: u64 = 1;

impl From<OpError> for ApiError {
    /// A refusal keeps its kind (and its field); a storage failure is
    /// answered as one ([`From<StorageError>`]: an outage is a 503 that says so).
    fn from(error: OpError) -> Self {
        match error {
            OpError::Storage(
                e @ (StorageError::Unreachable { .. } | StorageError::Database(_)),
            ) => e.into(),
            refusal => ApiError::Refused(refusal),
        }
    }
}

impl From<flagstaff_storage::UnknownFlagType> for ApiError {
    /// Refused on the input's `type`, as the operations refuse it.
    fn from(unknown: flagstaff_storage::UnknownFlagType) -> Self {
        OpError::from(unknown).into()
    }
}

/// The 503 of a request the database could not be reached for.
pub const DATABASE_UNREACHABLE: &str = "The database is unreachable, so this request was not carried out and nothing was stored. Try again shortly.";
/// The 503 of a change whose commit lost its connection.
pub const COMMIT_UNKNOWN: &str = "The connection to the database was lost while this change was being committed, so it may or may not have been stored. Check before trying again.";
/// Seconds a client is asked to wait after a database outage answer (the
/// pool's own wait for a connection is 5 s).
pub const DATABASE_RETRY_AFTER: u64 = 5;

impl From<NotStored> for ApiError {
    fn from(error: NotStored) -> Self {
        ApiError::Unavailable {
            message: error.to_string(),
            retry_after: match error {
                NotStored::Busy => 5,
                NotStored::Failed => 1,
                NotStored::Unreachable => DATABASE_RETRY_AFTER,
            },
        }
    }
}

impl From<StorageError> for ApiError {
    /// An unreachable database is a 503 that says so (the cause is logged at
    /// debug: the outage itself is logged once, by [`flagstaff_storage::Reachability`]).
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound(what) => ApiError::NotFound(what),
            StorageError::Conflict(what) => ApiError::NameExists(what),
            StorageError::Unreachable { source, committing } => {
                let message = if committing {
                    tracing::warn!(error = %source, "the database connection was lost while committing; the change may or may not be stored");
                    COMMIT_UNKNOWN
                } else {
                    tracing::debug!(error = %source, "refused: the database is unreachable");
                    DATABASE_UNREACHABLE
                };
                ApiError::Unavailable {
                    message: message.to_owned(),
                    retry_after: DATABASE_RETRY_AFTER,
                }
            }
            StorageError::Database(e) => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %cause, "request failed");
        }
        let message = self.to_string();
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after, .. }
            | ApiError::Unavailable { retry_after, .. } => Some(*retry_after),
            ApiError::Refused(OpError::Busy(_)) => Some(BUSY_RETRY_AFTER),
            _ => None,
        };
        let body = match self {
            ApiError::ClientUnauthorized | ApiError::ClientForbidden => json!({"message": message}),
            _ => {
                // Unleash's validation detail: `path` (as its schema errors
                // name a field) only where one field is at fault.
                let mut detail = json!({"message": message, "description": message});
                if let ApiError::Refused(OpError::Invalid { field, .. })
                | ApiError::BadField { field, .. } = &self
                {
                    if !field.is_root() {
                        detail["path"] = json!(field.to_string());
                    }
                }
                json!({
                    "id": uuid::Uuid::new_v4().to_string(), "name": self.kind(), "message": message,
                    "details": [detail]
                })
            }
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
