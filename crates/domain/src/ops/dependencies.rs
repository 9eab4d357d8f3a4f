//! Flag dependencies (Unleash's dependent features): make a flag depend on a
//! parent, remove one dependency, remove them all. Unleash's rules, checked
//! under the change lock so racing calls cannot build a chain:
//! a flag cannot depend on itself; one level only (a parent has no parents, a
//! child has no children); the parent is a live flag of the child's project;
//! a child has one parent (adding another replaces it). Breaking a rule is
//! Unleash's 403 InvalidOperationError; a child that is not a live flag of the
//! path's project is a 404. Events name the child, so the snapshot reloads it.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Actor, Context, FieldPath, FlagName, FlagScope, OpError, OpResult, Operation, ProjectId,
};
use flagstaff_storage::{DependencyRow, EventKind, NewEvent, WriteTx};

/// Most variant names one dependency may list.
pub const MAX_PARENT_VARIANTS: usize = 100;

fn dependency_event(
    event_type: EventKind,
    actor: &Actor,
    project: &ProjectId,
    child: &FlagName,
    data: Option<serde_json::Value>,
) -> NewEvent {
    NewEvent {
        created_by: actor.name.clone(),
        project: Some(project.to_string()),
        feature_name: Some(child.to_string()),
        data,
        ..NewEvent::new(event_type)
    }
}

/// Makes `child` depend on `parent` being on (`enabled`, Unleash's default) or
/// off; with `variants`, on with one of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddDependency {
    pub project: ProjectId,
    pub child: FlagName,
    pub parent: FlagName,
    pub enabled: bool,
    /// As given (Unleash records them in the event only when given).
    pub variants: Option<Vec<String>>,
}

impl Operation for AddDependency {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::Project(self.project.clone())]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let child = w.live_flag(&self.project, &self.child).await?;
        if self.child == self.parent {
            return Err(OpError::InvalidOperation(
                "A feature flag cannot depend on itself.".to_owned(),
            ));
        }
        if !w.children_of(&self.child).await?.is_empty() {
            return Err(OpError::InvalidOperation(
                "Transitive dependency detected. Cannot add a dependency to the feature that other features depend on."
                    .to_owned(),
            ));
        }
        if !w.parents_of(&self.parent).await?.is_empty() {
            return Err(OpError::InvalidOperation(
                "Transitive dependency detected. Cannot add a dependency to the feature that has parent dependency."
                    .to_owned(),
            ));
        }
        let parent = match w.flag(&self.parent).await? {
            Some(p) if p.archived_at.is_none() => p,
            _ => {
                return Err(OpError::InvalidOperation(format!(
                    "No active feature {} exists",
                    self.parent
                )))
            }
        };
        if parent.project != child.project {
            return Err(OpError::InvalidOperation(
                "Parent and child features should be in the same project".to_owned(),
            ));
        }
        let variants = if self.enabled {
            self.variants.clone().unwrap_or_default()
        } else {
            Vec::new()
        };
        if variants.len() > MAX_PARENT_VARIANTS || variants.iter().any(|v| v.is_empty()) {
            return Err(OpError::invalid(
                FieldPath::root().field("variants"),
                format!("at most {MAX_PARENT_VARIANTS} variant names, none empty"),
            ));
        }
        w.set_dependency(&DependencyRow {
            child: self.child.to_string(),
            parent: self.parent.to_string(),
            enabled: self.enabled,
            variants,
        })
        .await?;
        let mut data = json!({"feature": self.parent.as_str(), "enabled": self.enabled});
        if let Some(given) = self.variants.filter(|_| self.enabled) {
            data["variants"] = json!(given);
        }
        w.record_event(dependency_event(
            EventKind::FeatureDependencyAdded,
            &cx.actor,
            &self.project,
            &self.child,
            Some(data),
        ))
        .await?;
        Ok(())
    }
}

/// Removes `child`'s dependency on `parent`. Removing one that is not there
/// changes nothing and records nothing (Unleash records an event anyway).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveDependency {
    pub project: ProjectId,
    pub child: FlagName,
    pub parent: FlagName,
}

impl Operation for RemoveDependency {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::Project(self.project.clone())]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        w.live_flag(&self.project, &self.child).await?;
        if w.delete_dependency(&self.child, &self.parent).await? {
            w.record_event(dependency_event(
                EventKind::FeatureDependencyRemoved,
                &cx.actor,
                &self.project,
                &self.child,
                Some(json!({"feature": self.parent.as_str()})),
            ))
            .await?;
        }
        Ok(())
    }
}

/// Removes every dependency of `child` (one `feature-dependencies-removed`
/// event when it had any, as Unleash).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveDependencies {
    pub project: ProjectId,
    pub child: FlagName,
}

impl Operation for RemoveDependencies {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::Project(self.project.clone())]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        w.live_flag(&self.project, &self.child).await?;
        if w.delete_dependencies(&self.child).await? > 0 {
            w.record_event(dependency_event(
                EventKind::FeatureDependenciesRemoved,
                &cx.actor,
                &self.project,
                &self.child,
                None,
            ))
            .await?;
        }
        Ok(())
    }
}

/// Refuses to archive or delete a flag other flags depend on (Unleash's rule).
pub(super) async fn no_children(w: &mut WriteTx<'_>, name: &str) -> OpResult<()> {
    if w.children_of(name).await?.is_empty() {
        Ok(())
    } else {
        Err(OpError::InvalidOperation(
            "You can not archive/delete this feature since other features depend on it.".to_owned(),
        ))
    }
}
