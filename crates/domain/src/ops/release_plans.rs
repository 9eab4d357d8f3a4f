//! Release plans on a flag's environment: made from a template (its milestones
//! copied), started milestone by milestone, moved on by progressions. Starting
//! a milestone takes the plan's strategies off the flag and puts the
//! milestone's on, in one change (one revision), leaving the flag's other
//! strategies alone. Progressions (`progressions.rs`) start milestones the
//! same way.

use flagstaff_storage::{EventKind, MilestoneRow, NewEvent, PlanRow, StrategyRow, WriteTx};
use serde::{Deserialize, Serialize};

use super::release_template_inputs::new_id;
use super::{Actor, Context, FieldPath, OpError, OpResult, Operation, StrategyPlace};
use crate::wire::release_plans::{plan_view, ReleasePlanView};
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
pub(super) async fn milestone(
    w: &mut WriteTx<'_>,
    plan: &PlanRow,
    id: &str,
) -> OpResult<MilestoneRow> {
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

/// Whether `target`'s strategies, in place of the plan's, keep the flag's
/// environment within the strategies limit.
pub(super) async fn milestone_fits(
    w: &mut WriteTx<'_>,
    cx: &Context,
    place: &StrategyPlace,
    plan: &PlanRow,
    target: &MilestoneRow,
) -> OpResult<bool> {
    let removed = w.plan_feature_strategies(&plan.id).await?.len();
    let all = w
        .strategies(&place.feature, Some(&place.environment))
        .await?
        .len();
    let added = w.milestone_strategies_of(&target.id).await?.len();
    Ok(all.saturating_sub(removed) + added <= cx.limits.strategies_per_environment)
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
    if !milestone_fits(w, cx, place, plan, &target).await? {
        return Err(OpError::invalid_input(format!(
            "{} would have more than {} strategies in {} (the strategies limit)",
            place.feature, cx.limits.strategies_per_environment, place.environment
        )));
    }
    let removed = w.plan_feature_strategies(&plan.id).await?;
    let strategies = w.milestone_strategies_of(&target.id).await?;
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
