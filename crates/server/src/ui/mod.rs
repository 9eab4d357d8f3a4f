//! The web UI, served by the same binary and usable without JavaScript:
//! server-rendered askama pages (escaped by default), plain forms, one small
//! stylesheet. Sessions are server-side (`sessions` table: the SHA-256 of the
//! cookie's random id, the user, a CSRF token, an expiry), so every replica
//! sees them; every state-changing form carries the session's CSRF token, and
//! every POST from another origin is refused. Every change a page makes is an
//! operation applied through `AppState::apply` in the signed-in user's name.

mod activity;
mod admin;
mod assets;
mod automation;
pub mod constraint_form;
pub mod feedback;
mod flag_head;
mod flag_page;
mod flags;
mod guard;
mod integrations;
mod nav;
mod pages;
mod pats;
pub mod plain;
mod profile;
mod reset;
mod snippets;
mod user_actions;
mod users;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Duration;
use subtle::ConstantTimeEq;

pub use nav::Nav;

use crate::client_address::ClientAddress;
use crate::state::AppState;
use flagstaff_domain::hash_secret;
use flagstaff_domain::ops::{OpError, RootRole};
use flagstaff_storage::{StorageError, UserRow};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "flagstaff_session";
/// How long a session lasts after sign-in.
const SESSION_HOURS: i64 = 24 * 7;

/// 32 random bytes, hex-encoded (session ids, CSRF tokens, setup codes).
pub fn random_hex() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(pages::index))
        .route("/about", get(pages::about))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/setup", get(pages::setup_form).post(pages::setup))
        .route("/profile", get(pages::profile))
        .route("/profile/password", post(pages::change_password))
        .route("/profile/tokens", post(pats::create))
        .route("/profile/tokens/{id}/delete", post(pats::delete))
        .route("/users", get(users::list).post(users::create))
        .route("/ui/{file}", get(assets::asset))
        .route("/reset-password", get(reset::form).post(reset::submit))
        .route("/users/{id}/role", post(user_actions::role))
        .route("/users/{id}/active", post(user_actions::active))
        .route("/users/{id}/reset", post(user_actions::reset))
        .route("/users/{id}/delete", post(user_actions::delete))
        .merge(flags::routes())
        .merge(flag_page::routes())
        .merge(activity::routes())
        .merge(admin::routes())
        .merge(integrations::routes())
        .merge(automation::routes())
        .layer(axum::middleware::from_fn_with_state(state, guard::guard))
}

/// A request from a signed-in user: cookie → session → user. Not signed in
/// (no cookie, unknown or expired session) redirects to `/login`.
pub struct SignedIn {
    pub user: UserRow,
    pub role: RootRole,
    pub csrf: String,
    /// The session's SHA-256, as stored.
    pub session_hash: String,
    /// The request's path (for the navigation's current link).
    pub path: String,
    /// The notice the previous change left (`feedback::done`).
    pub notice: Option<String>,
}

impl SignedIn {
    pub fn nav(&self) -> Option<Nav> {
        Some(Nav {
            username: self.user.username.clone(),
            csrf: self.csrf.clone(),
            admin: self.role == RootRole::Admin,
            path: self.path.clone(),
            notice: self.notice.clone(),
        })
    }

    /// A 403 unless `presented` is this session's CSRF token.
    pub fn csrf_refusal(&self, presented: Option<&str>) -> Option<Response> {
        match presented {
            Some(token) if bool::from(token.as_bytes().ct_eq(self.csrf.as_bytes())) => None,
            _ => Some(message(
                StatusCode::FORBIDDEN,
                "Not allowed",
                "The form was missing its security token or it was wrong; reload the page and try again.",
                self.nav(),
            )),
        }
    }
}

/// The value of the cookie `name` in the request.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The signed-in user of this request, if any.
pub async fn signed_in(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<SignedIn>, Response> {
    let Some(id) = cookie(headers, SESSION_COOKIE).filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    let session_hash = hash_secret(id);
    let Some(session) = state.store.session(&session_hash).await.map_err(internal)? else {
        return Ok(None);
    };
    if session.expires_at <= state.clock.now() || !session.user.active() {
        return Ok(None);
    }
    Ok(Some(SignedIn {
        role: session.user.root_role,
        user: session.user,
        csrf: session.csrf_token,
        session_hash,
        path: String::new(),
        notice: feedback::notice(headers),
    }))
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let mut signed = signed_in(&parts.headers, state)
            .await?
            .ok_or_else(|| Redirect::to("/login").into_response())?;
        signed.path = parts.uri.path().to_owned();
        if let Some(user) = parts
            .extensions
            .get::<crate::api::request_log::RequestUser>()
        {
            user.set(&signed.user.username);
        }
        Ok(signed)
    }
}

/// A new session for `user` (a new random id at every sign-in, so no
/// session id chosen before it is ever signed in): its `Set-Cookie` value.
pub(crate) async fn start_session(
    state: &AppState,
    user: &UserRow,
) -> Result<HeaderValue, Response> {
    let id = random_hex().map_err(internal)?;
    let csrf = random_hex().map_err(internal)?;
    let now = state.clock.now();
    let expires = now + Duration::hours(SESSION_HOURS);
    state
        .domain()
        .create_session(&hash_secret(&id), user.id, &csrf, &now, &expires)
        .await
        .map_err(internal)?;
    session_cookie(state, &id, SESSION_HOURS * 3600).map_err(internal)
}

/// `Set-Cookie` for the session id (an empty one with age 0 signs out).
fn session_cookie(
    state: &AppState,
    id: &str,
    max_age: i64,
) -> Result<HeaderValue, axum::http::header::InvalidHeaderValue> {
    let secure = if state.ui.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
}

/// A wrong setup code from `address`, counted against its
/// failed-authentication quota: `Some(429)` once the address is over it.
/// (A right code is never refused: it is 32 random bytes, so the quota
/// bounds what guessers cost, not their odds.)
fn failure_refused(state: &AppState, address: ClientAddress) -> Option<Response> {
    let retry_after = state.quotas.failed_auth.take(&address.0?).err()?;
    Some(too_many(
        "Too many attempts",
        "Too many wrong attempts from this address; try again in a minute.",
        retry_after,
        None,
    ))
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    nav: Option<Nav>,
    title: &'a str,
    text: &'a str,
}

/// 429 with `Retry-After: <seconds>`: the page says why.
pub fn too_many(title: &str, text: &str, retry_after: u64, nav: Option<Nav>) -> Response {
    let mut response = message(StatusCode::TOO_MANY_REQUESTS, title, text, nav);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// Every password-hashing permit is taken (see `ops::passwords`): try again in a second.
pub fn busy(why: &str, nav: Option<Nav>) -> Response {
    too_many("Busy", why, 1, nav)
}

/// A page that says one thing, with its status.
/// An instant shown to the minute (UTC): `2024-05-01 12:34`.
fn minute(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

pub fn message(status: StatusCode, title: &str, text: &str, nav: Option<Nav>) -> Response {
    render(status, &MessagePage { nav, title, text })
}

/// A rendered page; a template that fails is a logged 500.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => internal(e),
    }
}

/// A 500 whose cause goes to the log, not the page — or, when the cause is
/// a database that cannot be reached, a 503 page that says so.
pub fn internal(error: impl std::fmt::Display + 'static) -> Response {
    let any: &dyn std::any::Any = &error;
    let storage =
        any.downcast_ref::<StorageError>()
            .or_else(|| match any.downcast_ref::<OpError>() {
                Some(OpError::Storage(e)) => Some(e),
                _ => None,
            });
    if let Some(StorageError::Unreachable { source, committing }) = storage {
        return unreachable(source, *committing);
    }
    tracing::error!(error = %error, "web UI request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html("<!doctype html><title>Error</title><p>Something went wrong; the server log says what.</p>"),
    )
        .into_response()
}

/// The 503 page of a request the database could not be reached for.
fn unreachable(cause: &sqlx::Error, committing: bool) -> Response {
    let text = if committing {
        tracing::warn!(error = %cause, "the database connection was lost while committing; the change may or may not be stored");
        "The connection to the database was lost while this change was being committed, so it may or may not have been stored. Reload the page to see which before trying again."
    } else {
        tracing::debug!(error = %cause, "web UI request refused: the database is unreachable");
        "The database is unreachable, so this page could not be shown or the change was not made; nothing was stored. Try again in a few seconds."
    };
    let mut response = message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Database unreachable",
        text,
        None,
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        crate::error::DATABASE_RETRY_AFTER.into(),
    );
    response
}

/// A refused operation as a page with the status the API gives it (the one
/// mapping, `error::op_status`).
pub fn op_error(error: OpError, nav: Option<Nav>) -> Response {
    match error {
        OpError::Busy(why) => busy(&why, nav),
        OpError::Storage(StorageError::Unreachable { .. } | StorageError::Database(_)) => {
            internal(error)
        }
        refusal => message(
            crate::error::op_status(&refusal),
            "Not done",
            &refusal.to_string(),
            nav,
        ),
    }
}
