//! Managing users (the admin API's `user-admin` routes and the users
//! screen): changing a user's details and role, deactivating, deleting, and
//! password reset links. The rule they share, decided under the change lock:
//! there is always an Admin — the last one cannot be deleted, demoted or
//! deactivated (409). A role change applies at once: sessions and PATs read
//! their user's role at every request.

use chrono::Duration;
use serde_json::json;

use super::users::{check_email, user_data, HashedPassword};
use super::{Context, FieldPath, OpError, OpResult, Operation};
use flagstaff_storage::{EventKind, NewEvent, PasswordResetRow, RootRole, UserRow, WriteTx};

/// How long a reset link works.
pub const RESET_LINK_HOURS: i64 = 24;

async fn user(w: &mut WriteTx<'_>, id: i64) -> OpResult<UserRow> {
    w.user_by_id(id)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("Could not find user with id {id}")))
}

/// Refuses when `user` is the only Admin (active or not).
async fn not_the_last_admin(w: &mut WriteTx<'_>, user: &UserRow, what: &str) -> OpResult<()> {
    if user.root_role == RootRole::Admin && w.admin_count().await? <= 1 {
        return Err(OpError::Conflict(format!(
            "{} is the last Admin: make another user Admin before you {what}",
            user.username
        )));
    }
    Ok(())
}

async fn record(
    w: &mut WriteTx<'_>,
    cx: &Context,
    kind: EventKind,
    data: serde_json::Value,
    pre: Option<serde_json::Value>,
) -> OpResult<()> {
    w.record_event(NewEvent {
        created_by: cx.actor.name.clone(),
        data: Some(data),
        pre_data: pre,
        ..NewEvent::new(kind)
    })
    .await?;
    Ok(())
}

/// Changes a user's email, name and role; a field left `None` stays.
/// An empty email or name clears it.
#[derive(Debug, Clone)]
pub struct UpdateUser {
    pub id: i64,
    pub email: Option<String>,
    pub name: Option<String>,
    pub root_role: Option<RootRole>,
}

impl Operation for UpdateUser {
    type Output = UserRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<UserRow> {
        let before = user(w, self.id).await?;
        if let Some(email) = &self.email {
            check_email(email)?;
        }
        let role = self.root_role.unwrap_or(before.root_role);
        if role != RootRole::Admin {
            not_the_last_admin(w, &before, "change their role").await?;
        }
        let keep_or = |new: Option<String>, old: &Option<String>| match new {
            Some(text) if text.trim().is_empty() => None,
            Some(text) => Some(text.trim().to_owned()),
            None => old.clone(),
        };
        let email = keep_or(self.email, &before.email);
        let name = keep_or(self.name, &before.name);
        if let Some(email) = &email {
            if let Some(other) = w.user_by_login(email).await? {
                if other.id != before.id {
                    return Err(OpError::Conflict(format!(
                        "A user has the email {email} already"
                    )));
                }
            }
        }
        w.update_user(before.id, email.as_deref(), name.as_deref(), role)
            .await?;
        let after = user(w, before.id).await?;
        record(
            w,
            cx,
            EventKind::UserUpdated,
            user_data(&after),
            Some(user_data(&before)),
        )
        .await?;
        Ok(after)
    }
}

/// Deletes a user, with their sessions and PATs.
#[derive(Debug, Clone)]
pub struct DeleteUser {
    pub id: i64,
}

impl Operation for DeleteUser {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = user(w, self.id).await?;
        not_the_last_admin(w, &before, "delete them").await?;
        w.delete_user(before.id).await?;
        record(w, cx, EventKind::UserDeleted, user_data(&before), None).await
    }
}

/// Deletes several users at once (Unleash's `inactive/delete`): all or
/// none, one revision.
#[derive(Debug, Clone)]
pub struct DeleteUsers {
    pub ids: Vec<i64>,
}

impl Operation for DeleteUsers {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        if self.ids.is_empty() {
            return Err(OpError::invalid(
                FieldPath::root().field("ids"),
                "Name at least one user",
            ));
        }
        for id in self.ids {
            DeleteUser { id }.run(w, cx).await?;
        }
        Ok(())
    }
}

/// Deactivates a user (no sign-in; their sessions end, their PATs open
/// nothing) or reactivates them.
#[derive(Debug, Clone)]
pub struct SetUserActive {
    pub id: i64,
    pub active: bool,
}

impl Operation for SetUserActive {
    type Output = UserRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<UserRow> {
        let before = user(w, self.id).await?;
        if before.active() == self.active {
            return Ok(before);
        }
        if !self.active {
            not_the_last_admin(w, &before, "deactivate them").await?;
        }
        let now = w.clock().now();
        w.set_deactivated(before.id, (!self.active).then_some(&now))
            .await?;
        let after = user(w, before.id).await?;
        let mut data = user_data(&after);
        data["active"] = json!(self.active);
        record(
            w,
            cx,
            EventKind::UserUpdated,
            data,
            Some(user_data(&before)),
        )
        .await?;
        Ok(after)
    }
}

/// Makes a password reset link for a user: a random secret, of which only
/// the SHA-256 is stored, returned once; earlier unused links of the user
/// end. The link works for [`RESET_LINK_HOURS`], once.
#[derive(Debug, Clone)]
pub struct CreateResetLink {
    pub user_id: i64,
}

/// A reset link just made: the only place its secret is.
#[derive(Debug, Clone)]
pub struct ResetLink {
    pub user: UserRow,
    pub secret: String,
}

impl Operation for CreateResetLink {
    type Output = ResetLink;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ResetLink> {
        let user = user(w, self.user_id).await?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| OpError::invalid_input(format!("no randomness for a secret: {e}")))?;
        let secret = hex::encode(bytes);
        let now = w.clock().now();
        let reset = PasswordResetRow {
            user_id: user.id,
            created_by: cx.actor.name.clone(),
            created_at: now,
            expires_at: now + Duration::hours(RESET_LINK_HOURS),
            used_at: None,
        };
        w.insert_password_reset(&crate::hash_secret(&secret), &reset)
            .await?;
        record(
            w,
            cx,
            EventKind::UserResetLinkCreated,
            json!({"id": user.id, "username": user.username}),
            None,
        )
        .await?;
        Ok(ResetLink { user, secret })
    }
}

/// Whether a reset link can be used now: unused, unexpired, its user active.
pub fn reset_usable(
    reset: &PasswordResetRow,
    user: &UserRow,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    reset.used_at.is_none() && reset.expires_at > now && user.active()
}

/// Sets a password with a reset link (used up by it).
#[derive(Debug, Clone)]
pub struct ResetPassword {
    /// The link's secret, as the user has it.
    pub secret: String,
    pub password: HashedPassword,
}

impl Operation for ResetPassword {
    type Output = UserRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<UserRow> {
        let now = w.clock().now();
        let secret_hash = crate::hash_secret(&self.secret);
        let found = w.password_reset(&secret_hash).await?;
        let Some((reset, user)) = found.filter(|(r, u)| reset_usable(r, u, now)) else {
            return Err(OpError::Denied(
                "This reset link is not valid: it was used, it expired, or it never existed"
                    .to_owned(),
            ));
        };
        w.set_password_hash(reset.user_id, self.password.as_stored())
            .await?;
        w.use_password_reset(&secret_hash, &now).await?;
        record(
            w,
            cx,
            EventKind::UserPasswordChanged,
            json!({"id": user.id, "username": user.username}),
            None,
        )
        .await?;
        Ok(user)
    }
}
