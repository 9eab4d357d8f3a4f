//! The buttons of the flag's page (`strategies.rs`), each one operation and
//! then back to the page: an environment's on/off switch
//! (`SwitchEnvironment`), deleting a strategy (`RemoveStrategy`) and moving
//! it up or down (`SortStrategies`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::{load_place, refuse_change};
use crate::state::AppState;
use crate::ui::feedback::{done, on_or_off, unconfirmed, Ask, Changed, InPlace};
use crate::ui::plain::strategy_title;
use crate::ui::{internal, message, op_error, SignedIn};
use flagstaff_domain::ops::{
    Actor, RemoveStrategy, SortStrategies, StrategyPlace, SwitchEnvironment,
};

fn page_of(place: &StrategyPlace) -> String {
    format!(
        "/projects/{}/features/{}?environment={}",
        place.project, place.feature, place.environment
    )
}

fn back_to(place: &StrategyPlace) -> Response {
    Redirect::to(&page_of(place)).into_response()
}

#[derive(Deserialize)]
pub struct SwitchForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    /// `true` (switch on) or `false` (off).
    enabled: Option<String>,
}

/// `POST …/environments/{env}/switch`: `SwitchEnvironment`, back to the
/// flag's page with a notice — or, asked in place (`flagstaff.js`), JSON.
pub async fn switch(
    State(state): State<AppState>,
    signed: SignedIn,
    in_place: InPlace,
    Path(path): Path<(String, String, String)>,
    Form(form): Form<SwitchForm>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, form.csrf.as_deref()) {
        return refused;
    }
    let Some(enabled) = on_or_off(form.enabled.as_deref()) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Not done",
            "The form did not say whether to switch on or off.",
            signed.nav(),
        );
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
        Ok(()) => in_place.answer(
            &page_of(&place),
            Changed::switched(place.feature.as_str(), place.environment.as_str(), enabled),
        ),
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

/// `POST …/strategies/{id}/delete`: `RemoveStrategy`, once confirmed
/// (`feedback::unconfirmed`).
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature, environment, id)): Path<(String, String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    if let Some(refused) = refuse_change(&signed, csrf) {
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
    let stored = match state
        .store
        .strategies(place.feature.as_str(), Some(place.environment.as_str()))
        .await
    {
        Ok(stored) => stored,
        Err(e) => return internal(e),
    };
    let Some((index, strategy)) = stored.iter().enumerate().find(|(_, s)| s.id == id) else {
        return message(
            StatusCode::NOT_FOUND,
            "No such strategy",
            "The flag has no such strategy in this environment.",
            signed.nav(),
        );
    };
    let title = strategy_title(&strategy.values);
    let question = format!(
        "Delete strategy {} ({title}) of {} in {}?",
        index + 1,
        place.feature,
        place.environment
    );
    let ask = Ask {
        question: &question,
        detail: "The flag is then evaluated by its other strategies.",
        button: "Delete strategy",
        cancel: &page_of(&place),
    };
    let action = format!(
        "/projects/{}/features/{}/environments/{}/strategies/{id}/delete",
        place.project, place.feature, place.environment
    );
    if let Some(page) = unconfirmed(&fields, &action, &ask, signed.nav()) {
        return page;
    }
    let operation = RemoveStrategy {
        place: place.clone(),
        id,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => done(
            &page_of(&place),
            &format!("Deleted the strategy {title} in {}.", place.environment),
        ),
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
    let moved = if other < at { "up" } else { "down" };
    ids.swap(at, other);
    let operation = SortStrategies {
        place: place.clone(),
        orders: ids.into_iter().zip(0i64..).collect(),
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => done(
            &page_of(&place),
            &format!("Moved strategy {} {moved}.", at + 1),
        ),
        Err(e) => op_error(e, signed.nav()),
    }
}
