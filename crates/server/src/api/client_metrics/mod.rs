//! What SDKs report: `POST /api/client/register` (the instance) and
//! `POST /api/client/metrics` (yes/no/variant counts per flag for a time
//! bucket). Both answer 202 once stored (503 when not: nothing was stored),
//! with the environment taken from the token. Everything a client sends is
//! bounded: name lengths, list sizes, and counts for flags that do not exist
//! are not stored as metrics — a capped "unknown flags" list notes them.

use std::collections::HashMap;

use crate::api::routes::{post, Routes};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::api::ApiObject;
use crate::auth::{ApiToken, ClientToken};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

mod impact;
mod recording;

use recording::record_bulk;
pub(crate) use recording::{record_metrics, record_registration};

/// Most flags one metrics request may report, and most variants per flag.
const MAX_TOGGLES: usize = 10_000;
const MAX_VARIANTS: usize = 100;
/// Longest application, instance, SDK-version, strategy and variant name.
const MAX_NAME: usize = 255;
/// Most strategies a registration may list.
const MAX_STRATEGIES: usize = 100;
/// Most unknown flags one report may add to the unknown-flags list.
const MAX_UNKNOWN_PER_REPORT: usize = 100;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/client/register", post(register))
        .route("/api/client/metrics", post(metrics))
        .route("/api/client/metrics/bulk", post(bulk))
}

/// Most applications one bulk report may register.
const MAX_APPLICATIONS: usize = 1_000;

/// An SDK instance's registration (the frontend API's too).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"appName": "checkout-service", "instanceId": "checkout-7f9c",
    "sdkVersion": "unleash-client-node:6.1.0", "strategies": ["default", "flexibleRollout"],
    "started": "2025-03-01T09:00:00Z", "interval": 15000}))]
pub(crate) struct RegisterBody {
    app_name: String,
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    sdk_version: Option<String>,
    #[serde(default)]
    strategies: Vec<String>,
    /// When the instance started: RFC 3339 text or epoch milliseconds.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    started: Option<Value>,
    #[serde(default)]
    interval: Option<i64>,
}

/// An SDK's counts for a time bucket (the frontend API's too).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"appName": "checkout-service", "instanceId": "checkout-7f9c",
    "bucket": {"start": "2025-03-01T09:00:00Z", "stop": "2025-03-01T09:01:00Z",
        "toggles": {"new-checkout": {"yes": 120, "no": 30, "variants": {"blue": 70, "green": 50}}}},
    "impactMetrics": [{"name": "errors", "help": "Errors in checkout", "type": "counter",
        "samples": [{"labels": {"appName": "checkout-service", "environment": "production"},
            "value": 3}]}]}))]
pub(crate) struct MetricsBody {
    app_name: String,
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    sdk_version: Option<String>,
    #[serde(default)]
    bucket: Option<Bucket>,
    /// Counters, gauges and histograms the SDK's application recorded
    /// (Unleash's impact metrics); stored per series and minute.
    #[serde(default)]
    impact_metrics: Option<Vec<impact::ImpactMetricInput>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Bucket {
    /// RFC 3339 text or epoch milliseconds, as `stop`.
    #[schema(value_type = String, format = DateTime)]
    start: Value,
    #[schema(value_type = String, format = DateTime)]
    stop: Value,
    toggles: HashMap<String, ToggleCounts>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ToggleCounts {
    #[serde(default)]
    yes: u64,
    #[serde(default)]
    no: u64,
    #[serde(default)]
    variants: Option<HashMap<String, u64>>,
}

/// What Unleash Edge (and other relays) send on `POST /api/client/metrics/bulk`:
/// the SDK instances it saw and their counts, one entry per flag, app and time.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"applications": [{"appName": "checkout-service",
    "instanceId": "checkout-7f9c", "environment": "development", "strategies": ["default"],
    "interval": 15000}],
    "metrics": [{"featureName": "new-checkout", "appName": "checkout-service",
        "environment": "development", "timestamp": "2025-03-01T09:00:00Z", "yes": 120, "no": 30,
        "variants": {}}]}))]
pub(crate) struct BulkBody {
    #[serde(default)]
    applications: Vec<BulkApplication>,
    #[serde(default)]
    metrics: Vec<BulkMetric>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct BulkApplication {
    #[serde(flatten)]
    registration: RegisterBody,
    #[serde(default)]
    environment: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct BulkMetric {
    feature_name: String,
    app_name: String,
    #[serde(default)]
    environment: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    timestamp: Value,
    #[serde(flatten)]
    counts: ToggleCounts,
}

fn instance_id(id: Option<String>) -> ApiResult<String> {
    let id = id
        .filter(|i| !i.trim().is_empty())
        .unwrap_or_else(|| "default".to_owned());
    bounded("instanceId", id)
}

fn app_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::BadData("appName is required".to_owned()));
    }
    bounded("appName", name.to_owned())
}

/// A name a client sends, refused when longer than [`MAX_NAME`] bytes.
fn bounded(field: &str, text: String) -> ApiResult<String> {
    if text.len() > MAX_NAME {
        return Err(ApiError::BadData(format!(
            "{field} must be at most {MAX_NAME} characters"
        )));
    }
    Ok(text)
}

fn sdk_version(version: Option<String>) -> ApiResult<Option<String>> {
    version.map(|v| bounded("sdkVersion", v)).transpose()
}

/// An instant as SDKs send it: RFC 3339 text or epoch milliseconds.
fn instant(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(s) => flagstaff_storage::parse_instant(s),
        Value::Number(n) => n.as_i64().and_then(DateTime::from_timestamp_millis),
        _ => None,
    }
}

/// How a report or a registration is answered (on the frontend API too).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // documents the answers; handlers answer a StatusCode
pub(crate) enum ReportAnswers {
    #[response(status = 202, description = "Accepted: stored")]
    Accepted,
    #[response(status = 400, description = "Invalid input")]
    Invalid,
    #[response(status = 503, description = "Not stored: try again")]
    NotStored,
}

#[utoipa::path(
    post,
    path = "/api/client/register",
    summary = "Registers an SDK instance",
    request_body = RegisterBody,
    responses(ReportAnswers)
)]
async fn register(
    State(state): State<AppState>,
    ClientToken(token): ClientToken,
    ApiObject(body): ApiObject<RegisterBody>,
) -> ApiResult<StatusCode> {
    record_registration(&state, token, body).await
}

#[utoipa::path(
    post,
    path = "/api/client/metrics/bulk",
    summary = "Reports many applications' registrations and metrics (Edge)",
    request_body = BulkBody,
    responses(ReportAnswers)
)]
async fn bulk(
    State(state): State<AppState>,
    ClientToken(token): ClientToken,
    ApiObject(body): ApiObject<BulkBody>,
) -> ApiResult<StatusCode> {
    record_bulk(&state, token, body).await
}

#[utoipa::path(
    post,
    path = "/api/client/metrics",
    summary = "Reports an SDK's yes/no/variant counts for a time bucket",
    request_body = MetricsBody,
    responses(ReportAnswers)
)]
async fn metrics(
    State(state): State<AppState>,
    ClientToken(token): ClientToken,
    ApiObject(body): ApiObject<MetricsBody>,
) -> ApiResult<StatusCode> {
    record_metrics(&state, token, body).await
}

/// Counts a report against its token's quota (429 past it); the token's environment.
fn within_quota(state: &AppState, token: ApiToken) -> ApiResult<String> {
    match state.quotas.reports.take(&token.id) {
        Ok(()) => Ok(token.environment),
        Err(retry_after) => Err(ApiError::TooManyRequests {
            message: format!(
                "Token {} sent more metrics reports and registrations this minute than allowed",
                token.name
            ),
            retry_after,
        }),
    }
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(register, metrics, bulk))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Client API", "client_metrics")
}
