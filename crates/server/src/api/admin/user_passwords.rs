//! Users' passwords and inactive users (`/api/admin/user-admin/…`, Unleash's
//! shapes; Admins only): a reset link (its secret in the answer only, used
//! once on the web UI's `/reset-password` page or `POST /auth/reset/password`),
//! the password rules, setting a user's password, and the users not seen for
//! [`INACTIVE_DAYS`] (listed, and deleted in one change).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::users::user_in_path;
use crate::api::routes::{get, post, Routes};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::users::check_password;
use flagstaff_domain::ops::{ChangePassword, CreateResetLink, DeleteUsers, HashedPassword};
use flagstaff_storage::{instant_text, UserRow};

/// Users not seen (nor created) for this many days are inactive (Unleash's 180).
pub const INACTIVE_DAYS: i64 = 180;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/user-admin/inactive", get(inactive))
        .route(
            "/api/admin/user-admin/inactive/delete",
            post(delete_inactive),
        )
        .route("/api/admin/user-admin/reset-password", post(reset_link))
        .route("/api/admin/user-admin/validate-password", post(validate))
        .route(
            "/api/admin/user-admin/{id}/change-password",
            post(set_password),
        )
}

/// A password, with Unleash's optional confirmation and old password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PasswordInput, example = json!({"password": "correct horse battery",
    "confirmPassword": "correct horse battery"}))]
pub struct PasswordBody {
    pub password: String,
    /// When given, must equal `password`.
    #[serde(default)]
    pub confirm_password: Option<String>,
    /// The current password (checked when a user changes their own).
    #[serde(default)]
    pub old_password: Option<String>,
}

impl PasswordBody {
    /// The password, once it meets the rules and its confirmation (400 otherwise).
    pub fn checked(&self) -> ApiResult<&str> {
        if self
            .confirm_password
            .as_ref()
            .is_some_and(|c| *c != self.password)
        {
            return Err(ApiError::BadField {
                field: flagstaff_domain::ops::FieldPath::root().field("confirmPassword"),
                message: "The passwords differ".to_owned(),
            });
        }
        check_password(&self.password)?;
        Ok(&self.password)
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/user-admin/validate-password",
    summary = "Whether a password meets the rules (at least 10, at most 256 characters)",
    request_body = PasswordBody,
    responses(
        (status = 200, description = "It does"),
        (status = 400, description = "It does not: the message says why"),
    )
)]
async fn validate(
    _admin: AdminToken,
    ApiObject(body): ApiObject<PasswordBody>,
) -> ApiResult<StatusCode> {
    body.checked()?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post,
    path = "/api/admin/user-admin/{id}/change-password",
    summary = "Sets a user's password",
    request_body = PasswordBody,
    responses(
        (status = 200, description = "Set"),
        (status = 400, description = "The password breaks the rules"),
        (status = 404, description = "No such user"),
    )
)]
async fn set_password(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    ApiObject(body): ApiObject<PasswordBody>,
) -> ApiResult<StatusCode> {
    let user = user_in_path(&state, &id).await?;
    let password = HashedPassword::hash(body.checked()?).await?;
    let operation = ChangePassword {
        user_id: user.id,
        password,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// Whose reset link to make: Unleash names the user by email; a username
/// or a numeric id is taken too.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ResetPasswordInput, example = json!({"id": "ada@example.com"}))]
struct ResetBody {
    id: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"resetPasswordUrl": "http://localhost:4242/reset-password?token=4f0c…"}))]
struct ResetAnswer {
    /// The link (valid 24 hours, once); this answer is the only place it is.
    reset_password_url: String,
}

/// The URL of a reset link on this server's web UI.
pub fn reset_url(state: &AppState, secret: &str) -> String {
    format!("{}/reset-password?token={secret}", state.ui.public_url)
}

#[utoipa::path(
    post,
    path = "/api/admin/user-admin/reset-password",
    summary = "Makes a password reset link for a user (earlier unused links end)",
    request_body = ResetBody,
    responses(
        (status = 200, description = "The link", body = ResetAnswer),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "No such user"),
    )
)]
async fn reset_link(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<ResetBody>,
) -> ApiResult<Json<ResetAnswer>> {
    let who = body.id.trim();
    let mut user = state.store.user_by_login(who).await?;
    if user.is_none() {
        if let Ok(id) = who.parse::<i64>() {
            user = state.store.user_by_id(id).await?;
        }
    }
    let user = user.ok_or_else(|| ApiError::NotFound(format!("Could not find user {who}")))?;
    let link = state
        .apply(&admin.actor(), CreateResetLink { user_id: user.id })
        .await?;
    Ok(Json(ResetAnswer {
        reset_password_url: reset_url(&state, &link.secret),
    }))
}

/// A user not seen for [`INACTIVE_DAYS`].
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 9, "name": "Old Timer", "email": null, "username": "old",
    "seenAt": "2024-01-01T09:00:00.000Z", "createdAt": "2023-06-01T09:00:00.000Z"}))]
struct InactiveUser {
    id: i64,
    name: Option<String>,
    email: Option<String>,
    username: String,
    seen_at: Option<String>,
    created_at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"version": 1, "inactiveUsers": []}))]
struct InactiveList {
    version: u8,
    inactive_users: Vec<InactiveUser>,
}

async fn inactive_users(state: &AppState) -> ApiResult<Vec<UserRow>> {
    let cutoff = state.clock.now() - Duration::days(INACTIVE_DAYS);
    Ok(state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.seen_at.unwrap_or(u.created_at) < cutoff)
        .collect())
}

#[utoipa::path(
    get,
    path = "/api/admin/user-admin/inactive",
    summary = "Users not seen (or, never seen, created) in the last 180 days",
    responses((status = 200, description = "The inactive users", body = InactiveList))
)]
async fn inactive(
    State(state): State<AppState>,
    _admin: AdminToken,
) -> ApiResult<Json<InactiveList>> {
    let users = inactive_users(&state).await?;
    Ok(Json(InactiveList {
        version: 1,
        inactive_users: users
            .into_iter()
            .map(|u| InactiveUser {
                id: u.id,
                name: u.name,
                email: u.email,
                username: u.username,
                seen_at: u.seen_at.as_ref().map(instant_text),
                created_at: instant_text(&u.created_at),
            })
            .collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = DeleteInactiveInput, example = json!({"ids": [9, 12]}))]
struct IdsBody {
    ids: Vec<i64>,
}

#[utoipa::path(
    post,
    path = "/api/admin/user-admin/inactive/delete",
    summary = "Deletes inactive users, all or none in one change",
    request_body = IdsBody,
    responses(
        (status = 200, description = "Deleted"),
        (status = 400, description = "An id that is no inactive user, or none"),
        (status = 409, description = "It would delete the last Admin"),
    )
)]
async fn delete_inactive(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<IdsBody>,
) -> ApiResult<StatusCode> {
    if body.ids.is_empty() {
        return Ok(StatusCode::OK);
    }
    let inactive = inactive_users(&state).await?;
    if let Some(id) = body
        .ids
        .iter()
        .find(|id| !inactive.iter().any(|u| u.id == **id))
    {
        return Err(ApiError::BadField {
            field: flagstaff_domain::ops::FieldPath::root().field("ids"),
            message: format!("User {id} is not an inactive user"),
        });
    }
    state
        .apply(&admin.actor(), DeleteUsers { ids: body.ids })
        .await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(validate, set_password, reset_link, inactive, delete_inactive))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: users", "user_passwords")
}
