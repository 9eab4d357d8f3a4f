//! What the admin API sends for release templates: a template, a milestone,
//! a milestone's strategy — checked before the change lock as far as the
//! input alone goes, and written by [`MilestoneInput::write`].

use std::collections::BTreeMap;

use flagstaff_engine::document::{Constraint, Variant};
use flagstaff_storage::{MilestoneRow, MilestoneStrategyRow, StrategyValues, WriteTx};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldPath, Limits, OpError, OpResult, StrategyInput};

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

/// What a milestone strategy names exists, as for a flag strategy: its
/// strategy type, its segments, the context fields its constraints name.
pub(super) async fn check_stored(w: &mut WriteTx<'_>, values: &StrategyValues) -> OpResult<()> {
    super::strategies::check_strategy_type(w, &values.name).await?;
    super::strategies::check_segments(w, values).await?;
    super::context_checks::check_constraint_fields(w, &values.constraints)
        .await
        .map_err(|e| e.within(&FieldPath::root().field("constraints")))
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
    pub(super) fn check(&self, limits: &Limits) -> OpResult<()> {
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
    pub(super) fn check(&self, limits: &Limits) -> OpResult<()> {
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
    pub(super) async fn write(
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
            check_stored(w, &row.values)
                .await
                .map_err(|e| e.within(&FieldPath::root().field("strategies").index(i)))?;
            w.put_milestone_strategy(&row).await?;
        }
        Ok(())
    }
}
