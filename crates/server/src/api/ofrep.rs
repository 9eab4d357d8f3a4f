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
use flagstaff_engine::{Context, Engine, Evaluation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::api::openapi::OfrepError;
use crate::auth::{ApiToken, EvaluationToken};
use crate::client_address::ClientAddress;
use crate::request_context::context_from_pairs;
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

/// One flag's evaluation.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"key": "new-checkout", "metadata": {"impressionData": false, "project": "default", "unleashVariant": "blue"}, "reason": "TARGETING_MATCH", "value": "#0000ff", "variant": "blue"}))]
struct FlagEvaluation<'a> {
    key: &'a str,
    metadata: EvaluationMetadata<'a>,
    /// `TARGETING_MATCH` or `DISABLED`.
    reason: &'static str,
    /// The variant's payload (a number for `number`, parsed for `json`), else whether the flag is on.
    value: Value,
    /// The variant's name when its payload is the value, else `enabled` or `disabled`.
    variant: &'a str,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct EvaluationMetadata<'a> {
    impression_data: bool,
    project: Option<&'a str>,
    unleash_variant: &'a str,
}

/// Every flag's evaluation.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"flags": [{"key": "new-checkout", "metadata": {"impressionData": false, "project": "default", "unleashVariant": "disabled"}, "reason": "TARGETING_MATCH", "value": true, "variant": "enabled"}]}))]
struct BulkEvaluation<'a> {
    flags: Vec<FlagEvaluation<'a>>,
}

/// The evaluation context of an OFREP request body (`{"context": {…}}`); the
/// caller sets `currentTime` from its clock.
fn context_of(body: &[u8], address: Option<std::net::IpAddr>) -> Result<Context, String> {
    let value: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?
    };
    let fields: Map<String, Value> = match value.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err("\"context\" must be an object".to_owned()),
    };
    let pairs = fields.into_iter().map(|(k, v)| match k.as_str() {
        "targetingKey" => ("userId".to_owned(), v),
        _ => (k, v),
    });
    let mut context = context_from_pairs(pairs).map_err(|e| e.to_string())?;
    if context.remote_address.is_none() {
        context.remote_address = address.map(|a| a.to_string());
    }
    Ok(context)
}

fn flag_evaluation<'a>(
    engine: &'a Engine,
    key: &'a str,
    evaluation: Evaluation<'a>,
) -> FlagEvaluation<'a> {
    let reason = if !evaluation.enabled {
        "DISABLED"
    } else {
        "TARGETING_MATCH"
    };
    let (value, variant) = match evaluation.variant.payload {
        Some(payload) if evaluation.variant.enabled => {
            let value = match payload.payload_type.as_str() {
                "number" => payload
                    .value
                    .parse::<f64>()
                    .map(|n| json!(n))
                    .unwrap_or(json!(payload.value)),
                "json" => serde_json::from_str(&payload.value).unwrap_or(json!(payload.value)),
                _ => json!(payload.value),
            };
            (value, evaluation.variant.name)
        }
        _ => (
            json!(evaluation.enabled),
            if evaluation.enabled {
                "enabled"
            } else {
                "disabled"
            },
        ),
    };
    FlagEvaluation {
        key,
        metadata: EvaluationMetadata {
            impression_data: evaluation.impression_data,
            project: engine.project(key),
            unleash_variant: evaluation.variant.name,
        },
        reason,
        value,
        variant,
    }
}

fn visible(engine: &Engine, token: &ApiToken, key: &str) -> bool {
    engine.project(key).is_some_and(|p| token.sees_project(p))
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
    let context = match context_of(&body, address) {
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
    match snapshot.engines.get(&token.environment) {
        Some(engine) if engine.contains(&key) && visible(engine, &token, &key) => Json(
            flag_evaluation(engine, &key, engine.evaluate(&key, &context)),
        )
        .into_response(),
        _ => error(
            StatusCode::NOT_FOUND,
            Some(&key),
            "FLAG_NOT_FOUND",
            format!("flag {key} was not found"),
        ),
    }
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
    let context = match context_of(&body, address) {
        Ok(c) => c.with_current_time(state.clock.now()),
        Err(details) => return error(StatusCode::BAD_REQUEST, None, "INVALID_CONTEXT", details),
    };
    let snapshot = state.snapshots.load();
    let flags: Vec<FlagEvaluation<'_>> = match snapshot.engines.get(&token.environment) {
        Some(engine) => engine
            .evaluate_all(&context)
            .filter(|(name, _)| visible(engine, &token, name))
            .map(|(name, e)| flag_evaluation(engine, name, e))
            .collect(),
        None => Vec::new(),
    };
    let body = serde_json::to_vec(&BulkEvaluation { flags }).unwrap_or_default();
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
