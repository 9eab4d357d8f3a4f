//! The profile page's personal access tokens: a form that creates one (its
//! secret shown once, on the page the POST answers — so, unlike other forms,
//! a success renders instead of redirecting), and a delete button per token.
//! Every role has its own PATs (a PAT can do only what its user's role
//! allows); both go through the operations the admin API applies.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::feedback::{done, unconfirmed, Ask};
use super::pages::ProfilePage;
use super::{internal, message, op_error, render, SignedIn};
use crate::state::AppState;
use flagstaff_domain::ops::pats::{check_description, parse_expiry};
use flagstaff_domain::ops::{Actor, CreatePat, DeletePat, OpError};

#[derive(Deserialize)]
pub struct NewPatForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    expires_at: String,
}

/// `POST /profile/tokens`: creates a PAT and shows its secret once; a mistake
/// re-renders the form (400) with the message next to its field.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<NewPatForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(form.csrf.as_deref()) {
        return refused;
    }
    let mut page = match ProfilePage::load(&state, &signed).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    page.pat_description = form.description.trim().to_owned();
    page.pat_expires = form.expires_at.trim().to_owned();
    if let Err(e) = check_description(&form.description) {
        page.pat_description_error = Some(e.to_string());
        return render(StatusCode::BAD_REQUEST, &page);
    }
    if let Err(e) = parse_expiry(&form.expires_at, state.clock.now()) {
        page.pat_expires_error = Some(e.to_string());
        return render(StatusCode::BAD_REQUEST, &page);
    }
    let operation = CreatePat {
        user_id: signed.user.id,
        description: form.description,
        expires_at: form.expires_at,
    };
    let status = match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(created) => {
            let mut shown = match ProfilePage::load(&state, &signed).await {
                Ok(page) => page,
                Err(response) => return response,
            };
            shown.new_secret = Some(created.secret);
            return render(StatusCode::CREATED, &shown);
        }
        Err(OpError::Conflict(e)) => {
            page.pat_description_error = Some(e);
            StatusCode::CONFLICT
        }
        Err(OpError::Denied(e)) => {
            page.pat_description_error = Some(e);
            StatusCode::FORBIDDEN
        }
        Err(e) => return op_error(e, signed.nav()),
    };
    render(status, &page)
}

/// `POST /profile/tokens/:id/delete`: deletes one of the user's PATs.
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    if let Some(refused) = signed.csrf_refusal(csrf) {
        return refused;
    }
    let not_found = || {
        message(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such personal access token.",
            signed.nav(),
        )
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found();
    };
    // Only the user's own: another's id is not found, confirmed or not.
    let description = match state.store.pats_of_user(signed.user.id).await {
        Ok(pats) => match pats.into_iter().find(|p| p.id == id) {
            Some(pat) => pat.description,
            None => return not_found(),
        },
        Err(e) => return internal(e),
    };
    let question = format!("Delete your personal access token “{description}”?");
    let ask = Ask {
        question: &question,
        detail: "Scripts that use it are refused from then on.",
        button: "Delete token",
        cancel: "/profile",
    };
    let action = format!("/profile/tokens/{id}/delete");
    if let Some(page) = unconfirmed(&fields, &action, &ask, signed.nav()) {
        return page;
    }
    let operation = DeletePat {
        user_id: signed.user.id,
        id,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(_) => done(
            "/profile",
            &format!("Deleted your personal access token “{description}”."),
        ),
        Err(e) => op_error(e, signed.nav()),
    }
}
