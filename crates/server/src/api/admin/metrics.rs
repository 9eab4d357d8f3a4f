//! Usage metrics of one flag (`GET /api/admin/client-metrics/features/:name/raw`).

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/client-metrics/features/{feature}/raw", get(raw))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Window {
    hours_back: Option<String>,
}

async fn raw(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
    Query(window): Query<Window>,
) -> ApiResult<Json<Value>> {
    // As Unleash: 1–48 hours, anything else means 24.
    let hours = window
        .hours_back
        .and_then(|h| h.parse::<i64>().ok())
        .filter(|h| (1..=48).contains(h))
        .unwrap_or(24);
    let since = (chrono::Utc::now() - chrono::Duration::hours(hours))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let since_hour = format!("{}:00:00.000Z", &since[..13]);
    let rows = state.store.raw_metrics(&feature, &since_hour).await?;
    let data: Vec<Value> = rows
        .into_iter()
        .map(|(key, counts)| {
            json!({
                "featureName": key.feature_name,
                "appName": key.app_name,
                "environment": key.environment,
                "timestamp": key.hour,
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
