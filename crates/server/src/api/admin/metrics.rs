//! Usage metrics of one flag (`/api/admin/client-metrics/features/:name[/raw]`)
//! and the applications seen through register and metrics (`/api/admin/metrics/applications`).

use crate::api::routes::{get, Routes};
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use flagstaff_storage::instant_text;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/client-metrics/features/{feature}/raw", get(raw))
        .route("/api/admin/client-metrics/features/{feature}", get(summary))
        .route(
            "/api/admin/client-metrics/features/{feature}/exposure",
            get(exposure),
        )
        .route("/api/admin/metrics/applications", get(applications))
        .route("/api/admin/metrics/applications/{app}", get(application))
        .route("/api/admin/metrics/unknown-flags", get(unknown_flags))
}

fn hours_ago(hours: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::hours(hours)
}

/// The last hour's yes/no per environment, and the applications that reported.
#[utoipa::path(
    get,
    path = "/api/admin/client-metrics/features/{feature}",
    summary = "A flag's metrics per environment",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn summary(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
) -> ApiResult<Json<Value>> {
    let rows = state.store.raw_metrics(&feature, hours_ago(1)).await?;
    let mut by_env: std::collections::BTreeMap<String, (u64, u64, DateTime<Utc>)> =
        Default::default();
    let mut apps = std::collections::BTreeSet::new();
    for (key, counts) in &rows {
        let entry = by_env
            .entry(key.environment.clone())
            .or_insert((0, 0, key.hour));
        entry.0 += counts.yes;
        entry.1 += counts.no;
        entry.2 = entry.2.max(key.hour);
        apps.insert(key.app_name.clone());
    }
    let usage: Vec<Value> = by_env
        .into_iter()
        .map(|(environment, (yes, no, hour))| json!({"environment": environment, "timestamp": instant_text(&hour), "yes": yes, "no": no}))
        .collect();
    Ok(Json(json!({
        "version": 1, "maturity": "stable", "featureName": feature,
        "lastHourUsage": usage, "seenApplications": apps,
    })))
}

/// Exposure per environment and hour, all applications together: yes, no, the
/// share enabled and the variant split (what the web UI charts).
#[utoipa::path(
    get,
    path = "/api/admin/client-metrics/features/{feature}/exposure",
    summary = "A flag's exposure",
    params(Window),
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
    )
)]
async fn exposure(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
    Query(window): Query<Window>,
) -> ApiResult<Json<Value>> {
    let hours = window.hours();
    let rows = state.store.raw_metrics(&feature, hours_ago(hours)).await?;
    let mut buckets: std::collections::BTreeMap<
        (String, DateTime<Utc>),
        flagstaff_storage::MetricCounts,
    > = Default::default();
    for (key, counts) in rows {
        buckets
            .entry((key.environment, key.hour))
            .or_default()
            .add(&counts);
    }
    let data: Vec<Value> = buckets
        .into_iter()
        .map(|((environment, hour), c)| {
            let total = c.yes + c.no;
            json!({
                "environment": environment, "timestamp": instant_text(&hour), "yes": c.yes, "no": c.no,
                "shareEnabled": if total == 0 { 0.0 } else { c.yes as f64 / total as f64 },
                "variants": c.variants,
            })
        })
        .collect();
    Ok(Json(
        json!({"version": 1, "featureName": feature, "hoursBack": hours, "data": data}),
    ))
}

/// `?offset=&limit=` (default: the first 1,000).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Paging {
    offset: Option<i64>,
    limit: Option<i64>,
}

impl Paging {
    fn bounds(&self) -> ApiResult<(i64, i64)> {
        let (offset, limit) = (self.offset.unwrap_or(0), self.limit.unwrap_or(1000));
        if offset < 0 || !(1..=1000).contains(&limit) {
            return Err(ApiError::BadData(
                "limit must be 1–1000 and offset non-negative".to_owned(),
            ));
        }
        Ok((offset, limit))
    }
}

#[utoipa::path(
    get,
    path = "/api/admin/metrics/applications",
    summary = "The applications seen",
    params(Paging),
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
    )
)]
async fn applications(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(paging): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let (offset, limit) = paging.bounds()?;
    let (apps, total) = state.store.applications(offset, limit).await?;
    let applications: Vec<Value> = apps
        .into_iter()
        .map(|(name, envs)| {
            json!({
                "appName": name, "description": null, "url": null, "color": null, "icon": null,
                "usage": [{"project": "default", "environments": envs}],
            })
        })
        .collect();
    Ok(Json(json!({"total": total, "applications": applications})))
}

/// Most instances one application's page lists.
const MAX_INSTANCES_SHOWN: i64 = 1000;

#[utoipa::path(
    get,
    path = "/api/admin/metrics/applications/{app}",
    summary = "One application and its instances",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn application(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(app): Path<String>,
) -> ApiResult<Json<Value>> {
    let instances: Vec<Value> = state
        .store
        .instances_of(&app, MAX_INSTANCES_SHOWN)
        .await?
        .into_iter()
        .map(|(i, last_seen)| json!({
            "instanceId": i.instance_id, "environment": i.environment, "sdkVersion": i.sdk_version,
            "started": i.started.as_ref().map(instant_text), "interval": i.interval_ms,
            "lastSeen": instant_text(&last_seen), "strategies": i.strategies,
        }))
        .collect();
    if instances.is_empty() {
        return Err(ApiError::NotFound(format!(
            "Could not find application {app}"
        )));
    }
    let strategies: std::collections::BTreeSet<String> = instances
        .iter()
        .flat_map(|i| i["strategies"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    let seen = state.store.flags_seen_by(&app).await?;
    Ok(Json(json!({
        "appName": app, "description": null, "url": null, "color": null, "icon": null,
        "strategies": strategies, "instances": instances, "seenToggles": seen, "links": {},
    })))
}

/// Flags SDKs reported but that do not exist (Unleash 7's unknown flags),
/// most recently seen first; the list is capped in size.
#[utoipa::path(
    get,
    path = "/api/admin/metrics/unknown-flags",
    summary = "Flags SDKs asked about that do not exist",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn unknown_flags(
    State(state): State<AppState>,
    _admin: AdminToken,
) -> ApiResult<Json<Value>> {
    let flags: Vec<Value> = state
        .store
        .unknown_flags(1000)
        .await?
        .into_iter()
        .map(|f| {
            json!({"name": f.name, "appName": f.app_name, "environment": f.environment, "seenAt": instant_text(&f.last_seen)})
        })
        .collect();
    Ok(Json(json!({"unknownFlags": flags})))
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

#[utoipa::path(
    get,
    path = "/api/admin/client-metrics/features/{feature}/raw",
    summary = "A flag's hourly metrics",
    params(Window),
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
    )
)]
async fn raw(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
    Query(window): Query<Window>,
) -> ApiResult<Json<Value>> {
    let hours = window.hours();
    let rows = state.store.raw_metrics(&feature, hours_ago(hours)).await?;
    let data: Vec<Value> = rows
        .into_iter()
        .map(|(key, counts)| {
            json!({
                "featureName": key.feature_name,
                "appName": key.app_name,
                "environment": key.environment,
                "timestamp": instant_text(&key.hour),
                "yes": counts.yes,
                "no": counts.no,
                "variants": counts.variants,
            })
        })
        .collect();
    Ok(Json(
        json!({"version": 1, "maturity": "stable", "data": data}),
    ))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(raw, summary, exposure, applications, application, unknown_flags))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: metrics", "metrics")
}
