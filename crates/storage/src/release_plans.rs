//! Release templates and plans (migration 0027): one definitions table for
//! both (`discriminator` `template` or `plan`, as Unleash's), their milestones,
//! each milestone's strategies, and progressions between milestones. A plan's
//! active milestone has its strategies copied into `feature_strategies` with
//! the same ids and `milestone_id` set, so starting another milestone replaces
//! exactly those and leaves the flag's other strategies alone.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, optional_instant};
use super::strategies::{strategy_from_row, STRATEGY_COLUMNS};
use super::{from_json, Reader, Source, StorageResult, StrategyRow, StrategyValues};

/// A template, or a plan on one flag's environment.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub id: String,
    /// `template` or `plan`.
    pub discriminator: String,
    pub name: String,
    pub description: Option<String>,
    pub feature_name: Option<String>,
    pub environment: Option<String>,
    pub template_id: Option<String>,
    pub active_milestone_id: Option<String>,
    /// When a safeguard paused its progressions (a plan only).
    pub paused_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneRow {
    pub id: String,
    pub plan_id: String,
    pub name: String,
    pub sort_order: i64,
    /// When it was started, by the domain's clock (plans only).
    pub started_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneStrategyRow {
    pub id: String,
    pub milestone_id: String,
    /// What it says (`disabled` is not stored: a milestone strategy is on).
    pub values: StrategyValues,
}

/// Move from `source` to `target` `interval_minutes` after `source` started.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressionRow {
    pub source_milestone: String,
    pub target_milestone: String,
    pub interval_minutes: i64,
    pub executed_at: Option<DateTime<Utc>>,
}

pub(super) const PLAN_COLUMNS: &str =
    "id, discriminator, name, description, feature_name, environment, \
    release_plan_template_id, active_milestone_id, paused_at, created_by, created_at, archived_at";

fn plan_from_row(r: &AnyRow) -> StorageResult<PlanRow> {
    Ok(PlanRow {
        id: r.try_get("id")?,
        discriminator: r.try_get("discriminator")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        feature_name: r.try_get("feature_name")?,
        environment: r.try_get("environment")?,
        template_id: r.try_get("release_plan_template_id")?,
        active_milestone_id: r.try_get("active_milestone_id")?,
        paused_at: optional_instant(r, "paused_at")?,
        created_by: r.try_get("created_by")?,
        created_at: instant(r, "created_at")?,
        archived_at: optional_instant(r, "archived_at")?,
    })
}

fn milestone_from_row(r: &AnyRow) -> StorageResult<MilestoneRow> {
    Ok(MilestoneRow {
        id: r.try_get("id")?,
        plan_id: r.try_get("release_plan_definition_id")?,
        name: r.try_get("name")?,
        sort_order: r.try_get("sort_order")?,
        started_at: optional_instant(r, "started_at")?,
    })
}

fn milestone_strategy_from_row(r: &AnyRow) -> StorageResult<MilestoneStrategyRow> {
    Ok(MilestoneStrategyRow {
        id: r.try_get("id")?,
        milestone_id: r.try_get("milestone_id")?,
        values: StrategyValues {
            name: r.try_get("strategy_name")?,
            title: r.try_get("title")?,
            disabled: false,
            sort_order: r.try_get("sort_order")?,
            parameters: from_json(&r.try_get::<String, _>("parameters")?)?,
            constraints: from_json(&r.try_get::<String, _>("constraints")?)?,
            segments: from_json(&r.try_get::<String, _>("segments")?)?,
            variants: from_json(&r.try_get::<String, _>("variants")?)?,
        },
    })
}

fn progression_from_row(r: &AnyRow) -> StorageResult<ProgressionRow> {
    Ok(ProgressionRow {
        source_milestone: r.try_get("source_milestone")?,
        target_milestone: r.try_get("target_milestone")?,
        interval_minutes: r.try_get("interval_minutes")?,
        executed_at: optional_instant(r, "executed_at")?,
    })
}

pub(super) const MILESTONE_STRATEGY_COLUMNS: &str =
    "id, milestone_id, strategy_name, title, sort_order, \
    parameters, constraints, segments, variants";

impl<S: Source> Reader<S> {
    /// Templates (`template`), or the plans of one flag's environment, oldest first.
    pub async fn plan_definitions(
        &self,
        discriminator: &str,
        place: Option<(&str, &str)>,
    ) -> StorageResult<Vec<PlanRow>> {
        let mut sql =
            format!("SELECT {PLAN_COLUMNS} FROM release_plan_definitions WHERE discriminator = $1");
        if place.is_some() {
            sql.push_str(" AND feature_name = $2 AND environment = $3");
        }
        sql.push_str(" ORDER BY created_at, id");
        let mut query = sqlx::query(&sql).bind(discriminator);
        if let Some((feature, environment)) = place {
            query = query.bind(feature).bind(environment);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(plan_from_row).collect()
    }

    pub async fn plan_definition(&self, id: &str) -> StorageResult<Option<PlanRow>> {
        let row = sqlx::query(&format!(
            "SELECT {PLAN_COLUMNS} FROM release_plan_definitions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(plan_from_row).transpose()
    }

    /// A template's or plan's milestones, in order.
    pub async fn milestones_of(&self, plan_id: &str) -> StorageResult<Vec<MilestoneRow>> {
        let rows = sqlx::query(
            "SELECT id, release_plan_definition_id, name, sort_order, started_at FROM milestones \
             WHERE release_plan_definition_id = $1 ORDER BY sort_order, id",
        )
        .bind(plan_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(milestone_from_row).collect()
    }

    pub async fn milestone(&self, id: &str) -> StorageResult<Option<MilestoneRow>> {
        let row = sqlx::query(
            "SELECT id, release_plan_definition_id, name, sort_order, started_at FROM milestones \
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(milestone_from_row).transpose()
    }

    /// A milestone's strategies, in order.
    pub async fn milestone_strategies_of(
        &self,
        milestone_id: &str,
    ) -> StorageResult<Vec<MilestoneStrategyRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {MILESTONE_STRATEGY_COLUMNS} FROM milestone_strategies \
             WHERE milestone_id = $1 ORDER BY sort_order, id"
        ))
        .bind(milestone_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(milestone_strategy_from_row).collect()
    }

    pub async fn milestone_strategy(
        &self,
        id: &str,
    ) -> StorageResult<Option<MilestoneStrategyRow>> {
        let row = sqlx::query(&format!(
            "SELECT {MILESTONE_STRATEGY_COLUMNS} FROM milestone_strategies WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(milestone_strategy_from_row).transpose()
    }

    /// The progressions out of a plan's milestones.
    pub async fn progressions_of(&self, plan_id: &str) -> StorageResult<Vec<ProgressionRow>> {
        let rows = sqlx::query(
            "SELECT p.source_milestone, p.target_milestone, p.interval_minutes, p.executed_at \
             FROM milestone_progressions p JOIN milestones m ON m.id = p.source_milestone \
             WHERE m.release_plan_definition_id = $1 ORDER BY m.sort_order",
        )
        .bind(plan_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(progression_from_row).collect()
    }

    /// Plans whose active milestone has a progression not yet made and that
    /// no safeguard paused, with when that milestone started: what the
    /// rollout task looks at (it decides by its clock whether one is due).
    pub async fn waiting_progressions(
        &self,
    ) -> StorageResult<Vec<(String, ProgressionRow, DateTime<Utc>)>> {
        let rows = sqlx::query(
            "SELECT d.id AS plan_id, p.source_milestone, p.target_milestone, p.interval_minutes, \
             p.executed_at, m.started_at FROM release_plan_definitions d \
             JOIN milestones m ON m.id = d.active_milestone_id \
             JOIN milestone_progressions p ON p.source_milestone = m.id \
             WHERE d.discriminator = 'plan' AND d.paused_at IS NULL \
             AND p.executed_at IS NULL AND m.started_at IS NOT NULL",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("plan_id")?,
                    progression_from_row(r)?,
                    instant(r, "started_at")?,
                ))
            })
            .collect()
    }

    /// The flag strategies a plan's started milestones put there.
    pub async fn plan_feature_strategies(&self, plan_id: &str) -> StorageResult<Vec<StrategyRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {STRATEGY_COLUMNS} FROM feature_strategies WHERE milestone_id IN \
             (SELECT id FROM milestones WHERE release_plan_definition_id = $1) \
             ORDER BY sort_order, created_at, id"
        ))
        .bind(plan_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(strategy_from_row).collect()
    }
}
