//! The users screen (Admins only): who can sign in, and a form that creates
//! a user with a role.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::feedback::done;
use super::{internal, message, op_error, render, Nav, SignedIn};
use crate::state::AppState;
use flagstaff_domain::ops::{Actor, CreateUser, HashedPassword, OpError, RootRole};
use flagstaff_storage::UserRow;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Option<Nav>,
    csrf: String,
    users: Vec<UserRow>,
    username: String,
    email: String,
    name: String,
    role: String,
    username_error: Option<String>,
    email_error: Option<String>,
    password_error: Option<String>,
}

fn admins_only(signed: &SignedIn) -> Option<Response> {
    (signed.role != RootRole::Admin).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only Admins manage users.",
            signed.nav(),
        )
    })
}

async fn page(state: &AppState, signed: &SignedIn) -> Result<UsersPage, Response> {
    Ok(UsersPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        users: state.store.users().await.map_err(internal)?,
        username: String::new(),
        email: String::new(),
        name: String::new(),
        role: "Viewer".to_owned(),
        username_error: None,
        email_error: None,
        password_error: None,
    })
}

/// `GET /users`.
pub async fn list(State(state): State<AppState>, signed: SignedIn) -> Response {
    if let Some(refused) = admins_only(&signed) {
        return refused;
    }
    match page(&state, &signed).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

/// `POST /users`: creates a user; a mistake re-renders the form with the
/// error next to its field.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<NewUserForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = admins_only(&signed) {
        return refused;
    }
    let mut again = match page(&state, &signed).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    again.username = form.username.trim().to_owned();
    again.email = form.email.trim().to_owned();
    again.name = form.name.trim().to_owned();
    let Some(role) = RootRole::parse(&form.role) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Not done",
            "Choose Admin, Editor or Viewer.",
            signed.nav(),
        );
    };
    again.role = role.as_str().to_owned();
    if let Err(e) = flagstaff_domain::ops::users::check_username(&again.username) {
        again.username_error = Some(e.to_string());
        return render(StatusCode::BAD_REQUEST, &again);
    }
    let password = match HashedPassword::hash(&form.password).await {
        Ok(password) => password,
        Err(OpError::Busy(why)) => return super::busy(&why, signed.nav()),
        Err(e) => {
            again.password_error = Some(e.to_string());
            return render(StatusCode::BAD_REQUEST, &again);
        }
    };
    let operation = CreateUser {
        username: again.username.clone(),
        email: Some(again.email.clone()),
        name: Some(again.name.clone()),
        password,
        root_role: role,
        only_if_first: false,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(user) => done("/users", &format!("Created the user {}.", user.username)),
        Err(OpError::Conflict(e)) => {
            again.username_error = Some(e);
            render(StatusCode::CONFLICT, &again)
        }
        Err(OpError::Storage(flagstaff_storage::StorageError::Conflict(_))) => {
            again.email_error = Some("A user has this email already".to_owned());
            render(StatusCode::CONFLICT, &again)
        }
        Err(e) => op_error(e, signed.nav()),
    }
}
