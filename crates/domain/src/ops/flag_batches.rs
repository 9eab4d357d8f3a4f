//! Operations made of other operations, applied as one change (one revision):
//! cloning a flag, switching many flags in one environment, marking many
//! flags stale, and reordering a flag's strategies. Each step is the single
//! operation the admin API also offers, so the rules and events are the same.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    AddDependency, AddStrategy, Context, CreateFlag, Edit, EnvironmentName, FieldPath, FlagFields,
    FlagName, FlagScope, OpError, OpResult, Operation, ProjectId, SetVariants, StrategyInput,
    StrategyPlace, SwitchEnvironment, UpdateFlag, UpdateStrategy,
};
use flagstaff_storage::{FlagRow, StrategyRow, WriteTx};

/// A new flag with another's settings, strategies, variants in every
/// environment and dependencies (switched off, as a new flag is). With `replace_group_id`
/// (Unleash's default), rollouts that used the source's name as their
/// `groupId` use the new name, so the copy buckets users independently.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloneFlag {
    pub project: ProjectId,
    pub source: FlagName,
    pub name: FlagName,
    pub replace_group_id: bool,
}

/// A stored strategy as input for a new one, its `groupId` renamed if asked.
fn strategy_input(row: &StrategyRow, rename: Option<(&str, &str)>) -> StrategyInput {
    let v = &row.values;
    let parameters: BTreeMap<String, Value> = v
        .parameters
        .iter()
        .map(|(key, value)| {
            let value = match rename {
                Some((from, to)) if key == "groupId" && value == from => to.to_owned(),
                _ => value.clone(),
            };
            (key.clone(), Value::String(value))
        })
        .collect();
    StrategyInput {
        name: v.name.clone(),
        title: v.title.clone(),
        disabled: Some(v.disabled),
        sort_order: Some(v.sort_order),
        parameters: Some(parameters),
        constraints: Some(v.constraints.clone()),
        segments: Some(v.segments.clone()),
        variants: Some(v.variants.clone()),
    }
}

impl Operation for CloneFlag {
    type Output = FlagRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<FlagRow> {
        let source = w.live_flag(&self.project, &self.source).await?;
        let created = CreateFlag {
            project: self.project.clone(),
            name: self.name.clone(),
            flag_type: source.feature_type,
            description: source.description.clone(),
            impression_data: source.impression_data,
            // Unleash's clone does not copy tags.
            tags: Vec::new(),
        }
        .run(w, cx)
        .await?;
        let rename = self
            .replace_group_id
            .then_some((source.name.as_str(), self.name.as_str()));
        for strategy in w.strategies(&source.name, None).await? {
            AddStrategy {
                place: StrategyPlace {
                    project: self.project.clone(),
                    feature: self.name.clone(),
                    environment: EnvironmentName::parse(&strategy.environment)?,
                },
                strategy: strategy_input(&strategy, rename),
            }
            .run(w, cx)
            .await?;
        }
        for row in w.flag_environments(&source.name).await? {
            if row.variants.is_empty() {
                continue;
            }
            SetVariants {
                project: self.project.clone(),
                feature: self.name.clone(),
                environment: EnvironmentName::parse(&row.environment)?,
                edit: Edit::Replace(row.variants),
            }
            .run(w, cx)
            .await?;
        }
        for parent in w.parents_of(&source.name).await? {
            AddDependency {
                project: self.project.clone(),
                child: self.name.clone(),
                parent: FlagName::parse(&parent.parent)?,
                enabled: parent.enabled,
                variants: parent.enabled.then_some(parent.variants),
            }
            .run(w, cx)
            .await?;
        }
        Ok(created)
    }
}

/// Switches many flags of a project on or off in one environment
/// (Unleash's `bulk_features/environments/:env/on|off`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SwitchEnvironments {
    pub project: ProjectId,
    pub names: Vec<FlagName>,
    pub environment: EnvironmentName,
    pub enabled: bool,
}

/// Most flags one bulk change may name.
pub const MAX_BULK: usize = 1000;

pub(super) fn bounded_bulk(names: &[FlagName]) -> OpResult<()> {
    if names.is_empty() || names.len() > MAX_BULK {
        return Err(OpError::invalid(
            FieldPath::root().field("features"),
            format!("name 1 to {MAX_BULK} flags"),
        ));
    }
    Ok(())
}

impl Operation for SwitchEnvironments {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::environment(&self.project, &self.environment)]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        bounded_bulk(&self.names)?;
        for name in self.names {
            SwitchEnvironment {
                project: self.project.clone(),
                name,
                environment: self.environment.clone(),
                enabled: self.enabled,
            }
            .run(w, cx)
            .await?;
        }
        Ok(())
    }
}

/// Marks many flags of a project stale, or not stale.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MarkStale {
    pub project: ProjectId,
    pub names: Vec<FlagName>,
    pub stale: bool,
}

impl Operation for MarkStale {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        bounded_bulk(&self.names)?;
        for name in self.names {
            let flag = w.live_flag(&self.project, &name).await?;
            if flag.stale == self.stale {
                continue;
            }
            UpdateFlag {
                project: self.project.clone(),
                name,
                edit: Edit::Replace(FlagFields {
                    stale: Some(self.stale),
                    ..FlagFields::default()
                }),
            }
            .run(w, cx)
            .await?;
        }
        Ok(())
    }
}

/// New sort orders for a flag's strategies in one environment
/// (`…/strategies/set-sort-order`: `[{id, sortOrder}]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SortStrategies {
    #[serde(flatten)]
    pub place: StrategyPlace,
    pub orders: Vec<(String, i64)>,
}

impl Operation for SortStrategies {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::environment(
            &self.place.project,
            &self.place.environment,
        )]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        for (id, sort_order) in self.orders {
            let current = w.strategy(&id).await?;
            if current.is_some_and(|s| s.values.sort_order == sort_order) {
                continue;
            }
            let patch: json_patch::Patch = serde_json::from_value(json!([
                {"op": "replace", "path": "/sortOrder", "value": sort_order}
            ]))
            .map_err(|e| OpError::invalid_input(e.to_string()))?;
            UpdateStrategy {
                place: self.place.clone(),
                id,
                edit: Edit::Patch(patch),
            }
            .run(w, cx)
            .await?;
        }
        Ok(())
    }
}
