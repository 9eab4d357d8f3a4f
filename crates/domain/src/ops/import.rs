//! Import (`POST /api/admin/features-batch/validate` and `…/import`): an
//! export document applied to one project and environment as ONE change —
//! the single operations (create or update the flag, context fields, variants,
//! strategies, on/off, dependencies, links) run in one transaction, so they
//! keep their rules and events and commit under one revision, followed by
//! Unleash's `features-imported` event.
//!
//! Unleash's semantics: flags the project already has are updated (their
//! strategies in the environment replaced), flags archived in the project are
//! skipped, flags of other projects, unknown strategies, segments this server
//! lacks (found by name), context fields whose legal values do not cover the
//! file's and parents that exist nowhere are errors. `validate` lists all of
//! them and then dry-runs the import in a transaction it rolls back, so "no
//! errors" means the import will apply. An import is refused with 400 while
//! there are errors, and — Flagstaff's addition, as the issue asks — with 409
//! while the file names flags the project already has, until the request
//! confirms with `"overwrite": true`. Refused, it changes nothing.

use serde::{Deserialize, Serialize};

use super::import_apply::apply;
use super::import_plan::{check_file, plan};
use super::{
    Context, EnvironmentName, FieldPath, FlagScope, OpError, OpResult, Operation, ProjectId,
};
use crate::wire::transfer::{ExportDocument, ImportReport, ReportItem};
use flagstaff_storage::{StorageError, Store, WriteTx};

/// Unleash's importTogglesSchema, and the confirmation that flags the project
/// already has may be updated.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportFlags {
    pub project: ProjectId,
    pub environment: EnvironmentName,
    pub data: ExportDocument,
    #[serde(default)]
    pub overwrite: bool,
}

impl Operation for ImportFlags {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::Project(self.project.clone())]
    }

    /// The file's own checks, before the change lock: a file over the import
    /// limit, or with errors of its own, never makes other changes wait.
    fn check(&self, cx: &Context) -> OpResult<()> {
        refuse_errors(&check_file(self, &cx.limits)?.errors)
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let file = check_file(&self, &cx.limits)?;
        let plan = plan(w, &self, file).await?;
        refuse_errors(&plan.report.errors)?;
        if !plan.existing.is_empty() && !self.overwrite {
            let names: Vec<&str> = plan.existing.iter().map(String::as_str).collect();
            return Err(OpError::Conflict(format!(
                "These flags already exist in project {}: {}. Import with \"overwrite\": true to update them",
                self.project,
                names.join(", ")
            )));
        }
        apply(w, cx, &self, &plan).await
    }
}

/// Refuses an import the checks found errors in, listing them.
fn refuse_errors(errors: &[ReportItem]) -> OpResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let reasons: Vec<String> = errors
        .iter()
        .map(|e| format!("{} {}", e.message, e.affected_items.join(", ")))
        .collect();
    Err(OpError::invalid(
        FieldPath::root().field("data"),
        format!("The import was refused: {}", reasons.join("; ")),
    ))
}

/// The validate route: the checks, then — when they find no errors — the
/// import itself in a transaction that is rolled back, so an operation's
/// refusal (a bad constraint, a dependency breaking a rule) is listed too.
pub async fn validate_import(
    store: &Store,
    cx: &Context,
    input: &ImportFlags,
) -> OpResult<ImportReport> {
    let file = check_file(input, &cx.limits)?;
    let mut w = store.write().await?;
    let mut plan = plan(&mut w, input, file).await?;
    if plan.report.errors.is_empty() {
        match apply(&mut w, cx, input, &plan).await {
            Ok(()) => {}
            Err(OpError::Storage(
                e @ (StorageError::Database(_) | StorageError::Unreachable { .. }),
            )) => return Err(e.into()),
            // The report has no place for a path but its message.
            Err(OpError::Invalid { field, message }) if !field.is_root() => {
                plan.report.errors.push(ReportItem {
                    message: format!("The import would be refused: {message} (at {field})"),
                    affected_items: Vec::new(),
                })
            }
            Err(refused) => plan.report.errors.push(ReportItem {
                message: format!("The import would be refused: {refused}"),
                affected_items: Vec::new(),
            }),
        }
    }
    // Dropped uncommitted: rolled back, nothing recorded.
    drop(w);
    Ok(plan.report)
}
