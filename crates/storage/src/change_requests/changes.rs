//! The parts of a change request: its changes (each a stored operation
//! beside Unleash's view and the revision it was made against), reviews,
//! comments and requested approvers; and the revision a change conflicts with.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::columns::{instant, instant_text};
use crate::{from_json, to_json, Reader, Source, StorageResult, WriteTx};

/// One change of a request: Unleash's view (`action`, `payload`) and the
/// stored operation that applies it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    pub id: i64,
    pub change_request_id: i64,
    pub feature_name: String,
    pub action: String,
    pub payload: Value,
    pub operation: Value,
    /// The revision of the last change to the flag when this was made.
    pub base_revision: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// An approval or a rejection.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    pub reviewer: String,
    pub approved: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommentRow {
    pub id: i64,
    pub text: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn change_from_row(row: &AnyRow) -> StorageResult<ChangeRow> {
    let payload: String = row.try_get("payload")?;
    let operation: String = row.try_get("operation")?;
    Ok(ChangeRow {
        id: row.try_get("id")?,
        change_request_id: row.try_get("change_request_id")?,
        feature_name: row.try_get("feature_name")?,
        action: row.try_get("action")?,
        payload: from_json(&payload)?,
        operation: from_json(&operation)?,
        base_revision: row.try_get("base_revision")?,
        created_by: row.try_get("created_by")?,
        created_at: instant(row, "created_at")?,
    })
}

/// Event kinds that change what a flag evaluates to in one environment
/// (`environment` set) or in all of them: what a change request conflicts with.
const FLAG_EVENTS_IN_ENVIRONMENT: &str = "'feature-environment-enabled', \
    'feature-environment-disabled', 'feature-strategy-add', 'feature-strategy-update', \
    'feature-strategy-remove', 'feature-environment-variants-updated'";
const FLAG_EVENTS_EVERYWHERE: &str = "'feature-archived', 'feature-revived', \
    'feature-dependency-added', 'feature-dependency-removed', 'feature-dependencies-removed'";

impl<S: Source> Reader<S> {
    pub async fn change_request_changes(&self, id: i64) -> StorageResult<Vec<ChangeRow>> {
        sqlx::query(
            "SELECT id, change_request_id, feature_name, action, payload, operation, \
             base_revision, created_by, created_at FROM change_request_changes \
             WHERE change_request_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(change_from_row)
        .collect()
    }

    pub async fn change_request_reviews(&self, id: i64) -> StorageResult<Vec<ReviewRow>> {
        let rows = sqlx::query(
            "SELECT reviewer, verdict, created_at FROM change_request_reviews \
             WHERE change_request_id = $1 ORDER BY created_at, reviewer",
        )
        .bind(id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                let verdict: String = row.try_get("verdict")?;
                Ok(ReviewRow {
                    reviewer: row.try_get("reviewer")?,
                    approved: verdict == "approved",
                    created_at: instant(row, "created_at")?,
                })
            })
            .collect()
    }

    pub async fn change_request_comments(&self, id: i64) -> StorageResult<Vec<CommentRow>> {
        let rows = sqlx::query(
            "SELECT id, text, created_by, created_at FROM change_request_comments \
             WHERE change_request_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CommentRow {
                    id: row.try_get("id")?,
                    text: row.try_get("text")?,
                    created_by: row.try_get("created_by")?,
                    created_at: instant(row, "created_at")?,
                })
            })
            .collect()
    }

    /// The ids of the users a request asks to review it.
    pub async fn change_request_approvers(&self, id: i64) -> StorageResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM change_request_approvers WHERE change_request_id = $1 \
             ORDER BY user_id",
        )
        .bind(id)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }

    /// The revision of the last change to what `feature` evaluates to in
    /// `environment` (0: none recorded).
    pub async fn last_flag_revision(&self, feature: &str, environment: &str) -> StorageResult<i64> {
        let sql = format!(
            "SELECT COALESCE(MAX(revision), 0) FROM events WHERE feature_name = $1 AND \
             ((environment = $2 AND type IN ({FLAG_EVENTS_IN_ENVIRONMENT})) \
              OR type IN ({FLAG_EVENTS_EVERYWHERE}))"
        );
        Ok(sqlx::query_scalar(&sql)
            .bind(feature)
            .bind(environment)
            .fetch_one(&mut *self.conn().await?)
            .await?)
    }
}

impl WriteTx<'_> {
    /// Stores a new change (its `id` is ignored) and returns its id.
    pub async fn insert_change(&mut self, row: &ChangeRow) -> StorageResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO change_request_changes (change_request_id, feature_name, action, \
             payload, operation, base_revision, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(row.change_request_id)
        .bind(&row.feature_name)
        .bind(&row.action)
        .bind(to_json(&row.payload))
        .bind(to_json(&row.operation))
        .bind(row.base_revision)
        .bind(&row.created_by)
        .bind(instant_text(&row.created_at))
        .fetch_one(self.tx())
        .await?)
    }

    /// Replaces a change's view, operation and base revision.
    pub async fn update_change(&mut self, row: &ChangeRow) -> StorageResult<()> {
        sqlx::query(
            "UPDATE change_request_changes SET payload = $1, operation = $2, base_revision = $3, \
             created_by = $4, created_at = $5 WHERE id = $6",
        )
        .bind(to_json(&row.payload))
        .bind(to_json(&row.operation))
        .bind(row.base_revision)
        .bind(&row.created_by)
        .bind(instant_text(&row.created_at))
        .bind(row.id)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn delete_change(&mut self, id: i64) -> StorageResult<()> {
        sqlx::query("DELETE FROM change_request_changes WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Records `reviewer`'s approval or rejection (a second one replaces the first).
    pub async fn review_change_request(
        &mut self,
        id: i64,
        reviewer: &str,
        approved: bool,
        at: &DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query(
            "DELETE FROM change_request_reviews WHERE change_request_id = $1 AND reviewer = $2",
        )
        .bind(id)
        .bind(reviewer)
        .execute(self.tx())
        .await?;
        sqlx::query(
            "INSERT INTO change_request_reviews (change_request_id, reviewer, verdict, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(reviewer)
        .bind(if approved { "approved" } else { "rejected" })
        .bind(instant_text(at))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Forgets a request's approvals (its changes were edited).
    pub async fn clear_change_request_reviews(&mut self, id: i64) -> StorageResult<()> {
        sqlx::query("DELETE FROM change_request_reviews WHERE change_request_id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    pub async fn insert_change_request_comment(
        &mut self,
        id: i64,
        text: &str,
        created_by: &str,
        at: &DateTime<Utc>,
    ) -> StorageResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO change_request_comments (change_request_id, text, created_by, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(id)
        .bind(text)
        .bind(created_by)
        .bind(instant_text(at))
        .fetch_one(self.tx())
        .await?)
    }

    /// Replaces the users a request asks to review it.
    pub async fn set_change_request_approvers(
        &mut self,
        id: i64,
        users: &[i64],
    ) -> StorageResult<()> {
        sqlx::query("DELETE FROM change_request_approvers WHERE change_request_id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        for user in users {
            sqlx::query(
                "INSERT INTO change_request_approvers (change_request_id, user_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(user)
            .execute(self.tx())
            .await?;
        }
        Ok(())
    }
}
