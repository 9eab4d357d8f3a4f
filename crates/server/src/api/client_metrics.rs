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
use chrono::{DateTime, Timelike, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::api::ApiObject;
use crate::auth::{ApiToken, ClientToken};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::metrics::Report;
use flagstaff_domain::ops::FeatureName;
use flagstaff_storage::{InstanceRow, MetricCounts, MetricKey, UnknownFlag};

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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetricsBody {
    app_name: String,
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    sdk_version: Option<String>,
    #[serde(default)]
    bucket: Option<Bucket>,
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
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => n.as_i64().and_then(DateTime::from_timestamp_millis),
        _ => None,
    }
}

#[utoipa::path(
    post,
    path = "/api/client/register",
    summary = "Registers an SDK instance",
    request_body(content = RegisterBody, example = json!({"appName": "checkout-service", "instanceId": "checkout-7f9c", "sdkVersion": "unleash-client-node:6.1.0", "strategies": ["default", "flexibleRollout"], "started": "2025-03-01T09:00:00Z", "interval": 15000})),
    responses(
        (status = 202, description = "Accepted"),
        (status = 400, description = "Invalid input"),
        (status = 503, description = "Not stored: try again"),
    )
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
    request_body(content = BulkBody, example = json!({"applications": [{"appName": "checkout-service", "instanceId": "checkout-7f9c", "environment": "development", "strategies": ["default"], "interval": 15000}], "metrics": [{"featureName": "new-checkout", "appName": "checkout-service", "environment": "development", "timestamp": "2025-03-01T09:00:00Z", "yes": 120, "no": 30, "variants": {}}]})),
    responses(
        (status = 202, description = "Accepted"),
        (status = 400, description = "Invalid input"),
        (status = 503, description = "Not stored: try again"),
    )
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
    request_body(content = MetricsBody, example = json!({"appName": "checkout-service", "instanceId": "checkout-7f9c", "bucket": {"start": "2025-03-01T09:00:00Z", "stop": "2025-03-01T09:01:00Z", "toggles": {"new-checkout": {"yes": 120, "no": 30, "variants": {"blue": 70, "green": 50}}}}})),
    responses(
        (status = 202, description = "Accepted"),
        (status = 400, description = "Invalid input"),
        (status = 503, description = "Not stored: try again"),
    )
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

/// Stores an SDK instance's registration for `environment`; 202 once stored.
pub(crate) async fn record_registration(
    state: &AppState,
    token: ApiToken,
    body: RegisterBody,
) -> ApiResult<StatusCode> {
    let environment = within_quota(state, token)?;
    if body.strategies.len() > MAX_STRATEGIES {
        return Err(ApiError::BadData(format!(
            "at most {MAX_STRATEGIES} strategies"
        )));
    }
    let strategies = body
        .strategies
        .into_iter()
        .map(|s| bounded("strategies[]", s))
        .collect::<ApiResult<_>>()?;
    let instance = InstanceRow {
        app_name: app_name(&body.app_name)?,
        instance_id: instance_id(body.instance_id)?,
        environment,
        sdk_version: sdk_version(body.sdk_version)?,
        strategies,
        started: body
            .started
            .as_ref()
            .and_then(instant)
            .map(|t| t.to_rfc3339()),
        interval_ms: body.interval,
    };
    let report = Report {
        instances: vec![instance],
        ..Report::default()
    };
    state.metrics.record(report).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Stores a metrics report for `environment`; 202 once stored.
pub(crate) async fn record_metrics(
    state: &AppState,
    token: ApiToken,
    body: MetricsBody,
) -> ApiResult<StatusCode> {
    let environment = within_quota(state, token)?;
    let app = app_name(&body.app_name)?;
    let Some(bucket) = body.bucket else {
        return Ok(StatusCode::ACCEPTED);
    };
    let (Some(start), Some(stop)) = (instant(&bucket.start), instant(&bucket.stop)) else {
        return Err(ApiError::BadData(
            "bucket.start and bucket.stop must be dates".to_owned(),
        ));
    };
    let now = state.clock.now();
    if start > stop
        || stop > now + chrono::Duration::hours(1)
        || start < now - chrono::Duration::days(2)
    {
        return Err(ApiError::BadData(
            "the bucket must start before it stops, within the last 48 hours".to_owned(),
        ));
    }
    if bucket.toggles.len() > MAX_TOGGLES
        || bucket
            .toggles
            .values()
            .any(|t| t.variants.as_ref().is_some_and(|v| v.len() > MAX_VARIANTS))
    {
        return Err(ApiError::BadData(format!(
            "at most {MAX_TOGGLES} flags and {MAX_VARIANTS} variants per flag in one report"
        )));
    }
    if let Some(long) = bucket
        .toggles
        .values()
        .flat_map(|t| t.variants.iter().flat_map(|v| v.keys()))
        .find(|name| name.len() > MAX_NAME)
    {
        return Err(ApiError::BadData(format!(
            "variant names must be at most {MAX_NAME} characters: {:?}…",
            long.chars().take(20).collect::<String>()
        )));
    }
    let instance_id = instance_id(body.instance_id)?;
    let sdk_version = sdk_version(body.sdk_version)?;
    let mut report = Report::default();
    add_counts(
        state,
        &mut report,
        &environment,
        &app,
        start,
        bucket.toggles.into_iter(),
    );
    let instance = InstanceRow {
        app_name: app,
        instance_id,
        environment,
        sdk_version,
        strategies: Vec::new(),
        started: None,
        interval_ms: None,
    };
    report.instances.push(instance);
    state.metrics.record(report).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Stores a relay's report: its SDK instances and their counts, all in the
/// token's environment (entries naming another environment are left out, as
/// a token of one environment cannot report for another); 202 once stored.
pub(crate) async fn record_bulk(
    state: &AppState,
    token: ApiToken,
    body: BulkBody,
) -> ApiResult<StatusCode> {
    let environment = within_quota(state, token)?;
    if body.applications.len() > MAX_APPLICATIONS || body.metrics.len() > MAX_TOGGLES {
        return Err(ApiError::BadData(format!(
            "at most {MAX_APPLICATIONS} applications and {MAX_TOGGLES} metrics in one bulk report"
        )));
    }
    let ours = |named: &Option<String>| named.as_ref().is_none_or(|e| *e == environment);
    let mut report = Report::default();
    for application in body
        .applications
        .into_iter()
        .filter(|a| ours(&a.environment))
    {
        let registration = application.registration;
        if registration.strategies.len() > MAX_STRATEGIES {
            return Err(ApiError::BadData(format!(
                "at most {MAX_STRATEGIES} strategies"
            )));
        }
        report.instances.push(InstanceRow {
            app_name: app_name(&registration.app_name)?,
            instance_id: instance_id(registration.instance_id)?,
            environment: environment.clone(),
            sdk_version: sdk_version(registration.sdk_version)?,
            strategies: registration
                .strategies
                .into_iter()
                .map(|s| bounded("strategies[]", s))
                .collect::<ApiResult<_>>()?,
            started: registration
                .started
                .as_ref()
                .and_then(instant)
                .map(|t| t.to_rfc3339()),
            interval_ms: registration.interval,
        });
    }
    let now = state.clock.now();
    for metric in body.metrics.into_iter().filter(|m| ours(&m.environment)) {
        let app = app_name(&metric.app_name)?;
        let Some(at) = instant(&metric.timestamp).filter(|t| {
            *t <= now + chrono::Duration::hours(1) && *t >= now - chrono::Duration::days(2)
        }) else {
            return Err(ApiError::BadData(
                "each metric's timestamp must be a date within the last 48 hours".to_owned(),
            ));
        };
        if let Some(variants) = &metric.counts.variants {
            if variants.len() > MAX_VARIANTS || variants.keys().any(|v| v.len() > MAX_NAME) {
                return Err(ApiError::BadData(format!(
                    "at most {MAX_VARIANTS} variants per flag, names of at most {MAX_NAME} characters"
                )));
            }
        }
        add_counts(
            state,
            &mut report,
            &environment,
            &app,
            at,
            std::iter::once((metric.feature_name, metric.counts)),
        );
    }
    state.metrics.record(report).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The hour bucket an instant counts in, as stored.
fn hour_of(at: DateTime<Utc>) -> String {
    at.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Adds `app`'s counts for the hour of `at` to `report`: counts for flags the
/// environment has; the others only noted (a few per report).
fn add_counts(
    state: &AppState,
    report: &mut Report,
    environment: &str,
    app: &str,
    at: DateTime<Utc>,
    toggles: impl Iterator<Item = (String, ToggleCounts)>,
) {
    let hour = hour_of(at);
    let snapshot = state.snapshots.load();
    let flags = snapshot.environments.get(environment);
    let seen = state.clock.now_text();
    for (name, c) in toggles {
        if flags.is_some_and(|f| f.contains_key(&name)) {
            report.counts.push((
                MetricKey {
                    feature_name: name,
                    environment: environment.to_owned(),
                    app_name: app.to_owned(),
                    hour: hour.clone(),
                },
                MetricCounts {
                    yes: c.yes,
                    no: c.no,
                    variants: c.variants.unwrap_or_default().into_iter().collect(),
                },
            ));
        } else if report.unknown.len() < MAX_UNKNOWN_PER_REPORT
            && FeatureName::parse(&name).is_ok_and(|n| n.as_str() == name)
        {
            report.unknown.push(UnknownFlag {
                name,
                app_name: app.to_owned(),
                environment: environment.to_owned(),
                last_seen: seen.clone(),
            });
        }
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
