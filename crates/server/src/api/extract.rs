//! A JSON body extractor whose rejections speak Unleash's error shape: 415
//! without a JSON content type, 413 over the body limit, 400 otherwise (for
//! an object body, naming the field at fault as `details[].path`).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use flagstaff_domain::ops::{FieldPath, OpError};

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(rejection) => Err(ApiError::BadData(format!(
                "Request validation failed: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// A JSON object body read into `T`. Serde would also read a struct from a JSON
/// array, field by field; request bodies that are objects in Unleash's API must
/// be objects here too. A field that does not read is named in the error.
pub struct ApiObject<T>(pub T);

impl<S, T> FromRequest<S> for ApiObject<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let ApiJson(value) = ApiJson::<serde_json::Value>::from_request(req, state).await?;
        if !value.is_object() {
            return Err(ApiError::BadData(
                "Request validation failed: the body must be a JSON object".to_owned(),
            ));
        }
        serde_path_to_error::deserialize(value)
            .map(ApiObject)
            .map_err(|e| {
                let message = format!("Request validation failed: {}", e.inner());
                ApiError::Refused(OpError::invalid(field_path(e.path()), message))
            })
    }
}

/// Where in the body serde stopped, as the API names fields.
fn field_path(path: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment;
    path.iter()
        .fold(FieldPath::root(), |at, segment| match segment {
            Segment::Seq { index } => at.index(*index),
            Segment::Map { key } => at.field(key.as_str()),
            Segment::Enum { variant } => at.field(variant.as_str()),
            Segment::Unknown => at,
        })
}
