//! Unleash's sign-in and password reset routes (`/auth/…`, no token): a
//! username-and-password sign-in that starts a web UI session (the same
//! check, throttle and sessions as the sign-in page: `sign_in.rs`), and the
//! reset links an Admin makes (`POST /api/admin/user-admin/reset-password`,
//! or the users screen): validated, then used once to set a password.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::routes::{get, post, Routes};
use crate::api::ApiObject;
use crate::client_address::ClientAddress;
use crate::error::{ApiError, ApiResult};
use crate::sign_in::{sign_in, SignInRefusal};
use crate::state::AppState;
use flagstaff_domain::hash_secret;
use flagstaff_domain::ops::user_admin::reset_usable;
use flagstaff_domain::ops::users::check_password;
use flagstaff_domain::ops::{Actor, HashedPassword, OpError, ResetPassword};
use flagstaff_domain::wire::users::{RoleView, UserView};

pub fn router() -> Routes {
    Routes::new()
        .route("/auth/simple/login", post(login))
        .route("/auth/reset/validate", get(validate_link))
        .route("/auth/reset/password", post(reset_password))
        .route("/auth/reset/validate-password", post(validate_password))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = LoginInput, example = json!({"username": "ada", "password": "correct horse battery"}))]
struct LoginBody {
    /// A username or an email.
    username: String,
    password: String,
}

#[utoipa::path(
    post,
    path = "/auth/simple/login",
    summary = "Signs in with a username (or email) and password; the answer sets the web UI's session cookie",
    security(()),
    request_body = LoginBody,
    responses(
        (status = 200, description = "The user (and a session cookie)", body = UserView),
        (status = 400, description = "Invalid input"),
        (status = 401, description = "Wrong username or password"),
        (status = 429, description = "Too many wrong sign-ins; try again after `Retry-After`"),
    )
)]
async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiObject(body): ApiObject<LoginBody>,
) -> Result<Response, ApiError> {
    let user = match sign_in(&state, address, &body.username, &body.password, "API").await {
        Ok(user) => user,
        Err(SignInRefusal::Throttled(retry_after)) => {
            return Err(ApiError::TooManyRequests {
                message: format!("Too many wrong sign-ins; try again in {retry_after} s"),
                retry_after,
            })
        }
        Err(SignInRefusal::Busy(why)) => return Err(OpError::Busy(why).into()),
        Err(SignInRefusal::Wrong) => return Err(ApiError::PasswordMismatch),
        Err(SignInRefusal::Storage(e)) => return Err(e.into()),
    };
    let cookie = match crate::ui::start_session(&state, &user).await {
        Ok(cookie) => cookie,
        Err(response) => return Ok(response),
    };
    let mut response = Json(UserView::from(&user)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Deserialize, utoipa::IntoParams)]
struct TokenQuery {
    /// The reset link's token.
    #[serde(default)]
    token: String,
}

/// Whose a reset link is (Unleash's `tokenUserSchema`).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 7, "name": "Ada Lovelace", "email": "ada@example.com",
    "token": "4f0c…", "createdBy": "admin", "role": {"id": 2, "type": "root", "name": "Editor",
    "description": "…", "project": null}}))]
struct TokenUser {
    id: i64,
    name: Option<String>,
    email: Option<String>,
    token: String,
    created_by: String,
    role: RoleView,
}

fn invalid_link() -> ApiError {
    ApiError::InvalidToken(
        "This reset link is not valid: it was used, it expired, or it never existed".to_owned(),
    )
}

#[utoipa::path(
    get,
    path = "/auth/reset/validate",
    summary = "Whose a password reset link is, while it can be used",
    security(()),
    params(TokenQuery),
    responses(
        (status = 200, description = "The link's user", body = TokenUser),
        (status = 401, description = "The link is used, expired or unknown"),
    )
)]
async fn validate_link(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> ApiResult<Json<TokenUser>> {
    let found = state
        .store
        .password_reset(&hash_secret(&query.token))
        .await?;
    let now = state.clock.now();
    let Some((reset, user)) = found.filter(|(r, u)| reset_usable(r, u, now)) else {
        return Err(invalid_link());
    };
    Ok(Json(TokenUser {
        id: user.id,
        name: user.name,
        email: user.email,
        token: query.token,
        created_by: reset.created_by,
        role: RoleView::from(user.root_role),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ResetPasswordWithToken, example = json!({"token": "4f0c…", "password": "correct horse battery"}))]
struct ResetBody {
    token: String,
    password: String,
}

#[utoipa::path(
    post,
    path = "/auth/reset/password",
    summary = "Sets a password with a reset link, which is then used up",
    security(()),
    request_body = ResetBody,
    responses(
        (status = 200, description = "Set"),
        (status = 400, description = "The password breaks the rules"),
        (status = 401, description = "The link is used, expired or unknown"),
        (status = 403, description = "The link was used or ended meanwhile"),
    )
)]
async fn reset_password(
    State(state): State<AppState>,
    ApiObject(body): ApiObject<ResetBody>,
) -> ApiResult<StatusCode> {
    let found = state
        .store
        .password_reset(&hash_secret(&body.token))
        .await?;
    let now = state.clock.now();
    let Some((_, user)) = found.filter(|(r, u)| reset_usable(r, u, now)) else {
        return Err(invalid_link());
    };
    let operation = ResetPassword {
        secret: body.token,
        password: HashedPassword::hash(&body.password).await?,
    };
    state
        .apply(&Actor::named(&user.username), operation)
        .await?;
    // Whoever held a session of this user before the reset holds none now.
    state.domain().delete_other_sessions(user.id, "").await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ValidatePasswordInput, example = json!({"password": "correct horse battery"}))]
struct PasswordOnly {
    password: String,
}

#[utoipa::path(
    post,
    path = "/auth/reset/validate-password",
    summary = "Whether a password meets the rules (at least 10, at most 256 characters)",
    security(()),
    request_body = PasswordOnly,
    responses(
        (status = 200, description = "It does"),
        (status = 400, description = "It does not: the message says why"),
    )
)]
async fn validate_password(ApiObject(body): ApiObject<PasswordOnly>) -> ApiResult<StatusCode> {
    check_password(&body.password)?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(login, validate_link, reset_password, validate_password))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Sign-in", "auth")
}
