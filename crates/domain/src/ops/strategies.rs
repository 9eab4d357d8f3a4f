//! Strategy operations on one flag in one environment: add, change (replace or
//! JSON Patch), remove. A strategy is checked as the engine would compile it,
//! and names a strategy type that exists (built in or custom).

use std::collections::BTreeMap;

use flagstaff_engine::document::{Constraint, Variant};
use flagstaff_engine::Operator;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::context_checks::check_constraint_fields;
use super::{
    normalise_variants, project_environment, Actor, Context, Edit, EnvironmentName, FieldPath,
    FlagName, FlagScope, Limits, OpError, OpResult, Operation, ProjectId,
};
use crate::wire::{to_value, StrategyView};
use flagstaff_storage::{EventKind, NewEvent, StrategyRow, StrategyValues, WriteTx};

/// A strategy as the admin API receives it (Unleash's createFeatureStrategySchema).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "flexibleRollout", "title": "Half of the beta users",
    "parameters": {"rollout": "50", "stickiness": "default", "groupId": "new-checkout"},
    "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}],
    "segments": [1], "variants": []}))]
pub struct StrategyInput {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub sort_order: Option<i64>,
    /// Parameter values are text; numbers and booleans are read as their text.
    #[serde(default)]
    pub parameters: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub constraints: Option<Vec<Constraint>>,
    #[serde(default)]
    pub segments: Option<Vec<i64>>,
    #[serde(default)]
    pub variants: Option<Vec<Variant>>,
}

impl StrategyInput {
    /// What is stored, with Unleash's defaults, or why it cannot be (that the
    /// strategy type exists is [`check_strategy_type`]'s to say).
    pub(super) fn into_values(self, feature: &str, limits: &Limits) -> OpResult<StrategyValues> {
        let mut parameters = BTreeMap::new();
        for (key, value) in self.parameters.unwrap_or_default() {
            let text = match value {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => continue,
                other => {
                    let shown: String = other.to_string().chars().take(60).collect();
                    return Err(OpError::invalid(
                        FieldPath::root().field("parameters").field(key),
                        format!("a parameter must be a string, not {shown}"),
                    ));
                }
            };
            parameters.insert(key, text);
        }
        if self.name == "flexibleRollout" {
            for (key, default) in [
                ("rollout", "100"),
                ("stickiness", "default"),
                ("groupId", feature),
            ] {
                let entry = parameters.entry(key.to_owned()).or_default();
                if entry.trim().is_empty() {
                    *entry = default.to_owned();
                }
            }
            let rollout = &parameters["rollout"];
            if !rollout.parse::<u32>().is_ok_and(|r| r <= 100) {
                return Err(OpError::invalid(
                    FieldPath::root().field("parameters").field("rollout"),
                    format!("the rollout must be a whole number from 0 to 100, not {rollout:?}"),
                ));
            }
        }
        let constraints = self.constraints.unwrap_or_default();
        let at_constraints = FieldPath::root().field("constraints");
        check_constraints(&constraints).map_err(|e| e.within(&at_constraints))?;
        check_constraint_sizes(&constraints, limits).map_err(|e| e.within(&at_constraints))?;
        let mut segments = self.segments.unwrap_or_default();
        segments.sort_unstable();
        segments.dedup();
        Ok(StrategyValues {
            name: self.name,
            title: self.title,
            disabled: self.disabled.unwrap_or(false),
            sort_order: self.sort_order.unwrap_or(0),
            parameters,
            constraints,
            segments,
            variants: normalise_variants(self.variants.unwrap_or_default(), false)
                .map_err(|e| e.within(&FieldPath::root().field("variants")))?,
        })
    }
}

/// Every constraint of a list is one [`check_constraint`] accepts; a refusal's
/// path starts at the list (`[3].values`).
pub fn check_constraints(constraints: &[Constraint]) -> OpResult<()> {
    for (i, c) in constraints.iter().enumerate() {
        check_constraint(c).map_err(|e| e.within(&FieldPath::root().index(i)))?;
    }
    Ok(())
}

/// A constraint names a context field and is one the engine would use (the
/// engine's operator list and value rules: `constraint_problem`); a refusal
/// names the constraint's field at fault (`values` or `value`, by the
/// operator's arity).
pub fn check_constraint(c: &Constraint) -> OpResult<()> {
    if c.context_name.trim().is_empty() {
        return Err(OpError::invalid(
            FieldPath::root().field("contextName"),
            "a constraint needs a context field",
        ));
    }
    if let Some(why) = flagstaff_engine::constraint_problem(c) {
        let field = match Operator::named(&c.operator) {
            Some(operator) => operator.value_field(),
            None => "operator",
        };
        return Err(OpError::invalid(FieldPath::root().field(field), why));
    }
    Ok(())
}

/// Constraints within the limits: how many, and values in each (paths start
/// at the list).
pub fn check_constraint_sizes(constraints: &[Constraint], limits: &Limits) -> OpResult<()> {
    if constraints.len() > limits.constraints_per_strategy {
        return Err(OpError::invalid(
            FieldPath::root(),
            format!(
                "at most {} constraints (the constraints limit)",
                limits.constraints_per_strategy
            ),
        ));
    }
    if let Some((i, c)) = constraints
        .iter()
        .enumerate()
        .find(|(_, c)| c.values.len() > limits.values_per_constraint)
    {
        return Err(OpError::invalid(
            FieldPath::root().index(i).field("values"),
            format!(
                "{} values: at most {} (the constraint values limit)",
                c.values.len(),
                limits.values_per_constraint
            ),
        ));
    }
    Ok(())
}

/// The strategy type exists: built in, or a custom one (deprecated or not).
/// SDKs evaluate a custom strategy they do not implement as off.
pub(super) async fn check_strategy_type(w: &mut WriteTx<'_>, name: &str) -> OpResult<()> {
    match w.strategy_type(name).await? {
        Some(_) => Ok(()),
        None => Err(OpError::invalid(
            FieldPath::root().field("name"),
            format!("Could not find strategy type with name {name}"),
        )),
    }
}

/// Every segment a strategy names exists.
pub(super) async fn check_segments(w: &mut WriteTx<'_>, values: &StrategyValues) -> OpResult<()> {
    if values.segments.is_empty() {
        return Ok(());
    }
    let known: Vec<i64> = w.segments().await?.iter().map(|s| s.id).collect();
    match values
        .segments
        .iter()
        .enumerate()
        .find(|(_, id)| !known.contains(id))
    {
        Some((i, id)) => Err(OpError::invalid(
            FieldPath::root().field("segments").index(i),
            format!("Segment {id} does not exist"),
        )),
        None => Ok(()),
    }
}

/// Where a strategy lives: a live flag in one of its project's environments.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StrategyPlace {
    pub project: ProjectId,
    pub feature: FlagName,
    pub environment: EnvironmentName,
}

impl StrategyPlace {
    async fn check(&self, w: &mut WriteTx<'_>) -> OpResult<()> {
        project_environment(w, &self.project, &self.environment).await?;
        w.live_flag(&self.project, &self.feature).await?;
        Ok(())
    }

    /// The strategy `id`, if it is this flag's in this environment.
    async fn strategy(&self, w: &mut WriteTx<'_>, id: &str) -> OpResult<StrategyRow> {
        match w.strategy(id).await? {
            Some(s)
                if s.feature_name == self.feature.as_str()
                    && s.environment == self.environment.as_str() =>
            {
                Ok(s)
            }
            _ => Err(OpError::NotFound(format!(
                "Could not find strategy with id {id}"
            ))),
        }
    }

    fn event(&self, event_type: EventKind, actor: &Actor) -> NewEvent {
        NewEvent {
            created_by: actor.name.clone(),
            project: Some(self.project.to_string()),
            environment: Some(self.environment.to_string()),
            feature_name: Some(self.feature.to_string()),
            ..NewEvent::new(event_type)
        }
    }
}

/// Adds a strategy; one without a `sortOrder` goes after the others.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddStrategy {
    #[serde(flatten)]
    pub place: StrategyPlace,
    pub strategy: StrategyInput,
}

impl Operation for AddStrategy {
    type Output = StrategyRow;

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::environment(
            &self.place.project,
            &self.place.environment,
        )]
    }

    async fn run(mut self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<StrategyRow> {
        let actor = &cx.actor;
        self.place.check(w).await?;
        let siblings = w
            .strategies(&self.place.feature, Some(&self.place.environment))
            .await?;
        let existing = siblings.len();
        if existing >= cx.limits.strategies_per_environment {
            return Err(OpError::invalid_input(format!(
                "{} already has {existing} strategies in {}: at most {} (the strategies limit)",
                self.place.feature, self.place.environment, cx.limits.strategies_per_environment
            )));
        }
        // Without a sort order it goes last, decided here under the change
        // lock (Unleash: the largest sort order + 1, or 0 for the first).
        let last = siblings.iter().map(|s| s.values.sort_order).max();
        self.strategy
            .sort_order
            .get_or_insert(last.map_or(0, |l| l.saturating_add(1)));
        let values = self.strategy.into_values(&self.place.feature, &cx.limits)?;
        check_strategy_type(w, &values.name).await?;
        check_segments(w, &values).await?;
        check_constraint_fields(w, &values.constraints)
            .await
            .map_err(|e| e.within(&FieldPath::root().field("constraints")))?;
        let strategy = StrategyRow {
            id: uuid::Uuid::new_v4().to_string(),
            values,
            feature_name: self.place.feature.to_string(),
            environment: self.place.environment.to_string(),
        };
        w.insert_strategy(&strategy).await?;
        w.record_event(NewEvent {
            data: Some(to_value(&StrategyView::from(&strategy))),
            ..self.place.event(EventKind::FeatureStrategyAdd, actor)
        })
        .await?;
        Ok(strategy)
    }
}

/// Replaces a strategy, or patches it as the API shows it ([`StrategyView`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateStrategy {
    #[serde(flatten)]
    pub place: StrategyPlace,
    pub id: String,
    pub edit: Edit<StrategyInput>,
}

impl Operation for UpdateStrategy {
    type Output = StrategyRow;

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::environment(
            &self.place.project,
            &self.place.environment,
        )]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<StrategyRow> {
        let actor = &cx.actor;
        self.place.check(w).await?;
        let before = self.place.strategy(w, &self.id).await?;
        let input = self.edit.resolve(
            &StrategyView::from(&before),
            "strategy",
            cx.limits.document_bytes,
        )?;
        let values = input.into_values(&self.place.feature, &cx.limits)?;
        check_strategy_type(w, &values.name).await?;
        check_segments(w, &values).await?;
        check_constraint_fields(w, &values.constraints)
            .await
            .map_err(|e| e.within(&FieldPath::root().field("constraints")))?;
        let after = StrategyRow {
            values,
            ..before.clone()
        };
        w.update_strategy(&after).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&StrategyView::from(&before))),
            data: Some(to_value(&StrategyView::from(&after))),
            ..self.place.event(EventKind::FeatureStrategyUpdate, actor)
        })
        .await?;
        Ok(after)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveStrategy {
    #[serde(flatten)]
    pub place: StrategyPlace,
    pub id: String,
}

impl Operation for RemoveStrategy {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::environment(
            &self.place.project,
            &self.place.environment,
        )]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let actor = &cx.actor;
        self.place.check(w).await?;
        let before = self.place.strategy(w, &self.id).await?;
        w.delete_strategy(&self.id).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&StrategyView::from(&before))),
            ..self.place.event(EventKind::FeatureStrategyRemove, actor)
        })
        .await?;
        Ok(())
    }
}
