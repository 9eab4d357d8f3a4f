//! Change requests (Unleash Enterprise's, issue 26): which project
//! environments need one, the requests with their changes (each a stored
//! operation beside Unleash's view of it), reviews, comments, requested
//! approvers, and what the scheduler finds due. Rows only: the rules
//! (transitions, four eyes, conflicts) are the domain's operations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use sqlx::any::AnyRow;
use sqlx::Row;

mod changes;
pub use changes::{ChangeRow, CommentRow, ReviewRow};

use super::columns::{decoded, instant, instant_text, optional_instant};
use super::{Reader, Source, StorageResult, WriteTx};

/// Where a change request is in its life (Unleash's names on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum ChangeRequestState {
    Draft,
    #[serde(rename = "In review")]
    InReview,
    Approved,
    Scheduled,
    Applied,
    Cancelled,
    Rejected,
}

impl ChangeRequestState {
    pub const ALL: [ChangeRequestState; 7] = [
        ChangeRequestState::Draft,
        ChangeRequestState::InReview,
        ChangeRequestState::Approved,
        ChangeRequestState::Scheduled,
        ChangeRequestState::Applied,
        ChangeRequestState::Cancelled,
        ChangeRequestState::Rejected,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeRequestState::Draft => "Draft",
            ChangeRequestState::InReview => "In review",
            ChangeRequestState::Approved => "Approved",
            ChangeRequestState::Scheduled => "Scheduled",
            ChangeRequestState::Applied => "Applied",
            ChangeRequestState::Cancelled => "Cancelled",
            ChangeRequestState::Rejected => "Rejected",
        }
    }

    pub fn parse(text: &str) -> Option<ChangeRequestState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Applied, cancelled or rejected: nothing more happens to it.
    pub const fn is_closed(self) -> bool {
        matches!(
            self,
            ChangeRequestState::Applied
                | ChangeRequestState::Cancelled
                | ChangeRequestState::Rejected
        )
    }
}

/// A change request's row.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRequestRow {
    pub id: i64,
    pub project: String,
    pub environment: String,
    pub title: String,
    pub state: ChangeRequestState,
    pub min_approvals: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// `pending` or `failed` while scheduled (Unleash's schedule status).
    pub schedule_status: Option<String>,
    pub schedule_failure: Option<String>,
}

const REQUEST_COLUMNS: &str = "id, project_id, environment, title, state, min_approvals, \
    created_by, created_at, scheduled_at, schedule_status, schedule_failure";

fn request_from_row(row: &AnyRow) -> StorageResult<ChangeRequestRow> {
    Ok(ChangeRequestRow {
        id: row.try_get("id")?,
        project: row.try_get("project_id")?,
        environment: row.try_get("environment")?,
        title: row.try_get("title")?,
        state: decoded(
            row,
            "state",
            ChangeRequestState::parse,
            "a change request state",
        )?,
        min_approvals: row.try_get("min_approvals")?,
        created_by: row.try_get("created_by")?,
        created_at: instant(row, "created_at")?,
        scheduled_at: optional_instant(row, "scheduled_at")?,
        schedule_status: row.try_get("schedule_status")?,
        schedule_failure: row.try_get("schedule_failure")?,
    })
}

impl<S: Source> Reader<S> {
    /// The project's environments that need change requests, with the
    /// approvals each requires.
    pub async fn change_request_settings(
        &self,
        project: &str,
    ) -> StorageResult<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT environment, required_approvals FROM change_request_settings \
             WHERE project_id = $1 ORDER BY environment",
        )
        .bind(project)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }

    /// The approvals changes to this project environment need (`None`: no
    /// change request needed).
    pub async fn change_request_setting(
        &self,
        project: &str,
        environment: &str,
    ) -> StorageResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT required_approvals FROM change_request_settings \
             WHERE project_id = $1 AND environment = $2",
        )
        .bind(project)
        .bind(environment)
        .fetch_optional(&mut *self.conn().await?)
        .await?)
    }

    pub async fn change_request(&self, id: i64) -> StorageResult<Option<ChangeRequestRow>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM change_requests WHERE id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .as_ref()
            .map(request_from_row)
            .transpose()
    }

    /// A project's change requests (every project's with `None`), newest first.
    pub async fn change_requests(
        &self,
        project: Option<&str>,
    ) -> StorageResult<Vec<ChangeRequestRow>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM change_requests \
             WHERE ($1 IS NULL OR project_id = $1) ORDER BY id DESC"
        );
        sqlx::query(&sql)
            .bind(project)
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(request_from_row)
            .collect()
    }

    /// `created_by`'s draft for this project environment, if any.
    pub async fn change_request_draft(
        &self,
        project: &str,
        environment: &str,
        created_by: &str,
    ) -> StorageResult<Option<ChangeRequestRow>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM change_requests WHERE project_id = $1 \
             AND environment = $2 AND created_by = $3 AND state = 'Draft' ORDER BY id LIMIT 1"
        );
        sqlx::query(&sql)
            .bind(project)
            .bind(environment)
            .bind(created_by)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .as_ref()
            .map(request_from_row)
            .transpose()
    }

    /// Scheduled requests whose time has come (at or before `now`) and whose
    /// schedule has not failed, oldest first.
    pub async fn due_change_requests(&self, now: &DateTime<Utc>) -> StorageResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM change_requests WHERE state = 'Scheduled' \
             AND schedule_status = 'pending' AND scheduled_at <= $1 ORDER BY scheduled_at, id",
        )
        .bind(instant_text(now))
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }
}

impl WriteTx<'_> {
    /// Sets how many approvals the project environment's changes need, or
    /// (`None`) that they need no change request.
    pub async fn set_change_request_setting(
        &mut self,
        project: &str,
        environment: &str,
        required_approvals: Option<i64>,
    ) -> StorageResult<()> {
        sqlx::query(
            "DELETE FROM change_request_settings WHERE project_id = $1 AND environment = $2",
        )
        .bind(project)
        .bind(environment)
        .execute(self.tx())
        .await?;
        if let Some(approvals) = required_approvals {
            sqlx::query(
                "INSERT INTO change_request_settings (project_id, environment, required_approvals) \
                 VALUES ($1, $2, $3)",
            )
            .bind(project)
            .bind(environment)
            .bind(approvals)
            .execute(self.tx())
            .await?;
        }
        Ok(())
    }

    /// Stores a new request (its `id` is ignored) and returns its id.
    pub async fn insert_change_request(&mut self, row: &ChangeRequestRow) -> StorageResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO change_requests (project_id, environment, title, state, min_approvals, \
             created_by, created_at, scheduled_at, schedule_status, schedule_failure) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&row.project)
        .bind(&row.environment)
        .bind(&row.title)
        .bind(row.state.as_str())
        .bind(row.min_approvals)
        .bind(&row.created_by)
        .bind(instant_text(&row.created_at))
        .bind(row.scheduled_at.as_ref().map(instant_text))
        .bind(&row.schedule_status)
        .bind(&row.schedule_failure)
        .fetch_one(self.tx())
        .await?)
    }

    /// Writes a request's title, state and schedule.
    pub async fn update_change_request(&mut self, row: &ChangeRequestRow) -> StorageResult<()> {
        sqlx::query(
            "UPDATE change_requests SET title = $1, state = $2, scheduled_at = $3, \
             schedule_status = $4, schedule_failure = $5 WHERE id = $6",
        )
        .bind(&row.title)
        .bind(row.state.as_str())
        .bind(row.scheduled_at.as_ref().map(instant_text))
        .bind(&row.schedule_status)
        .bind(&row.schedule_failure)
        .bind(row.id)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Deletes a request with its changes, reviews and comments.
    pub async fn delete_change_request(&mut self, id: i64) -> StorageResult<()> {
        for table in [
            "change_request_changes",
            "change_request_reviews",
            "change_request_comments",
            "change_request_approvers",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE change_request_id = $1"))
                .bind(id)
                .execute(self.tx())
                .await?;
        }
        sqlx::query("DELETE FROM change_requests WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
