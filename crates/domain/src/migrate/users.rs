//! Unleash's users (`--with-users`): read from `GET /api/admin/user-admin`
//! (each with its root role's name, from the answer's `rootRoles`), made here
//! without a password, with their root role (Admin, Editor or Viewer; a
//! custom root role, which open-source Unleash has not, becomes Viewer), and
//! a password reset link each (`CreateResetLink`), shown once: passwords stay
//! in Unleash as hashes Flagstaff does not read. A user whose username is
//! taken here already is kept as it is (so a second run makes no one twice).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Summary, UnleashState};
use crate::ops::{
    Context, CreateResetLink, CreateUser, HashedPassword, OpResult, Operation, RootRole,
};
use flagstaff_storage::WriteTx;

/// A user as read from Unleash.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceUser {
    /// Unleash's username, else its email (the one it signs in with).
    pub username: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// The root role's name in Unleash (`Admin`, `Editor`, `Viewer`, …).
    pub root_role: String,
}

/// A user made by the migration, with the reset link that lets them set a
/// password (shown only now).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub root_role: String,
    pub reset_link: String,
}

/// The users of `GET /api/admin/user-admin`'s answer, with their role names.
pub(super) fn from_user_admin(answer: &Value) -> Vec<SourceUser> {
    let roles: Vec<(i64, &str)> = answer["rootRoles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r["id"].as_i64()?, r["name"].as_str()?)))
        .collect();
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    answer["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| {
            let username = text(&u["username"]).or_else(|| text(&u["email"]))?;
            let role = u["rootRole"].as_i64().and_then(|id| {
                roles
                    .iter()
                    .find(|(r, _)| *r == id)
                    .map(|(_, name)| (*name).to_owned())
            });
            Some(SourceUser {
                username,
                email: text(&u["email"]),
                name: text(&u["name"]),
                root_role: role.unwrap_or_else(|| RootRole::Viewer.as_str().to_owned()),
            })
        })
        .collect()
}

/// Makes each user not here yet, with a reset link under `public_url`.
pub(super) async fn apply(
    w: &mut WriteTx<'_>,
    cx: &Context,
    state: &UnleashState,
    public_url: &str,
    summary: &mut Summary,
) -> OpResult<()> {
    for u in &state.users {
        if w.user_by_username(&u.username).await?.is_some() {
            summary.users_kept += 1;
            continue;
        }
        let root_role = RootRole::parse(&u.root_role).unwrap_or(RootRole::Viewer);
        let user = CreateUser {
            username: u.username.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            password: HashedPassword::unset(),
            root_role,
            only_if_first: false,
        }
        .run(w, cx)
        .await?;
        let link = CreateResetLink { user_id: user.id }.run(w, cx).await?;
        summary.users.push(NewUser {
            username: user.username,
            email: user.email,
            root_role: root_role.as_str().to_owned(),
            reset_link: format!(
                "{}/reset-password?token={}",
                public_url.trim_end_matches('/'),
                link.secret
            ),
        });
    }
    Ok(())
}
