//! The profile page: who is signed in, the password change, and the list
//! and form of personal access tokens (whose routes are `ui/pats.rs`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::{busy, internal, op_error, render, Nav, SignedIn};
use crate::state::AppState;
use flagstaff_domain::ops::passwords;
use flagstaff_domain::ops::{Actor, ChangePassword, HashedPassword, OpError};
use flagstaff_storage::PatRow;

#[derive(Template)]
#[template(path = "profile.html")]
pub(super) struct ProfilePage {
    nav: Option<Nav>,
    username: String,
    email: Option<String>,
    role: &'static str,
    csrf: String,
    changed: bool,
    old_error: Option<String>,
    new_error: Option<String>,
    confirm_error: Option<String>,
    /// The user's personal access tokens (at most ten).
    pub pats: Vec<PatRow>,
    /// The secret of the PAT just created, shown this once.
    pub new_secret: Option<String>,
    pub pat_description: String,
    pub pat_expires: String,
    pub pat_description_error: Option<String>,
    pub pat_expires_error: Option<String>,
    /// The earliest expiry the date field offers: tomorrow.
    pat_min_expiry: String,
}

impl ProfilePage {
    pub(super) async fn load(state: &AppState, signed: &SignedIn) -> Result<ProfilePage, Response> {
        let tomorrow = state.clock.now().date_naive() + chrono::Days::new(1);
        Ok(ProfilePage {
            nav: signed.nav(),
            username: signed.user.username.clone(),
            email: signed.user.email.clone(),
            role: signed.role.as_str(),
            csrf: signed.csrf.clone(),
            changed: false,
            old_error: None,
            new_error: None,
            confirm_error: None,
            pats: state
                .store
                .pats_of_user(signed.user.id)
                .await
                .map_err(internal)?,
            new_secret: None,
            pat_description: String::new(),
            pat_expires: String::new(),
            pat_description_error: None,
            pat_expires_error: None,
            pat_min_expiry: tomorrow.format("%Y-%m-%d").to_string(),
        })
    }
}

pub async fn profile(State(state): State<AppState>, signed: SignedIn) -> Response {
    match ProfilePage::load(&state, &signed).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    old: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /profile/password`: the old password, the new one twice. Other
/// sessions of the user end; this one stays.
pub async fn change_password(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(form.csrf.as_deref()) {
        return refused;
    }
    let mut page = match ProfilePage::load(&state, &signed).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    match passwords::verify(&signed.user.password_hash, &form.old).await {
        Ok(true) => {}
        Ok(false) => {
            page.old_error = Some("This is not your current password".to_owned());
            return render(StatusCode::BAD_REQUEST, &page);
        }
        Err(refused) => return busy(&refused.to_string(), signed.nav()),
    }
    if form.new != form.confirm {
        page.confirm_error = Some("The two new passwords differ".to_owned());
        return render(StatusCode::BAD_REQUEST, &page);
    }
    let password = match HashedPassword::hash(&form.new).await {
        Ok(password) => password,
        Err(OpError::Busy(why)) => return busy(&why, signed.nav()),
        Err(e) => {
            page.new_error = Some(e.to_string());
            return render(StatusCode::BAD_REQUEST, &page);
        }
    };
    let operation = ChangePassword {
        user_id: signed.user.id,
        password,
    };
    if let Err(e) = state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        return op_error(e, signed.nav());
    }
    if let Err(e) = state
        .domain()
        .delete_other_sessions(signed.user.id, &signed.session_hash)
        .await
    {
        return internal(e);
    }
    page.changed = true;
    render(StatusCode::OK, &page)
}
