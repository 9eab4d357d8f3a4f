//! Signal endpoints (Admins only, as on the admin API): each with its URL,
//! its switch, its tokens (a new one's secret shown once, in the answer
//! page) and the last signals it received; create, switch, delete
//! (confirmed). Every change is the admin API's operation.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::{admins_only, value};
use crate::state::AppState;
use crate::ui::feedback::{done, unconfirmed, Ask};
use crate::ui::{internal, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{
    Actor, CreateSignalEndpoint, CreateSignalToken, DeleteSignalEndpoint, DeleteSignalToken,
    OpError, SignalEndpointInput, SwitchSignalEndpoint,
};
use flagstaff_storage::instant_text;

/// Signals the page shows per endpoint.
const LAST_SIGNALS: i64 = 5;
/// A payload is shown up to this many characters.
const PAYLOAD_CHARS: usize = 300;

struct TokenLine {
    id: i64,
    name: String,
    created: String,
    created_by: String,
}

struct SignalLine {
    at: String,
    token: String,
    payload: String,
}

struct EndpointLine {
    id: i64,
    name: String,
    description: String,
    enabled: bool,
    tokens: Vec<TokenLine>,
    signals: Vec<SignalLine>,
}

#[derive(Template)]
#[template(path = "admin/signals.html")]
struct SignalsPage {
    nav: Option<Nav>,
    csrf: String,
    endpoints: Vec<EndpointLine>,
    name: String,
    description: String,
    name_error: Option<String>,
    error: Option<String>,
}

/// A payload as one line of JSON, cut at [`PAYLOAD_CHARS`].
fn payload_text(payload: &serde_json::Value) -> String {
    if payload.is_null() {
        return "(pruned)".to_owned();
    }
    let text = payload.to_string();
    match text.char_indices().nth(PAYLOAD_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

async fn page(state: &AppState, signed: &SignedIn) -> Result<SignalsPage, Response> {
    let rows = state.store.signal_endpoints().await.map_err(internal)?;
    let mut endpoints = Vec::with_capacity(rows.len());
    for e in rows {
        let tokens = state.store.signal_tokens(e.id).await.map_err(internal)?;
        let signals = state
            .store
            .signals(e.id, LAST_SIGNALS, 0)
            .await
            .map_err(internal)?;
        endpoints.push(EndpointLine {
            id: e.id,
            name: e.name,
            description: e.description.unwrap_or_default(),
            enabled: e.enabled,
            tokens: tokens
                .into_iter()
                .map(|t| TokenLine {
                    id: t.id,
                    name: t.name,
                    created: instant_text(&t.created_at),
                    created_by: t.created_by,
                })
                .collect(),
            signals: signals
                .into_iter()
                .map(|s| SignalLine {
                    at: instant_text(&s.created_at),
                    token: s.token_name,
                    payload: payload_text(&s.payload),
                })
                .collect(),
        });
    }
    Ok(SignalsPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        endpoints,
        name: String::new(),
        description: String::new(),
        name_error: None,
        error: None,
    })
}

/// `GET /signals`.
pub async fn list(State(state): State<AppState>, signed: SignedIn) -> Response {
    if let Some(refused) = admins_only(&signed, "signal endpoints") {
        return refused;
    }
    match page(&state, &signed).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

/// A refusal of the form at the bottom: the page again with the message.
async fn refused(
    state: &AppState,
    signed: &SignedIn,
    pairs: &[(String, String)],
    error: OpError,
) -> Response {
    let mut again = match page(state, signed).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    again.name = value(pairs, "name").trim().to_owned();
    again.description = value(pairs, "description").trim().to_owned();
    let status = crate::error::op_status(&error);
    match error {
        OpError::Invalid { field, message } if field.first_field() == Some("name") => {
            again.name_error = Some(message);
        }
        OpError::Invalid { message, .. }
        | OpError::Conflict(message)
        | OpError::InvalidOperation(message) => again.error = Some(message),
        other => return op_error(other, signed.nav()),
    }
    render(status, &again)
}

/// `POST /signals`: `CreateSignalEndpoint`.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = super::refuse(&signed, &pairs, "signal endpoints") {
        return refused;
    }
    let description = value(&pairs, "description").trim();
    let endpoint = SignalEndpointInput {
        name: value(&pairs, "name").trim().to_owned(),
        description: (!description.is_empty()).then(|| description.to_owned()),
        enabled: Some(true),
    };
    let actor = Actor::named(&signed.user.username);
    match state.apply(&actor, CreateSignalEndpoint { endpoint }).await {
        Ok(row) => done(
            "/signals",
            &format!(
                "Created the signal endpoint “{}”: give it a token.",
                row.name
            ),
        ),
        Err(e) => refused(&state, &signed, &pairs, e).await,
    }
}

/// `POST /signals/{id}/switch` (`enabled=true|false`).
pub async fn switch(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = super::refuse(&signed, &pairs, "signal endpoints") {
        return refused;
    }
    let enabled = value(&pairs, "enabled") == "true";
    let actor = Actor::named(&signed.user.username);
    match state
        .apply(&actor, SwitchSignalEndpoint { id, enabled })
        .await
    {
        Ok(row) => done(
            "/signals",
            &format!(
                "{} the signal endpoint “{}”.",
                if enabled { "Enabled" } else { "Disabled" },
                row.name
            ),
        ),
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /signals/{id}/delete`: `DeleteSignalEndpoint` (refused while an
/// action set listens to it).
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = super::refuse(&signed, &pairs, "signal endpoints") {
        return refused;
    }
    let name = match state.store.signal_endpoint(id).await {
        Ok(endpoint) => endpoint.map_or_else(|| id.to_string(), |e| e.name),
        Err(e) => return internal(e),
    };
    let question = format!("Delete the signal endpoint “{name}”?");
    let ask = Ask {
        question: &question,
        detail: "Its tokens and the signals it received go with it.",
        button: "Delete endpoint",
        cancel: "/signals",
    };
    if let Some(page) = unconfirmed(&pairs, &format!("/signals/{id}/delete"), &ask, signed.nav()) {
        return page;
    }
    let actor = Actor::named(&signed.user.username);
    match state.apply(&actor, DeleteSignalEndpoint { id }).await {
        Ok(()) => done(
            "/signals",
            &format!("Deleted the signal endpoint “{name}”."),
        ),
        Err(e) => op_error(e, signed.nav()),
    }
}

#[derive(Template)]
#[template(path = "admin/signal_token.html")]
struct TokenCreated {
    nav: Option<Nav>,
    endpoint: String,
    name: String,
    secret: String,
}

/// `POST /signals/{id}/tokens`: `CreateSignalToken`; the answer shows the
/// secret, this once.
pub async fn create_token(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = super::refuse(&signed, &pairs, "signal endpoints") {
        return refused;
    }
    let operation = CreateSignalToken {
        endpoint_id: id,
        name: value(&pairs, "name").trim().to_owned(),
    };
    let actor = Actor::named(&signed.user.username);
    match state.apply(&actor, operation).await {
        Ok(created) => {
            let endpoint = match state.store.signal_endpoint(id).await {
                Ok(endpoint) => endpoint.map(|e| e.name).unwrap_or_default(),
                Err(e) => return internal(e),
            };
            render(
                StatusCode::OK,
                &TokenCreated {
                    nav: signed.nav(),
                    endpoint,
                    name: created.row.name,
                    secret: created.secret,
                },
            )
        }
        Err(e @ (OpError::Invalid { .. } | OpError::Conflict(_))) => {
            refused(&state, &signed, &[], e).await
        }
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /signals/{id}/tokens/{token}/delete`: `DeleteSignalToken`.
pub async fn delete_token(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((endpoint_id, token_id)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = super::refuse(&signed, &pairs, "signal endpoints") {
        return refused;
    }
    let name = match state.store.signal_tokens(endpoint_id).await {
        Ok(tokens) => tokens
            .into_iter()
            .find(|t| t.id == token_id)
            .map_or_else(|| token_id.to_string(), |t| t.name),
        Err(e) => return internal(e),
    };
    let question = format!("Delete the signal token “{name}”?");
    let ask = Ask {
        question: &question,
        detail: "Whoever sends signals with it is refused from then on.",
        button: "Delete token",
        cancel: "/signals",
    };
    let action = format!("/signals/{endpoint_id}/tokens/{token_id}/delete");
    if let Some(page) = unconfirmed(&pairs, &action, &ask, signed.nav()) {
        return page;
    }
    let actor = Actor::named(&signed.user.username);
    let operation = DeleteSignalToken {
        endpoint_id,
        token_id,
    };
    match state.apply(&actor, operation).await {
        Ok(()) => done("/signals", &format!("Deleted the signal token “{name}”.")),
        Err(e) => op_error(e, signed.nav()),
    }
}
