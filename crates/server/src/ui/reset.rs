//! The page a password reset link opens (`/reset-password?token=`, made by
//! an Admin on the users screen or through the API): a form that sets the
//! password with the same operation as `POST /auth/reset/password`, which
//! uses the link up; then the user signs in.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::{busy, internal, message, op_error, render, Nav};
use crate::state::AppState;
use flagstaff_domain::hash_secret;
use flagstaff_domain::ops::user_admin::reset_usable;
use flagstaff_domain::ops::{Actor, HashedPassword, OpError, ResetPassword};
use flagstaff_storage::UserRow;

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetPage {
    nav: Option<Nav>,
    token: String,
    username: String,
    password_error: Option<String>,
    confirm_error: Option<String>,
}

fn not_valid() -> Response {
    message(
        StatusCode::UNAUTHORIZED,
        "Link not valid",
        "This reset link was used, expired, or never existed. Ask an Admin for a new one.",
        None,
    )
}

/// The link's user while the link can be used.
async fn link_user(state: &AppState, token: &str) -> Result<UserRow, Response> {
    let found = state
        .store
        .password_reset(&hash_secret(token))
        .await
        .map_err(internal)?;
    let now = state.clock.now();
    match found.filter(|(r, u)| reset_usable(r, u, now)) {
        Some((_, user)) => Ok(user),
        None => Err(not_valid()),
    }
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /reset-password?token=`.
pub async fn form(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    match link_user(&state, &query.token).await {
        Ok(user) => render(
            StatusCode::OK,
            &ResetPage {
                nav: None,
                token: query.token,
                username: user.username,
                password_error: None,
                confirm_error: None,
            },
        ),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /reset-password`: sets the password, then on to the sign-in page.
pub async fn submit(State(state): State<AppState>, Form(form): Form<ResetForm>) -> Response {
    let user = match link_user(&state, &form.token).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let mut page = ResetPage {
        nav: None,
        token: form.token.clone(),
        username: user.username.clone(),
        password_error: None,
        confirm_error: None,
    };
    if form.password != form.confirm {
        page.confirm_error = Some("The two passwords differ".to_owned());
        return render(StatusCode::BAD_REQUEST, &page);
    }
    let password = match HashedPassword::hash(&form.password).await {
        Ok(password) => password,
        Err(OpError::Busy(why)) => return busy(&why, None),
        Err(e) => {
            page.password_error = Some(e.to_string());
            return render(StatusCode::BAD_REQUEST, &page);
        }
    };
    let operation = ResetPassword {
        secret: form.token,
        password,
    };
    match state.apply(&Actor::named(&user.username), operation).await {
        Ok(_) => {
            if let Err(e) = state.domain().delete_other_sessions(user.id, "").await {
                return internal(e);
            }
            Redirect::to("/login").into_response()
        }
        Err(OpError::Denied(_)) => not_valid(),
        Err(e) => op_error(e, None),
    }
}
