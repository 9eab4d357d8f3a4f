//! Progressions: a plan's milestone moves on to another `intervalMinutes`
//! after it started. [`ProgressDue`] is what the rollout task applies: it
//! decides under the change lock which are due by the store's clock and marks
//! each made in the same transaction, so with several replicas on one
//! database each happens once.

use flagstaff_storage::{EventKind, NewEvent, ProgressionRow, WriteTx};
use serde::{Deserialize, Serialize};

use super::release_plans::{milestone, milestone_fits, start_milestone};
use super::{Context, FieldPath, OpError, OpResult, Operation, StrategyPlace};
use crate::wire::release_plans::{plan_view, ReleasePlanView, TransitionCondition};

/// Sets the progression out of a milestone (Unleash's PUT
/// `…/progressions/{sourceMilestoneId}`: `{targetMilestone,
/// transitionCondition: {intervalMinutes}}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetProgression {
    pub place: StrategyPlace,
    pub source_milestone: String,
    pub target_milestone: String,
    pub transition_condition: TransitionCondition,
}

/// The longest interval a progression may wait: a year.
const MAX_INTERVAL_MINUTES: i64 = 366 * 24 * 60;

impl Operation for SetProgression {
    type Output = ReleasePlanView;

    fn check(&self, _cx: &Context) -> OpResult<()> {
        let minutes = self.transition_condition.interval_minutes;
        if !(1..=MAX_INTERVAL_MINUTES).contains(&minutes) {
            return Err(OpError::invalid(
                FieldPath::root()
                    .field("transitionCondition")
                    .field("intervalMinutes"),
                format!("the interval must be from 1 to {MAX_INTERVAL_MINUTES} minutes"),
            ));
        }
        if self.source_milestone == self.target_milestone {
            return Err(OpError::invalid(
                FieldPath::root().field("targetMilestone"),
                "a milestone cannot progress to itself",
            ));
        }
        Ok(())
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ReleasePlanView> {
        let source = w.milestone(&self.source_milestone).await?.ok_or_else(|| {
            OpError::NotFound(format!(
                "Could not find milestone with id {}",
                self.source_milestone
            ))
        })?;
        let plan = self.place.plan(w, &source.plan_id).await?;
        let target = milestone(w, &plan, &self.target_milestone)
            .await
            .map_err(|_| {
                OpError::invalid(
                    FieldPath::root().field("targetMilestone"),
                    format!("{} is no milestone of this plan", self.target_milestone),
                )
            })?;
        let existed = w
            .progressions_of(&plan.id)
            .await?
            .into_iter()
            .find(|p| p.source_milestone == source.id);
        let progression = ProgressionRow {
            source_milestone: source.id,
            target_milestone: target.id,
            interval_minutes: self.transition_condition.interval_minutes,
            executed_at: None,
        };
        w.put_progression(&progression).await?;
        let kind = match existed {
            Some(_) => EventKind::MilestoneProgressionUpdated,
            None => EventKind::MilestoneProgressionCreated,
        };
        w.record_event(NewEvent {
            data: Some(serde_json::json!({
                "releasePlanId": plan.id, "sourceMilestone": progression.source_milestone,
                "targetMilestone": progression.target_milestone,
                "transitionCondition": {"intervalMinutes": progression.interval_minutes},
            })),
            ..self.place.plan_event(kind, &cx.actor)
        })
        .await?;
        Ok(plan_view(&**w, &plan).await?)
    }
}

/// Removes the progression out of a milestone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveProgression {
    pub place: StrategyPlace,
    pub source_milestone: String,
}

impl Operation for RemoveProgression {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let missing = || {
            OpError::NotFound(format!(
                "Could not find a progression from milestone {}",
                self.source_milestone
            ))
        };
        let source = w
            .milestone(&self.source_milestone)
            .await?
            .ok_or_else(missing)?;
        let plan = self.place.plan(w, &source.plan_id).await?;
        if !w.delete_progression(&source.id).await? {
            return Err(missing());
        }
        w.record_event(NewEvent {
            pre_data: Some(serde_json::json!({
                "releasePlanId": plan.id, "sourceMilestone": source.id,
            })),
            ..self
                .place
                .plan_event(EventKind::MilestoneProgressionDeleted, &cx.actor)
        })
        .await?;
        Ok(())
    }
}

/// Makes every progression that is due by the clock (its milestone started
/// `intervalMinutes` ago or more, its plan not paused, not yet made): starts
/// its target milestone and marks it made. Applied by the rollout task as
/// `system`; how many it made. A plan whose flag is archived, or whose
/// milestone would pass the strategies limit, waits (logged).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProgressDue;

impl Operation for ProgressDue {
    type Output = usize;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<usize> {
        let now = w.clock().now();
        let mut made = 0;
        for (plan_id, progression, started_at) in w.waiting_progressions().await? {
            if started_at + chrono::Duration::minutes(progression.interval_minutes) > now {
                continue;
            }
            let Some(mut plan) = w.plan_definition(&plan_id).await? else {
                continue;
            };
            let (Some(feature), Some(environment)) = (&plan.feature_name, &plan.environment) else {
                continue;
            };
            let Some(flag) = w.flag(feature).await?.filter(|f| f.archived_at.is_none()) else {
                continue;
            };
            let place = StrategyPlace {
                project: super::ProjectId::parse(&flag.project)?,
                feature: super::FlagName::parse(feature)?,
                environment: super::EnvironmentName::parse(environment)?,
            };
            let target = milestone(w, &plan, &progression.target_milestone).await?;
            // One plan that cannot move (its flag archived, or the strategies
            // limit) waits, logged, and holds up no other.
            if !milestone_fits(w, cx, &place, &plan, &target).await? {
                tracing::warn!(
                    plan = %plan.id,
                    flag = %place.feature,
                    "a due progression waits: its milestone would pass the strategies limit"
                );
                continue;
            }
            w.set_progression_executed(&progression.source_milestone, Some(&now))
                .await?;
            start_milestone(w, cx, &place, &mut plan, target).await?;
            made += 1;
        }
        Ok(made)
    }
}
