//! The caller as a user (`/api/admin/user…`, Unleash's shapes): who they
//! are with their permissions, their profile, their roles, and changing
//! their own password (every role may; the old password is checked, and
//! the user's web UI sessions end). Only a user calls these — with a PAT;
//! an API token belongs to nobody (403, as for `/api/admin/user/tokens`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::user_passwords::PasswordBody;
use crate::api::routes::{get, post, Routes};
use crate::api::ApiObject;
use crate::auth::{AdminUser, PatUser};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    passwords, Actor, ChangePassword, FieldPath, HashedPassword, OpError, RootRole,
};
use flagstaff_domain::wire::users::{RoleView, UserView};
use flagstaff_storage::UserRow;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/user", get(me))
        .route("/api/admin/user/profile", get(profile))
        .route("/api/admin/user/roles", get(roles))
        .route("/api/admin/user/change-password", post(change_password))
}

async fn stored(state: &AppState, user: &PatUser) -> ApiResult<UserRow> {
    state
        .store
        .user_by_id(user.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)
}

/// One permission (Unleash's `permissionSchema`): a root role's, across
/// every project and environment.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"permission": "ADMIN"}))]
struct Permission {
    permission: &'static str,
}

/// Unleash's permission names for what each root role may do.
fn permissions(role: RootRole) -> Vec<Permission> {
    let names: &[&'static str] = match role {
        RootRole::Admin => &["ADMIN"],
        RootRole::Editor => &[
            "CREATE_FEATURE",
            "UPDATE_FEATURE",
            "DELETE_FEATURE",
            "UPDATE_FEATURE_ENVIRONMENT",
            "CREATE_FEATURE_STRATEGY",
            "UPDATE_FEATURE_STRATEGY",
            "DELETE_FEATURE_STRATEGY",
            "UPDATE_FEATURE_ENVIRONMENT_VARIANTS",
            "CREATE_PROJECT",
            "UPDATE_PROJECT",
            "CREATE_SEGMENT",
            "UPDATE_SEGMENT",
            "DELETE_SEGMENT",
            "CREATE_CONTEXT_FIELD",
            "UPDATE_CONTEXT_FIELD",
            "DELETE_CONTEXT_FIELD",
            "CREATE_TAG_TYPE",
            "UPDATE_TAG_TYPE",
            "DELETE_TAG_TYPE",
            "CREATE_STRATEGY",
            "UPDATE_STRATEGY",
            "DELETE_STRATEGY",
        ],
        RootRole::Viewer => &[],
    };
    names
        .iter()
        .map(|&permission| Permission { permission })
        .collect()
}

/// The caller (Unleash's `meSchema`).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"user": {"id": 1, "name": null, "email": null, "username": "admin",
    "imageUrl": "", "loginAttempts": 0, "emailSent": false, "rootRole": 1, "seenAt": null,
    "createdAt": "2025-02-01T09:00:00.000Z", "accountType": "User", "isActive": true},
    "permissions": [{"permission": "ADMIN"}], "feedback": [], "splash": {}}))]
struct Me {
    user: UserView,
    permissions: Vec<Permission>,
    /// Always empty (Unleash's UI feedback).
    feedback: Vec<Permission>,
    /// Always empty (Unleash's UI splash screens seen, by id).
    splash: std::collections::BTreeMap<String, bool>,
}

#[utoipa::path(
    get,
    path = "/api/admin/user",
    summary = "The caller, with their permissions",
    responses((status = 200, description = "The caller", body = Me))
)]
async fn me(State(state): State<AppState>, AdminUser(user): AdminUser) -> ApiResult<Json<Me>> {
    let user = stored(&state, &user).await?;
    Ok(Json(Me {
        permissions: permissions(user.root_role),
        user: UserView::from(&user),
        feedback: Vec::new(),
        splash: Default::default(),
    }))
}

/// The caller's profile (Unleash's `profileSchema`).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"rootRole": {"id": 1, "type": "root", "name": "Admin",
    "description": "…", "project": null}, "projects": ["default"], "groups": [],
    "subscriptions": [], "features": [], "canChangePassword": true}))]
struct Profile {
    root_role: RoleView,
    /// Every project's id (a root role reaches all of them).
    projects: Vec<String>,
    /// Always empty.
    groups: Vec<String>,
    /// Always empty (Flagstaff sends no email).
    subscriptions: Vec<String>,
    /// Always empty (deprecated in Unleash; favorites show as `favorite` on flags).
    features: Vec<String>,
    can_change_password: bool,
}

#[utoipa::path(
    get,
    path = "/api/admin/user/profile",
    summary = "The caller's role and projects",
    responses((status = 200, description = "The profile", body = Profile))
)]
async fn profile(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
) -> ApiResult<Json<Profile>> {
    let user = stored(&state, &user).await?;
    let projects = state.store.projects().await?;
    Ok(Json(Profile {
        root_role: RoleView::from(user.root_role),
        projects: projects.into_iter().map(|(id, _, _)| id).collect(),
        groups: Vec::new(),
        subscriptions: Vec::new(),
        features: Vec::new(),
        can_change_password: true,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
struct RolesQuery {
    /// Accepted: a root role applies in every project.
    #[serde(default)]
    #[allow(dead_code)]
    project_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "roles": [{"id": 1, "type": "root", "name": "Admin",
    "description": "…", "project": null}]}))]
struct Roles {
    version: u8,
    roles: Vec<RoleView>,
}

#[utoipa::path(
    get,
    path = "/api/admin/user/roles",
    summary = "The caller's roles (their root role)",
    params(RolesQuery),
    responses((status = 200, description = "The roles", body = Roles))
)]
async fn roles(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(_query): Query<RolesQuery>,
) -> ApiResult<Json<Roles>> {
    let user = stored(&state, &user).await?;
    Ok(Json(Roles {
        version: 1,
        roles: vec![RoleView::from(user.root_role)],
    }))
}

#[utoipa::path(
    post,
    path = "/api/admin/user/change-password",
    summary = "Changes the caller's password (give the old one); their web UI sessions end",
    request_body = PasswordBody,
    responses(
        (status = 200, description = "Changed"),
        (status = 400, description = "The old password is wrong, or the new one breaks the rules"),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    ApiObject(body): ApiObject<PasswordBody>,
) -> ApiResult<StatusCode> {
    let stored = stored(&state, &user).await?;
    let new = body.checked()?;
    if stored.has_password() {
        let old = body.old_password.as_deref().unwrap_or_default();
        let right = passwords::verify(&stored.password_hash, old)
            .await
            .map_err(|busy| OpError::Busy(busy.to_string()))?;
        if !right {
            return Err(ApiError::BadField {
                field: FieldPath::root().field("oldPassword"),
                message: "The old password is wrong".to_owned(),
            });
        }
    }
    let operation = ChangePassword {
        user_id: stored.id,
        password: HashedPassword::hash(new).await?,
    };
    state
        .apply(&Actor::named(&stored.username), operation)
        .await?;
    state.domain().delete_other_sessions(stored.id, "").await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(me, profile, roles, change_password))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: the caller", "user")
}
