//! The integrations screen (Unleash's addons): the list with how each one's
//! deliveries go, a form per provider drawn from the providers' own
//! description (`form.rs`), enable/disable, delete (confirmed), a test
//! notification sent through the delivery worker like any event, and the
//! delivery log of each integration (every attempt: when, outcome, HTTP
//! status, latency, error, next retry). Every change is the addons API's
//! operation in the signed-in user's name; Viewers see it without controls.

mod changes;
mod form;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::state::AppState;
use crate::ui::{internal, message, minute, render, Nav, SignedIn};
use flagstaff_domain::integrations::{Provider, PROVIDERS};
use flagstaff_storage::{AttemptRow, IntegrationRow, StorageError};
use form::{provider, IntegrationForm};

/// Attempts the page shows (the API pages further).
const LOG_LINES: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/integrations", get(list).post(changes::create))
        .route("/integrations/new", get(new_form))
        .route("/integrations/{id}", get(page).post(changes::update))
        .route("/integrations/{id}/switch", post(changes::switch))
        .route("/integrations/{id}/test", post(changes::send_test))
        .route("/integrations/{id}/delete", post(changes::delete))
}

/// One integration in the list.
struct Line {
    id: i64,
    provider: &'static str,
    description: String,
    enabled: bool,
    events: usize,
    /// `Paused until …` while its circuit is open.
    paused: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/integrations.html")]
struct ListPage {
    nav: Option<Nav>,
    csrf: String,
    can_edit: bool,
    integrations: Vec<Line>,
    providers: &'static [Provider],
}

fn display_name(provider: &str) -> &'static str {
    form::provider(provider).map_or("Unknown provider", |p| p.display_name)
}

/// `GET /integrations`.
async fn list(State(state): State<AppState>, signed: SignedIn) -> Response {
    let addons = match state.store.integrations().await {
        Ok(addons) => addons,
        Err(e) => return internal(e),
    };
    let integrations = addons
        .into_iter()
        .map(|a| Line {
            id: a.id,
            provider: display_name(&a.provider),
            description: a.description.unwrap_or_default(),
            enabled: a.enabled,
            events: a.events.len(),
            paused: a.circuit.paused_until.as_ref().map(minute),
        })
        .collect();
    render(
        StatusCode::OK,
        &ListPage {
            nav: signed.nav(),
            csrf: signed.csrf.clone(),
            can_edit: signed.role.can_edit(),
            integrations,
            providers: PROVIDERS,
        },
    )
}

/// An instant to the second, date and time apart (so a narrow column wraps
/// between them): `2024-05-01 12:34:56`.
fn seconds(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// One line of the delivery log.
struct Attempt {
    at: String,
    event: String,
    succeeded: bool,
    attempt: i64,
    status: String,
    latency: String,
    details: String,
    next_retry: Option<String>,
}

impl From<AttemptRow> for Attempt {
    fn from(a: AttemptRow) -> Attempt {
        let event = match (a.event_type, a.feature_name) {
            (Some(kind), Some(flag)) => format!("{kind} ({flag})"),
            (Some(kind), None) => kind,
            (None, _) => format!("event {} (gone)", a.event_id),
        };
        Attempt {
            at: seconds(&a.created_at),
            event,
            succeeded: a.succeeded,
            attempt: a.attempt,
            status: a
                .status
                .map_or_else(|| "no answer".to_owned(), |s| format!("HTTP {s}")),
            latency: format!("{} ms", a.latency_ms),
            details: a.details,
            next_retry: a.next_attempt_at.as_ref().map(seconds),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/integration.html")]
struct FormPage {
    nav: Option<Nav>,
    csrf: String,
    can_edit: bool,
    /// The stored integration's id; `None` for a new one.
    id: Option<i64>,
    form: IntegrationForm,
    /// The signing secret, on the page that created it only.
    secret: Option<String>,
    /// `Paused until …` while its circuit is open.
    paused: Option<String>,
    failures: i64,
    attempts: Vec<Attempt>,
}

impl FormPage {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/integrations/{id}"),
            None => "/integrations".to_owned(),
        }
    }
}

/// The names the projects and environments filters offer.
async fn scope_names(state: &AppState) -> Result<(Vec<String>, Vec<String>), Response> {
    let projects = state.store.projects().await.map_err(internal)?;
    let environments = state.store.environments().await.map_err(internal)?;
    Ok((
        projects.into_iter().map(|(id, _, _)| id).collect(),
        environments.into_iter().map(|e| e.name).collect(),
    ))
}

fn refuse_viewer(signed: &SignedIn) -> Option<Response> {
    (!signed.role.can_edit()).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Viewers can look but not change anything.",
            signed.nav(),
        )
    })
}

fn refuse_change(signed: &SignedIn, pairs: &[(String, String)]) -> Option<Response> {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    signed.csrf_refusal(csrf).or_else(|| refuse_viewer(signed))
}

fn no_such(signed: &SignedIn, id: i64) -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Not found",
        &format!("There is no integration {id}."),
        signed.nav(),
    )
}

/// The stored integration `id`, or the page that says there is none.
async fn stored(state: &AppState, signed: &SignedIn, id: i64) -> Result<IntegrationRow, Response> {
    match state.store.integration(id).await {
        Ok(addon) => Ok(addon),
        Err(StorageError::NotFound(_)) => Err(no_such(signed, id)),
        Err(e) => Err(internal(e)),
    }
}

/// The stored integration `id` with its provider's description.
async fn stored_with_provider(
    state: &AppState,
    signed: &SignedIn,
    id: i64,
) -> Result<(IntegrationRow, &'static Provider), Response> {
    let addon = stored(state, signed, id).await?;
    match provider(&addon.provider) {
        Some(provider) => Ok((addon, provider)),
        None => Err(internal(format!(
            "integration {id} has unknown provider {}",
            addon.provider
        ))),
    }
}

/// The page of a stored integration, its form showing `form` (as stored,
/// or as posted and refused).
async fn integration_page(
    state: &AppState,
    signed: &SignedIn,
    addon: &IntegrationRow,
    form: IntegrationForm,
) -> Result<FormPage, Response> {
    let attempts = state
        .store
        .integration_attempts(addon.id, LOG_LINES)
        .await
        .map_err(internal)?;
    Ok(FormPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        can_edit: signed.role.can_edit(),
        id: Some(addon.id),
        form,
        secret: None,
        paused: addon.circuit.paused_until.as_ref().map(minute),
        failures: addon.circuit.failures,
        attempts: attempts.into_iter().map(Attempt::from).collect(),
    })
}

#[derive(Deserialize)]
struct NewQuery {
    provider: Option<String>,
}

/// `GET /integrations/new?provider=webhook`.
async fn new_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<NewQuery>,
) -> Response {
    if let Some(refused) = refuse_viewer(&signed) {
        return refused;
    }
    let Some(provider) = query.provider.as_deref().and_then(provider) else {
        return message(
            StatusCode::NOT_FOUND,
            "Not found",
            "Choose a provider on the integrations page.",
            signed.nav(),
        );
    };
    let (projects, environments) = match scope_names(&state).await {
        Ok(names) => names,
        Err(response) => return response,
    };
    let page = FormPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        can_edit: true,
        id: None,
        form: IntegrationForm::blank(provider, &projects, &environments),
        secret: None,
        paused: None,
        failures: 0,
        attempts: Vec::new(),
    };
    render(StatusCode::OK, &page)
}

/// `GET /integrations/{id}`: the form, the test button and the delivery log.
async fn page(State(state): State<AppState>, signed: SignedIn, Path(id): Path<i64>) -> Response {
    let (addon, provider) = match stored_with_provider(&state, &signed, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (projects, environments) = match scope_names(&state).await {
        Ok(names) => names,
        Err(response) => return response,
    };
    let form = IntegrationForm::stored(provider, &addon, &projects, &environments);
    match integration_page(&state, &signed, &addon, form).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}
