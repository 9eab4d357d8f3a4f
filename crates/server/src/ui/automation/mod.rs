//! The automation screens: signal endpoints with their tokens and the
//! signals they received (`signals.rs`, Admins only, as on the admin API),
//! and action sets with their match, their actions and their runs
//! (`actions.rs`, form in `action_form.rs`; Editors and Admins change them).
//! Every change is the admin API's operation in the signed-in user's name.

mod action_form;
mod actions;
mod runs;
mod signals;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;
use crate::ui::{message, SignedIn};
use flagstaff_domain::ops::RootRole;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signals", get(signals::list).post(signals::create))
        .route("/signals/{id}/switch", post(signals::switch))
        .route("/signals/{id}/delete", post(signals::delete))
        .route("/signals/{id}/tokens", post(signals::create_token))
        .route(
            "/signals/{id}/tokens/{token}/delete",
            post(signals::delete_token),
        )
        .route("/actions", get(actions::list).post(actions::create))
        .route("/actions/new", get(actions::new_form))
        .route(
            "/actions/{project}/{id}",
            get(actions::edit_form).post(actions::update),
        )
        .route("/actions/{project}/{id}/switch", post(actions::switch))
        .route("/actions/{project}/{id}/delete", post(actions::delete))
}

/// The first value of `key` in a form posted as pairs ("" when absent).
fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// A 403 unless the user is an Admin.
fn admins_only(signed: &SignedIn, what: &str) -> Option<Response> {
    (signed.role != RootRole::Admin).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            &format!("Only Admins manage {what}."),
            signed.nav(),
        )
    })
}

/// A 403 unless the form carries the session's CSRF token and the user is
/// an Admin.
fn refuse(signed: &SignedIn, pairs: &[(String, String)], what: &str) -> Option<Response> {
    signed
        .csrf_refusal(Some(value(pairs, "_csrf")))
        .or_else(|| admins_only(signed, what))
}

/// A 403 unless the form carries the session's CSRF token and the user may
/// change things (Admin or Editor).
fn refuse_change(signed: &SignedIn, pairs: &[(String, String)]) -> Option<Response> {
    signed
        .csrf_refusal(Some(value(pairs, "_csrf")))
        .or_else(|| refuse_viewer(signed))
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
