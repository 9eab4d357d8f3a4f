//! The OpenFeature Remote Evaluation Protocol: `POST /ofrep/v1/evaluate/flags/{key}`
//! and the bulk `POST /ofrep/v1/evaluate/flags` (with ETag/304), for OpenFeature
//! providers that speak OFREP instead of an Unleash SDK. Authorised with a
//! client or frontend token; `targetingKey` is the Unleash `userId`.
//!
//! A flag's OFREP value is its on/off state, unless its variant carries a
//! payload: then the payload is the value (`number` as a number, `json` parsed)
//! and the variant name is the OFREP variant.

use crate::api::routes::{post, Routes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use flagstaff_domain::evaluation::{
    ofrep_bulk_body, ofrep_context, ofrep_single_body, BulkEvaluation, FlagEvaluation,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::openapi::OfrepError;
use crate::auth::EvaluationToken;
use crate::client_address::ClientAddress;
use crate::state::AppState;

pub fn router() -> Routes {
    Routes::new()
        .route("/ofrep/v1/evaluate/flags", post(bulk))
        .route("/ofrep/v1/evaluate/flags/{key}", post(single))
}

fn error(status: StatusCode, key: Option<&str>, code: &str, details: String) -> Response {
    let body = OfrepError {
        error_code: code,
        error_details: details,
        key,
    };
    (status, Json(body)).into_response()
}

/// An OFREP request body: the evaluation context, whose `targetingKey` is
/// Unleash's `userId`; other fields are Unleash's context fields, or
/// properties. The body may also be empty.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"context": {"targetingKey": "42", "sessionId": "s-9f1c", "plan": "pro"}}))]
struct EvaluationRequest {
    #[allow(dead_code)] // documents the body; `context_of` reads it leniently
    context: Option<EvaluationContext>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct EvaluationContext {
    #[allow(dead_code)]
    targeting_key: Option<String>,
    /// Unleash's context fields (`sessionId`, `remoteAddress`, ...) and any other name as a property.
    #[allow(dead_code)]
    #[serde(flatten)]
    #[schema(additional_properties)]
    fields: Map<String, Value>,
}

#[utoipa::path(
    post,
    path = "/ofrep/v1/evaluate/flags/{key}",
    summary = "Evaluates one flag for a context",
    request_body = EvaluationRequest,
    responses(
        (status = 200, description = "The flag's evaluation", body = FlagEvaluation),
        (status = 400, description = "Invalid input", body = crate::api::openapi::OfrepError),
        (status = 404, description = "Not found", body = crate::api::openapi::OfrepError),
    )
)]
async fn single(
    State(state): State<AppState>,
    EvaluationToken(token): EvaluationToken,
    ClientAddress(address): ClientAddress,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let context = match ofrep_context(&body, address) {
        Ok(c) => c.with_current_time(state.clock.now()),
        Err(details) => {
            return error(
                StatusCode::BAD_REQUEST,
                Some(&key),
                "INVALID_CONTEXT",
                details,
            )
        }
    };
    let snapshot = state.snapshots.load();
    let engine = snapshot.engines.get(&token.environment).map(|e| &**e);
    match ofrep_single_body(engine, &key, &context, |p| token.sees_project(p)) {
        Some(body) => json(body),
        None => error(
            StatusCode::NOT_FOUND,
            Some(&key),
            "FLAG_NOT_FOUND",
            format!("flag {key} was not found"),
        ),
    }
}

/// A JSON body made elsewhere.
fn json(body: Vec<u8>) -> Response {
    use axum::http::{header, HeaderValue};
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[utoipa::path(
    post,
    path = "/ofrep/v1/evaluate/flags",
    summary = "Evaluates every flag of the token for a context",
    params(("If-None-Match" = Option<String>, Header)),
    request_body = EvaluationRequest,
    responses(
        (status = 200, description = "Every flag's evaluation", body = BulkEvaluation),
        (status = 304, description = "Not modified since the ETag given"),
        (status = 400, description = "Invalid input", body = crate::api::openapi::OfrepError),
    )
)]
async fn bulk(
    State(state): State<AppState>,
    EvaluationToken(token): EvaluationToken,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let context = match ofrep_context(&body, address) {
        Ok(c) => c.with_current_time(state.clock.now()),
        Err(details) => return error(StatusCode::BAD_REQUEST, None, "INVALID_CONTEXT", details),
    };
    let snapshot = state.snapshots.load();
    let engine = snapshot.engines.get(&token.environment).map(|e| &**e);
    let body = ofrep_bulk_body(engine, &context, |p| token.sees_project(p));
    crate::api::json_with_etag(&headers, body)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(bulk, single))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "OFREP", "ofrep")
}
