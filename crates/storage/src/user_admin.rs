//! What managing users stores beyond `users.rs`: a user's details and role
//! changed or the user deleted (their sessions, PATs, reset links and
//! sign-ins go with them, by the foreign keys), deactivation, password reset
//! links (the SHA-256 of the secret only, used once) and the list of each
//! user's sign-ins (not a change: written without a revision, pruned to the
//! newest [`SIGN_INS_KEPT`] per user).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::columns::{instant, instant_text, optional_instant};
use super::users::{user_from_row, USER_COLUMNS};
use super::{Reader, Source, StorageResult, Store, UserRow, WriteTx};

/// Sign-ins kept per user.
pub const SIGN_INS_KEPT: i64 = 20;

/// A password reset link as stored (its secret is never stored).
#[derive(Debug, Clone)]
pub struct PasswordResetRow {
    pub user_id: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// One sign-in of a user.
#[derive(Debug, Clone)]
pub struct SignInRow {
    pub at: DateTime<Utc>,
    pub address: Option<String>,
    /// `web UI` or `API`.
    pub via: String,
}

impl<S: Source> Reader<S> {
    /// How many Admins there are (active or not).
    pub async fn admin_count(&self) -> StorageResult<i64> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM users WHERE root_role = 'Admin'")
                .fetch_one(&mut *self.conn().await?)
                .await?
                .try_get("n")?,
        )
    }

    /// The reset link stored under this hash, with its user.
    pub async fn password_reset(
        &self,
        secret_hash: &str,
    ) -> StorageResult<Option<(PasswordResetRow, UserRow)>> {
        let row = sqlx::query(&format!(
            "SELECT r.created_by, r.created_at AS reset_created_at, r.expires_at, r.used_at, \
             {USER_COLUMNS} FROM password_resets r JOIN users u ON u.id = r.user_id \
             WHERE r.secret_hash = $1"
        ))
        .bind(secret_hash)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        let reset = PasswordResetRow {
            user_id: user.id,
            created_by: row.try_get("created_by")?,
            created_at: instant(&row, "reset_created_at")?,
            expires_at: instant(&row, "expires_at")?,
            used_at: optional_instant(&row, "used_at")?,
        };
        Ok(Some((reset, user)))
    }

    /// A user's sign-ins, newest first.
    pub async fn sign_ins(&self, user_id: i64) -> StorageResult<Vec<SignInRow>> {
        let rows = sqlx::query(
            "SELECT signed_in_at, address, via FROM sign_ins WHERE user_id = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(SIGN_INS_KEPT)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SignInRow {
                    at: instant(r, "signed_in_at")?,
                    address: r.try_get("address")?,
                    via: r.try_get("via")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Notes a sign-in (not a change) and keeps the newest [`SIGN_INS_KEPT`].
    pub async fn record_sign_in(
        &self,
        user_id: i64,
        at: &DateTime<Utc>,
        address: Option<&str>,
        via: &str,
    ) -> StorageResult<()> {
        let mut w = self.write_unversioned().await?;
        sqlx::query(
            "INSERT INTO sign_ins (user_id, signed_in_at, address, via) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(instant_text(at))
        .bind(address)
        .bind(via)
        .execute(w.tx())
        .await?;
        sqlx::query(
            "DELETE FROM sign_ins WHERE user_id = $1 AND id NOT IN \
             (SELECT id FROM sign_ins WHERE user_id = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(user_id)
        .bind(SIGN_INS_KEPT)
        .execute(w.tx())
        .await?;
        w.commit().await?;
        Ok(())
    }
}

impl WriteTx<'_> {
    /// Replaces a user's email, name and role.
    pub async fn update_user(
        &mut self,
        id: i64,
        email: Option<&str>,
        name: Option<&str>,
        root_role: super::RootRole,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE users SET email = $1, name = $2, root_role = $3 WHERE id = $4")
            .bind(email)
            .bind(name)
            .bind(root_role.as_str())
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Deletes a user with their sessions, PATs, reset links, sign-ins and favorites.
    pub async fn delete_user(&mut self, id: i64) -> StorageResult<()> {
        // Said explicitly as well as by the foreign keys' cascades.
        for table in [
            "sessions",
            "personal_access_tokens",
            "password_resets",
            "sign_ins",
            "favorite_features",
            "favorite_projects",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(id)
                .execute(self.tx())
                .await?;
        }
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Deactivates (`Some(when)`) or reactivates (`None`) a user; deactivating
    /// ends their sessions.
    pub async fn set_deactivated(
        &mut self,
        id: i64,
        at: Option<&DateTime<Utc>>,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2")
            .bind(at.map(instant_text))
            .bind(id)
            .execute(self.tx())
            .await?;
        if at.is_some() {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(self.tx())
                .await?;
        }
        Ok(())
    }

    /// Stores a reset link for a user; the user's earlier unused links end.
    pub async fn insert_password_reset(
        &mut self,
        secret_hash: &str,
        reset: &PasswordResetRow,
    ) -> StorageResult<()> {
        sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
            .bind(reset.user_id)
            .execute(self.tx())
            .await?;
        sqlx::query(
            "INSERT INTO password_resets (secret_hash, user_id, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(secret_hash)
        .bind(reset.user_id)
        .bind(&reset.created_by)
        .bind(instant_text(&reset.created_at))
        .bind(instant_text(&reset.expires_at))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Marks a reset link used.
    pub async fn use_password_reset(
        &mut self,
        secret_hash: &str,
        at: &DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE secret_hash = $2")
            .bind(instant_text(at))
            .bind(secret_hash)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
