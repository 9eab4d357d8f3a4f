//! The integrations screen's changes: create (the answer shows the signing
//! secret once), save, switch, send a test, delete — each the addons API's
//! operation in the signed-in user's name; a refusal comes back next to the
//! field it names, with what was entered kept.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::form::{provider, IntegrationForm};
use super::{
    integration_page, no_such, refuse_change, scope_names, stored, stored_with_provider, FormPage,
};
use crate::state::AppState;
use crate::ui::feedback::{done, unconfirmed, Ask};
use crate::ui::{message, op_error, render, SignedIn};
use flagstaff_domain::ops::{
    Actor, CreateIntegration, DeleteIntegration, OpError, SendTestNotification, UpdateIntegration,
};

/// The posted form refused by `error`: the form again, the message by its
/// field (400), or the error's own page.
fn refused(mut page: FormPage, error: OpError) -> Response {
    match error {
        OpError::Invalid { field, message } => {
            page.form.attach_error(&field, message);
            render(StatusCode::BAD_REQUEST, &page)
        }
        OpError::Conflict(message) | OpError::InvalidOperation(message) => {
            page.form.error = Some(message);
            render(StatusCode::CONFLICT, &page)
        }
        other => op_error(other, page.nav),
    }
}

/// `POST /integrations`: `CreateIntegration`; the answer is the new
/// integration's page with its signing secret, shown this once.
pub(super) async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, &pairs) {
        return refused;
    }
    let chosen = pairs
        .iter()
        .find(|(k, _)| k == "provider")
        .map_or("", |(_, v)| v.as_str());
    let Some(provider) = provider(chosen) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Not done",
            "Choose a provider on the integrations page.",
            signed.nav(),
        );
    };
    let (projects, environments) = match scope_names(&state).await {
        Ok(names) => names,
        Err(response) => return response,
    };
    let form = IntegrationForm::blank(provider, &projects, &environments).posted(&pairs);
    let input = form.input();
    let page = FormPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        can_edit: true,
        id: None,
        form,
        secret: None,
        paused: None,
        failures: 0,
        attempts: Vec::new(),
    };
    let actor = Actor::named(&signed.user.username);
    let created = match input.checked(state.deliverer.policy()).await {
        Ok(addon) => state.apply(&actor, CreateIntegration { addon }).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(created) => {
            let addon = created.addon;
            let form = IntegrationForm::stored(provider, &addon, &projects, &environments);
            match integration_page(&state, &signed, &addon, form).await {
                Ok(mut page) => {
                    page.secret = Some(addon.signing_secret.clone());
                    render(StatusCode::OK, &page)
                }
                Err(response) => response,
            }
        }
        Err(e) => refused(page, e),
    }
}

/// `POST /integrations/{id}`: `UpdateIntegration` with the form.
pub(super) async fn update(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, &pairs) {
        return refused;
    }
    let (addon, provider) = match stored_with_provider(&state, &signed, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (projects, environments) = match scope_names(&state).await {
        Ok(names) => names,
        Err(response) => return response,
    };
    let form = IntegrationForm::stored(provider, &addon, &projects, &environments).posted(&pairs);
    let input = form.input();
    let actor = Actor::named(&signed.user.username);
    let updated = match input.checked(state.deliverer.policy()).await {
        Ok(checked) => {
            state
                .apply(&actor, UpdateIntegration { id, addon: checked })
                .await
        }
        Err(e) => Err(e),
    };
    match updated {
        Ok(_) => done(&format!("/integrations/{id}"), "Saved the integration."),
        Err(e) => match integration_page(&state, &signed, &addon, form).await {
            Ok(page) => refused(page, e),
            Err(response) => response,
        },
    }
}

/// `POST /integrations/{id}/switch` (`enabled=true|false`): the stored
/// integration with its switch changed (`UpdateIntegration`).
pub(super) async fn switch(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, &pairs) {
        return refused;
    }
    let (addon, provider) = match stored_with_provider(&state, &signed, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let enabled = pairs.iter().any(|(k, v)| k == "enabled" && v == "true");
    let mut form = IntegrationForm::stored(provider, &addon, &addon.projects, &addon.environments);
    form.enabled = enabled;
    let actor = Actor::named(&signed.user.username);
    let switched = match form.input().checked(state.deliverer.policy()).await {
        Ok(checked) => {
            state
                .apply(&actor, UpdateIntegration { id, addon: checked })
                .await
        }
        Err(e) => Err(e),
    };
    let notice = format!(
        "{} integration {id} ({}).",
        if enabled { "Enabled" } else { "Disabled" },
        provider.display_name
    );
    match switched {
        Ok(_) => done("/integrations", &notice),
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /integrations/{id}/test`: `SendTestNotification`; its attempt
/// appears in the delivery log once the worker has sent it.
pub(super) async fn send_test(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, &pairs) {
        return refused;
    }
    let actor = Actor::named(&signed.user.username);
    match state.apply(&actor, SendTestNotification { id }).await {
        Ok(()) => done(
            &format!("/integrations/{id}#deliveries"),
            "Test queued: its attempt appears in the delivery log in a moment (reload to see it).",
        ),
        Err(OpError::NotFound(_)) => no_such(&signed, id),
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /integrations/{id}/delete`: `DeleteIntegration` (with its queued
/// deliveries and its log).
pub(super) async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, &pairs) {
        return refused;
    }
    let addon = match stored(&state, &signed, id).await {
        Ok(addon) => addon,
        Err(response) => return response,
    };
    let name = format!(
        "integration {id} ({})",
        provider(&addon.provider).map_or("unknown provider", |p| p.display_name)
    );
    let question = format!("Delete {name}?");
    let ask = Ask {
        question: &question,
        detail: "Its queued deliveries and its delivery log go with it; nothing more is sent.",
        button: "Delete integration",
        cancel: &format!("/integrations/{id}"),
    };
    if let Some(page) = unconfirmed(
        &pairs,
        &format!("/integrations/{id}/delete"),
        &ask,
        signed.nav(),
    ) {
        return page;
    }
    let actor = Actor::named(&signed.user.username);
    match state.apply(&actor, DeleteIntegration { id }).await {
        Ok(()) => done("/integrations", &format!("Deleted {name}.")),
        Err(OpError::NotFound(_)) => no_such(&signed, id),
        Err(e) => op_error(e, signed.nav()),
    }
}
