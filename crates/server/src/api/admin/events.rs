//! The event log: `GET /api/admin/events` (filter by project and type, paging)
//! and `GET /api/admin/events/:featureName`. Paging is Unleash's `offset`/`limit`,
//! or a keyset cursor: `before=<id>` (the answer's `nextBefore`) stays fast
//! however deep the page and never skips or repeats an event while new ones arrive.

use crate::api::routes::{get, Routes};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::filter_value;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_storage::{EventFilter, EventRecord};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/events", get(list))
        .route("/api/admin/events/{feature}", get(for_feature))
        .route("/api/admin/search/events", get(search))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Paging {
    project: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    before: Option<i64>,
    offset: Option<i64>,
    limit: Option<i64>,
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
        ..EventFilter::default()
    })
}

/// The cursor of the next page: the last id of a full page.
fn next_before(filter: &EventFilter, events: &[EventRecord]) -> Option<i64> {
    match events.last() {
        Some(last) if events.len() as i64 == filter.limit => Some(last.id),
        _ => None,
    }
}

#[utoipa::path(
    get,
    path = "/api/admin/events",
    summary = "The event log, newest first",
    params(Paging),
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
    )
)]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(paging): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let filter = filter(paging, None)?;
    let (events, total) = state.store.events(&filter).await?;
    let next_before = next_before(&filter, &events);
    let events: Vec<Value> = events
        .iter()
        .map(flagstaff_domain::wire::event_view)
        .collect();
    Ok(Json(
        json!({"version": 1, "events": events, "totalEvents": total, "nextBefore": next_before}),
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/events/{feature}",
    summary = "One flag's events",
    params(Paging),
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
    )
)]
async fn for_feature(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
    Query(paging): Query<Paging>,
) -> ApiResult<Json<Value>> {
    let filter = filter(paging, Some(feature.clone()))?;
    let (events, total) = state.store.events(&filter).await?;
    let next_before = next_before(&filter, &events);
    let events: Vec<Value> = events
        .iter()
        .map(flagstaff_domain::wire::event_view)
        .collect();
    Ok(Json(json!({
        "version": 1, "toggleName": feature, "events": events, "totalEvents": total,
        "nextBefore": next_before
    })))
}

/// A `from`/`to` bound: a date (`2024-05-01`, the start of that day, or of the
/// next one for an inclusive `to`) or an RFC 3339 instant.
fn instant_bound(
    text: Option<String>,
    field: &str,
    inclusive_day_end: bool,
) -> ApiResult<Option<chrono::DateTime<chrono::Utc>>> {
    let Some(text) = filter_value(text, field)? else {
        return Ok(None);
    };
    let at = if let Ok(day) = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        let day = if inclusive_day_end {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        day.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
    } else {
        flagstaff_storage::parse_instant(&text)
    };
    at.map(Some).ok_or_else(|| {
        ApiError::BadData(format!("{text:?} is not a date (YYYY-MM-DD) or an instant"))
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct SearchQuery {
    feature: Option<String>,
    project: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    created_by: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

/// Unleash's event search (`/api/admin/search/events`): by flag, project,
/// type, who, and date range, newest first, with the total.
#[utoipa::path(
    get,
    path = "/api/admin/search/events",
    summary = "Searches the event log",
    params(SearchQuery),
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
    )
)]
async fn search(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<Value>> {
    let mut filter = filter(
        Paging {
            project: filter_value(query.project, "project")?,
            event_type: filter_value(query.event_type, "type")?,
            before: None,
            offset: query.offset,
            limit: query.limit,
        },
        filter_value(query.feature, "feature")?,
    )?;
    filter.created_by = filter_value(query.created_by, "createdBy")?;
    filter.from = instant_bound(query.from, "from", false)?;
    filter.to = instant_bound(query.to, "to", true)?;
    let (events, total) = state.store.events(&filter).await?;
    let events: Vec<Value> = events
        .iter()
        .map(flagstaff_domain::wire::event_view)
        .collect();
    Ok(Json(json!({"events": events, "total": total})))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, for_feature, search))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: events", "events")
}
