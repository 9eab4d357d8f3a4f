//! Writes of release templates and plans (see `release_plans.rs`).

use chrono::{DateTime, Utc};

use super::columns::instant_text;
use super::release_plans::{MILESTONE_STRATEGY_COLUMNS, PLAN_COLUMNS};
use super::{
    to_json, MilestoneRow, MilestoneStrategyRow, PlanRow, ProgressionRow, StorageResult,
    StrategyRow, WriteTx,
};

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
        sqlx::query(
            "UPDATE milestones SET name = $1, sort_order = $2, started_at = $3 WHERE id = $4",
        )
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
        sqlx::query(
            "UPDATE milestone_progressions SET executed_at = $1 WHERE source_milestone = $2",
        )
        .bind(at.map(instant_text))
        .bind(source)
        .execute(self.tx())
        .await?;
        Ok(())
    }
}
