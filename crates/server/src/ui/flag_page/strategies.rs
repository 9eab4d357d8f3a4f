//! The flag's page (the "strategies" tab): name, description and type; per
//! environment its on/off switch and its strategies in evaluation order,
//! each readable at a glance, with edit, delete and move up/down buttons
//! (what the buttons do is `page_buttons.rs`, re-exported here for the router).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::variant_rows::percent;
use super::{load_flag_as, Archived};
use crate::state::AppState;
use crate::ui::flag_head::FlagHead;
use crate::ui::plain::{constraint_summary, strategy_summary, strategy_title};
use crate::ui::snippets::{snippets, OpenedAt, Snippet};
use crate::ui::{internal, render, Nav, SignedIn};
use flagstaff_storage::StrategyRow;

pub use super::page_buttons::{delete, move_strategy, switch};

pub struct EnvironmentLink {
    pub name: String,
    pub url: String,
    pub current: bool,
    pub on: bool,
}

/// One strategy as the page shows it, in words (`ui::plain`).
pub struct StrategyCard {
    /// "Gradual rollout", or its title with the kind (for the delete question).
    pub kind: String,
    /// The title it was given, if any.
    pub title: Option<String>,
    /// "Gradual rollout: 50% of sessionId, group delete_survey_flag".
    pub summary: String,
    pub disabled: bool,
    /// "environment is not one of production".
    pub constraints: Vec<String>,
    /// (its page, its name)
    pub segments: Vec<(String, String)>,
    pub variants: Vec<String>,
    pub edit: String,
    pub delete: String,
    pub moves: String,
    pub first: bool,
    pub last: bool,
}

#[derive(Template)]
#[template(path = "flag_strategies.html")]
struct FlagPage {
    nav: Option<Nav>,
    project: String,
    feature: String,
    tab: &'static str,
    head: FlagHead,
    environments: Vec<EnvironmentLink>,
    environment: Option<String>,
    enabled: bool,
    switch: String,
    strategies: Vec<StrategyCard>,
    add: String,
    can_edit: bool,
    /// When the flag was archived: the page is then read-only, with Revive.
    archived: Option<String>,
    /// Whether the user may revive it (Admins and Editors).
    can_revive: bool,
    csrf: String,
    snippets: Vec<Snippet>,
}

#[derive(Deserialize)]
pub struct EnvironmentQuery {
    pub environment: Option<String>,
}

fn variant_line(v: &flagstaff_engine::document::Variant) -> String {
    let mut line = format!(
        "{} — {}% ({}), stickiness {}",
        v.name,
        percent(v.weight),
        v.weight_type.as_deref().unwrap_or("variable"),
        v.stickiness.as_deref().unwrap_or("default"),
    );
    if let Some(payload) = &v.payload {
        line.push_str(&format!(
            ", payload {}: {}",
            payload.payload_type, payload.value
        ));
    }
    line
}

fn card(
    s: &StrategyRow,
    base: &str,
    segment_names: &[(i64, String)],
    first: bool,
    last: bool,
) -> StrategyCard {
    let v = &s.values;
    StrategyCard {
        kind: strategy_title(v),
        title: v.title.clone().filter(|t| !t.trim().is_empty()),
        summary: strategy_summary(&v.name, &v.parameters),
        disabled: v.disabled,
        constraints: v.constraints.iter().map(constraint_summary).collect(),
        segments: v
            .segments
            .iter()
            .map(|id| {
                let name = segment_names
                    .iter()
                    .find(|(known, _)| known == id)
                    .map_or_else(|| format!("segment {id}"), |(_, name)| name.clone());
                (format!("/segments/{id}"), name)
            })
            .collect(),
        variants: v.variants.iter().map(variant_line).collect(),
        edit: format!("{base}/strategies/{}/edit", s.id),
        delete: format!("{base}/strategies/{}/delete", s.id),
        moves: format!("{base}/strategies/{}/move", s.id),
        first,
        last,
    }
}

/// `GET /projects/{p}/features/{f}?environment=NAME` (the first environment by default).
pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    OpenedAt(base): OpenedAt,
    Path((project, feature)): Path<(String, String)>,
    Query(query): Query<EnvironmentQuery>,
) -> Response {
    let flag = match load_flag_as(&state, &signed, &project, &feature, Archived::Shown).await {
        Ok(flag) => flag,
        Err(response) => return response,
    };
    let archived = flag.archived_at();
    let environment = flag.environment(query.environment.as_deref());
    let rows = match state.store.flag_environments(flag.name.as_str()).await {
        Ok(rows) => rows,
        Err(e) => return internal(e),
    };
    let on = |env: &str| rows.iter().any(|r| r.environment == env && r.enabled);
    let mut strategies = Vec::new();
    if let Some(environment) = &environment {
        let stored = match state
            .store
            .strategies(flag.name.as_str(), Some(environment))
            .await
        {
            Ok(stored) => stored,
            Err(e) => return internal(e),
        };
        let segment_names: Vec<(i64, String)> =
            if stored.iter().any(|s| !s.values.segments.is_empty()) {
                match state.store.segments().await {
                    Ok(segments) => segments.into_iter().map(|s| (s.id, s.name)).collect(),
                    Err(e) => return internal(e),
                }
            } else {
                Vec::new()
            };
        let base = format!("{}/environments/{environment}", flag.url());
        let count = stored.len();
        strategies = stored
            .iter()
            .enumerate()
            .map(|(i, s)| card(s, &base, &segment_names, i == 0, i + 1 == count))
            .collect();
    }
    let head = flag.head();
    let url = flag.url();
    render(
        StatusCode::OK,
        &FlagPage {
            nav: signed.nav(),
            project: flag.project.to_string(),
            feature: flag.name.to_string(),
            tab: "strategies",
            head,
            environments: flag
                .environments
                .iter()
                .map(|e| EnvironmentLink {
                    name: e.clone(),
                    url: format!("{url}?environment={e}"),
                    current: environment.as_deref() == Some(e.as_str()),
                    on: on(e),
                })
                .collect(),
            enabled: environment.as_deref().is_some_and(on),
            switch: environment
                .as_deref()
                .map(|e| format!("{url}/environments/{e}/switch"))
                .unwrap_or_default(),
            add: environment
                .as_deref()
                .map(|e| format!("{url}/environments/{e}/strategies/new"))
                .unwrap_or_default(),
            environment,
            strategies,
            can_edit: signed.role.can_edit() && archived.is_none(),
            can_revive: signed.role.can_edit(),
            archived,
            csrf: signed.csrf.clone(),
            snippets: snippets(&base, flag.name.as_str()),
        },
    )
}
