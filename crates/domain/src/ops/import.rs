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

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::import_plan::{check_file, plan, Plan};
use super::{
    AddDependency, AddLink, AddStrategy, Context, ContextFieldInput, CreateContextField,
    CreateFlag, CreateTagType, Edit, EnvironmentName, FeatureName, FieldPath, FlagType, LegalValue,
    LinkInput, OpError, OpResult, Operation, PathSegment, ProjectId, RemoveDependencies,
    RemoveLink, RemoveStrategy, SetVariants, StrategyInput, StrategyPlace, SwitchEnvironment,
    TagFlag, TagInput, TagTypeInput, UpdateFlag,
};
use crate::wire::transfer::{ExportDocument, ExportedFlag, ImportReport, ReportItem};
use flagstaff_storage::{EventKind, NewEvent, StorageError, Store, WriteTx};

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

/// Where item `index` of the file's list `list` is in the import body
/// (`data.featureStrategies[2]`): an operation's refusal about that item
/// is put under it.
fn in_file(list: &str, index: usize) -> FieldPath {
    FieldPath::root().field("data").field(list).index(index)
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

/// The flag's metadata as [`UpdateFlag`] takes it.
fn metadata(f: &ExportedFlag, flag_type: FlagType) -> serde_json::Value {
    json!({
        "type": flag_type.as_str(), "description": f.description,
        "impressionData": f.impression_data, "stale": f.stale
    })
}

async fn apply(
    w: &mut WriteTx<'_>,
    cx: &Context,
    input: &ImportFlags,
    plan: &Plan,
) -> OpResult<()> {
    let (data, project, environment) = (&input.data, &input.project, &input.environment);
    let features: Vec<&ExportedFlag> = data
        .features
        .iter()
        .filter(|f| !plan.archived.contains(&f.name))
        .collect();
    for (index, f) in data.features.iter().enumerate() {
        if plan.archived.contains(&f.name) {
            continue;
        }
        let at = in_file("features", index);
        let name = FeatureName::parse(&f.name).map_err(|e| e.within(&at))?;
        let flag_type = FlagType::parse(f.flag_type.as_deref().unwrap_or("release"))
            .map_err(|e| e.within(&at))?;
        let current = if plan.existing.contains(&f.name) {
            w.live_feature(project, &name).await?
        } else {
            CreateFlag {
                project: project.clone(),
                name: name.clone(),
                flag_type,
                description: f.description.clone(),
                impression_data: f.impression_data,
                tags: Vec::new(),
            }
            .run(w, cx)
            .await
            .map_err(|e| e.within(&at))?
        };
        let same = current.feature_type == flag_type.as_str()
            && current.description == f.description
            && current.impression_data == f.impression_data
            && current.stale == f.stale;
        if !same {
            UpdateFlag {
                project: project.clone(),
                name,
                edit: Edit::Replace(metadata(f, flag_type)),
            }
            .run(w, cx)
            .await
            .map_err(|e| e.within(&at))?;
        }
    }
    let known: BTreeSet<String> = w
        .context_fields()
        .await?
        .into_iter()
        .map(|f| f.name)
        .collect();
    for (index, field) in data.context_fields.iter().enumerate() {
        if known.contains(&field.name) {
            continue;
        }
        let at = in_file("contextFields", index);
        let legal_values: Vec<LegalValue> = serde_json::from_value(json!(field.legal_values))
            .map_err(|e| OpError::invalid(at.clone().field("legalValues"), e.to_string()))?;
        CreateContextField {
            field: ContextFieldInput {
                name: Some(field.name.clone()),
                description: field.description.clone(),
                stickiness: field.stickiness,
                sort_order: field.sort_order,
                legal_values: Some(legal_values),
            },
        }
        .run(w, cx)
        .await
        .map_err(|e| e.within(&at))?;
    }
    for f in &features {
        apply_environment(w, cx, input, plan, &f.name).await?;
    }
    apply_relations(w, cx, input, &features).await?;
    apply_tags(w, cx, data, &features).await?;
    w.record_event(NewEvent {
        created_by: cx.actor.name.clone(),
        project: Some(project.to_string()),
        environment: Some(environment.to_string()),
        ..NewEvent::new(EventKind::FeaturesImported)
    })
    .await?;
    Ok(())
}

/// One flag's variants, strategies (replaced) and on/off in the environment.
async fn apply_environment(
    w: &mut WriteTx<'_>,
    cx: &Context,
    input: &ImportFlags,
    plan: &Plan,
    flag: &str,
) -> OpResult<()> {
    let (data, environment) = (&input.data, &input.environment);
    let place = StrategyPlace {
        project: input.project.clone(),
        feature: FeatureName::parse(flag)?,
        environment: environment.clone(),
    };
    let state = data
        .feature_environments
        .iter()
        .enumerate()
        .find(|(_, e)| e.flag() == Some(flag));
    let state_at = |index| in_file("featureEnvironments", index);
    let current = w.feature_environment(flag, environment).await?;
    if let Some((index, state)) = state.filter(|(_, s)| s.variants != current.variants) {
        SetVariants {
            project: place.project.clone(),
            feature: place.feature.clone(),
            environment: environment.clone(),
            edit: Edit::Replace(state.variants.clone()),
        }
        .run(w, cx)
        .await
        .map_err(|e| e.within(&state_at(index).field("variants")))?;
    }
    for old in w.strategies(flag, Some(environment)).await? {
        RemoveStrategy {
            place: place.clone(),
            id: old.id,
        }
        .run(w, cx)
        .await?;
    }
    let (indices, strategies): (Vec<usize>, Vec<_>) = data
        .feature_strategies
        .iter()
        .enumerate()
        .filter(|(_, s)| s.feature_name.as_deref() == Some(flag))
        .unzip();
    // Evaluation order is sort order, then creation: sort orders that do not
    // already say the file's order are renumbered, so the order survives.
    let orders: Vec<i64> = strategies
        .iter()
        .map(|s| s.sort_order.unwrap_or(0))
        .collect();
    let increasing = orders.windows(2).all(|p| p[0] < p[1]);
    for (at, s) in strategies.into_iter().enumerate() {
        let sort_order = if increasing { orders[at] } else { at as i64 };
        AddStrategy {
            place: place.clone(),
            strategy: StrategyInput {
                name: s.name.clone(),
                title: s.title.clone(),
                disabled: s.disabled,
                sort_order: Some(sort_order),
                parameters: Some(s.parameters.clone()),
                constraints: Some(s.constraints.clone()),
                segments: Some(
                    s.segments
                        .iter()
                        .filter_map(|id| plan.segment_ids.get(id).copied())
                        .collect(),
                ),
                variants: Some(s.variants.clone()),
            },
        }
        .run(w, cx)
        .await
        .map_err(|e| e.within(&in_file("featureStrategies", indices[at])))?;
    }
    if let Some((index, state)) = state.filter(|(_, s)| s.enabled != current.enabled) {
        SwitchEnvironment {
            project: place.project.clone(),
            name: place.feature.clone(),
            environment: environment.clone(),
            enabled: state.enabled,
        }
        .run(w, cx)
        .await
        .map_err(|e| e.within(&state_at(index)))?;
    }
    Ok(())
}

/// Dependencies (the file's become the flags' own) and links (replaced for
/// the flags the file gives links).
async fn apply_relations(
    w: &mut WriteTx<'_>,
    cx: &Context,
    input: &ImportFlags,
    features: &[&ExportedFlag],
) -> OpResult<()> {
    let (data, project) = (&input.data, &input.project);
    let imported: BTreeSet<&str> = features.iter().map(|f| f.name.as_str()).collect();
    for f in features {
        let listed = data
            .dependencies
            .iter()
            .any(|d| d.feature == f.name && !d.dependencies.is_empty());
        if !listed && !w.parents_of(&f.name).await?.is_empty() {
            RemoveDependencies {
                project: project.clone(),
                child: FeatureName::parse(&f.name)?,
            }
            .run(w, cx)
            .await?;
        }
    }
    for (index, d) in data.dependencies.iter().enumerate() {
        if !imported.contains(d.feature.as_str()) {
            continue;
        }
        for (position, parent) in d.dependencies.iter().enumerate() {
            let at = in_file("dependencies", index)
                .field("dependencies")
                .index(position);
            AddDependency {
                project: project.clone(),
                child: FeatureName::parse(&d.feature)?,
                parent: FeatureName::parse(&parent.feature)
                    .map_err(|e| OpError::invalid(at.clone().field("feature"), e.to_string()))?,
                enabled: parent.enabled.unwrap_or(true),
                variants: parent.variants.clone(),
            }
            .run(w, cx)
            .await
            .map_err(|e| e.within(&at))?;
        }
    }
    for (index, l) in data.links.iter().enumerate() {
        if !imported.contains(l.feature.as_str()) {
            continue;
        }
        let feature = FeatureName::parse(&l.feature)?;
        for old in w.feature_links(&l.feature).await? {
            RemoveLink {
                project: project.clone(),
                feature: feature.clone(),
                id: old.id,
            }
            .run(w, cx)
            .await?;
        }
        for (position, link) in l.links.iter().enumerate() {
            AddLink {
                project: project.clone(),
                feature: feature.clone(),
                link: LinkInput {
                    url: link.url.clone(),
                    title: link.title.clone(),
                },
            }
            .run(w, cx)
            .await
            .map_err(|e| e.within(&in_file("links", index).field("links").index(position)))?;
        }
    }
    Ok(())
}

/// The file's tag types this database lacks are created, and each imported
/// flag gets the file's tags (one it already has is left as it is).
async fn apply_tags(
    w: &mut WriteTx<'_>,
    cx: &Context,
    data: &ExportDocument,
    features: &[&ExportedFlag],
) -> OpResult<()> {
    for (index, tag_type) in data.tag_types.iter().enumerate() {
        let Some(name) = tag_type["name"].as_str() else {
            continue;
        };
        if w.tag_type(name).await?.is_none() {
            let text = |key: &str| tag_type[key].as_str().map(str::to_owned);
            CreateTagType {
                tag_type: TagTypeInput {
                    name: name.to_owned(),
                    description: text("description"),
                    icon: text("icon"),
                    color: text("color"),
                },
            }
            .run(w, cx)
            .await
            .map_err(|e| e.within(&in_file("tagTypes", index)))?;
        }
    }
    for (index, tag) in data.feature_tags.iter().enumerate() {
        let (Some(flag), Some(tag_type), Some(value)) = (
            tag["featureName"].as_str(),
            tag["tagType"].as_str(),
            tag["tagValue"].as_str(),
        ) else {
            continue;
        };
        if !features.iter().any(|f| f.name == flag) {
            continue;
        }
        let tagged = TagFlag {
            feature: FeatureName::parse(flag)?,
            tag: TagInput {
                tag_type: Some(tag_type.to_owned()),
                value: value.to_owned(),
            },
        }
        .run(w, cx)
        .await;
        match tagged {
            Ok(_) | Err(OpError::Conflict(_)) => {}
            // The file names a tag's parts `tagType` and `tagValue`.
            Err(OpError::Invalid { field, message }) => {
                let part = match field.segments().first() {
                    Some(PathSegment::Field(f)) if f == "type" => Some("tagType"),
                    Some(PathSegment::Field(f)) if f == "value" => Some("tagValue"),
                    _ => None,
                };
                let at = in_file("featureTags", index);
                return Err(OpError::invalid(
                    part.map_or(at.clone(), |part| at.field(part)),
                    message,
                ));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
