//! Many flags of a project in one change (one revision): archiving, reviving
//! and deleting archived flags (Unleash's `projects/:id/archive|revive|delete`),
//! what archiving would break (`archive/validate`), and the same variants in
//! several environments of a flag (`variants-batch`). Each step is the single
//! operation the admin API also offers, so the rules and events are the same.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::flag_batches::bounded_bulk;
use super::{
    ArchiveFlag, Context, DeleteFlag, Edit, EnvironmentName, FieldPath, FlagName, FlagScope,
    OpError, OpResult, Operation, ProjectId, ReviveFlag, SetVariants, MAX_BULK,
};
use flagstaff_engine::document::Variant;
use flagstaff_storage::{PoolReader, WriteTx};

/// Archives many live flags of a project. A flag others depend on is archived
/// after them, so a parent archived with all its children is allowed; one
/// with a child left live is refused (as Unleash).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchiveFlags {
    pub project: ProjectId,
    pub names: Vec<FlagName>,
}

impl Operation for ArchiveFlags {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::Project(self.project.clone())]
    }

    fn check(&self, _cx: &Context) -> OpResult<()> {
        bounded_bulk(&self.names)
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let mut children_first = Vec::with_capacity(self.names.len());
        let mut parents = Vec::new();
        for name in unique(self.names) {
            w.live_flag(&self.project, &name).await?;
            if w.children_of(&name).await?.is_empty() {
                children_first.push(name);
            } else {
                parents.push(name);
            }
        }
        children_first.extend(parents);
        for name in children_first {
            ArchiveFlag {
                project: self.project.clone(),
                name,
            }
            .run(w, cx)
            .await?;
        }
        Ok(())
    }
}

/// The names once each, in their first order.
fn unique(names: Vec<FlagName>) -> Vec<FlagName> {
    let mut seen = BTreeSet::new();
    names
        .into_iter()
        .filter(|n| seen.insert(n.as_str().to_owned()))
        .collect()
}

/// An archived flag of this project (other projects' flags are not found).
async fn archived_in(w: &mut WriteTx<'_>, project: &ProjectId, name: &FlagName) -> OpResult<()> {
    match w.flag(name).await? {
        Some(f) if f.archived_at.is_some() && f.project == project.as_str() => Ok(()),
        _ => Err(OpError::NotFound(format!(
            "Could not find archived feature flag {name} in project {project}"
        ))),
    }
}

/// Revives many archived flags of a project, each switched off (as one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviveFlags {
    pub project: ProjectId,
    pub names: Vec<FlagName>,
}

impl Operation for ReviveFlags {
    type Output = ();

    fn check(&self, _cx: &Context) -> OpResult<()> {
        bounded_bulk(&self.names)
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        for name in unique(self.names) {
            archived_in(w, &self.project, &name).await?;
            ReviveFlag { name }.run(w, cx).await?;
        }
        Ok(())
    }
}

/// Deletes many archived flags of a project for good.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteFlags {
    pub project: ProjectId,
    pub names: Vec<FlagName>,
}

impl Operation for DeleteFlags {
    type Output = ();

    fn check(&self, _cx: &Context) -> OpResult<()> {
        bounded_bulk(&self.names)
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        for name in unique(self.names) {
            archived_in(w, &self.project, &name).await?;
            DeleteFlag { name }.run(w, cx).await?;
        }
        Ok(())
    }
}

/// What archiving these flags together would do to dependencies (Unleash's
/// `archive/validate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveCheck {
    /// Flags of the list that other flags, not in the list, depend on: archiving
    /// them is refused.
    pub parents_with_child_features: Vec<String>,
    /// Whether any flag of the list has a dependency, as child or parent, that
    /// archiving it removes.
    pub has_deleted_dependencies: bool,
}

/// Checks a bulk archive without making it (a read, no change).
pub async fn check_archive(store: &PoolReader, names: &[String]) -> OpResult<ArchiveCheck> {
    if names.is_empty() || names.len() > MAX_BULK {
        return Err(OpError::invalid(
            FieldPath::root().field("features"),
            format!("name 1 to {MAX_BULK} flags"),
        ));
    }
    let listed: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut check = ArchiveCheck {
        parents_with_child_features: Vec::new(),
        has_deleted_dependencies: false,
    };
    for name in &listed {
        let children = store.children_of(name).await?;
        let parents = store.parents_of(name).await?;
        check.has_deleted_dependencies |= !children.is_empty() || !parents.is_empty();
        if children.iter().any(|c| !listed.contains(c.child.as_str())) {
            check.parents_with_child_features.push((*name).to_owned());
        }
    }
    Ok(check)
}

/// The same variants in several environments of a flag (Unleash's
/// `variants-batch`): one `feature-environment-variants-updated` each.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetVariantsInEnvironments {
    pub project: ProjectId,
    pub feature: FlagName,
    pub environments: Vec<EnvironmentName>,
    pub variants: Vec<Variant>,
}

impl Operation for SetVariantsInEnvironments {
    type Output = Vec<Variant>;

    fn flag_scopes(&self) -> Vec<FlagScope> {
        self.environments
            .iter()
            .map(|e| FlagScope::environment(&self.project, e))
            .collect()
    }

    fn check(&self, _cx: &Context) -> OpResult<()> {
        if self.environments.is_empty() {
            return Err(OpError::invalid(
                FieldPath::root().field("environments"),
                "name at least one environment",
            ));
        }
        Ok(())
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<Vec<Variant>> {
        let mut stored = Vec::new();
        let mut seen = BTreeSet::new();
        for environment in self.environments {
            if !seen.insert(environment.as_str().to_owned()) {
                continue;
            }
            stored = SetVariants {
                project: self.project.clone(),
                feature: self.feature.clone(),
                environment,
                edit: Edit::Replace(self.variants.clone()),
            }
            .run(w, cx)
            .await?;
        }
        Ok(stored)
    }
}
