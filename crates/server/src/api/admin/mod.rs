//! The admin API (admin tokens, and users' personal access tokens within their role): flags, their environments, strategies,
//! variants, tags and links, dependencies, tag types and tags, strategy types, the event
//! log, API tokens, projects and environments, signal endpoints and action sets, export and
//! import. Handlers
//! parse the request, apply an operation (`flagstaff_domain::ops`) through
//! `AppState::apply`, and render a view (`flagstaff_domain::wire`); reads go to the store.

mod actions;
mod change_requests;
mod context;
mod dependencies;
mod events;
mod favorites;
mod flag_batches;
mod flag_bulk;
mod flags;
mod heavy;
mod impact_charts;
mod impact_metrics;
mod integrations;
mod lifecycle;
mod links;
mod maintenance;
pub(crate) mod metrics;
mod name_checks;
mod pats;
mod personal_dashboard;
mod playground;
mod project_context;
pub(crate) mod projects;
mod release_plan_guards;
mod release_plans;
mod release_templates;
mod search;
mod segment_strategies;
mod segments;
mod signal_endpoints;
mod strategies;
mod strategy_types;
mod tags;
mod tokens;
mod transfer;
mod user_passwords;
pub(crate) use user_passwords::reset_url;
mod user_self;
mod users;
mod variants;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::api::routes::Routes;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::Actor;
use flagstaff_domain::wire::FlagView;
use flagstaff_storage::{
    DependencyRow, EnvironmentRow, FlagEnvironmentRow, FlagRow, LinkRow, StrategyRow, Tag,
};

pub fn router() -> Routes {
    Routes::new()
        .merge(flags::router())
        .merge(integrations::router())
        .merge(dependencies::router())
        .merge(flag_batches::router())
        .merge(flag_bulk::router())
        .merge(strategies::router())
        .merge(strategy_types::router())
        .merge(tags::router())
        .merge(variants::router())
        .merge(events::router())
        .merge(tokens::router())
        .merge(pats::router())
        .merge(projects::router())
        .merge(metrics::router())
        .merge(playground::router())
        .merge(segments::router())
        .merge(segment_strategies::router())
        .merge(personal_dashboard::router())
        .merge(search::router())
        .merge(context::router())
        .merge(project_context::router())
        .merge(links::router())
        .merge(maintenance::router())
        .merge(lifecycle::router())
        .merge(favorites::router())
        .merge(signal_endpoints::router())
        .merge(actions::router())
        .merge(change_requests::router())
        .merge(transfer::router())
        .merge(users::router())
        .merge(name_checks::router())
        .merge(user_passwords::router())
        .merge(user_self::router())
        .merge(release_templates::router())
        .merge(release_plans::router())
        .merge(release_plan_guards::router())
        .merge(impact_metrics::router())
        .merge(impact_charts::router())
}

/// The admin API's part of the OpenAPI document, area by area.
pub fn doc() -> utoipa::openapi::OpenApi {
    let mut openapi = utoipa::openapi::OpenApi::default();
    for area in [
        flags::doc(),
        integrations::doc(),
        dependencies::doc(),
        flag_batches::doc(),
        flag_bulk::doc(),
        strategies::doc(),
        strategy_types::doc(),
        tags::doc(),
        variants::doc(),
        events::doc(),
        tokens::doc(),
        pats::doc(),
        projects::doc(),
        metrics::doc(),
        playground::doc(),
        segments::doc(),
        segment_strategies::doc(),
        personal_dashboard::doc(),
        search::doc(),
        context::doc(),
        project_context::doc(),
        links::doc(),
        maintenance::doc(),
        lifecycle::doc(),
        favorites::doc(),
        signal_endpoints::doc(),
        actions::doc(),
        change_requests::doc(),
        transfer::doc(),
        users::doc(),
        name_checks::doc(),
        user_passwords::doc(),
        user_self::doc(),
        release_templates::doc(),
        release_plans::doc(),
        release_plan_guards::doc(),
        impact_metrics::doc(),
        impact_charts::doc(),
    ] {
        openapi.merge(area);
    }
    openapi
}

/// A numeric id in a URL path; anything else names nothing (404).
pub fn id_in_path(text: &str, what: &str) -> ApiResult<i64> {
    text.parse()
        .map_err(|_| ApiError::NotFound(format!("Could not find {what} {text}")))
}

impl AdminToken {
    /// Who the event log names for this request's changes.
    pub fn actor(&self) -> Actor {
        Actor::named(self.name.clone())
    }
}

/// The project exists and has this environment enabled (for reads; operations
/// check the same inside their transaction).
pub async fn check_project_environment(
    state: &AppState,
    project: &str,
    environment: &str,
) -> ApiResult<()> {
    if !state.store.project_exists(project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    let environments = state.store.project_environments(project).await?;
    if !environments.iter().any(|e| e.name == environment) {
        return Err(ApiError::NotFound(format!(
            "Could not find environment {environment} in project {project}"
        )));
    }
    Ok(())
}

/// A filter of Unleash's search APIs — `IS:a`, `IS_ANY_OF:a,b` or a bare `a` —
/// as the values it admits; another operator is a 400 naming `field`.
pub fn filter_values(text: Option<String>, field: &str) -> ApiResult<Option<Vec<String>>> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let values = match text.split_once(':') {
        Some(("IS", value)) => vec![value.to_owned()],
        Some(("IS_ANY_OF", values)) => values.split(',').map(str::to_owned).collect(),
        Some((operator, _)) if operator.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
            return Err(ApiError::BadData(format!(
                "{field}: the {operator} filter is not supported (use IS: or IS_ANY_OF:)"
            )))
        }
        _ => vec![text],
    };
    Ok(Some(values))
}

/// A search filter that admits one value (`IS:a` or a bare `a`).
pub fn filter_value(text: Option<String>, field: &str) -> ApiResult<Option<String>> {
    match filter_values(text, field)? {
        None => Ok(None),
        Some(mut one) if one.len() == 1 => Ok(one.pop().filter(|v| !v.is_empty())),
        Some(_) => Err(ApiError::BadData(format!("{field}: give one value"))),
    }
}

/// What Unleash's featureSchema shows of one flag, read from the store: its
/// environments, strategies, tags, links, parents and children.
pub struct FlagRows {
    feature: FlagRow,
    environments: Vec<EnvironmentRow>,
    rows: Vec<FlagEnvironmentRow>,
    strategies: Vec<StrategyRow>,
    links: Vec<LinkRow>,
    tags: Vec<Tag>,
    parents: Vec<DependencyRow>,
    children: Vec<DependencyRow>,
}

impl FlagRows {
    pub async fn read(state: &AppState, feature: FlagRow) -> ApiResult<FlagRows> {
        let store = &state.store;
        Ok(FlagRows {
            environments: store.project_environments(&feature.project).await?,
            rows: store.flag_environments(&feature.name).await?,
            strategies: store.strategies(&feature.name, None).await?,
            links: store.flag_links(&feature.name).await?,
            tags: store.flag_tags(&feature.name).await?,
            parents: store.parents_of(&feature.name).await?,
            children: store.children_of(&feature.name).await?,
            feature,
        })
    }

    /// The flag as the API shows one flag.
    pub fn view(&self) -> FlagView<'_> {
        let rows: Vec<&FlagEnvironmentRow> = self.rows.iter().collect();
        let strategies: Vec<&StrategyRow> = self.strategies.iter().collect();
        FlagView::new(&self.feature, &self.environments, &rows, &strategies)
            .with_tags(&self.tags)
            .with_links(&self.links)
            .with_dependencies(&self.parents, &self.children)
    }
}

/// One flag as Unleash's featureSchema, with `status`.
pub async fn flag_answer(
    state: &AppState,
    feature: FlagRow,
    status: StatusCode,
) -> ApiResult<Response> {
    let flag = FlagRows::read(state, feature).await?;
    Ok((status, Json(flag.view())).into_response())
}
