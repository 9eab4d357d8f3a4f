//! The flag's page (the "strategies" tab): name, description and type; per
//! environment its on/off switch and its strategies in evaluation order,
//! each readable at a glance, with edit, delete and move up/down buttons.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::variant_rows::percent;
use super::{load_flag, load_place, refuse_change};
use crate::state::AppState;
use crate::ui::{internal, message, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{
    Actor, RemoveStrategy, SortStrategies, StrategyPlace, SwitchEnvironment,
};
use flagstaff_storage::StrategyRow;

pub struct EnvironmentLink {
    pub name: String,
    pub url: String,
    pub current: bool,
    pub on: bool,
}

/// One strategy as the page shows it.
pub struct StrategyCard {
    pub name: String,
    pub title: Option<String>,
    pub disabled: bool,
    /// ("Rollout", "50%"), ("Stickiness", "sessionId"), …
    pub parameters: Vec<(String, String)>,
    /// `environment NOT_IN production`
    pub constraints: Vec<String>,
    pub segments: Vec<String>,
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
    description: Option<String>,
    flag_type: String,
    stale: bool,
    environments: Vec<EnvironmentLink>,
    environment: Option<String>,
    enabled: bool,
    switch: String,
    strategies: Vec<StrategyCard>,
    add: String,
    can_edit: bool,
    csrf: String,
}

#[derive(Deserialize)]
pub struct EnvironmentQuery {
    pub environment: Option<String>,
}

/// A constraint as one line: `contextName OPERATOR values`, with its flags.
fn constraint_line(c: &flagstaff_engine::document::Constraint) -> String {
    let values = match &c.value {
        Some(value) if c.values.is_empty() => value.clone(),
        _ => c.values.join(", "),
    };
    let mut line = format!(
        "{}{} {} {values}",
        if c.inverted { "NOT " } else { "" },
        c.context_name,
        c.operator
    );
    if c.case_insensitive {
        line.push_str(" (case-insensitive)");
    }
    line
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
    let label = |key: &str| match key {
        "rollout" => "Rollout".to_owned(),
        "stickiness" => "Stickiness".to_owned(),
        other => other.to_owned(),
    };
    let parameters = v
        .parameters
        .iter()
        .map(|(key, value)| {
            let shown = if key == "rollout" {
                format!("{value}%")
            } else {
                value.clone()
            };
            (label(key), shown)
        })
        .collect();
    StrategyCard {
        name: v.name.clone(),
        title: v.title.clone().filter(|t| !t.is_empty()),
        disabled: v.disabled,
        parameters,
        constraints: v.constraints.iter().map(constraint_line).collect(),
        segments: v
            .segments
            .iter()
            .map(|id| {
                segment_names
                    .iter()
                    .find(|(known, _)| known == id)
                    .map_or_else(|| format!("segment {id}"), |(_, name)| name.clone())
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
    Path((project, feature)): Path<(String, String)>,
    Query(query): Query<EnvironmentQuery>,
) -> Response {
    let flag = match load_flag(&state, &signed, &project, &feature).await {
        Ok(flag) => flag,
        Err(response) => return response,
    };
    let environment = flag.environment(query.environment.as_deref());
    let rows = match state.store.feature_environments(flag.name.as_str()).await {
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
    let url = flag.url();
    render(
        StatusCode::OK,
        &FlagPage {
            nav: signed.nav(),
            project: flag.project.to_string(),
            feature: flag.name.to_string(),
            tab: "strategies",
            description: flag.row.description.clone().filter(|d| !d.is_empty()),
            flag_type: flag.row.feature_type.clone(),
            stale: flag.row.stale,
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
            can_edit: signed.role.can_edit(),
            csrf: signed.csrf.clone(),
        },
    )
}

fn back_to(place: &StrategyPlace) -> Response {
    Redirect::to(&format!(
        "/projects/{}/features/{}?environment={}",
        place.project, place.feature, place.environment
    ))
    .into_response()
}

#[derive(Deserialize)]
pub struct SwitchForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    /// `true` (switch on) or `false` (off).
    enabled: Option<String>,
}

/// `POST …/environments/{env}/switch`: `SwitchEnvironment`, back to the flag's page.
pub async fn switch(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(path): Path<(String, String, String)>,
    Form(form): Form<SwitchForm>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, form.csrf.as_deref()) {
        return refused;
    }
    let enabled = match form.enabled.as_deref() {
        Some("true") => true,
        Some("false") => false,
        _ => {
            return message(
                StatusCode::BAD_REQUEST,
                "Not done",
                "The form did not say whether to switch on or off.",
                signed.nav(),
            )
        }
    };
    let (flag, environment) = match load_place(&state, &signed, &path).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let place = StrategyPlace {
        project: flag.project,
        feature: flag.name,
        environment,
    };
    let operation = SwitchEnvironment {
        project: place.project.clone(),
        name: place.feature.clone(),
        environment: place.environment.clone(),
        enabled,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => back_to(&place),
        Err(e) => op_error(e, signed.nav()),
    }
}

#[derive(Deserialize)]
pub struct StrategyButton {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    /// For moves: `up` or `down`.
    direction: Option<String>,
}

/// `POST …/strategies/{id}/delete`: `RemoveStrategy`.
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature, environment, id)): Path<(String, String, String, String)>,
    Form(form): Form<StrategyButton>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, form.csrf.as_deref()) {
        return refused;
    }
    let (flag, environment) =
        match load_place(&state, &signed, &(project, feature, environment)).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let place = StrategyPlace {
        project: flag.project,
        feature: flag.name,
        environment,
    };
    let operation = RemoveStrategy {
        place: place.clone(),
        id,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => back_to(&place),
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST …/strategies/{id}/move` (`direction=up|down`): the strategy changes
/// places with its neighbour, and the environment's strategies are numbered
/// in the new order through `SortStrategies` (the operation behind
/// `…/strategies/set-sort-order`).
pub async fn move_strategy(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature, environment, id)): Path<(String, String, String, String)>,
    Form(form): Form<StrategyButton>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, form.csrf.as_deref()) {
        return refused;
    }
    let (flag, environment) =
        match load_place(&state, &signed, &(project, feature, environment)).await {
            Ok(found) => found,
            Err(response) => return response,
        };
    let place = StrategyPlace {
        project: flag.project,
        feature: flag.name,
        environment,
    };
    let mut ids: Vec<String> = match state
        .store
        .strategies(place.feature.as_str(), Some(place.environment.as_str()))
        .await
    {
        Ok(strategies) => strategies.into_iter().map(|s| s.id).collect(),
        Err(e) => return internal(e),
    };
    let Some(at) = ids.iter().position(|s| *s == id) else {
        return message(
            StatusCode::NOT_FOUND,
            "No such strategy",
            "The flag has no such strategy in this environment.",
            signed.nav(),
        );
    };
    let other = match form.direction.as_deref() {
        Some("up") => at.checked_sub(1),
        Some("down") => Some(at + 1).filter(|o| *o < ids.len()),
        _ => {
            return message(
                StatusCode::BAD_REQUEST,
                "Not done",
                "The form did not say whether to move up or down.",
                signed.nav(),
            )
        }
    };
    let Some(other) = other else {
        // Already first (or last): nothing to do.
        return back_to(&place);
    };
    ids.swap(at, other);
    let operation = SortStrategies {
        place: place.clone(),
        orders: ids.into_iter().zip(0i64..).collect(),
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => back_to(&place),
        Err(e) => op_error(e, signed.nav()),
    }
}
