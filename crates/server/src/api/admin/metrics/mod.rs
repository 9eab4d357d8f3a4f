//! Usage metrics of one flag (`/api/admin/client-metrics/features/:name[/raw|/exposure]`);
//! the applications seen through register and metrics, and the flags SDKs
//! asked about that do not exist, are in [`applications`].

mod applications;
mod sdks;
pub(crate) use sdks::OutdatedSdks;

use std::collections::{BTreeMap, BTreeSet};

use crate::api::routes::{get, Routes};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_storage::MetricCounts;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/client-metrics/features/{feature}/raw", get(raw))
        .route("/api/admin/client-metrics/features/{feature}", get(summary))
        .route(
            "/api/admin/client-metrics/features/{feature}/exposure",
            get(exposure),
        )
        .merge(applications::router())
        .merge(sdks::router())
}

/// The instant `hours` hours before `now` (the state's clock).
fn hours_ago(now: chrono::DateTime<chrono::Utc>, hours: i64) -> chrono::DateTime<chrono::Utc> {
    now - chrono::Duration::hours(hours)
}

/// Unleash's featureMetricsSchema: the last hour per environment, and the
/// applications that reported the flag.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"version": 1, "maturity": "stable", "featureName": "new-checkout",
    "lastHourUsage": [{"environment": "production", "timestamp": "2025-03-01T09:00:00.000Z",
        "yes": 120, "no": 30}],
    "seenApplications": ["checkout-service"]}))]
struct FlagUsage {
    version: u8,
    maturity: &'static str,
    feature_name: String,
    last_hour_usage: Vec<EnvironmentUsage>,
    seen_applications: BTreeSet<String>,
}

/// One environment's counts, all applications together; `timestamp` is the
/// latest hour counted.
#[derive(Serialize, utoipa::ToSchema)]
struct EnvironmentUsage {
    environment: String,
    timestamp: String,
    yes: u64,
    no: u64,
}

/// The last hour's yes/no per environment, and the applications that reported.
#[utoipa::path(
    get,
    path = "/api/admin/client-metrics/features/{feature}",
    summary = "A flag's metrics per environment",
    responses(
        (status = 200, description = "The last hour's counts per environment", body = FlagUsage),
    )
)]
async fn summary(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
) -> ApiResult<Json<FlagUsage>> {
    let rows = state
        .store
        .raw_metrics(&feature, hours_ago(state.clock.now(), 1))
        .await?;
    let mut by_env: BTreeMap<String, EnvironmentUsage> = BTreeMap::new();
    let mut seen_applications = BTreeSet::new();
    for (key, counts) in rows {
        let usage = by_env
            .entry(key.environment.clone())
            .or_insert_with(|| EnvironmentUsage {
                environment: key.environment,
                timestamp: flagstaff_storage::instant_text(&key.hour),
                yes: 0,
                no: 0,
            });
        usage.yes += counts.yes;
        usage.no += counts.no;
        usage.timestamp = usage
            .timestamp
            .clone()
            .max(flagstaff_storage::instant_text(&key.hour));
        seen_applications.insert(key.app_name);
    }
    Ok(Json(FlagUsage {
        version: 1,
        maturity: "stable",
        feature_name: feature,
        last_hour_usage: by_env.into_values().collect(),
        seen_applications,
    }))
}

/// Exposure per environment and hour, all applications together (what the
/// web UI charts).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"version": 1, "featureName": "new-checkout", "hoursBack": 24,
    "data": [{"environment": "production", "timestamp": "2025-03-01T09:00:00.000Z",
        "yes": 120, "no": 30, "shareEnabled": 0.8, "variants": {"blue": 70, "green": 50}}]}))]
struct Exposure {
    version: u8,
    feature_name: String,
    hours_back: i64,
    data: Vec<ExposureBucket>,
}

/// One environment's hour: yes, no, the share enabled (0 when nothing was
/// counted) and the variant split.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ExposureBucket {
    environment: String,
    timestamp: String,
    yes: u64,
    no: u64,
    share_enabled: f64,
    variants: BTreeMap<String, u64>,
}

#[utoipa::path(
    get,
    path = "/api/admin/client-metrics/features/{feature}/exposure",
    summary = "A flag's exposure",
    params(Window),
    responses(
        (status = 200, description = "Yes, no, the share enabled and the variants per environment and hour", body = Exposure),
        (status = 400, description = "Invalid input"),
    )
)]
async fn exposure(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
    Query(window): Query<Window>,
) -> ApiResult<Json<Exposure>> {
    let hours = window.hours();
    let rows = state
        .store
        .raw_metrics(&feature, hours_ago(state.clock.now(), hours))
        .await?;
    let mut buckets: BTreeMap<(String, String), MetricCounts> = BTreeMap::new();
    for (key, counts) in rows {
        buckets
            .entry((key.environment, flagstaff_storage::instant_text(&key.hour)))
            .or_default()
            .add(&counts);
    }
    let data = buckets
        .into_iter()
        .map(|((environment, timestamp), c)| {
            let total = c.yes + c.no;
            ExposureBucket {
                environment,
                timestamp,
                yes: c.yes,
                no: c.no,
                share_enabled: if total == 0 {
                    0.0
                } else {
                    c.yes as f64 / total as f64
                },
                variants: c.variants,
            }
        })
        .collect();
    Ok(Json(Exposure {
        version: 1,
        feature_name: feature,
        hours_back: hours,
        data,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct Window {
    hours_back: Option<String>,
}

impl Window {
    /// As Unleash: 1–48 hours, anything else means 24.
    fn hours(&self) -> i64 {
        self.hours_back
            .as_deref()
            .and_then(|h| h.parse::<i64>().ok())
            .filter(|h| (1..=48).contains(h))
            .unwrap_or(24)
    }
}

/// Unleash's featureMetricsSchema's raw form: a row per environment,
/// application and hour, oldest first.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "maturity": "stable", "data": [{
    "featureName": "new-checkout", "appName": "checkout-service", "environment": "production",
    "timestamp": "2025-03-01T09:00:00.000Z", "yes": 120, "no": 30,
    "variants": {"blue": 70, "green": 50}}]}))]
struct RawMetrics {
    version: u8,
    maturity: &'static str,
    data: Vec<RawBucket>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct RawBucket {
    feature_name: String,
    app_name: String,
    environment: String,
    timestamp: String,
    yes: u64,
    no: u64,
    variants: BTreeMap<String, u64>,
}

#[utoipa::path(
    get,
    path = "/api/admin/client-metrics/features/{feature}/raw",
    summary = "A flag's hourly metrics",
    params(Window),
    responses(
        (status = 200, description = "The counts per environment, application and hour", body = RawMetrics),
        (status = 400, description = "Invalid input"),
    )
)]
async fn raw(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
    Query(window): Query<Window>,
) -> ApiResult<Json<RawMetrics>> {
    let rows = state
        .store
        .raw_metrics(&feature, hours_ago(state.clock.now(), window.hours()))
        .await?;
    let data = rows
        .into_iter()
        .map(|(key, counts)| RawBucket {
            feature_name: key.feature_name,
            app_name: key.app_name,
            environment: key.environment,
            timestamp: flagstaff_storage::instant_text(&key.hour),
            yes: counts.yes,
            no: counts.no,
            variants: counts.variants,
        })
        .collect();
    Ok(Json(RawMetrics {
        version: 1,
        maturity: "stable",
        data,
    }))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(raw, summary, exposure))]
    struct Doc;
    let mut openapi = Doc::openapi();
    openapi.merge(applications::doc());
    openapi.merge(sdks::doc());
    crate::api::openapi::area(openapi, "Admin: metrics", "metrics")
}
