//! A project's flags: the admin search (`Store::search_flags`, what
//! `GET /api/admin/search/features` runs) narrowed by name, type, tag and
//! state, 100 a page, each with its type, tags, the hour SDKs last reported it
//! and a switch per environment; the archived view revives. Creating and
//! archiving a flag are in `flags/lifecycle.rs`.

mod lifecycle;

use std::collections::HashMap;
use std::time::Instant;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::feedback::{on_or_off, Changed, InPlace};
use super::{internal, message, minute, op_error, render, Nav, SignedIn};
use crate::state::AppState;
use flagstaff_domain::ops::{
    Actor, EnvironmentName, FlagName, FlagType, ProjectId, SwitchEnvironment,
};
use flagstaff_storage::{FlagSearch, Tag, TagMatch};

/// Flags on one page.
const PAGE: i64 = 100;

pub fn routes() -> Router<AppState> {
    let feature = "/projects/{project}/features/{feature}";
    Router::new()
        .route("/projects/{project}/features", get(list))
        .route(
            "/projects/{project}/features/new",
            get(lifecycle::new_form).post(lifecycle::create),
        )
        .route(
            &format!("{feature}/archive"),
            get(lifecycle::archive_form).post(lifecycle::archive),
        )
        .route(&format!("{feature}/revive"), post(lifecycle::revive))
        .route(
            &format!("{feature}/environments/{{environment}}/toggle"),
            post(toggle),
        )
}

struct Cell {
    environment: String,
    on: bool,
    action: String,
}

struct FlagLine {
    name: String,
    description: Option<String>,
    flag_type: String,
    stale: bool,
    tags: Vec<Tag>,
    /// The hour bucket SDKs last reported it in (`YYYY-MM-DD HH:00`).
    last_seen: Option<String>,
    archived_at: Option<String>,
    cells: Vec<Cell>,
}

/// The list's filters as the GET form sends them.
#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    flag_type: String,
    #[serde(default)]
    tag: String,
    /// `active`, `stale`, or empty (both).
    #[serde(default)]
    state: String,
    /// `true`: the archived flags.
    #[serde(default)]
    archived: String,
    page: Option<i64>,
}

impl Filters {
    fn archived(&self) -> bool {
        self.archived == "true"
    }

    /// The query string (with `?`) of these filters on page `page`.
    fn query(&self, page: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("q", &self.q),
            ("type", &self.flag_type),
            ("tag", &self.tag),
            ("state", &self.state),
            ("archived", &self.archived),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
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

#[derive(Template)]
#[template(path = "flags.html")]
struct FlagsPage {
    nav: Option<Nav>,
    project: String,
    environments: Vec<String>,
    flags: Vec<FlagLine>,
    can_edit: bool,
    csrf: String,
    filters: Filters,
    types: Vec<(&'static str, &'static str)>,
    tag_error: Option<String>,
    total: i64,
    page: i64,
    pages: i64,
    /// This view's query string, where a switch or revive comes back to.
    back: String,
    previous: Option<String>,
    next: Option<String>,
}

fn not_found(project: &str, signed: &SignedIn) -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such project",
        &format!("There is no project {project}."),
        signed.nav(),
    )
}

/// The project of a path, if it exists (else the 404 page or a 500).
async fn existing_project(
    state: &AppState,
    signed: &SignedIn,
    project: &str,
) -> Result<ProjectId, Response> {
    let Ok(id) = ProjectId::parse(project) else {
        return Err(not_found(project, signed));
    };
    match state.store.project_exists(&id).await {
        Ok(true) => Ok(id),
        Ok(false) => Err(not_found(project, signed)),
        Err(e) => Err(internal(e)),
    }
}

/// `GET /projects/{project}/features?q=&type=&tag=&state=&archived=&page=`.
/// The answer's `Server-Timing` says how long the server took.
pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(project): Path<String>,
    Query(filters): Query<Filters>,
) -> Response {
    let started = Instant::now();
    if let Err(response) = existing_project(&state, &signed, &project).await {
        return response;
    }
    let page = filters.page.unwrap_or(0).clamp(0, i64::MAX / PAGE - 1);
    let tag = filters.tag.trim();
    let (tags, tag_error) = match tag {
        "" => (None, None),
        text => match TagMatch::parse_filter(text) {
            Ok(found) => (Some(found), None),
            Err(e) => (None, Some(e)),
        },
    };
    let search = FlagSearch {
        text: Some(filters.q.trim().to_owned()).filter(|q| !q.is_empty()),
        projects: Some(vec![project.clone()]),
        types: Some(vec![filters.flag_type.clone()]).filter(|t| !t[0].is_empty()),
        tags,
        stale: match filters.state.as_str() {
            "stale" => Some(true),
            "active" => Some(false),
            _ => None,
        },
        archived: filters.archived(),
        sort_by: "name".to_owned(),
        descending: false,
        offset: page.saturating_mul(PAGE),
        limit: PAGE,
        ..FlagSearch::default()
    };
    let found = if tag_error.is_some() {
        Ok((Vec::new(), 0))
    } else {
        state.store.search_flags(&search).await
    };
    let (features, total) = match found {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    let names: Vec<&str> = features.iter().map(|f| f.name.as_str()).collect();
    // Four small queries on the page's names, side by side.
    let details = tokio::try_join!(
        state.store.project_environments(&project),
        state.store.search_details(&names),
        state.store.tags_of_flags(&names),
        state.store.last_seen_hours(&names),
    );
    let (environments, (rows, _), mut tags, mut seen) = match details {
        Ok(details) => details,
        Err(e) => return internal(e),
    };
    let on: HashMap<(&str, &str), bool> = rows
        .iter()
        .map(|r| ((r.feature_name.as_str(), r.environment.as_str()), r.enabled))
        .collect();
    let flags = features
        .iter()
        .map(|feature| FlagLine {
            cells: environments
                .iter()
                .map(|environment| Cell {
                    on: on
                        .get(&(feature.name.as_str(), environment.name.as_str()))
                        .copied()
                        .unwrap_or(false),
                    action: format!(
                        "/projects/{project}/features/{}/environments/{}/toggle",
                        feature.name, environment.name
                    ),
                    environment: environment.name.clone(),
                })
                .collect(),
            name: feature.name.clone(),
            description: feature.description.clone().filter(|d| !d.is_empty()),
            flag_type: feature.feature_type.as_str().to_owned(),
            stale: feature.stale,
            tags: tags.remove(&feature.name).unwrap_or_default(),
            last_seen: seen.remove(&feature.name).as_ref().map(minute),
            archived_at: feature.archived_at.as_ref().map(minute),
        })
        .collect();
    let pages = (total + PAGE - 1) / PAGE;
    let view = FlagsPage {
        nav: signed.nav(),
        environments: environments.into_iter().map(|e| e.name).collect(),
        flags,
        can_edit: signed.role.can_edit(),
        csrf: signed.csrf.clone(),
        types: FlagType::ALL
            .iter()
            .map(|t| (t.as_str(), t.catalogue().0))
            .collect(),
        tag_error,
        total,
        page,
        pages,
        back: filters.query(page),
        previous: (page > 0).then(|| filters.query(page - 1)),
        next: (page + 1 < pages).then(|| filters.query(page + 1)),
        filters,
        project,
    };
    let status = if view.tag_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut response = render(status, &view);
    let took = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(timing) = HeaderValue::from_str(&format!("app;dur={took:.2}")) {
        response.headers_mut().insert("server-timing", timing);
    }
    response
}

/// Where a form of the list comes back to: the list with the query string
/// the form carried (`back`), if it is a plain one.
fn back_to_list(project: &str, back: Option<&str>) -> String {
    let query = back
        .filter(|b| b.starts_with('?') && b.bytes().all(|c| c.is_ascii_graphic()))
        .unwrap_or("");
    format!("/projects/{project}/features{query}")
}

#[derive(Deserialize)]
pub struct ToggleForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    /// `true` (switch on) or `false` (off).
    enabled: Option<String>,
    back: Option<String>,
}

/// `POST /projects/{p}/features/{f}/environments/{env}/toggle`: switches the
/// flag through `SwitchEnvironment` in the user's name; back to the list
/// with a notice, or JSON when `flagstaff.js` switched it in place.
pub async fn toggle(
    State(state): State<AppState>,
    signed: SignedIn,
    in_place: InPlace,
    Path((project, feature, environment)): Path<(String, String, String)>,
    Form(form): Form<ToggleForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(form.csrf.as_deref()) {
        return refused;
    }
    if !signed.role.can_edit() {
        return message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Viewers cannot switch flags.",
            signed.nav(),
        );
    }
    let Some(enabled) = on_or_off(form.enabled.as_deref()) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Not done",
            "The form did not say whether to switch on or off.",
            signed.nav(),
        );
    };
    let (Ok(project_id), Ok(name), Ok(environment)) = (
        ProjectId::parse(&project),
        FlagName::parse(&feature),
        EnvironmentName::parse(&environment),
    ) else {
        return message(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such flag or environment.",
            signed.nav(),
        );
    };
    let changed = Changed::switched(name.as_str(), environment.as_str(), enabled);
    let operation = SwitchEnvironment {
        project: project_id,
        name,
        environment,
        enabled,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => in_place.answer(&back_to_list(&project, form.back.as_deref()), changed),
        Err(e) => op_error(e, signed.nav()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_keep_their_query_and_forms_come_back_only_to_the_list() {
        let filters = Filters {
            q: "new checkout".to_owned(),
            tag: "team:a&b".to_owned(),
            state: "stale".to_owned(),
            ..Filters::default()
        };
        assert_eq!(
            filters.query(2),
            "?q=new+checkout&tag=team%3Aa%26b&state=stale&page=2"
        );
        assert_eq!(Filters::default().query(0), "");
        assert_eq!(
            back_to_list("default", Some("?q=a&page=1")),
            "/projects/default/features?q=a&page=1"
        );
        for bad in ["//evil.example", "?a\r\nSet-Cookie: x", "https://evil"] {
            assert_eq!(
                back_to_list("default", Some(bad)),
                "/projects/default/features"
            );
        }
    }
}
