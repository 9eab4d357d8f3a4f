//! The checks of an import (`ops/import.rs`), made before anything is
//! applied — those of the file alone before the change lock is taken
//! ([`check_file`]: its size, names, references inside it), the rest under it: what `validate` lists as errors (the import is
//! refused while there are any) and warnings (flags the project already has,
//! which need `"overwrite": true`; flags archived here, which are skipped;
//! tags, which Flagstaff does not have yet), and the segment ids mapped by name.

use std::collections::{BTreeSet, HashMap};

use super::ImportFlags;
use super::{project_environment, FieldPath, FlagName, Limits, OpError, OpResult};
use crate::wire::transfer::{ImportReport, ReportItem};
use flagstaff_storage::WriteTx;

/// What the checks found, and what applying needs.
pub(super) struct Plan {
    pub(super) report: ImportReport,
    /// Flags of the file that are live in the project (updated when confirmed).
    pub(super) existing: BTreeSet<String>,
    /// Flags of the file archived in the project (skipped).
    pub(super) archived: BTreeSet<String>,
    /// The file's segment ids → this server's.
    pub(super) segment_ids: HashMap<i64, i64>,
}

fn item(report: &mut Vec<ReportItem>, message: String, affected: BTreeSet<String>) {
    if !affected.is_empty() {
        report.push(ReportItem {
            message,
            affected_items: affected.into_iter().collect(),
        });
    }
}

/// What the file alone says: its valid flag names, and its errors that need
/// nothing stored to be found (checked before the change lock is taken).
pub(super) struct FileCheck {
    pub(super) names: BTreeSet<String>,
    pub(super) errors: Vec<ReportItem>,
}

/// The checks of the file alone: at most `import_flags` flags (else refused
/// at once, naming the setting), valid and distinct names, nothing about a
/// flag the file does not list, no segment id the file does not list.
pub(super) fn check_file(input: &ImportFlags, limits: &Limits) -> OpResult<FileCheck> {
    let data = &input.data;
    if data.features.len() > limits.import_flags {
        return Err(OpError::invalid(
            FieldPath::root().field("data").field("features"),
            format!(
                "The file has {} flags: at most {} in one import (the import limit, MAX_IMPORT_FLAGS); import it in parts",
                data.features.len(),
                limits.import_flags
            ),
        ));
    }
    let mut errors = Vec::new();
    let (mut names, mut duplicates, mut invalid) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for f in &data.features {
        if FlagName::parse(&f.name).is_err() {
            invalid.insert(f.name.clone());
        } else if !names.insert(f.name.clone()) {
            duplicates.insert(f.name.clone());
        }
    }
    let strays: BTreeSet<String> = data
        .feature_strategies
        .iter()
        .filter_map(|s| s.feature_name.clone())
        .chain(
            data.feature_environments
                .iter()
                .filter_map(|e| e.flag().map(str::to_owned)),
        )
        .chain(data.dependencies.iter().map(|d| d.feature.clone()))
        .chain(data.links.iter().map(|l| l.feature.clone()))
        .filter(|name| !names.contains(name))
        .collect();
    let unlisted_segments: BTreeSet<String> = data
        .feature_strategies
        .iter()
        .flat_map(|s| s.segments.iter())
        .filter(|id| !data.segments.iter().any(|s| s.id == **id))
        .map(i64::to_string)
        .collect();
    item(
        &mut errors,
        "These names are not valid flag names:".to_owned(),
        invalid,
    );
    item(
        &mut errors,
        "These flags appear more than once in the file:".to_owned(),
        duplicates,
    );
    item(
        &mut errors,
        "These strategies, states, dependencies or links are of flags the file's features do not list:".to_owned(),
        strays,
    );
    item(
        &mut errors,
        "Strategies name these segment ids, which the file's segments do not list:".to_owned(),
        unlisted_segments,
    );
    Ok(FileCheck { names, errors })
}

/// Everything that can be checked before applying: the file's own checks
/// (`file`), then what is stored, read under the change lock.
pub(super) async fn plan(
    w: &mut WriteTx<'_>,
    input: &ImportFlags,
    file: FileCheck,
) -> OpResult<Plan> {
    project_environment(w, &input.project, &input.environment).await?;
    let (data, project) = (&input.data, input.project.as_str());
    let FileCheck {
        names,
        errors: mut file_errors,
    } = file;
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let (mut other_projects, mut existing, mut archived) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for name in &names {
        match w.flag(name).await? {
            Some(f) if f.project != project => {
                other_projects.insert(format!("{name} (in project {})", f.project));
            }
            Some(f) if f.archived_at.is_some() => {
                archived.insert(name.clone());
            }
            Some(_) => {
                existing.insert(name.clone());
            }
            None => {}
        }
    }
    // Built-in or custom strategy types this database has.
    let named: BTreeSet<&str> = data
        .feature_strategies
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let mut unknown_strategies: BTreeSet<String> = BTreeSet::new();
    for name in named {
        if w.strategy_type(name).await?.is_none() {
            unknown_strategies.insert(name.to_owned());
        }
    }
    let fields = w.context_fields().await?;
    let mismatched: BTreeSet<String> = data
        .context_fields
        .iter()
        .filter(|imported| {
            fields.iter().any(|f| {
                f.name == imported.name
                    && !imported.legal_value_names().all(|value| {
                        f.legal_values
                            .iter()
                            .any(|l| l["value"].as_str() == Some(value))
                    })
            })
        })
        .map(|f| f.name.clone())
        .collect();
    let segments = w.segments().await?;
    let (mut segment_ids, mut missing_segments) = (HashMap::new(), BTreeSet::new());
    for s in &data.segments {
        let here = segments
            .iter()
            .find(|h| h.name == s.name && h.project.as_deref().is_none_or(|p| p == project));
        match here {
            Some(h) => {
                segment_ids.insert(s.id, h.id);
            }
            None => {
                missing_segments.insert(s.name.clone());
            }
        }
    }
    let mut missing_parents = BTreeSet::new();
    for parent in data.dependencies.iter().flat_map(|d| &d.dependencies) {
        if !names.contains(&parent.feature) && w.flag(&parent.feature).await?.is_none() {
            missing_parents.insert(parent.feature.clone());
        }
    }
    item(
        &mut errors,
        format!("You cannot import flags that already exist in other projects. These flags exist outside project {project}:"),
        other_projects,
    );
    item(
        &mut errors,
        "These strategy types do not exist here:".to_owned(),
        unknown_strategies,
    );
    item(
        &mut errors,
        "These context fields exist here without all the legal values the file gives them:"
            .to_owned(),
        mismatched,
    );
    item(
        &mut errors,
        "These segments need to be created first (segments are found by name):".to_owned(),
        missing_segments,
    );
    item(
        &mut errors,
        "These parent flags are neither in the file nor here:".to_owned(),
        missing_parents,
    );
    item(
        &mut warnings,
        format!(
            "These flags already exist in project {project}: the import updates them and replaces their strategies in {} — confirm with \"overwrite\": true:",
            input.environment
        ),
        existing.clone(),
    );
    item(
        &mut warnings,
        "These flags are archived here and will not be imported (revive them first):".to_owned(),
        archived.clone(),
    );
    file_errors.append(&mut errors);
    Ok(Plan {
        report: ImportReport {
            errors: file_errors,
            warnings,
            permissions: Vec::new(),
        },
        existing,
        archived,
        segment_ids,
    })
}
