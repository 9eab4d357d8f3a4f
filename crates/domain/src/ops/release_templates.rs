//! Release plan templates (Unleash Enterprise's release templates): a named
//! list of milestones, each with strategies, e.g. 5% → 25% → 50% → 100%. A
//! plan made from one copies its milestones ([`super::release_plans`]). Every
//! change records `release-plan-template-created`/`-updated`/`-deleted`/
//! `-archived` with the template as shown before and after.

use std::collections::BTreeMap;

use flagstaff_engine::document::{Constraint, Variant};
use flagstaff_storage::{
    EventKind, MilestoneRow, MilestoneStrategyRow, NewEvent, PlanRow, WriteTx,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Context, FieldPath, Limits, OpError, OpResult, Operation, StrategyInput};
use crate::wire::release_plans::{plan_view, MilestoneView, ReleasePlanView};
use crate::wire::to_value;

/// Most milestones a template (and so a plan) may have.
pub const MAX_MILESTONES: usize = 20;
/// Longest template or milestone name.
const MAX_NAME: usize = 255;

/// A template as the admin API receives it (Unleash's
/// createReleasePlanTemplateSchema).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "Gradual rollout", "description": "5% to 100%",
    "milestones": [
        {"name": "5%", "sortOrder": 0, "strategies": [{"name": "flexibleRollout",
            "parameters": {"rollout": "5", "stickiness": "default"}, "constraints": []}]},
        {"name": "100%", "sortOrder": 1, "strategies": [{"name": "flexibleRollout",
            "parameters": {"rollout": "100", "stickiness": "default"}}]}]}))]
pub struct TemplateInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub milestones: Vec<MilestoneInput>,
}

/// A milestone: a name, its place, its strategies.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "25%", "sortOrder": 1, "strategies": [{"name": "flexibleRollout",
    "parameters": {"rollout": "25", "stickiness": "default"}}]}))]
pub struct MilestoneInput {
    pub name: String,
    #[serde(default)]
    pub sort_order: Option<i64>,
    #[serde(default)]
    pub strategies: Vec<MilestoneStrategyInput>,
}

/// A milestone's strategy (a flag strategy's fields; `strategyName` is read
/// as `name`, as Unleash's milestone strategy schema spells it).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "flexibleRollout", "title": "A quarter",
    "parameters": {"rollout": "25", "stickiness": "default"}, "constraints": []}))]
pub struct MilestoneStrategyInput {
    #[serde(alias = "strategyName")]
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub sort_order: Option<i64>,
    /// Parameter values are text; numbers and booleans are read as their text.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub parameters: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub constraints: Option<Vec<Constraint>>,
    #[serde(default)]
    pub segments: Option<Vec<i64>>,
    #[serde(default)]
    pub variants: Option<Vec<Variant>>,
}

impl MilestoneStrategyInput {
    /// What is stored, checked as a flag strategy is (its group id left as
    /// given: a plan fills an empty one with its flag's name).
    pub(super) fn into_row(
        self,
        milestone_id: &str,
        place: i64,
        limits: &Limits,
    ) -> OpResult<MilestoneStrategyRow> {
        let input = StrategyInput {
            name: self.name,
            title: self.title,
            disabled: None,
            sort_order: Some(self.sort_order.unwrap_or(place)),
            parameters: self.parameters,
            constraints: self.constraints,
            segments: self.segments,
            variants: self.variants,
        };
        Ok(MilestoneStrategyRow {
            id: new_id(),
            milestone_id: milestone_id.to_owned(),
            values: input.into_values("", limits)?,
        })
    }
}

pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn check_name(name: &str, field: FieldPath) -> OpResult<()> {
    if name.trim().is_empty() || name.len() > MAX_NAME {
        return Err(OpError::invalid(
            field,
            format!("a name of 1 to {MAX_NAME} characters is required"),
        ));
    }
    Ok(())
}

impl TemplateInput {
    fn check(&self, limits: &Limits) -> OpResult<()> {
        check_name(&self.name, FieldPath::root().field("name"))?;
        if self.milestones.len() > MAX_MILESTONES {
            return Err(OpError::invalid(
                FieldPath::root().field("milestones"),
                format!("at most {MAX_MILESTONES} milestones"),
            ));
        }
        for (i, m) in self.milestones.iter().enumerate() {
            m.check(limits)
                .map_err(|e| e.within(&FieldPath::root().field("milestones").index(i)))?;
        }
        Ok(())
    }
}

impl MilestoneInput {
    fn check(&self, limits: &Limits) -> OpResult<()> {
        check_name(&self.name, FieldPath::root().field("name"))?;
        if self.strategies.len() > limits.strategies_per_environment {
            return Err(OpError::invalid(
                FieldPath::root().field("strategies"),
                format!(
                    "at most {} strategies (the strategies limit)",
                    limits.strategies_per_environment
                ),
            ));
        }
        Ok(())
    }

    /// Writes the milestone (place `place` unless it says) with its strategies.
    async fn write(
        self,
        w: &mut WriteTx<'_>,
        plan_id: &str,
        id: String,
        place: i64,
        limits: &Limits,
    ) -> OpResult<()> {
        w.insert_milestone(&MilestoneRow {
            id: id.clone(),
            plan_id: plan_id.to_owned(),
            name: self.name,
            sort_order: self.sort_order.unwrap_or(place),
            started_at: None,
        })
        .await?;
        for (i, s) in self.strategies.into_iter().enumerate() {
            let row = s
                .into_row(&id, i as i64, limits)
                .map_err(|e| e.within(&FieldPath::root().field("strategies").index(i)))?;
            super::strategies::check_segments(w, &row.values)
                .await
                .map_err(|e| e.within(&FieldPath::root().field("strategies").index(i)))?;
            w.put_milestone_strategy(&row).await?;
        }
        Ok(())
    }
}

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
                super::strategies::check_segments(w, &row.values).await?;
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
                super::strategies::check_segments(w, &row.values).await?;
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
