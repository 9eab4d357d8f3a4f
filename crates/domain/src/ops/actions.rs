//! Action set operations (Unleash Enterprise's "actions"): create, replace,
//! switch on or off and delete a project's action sets. An action set is
//! checked whole before anything is stored: its source endpoint exists, its
//! payload filters are constraints the engine accepts, each step is a known
//! action with the parameters it needs (`action_steps.rs`). Flags and
//! strategies a step names are looked up when it runs (they may come later),
//! and a step that cannot run then is logged as failed.

use std::collections::BTreeMap;

use flagstaff_engine::document::Constraint;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::action_steps::{step, stored_params, ExecutionParams};
use super::automation::{self, description};
use super::strategies::check_constraint;
use super::{Actor, Context, FieldPath, OpError, OpResult, Operation, ProjectId};
use crate::wire::automation::SIGNAL_SOURCE;
use flagstaff_storage::{now, ActionSetRow, ActionStep, PayloadFilter, WriteTx};

/// Unleash's limits on action sets.
pub const MAX_ACTION_SETS_PER_PROJECT: usize = 5;
pub const MAX_FILTERS: usize = 5;
pub const MAX_FILTER_VALUES: usize = 25;
pub const MAX_ACTIONS: usize = 10;

/// An action set as the admin API receives it (Unleash's actionSetSchema).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "qa-enables-checkout", "description": "On in development once in QA",
    "enabled": true, "match": {"source": "signal-endpoint", "sourceId": 1,
        "payload": {"issue.fields.status.name": {"operator": "IN", "values": ["In QA"]}}},
    "actions": [{"action": "TOGGLE_FEATURE_ON", "sortOrder": 1,
        "executionParams": {"featureName": "new-checkout", "environment": "development"}}]}))]
pub struct ActionSetInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// True when not given (Unleash's default).
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(rename = "match")]
    pub matching: MatchInput,
    /// Kept and shown (Unleash's service account); changes are made by `action:<name>`.
    #[serde(default)]
    pub actor_id: Option<i64>,
    /// 1 to 10 steps, run in `sortOrder`.
    pub actions: Vec<ActionInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MatchInput {
    /// `signal-endpoint`.
    pub source: String,
    /// The signal endpoint's id.
    pub source_id: i64,
    /// Dotted payload path → condition; all must hold.
    #[serde(default)]
    pub payload: BTreeMap<String, PayloadFilter>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionInput {
    /// `TOGGLE_FEATURE_ON`, `TOGGLE_FEATURE_OFF` or `SET_ROLLOUT`.
    pub action: String,
    /// Its place in the set (its position when not given).
    #[serde(default)]
    pub sort_order: Option<i64>,
    #[serde(default)]
    #[schema(value_type = ExecutionParams)]
    pub execution_params: BTreeMap<String, Value>,
}

/// The payload filters as the engine's constraints, or why one is not.
fn check_filters(filters: &BTreeMap<String, PayloadFilter>) -> OpResult<()> {
    // Paths start at the filters (`["issue.status"].values`).
    if filters.len() > MAX_FILTERS {
        return Err(OpError::invalid(
            FieldPath::root(),
            format!("at most {MAX_FILTERS} payload filters (the filters limit)"),
        ));
    }
    for (path, filter) in filters {
        let at = FieldPath::root().field(path.as_str());
        if path.is_empty() || path.len() > 200 || path.split('.').any(str::is_empty) {
            return Err(OpError::invalid(
                at,
                format!("a payload path is 1–200 characters of dot-separated names, not {path:?}"),
            ));
        }
        if filter.values.len() > MAX_FILTER_VALUES {
            return Err(OpError::invalid(
                at.field("values"),
                format!("at most {MAX_FILTER_VALUES} values (the filter values limit)"),
            ));
        }
        // The filter is tested as a constraint, and refused as one (its
        // context name is the filter's key).
        if let Err(e) = check_constraint(&as_constraint(path, filter)) {
            return Err(e.within(&at));
        }
    }
    Ok(())
}

/// A filter as the constraint the engine tests it with.
pub fn as_constraint(path: &str, filter: &PayloadFilter) -> Constraint {
    Constraint {
        context_name: path.to_owned(),
        operator: filter.operator.clone(),
        values: filter.values.clone(),
        value: filter.value.clone(),
        case_insensitive: filter.case_insensitive,
        inverted: filter.inverted,
    }
}

impl ActionSetInput {
    /// The row this input stores in `project` (replacing action set `id`),
    /// or why it cannot.
    async fn checked(
        self,
        w: &mut WriteTx<'_>,
        project: &ProjectId,
        id: Option<i64>,
        actor: &Actor,
    ) -> OpResult<ActionSetRow> {
        let name = automation::name(&self.name, "an action set's name")?;
        let description = description(self.description)?;
        if self.matching.source != SIGNAL_SOURCE {
            return Err(OpError::invalid(
                FieldPath::root().field("match").field("source"),
                format!("the source must be \"{SIGNAL_SOURCE}\""),
            ));
        }
        if w.signal_endpoint(self.matching.source_id).await?.is_none() {
            return Err(OpError::invalid(
                FieldPath::root().field("match").field("sourceId"),
                format!("Signal endpoint {} does not exist", self.matching.source_id),
            ));
        }
        check_filters(&self.matching.payload)
            .map_err(|e| e.within(&FieldPath::root().field("match").field("payload")))?;
        if self.actions.is_empty() || self.actions.len() > MAX_ACTIONS {
            return Err(OpError::invalid(
                FieldPath::root().field("actions"),
                format!("an action set has 1 to {MAX_ACTIONS} actions"),
            ));
        }
        let mut actions = Vec::with_capacity(self.actions.len());
        for (position, input) in self.actions.into_iter().enumerate() {
            let step = step(&input.action, &input.execution_params, project)
                .map_err(|e| e.within(&FieldPath::root().field("actions").index(position)))?;
            actions.push(ActionStep {
                id: 0,
                action: input.action,
                sort_order: input.sort_order.unwrap_or(position as i64),
                execution_params: stored_params(&step),
            });
        }
        actions.sort_by_key(|a| a.sort_order);
        for (position, action) in actions.iter_mut().enumerate() {
            action.id = position as i64 + 1;
        }
        let siblings = w.action_sets(project).await?;
        if siblings.iter().any(|s| s.name == name && Some(s.id) != id) {
            return Err(OpError::Conflict(format!(
                "Project {project} already has an action set named {name}"
            )));
        }
        if id.is_none() && siblings.len() >= MAX_ACTION_SETS_PER_PROJECT {
            return Err(OpError::invalid_input(format!(
                "Project {project} already has {} action sets: at most {MAX_ACTION_SETS_PER_PROJECT} (the action sets limit)",
                siblings.len()
            )));
        }
        Ok(ActionSetRow {
            id: id.unwrap_or(0),
            project: project.to_string(),
            name,
            description,
            enabled: self.enabled.unwrap_or(true),
            source: SIGNAL_SOURCE.to_owned(),
            source_id: self.matching.source_id,
            filters: self.matching.payload,
            actor_id: self.actor_id,
            actions,
            created_at: now(),
            created_by: actor.name.clone(),
        })
    }
}

async fn existing_set(w: &mut WriteTx<'_>, project: &ProjectId, id: i64) -> OpResult<ActionSetRow> {
    if !w.project_exists(project).await? {
        return Err(OpError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    w.action_set(project, id)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("Could not find action set {id}")))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateActionSet {
    pub project: ProjectId,
    pub set: ActionSetInput,
}

impl Operation for CreateActionSet {
    type Output = ActionSetRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ActionSetRow> {
        if !w.project_exists(&self.project).await? {
            return Err(OpError::NotFound(format!(
                "Could not find project {}",
                self.project
            )));
        }
        let set = self.set.checked(w, &self.project, None, &cx.actor).await?;
        automation::create(w, &cx.actor, set).await
    }
}

/// Replaces an action set (Unleash's PUT); its run log stays.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateActionSet {
    pub project: ProjectId,
    pub id: i64,
    pub set: ActionSetInput,
}

impl Operation for UpdateActionSet {
    type Output = ActionSetRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ActionSetRow> {
        let before = existing_set(w, &self.project, self.id).await?;
        let after = ActionSetRow {
            created_at: before.created_at,
            created_by: before.created_by.clone(),
            ..self
                .set
                .checked(w, &self.project, Some(self.id), &cx.actor)
                .await?
        };
        automation::replace(w, &cx.actor, &before, after).await
    }
}

/// Switches an action set on or off (`…/on`, `…/off`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SwitchActionSet {
    pub project: ProjectId,
    pub id: i64,
    pub enabled: bool,
}

impl Operation for SwitchActionSet {
    type Output = ActionSetRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ActionSetRow> {
        let before = existing_set(w, &self.project, self.id).await?;
        automation::switch(w, &cx.actor, before, self.enabled).await
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteActionSet {
    pub project: ProjectId,
    pub id: i64,
}

impl Operation for DeleteActionSet {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = existing_set(w, &self.project, self.id).await?;
        automation::delete(w, &cx.actor, &before).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_constraints_the_engine_accepts() {
        let filter = |operator: &str, values: &[&str], value: Option<&str>| PayloadFilter {
            operator: operator.to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            value: value.map(str::to_owned),
            ..PayloadFilter::default()
        };
        let good = BTreeMap::from([
            (
                "issue.fields.status.name".to_owned(),
                filter("IN", &["In QA"], None),
            ),
            (
                "issue.fields.labels".to_owned(),
                filter("IN", &["flag:new-checkout"], None),
            ),
            ("count".to_owned(), filter("NUM_GT", &[], Some("3"))),
        ]);
        assert!(check_filters(&good).is_ok());
        for bad in [
            BTreeMap::from([("a".to_owned(), filter("LIKE", &["x"], None))]),
            BTreeMap::from([("a".to_owned(), filter("NUM_GT", &[], Some("many")))]),
            BTreeMap::from([("a..b".to_owned(), filter("IN", &["x"], None))]),
            BTreeMap::from([("a".to_owned(), filter("IN", &["x"; 26], None))]),
        ] {
            assert!(
                matches!(check_filters(&bad), Err(OpError::Invalid { .. })),
                "{bad:?}"
            );
        }
    }
}
