//! The applications SDKs told us about (registrations and metrics, the
//! storage behind `GET /api/admin/metrics/applications`): a paged list, and
//! one application's instances, strategies and the flags it reported.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{not_found, path_segment, PageQuery, Pager, PAGE};
use crate::state::AppState;
use crate::ui::{internal, render, Nav, SignedIn};
use flagstaff_storage::instant_text;

struct ApplicationLine {
    name: String,
    link: String,
    environments: String,
}

#[derive(Template)]
#[template(path = "admin/applications.html")]
struct ApplicationsPage {
    nav: Option<Nav>,
    applications: Vec<ApplicationLine>,
    total: i64,
    pager: Pager,
}

/// `GET /applications?page=N`.
pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<PageQuery>,
) -> Response {
    let page = query.page.unwrap_or(0);
    let limit = i64::try_from(PAGE).unwrap_or(100);
    let offset = i64::try_from(page)
        .unwrap_or(i64::MAX)
        .saturating_mul(limit);
    let (apps, total) = match state.store.applications(offset, limit).await {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    let more = total > offset.saturating_add(limit);
    render(
        StatusCode::OK,
        &ApplicationsPage {
            nav: signed.nav(),
            applications: apps
                .into_iter()
                .map(|(name, environments)| ApplicationLine {
                    link: format!("/applications/{}", path_segment(&name)),
                    environments: environments.join(", "),
                    name,
                })
                .collect(),
            total,
            pager: Pager::new("/applications", page, more),
        },
    )
}

struct InstanceLine {
    instance_id: String,
    environment: String,
    sdk_version: String,
    started: String,
    last_seen: String,
}

#[derive(Template)]
#[template(path = "admin/application.html")]
struct ApplicationPage {
    nav: Option<Nav>,
    name: String,
    instances: Vec<InstanceLine>,
    more_instances: bool,
    strategies: Vec<String>,
    flags: Vec<String>,
    flag_count: usize,
}

/// `GET /applications/{app}`: its most recently seen instances (at most a
/// page), the strategies they support and the flags they reported.
pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(app): Path<String>,
) -> Response {
    let limit = i64::try_from(PAGE + 1).unwrap_or(101);
    let (mut instances, mut flags) = match tokio::try_join!(
        state.store.instances_of(&app, limit),
        state.store.flags_seen_by(&app)
    ) {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    if instances.is_empty() {
        return not_found(
            &signed,
            &format!("No SDK has reported the application {app}."),
        );
    }
    let more_instances = instances.len() > PAGE;
    instances.truncate(PAGE);
    let strategies: std::collections::BTreeSet<String> = instances
        .iter()
        .flat_map(|(i, _)| i.strategies.iter().cloned())
        .collect();
    let flag_count = flags.len();
    flags.truncate(PAGE);
    render(
        StatusCode::OK,
        &ApplicationPage {
            nav: signed.nav(),
            name: app,
            instances: instances
                .into_iter()
                .map(|(i, last_seen)| InstanceLine {
                    instance_id: i.instance_id,
                    environment: i.environment,
                    sdk_version: i.sdk_version.unwrap_or_default(),
                    started: i.started.as_ref().map(instant_text).unwrap_or_default(),
                    last_seen: instant_text(&last_seen),
                })
                .collect(),
            more_instances,
            strategies: strategies.into_iter().collect(),
            flags,
            flag_count,
        },
    )
}
