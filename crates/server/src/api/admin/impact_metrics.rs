//! Impact metrics as stored from SDKs' reports: what series there are
//! (`/api/admin/impact-metrics/metadata`, named as Unleash shows them,
//! `unleash_<type>_<name>`) and one metric's time series over a range, per
//! label set and minute, aggregated as a safeguard would
//! (`/api/admin/impact-metrics`).

use std::collections::BTreeMap;

use crate::api::routes::{get, Routes};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::rollouts::{bucketed, stored_metric_name};
use flagstaff_storage::{AggregationMode, MetricType, TimeRange};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/impact-metrics/metadata", get(metadata))
        .route("/api/admin/impact-metrics", get(series))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"series": [{"name": "unleash_counter_errors", "metricName": "errors",
    "type": "counter", "help": "Errors in checkout",
    "labels": {"appName": ["checkout"], "environment": ["production"]}}]}))]
pub(crate) struct Metadata {
    series: Vec<MetricMetadata>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct MetricMetadata {
    /// As Unleash names the series: `unleash_<type>_<name>`.
    name: String,
    /// As the SDK named it.
    metric_name: String,
    #[serde(rename = "type")]
    kind: MetricType,
    help: String,
    /// Each label's values seen.
    labels: BTreeMap<String, Vec<String>>,
}

#[utoipa::path(get, path = "/api/admin/impact-metrics/metadata",
    summary = "The impact metrics SDKs reported, with their labels' values",
    responses((status = 200, description = "The metrics", body = Metadata)))]
async fn metadata(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let mut metrics: BTreeMap<String, MetricMetadata> = BTreeMap::new();
    for s in state.store.impact_series().await? {
        let entry = metrics
            .entry(s.metric_name.clone())
            .or_insert_with(|| MetricMetadata {
                name: format!("unleash_{}_{}", s.metric_type.as_str(), s.metric_name),
                metric_name: s.metric_name.clone(),
                kind: s.metric_type,
                help: s.help.clone(),
                labels: BTreeMap::new(),
            });
        for (label, value) in s.labels {
            let values = entry.labels.entry(label).or_default();
            if !values.contains(&value) {
                values.push(value);
            }
        }
    }
    Ok(Json(Metadata {
        series: metrics.into_values().collect(),
    })
    .into_response())
}

/// Which metric, over what range, aggregated how, of which series.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeriesQuery {
    /// The metric (`errors` or `unleash_counter_errors`).
    series: String,
    /// `hour` (the default), `day`, `week` or `month`.
    #[serde(default)]
    range: Option<TimeRange>,
    /// `rps`, `count` (the default), `avg`, `sum`, `p50`, `p95` or `p99`.
    #[serde(default)]
    aggregation_mode: Option<AggregationMode>,
    /// Label selectors as JSON, e.g. `{"environment":["production"]}`.
    #[serde(default)]
    labels: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"start": "2025-03-01T08:00:00.000Z", "end": "2025-03-01T09:00:00.000Z",
    "step": "1m", "series": [{"metric": {"appName": "checkout", "environment": "production"},
        "data": [[1740819600, 3.0]]}]}))]
pub(crate) struct TimeSeries {
    start: String,
    end: String,
    /// Each point is one minute.
    step: String,
    series: Vec<Series>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Series {
    /// The series' labels.
    metric: BTreeMap<String, String>,
    /// `[unix seconds, value]` per minute with samples.
    #[schema(value_type = Vec<Vec<f64>>)]
    data: Vec<(i64, f64)>,
}

#[utoipa::path(get, path = "/api/admin/impact-metrics",
    summary = "One impact metric's time series, per label set and minute",
    params(SeriesQuery),
    responses((status = 200, description = "The series", body = TimeSeries),
        (status = 400, description = "Invalid query"), (status = 404, description = "No such metric")))]
async fn series(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(query): Query<SeriesQuery>,
) -> ApiResult<Response> {
    let name = stored_metric_name(&query.series).to_owned();
    let selectors: BTreeMap<String, Vec<String>> = match &query.labels {
        Some(text) if !text.trim().is_empty() => serde_json::from_str(text).map_err(|_| {
            ApiError::BadData(
                "labels must be JSON like {\"environment\":[\"production\"]}".to_owned(),
            )
        })?,
        _ => BTreeMap::new(),
    };
    let Some(kind) = state
        .store
        .impact_series()
        .await?
        .into_iter()
        .find(|s| s.metric_name == name)
        .map(|s| s.metric_type)
    else {
        return Err(ApiError::NotFound(format!(
            "Could not find impact metric {name}"
        )));
    };
    let range = query.range.unwrap_or(TimeRange::Hour);
    let mode = query.aggregation_mode.unwrap_or(AggregationMode::Count);
    let end = state.clock.now();
    let start = end - chrono::Duration::minutes(range.minutes());
    let samples = state.store.impact_samples(&name, &start).await?;
    let series = bucketed(kind, mode, &samples, &selectors)
        .into_iter()
        .map(|(metric, points)| Series {
            metric,
            data: points
                .into_iter()
                .map(|(at, v)| (at.timestamp(), v))
                .collect(),
        })
        .collect();
    Ok(Json(TimeSeries {
        start: flagstaff_storage::instant_text(&start),
        end: flagstaff_storage::instant_text(&end),
        step: "1m".to_owned(),
        series,
    })
    .into_response())
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(metadata, series))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: release plans", "impact_metrics")
}
