//! A JSON body extractor whose rejections speak Unleash's error shape: 415
//! without a JSON content type, 413 over the body limit, 400 otherwise. A body
//! that is JSON but not of the expected shape (a wrong type, a missing field)
//! names where: `details[].path`, as an operation's refusal does.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use flagstaff_domain::ops::FieldPath;

use crate::error::ApiError;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = match Bytes::from_request(req, state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::PayloadTooLarge)
            }
            Err(rejection) => {
                return Err(ApiError::BadData(format!(
                    "Request validation failed: {}",
                    rejection.body_text()
                )))
            }
        };
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut json).map_err(unreadable)?;
        json.end().map_err(|e| not_json(&e))?;
        Ok(ApiJson(value))
    }
}

/// A JSON object body read into `T`. Serde would also read a struct from a JSON
/// array, field by field; request bodies that are objects in Unleash's API must
/// be objects here too.
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
            .map_err(unreadable)
    }
}

/// `application/json`, or a type with a `+json` suffix (as axum's `Json` reads).
fn json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        })
}

/// A body that is not JSON is refused as a whole; JSON of the wrong shape at
/// the field where serde stopped.
fn unreadable(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    match error.inner().classify() {
        Category::Data => ApiError::BadField {
            field: field_path(error.path()),
            message: format!("Request validation failed: {}", error.inner()),
        },
        Category::Syntax | Category::Eof | Category::Io => not_json(error.inner()),
    }
}

fn not_json(error: &serde_json::Error) -> ApiError {
    ApiError::BadData(format!(
        "Request validation failed: Failed to parse the request body as JSON: {error}"
    ))
}

/// Serde's path as the operations' [`FieldPath`]: a map key or an enum variant
/// is a field, a sequence position an index; where serde lost track (a
/// flattened or untagged part) the path ends.
fn field_path(path: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment;
    let mut field = FieldPath::root();
    for segment in path {
        field = match segment {
            Segment::Seq { index } => field.index(*index),
            Segment::Map { key } => field.field(key.as_str()),
            Segment::Enum { variant } => field.field(variant.as_str()),
            Segment::Unknown => break,
        };
    }
    field
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        weight: u32,
    }

    fn refusal(body: serde_json::Value) -> (String, String) {
        match serde_path_to_error::deserialize::<_, Body>(body).map_err(unreadable) {
            Err(ApiError::BadField { field, message }) => (field.to_string(), message),
            other => panic!("not a field refusal: {other:?}"),
        }
    }

    #[test]
    fn a_wrong_shape_names_its_field() {
        let (path, message) = refusal(serde_json::json!({"items": [
            {"name": "a", "weight": 1}, {"name": "b", "weight": "heavy"}]}));
        assert_eq!(path, "items[1].weight");
        assert!(
            message.starts_with("Request validation failed: invalid type"),
            "{message}"
        );
        let (path, message) = refusal(serde_json::json!({"items": [{"weight": 1}]}));
        assert_eq!(path, "items[0]");
        assert!(message.contains("missing field `name`"), "{message}");
    }

    #[test]
    fn json_content_types_are_read_as_axum_reads_them() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().expect("a header value"));
            json_content_type(&headers)
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("application/vnd.unleash+json"));
        assert!(!with("text/json"));
        assert!(!with("application/jsonx"));
        assert!(!json_content_type(&HeaderMap::new()));
    }
}
