//! The event log: `GET /api/admin/events` (filter by project and type, paging)
//! and `GET /api/admin/events/:featureName`. Paging is Unleash's `offset`/`limit`,
//! or a keyset cursor: `before=<id>` (the answer's `nextBefore`) stays fast
//! however deep the page and never skips or repeats an event while new ones arrive.

use crate::api::routes::{get, Routes};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::filter_value;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::wire::EventView;
use flagstaff_storage::{EventFilter, EventRecord};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/events", get(list))
        .route("/api/admin/events/{feature}", get(for_feature))
        .route("/api/admin/search/events", get(search))
        .route("/api/admin/event-creators", get(creators))
}

/// One who recorded events (Unleash's eventCreatorsSchema item).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": 3, "name": "alice"}))]
struct EventCreator {
    /// The user's id; Unleash's ids for who is no user: -1337 the server
    /// itself, -42 an API token or an action set.
    id: i64,
    name: String,
}

/// Most creators listed (a bound on what one read holds).
const MAX_CREATORS: i64 = 1000;

#[utoipa::path(
    get,
    path = "/api/admin/event-creators",
    summary = "Who recorded events",
    responses(
        (status = 200, description = "The distinct event creators, by name", body = [EventCreator],
            example = json!([{"id": 3, "name": "alice"}, {"id": -42, "name": "ci-token"}])),
    )
)]
async fn creators(
    State(state): State<AppState>,
    _admin: AdminToken,
) -> ApiResult<Json<Vec<EventCreator>>> {
    let creators = state.store.event_creators(MAX_CREATORS).await?;
    Ok(Json(
        creators
            .into_iter()
            .map(|(user, name)| EventCreator {
                id: user.unwrap_or(if name == "system" { -1337 } else { -42 }),
                name,
            })
            .collect(),
    ))
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

/// A page of the event log, newest first (Unleash's eventsSchema; for one
/// flag with its `toggleName`).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"version": 1, "events": [{"id": 42, "revision": 40,
    "type": "feature-environment-enabled", "createdAt": "2025-03-01T09:00:00Z",
    "createdBy": "admin", "project": "default", "environment": "production",
    "featureName": "new-checkout", "preData": null, "data": null, "tags": []}],
    "totalEvents": 1, "nextBefore": null}))]
struct EventLog<'a> {
    /// Always 1.
    version: u8,
    /// The flag asked about (`/api/admin/events/{feature}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    toggle_name: Option<&'a str>,
    events: Vec<EventView<'a>>,
    /// How many events the filter selects, on every page.
    total_events: i64,
    /// The `before` of the next page; `null` on the last one.
    next_before: Option<i64>,
}

/// The page of `events` the filter selected, `total` in all.
fn event_log<'a>(
    filter: &EventFilter,
    toggle_name: Option<&'a str>,
    events: &'a [EventRecord],
    total: i64,
) -> Response {
    // The cursor of the next page: the last id of a full page.
    let next_before = match events.last() {
        Some(last) if events.len() as i64 == filter.limit => Some(last.id),
        _ => None,
    };
    Json(EventLog {
        version: 1,
        toggle_name,
        events: events.iter().map(EventView::from).collect(),
        total_events: total,
        next_before,
    })
    .into_response()
}

#[utoipa::path(
    get,
    path = "/api/admin/events",
    summary = "The event log, newest first",
    params(Paging),
    responses(
        (status = 200, description = "A page of events", body = EventLog),
        (status = 400, description = "Invalid input"),
    )
)]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(paging): Query<Paging>,
) -> ApiResult<Response> {
    let filter = filter(paging, None)?;
    let (events, total) = state.store.events(&filter).await?;
    Ok(event_log(&filter, None, &events, total))
}

#[utoipa::path(
    get,
    path = "/api/admin/events/{feature}",
    summary = "One flag's events",
    params(Paging),
    responses(
        (status = 200, description = "A page of the flag's events", body = EventLog),
        (status = 400, description = "Invalid input"),
    )
)]
async fn for_feature(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(feature): Path<String>,
    Query(paging): Query<Paging>,
) -> ApiResult<Response> {
    let filter = filter(paging, Some(feature.clone()))?;
    let (events, total) = state.store.events(&filter).await?;
    Ok(event_log(&filter, Some(&feature), &events, total))
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

/// What an event search found: a page, newest first, and how many in all
/// (Unleash's eventSearchResponseSchema).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"events": [{"id": 42, "revision": 40,
    "type": "feature-environment-enabled", "createdAt": "2025-03-01T09:00:00Z",
    "createdBy": "admin", "project": "default", "environment": "production",
    "featureName": "new-checkout", "preData": null, "data": null, "tags": []}],
    "total": 1}))]
struct EventSearch<'a> {
    events: Vec<EventView<'a>>,
    total: i64,
}

/// Unleash's event search (`/api/admin/search/events`): by flag, project,
/// type, who, and date range, newest first, with the total.
#[utoipa::path(
    get,
    path = "/api/admin/search/events",
    summary = "Searches the event log",
    params(SearchQuery),
    responses(
        (status = 200, description = "The events found", body = EventSearch),
        (status = 400, description = "Invalid input"),
    )
)]
async fn search(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Response> {
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
    let events = events.iter().map(EventView::from).collect();
    Ok(Json(EventSearch { events, total }).into_response())
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, for_feature, search, creators))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: events", "events")
}
