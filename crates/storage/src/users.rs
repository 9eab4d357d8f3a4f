//! Web UI users and their sessions. A user is written only by the user
//! operations (through `WriteTx`, with its event); a session is not a change
//! (no revision, no event) and is written straight to the pool. A session is
//! stored as the SHA-256 of its cookie's id, never the id itself.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{decoded, instant, instant_text, optional_instant};
use super::{Reader, Source, StorageResult, Store, WriteTx};

/// A user's role across the server (the `root_role` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootRole {
    /// Everything, users included.
    Admin,
    /// Changes flags.
    Editor,
    /// Sees, changes nothing.
    Viewer,
}

impl RootRole {
    pub fn parse(text: &str) -> Option<RootRole> {
        match text {
            "Admin" => Some(RootRole::Admin),
            "Editor" => Some(RootRole::Editor),
            "Viewer" => Some(RootRole::Viewer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RootRole::Admin => "Admin",
            RootRole::Editor => "Editor",
            RootRole::Viewer => "Viewer",
        }
    }

    /// Whether this role may change flags.
    pub fn can_edit(self) -> bool {
        matches!(self, RootRole::Admin | RootRole::Editor)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// An argon2id PHC string.
    pub password_hash: String,
    pub root_role: RootRole,
    pub created_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
    /// Set while the user is deactivated: no sign-in, and no session or PAT
    /// of theirs opens anything.
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl UserRow {
    /// Whether the user may sign in (and their sessions and PATs act).
    pub fn active(&self) -> bool {
        self.deactivated_at.is_none()
    }

    /// Whether a password is set (a user made without one signs in after a
    /// reset link).
    pub fn has_password(&self) -> bool {
        !self.password_hash.is_empty()
    }
}

/// A user to insert (the id is the database's).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub password_hash: String,
    pub root_role: RootRole,
}

/// A stored session with its user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: UserRow,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

pub(super) const USER_COLUMNS: &str =
    "u.id, u.username, u.email, u.name, u.password_hash, u.root_role, u.created_at, u.seen_at, \
     u.deactivated_at";

pub(super) fn user_from_row(r: &AnyRow) -> StorageResult<UserRow> {
    Ok(UserRow {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        password_hash: r.try_get("password_hash")?,
        root_role: decoded(r, "root_role", RootRole::parse, "a user role")?,
        created_at: instant(r, "created_at")?,
        seen_at: optional_instant(r, "seen_at")?,
        deactivated_at: optional_instant(r, "deactivated_at")?,
    })
}

impl<S: Source> Reader<S> {
    async fn user_where(&self, condition: &str, value: &str) -> StorageResult<Option<UserRow>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE {condition} ORDER BY u.id LIMIT 1"
        ))
        .bind(value)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_count(&self) -> StorageResult<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&mut *self.conn().await?)
            .await?
            .try_get("n")?)
    }

    pub async fn user_by_username(&self, username: &str) -> StorageResult<Option<UserRow>> {
        self.user_where("u.username = $1", username).await
    }

    pub async fn user_by_id(&self, id: i64) -> StorageResult<Option<UserRow>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every user, by username.
    pub async fn users(&self) -> StorageResult<Vec<UserRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"
        ))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The user whose username, else whose email, this is.
    pub async fn user_by_login(&self, login: &str) -> StorageResult<Option<UserRow>> {
        match self.user_where("u.username = $1", login).await? {
            Some(user) => Ok(Some(user)),
            None => self.user_where("u.email = $1", login).await,
        }
    }

    /// The session stored under this hash, with its user (expired or not:
    /// the caller checks `expires_at`).
    pub async fn session(&self, id_hash: &str) -> StorageResult<Option<SessionRow>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
        ))
        .bind(id_hash)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRow {
            user: user_from_row(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at: instant(&row, "expires_at")?,
        }))
    }
}

impl Store {
    /// Stores a new session (and notes when its user was last seen).
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: &DateTime<Utc>,
        expires_at: &DateTime<Utc>,
    ) -> StorageResult<()> {
        let (now, expires_at) = (instant_text(now), instant_text(expires_at));
        let mut w = self.write_unversioned().await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(&now)
        .bind(expires_at)
        .execute(w.tx())
        .await?;
        sqlx::query("UPDATE users SET seen_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(user_id)
            .execute(w.tx())
            .await?;
        // Expired sessions go as new ones come.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(w.tx())
            .await?;
        w.commit().await?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends every session of a user but one (after a password change).
    pub async fn delete_other_sessions(&self, user_id: i64, keep: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

impl WriteTx<'_> {
    /// Inserts a user; a taken username or email is a `Conflict`.
    pub async fn insert_user(
        &mut self,
        user: &NewUser,
        now: &DateTime<Utc>,
    ) -> StorageResult<UserRow> {
        let id: i64 = sqlx::query(
            "INSERT INTO users (username, email, name, password_hash, root_role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&user.username)
        .bind(user.email.as_deref())
        .bind(user.name.as_deref())
        .bind(&user.password_hash)
        .bind(user.root_role.as_str())
        .bind(instant_text(now))
        .fetch_one(self.tx())
        .await?
        .try_get("id")?;
        self.user_by_id(id)
            .await?
            .ok_or_else(|| super::StorageError::NotFound(format!("user {id}")))
    }

    pub async fn set_password_hash(&mut self, id: i64, hash: &str) -> StorageResult<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
