//! Release plan templates (Unleash Enterprise's release templates): a named
//! list of milestones, each with strategies, e.g. 5% → 25% → 50% → 100%. A
//! plan made from one copies its milestones ([`super::release_plans`]). Every
//! change records `release-plan-template-created`/`-updated`/`-deleted`/
//! `-archived` with the template as shown before and after.

use flagstaff_storage::{EventKind, NewEvent, PlanRow, WriteTx};
use serde::{Deserialize, Serialize};

use super::release_template_inputs::{
    new_id, MilestoneInput, MilestoneStrategyInput, TemplateInput, MAX_MILESTONES,
};
use super::{Context, FieldPath, OpError, OpResult, Operation};
use crate::wire::release_plans::{plan_view, MilestoneView, ReleasePlanView};
use crate::wire::to_value;

/// A template by id (not a plan), or 404.
async fn template(w: &mut WriteTx<'_>, id: &str) -> OpResult<PlanRow> {
    match w.plan_definition(id).await? {
        Some(t) if t.discriminator == "template" => Ok(t),
        _ => Err(OpError::NotFound(format!(
            "Could not find release plan template with id {id}"
        ))),
    }
}

async fn check_unique_name(w: &mut WriteTx<'_>, name: &str, except: Option<&str>) -> OpResult<()> {
    let taken = w
        .plan_definitions("template", None)
        .await?
        .iter()
        .any(|t| t.name == name && Some(t.id.as_str()) != except && t.archived_at.is_none());
    if taken {
        return Err(OpError::Conflict(format!(
            "A release plan template named {name} already exists"
        )));
    }
    Ok(())
}

async fn view(w: &mut WriteTx<'_>, plan: &PlanRow) -> OpResult<ReleasePlanView> {
    Ok(plan_view(&**w, plan).await?)
}

/// Records a template event with its view before and after.
async fn record(
    w: &mut WriteTx<'_>,
    cx: &Context,
    kind: EventKind,
    before: Option<&ReleasePlanView>,
    after: Option<&ReleasePlanView>,
) -> OpResult<()> {
    w.record_event(NewEvent {
        created_by: cx.actor.name.clone(),
        pre_data: before.map(to_value),
        data: after.map(to_value),
        ..NewEvent::new(kind)
    })
    .await?;
    Ok(())
}

/// Makes a template with its milestones.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateTemplate {
    pub template: TemplateInput,
}

impl Operation for CreateTemplate {
    type Output = ReleasePlanView;

    fn check(&self, cx: &Context) -> OpResult<()> {
        self.template.check(&cx.limits)
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ReleasePlanView> {
        check_unique_name(w, &self.template.name, None).await?;
        let plan = PlanRow {
            id: new_id(),
            discriminator: "template".to_owned(),
            name: self.template.name,
            description: self.template.description,
            feature_name: None,
            environment: None,
            template_id: None,
            active_milestone_id: None,
            paused_at: None,
            created_by: cx.actor.name.clone(),
            created_at: flagstaff_storage::now(),
            archived_at: None,
        };
        w.insert_plan_definition(&plan).await?;
        for (i, m) in self.template.milestones.into_iter().enumerate() {
            m.write(w, &plan.id, new_id(), i as i64, &cx.limits)
                .await
                .map_err(|e| e.within(&FieldPath::root().field("milestones").index(i)))?;
        }
        let after = view(w, &plan).await?;
        record(
            w,
            cx,
            EventKind::ReleasePlanTemplateCreated,
            None,
            Some(&after),
        )
        .await?;
        Ok(after)
    }
}

/// What a change to a template does, besides its event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TemplateChange {
    /// Replaces its name, description and milestones (Unleash's PUT).
    Replace(TemplateInput),
    Delete,
    Archive,
    AddMilestone(MilestoneInput),
    /// Replaces a milestone's name, place and strategies.
    UpdateMilestone {
        milestone_id: String,
        milestone: MilestoneInput,
    },
    DeleteMilestone {
        milestone_id: String,
    },
    AddStrategy {
        milestone_id: String,
        strategy: MilestoneStrategyInput,
    },
    UpdateStrategy {
        milestone_id: String,
        strategy_id: String,
        strategy: MilestoneStrategyInput,
    },
    DeleteStrategy {
        milestone_id: String,
        strategy_id: String,
    },
}

/// Changes a template: one of [`TemplateChange`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeTemplate {
    pub id: String,
    pub change: TemplateChange,
}

/// What a template change answers: the template (gone: `None`), and the
/// milestone or strategy it made or changed.
#[derive(Debug)]
pub struct TemplateChanged {
    pub template: Option<ReleasePlanView>,
    pub milestone: Option<MilestoneView>,
    pub strategy_id: Option<String>,
}

impl Operation for ChangeTemplate {
    type Output = TemplateChanged;

    fn check(&self, cx: &Context) -> OpResult<()> {
        match &self.change {
            TemplateChange::Replace(t) => t.check(&cx.limits),
            TemplateChange::AddMilestone(m)
            | TemplateChange::UpdateMilestone { milestone: m, .. } => m.check(&cx.limits),
            _ => Ok(()),
        }
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<TemplateChanged> {
        let mut plan = template(w, &self.id).await?;
        let before = view(w, &plan).await?;
        let milestone_of = |id: &str| {
            before
                .milestones
                .iter()
                .find(|m| m.id == id)
                .cloned()
                .ok_or_else(|| OpError::NotFound(format!("Could not find milestone with id {id}")))
        };
        let limits = cx.limits;
        let mut touched_milestone = None;
        let mut strategy_id = None;
        let kind = match self.change {
            TemplateChange::Replace(input) => {
                check_unique_name(w, &input.name, Some(plan.id.as_str())).await?;
                for m in &before.milestones {
                    w.delete_milestone(&m.id).await?;
                }
                plan.name = input.name;
                plan.description = input.description;
                w.update_plan_definition(&plan).await?;
                for (i, m) in input.milestones.into_iter().enumerate() {
                    m.write(w, &plan.id, new_id(), i as i64, &limits)
                        .await
                        .map_err(|e| e.within(&FieldPath::root().field("milestones").index(i)))?;
                }
                EventKind::ReleasePlanTemplateUpdated
            }
            TemplateChange::Delete => {
                w.delete_plan_definition(&plan.id).await?;
                record(
                    w,
                    cx,
                    EventKind::ReleasePlanTemplateDeleted,
                    Some(&before),
                    None,
                )
                .await?;
                return Ok(TemplateChanged {
                    template: None,
                    milestone: None,
                    strategy_id: None,
                });
            }
            TemplateChange::Archive => {
                plan.archived_at = Some(w.clock().now());
                w.update_plan_definition(&plan).await?;
                EventKind::ReleasePlanTemplateArchived
            }
            TemplateChange::AddMilestone(m) => {
                if before.milestones.len() >= MAX_MILESTONES {
                    return Err(OpError::invalid_input(format!(
                        "at most {MAX_MILESTONES} milestones"
                    )));
                }
                let id = new_id();
                let place = before
                    .milestones
                    .iter()
                    .map(|m| m.sort_order + 1)
                    .max()
                    .unwrap_or(0);
                m.write(w, &plan.id, id.clone(), place, &limits).await?;
                touched_milestone = Some(id);
                EventKind::ReleasePlanTemplateUpdated
            }
            TemplateChange::UpdateMilestone {
                milestone_id,
                milestone,
            } => {
                let old = milestone_of(&milestone_id)?;
                w.delete_milestone(&old.id).await?;
                milestone
                    .write(w, &plan.id, old.id.clone(), old.sort_order, &limits)
                    .await?;
                touched_milestone = Some(old.id);
                EventKind::ReleasePlanTemplateUpdated
            }
            TemplateChange::DeleteMilestone { milestone_id } => {
                let old = milestone_of(&milestone_id)?;
                w.delete_milestone(&old.id).await?;
                EventKind::ReleasePlanTemplateUpdated
            }
            TemplateChange::AddStrategy {
                milestone_id,
                strategy,
            } => {
                let old = milestone_of(&milestone_id)?;
                if old.strategies.len() >= limits.strategies_per_environment {
                    return Err(OpError::invalid_input(
                        "at most so many strategies (the strategies limit)",
                    ));
                }
                let place = old
                    .strategies
                    .iter()
                    .map(|s| s.sort_order + 1)
                    .max()
                    .unwrap_or(0);
                let row = strategy.into_row(&old.id, place, &limits)?;
                super::release_template_inputs::check_stored(w, &row.values).await?;
                w.put_milestone_strategy(&row).await?;
                strategy_id = Some(row.id);
                touched_milestone = Some(old.id);
                EventKind::ReleasePlanTemplateUpdated
            }
            TemplateChange::UpdateStrategy {
                milestone_id,
                strategy_id: id,
                strategy,
            } => {
                let old = milestone_of(&milestone_id)?;
                let Some(current) = old.strategies.iter().find(|s| s.id == id) else {
                    return Err(OpError::NotFound(format!(
                        "Could not find strategy with id {id}"
                    )));
                };
                let mut row = strategy.into_row(&old.id, current.sort_order, &limits)?;
                super::release_template_inputs::check_stored(w, &row.values).await?;
                row.id = id;
                w.put_milestone_strategy(&row).await?;
                strategy_id = Some(row.id);
                touched_milestone = Some(old.id);
                EventKind::ReleasePlanTemplateUpdated
            }
            TemplateChange::DeleteStrategy {
                milestone_id,
                strategy_id: id,
            } => {
                let old = milestone_of(&milestone_id)?;
                if !old.strategies.iter().any(|s| s.id == id) {
                    return Err(OpError::NotFound(format!(
                        "Could not find strategy with id {id}"
                    )));
                }
                w.delete_milestone_strategy(&id).await?;
                EventKind::ReleasePlanTemplateUpdated
            }
        };
        let after = view(w, &plan).await?;
        record(w, cx, kind, Some(&before), Some(&after)).await?;
        let milestone =
            touched_milestone.and_then(|id| after.milestones.iter().find(|m| m.id == id).cloned());
        Ok(TemplateChanged {
            template: Some(after),
            milestone,
            strategy_id,
        })
    }
}
