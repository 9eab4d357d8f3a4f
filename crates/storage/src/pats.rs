//! Personal access tokens (migration 0013): a user's own secrets for the admin
//! API, written by the PAT operations through `WriteTx`. A request finds its
//! PAT by the SHA-256 of the secret joined with its user, so it always acts
//! with the user's role of that moment (and not at all once the user is gone).

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, instant_text, optional_instant};
use super::users::{user_from_row, USER_COLUMNS};
use super::{Reader, Source, StorageResult, Store, UserRow, WriteTx};

/// A stored PAT, without its secret (only its hash is stored, and never read back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatRow {
    pub id: i64,
    pub user_id: i64,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
}

const PAT_COLUMNS: &str = "p.id, p.user_id, p.description, p.created_at, p.expires_at, p.seen_at";

fn pat_from_row(r: &AnyRow) -> StorageResult<PatRow> {
    Ok(PatRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        description: r.try_get("description")?,
        created_at: instant(r, "created_at")?,
        expires_at: instant(r, "expires_at")?,
        seen_at: optional_instant(r, "seen_at")?,
    })
}

impl<S: Source> Reader<S> {
    /// A user's PATs, oldest first.
    pub async fn pats_of_user(&self, user_id: i64) -> StorageResult<Vec<PatRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {PAT_COLUMNS} FROM personal_access_tokens p WHERE p.user_id = $1 ORDER BY p.id"
        ))
        .bind(user_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(pat_from_row).collect()
    }

    /// The PAT whose secret has this hash, with its user as stored now
    /// (expired or not: the caller checks `expires_at`).
    pub async fn pat_by_hash(&self, secret_hash: &str) -> StorageResult<Option<(PatRow, UserRow)>> {
        // The PAT's columns are renamed: the user's have the same names.
        let row = sqlx::query(&format!(
            "SELECT p.id AS pat_id, p.description, p.created_at AS pat_created_at, \
             p.expires_at, p.seen_at AS pat_seen_at, {USER_COLUMNS} \
             FROM personal_access_tokens p JOIN users u ON u.id = p.user_id \
             WHERE p.secret_hash = $1"
        ))
        .bind(secret_hash)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        let pat = PatRow {
            id: row.try_get("pat_id")?,
            user_id: user.id,
            description: row.try_get("description")?,
            created_at: instant(&row, "pat_created_at")?,
            expires_at: instant(&row, "expires_at")?,
            seen_at: optional_instant(&row, "pat_seen_at")?,
        };
        Ok(Some((pat, user)))
    }

    /// The secret hashes of every stored PAT (for the token cache).
    pub async fn pat_hashes(&self) -> StorageResult<Vec<String>> {
        let rows = sqlx::query("SELECT secret_hash FROM personal_access_tokens")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter()
            .map(|row| row.try_get("secret_hash").map_err(Into::into))
            .collect()
    }
}

impl Store {
    /// Notes that a PAT was used at `now` (not a change: no revision, no event).
    pub async fn touch_pat(&self, id: i64, now: &DateTime<Utc>) -> StorageResult<()> {
        sqlx::query("UPDATE personal_access_tokens SET seen_at = $1 WHERE id = $2")
            .bind(instant_text(now))
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

impl WriteTx<'_> {
    /// Stores a PAT; the same description twice for one user is a `Conflict`.
    pub async fn insert_pat(
        &mut self,
        user_id: i64,
        secret_hash: &str,
        description: &str,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StorageResult<PatRow> {
        let id: i64 = sqlx::query(
            "INSERT INTO personal_access_tokens \
             (secret_hash, user_id, description, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(secret_hash)
        .bind(user_id)
        .bind(description)
        .bind(instant_text(&created_at))
        .bind(instant_text(&expires_at))
        .fetch_one(self.tx())
        .await?
        .try_get("id")?;
        Ok(PatRow {
            id,
            user_id,
            description: description.to_owned(),
            created_at: super::stored(created_at),
            expires_at: super::stored(expires_at),
            seen_at: None,
        })
    }

    pub async fn delete_pat(&mut self, id: i64) -> StorageResult<()> {
        sqlx::query("DELETE FROM personal_access_tokens WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
