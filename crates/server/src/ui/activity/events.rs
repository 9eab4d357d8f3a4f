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
use std::collections::HashMap;

use serde_json::Value;

use flagstaff_storage::{EventFilter, EventKind, EventRecord, Tag};

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
    /// The anchor: only events older than this id (set by the paging links,
    /// so that events recorded meanwhile do not shift the pages).
    before: Option<i64>,
    /// The page (0: the newest) below the anchor.
    page: Option<i64>,
}

impl EventQuery {
    /// `?…` for these filters (the fixed ones left out), page `page` below `before`.
    fn query(&self, before: Option<i64>, page: i64, fixed_flag: bool) -> String {
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
        if page > 0 {
            query.append_pair("page", &page.to_string());
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

/// Segment ids in a `segments` list (a strategy's) as the segments' names,
/// so that a diff says which segments, not which numbers.
fn name_segments(value: &mut Value, names: &HashMap<i64, String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                match inner {
                    Value::Array(items) if key == "segments" => {
                        for item in items.iter_mut() {
                            if let Some(name) = item.as_i64().and_then(|id| names.get(&id)) {
                                *item = Value::String(name.clone());
                            }
                        }
                    }
                    _ => name_segments(inner, names),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| name_segments(v, names)),
        _ => {}
    }
}

impl EventView {
    fn of(e: &EventRecord, segments: &HashMap<i64, String>) -> EventView {
        let named = |data: Option<&Value>| {
            data.cloned().map(|mut v| {
                name_segments(&mut v, segments);
                v
            })
        };
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
            diff: json_diff(
                named(e.pre_data.as_ref()).as_ref(),
                named(e.data.as_ref()).as_ref(),
            ),
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
    /// The filters' choices: every event kind, and who can have made events.
    choices: Choices,
    /// The paging links (queries) and where this page is.
    pages: Pages,
}

#[derive(Template)]
#[template(path = "flag_events.html")]
struct FlagEventsPage {
    nav: Option<Nav>,
    head: FlagHead,
    project: String,
    feature: String,
    tab: &'static str,
    /// When the flag was archived (the read-only notice with Revive).
    archived: Option<String>,
    can_revive: bool,
    csrf: String,
    path: String,
    filters: EventQuery,
    events: Vec<EventView>,
    total: i64,
    choices: Choices,
    pages: Pages,
}

pub struct Choices {
    pub kinds: Vec<String>,
    pub users: Vec<String>,
}

/// The type select offers every kind of [`EventKind`]; the who select every
/// user (and a name filtered on that is not one, such as a token's).
async fn choices(state: &AppState, filters: &EventQuery) -> Result<Choices, Response> {
    let mut kinds: Vec<String> = EventKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    kinds.sort();
    let mut users: Vec<String> = state
        .store
        .users()
        .await
        .map_err(internal)?
        .into_iter()
        .map(|u| u.username)
        .collect();
    for (list, current) in [
        (&mut kinds, &filters.event_type),
        (&mut users, &filters.created_by),
    ] {
        let current = current.trim();
        if !current.is_empty() && !list.iter().any(|v| v == current) {
            list.push(current.to_owned());
        }
    }
    Ok(Choices { kinds, users })
}

pub struct Pages {
    /// This page, from 1.
    pub number: i64,
    pub count: i64,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// A page of events for `filters` (`fixed`: a flag's tab, whose flag is in
/// the path), the total, and the links to the pages either side.
async fn events_page(
    state: &AppState,
    filters: &EventQuery,
    mut filter: EventFilter,
    fixed: bool,
) -> Result<(Vec<EventView>, i64, Pages), Response> {
    let page = filters.page.unwrap_or(0).clamp(0, 1_000_000);
    filter.before = filters.before;
    filter.offset = page * PAGE;
    filter.limit = PAGE;
    let (events, total) = state.store.events(&filter).await.map_err(internal)?;
    let segments: HashMap<i64, String> = if events
        .iter()
        .any(|e| e.data.is_some() || e.pre_data.is_some())
    {
        state
            .store
            .segments()
            .await
            .map_err(internal)?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect()
    } else {
        HashMap::new()
    };
    // The pages hang from the newest event shown first, so that events
    // recorded meanwhile do not shift them.
    let anchor = filters.before.or(events.first().map(|e| e.id + 1));
    let pages = Pages {
        number: page + 1,
        count: ((total + PAGE - 1) / PAGE).max(1),
        newer: (page > 0).then(|| filters.query(anchor, page - 1, fixed)),
        older: (events.len() as i64 == PAGE).then(|| filters.query(anchor, page + 1, fixed)),
    };
    let views = events.iter().map(|e| EventView::of(e, &segments)).collect();
    Ok((views, total, pages))
}

/// `GET /events?type=&project=&createdBy=&feature=&before=&page=`.
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
        ..EventFilter::default()
    };
    let (events, total, pages) = match events_page(&state, &filters, filter, false).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let choices = match choices(&state, &filters).await {
        Ok(choices) => choices,
        Err(response) => return response,
    };
    render(
        StatusCode::OK,
        &EventsPage {
            nav: signed.nav(),
            path: "/events".to_owned(),
            filters,
            events,
            total,
            choices,
            pages,
        },
    )
}

/// `GET /projects/{project}/features/{feature}/events?type=&createdBy=&before=&page=`.
pub async fn for_flag(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
    Query(filters): Query<EventQuery>,
) -> Response {
    let row = match flag_in_project(&state, &signed, &project, &feature).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let archived = row.archived_at.as_ref().map(minute);
    let head = match FlagHead::load(&state, &row).await {
        Ok(head) => head,
        Err(response) => return response,
    };
    let filter = EventFilter {
        feature_name: Some(feature.clone()),
        event_type: given(&filters.event_type),
        created_by: given(&filters.created_by),
        ..EventFilter::default()
    };
    let (events, total, pages) = match events_page(&state, &filters, filter, true).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let choices = match choices(&state, &filters).await {
        Ok(choices) => choices,
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
            archived,
            can_revive: signed.role.can_edit(),
            csrf: signed.csrf.clone(),
            filters,
            events,
            total,
            choices,
            pages,
        },
    )
}
