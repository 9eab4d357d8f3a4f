//! Release templates and plans (migration 0027): one definitions table for
//! both (`discriminator` `template` or `plan`, as Unleash's), their milestones,
//! each milestone's strategies, and progressions between milestones. A plan's
//! active milestone has its strategies copied into `feature_strategies` with
//! the same ids and `milestone_id` set, so starting another milestone replaces
//! exactly those and leaves the flag's other strategies alone.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, instant_text, optional_instant};
use super::strategies::{strategy_from_row, STRATEGY_COLUMNS};
use super::{from_json, to_json, Reader, Source, StorageResult, StrategyRow, StrategyValues};
use super::WriteTx;

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

const PLAN_COLUMNS: &str = "id, discriminator, name, description, feature_name, environment, \
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

const MILESTONE_STRATEGY_COLUMNS: &str = "id, milestone_id, strategy_name, title, sort_order, \
    parameters, constraints, segments, variants";

impl<S: Source> Reader<S> {
    /// Templates (`template`), or the plans of one flag's environment, oldest first.
    pub async fn plan_definitions(
        &self,
        discriminator: &str,
        place: Option<(&str, &str)>,
    ) -> StorageResult<Vec<PlanRow>> {
        let mut sql = format!(
            "SELECT {PLAN_COLUMNS} FROM release_plan_definitions WHERE discriminator = $1"
        );
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

impl WriteTx<'_> {
    pub async fn insert_plan_definition(&mut self, plan: &PlanRow) -> StorageResult<()> {
        sqlx::query(&format!(
            "INSERT INTO release_plan_definitions ({PLAN_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&plan.id)
        .bind(&plan.discriminator)
        .bind(&plan.name)
        .bind(&plan.description)
        .bind(&plan.feature_name)
        .bind(&plan.environment)
        .bind(&plan.template_id)
        .bind(&plan.active_milestone_id)
        .bind(plan.paused_at.as_ref().map(instant_text))
        .bind(&plan.created_by)
        .bind(instant_text(&plan.created_at))
        .bind(plan.archived_at.as_ref().map(instant_text))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Writes what may change of a definition: name, description, active
    /// milestone, pause and archive marks.
    pub async fn update_plan_definition(&mut self, plan: &PlanRow) -> StorageResult<()> {
        sqlx::query(
            "UPDATE release_plan_definitions SET name = $1, description = $2, \
             active_milestone_id = $3, paused_at = $4, archived_at = $5 WHERE id = $6",
        )
        .bind(&plan.name)
        .bind(&plan.description)
        .bind(&plan.active_milestone_id)
        .bind(plan.paused_at.as_ref().map(instant_text))
        .bind(plan.archived_at.as_ref().map(instant_text))
        .bind(&plan.id)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Deletes a definition with its milestones, their strategies and
    /// progressions (and a plan's strategies on the flag).
    pub async fn delete_plan_definition(&mut self, id: &str) -> StorageResult<()> {
        for statement in [
            "DELETE FROM feature_strategies WHERE milestone_id IN \
             (SELECT id FROM milestones WHERE release_plan_definition_id = $1)",
            "DELETE FROM milestone_progressions WHERE source_milestone IN \
             (SELECT id FROM milestones WHERE release_plan_definition_id = $1)",
            "DELETE FROM milestone_strategies WHERE milestone_id IN \
             (SELECT id FROM milestones WHERE release_plan_definition_id = $1)",
            "DELETE FROM safeguards WHERE release_plan_id = $1",
            "DELETE FROM milestones WHERE release_plan_definition_id = $1",
            "DELETE FROM release_plan_definitions WHERE id = $1",
        ] {
            sqlx::query(statement).bind(id).execute(self.tx()).await?;
        }
        Ok(())
    }

    pub async fn insert_milestone(&mut self, m: &MilestoneRow) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO milestones (id, release_plan_definition_id, name, sort_order, started_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&m.id)
        .bind(&m.plan_id)
        .bind(&m.name)
        .bind(m.sort_order)
        .bind(m.started_at.as_ref().map(instant_text))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn update_milestone(&mut self, m: &MilestoneRow) -> StorageResult<()> {
        sqlx::query("UPDATE milestones SET name = $1, sort_order = $2, started_at = $3 WHERE id = $4")
            .bind(&m.name)
            .bind(m.sort_order)
            .bind(m.started_at.as_ref().map(instant_text))
            .bind(&m.id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Deletes a milestone with its strategies and the progressions to and from it.
    pub async fn delete_milestone(&mut self, id: &str) -> StorageResult<()> {
        for statement in [
            "DELETE FROM milestone_progressions WHERE source_milestone = $1 OR target_milestone = $1",
            "DELETE FROM milestone_strategies WHERE milestone_id = $1",
            "DELETE FROM milestones WHERE id = $1",
        ] {
            sqlx::query(statement).bind(id).execute(self.tx()).await?;
        }
        Ok(())
    }

    /// Inserts a milestone strategy, or replaces the one with its id.
    pub async fn put_milestone_strategy(&mut self, s: &MilestoneStrategyRow) -> StorageResult<()> {
        sqlx::query("DELETE FROM milestone_strategies WHERE id = $1")
            .bind(&s.id)
            .execute(self.tx())
            .await?;
        let v = &s.values;
        sqlx::query(&format!(
            "INSERT INTO milestone_strategies ({MILESTONE_STRATEGY_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&s.id)
        .bind(&s.milestone_id)
        .bind(&v.name)
        .bind(&v.title)
        .bind(v.sort_order)
        .bind(to_json(&v.parameters))
        .bind(to_json(&v.constraints))
        .bind(to_json(&v.segments))
        .bind(to_json(&v.variants))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn delete_milestone_strategy(&mut self, id: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM milestone_strategies WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Sets the progression out of `p.source_milestone` (replacing one there).
    pub async fn put_progression(&mut self, p: &ProgressionRow) -> StorageResult<()> {
        sqlx::query("DELETE FROM milestone_progressions WHERE source_milestone = $1")
            .bind(&p.source_milestone)
            .execute(self.tx())
            .await?;
        sqlx::query(
            "INSERT INTO milestone_progressions (source_milestone, target_milestone, \
             interval_minutes, executed_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&p.source_milestone)
        .bind(&p.target_milestone)
        .bind(p.interval_minutes)
        .bind(p.executed_at.as_ref().map(instant_text))
        .bind(super::now_text())
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Removes the progression out of a milestone; whether there was one.
    pub async fn delete_progression(&mut self, source: &str) -> StorageResult<bool> {
        let done = sqlx::query("DELETE FROM milestone_progressions WHERE source_milestone = $1")
            .bind(source)
            .execute(self.tx())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Puts a plan strategy on its flag: `strategy` (its id the milestone
    /// strategy's) marked as the milestone's.
    pub async fn insert_milestone_feature_strategy(
        &mut self,
        strategy: &StrategyRow,
        milestone_id: &str,
    ) -> StorageResult<()> {
        self.insert_strategy(strategy).await?;
        sqlx::query("UPDATE feature_strategies SET milestone_id = $1 WHERE id = $2")
            .bind(milestone_id)
            .bind(&strategy.id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Takes a plan's strategies off its flag; how many there were.
    pub async fn delete_plan_feature_strategies(&mut self, plan_id: &str) -> StorageResult<u64> {
        let done = sqlx::query(
            "DELETE FROM feature_strategies WHERE milestone_id IN \
             (SELECT id FROM milestones WHERE release_plan_definition_id = $1)",
        )
        .bind(plan_id)
        .execute(self.tx())
        .await?;
        Ok(done.rows_affected())
    }
}

impl WriteTx<'_> {
    /// Marks the progression out of `source` made (at `at`), or, with `None`,
    /// waiting again (its milestone was started anew).
    pub async fn set_progression_executed(
        &mut self,
        source: &str,
        at: Option<&DateTime<Utc>>,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE milestone_progressions SET executed_at = $1 WHERE source_milestone = $2")
            .bind(at.map(instant_text))
            .bind(source)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
