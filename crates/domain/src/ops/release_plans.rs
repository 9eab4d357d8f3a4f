//! Release plans on a flag's environment: made from a template (its milestones
//! copied), started milestone by milestone, moved on by progressions. Starting
//! a milestone takes the plan's strategies off the flag and puts the
//! milestone's on, in one change (one revision), leaving the flag's other
//! strategies alone. [`ProgressDue`] is what the rollout task applies: it
//! decides under the change lock which progressions are due by the clock and
//! marks each made in the same transaction, so with several replicas on one
//! database each happens once.

use flagstaff_storage::{
    EventKind, MilestoneRow, NewEvent, PlanRow, ProgressionRow, StrategyRow, WriteTx,
};
use serde::{Deserialize, Serialize};

use super::release_templates::new_id;
use super::{Actor, Context, FieldPath, OpError, OpResult, Operation, StrategyPlace};
use crate::wire::release_plans::{plan_view, ReleasePlanView, TransitionCondition};
use crate::wire::to_value;

impl StrategyPlace {
    /// An event about this flag's environment.
    pub(super) fn plan_event(&self, kind: EventKind, actor: &Actor) -> NewEvent {
        NewEvent {
            created_by: actor.name.clone(),
            project: Some(self.project.to_string()),
            environment: Some(self.environment.to_string()),
            feature_name: Some(self.feature.to_string()),
            ..NewEvent::new(kind)
        }
    }

    /// The plan `id`, if it is one of this flag's environment.
    pub(super) async fn plan(&self, w: &mut WriteTx<'_>, id: &str) -> OpResult<PlanRow> {
        super::project_environment(w, &self.project, &self.environment).await?;
        w.live_flag(&self.project, &self.feature).await?;
        match w.plan_definition(id).await? {
            Some(p)
                if p.discriminator == "plan"
                    && p.feature_name.as_deref() == Some(self.feature.as_str())
                    && p.environment.as_deref() == Some(self.environment.as_str()) =>
            {
                Ok(p)
            }
            _ => Err(OpError::NotFound(format!(
                "Could not find release plan with id {id}"
            ))),
        }
    }
}

/// The milestone `id` of `plan`, or 404.
async fn milestone(w: &mut WriteTx<'_>, plan: &PlanRow, id: &str) -> OpResult<MilestoneRow> {
    w.milestones_of(&plan.id)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| OpError::NotFound(format!("Could not find milestone with id {id}")))
}

/// Makes a plan on a flag's environment from a template (Unleash's body:
/// `{templateId}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddReleasePlan {
    pub place: StrategyPlace,
    pub template_id: String,
}

impl Operation for AddReleasePlan {
    type Output = ReleasePlanView;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ReleasePlanView> {
        let place = &self.place;
        super::project_environment(w, &place.project, &place.environment).await?;
        w.live_flag(&place.project, &place.feature).await?;
        let template = match w.plan_definition(&self.template_id).await? {
            Some(t) if t.discriminator == "template" && t.archived_at.is_none() => t,
            _ => {
                return Err(OpError::invalid(
                    FieldPath::root().field("templateId"),
                    format!(
                        "Could not find release plan template with id {}",
                        self.template_id
                    ),
                ))
            }
        };
        if !w
            .plan_definitions(
                "plan",
                Some((place.feature.as_str(), place.environment.as_str())),
            )
            .await?
            .is_empty()
        {
            return Err(OpError::Conflict(format!(
                "{} already has a release plan in {}",
                place.feature, place.environment
            )));
        }
        let plan = PlanRow {
            id: new_id(),
            discriminator: "plan".to_owned(),
            name: template.name.clone(),
            description: template.description.clone(),
            feature_name: Some(place.feature.to_string()),
            environment: Some(place.environment.to_string()),
            template_id: Some(template.id.clone()),
            active_milestone_id: None,
            paused_at: None,
            created_by: cx.actor.name.clone(),
            created_at: flagstaff_storage::now(),
            archived_at: None,
        };
        w.insert_plan_definition(&plan).await?;
        for m in w.milestones_of(&template.id).await? {
            let id = new_id();
            let strategies = w.milestone_strategies_of(&m.id).await?;
            w.insert_milestone(&MilestoneRow {
                id: id.clone(),
                plan_id: plan.id.clone(),
                started_at: None,
                ..m
            })
            .await?;
            for mut s in strategies {
                s.id = new_id();
                s.milestone_id = id.clone();
                w.put_milestone_strategy(&s).await?;
            }
        }
        let view = plan_view(&**w, &plan).await?;
        w.record_event(NewEvent {
            data: Some(to_value(&view)),
            ..place.plan_event(EventKind::ReleasePlanAdded, &cx.actor)
        })
        .await?;
        Ok(view)
    }
}

/// Deletes a plan, and the strategies its milestones put on the flag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveReleasePlan {
    pub place: StrategyPlace,
    pub plan_id: String,
}

impl Operation for RemoveReleasePlan {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let plan = self.place.plan(w, &self.plan_id).await?;
        let before = plan_view(&**w, &plan).await?;
        w.delete_plan_definition(&plan.id).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&before)),
            ..self
                .place
                .plan_event(EventKind::ReleasePlanRemoved, &cx.actor)
        })
        .await?;
        Ok(())
    }
}

/// Starts a milestone of a plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartMilestone {
    pub place: StrategyPlace,
    pub plan_id: String,
    pub milestone_id: String,
}

impl Operation for StartMilestone {
    type Output = ReleasePlanView;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ReleasePlanView> {
        let mut plan = self.place.plan(w, &self.plan_id).await?;
        let target = milestone(w, &plan, &self.milestone_id).await?;
        start_milestone(w, cx, &self.place, &mut plan, target).await?;
        Ok(plan_view(&**w, &plan).await?)
    }
}

/// Puts `target`'s strategies on the flag in place of the plan's, marks it
/// started by the clock and active, re-arms the progression out of it, and
/// records `release-plan-milestone-started`.
pub(super) async fn start_milestone(
    w: &mut WriteTx<'_>,
    cx: &Context,
    place: &StrategyPlace,
    plan: &mut PlanRow,
    mut target: MilestoneRow,
) -> OpResult<()> {
    let removed = w.plan_feature_strategies(&plan.id).await?;
    let others = w
        .strategies(&place.feature, Some(&place.environment))
        .await?
        .len()
        - removed.len();
    let strategies = w.milestone_strategies_of(&target.id).await?;
    if others + strategies.len() > cx.limits.strategies_per_environment {
        return Err(OpError::invalid_input(format!(
            "{} would have more than {} strategies in {} (the strategies limit)",
            place.feature, cx.limits.strategies_per_environment, place.environment
        )));
    }
    w.delete_plan_feature_strategies(&plan.id).await?;
    let mut added = Vec::new();
    for s in strategies {
        let mut values = s.values;
        if let Some(group) = values.parameters.get_mut("groupId") {
            if group.trim().is_empty() {
                *group = place.feature.to_string();
            }
        }
        let row = StrategyRow {
            id: s.id,
            feature_name: place.feature.to_string(),
            environment: place.environment.to_string(),
            values,
        };
        w.insert_milestone_feature_strategy(&row, &target.id)
            .await?;
        added.push(row);
    }
    let now = w.clock().now();
    target.started_at = Some(now);
    w.update_milestone(&target).await?;
    w.set_progression_executed(&target.id, None).await?;
    plan.active_milestone_id = Some(target.id.clone());
    w.update_plan_definition(plan).await?;
    let shown = |rows: &[StrategyRow]| {
        rows.iter()
            .map(|s| to_value(&crate::wire::StrategyView::from(s)))
            .collect::<Vec<_>>()
    };
    w.record_event(NewEvent {
        pre_data: Some(serde_json::json!({"strategies": shown(&removed)})),
        data: Some(serde_json::json!({
            "releasePlanId": plan.id, "milestoneId": target.id, "milestoneName": target.name,
            "strategies": shown(&added),
        })),
        ..place.plan_event(EventKind::ReleasePlanMilestoneStarted, &cx.actor)
    })
    .await?;
    Ok(())
}

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
/// `system`; how many it made.
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
            let Some(flag) = w.flag(feature).await? else {
                continue;
            };
            let place = StrategyPlace {
                project: super::ProjectId::parse(&flag.project)?,
                feature: super::FlagName::parse(feature)?,
                environment: super::EnvironmentName::parse(environment)?,
            };
            let target = milestone(w, &plan, &progression.target_milestone).await?;
            w.set_progression_executed(&progression.source_milestone, Some(&now))
                .await?;
            start_milestone(w, cx, &place, &mut plan, target).await?;
            made += 1;
        }
        Ok(made)
    }
}
