//! One project of a migration, one change: its export document of each
//! environment imported with `ImportFlags` (updating the flags it made
//! before, so a second run converges), then its archived flags created and
//! archived (metadata only).

use std::collections::BTreeSet;

use flagstaff_storage::WriteTx;

use super::{SourceProject, Summary, UnleashState};
use crate::ops::{
    ArchiveFlag, Context, CreateFlag, EnvironmentName, FlagName, FlagType, ImportFlags, OpError,
    OpResult, Operation, ProjectId,
};
use crate::wire::transfer::{ExportDocument, ExportedStrategy};

pub(super) async fn apply(
    w: &mut WriteTx<'_>,
    cx: &Context,
    state: &UnleashState,
    p: &SourceProject,
    summary: &mut Summary,
) -> OpResult<()> {
    let project = ProjectId::parse(&p.id)?;
    let mut flags = BTreeSet::new();
    for export in state.exports.iter().filter(|e| e.project == p.id) {
        let document = &export.document;
        if document.features.is_empty() {
            continue;
        }
        flags.extend(document.features.iter().map(|f| f.name.clone()));
        summary.strategies_of_flags += document.feature_strategies.len();
        let at = format!("project {}, environment {}", p.id, export.environment);
        // Unleash exports a flag's strategies in no particular order and
        // evaluates them by sort order, then id: the import keeps file order.
        let mut data = document.clone();
        data.feature_strategies.sort_by(|a, b| {
            let key = |s: &ExportedStrategy| {
                (
                    s.feature_name.clone(),
                    s.sort_order.unwrap_or(0),
                    s.id.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        ImportFlags {
            project: project.clone(),
            environment: EnvironmentName::parse(&export.environment)?,
            data,
            overwrite: true,
        }
        .run(w, cx)
        .await
        .map_err(|e| match e {
            OpError::Invalid { field, message } => {
                OpError::invalid_input(format!("{at}: {message} (at {field})"))
            }
            OpError::Conflict(m) => OpError::Conflict(format!("{at}: {m}")),
            OpError::NotFound(m) => OpError::NotFound(format!("{at}: {m}")),
            OpError::InvalidOperation(m) => OpError::InvalidOperation(format!("{at}: {m}")),
            other => other,
        })?;
    }
    summary.flags += flags.len();
    for f in state
        .archived
        .iter()
        .filter(|f| f.project.as_deref().unwrap_or("default") == p.id)
    {
        let name = FlagName::parse(&f.name)?;
        match w.flag(&f.name).await? {
            Some(stored) if stored.archived_at.is_some() || stored.project != p.id => continue,
            Some(_) => {}
            None => {
                CreateFlag {
                    project: project.clone(),
                    name: name.clone(),
                    flag_type: FlagType::parse(f.flag_type.as_deref().unwrap_or("release"))
                        .map_err(OpError::from)?,
                    description: f.description.clone(),
                    impression_data: f.impression_data,
                    tags: Vec::new(),
                }
                .run(w, cx)
                .await?;
            }
        }
        ArchiveFlag {
            project: project.clone(),
            name,
        }
        .run(w, cx)
        .await?;
        summary.archived_flags += 1;
    }
    Ok(())
}

/// The part of an export document about `project`'s flags (all of it when
/// `all`: the file goes into one project whatever its flags say).
pub(super) fn only_project(document: &ExportDocument, project: &str, all: bool) -> ExportDocument {
    if all {
        return document.clone();
    }
    let names: BTreeSet<&str> = document
        .features
        .iter()
        .filter(|f| f.project.as_deref().unwrap_or("default") == project)
        .map(|f| f.name.as_str())
        .collect();
    let mine = |name: Option<&str>| name.is_some_and(|n| names.contains(n));
    ExportDocument {
        features: document
            .features
            .iter()
            .filter(|f| names.contains(f.name.as_str()))
            .cloned()
            .collect(),
        feature_strategies: document
            .feature_strategies
            .iter()
            .filter(|s| mine(s.feature_name.as_deref()))
            .cloned()
            .collect(),
        feature_environments: document
            .feature_environments
            .iter()
            .filter(|e| mine(e.flag()))
            .cloned()
            .collect(),
        feature_tags: document
            .feature_tags
            .iter()
            .filter(|t| mine(t.feature_name.as_deref()))
            .cloned()
            .collect(),
        dependencies: document
            .dependencies
            .iter()
            .filter(|d| names.contains(d.feature.as_str()))
            .cloned()
            .collect(),
        links: document
            .links
            .iter()
            .filter(|l| names.contains(l.feature.as_str()))
            .cloned()
            .collect(),
        ..document.clone()
    }
}
