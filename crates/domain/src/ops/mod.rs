//! Operations: every admin change as a typed value over parsed names, run by
//! [`apply`] inside one change transaction with every read it decides on, and
//! returning what it made. The admin API, start-up (tokens), the action sets
//! signals trigger (`crate::actions`) and — next — the web UI, change
//! requests, scheduled changes and import all call these, so a rule lives
//! here once and never in a handler. Operations that are plain data
//! derive `Serialize`/`Deserialize`, so a change can be stored and applied later.

mod action_steps;
mod actions;
mod automation;
mod change_guard;
mod change_request_changes;
mod change_request_details;
mod change_request_state;
mod change_requests;
mod context;
mod context_checks;
mod integrations;
mod lifecycle;
pub use context::STANDARD_CONTEXT_FIELDS;
mod dependencies;
mod edit;
mod environment_order;
mod export;
mod favorites;
mod field_path;
mod flag_batches;
mod flag_bulk;
mod flag_fields;
mod flag_tags;
mod flag_types;
mod flags;
mod impact_charts;
mod import;
mod import_apply;
mod import_plan;
mod links;
mod maintenance;
mod names;
mod op_error;
pub mod passwords;
pub mod pats;
mod progressions;
mod project_tokens;
mod projects;
mod release_plans;
mod release_template_inputs;
mod release_templates;
mod safeguards;
mod segments;
mod signals;
mod start_tokens;
mod strategies;
mod strategy_segments;
mod strategy_types;
mod switch;
mod tags;
#[cfg(test)]
pub(crate) mod testing;
pub mod tokens;
pub mod user_admin;
pub mod users;
mod variants;

#[cfg(test)]
mod change_request_tests;
#[cfg(test)]
mod rules_tests;

use std::future::Future;

pub use action_steps::{step, ExecutionParams, SetRollout, Step, ACTIONS};
pub use actions::{
    as_constraint, ActionInput, ActionSetInput, CreateActionSet, DeleteActionSet, MatchInput,
    SwitchActionSet, UpdateActionSet,
};
pub use change_guard::{FlagScope, SetChangeRequestConfig, MAX_APPROVALS};
pub use change_request_changes::{
    ChangeAction, ChangeInput, ChangeOperation, ChangePayload, ProposedChange,
};
pub use change_request_details::{
    AddChangeRequestComment, SetChangeRequestApprovers, SetChangeRequestTitle,
};
pub use change_request_state::{
    preview_change_request, ApplyScheduled, MarkScheduleFailed, SetChangeRequestState, StateInput,
};
pub use change_requests::{AddChange, DeleteChangeRequest, DiscardChange, EditChange};
pub use context::{
    check_context_name, AddLegalValue, ContextFieldInput, CreateContextField, DeleteContextField,
    LegalValue, RemoveLegalValue, UpdateContextField,
};
pub use dependencies::{AddDependency, RemoveDependencies, RemoveDependency, MAX_PARENT_VARIANTS};
pub use edit::Edit;
pub use environment_order::SortEnvironments;
pub use export::ExportFlags;
pub use favorites::{FavoriteTarget, SetFavorite};
pub use field_path::{FieldPath, PathSegment};
pub use flag_batches::{CloneFlag, MarkStale, SortStrategies, SwitchEnvironments, MAX_BULK};
pub use flag_bulk::{
    check_archive, ArchiveCheck, ArchiveFlags, DeleteFlags, ReviveFlags, SetVariantsInEnvironments,
};
pub use flag_fields::FlagFields;
pub use flag_types::{flag_type_lifetimes, SetFlagTypeLifetime};
pub use flags::{
    validate_new_name, ArchiveFlag, CreateFlag, DeleteFlag, FlagType, ReviveFlag, UpdateFlag,
};
pub use impact_charts::{DeleteImpactChart, ImpactChartView, SaveImpactChart, MAX_CHARTS};
pub use import::{validate_import, ImportFlags};
pub use integrations::{
    CheckedIntegration, CreateIntegration, CreatedIntegration, DeleteIntegration, IntegrationInput,
    SendTestNotification, SetDeliveryCircuit, UpdateIntegration,
};
pub use lifecycle::{CompleteFlag, CompletedStatus, Completion, UncompleteFlag};
pub use links::{AddLink, LinkInput, RemoveLink, UpdateLink, MAX_LINKS_PER_FLAG};
pub use maintenance::{SetMaintenance, MAINTENANCE_REFUSAL};
pub use names::{EnvironmentName, FlagName, ProjectId, SignalEndpointName};
pub use op_error::{OpError, OpResult};
pub use pats::{CreatePat, DeletePat};
pub use progressions::{ProgressDue, RemoveProgression, SetProgression};
pub use project_tokens::{CreateProjectToken, RevokeProjectToken};
pub use projects::{
    AddEnvironmentToProject, CreateEnvironment, CreateProject, DeleteProject,
    RemoveEnvironmentFromProject, SetEnvironmentEnabled, UpdateProject,
};
pub use release_plans::{AddReleasePlan, RemoveReleasePlan, StartMilestone};
pub use release_template_inputs::{
    MilestoneInput, MilestoneStrategyInput, TemplateInput, MAX_MILESTONES,
};
pub use release_templates::{ChangeTemplate, CreateTemplate, TemplateChange, TemplateChanged};
pub use safeguards::{
    RemoveSafeguard, ResumeProgression, SafeguardInput, SetSafeguard, TripSafeguard,
    UpdatePlanStrategy,
};
pub use segments::{check_segment_name, CreateSegment, DeleteSegment, SegmentInput, UpdateSegment};
pub use signals::{
    CreateSignalEndpoint, CreateSignalToken, CreatedSignalToken, DeleteSignalEndpoint,
    DeleteSignalToken, RenameSignalToken, SignalEndpointInput, SwitchSignalEndpoint,
    UpdateSignalEndpoint,
};
pub use strategies::{
    check_constraints, AddStrategy, RemoveStrategy, StrategyInput, StrategyPlace, UpdateStrategy,
};
pub use strategy_segments::SetStrategySegments;
pub use strategy_types::{
    CreateStrategyType, DeleteStrategyType, DeprecateStrategyType, StrategyTypeInput,
    UpdateStrategyType,
};
pub use switch::{SetDefaultStrategy, SwitchEnvironment};
pub use tags::{
    validate_tag_type, CreateTag, CreateTagType, DeleteTag, DeleteTagType, RetagFlag, RetagFlags,
    TagFlag, TagInput, TagTypeInput, UntagFlag, UpdateTagType, DEFAULT_TAG_TYPE,
};
pub use tokens::{CreateToken, RevokeToken, SetTokenExpiry};
pub use user_admin::{
    CreateResetLink, DeleteUser, DeleteUsers, ResetLink, ResetPassword, SetUserActive, UpdateUser,
};
pub use users::{ChangePassword, CreateUser, HashedPassword, RootRole};
pub use variants::{normalise_variants, SetVariants};

use flagstaff_storage::{Committed, Store, WriteTx};

/// Who makes a change, as the event log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    /// An action set's run: how deep in a chain of runs (a run set off by a
    /// signal that a run's change sent is one deeper). 0 for anyone else.
    /// Recorded on the change's events; see [`crate::actions`].
    pub action_depth: i64,
}

impl Actor {
    pub fn named(name: impl Into<String>) -> Actor {
        Actor {
            name: name.into(),
            action_depth: 0,
        }
    }

    /// A run of the action set `set`, `depth` deep in a chain of runs (from 1).
    pub fn action(set: &str, depth: i64) -> Actor {
        Actor {
            name: format!("action:{set}"),
            action_depth: depth,
        }
    }

    /// The server itself (start-up tokens, the first admin token).
    pub fn system() -> Actor {
        Actor::named("system")
    }
}

/// Bounds on what one change may store (Unleash's resource limits where it
/// has them), so no request can make the server compile or hold without end.
/// Refusals name the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub strategies_per_environment: usize,
    pub constraints_per_strategy: usize,
    pub values_per_constraint: usize,
    /// Values across all of a segment's constraints.
    pub segment_values: usize,
    /// Largest document (as JSON) a JSON Patch may produce: the request body limit.
    pub document_bytes: usize,
    /// Tags one flag may have (`MAX_TAGS_PER_FLAG`).
    pub tags_per_flag: usize,
    /// Projects in all (`MAX_PROJECTS`).
    pub projects: usize,
    /// Environments in all (`MAX_ENVIRONMENTS`).
    pub environments: usize,
    /// Flags in one import file (`MAX_IMPORT_FLAGS`): one import is one
    /// transaction under the change lock, so this bounds how long it holds it.
    pub import_flags: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            strategies_per_environment: 30,
            constraints_per_strategy: 30,
            values_per_constraint: 250,
            segment_values: 1000,
            document_bytes: 1024 * 1024,
            tags_per_flag: 1000,
            projects: 500,
            environments: 100,
            import_flags: 500,
        }
    }
}

/// What an operation runs with besides its transaction.
#[derive(Debug, Clone)]
pub struct Context {
    pub actor: Actor,
    pub limits: Limits,
}

impl Context {
    pub fn new(actor: Actor, limits: Limits) -> Context {
        Context { actor, limits }
    }
}

/// One admin change. `run` reads and writes only through `w` (so it decides on
/// committed state, under the change lock) and records the change's events.
pub trait Operation: Send {
    type Output: Send;

    /// What can be refused from the operation alone, before the change lock is
    /// taken (so a bad input never makes other changes wait); the rest is
    /// decided in `run`, under the lock.
    fn check(&self, _cx: &Context) -> OpResult<()> {
        Ok(())
    }

    /// Whether it may be applied while maintenance mode is on (turning it
    /// off, the server's own start-up tokens); every other change is refused.
    fn allowed_in_maintenance(&self) -> bool {
        false
    }

    /// Where it changes what flags evaluate to: [`apply`] refuses it where
    /// change requests are required (see [`change_guard`]). Nowhere by default.
    fn flag_scopes(&self) -> Vec<FlagScope> {
        Vec::new()
    }

    fn run(
        self,
        w: &mut WriteTx<'_>,
        cx: &Context,
    ) -> impl Future<Output = OpResult<Self::Output>> + Send;
}

/// What an applied operation made, and the committed change (revision, events).
#[derive(Debug)]
pub struct Applied<T> {
    pub output: T,
    pub committed: Committed,
}

/// The change pipeline's first half: one transaction that takes the change
/// lock, runs the operation, and commits it with its events under one new
/// revision (or rolls back everything if the operation is refused). Bringing
/// this process up to date is the caller's half (`DomainState::apply`).
pub async fn apply<O: Operation>(
    store: &Store,
    cx: &Context,
    operation: O,
) -> OpResult<Applied<O::Output>> {
    operation.check(cx)?;
    let mut w = store.write().await?;
    w.action_depth = cx.actor.action_depth;
    maintenance::refuse_in_maintenance(&mut w, &operation).await?;
    change_guard::refuse_protected(&mut w, &operation).await?;
    let output = operation.run(&mut w, cx).await?;
    let committed = w.commit().await?;
    Ok(Applied { output, committed })
}

/// The project exists and has this environment: what every change to a flag
/// in one environment checks first.
async fn project_environment(
    w: &mut WriteTx<'_>,
    project: &ProjectId,
    environment: &EnvironmentName,
) -> OpResult<()> {
    if !w.project_exists(project).await? {
        return Err(OpError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    if !w
        .project_environments(project)
        .await?
        .iter()
        .any(|e| e.name == environment.as_str())
    {
        return Err(OpError::NotFound(format!(
            "Could not find environment {environment} in project {project}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// An operation is data: stored as JSON, read back and applied later (as a
    /// scheduled change or change request will), it does what the admin API
    /// does and returns its events under one new revision; a refused one
    /// changes nothing.
    #[tokio::test]
    async fn stored_operations_apply_later_with_their_events() {
        let store = Store::connect("sqlite::memory:").await.expect("store");
        let cx = Context::new(Actor::named("scheduler"), Limits::default());
        let create = json!({
            "project": "default", "name": "later", "flagType": "experiment",
            "description": null, "impressionData": true
        });
        let start = store.current_revision().await.expect("revision");
        let operation: CreateFlag = serde_json::from_value(create.clone()).expect("operation");
        let applied = apply(&store, &cx, operation).await.expect("created");
        assert_eq!(applied.output.feature_type.as_str(), "experiment");
        assert_eq!(applied.committed.revision, Some(start + 1));
        assert_eq!(applied.committed.event_types(), ["feature-created"]);
        assert_eq!(applied.committed.events[0].created_by, "scheduler");

        let switch = SwitchEnvironment {
            project: ProjectId::parse("default").expect("id"),
            name: FlagName::parse("later").expect("name"),
            environment: EnvironmentName::parse("production").expect("name"),
            enabled: true,
        };
        let stored = serde_json::to_string(&switch).expect("serialises");
        let operation: SwitchEnvironment = serde_json::from_str(&stored).expect("reads back");
        let applied = apply(&store, &cx, operation).await.expect("switched");
        assert_eq!(
            applied.committed.event_types(),
            ["feature-strategy-add", "feature-environment-enabled"]
        );
        assert_eq!(applied.committed.revision, Some(start + 2));

        let again: CreateFlag = serde_json::from_value(create).expect("operation");
        let refused = apply(&store, &cx, again).await;
        assert!(matches!(refused, Err(OpError::Conflict(_))), "{refused:?}");
        assert_eq!(store.current_revision().await.expect("revision"), start + 2);
        let illegal = json!({
            "project": "default", "name": "no spaces", "flagType": "release",
            "description": null, "impressionData": false
        });
        assert!(serde_json::from_value::<CreateFlag>(illegal).is_err());
    }
}
