//! Users and their roles as Unleash's admin API shows them (`userSchema`,
//! `roleSchema`): a root role is a number on a user (Unleash's built-in ids:
//! Admin 1, Editor 2, Viewer 3) and an object in the role lists. Never a
//! password or its hash.

use serde::Serialize;

use flagstaff_storage::{instant_text, RootRole, UserRow};

/// Unleash's id of a built-in root role.
pub fn role_id(role: RootRole) -> i64 {
    match role {
        RootRole::Admin => 1,
        RootRole::Editor => 2,
        RootRole::Viewer => 3,
    }
}

/// The built-in root role with this id.
pub fn role_by_id(id: i64) -> Option<RootRole> {
    ROLES.into_iter().find(|r| role_id(*r) == id)
}

/// The root roles, in Unleash's order.
pub const ROLES: [RootRole; 3] = [RootRole::Admin, RootRole::Editor, RootRole::Viewer];

/// A role (Unleash's `roleSchema`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 2, "type": "root", "name": "Editor",
    "description": "Users with the editor role have access to most features in Unleash, but can not manage users and roles in the global scope.",
    "project": null}))]
pub struct RoleView {
    pub id: i64,
    /// Always `root`: Flagstaff has root roles only.
    #[serde(rename = "type")]
    pub role_type: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Always `null` (root roles belong to no project).
    pub project: Option<String>,
}

impl From<RootRole> for RoleView {
    fn from(role: RootRole) -> Self {
        RoleView {
            id: role_id(role),
            role_type: "root",
            name: role.as_str(),
            description: match role {
                RootRole::Admin => "Users with the root admin role have superuser access to Flagstaff and can perform any operation.",
                RootRole::Editor => "Users with the editor role change flags, projects, segments and context fields, but not users, API tokens or signal endpoints.",
                RootRole::Viewer => "Users with the viewer role can read everything, and change nothing.",
            },
            project: None,
        }
    }
}

/// A user (Unleash's `userSchema`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 7, "name": "Ada Lovelace", "email": "ada@example.com",
    "username": "ada", "imageUrl": "", "loginAttempts": 0, "emailSent": false, "rootRole": 2,
    "seenAt": "2025-03-01T09:00:00.000Z", "createdAt": "2025-02-01T09:00:00.000Z",
    "accountType": "User", "isActive": true}))]
pub struct UserView {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub username: String,
    /// Always empty: Flagstaff has no avatars.
    pub image_url: &'static str,
    pub login_attempts: i64,
    /// Always `false`: Flagstaff sends no email.
    pub email_sent: bool,
    /// The root role's id (1 Admin, 2 Editor, 3 Viewer).
    pub root_role: i64,
    pub seen_at: Option<String>,
    pub created_at: String,
    /// Always `User`.
    pub account_type: &'static str,
    /// `false` while the user is deactivated.
    pub is_active: bool,
}

impl From<&UserRow> for UserView {
    fn from(user: &UserRow) -> Self {
        UserView {
            id: user.id,
            name: user.name.clone(),
            email: user.email.clone(),
            username: user.username.clone(),
            image_url: "",
            login_attempts: 0,
            email_sent: false,
            root_role: role_id(user.root_role),
            seen_at: user.seen_at.as_ref().map(instant_text),
            created_at: instant_text(&user.created_at),
            account_type: "User",
            is_active: user.active(),
        }
    }
}
