//! The event log: `GET /api/admin/events` (filter by project and type, paging)
//! and `GET /api/admin/events/:featureName`. Paging is Unleash's `offset`/`limit`,
//! or a keyset cursor: `before=<id>` (the answer's `nextBefore`) stays fast
//! however deep the page and never skips or repeats an event while new ones arrive.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{EventFilter, EventRecord};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/events", get(list))
        .route("/api/admin/events/{feature}", get(for_feature))
}

#[derive(Deserialize)]
struct Paging {
    project: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    before: Option<i64>,
    offset: Option<i64>,
    limit: Option<i64>,
}

fn event_json(e: &EventRecord) -> Value {
    json!({
        "id": e.id,
        "revision": e.revision,
        "type": e.event_type,
        "createdAt": e.created_at,
        "createdBy": e.created_by,
        "project": e.project,
        "environment": e.environment,
        "featureName": e.feature_name,
        "preData": e.pre_data,
        "data": e.data,
        "tags": [],
    })
}

fn filter(paging: Paging, feature: Option<String>) -> ApiResult<EventFilter> {
    let limit = paging.limit.unwrap_or(100);
    let offset = paging.offset.unwrap_or(0);
    if !(1..=1000).contains(&limit) || offset < 0 {
        return Err(ApiError::BadData(
            "limit must be 1–1000 and offset non-negative".to_owned(),
        ));
    }
    Ok(EventFilter {
        project: paging.project,
        feature_name: feature,
        event_type: paging.event_type,
        before: paging.before,
        offset,
        limit,
    })
}

/// The cursor of the next page: the last id of a full page.
fn next_before(filter: &EventFilter, events: &[EventRecord]) -> Option<i64> {
    match events.last() {
        Some(last) if events.len() as i64 == filter.limit => Some(last.id),
        _ => None,
    }
}

async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(paging): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let filter = filter(paging, None)?;
    let (events, total) = state.store.events(&filter).await?;
    let next_before = next_before(&filter, &events);
    let events: Vec<Value> = events.iter().map(event_json).collect();
    Ok(Json(
        json!({"version": 1, "events": events, "totalEvents": total, "nextBefore": next_before}),
    ))
}

async fn for_feature(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
    Query(paging): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let filter = filter(paging, Some(feature.clone()))?;
    let (events, total) = state.store.events(&filter).await?;
    let next_before = next_before(&filter, &events);
    let events: Vec<Value> = events.iter().map(event_json).collect();
    Ok(Json(json!({
        "version": 1, "toggleName": feature, "events": events, "totalEvents": total,
        "nextBefore": next_before
    })))
}
