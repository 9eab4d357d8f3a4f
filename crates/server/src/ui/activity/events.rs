//! The event log: all events (`/events`, by type, project, who and flag) and
//! one flag's (`/projects/{p}/features/{f}/events`), newest first, 50 a page
//! on the keyset cursor, through the storage search behind
//! `GET /api/admin/search/events` (`Store::events`). Each event shows who,
//! when and what, and a line diff of its `preData` → `data`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::diff::{json_diff, DiffLine};
use super::{flag_in_project, minute};
use crate::state::AppState;
use crate::ui::flag_head::FlagHead;
use crate::ui::{internal, render, Nav, SignedIn};
use flagstaff_storage::{EventFilter, EventRecord, Tag};

/// Events on one page.
const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct EventQuery {
    #[serde(default, rename = "type")]
    event_type: String,
    #[serde(default)]
    project: String,
    #[serde(default, rename = "createdBy")]
    created_by: String,
    #[serde(default)]
    feature: String,
    /// The keyset cursor: events older than this id.
    before: Option<i64>,
}

impl EventQuery {
    /// `?…` for these filters (the fixed ones left out), older than `before`.
    fn query(&self, before: Option<i64>, fixed_flag: bool) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let mut pairs = vec![("type", &self.event_type), ("createdBy", &self.created_by)];
        if !fixed_flag {
            pairs.extend([("project", &self.project), ("feature", &self.feature)]);
        }
        for (key, value) in pairs {
            if !value.trim().is_empty() {
                query.append_pair(key, value.trim());
            }
        }
        if let Some(before) = before {
            query.append_pair("before", &before.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        }
    }
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

pub struct EventView {
    pub id: i64,
    pub event_type: String,
    pub created_at: String,
    pub created_by: String,
    pub project: Option<String>,
    pub environment: Option<String>,
    pub feature: Option<String>,
    /// The flag's page, when the event names a flag of a project.
    pub flag_link: Option<String>,
    pub tags: Vec<Tag>,
    pub diff: Vec<DiffLine>,
}

impl From<&EventRecord> for EventView {
    fn from(e: &EventRecord) -> EventView {
        EventView {
            id: e.id,
            event_type: e.event_type.clone(),
            created_at: minute(&e.created_at),
            created_by: e.created_by.clone(),
            flag_link: e
                .project
                .as_ref()
                .zip(e.feature_name.as_ref())
                .map(|(p, f)| format!("/projects/{p}/features/{f}")),
            project: e.project.clone(),
            environment: e.environment.clone(),
            feature: e.feature_name.clone(),
            tags: e.tags.clone(),
            diff: json_diff(e.pre_data.as_ref(), e.data.as_ref()),
        }
    }
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    nav: Option<Nav>,
    /// This view's path (the paging links add their query).
    path: String,
    filters: EventQuery,
    events: Vec<EventView>,
    total: i64,
    /// This view's first page, when this is a later one.
    newest: Option<String>,
    older: Option<String>,
}

#[derive(Template)]
#[template(path = "flag_events.html")]
struct FlagEventsPage {
    nav: Option<Nav>,
    head: FlagHead,
    project: String,
    feature: String,
    tab: &'static str,
    path: String,
    filters: EventQuery,
    events: Vec<EventView>,
    total: i64,
    newest: Option<String>,
    older: Option<String>,
}

/// A page of events for `filter`, the total, and the next page's cursor.
async fn events_page(
    state: &AppState,
    filter: &EventFilter,
) -> Result<(Vec<EventView>, i64, Option<i64>), Response> {
    let (events, total) = state.store.events(filter).await.map_err(internal)?;
    let next = match events.last() {
        Some(last) if events.len() as i64 == filter.limit => Some(last.id),
        _ => None,
    };
    Ok((events.iter().map(EventView::from).collect(), total, next))
}

/// `GET /events?type=&project=&createdBy=&feature=&before=`.
pub async fn global(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(filters): Query<EventQuery>,
) -> Response {
    let filter = EventFilter {
        project: given(&filters.project),
        feature_name: given(&filters.feature),
        event_type: given(&filters.event_type),
        created_by: given(&filters.created_by),
        before: filters.before,
        limit: PAGE,
        ..EventFilter::default()
    };
    let (events, total, next) = match events_page(&state, &filter).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    render(
        StatusCode::OK,
        &EventsPage {
            nav: signed.nav(),
            path: "/events".to_owned(),
            newest: filters.before.is_some().then(|| filters.query(None, false)),
            older: next.map(|before| filters.query(Some(before), false)),
            filters,
            events,
            total,
        },
    )
}

/// `GET /projects/{project}/features/{feature}/events?type=&createdBy=&before=`.
pub async fn for_flag(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
    Query(filters): Query<EventQuery>,
) -> Response {
    let head = match flag_in_project(&state, &signed, &project, &feature).await {
        Ok(row) => FlagHead::load(&state, &row).await,
        Err(response) => Err(response),
    };
    let head = match head {
        Ok(head) => head,
        Err(response) => return response,
    };
    let filter = EventFilter {
        feature_name: Some(feature.clone()),
        event_type: given(&filters.event_type),
        created_by: given(&filters.created_by),
        before: filters.before,
        limit: PAGE,
        ..EventFilter::default()
    };
    let (events, total, next) = match events_page(&state, &filter).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    render(
        StatusCode::OK,
        &FlagEventsPage {
            nav: signed.nav(),
            head,
            path: format!("/projects/{project}/features/{feature}/events"),
            project,
            feature,
            tab: "events",
            newest: filters.before.is_some().then(|| filters.query(None, true)),
            older: next.map(|before| filters.query(Some(before), true)),
            filters,
            events,
            total,
        },
    )
}
