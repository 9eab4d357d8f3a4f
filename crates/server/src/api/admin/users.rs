//! Users (`/api/admin/user-admin`, Unleash's shapes; Admins only, by
//! `auth::role_allows`): list, create, read, update, delete, search, the
//! access list and the Admin count. Changes are the user operations
//! (`ops::users`, `ops::user_admin`) the users screen applies too, so a user
//! made here signs in to the web UI, and a role set here applies at once to
//! the user's sessions and PATs. Passwords are in `user_passwords.rs`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::id_in_path;
use crate::api::routes::{get, Routes};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{CreateUser, DeleteUser, HashedPassword, RootRole, UpdateUser};
use flagstaff_domain::wire::users::{role_by_id, RoleView, UserView, ROLES};
use flagstaff_storage::UserRow;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/user-admin", get(list).post(create))
        .route("/api/admin/user-admin/search", get(search))
        .route("/api/admin/user-admin/access", get(access))
        .route("/api/admin/user-admin/admin-count", get(admin_count))
        .route(
            "/api/admin/user-admin/{id}",
            get(one).put(update).delete(remove),
        )
}

/// A root role as a request names it: Unleash's id (1 Admin, 2 Editor,
/// 3 Viewer) or its name.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum RoleRef {
    Id(i64),
    Name(String),
}

impl RoleRef {
    pub fn role(&self) -> ApiResult<RootRole> {
        let found = match self {
            RoleRef::Id(id) => role_by_id(*id),
            RoleRef::Name(name) => name
                .parse::<i64>()
                .ok()
                .and_then(role_by_id)
                .or_else(|| RootRole::parse(name)),
        };
        found.ok_or_else(|| ApiError::BadField {
            field: flagstaff_domain::ops::FieldPath::root().field("rootRole"),
            message: "rootRole is 1 (Admin), 2 (Editor) or 3 (Viewer), or the role's name"
                .to_owned(),
        })
    }
}

/// The user with this id in a path; anything else is a 404.
pub async fn user_in_path(state: &AppState, id: &str) -> ApiResult<UserRow> {
    let id = id_in_path(id, "user")?;
    state
        .store
        .user_by_id(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Could not find user with id {id}")))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"users": [{"id": 1, "name": null, "email": null, "username": "admin",
    "imageUrl": "", "loginAttempts": 0, "emailSent": false, "rootRole": 1, "seenAt": null,
    "createdAt": "2025-02-01T09:00:00.000Z", "accountType": "User", "isActive": true}],
    "rootRoles": [{"id": 1, "type": "root", "name": "Admin", "description": "…", "project": null}]}))]
struct UserList {
    users: Vec<UserView>,
    root_roles: Vec<RoleView>,
}

#[utoipa::path(
    get,
    path = "/api/admin/user-admin",
    summary = "Every user, and the root roles",
    responses((status = 200, description = "The users", body = UserList))
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let users = state.store.users().await?;
    Ok(Json(UserList {
        users: users.iter().map(UserView::from).collect(),
        root_roles: ROLES.into_iter().map(RoleView::from).collect(),
    })
    .into_response())
}

/// A new user: a username or an email (the username defaults to the
/// email), a root role, and optionally a password (without one, the user
/// signs in after a reset link: `POST /api/admin/user-admin/reset-password`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreateUserInput, example = json!({"username": "ada", "email": "ada@example.com",
    "name": "Ada Lovelace", "password": "correct horse battery", "rootRole": 2}))]
struct CreateBody {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    password: Option<String>,
    root_role: RoleRef,
    /// Accepted and ignored: Flagstaff sends no email.
    #[serde(default)]
    #[allow(dead_code)]
    send_email: Option<bool>,
}

#[utoipa::path(
    post,
    path = "/api/admin/user-admin",
    summary = "Creates a user",
    request_body = CreateBody,
    responses(
        (status = 201, description = "The user", body = UserView),
        (status = 400, description = "Invalid input"),
        (status = 409, description = "The username or email is taken"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<CreateBody>,
) -> ApiResult<Response> {
    let role = body.root_role.role()?;
    let email = body
        .email
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
    let username = body
        .username
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .or_else(|| email.clone())
        .ok_or_else(|| ApiError::BadData("You must specify username or email".to_owned()))?;
    flagstaff_domain::ops::users::check_username(&username)?;
    if let Some(email) = &email {
        flagstaff_domain::ops::users::check_email(email)?;
    }
    let password = match body.password.filter(|p| !p.is_empty()) {
        Some(password) => HashedPassword::hash(&password).await?,
        None => HashedPassword::unset(),
    };
    let operation = CreateUser {
        username,
        email,
        name: body.name,
        password,
        root_role: role,
        only_if_first: false,
    };
    let user = state.apply(&admin.actor(), operation).await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))).into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/user-admin/{id}",
    summary = "One user",
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 404, description = "No such user"),
    )
)]
async fn one(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(UserView::from(&user_in_path(&state, &id).await?)))
}

/// What changes: a field left out stays; an empty email or name clears it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UpdateUserInput, example = json!({"name": "Ada King", "rootRole": "Viewer"}))]
struct UpdateBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    root_role: Option<RoleRef>,
}

#[utoipa::path(
    put,
    path = "/api/admin/user-admin/{id}",
    summary = "Changes a user's email, name or root role (never the last Admin's role)",
    request_body = UpdateBody,
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "No such user"),
        (status = 409, description = "The last Admin, or an email another user has"),
    )
)]
async fn update(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    ApiObject(body): ApiObject<UpdateBody>,
) -> ApiResult<Json<UserView>> {
    let user = user_in_path(&state, &id).await?;
    let operation = UpdateUser {
        id: user.id,
        email: body.email,
        name: body.name,
        root_role: body.root_role.as_ref().map(RoleRef::role).transpose()?,
    };
    let user = state.apply(&admin.actor(), operation).await?;
    Ok(Json(UserView::from(&user)))
}

#[utoipa::path(
    delete,
    path = "/api/admin/user-admin/{id}",
    summary = "Deletes a user with their sessions and personal access tokens (never the last Admin)",
    responses(
        (status = 200, description = "Deleted"),
        (status = 404, description = "No such user"),
        (status = 409, description = "The last Admin"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = user_in_path(&state, &id).await?;
    state
        .apply(&admin.actor(), DeleteUser { id: user.id })
        .await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize, utoipa::IntoParams)]
struct SearchQuery {
    /// Text in the username, name or email (any case).
    #[serde(default)]
    q: String,
}

#[utoipa::path(
    get,
    path = "/api/admin/user-admin/search",
    summary = "Users whose username, name or email contains the text",
    params(SearchQuery),
    responses((status = 200, description = "The users found (at most 100)", body = [UserView],
        example = json!([{"id": 7, "name": "Ada Lovelace", "email": "ada@example.com",
            "username": "ada", "imageUrl": "", "loginAttempts": 0, "emailSent": false,
            "rootRole": 2, "seenAt": null, "createdAt": "2025-02-01T09:00:00.000Z",
            "accountType": "User", "isActive": true}])))
)]
async fn search(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<Vec<UserView>>> {
    let needle = query.q.trim().to_lowercase();
    let contains = |text: &Option<String>| {
        text.as_deref()
            .is_some_and(|t| t.to_lowercase().contains(&needle))
    };
    let found = state
        .store
        .users()
        .await?
        .iter()
        .filter(|u| {
            u.username.to_lowercase().contains(&needle) || contains(&u.name) || contains(&u.email)
        })
        .take(100)
        .map(UserView::from)
        .collect();
    Ok(Json(found))
}

/// Who access can be given to (Unleash's access list: users, and groups,
/// which Flagstaff has none of).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"users": [{"id": 1, "name": null, "email": null, "username": "admin",
    "imageUrl": "", "loginAttempts": 0, "emailSent": false, "rootRole": 1, "seenAt": null,
    "createdAt": "2025-02-01T09:00:00.000Z", "accountType": "User", "isActive": true}],
    "groups": []}))]
struct AccessList {
    users: Vec<UserView>,
    /// Always empty.
    groups: Vec<UserView>,
}

#[utoipa::path(
    get,
    path = "/api/admin/user-admin/access",
    summary = "The users access can be given to",
    responses((status = 200, description = "Users (no groups)", body = AccessList))
)]
async fn access(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<AccessList>> {
    let users = state.store.users().await?;
    Ok(Json(AccessList {
        users: users
            .iter()
            .filter(|u| u.active())
            .map(UserView::from)
            .collect(),
        groups: Vec::new(),
    }))
}

/// How many Admins there are, with and without a password.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"password": 1, "noPassword": 0, "service": 0}))]
struct AdminCount {
    password: usize,
    no_password: usize,
    /// Always 0: Flagstaff has no service accounts.
    service: usize,
}

#[utoipa::path(
    get,
    path = "/api/admin/user-admin/admin-count",
    summary = "How many Admins there are, with and without a password",
    responses((status = 200, description = "The counts", body = AdminCount))
)]
async fn admin_count(
    State(state): State<AppState>,
    _admin: AdminToken,
) -> ApiResult<Json<AdminCount>> {
    let users = state.store.users().await?;
    let admins = || users.iter().filter(|u| u.root_role == RootRole::Admin);
    Ok(Json(AdminCount {
        password: admins().filter(|u| u.has_password()).count(),
        no_password: admins().filter(|u| !u.has_password()).count(),
        service: 0,
    }))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, one, update, remove, search, access, admin_count))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: users", "users")
}
