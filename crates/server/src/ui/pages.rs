//! Signing in and out, and the first-run setup page. The profile page is
//! `ui/profile.rs`; these re-exports keep the paths the router uses.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::feedback::from_browser;
use super::{
    busy, failure_refused, internal, message, op_error, render, session_cookie, signed_in,
    start_session, too_many, Nav, SignedIn, SESSION_COOKIE,
};
use crate::client_address::ClientAddress;
use crate::state::AppState;
use flagstaff_domain::hash_secret;
use flagstaff_domain::ops::passwords::{self, HashPermit};
use flagstaff_domain::ops::{Actor, CreateUser, HashedPassword, OpError, RootRole};

pub(super) use super::profile::ProfilePage;
pub use super::profile::{change_password, profile};

/// `GET /`: the flags of the default project when signed in; a browser
/// that is not signed in goes to the sign-in page; an API client (anything
/// that does not ask for HTML: curl, scripts, health checks) gets the page
/// that says what this server is, as `/about` does.
pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match signed_in(&headers, &state).await {
        Ok(Some(_)) => Redirect::to("/projects/default/features").into_response(),
        Ok(None) if from_browser(&headers) => Redirect::to("/login").into_response(),
        Ok(None) => render(StatusCode::OK, &AboutPage { nav: None }),
        Err(response) => response,
    }
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    nav: Option<Nav>,
}

/// `GET /about`: what this server is and where its APIs are.
pub async fn about(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match signed_in(&headers, &state).await {
        Ok(signed) => render(
            StatusCode::OK,
            &AboutPage {
                nav: signed.and_then(|s| s.nav()),
            },
        ),
        Err(response) => response,
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<Nav>,
    login: String,
    error: Option<String>,
}

pub async fn login_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match signed_in(&headers, &state).await {
        Ok(Some(_)) => Redirect::to("/").into_response(),
        Ok(None) => render(
            StatusCode::OK,
            &LoginPage {
                nav: None,
                login: String::new(),
                error: None,
            },
        ),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

/// `POST /login`: a wrong username or password re-renders the form (the
/// username kept). Each attempt is counted by the sign-in throttle
/// (`quota::SignIns`: per address and login, per login, and the address's
/// failed-authentication budget) *before* the password is hashed, and the
/// hash waits for a permit (`ops::passwords`); a refusal is a 429 with
/// `Retry-After` and hashes nothing.
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let login = form.login.trim();
    let address = address.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let quotas = &state.quotas;
    let throttled = |retry_after: u64| {
        too_many(
            "Too many attempts",
            &format!("Too many wrong sign-ins; try again in {retry_after} s."),
            retry_after,
            None,
        )
    };
    // Refused without waiting for a permit, counting or hashing anything.
    if let Some(retry_after) = quotas.sign_ins.refused(&quotas.failed_auth, address, login) {
        return throttled(retry_after);
    }
    let permit = match HashPermit::acquire().await {
        Ok(permit) => permit,
        Err(refused) => return busy(&refused.to_string(), None),
    };
    let attempt = match quotas.sign_ins.begin(&quotas.failed_auth, address, login) {
        Ok(attempt) => attempt,
        Err(retry_after) => return throttled(retry_after),
    };
    let user = match state.store.user_by_login(login).await {
        Ok(user) => user,
        Err(e) => return internal(e),
    };
    let hash = user.as_ref().map(|u| u.password_hash.as_str());
    let verified = passwords::verify_sign_in(permit, hash, &form.password).await;
    let Some(user) = user.filter(|_| verified) else {
        return render(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                nav: None,
                login: login.to_owned(),
                error: Some("Wrong username or password".to_owned()),
            },
        );
    };
    attempt.succeeded(quotas);
    // Whatever session this browser had ends: the new one has a new id.
    if let Some(old) = super::cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = state.domain().delete_session(&hash_secret(old)).await {
            return internal(e);
        }
    }
    signed_in_response(&state, &user).await
}

async fn signed_in_response(state: &AppState, user: &flagstaff_storage::UserRow) -> Response {
    match start_session(state, user).await {
        Ok(cookie) => {
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(response) => response,
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// `POST /logout`: ends the session (server-side) and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(form.csrf.as_deref()) {
        return refused;
    }
    if let Err(e) = state.domain().delete_session(&signed.session_hash).await {
        return internal(e);
    }
    let mut response = Redirect::to("/login").into_response();
    match session_cookie(&state, "", 0) {
        Ok(cookie) => {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => internal(e),
    }
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    nav: Option<Nav>,
    code: String,
    username: String,
    username_error: Option<String>,
    password_error: Option<String>,
    confirm_error: Option<String>,
}

impl SetupPage {
    fn new(code: &str, username: &str) -> SetupPage {
        SetupPage {
            nav: None,
            code: code.to_owned(),
            username: username.to_owned(),
            username_error: None,
            password_error: None,
            confirm_error: None,
        }
    }
}

fn wrong_code() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Setup link not valid",
        "This setup link is wrong or was used already. While no user exists, each start of the server prints a new one in its log.",
        None,
    )
}

#[derive(Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    code: String,
}

/// `GET /setup?code=`: the form that creates the first admin.
pub async fn setup_form(
    State(state): State<AppState>,
    address: ClientAddress,
    Query(query): Query<SetupQuery>,
) -> Response {
    if !state.ui.setup_code_matches(&query.code) {
        return failure_refused(&state, address).unwrap_or_else(wrong_code);
    }
    render(StatusCode::OK, &SetupPage::new(&query.code, ""))
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /setup`: with the live code, creates the first Admin and signs them in.
pub async fn setup(
    State(state): State<AppState>,
    address: ClientAddress,
    Form(form): Form<SetupForm>,
) -> Response {
    if !state.ui.setup_code_matches(&form.code) {
        return failure_refused(&state, address).unwrap_or_else(wrong_code);
    }
    let username = form.username.trim();
    let mut page = SetupPage::new(&form.code, username);
    if let Err(e) = flagstaff_domain::ops::users::check_username(username) {
        page.username_error = Some(e.to_string());
        return render(StatusCode::BAD_REQUEST, &page);
    }
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
    let operation = CreateUser {
        username: username.to_owned(),
        email: None,
        name: None,
        password,
        root_role: RootRole::Admin,
        only_if_first: true,
    };
    match state.apply(&Actor::named(username), operation).await {
        Ok(user) => {
            state.ui.clear_setup_code();
            signed_in_response(&state, &user).await
        }
        Err(OpError::Denied(_)) => {
            state.ui.clear_setup_code();
            wrong_code()
        }
        Err(e) => op_error(e, None),
    }
}
