//! Environments: the list (type, on or off, sort order), a create form, and
//! the switch that turns an environment on or off for every project.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::{field, not_found, refuse_change};
use crate::state::AppState;
use crate::ui::feedback::done;
use crate::ui::{internal, message, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{
    Actor, CreateEnvironment, EnvironmentName, OpError, SetEnvironmentEnabled,
};
use flagstaff_storage::EnvironmentRow;

#[derive(Template)]
#[template(path = "admin/environments.html")]
struct EnvironmentsPage {
    nav: Option<Nav>,
    csrf: String,
    can_edit: bool,
    /// Every environment (a handful, never paged).
    environments: Vec<EnvironmentRow>,
    name: String,
    kind: String,
    sort_order: String,
    name_error: Option<String>,
    kind_error: Option<String>,
    sort_order_error: Option<String>,
}

async fn page(state: &AppState, signed: &SignedIn) -> Result<EnvironmentsPage, Response> {
    Ok(EnvironmentsPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        can_edit: signed.role.can_edit(),
        environments: state.store.environments().await.map_err(internal)?,
        name: String::new(),
        kind: "development".to_owned(),
        sort_order: String::new(),
        name_error: None,
        kind_error: None,
        sort_order_error: None,
    })
}

/// `GET /environments`.
pub async fn list(State(state): State<AppState>, signed: SignedIn) -> Response {
    match page(&state, &signed).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

/// `POST /environments`: `CreateEnvironment`.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    let mut again = match page(&state, &signed).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    again.name = field(&pairs, "name").unwrap_or_default().trim().to_owned();
    again.kind = field(&pairs, "type").unwrap_or_default().trim().to_owned();
    again.sort_order = field(&pairs, "sort_order")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let name = match EnvironmentName::parse(&again.name) {
        Ok(name) => name,
        Err(e) => {
            again.name_error = Some(e.to_string());
            return render(StatusCode::BAD_REQUEST, &again);
        }
    };
    let sort_order = if again.sort_order.is_empty() {
        None
    } else {
        match again.sort_order.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                again.sort_order_error = Some("The sort order is a whole number.".to_owned());
                return render(StatusCode::BAD_REQUEST, &again);
            }
        }
    };
    let operation = CreateEnvironment {
        name,
        kind: again.kind.clone(),
        sort_order,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(environment) => done(
            "/environments",
            &format!("Created the environment {}.", environment.name),
        ),
        Err(OpError::Invalid { field, message }) => {
            if field.first_field() == Some("type") {
                again.kind_error = Some(message);
            } else {
                again.name_error = Some(message);
            }
            render(StatusCode::BAD_REQUEST, &again)
        }
        Err(OpError::Conflict(why)) => {
            again.name_error = Some(why);
            render(StatusCode::CONFLICT, &again)
        }
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /environments/{name}/switch` with `enabled=true|false`:
/// `SetEnvironmentEnabled`.
pub async fn switch(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    let enabled = match field(&pairs, "enabled") {
        Some("true") => true,
        Some("false") => false,
        _ => {
            return message(
                StatusCode::BAD_REQUEST,
                "Not done",
                "The form did not say whether to turn the environment on or off.",
                signed.nav(),
            )
        }
    };
    let Ok(name) = EnvironmentName::in_path(&name) else {
        return not_found(&signed, "There is no such environment.");
    };
    let state_word = if enabled { "on" } else { "off" };
    let notice = format!("Turned the environment {name} {state_word}.");
    match state
        .apply(
            &Actor::named(&signed.user.username),
            SetEnvironmentEnabled { name, enabled },
        )
        .await
    {
        Ok(()) => done("/environments", &notice),
        Err(e) => op_error(e, signed.nav()),
    }
}
