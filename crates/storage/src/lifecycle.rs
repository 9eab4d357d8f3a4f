//! Flag lifecycle (Unleash's feature lifecycle): the stages a flag went
//! through, the count of flags in each stage, and the one mark Flagstaff
//! records, "completed" (kept or discarded). Every other stage is derived
//! from what Flagstaff knows, with the pieces the flag search uses
//! ([`Lifecycle`]).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::columns::instant_text;
use super::flag_search::{enabled_before_production, lifecycle_sql, reports_of};
use super::{Lifecycle, Reader, Source, StorageResult, WriteTx};

/// A stage a flag reached, when (where known) and, for `completed`, whether
/// it was kept or discarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleStage {
    pub stage: Lifecycle,
    pub status: Option<String>,
    pub entered: Option<String>,
}

/// How many flags are in each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LifecycleCounts {
    pub initial: i64,
    pub pre_live: i64,
    pub live: i64,
    pub completed: i64,
    pub archived: i64,
}

impl<S: Source> Reader<S> {
    /// The stages the flag `name` of `project` (live or archived) reached, in
    /// order: `initial` always; `pre-live` when reported in or enabled in a
    /// non-production environment; `live` when reported in a production one;
    /// `completed` when marked; `archived` when archived. `None`: no such flag.
    pub async fn flag_lifecycle(
        &self,
        project: &str,
        name: &str,
    ) -> StorageResult<Option<Vec<LifecycleStage>>> {
        let sql = format!(
            "SELECT f.created_at, f.archived_at, c.status, c.completed_at, \
               (SELECT MIN(m.hour) {pre}) AS pre_seen, \
               (SELECT COUNT(*) {enabled}) AS pre_enabled, \
               (SELECT MIN(m.hour) {live}) AS live_seen \
             FROM features f LEFT JOIN feature_completions c ON c.feature_name = f.name \
             WHERE f.name = $1 AND f.project_id = $2",
            pre = reports_of("f", "<>"),
            enabled = enabled_before_production("f"),
            live = reports_of("f", "="),
        );
        let Some(row) = sqlx::query(&sql)
            .bind(name)
            .bind(project)
            .fetch_optional(&mut *self.conn().await?)
            .await?
        else {
            return Ok(None);
        };
        let stage = |stage, entered| LifecycleStage {
            stage,
            status: None,
            entered,
        };
        let mut stages = vec![stage(Lifecycle::Initial, row.try_get("created_at")?)];
        let pre_seen: Option<String> = row.try_get("pre_seen")?;
        let pre_enabled: i64 = row.try_get("pre_enabled")?;
        if pre_seen.is_some() || pre_enabled > 0 {
            stages.push(stage(Lifecycle::PreLive, pre_seen));
        }
        let live_seen: Option<String> = row.try_get("live_seen")?;
        if live_seen.is_some() {
            stages.push(stage(Lifecycle::Live, live_seen));
        }
        let completed_at: Option<String> = row.try_get("completed_at")?;
        if completed_at.is_some() {
            stages.push(LifecycleStage {
                status: row.try_get("status")?,
                ..stage(Lifecycle::Completed, completed_at)
            });
        }
        let archived_at: Option<String> = row.try_get("archived_at")?;
        if archived_at.is_some() {
            stages.push(stage(Lifecycle::Archived, archived_at));
        }
        Ok(Some(stages))
    }

    /// How many flags, live and archived, are in each stage now.
    pub async fn lifecycle_counts(&self) -> StorageResult<LifecycleCounts> {
        let sql = format!(
            "SELECT s.stage, COUNT(*) AS flags FROM \
             (SELECT {stage} AS stage FROM features) s GROUP BY s.stage",
            stage = lifecycle_sql("features"),
        );
        let mut counts = LifecycleCounts::default();
        for row in sqlx::query(&sql)
            .fetch_all(&mut *self.conn().await?)
            .await?
        {
            let stage: String = row.try_get("stage")?;
            let flags: i64 = row.try_get("flags")?;
            let slot = match Lifecycle::parse(&stage) {
                Some(Lifecycle::Initial) | None => &mut counts.initial,
                Some(Lifecycle::PreLive) => &mut counts.pre_live,
                Some(Lifecycle::Live) => &mut counts.live,
                Some(Lifecycle::Completed) => &mut counts.completed,
                Some(Lifecycle::Archived) => &mut counts.archived,
            };
            *slot += flags;
        }
        Ok(counts)
    }
}

impl WriteTx<'_> {
    /// Marks the flag completed (again: the new mark replaces the old one).
    pub async fn complete_flag(
        &mut self,
        name: &str,
        status: &str,
        status_value: Option<&str>,
        at: &DateTime<Utc>,
    ) -> StorageResult<()> {
        self.uncomplete_flag(name).await?;
        sqlx::query(
            "INSERT INTO feature_completions (feature_name, status, status_value, completed_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(name)
        .bind(status)
        .bind(status_value)
        .bind(instant_text(at))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Removes the flag's completed mark; whether it had one.
    pub async fn uncomplete_flag(&mut self, name: &str) -> StorageResult<bool> {
        let done = sqlx::query("DELETE FROM feature_completions WHERE feature_name = $1")
            .bind(name)
            .execute(self.tx())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
