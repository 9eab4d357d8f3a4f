//! One change of a change request: Unleash's `{action, feature, payload}`,
//! parsed at submission into the typed operation that applies it (so a bad
//! payload is refused then, with the field at fault), and stored as both.

use std::collections::BTreeMap;

use flagstaff_engine::document::Variant;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    AddDependency, AddStrategy, ArchiveFlag, Context, Edit, EnvironmentName, FieldPath, FlagName,
    OpError, OpResult, Operation, ProjectId, RemoveDependencies, RemoveStrategy, SetVariants,
    SortStrategies, StrategyInput, StrategyPlace, SwitchEnvironment, UpdateStrategy,
};
use flagstaff_storage::WriteTx;

/// What a change does (Unleash's change actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ChangeAction {
    UpdateEnabled,
    AddStrategy,
    UpdateStrategy,
    DeleteStrategy,
    PatchVariant,
    ReorderStrategy,
    ArchiveFeature,
    AddDependency,
    DeleteDependency,
}

impl ChangeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::UpdateEnabled => "updateEnabled",
            ChangeAction::AddStrategy => "addStrategy",
            ChangeAction::UpdateStrategy => "updateStrategy",
            ChangeAction::DeleteStrategy => "deleteStrategy",
            ChangeAction::PatchVariant => "patchVariant",
            ChangeAction::ReorderStrategy => "reorderStrategy",
            ChangeAction::ArchiveFeature => "archiveFeature",
            ChangeAction::AddDependency => "addDependency",
            ChangeAction::DeleteDependency => "deleteDependency",
        }
    }
}

/// A change as submitted (Unleash's changeRequestOneOrManyCreateSchema item).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"action": "updateEnabled", "feature": "new-checkout",
    "payload": {"enabled": true}}))]
pub struct ChangeInput {
    pub action: ChangeAction,
    /// The flag it changes.
    pub feature: String,
    /// What the action takes: `{enabled}`, a strategy (with its `id` to
    /// update), `{id}` to delete one, `{variants}`, `[{id, sortOrder}]`,
    /// `{feature, enabled, variants}` for a dependency, nothing otherwise.
    #[serde(default)]
    #[schema(value_type = ChangePayload)]
    pub payload: Value,
}

/// What each action's payload is (the OpenAPI document's; a payload is read
/// by its action when the change is added).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ChangePayload {
    /// `updateEnabled`.
    Enabled(EnabledPayload),
    /// `addStrategy`, `updateStrategy` (with the strategy's `id`).
    Strategy(StrategyPayload),
    /// `deleteStrategy`.
    StrategyId(StrategyIdPayload),
    /// `patchVariant`.
    Variants(VariantsPayload),
    /// `reorderStrategy`.
    Order(Vec<SortOrderPayload>),
    /// `addDependency`.
    Dependency(DependencyPayload),
}

/// A strategy, with its `id` when it is one to update.
#[derive(Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct StrategyPayload {
    #[serde(default)]
    id: Option<String>,
    #[serde(flatten)]
    strategy: StrategyInput,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct StrategyIdPayload {
    id: String,
}

/// The typed operations a change request can hold.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "operation", content = "input")]
pub enum ChangeOperation {
    Switch(SwitchEnvironment),
    AddStrategy(AddStrategy),
    UpdateStrategy(UpdateStrategy),
    RemoveStrategy(RemoveStrategy),
    SetVariants(SetVariants),
    SortStrategies(SortStrategies),
    Archive(ArchiveFlag),
    AddDependency(AddDependency),
    RemoveDependencies(RemoveDependencies),
}

impl ChangeOperation {
    pub fn check(&self, cx: &Context) -> OpResult<()> {
        match self {
            ChangeOperation::Switch(op) => op.check(cx),
            ChangeOperation::AddStrategy(op) => op.check(cx),
            ChangeOperation::UpdateStrategy(op) => op.check(cx),
            ChangeOperation::RemoveStrategy(op) => op.check(cx),
            ChangeOperation::SetVariants(op) => op.check(cx),
            ChangeOperation::SortStrategies(op) => op.check(cx),
            ChangeOperation::Archive(op) => op.check(cx),
            ChangeOperation::AddDependency(op) => op.check(cx),
            ChangeOperation::RemoveDependencies(op) => op.check(cx),
        }
    }

    /// Runs it in the change request's transaction (not through `apply`, so
    /// the protection it is the way through does not refuse it).
    pub async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        match self {
            ChangeOperation::Switch(op) => op.run(w, cx).await.map(drop),
            ChangeOperation::AddStrategy(op) => op.run(w, cx).await.map(drop),
            ChangeOperation::UpdateStrategy(op) => op.run(w, cx).await.map(drop),
            ChangeOperation::RemoveStrategy(op) => op.run(w, cx).await.map(drop),
            ChangeOperation::SetVariants(op) => op.run(w, cx).await.map(drop),
            ChangeOperation::SortStrategies(op) => op.run(w, cx).await.map(drop),
            ChangeOperation::Archive(op) => op.run(w, cx).await.map(drop),
            ChangeOperation::AddDependency(op) => op.run(w, cx).await.map(drop),
            ChangeOperation::RemoveDependencies(op) => op.run(w, cx).await.map(drop),
        }
    }
}

/// A parsed change: Unleash's view of it and the operation that applies it.
#[derive(Debug, Clone)]
pub struct ProposedChange {
    pub action: ChangeAction,
    pub feature: FlagName,
    pub payload: Value,
    pub operation: ChangeOperation,
}

impl ProposedChange {
    /// The strategy a change is about, when it is about one (a second change
    /// of the same action to the same flag replaces the first, but for
    /// different strategies; new strategies always add up).
    pub fn replaces(&self, action: &str, payload: &Value) -> bool {
        if action != self.action.as_str() {
            return false;
        }
        match self.action {
            ChangeAction::AddStrategy => false,
            ChangeAction::UpdateStrategy | ChangeAction::DeleteStrategy => {
                payload.get("id").is_some() && payload.get("id") == self.payload.get("id")
            }
            _ => true,
        }
    }

    /// Parses `input` for a flag of `project` in `environment`; a payload that
    /// is not what the action takes is `Invalid` at `payload.…`.
    pub fn parse(
        project: &ProjectId,
        environment: &EnvironmentName,
        input: ChangeInput,
    ) -> OpResult<ProposedChange> {
        let feature = FlagName::parse(&input.feature)
            .map_err(|e| e.within(&FieldPath::root().field("feature")))?;
        let place = StrategyPlace {
            project: project.clone(),
            feature: feature.clone(),
            environment: environment.clone(),
        };
        let payload = input.payload;
        let operation = match input.action {
            ChangeAction::UpdateEnabled => {
                let body: EnabledPayload = read(&payload)?;
                ChangeOperation::Switch(SwitchEnvironment {
                    project: project.clone(),
                    name: feature.clone(),
                    environment: environment.clone(),
                    enabled: body.enabled,
                })
            }
            ChangeAction::AddStrategy => ChangeOperation::AddStrategy(AddStrategy {
                place,
                strategy: read(&payload)?,
            }),
            ChangeAction::UpdateStrategy => {
                let id = strategy_id(&payload)?;
                ChangeOperation::UpdateStrategy(UpdateStrategy {
                    place,
                    id,
                    edit: Edit::Replace(read::<StrategyInput>(&payload)?),
                })
            }
            ChangeAction::DeleteStrategy => ChangeOperation::RemoveStrategy(RemoveStrategy {
                place,
                id: strategy_id(&payload)?,
            }),
            ChangeAction::PatchVariant => {
                let body: VariantsPayload = read(&payload)?;
                ChangeOperation::SetVariants(SetVariants {
                    project: project.clone(),
                    feature: feature.clone(),
                    environment: environment.clone(),
                    edit: Edit::Replace(body.variants),
                })
            }
            ChangeAction::ReorderStrategy => {
                let orders: Vec<SortOrderPayload> = read(&payload)?;
                ChangeOperation::SortStrategies(SortStrategies {
                    place,
                    orders: orders.into_iter().map(|o| (o.id, o.sort_order)).collect(),
                })
            }
            ChangeAction::ArchiveFeature => ChangeOperation::Archive(ArchiveFlag {
                project: project.clone(),
                name: feature.clone(),
            }),
            ChangeAction::AddDependency => {
                let body: DependencyPayload = read(&payload)?;
                let parent = FlagName::parse(&body.feature)
                    .map_err(|e| e.within(&FieldPath::root().field("payload").field("feature")))?;
                ChangeOperation::AddDependency(AddDependency {
                    project: project.clone(),
                    child: feature.clone(),
                    parent,
                    enabled: body.enabled.unwrap_or(true),
                    variants: body.variants,
                })
            }
            ChangeAction::DeleteDependency => {
                ChangeOperation::RemoveDependencies(RemoveDependencies {
                    project: project.clone(),
                    child: feature.clone(),
                })
            }
        };
        Ok(ProposedChange {
            action: input.action,
            feature,
            payload,
            operation,
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EnabledPayload {
    enabled: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VariantsPayload {
    variants: Vec<Variant>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SortOrderPayload {
    id: String,
    sort_order: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DependencyPayload {
    feature: String,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    variants: Option<Vec<String>>,
}

/// The payload as `T`, or `Invalid` at `payload` (serde's path inside it in the message).
fn read<T: DeserializeOwned>(payload: &Value) -> OpResult<T> {
    serde_json::from_value(payload.clone()).map_err(|e| {
        OpError::invalid(
            FieldPath::root().field("payload"),
            format!("the payload is not what this action takes: {e}"),
        )
    })
}

/// The strategy `id` a payload names.
fn strategy_id(payload: &Value) -> OpResult<String> {
    let body: BTreeMap<String, Value> = read(payload)?;
    match body.get("id") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
        _ => Err(OpError::invalid(
            FieldPath::root().field("payload").field("id"),
            "the strategy's id is required",
        )),
    }
}
