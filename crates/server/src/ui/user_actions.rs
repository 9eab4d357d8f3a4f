//! What the users screen does to one user (Admins only, with the session's
//! CSRF token): change the role, deactivate or reactivate, make a password
//! reset link (shown once, on the users page that answers), delete (the form
//! carries `data-confirm`). The operations are the admin API's, so the
//! last Admin is never demoted, deactivated or deleted (409, said on the page).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::feedback::{done, unconfirmed, Ask};
use super::users::{admins_only, page};
use super::{internal, message, op_error, render, SignedIn};
use crate::state::AppState;
use flagstaff_domain::ops::{
    Actor, CreateResetLink, DeleteUser, Operation, RootRole, SetUserActive, UpdateUser,
};

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    role: String,
    #[serde(default)]
    active: String,
}

/// The checks every action makes first: CSRF, Admin, a numeric id.
fn refused(signed: &SignedIn, form: &ActionForm, id: &str) -> Result<i64, Box<Response>> {
    if let Some(refused) = signed.csrf_refusal(form.csrf.as_deref()) {
        return Err(Box::new(refused));
    }
    if let Some(refused) = admins_only(signed) {
        return Err(Box::new(refused));
    }
    id.parse().map_err(|_| {
        Box::new(message(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such user.",
            signed.nav(),
        ))
    })
}

/// Applies `operation` in the signed-in Admin's name, then back to `/users`
/// with `notice`.
async fn apply_then_list<O>(
    state: &AppState,
    signed: &SignedIn,
    operation: O,
    notice: &str,
) -> Response
where
    O: Operation,
{
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(_) => done("/users", notice),
        Err(e) => op_error(e, signed.nav()),
    }
}

/// The username of user `id` (the id itself when there is no such user:
/// the operation then answers why).
async fn username(state: &AppState, id: i64) -> Result<String, Response> {
    match state.store.user_by_id(id).await {
        Ok(user) => Ok(user.map_or_else(|| id.to_string(), |u| u.username)),
        Err(e) => Err(internal(e)),
    }
}

/// `POST /users/{id}/role`.
pub async fn role(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    let id = match refused(&signed, &form, &id) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let Some(role) = RootRole::parse(&form.role) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Not done",
            "Choose Admin, Editor or Viewer.",
            signed.nav(),
        );
    };
    let name = match username(&state, id).await {
        Ok(name) => name,
        Err(response) => return response,
    };
    let operation = UpdateUser {
        id,
        email: None,
        name: None,
        root_role: Some(role),
    };
    let notice = format!("{name} is now {}.", role.as_str());
    apply_then_list(&state, &signed, operation, &notice).await
}

/// `POST /users/{id}/active` (`active=yes` or `no`).
pub async fn active(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    let id = match refused(&signed, &form, &id) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let active = match form.active.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return message(
                StatusCode::BAD_REQUEST,
                "Not done",
                "Say whether the user is to be active (yes or no).",
                signed.nav(),
            )
        }
    };
    let name = match username(&state, id).await {
        Ok(name) => name,
        Err(response) => return response,
    };
    let notice = if active {
        format!("Reactivated {name}.")
    } else {
        format!("Deactivated {name}: their sessions and tokens no longer work.")
    };
    apply_then_list(&state, &signed, SetUserActive { id, active }, &notice).await
}

/// `POST /users/{id}/delete`, after a confirmation (a page without
/// JavaScript, a dialog with it).
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = ActionForm {
        csrf: pairs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.clone()),
        role: String::new(),
        active: String::new(),
    };
    let id = match refused(&signed, &form, &id) {
        Ok(id) => id,
        Err(response) => return *response,
    };
    let name = match username(&state, id).await {
        Ok(name) => name,
        Err(response) => return response,
    };
    let question = format!("Delete user “{name}”?");
    let ask = Ask {
        question: &question,
        detail: "Their sessions and personal access tokens stop working; their events stay.",
        button: "Delete user",
        cancel: "/users",
    };
    let action = format!("/users/{id}/delete");
    if let Some(page) = unconfirmed(&pairs, &action, &ask, signed.nav()) {
        return page;
    }
    let notice = format!("Deleted the user {name}.");
    apply_then_list(&state, &signed, DeleteUser { id }, &notice).await
}

/// `POST /users/{id}/reset`: the users page with the new link, shown once.
pub async fn reset(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    match refused(&signed, &form, &id) {
        Ok(id) => with_reset_link(&state, &signed, id).await,
        Err(response) => *response,
    }
}

/// Makes a reset link for user `id` and answers the users page showing it.
pub(super) async fn with_reset_link(state: &AppState, signed: &SignedIn, id: i64) -> Response {
    let link = match state
        .apply(
            &Actor::named(&signed.user.username),
            CreateResetLink { user_id: id },
        )
        .await
    {
        Ok(link) => link,
        Err(e) => return op_error(e, signed.nav()),
    };
    let mut again = match page(state, signed).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    again.reset_link = Some((
        link.user.username,
        crate::api::admin::reset_url(state, &link.secret),
    ));
    render(StatusCode::OK, &again)
}
