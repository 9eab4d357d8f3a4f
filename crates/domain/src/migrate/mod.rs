//! Moving from Unleash (`flagstaff migrate-from-unleash`): an Unleash
//! instance's state read whole ([`UnleashState`]: from its admin API by
//! [`fetch`], or from a file) and written here through the very operations
//! the admin API runs, so every rule and event is the same.
//!
//! Why these steps: the instance-wide things (environments, projects with
//! their environments, context fields, tag types, custom strategies,
//! segments) go first in one change, because flags refer to them; then each
//! project's flags are one change (one revision) made of Unleash's export
//! documents, one per environment, imported with `ImportFlags` (which knows
//! Unleash's export format already) and its archived flags; then, when asked,
//! API tokens with new secrets (Unleash keeps only hashes of its own, and a
//! secret names its scope), and users without passwords, each with a reset
//! link (`users.rs`). Re-running with `merge` finds everything by name
//! and converges to the same state, so a second run changes nothing a client
//! sees.

mod fetch;
mod instance;
mod project;
mod users;

use flagstaff_storage::{Store, StrategyParameter};
use serde::{Deserialize, Serialize};

use crate::ops::{Context, OpError, OpResult};
use crate::wire::transfer::{ExportDocument, ExportedContextField, ExportedFlag, ExportedTagType};
pub use fetch::fetch;
pub use users::{NewUser, SourceUser};

/// Everything that moves, as read from Unleash. Serialised, it is the file
/// `--save` writes and `--from-file` reads back (a plain export document is
/// read as an instance with one project and environment: see [`from_file`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnleashState {
    #[serde(default)]
    pub environments: Vec<SourceEnvironment>,
    #[serde(default)]
    pub projects: Vec<SourceProject>,
    #[serde(default)]
    pub context_fields: Vec<ExportedContextField>,
    #[serde(default)]
    pub tag_types: Vec<ExportedTagType>,
    /// Custom strategy definitions (Unleash's own are built in here too).
    #[serde(default)]
    pub strategies: Vec<SourceStrategy>,
    #[serde(default)]
    pub segments: Vec<SourceSegment>,
    /// One export document per project and environment.
    #[serde(default)]
    pub exports: Vec<SourceExport>,
    /// Archived flags (metadata only: Unleash serves them to no one).
    #[serde(default)]
    pub archived: Vec<ExportedFlag>,
    #[serde(default)]
    pub tokens: Vec<SourceToken>,
    /// Read with `--with-users`.
    #[serde(default)]
    pub users: Vec<SourceUser>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceEnvironment {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub sort_order: Option<i64>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceProject {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The environments enabled for the project.
    #[serde(default)]
    pub environments: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceStrategy {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub parameters: Vec<StrategyParameter>,
    #[serde(default)]
    pub deprecated: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceSegment {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub constraints: Vec<flagstaff_engine::document::Constraint>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceExport {
    pub project: String,
    pub environment: String,
    pub document: ExportDocument,
}

/// An API token's name and scope (its secret stays in Unleash).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceToken {
    pub token_name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub projects: Vec<String>,
}

/// How to migrate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Write into a Flagstaff that has flags or segments already.
    pub merge: bool,
    pub with_tokens: bool,
    /// Make the users read (`--with-users`); their reset links start with
    /// this public URL of Flagstaff.
    pub with_users: Option<String>,
}

/// A step done, for a progress bar: `done` of `total` steps, and what.
#[derive(Debug, Clone)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub step: String,
}

/// What a migration wrote.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub environments: usize,
    pub projects: usize,
    pub context_fields: usize,
    pub tag_types: usize,
    pub strategies: usize,
    pub segments: usize,
    pub flags: usize,
    pub strategies_of_flags: usize,
    pub archived_flags: usize,
    /// The tokens made: name, scope and the new secret (shown once).
    pub tokens: Vec<NewToken>,
    /// The users made, each with a reset link (shown once).
    pub users: Vec<NewUser>,
    /// Users read whose username was taken here already: kept as they are.
    pub users_kept: usize,
    /// The revisions the migration committed.
    pub revisions: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewToken {
    pub token_name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub environment: String,
    pub projects: Vec<String>,
    pub secret: String,
}

/// Reads a file: the instance `--save` wrote, or one Unleash export document
/// (`POST /api/admin/features-batch/export`), which moves into `project`
/// (default: the flags' own) and `environment` (default: the one its states name).
pub fn from_file(
    text: &str,
    project: Option<&str>,
    environment: Option<&str>,
) -> OpResult<UnleashState> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| OpError::invalid_input(format!("not JSON: {e}")))?;
    if value.get("features").is_none() {
        return serde_json::from_value(value)
            .map_err(|e| OpError::invalid_input(format!("not a saved Unleash instance: {e}")));
    }
    let document: ExportDocument = serde_json::from_value(value)
        .map_err(|e| OpError::invalid_input(format!("not an Unleash export document: {e}")))?;
    let environment = environment
        .map(str::to_owned)
        .or_else(|| {
            document
                .feature_environments
                .iter()
                .find_map(|e| e.environment.clone())
        })
        .ok_or_else(|| OpError::invalid_input("the export names no environment: give one"))?;
    let mut projects: Vec<String> = match project {
        Some(p) => vec![p.to_owned()],
        None => document
            .features
            .iter()
            .map(|f| f.project.clone().unwrap_or_else(|| "default".to_owned()))
            .collect(),
    };
    projects.sort();
    projects.dedup();
    let exports = projects
        .iter()
        .map(|p| SourceExport {
            project: p.clone(),
            environment: environment.clone(),
            document: project::only_project(&document, p, project.is_some()),
        })
        .collect();
    Ok(UnleashState {
        projects: projects
            .into_iter()
            .map(|id| SourceProject {
                id,
                environments: vec![environment.clone()],
                ..SourceProject::default()
            })
            .collect(),
        context_fields: document.context_fields.clone(),
        tag_types: document.tag_types.clone(),
        exports,
        ..UnleashState::default()
    })
}

/// Writes `state` into `store`: the instance in one change, each project in
/// one change, then the tokens in one. Refuses (changing nothing) when the
/// store has flags or segments already, unless `options.merge`.
pub async fn migrate(
    store: &Store,
    cx: &Context,
    state: &UnleashState,
    options: Options,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> OpResult<Summary> {
    if !options.merge {
        let flags = store.flags(None, false).await?.len();
        let archived = !store.archived_flags_page(None, 1).await?.is_empty();
        let segments = store.segments().await?.len();
        if flags > 0 || archived || segments > 0 {
            return Err(OpError::Conflict(format!(
                "This Flagstaff is not empty ({flags} live flags{}, {segments} segments): nothing was written; migrate with --merge to write into it",
                if archived { " and archived ones" } else { "" }
            )));
        }
    }
    let mut cx = cx.clone();
    cx.limits.import_flags = usize::MAX;
    cx.limits.projects = cx.limits.projects.max(state.projects.len() + 1);
    cx.limits.environments = cx.limits.environments.max(state.environments.len() + 1);
    let total = 1
        + state.projects.len()
        + usize::from(options.with_tokens)
        + usize::from(options.with_users.is_some());
    let mut summary = Summary::default();
    progress(Progress {
        done: 0,
        total,
        step: "environments, projects, context fields, segments".to_owned(),
    });
    let mut w = store.write().await?;
    instance::apply(&mut w, &cx, state, &mut summary).await?;
    summary.revisions.extend(w.commit().await?.revision);
    for (done, p) in state.projects.iter().enumerate() {
        progress(Progress {
            done: done + 1,
            total,
            step: format!("project {}", p.id),
        });
        let mut w = store.write().await?;
        project::apply(&mut w, &cx, state, p, &mut summary).await?;
        summary.revisions.extend(w.commit().await?.revision);
    }
    if options.with_tokens {
        progress(Progress {
            done: total - 1,
            total,
            step: "API tokens".to_owned(),
        });
        let mut w = store.write().await?;
        instance::tokens(&mut w, &cx, state, &mut summary).await?;
        summary.revisions.extend(w.commit().await?.revision);
    }
    if let Some(public_url) = &options.with_users {
        progress(Progress {
            done: total - 1,
            total,
            step: "users".to_owned(),
        });
        let mut w = store.write().await?;
        users::apply(&mut w, &cx, state, public_url, &mut summary).await?;
        summary.revisions.extend(w.commit().await?.revision);
    }
    progress(Progress {
        done: total,
        total,
        step: "done".to_owned(),
    });
    Ok(summary)
}

#[cfg(test)]
mod tests;
