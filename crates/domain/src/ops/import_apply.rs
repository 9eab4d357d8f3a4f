//! Applying a checked import ([`Plan`]) inside the import's one change: the
//! single operations for each flag, context field, environment, dependency,
//! link and tag of the file, each refusal put under the file's item
//! (`data.featureStrategies[2]`). The checks are in `import_plan.rs`, the
//! operation and the validate route in `import.rs`.

use std::collections::BTreeSet;

use serde_json::json;

use super::import_plan::Plan;
use super::ImportFlags;
use super::{
    AddDependency, AddLink, AddStrategy, Context, ContextFieldInput, CreateContextField,
    CreateFlag, CreateTagType, Edit, FieldPath, FlagFields, FlagName, FlagType, LegalValue,
    LinkInput, OpError, OpResult, Operation, PathSegment, RemoveDependencies, RemoveLink,
    RemoveStrategy, SetVariants, StrategyInput, StrategyPlace, SwitchEnvironment, TagFlag,
    TagInput, TagTypeInput, UpdateFlag,
};
use crate::wire::transfer::{ExportDocument, ExportedFlag};
use flagstaff_storage::{EventKind, NewEvent, WriteTx};

/// Where item `index` of the file's list `list` is in the import body
/// (`data.featureStrategies[2]`): an operation's refusal about that item
/// is put under it.
fn in_file(list: &str, index: usize) -> FieldPath {
    FieldPath::root().field("data").field(list).index(index)
}

/// The flag's metadata as [`UpdateFlag`] takes it.
fn metadata(f: &ExportedFlag, flag_type: FlagType) -> FlagFields {
    FlagFields {
        flag_type: Some(flag_type.as_str().to_owned()),
        description: Some(f.description.clone()),
        impression_data: Some(f.impression_data),
        stale: Some(f.stale),
        ..FlagFields::default()
    }
}

pub(super) async fn apply(
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
        let name = FlagName::parse(&f.name).map_err(|e| e.within(&at))?;
        let flag_type = FlagType::parse(f.flag_type.as_deref().unwrap_or("release"))
            .map_err(|e| OpError::from(e).within(&at))?;
        let current = if plan.existing.contains(&f.name) {
            w.live_flag(project, &name).await?
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
        let same = current.feature_type == flag_type
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
                project: field.project.as_ref().map(|_| project.to_string()),
            },
            scope: None,
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
        feature: FlagName::parse(flag)?,
        environment: environment.clone(),
    };
    let state = data
        .feature_environments
        .iter()
        .enumerate()
        .find(|(_, e)| e.flag() == Some(flag));
    let state_at = |index| in_file("featureEnvironments", index);
    let current = w.flag_environment(flag, environment).await?;
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
                child: FlagName::parse(&f.name)?,
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
                child: FlagName::parse(&d.feature)?,
                parent: FlagName::parse(&parent.feature)
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
        let feature = FlagName::parse(&l.feature)?;
        for old in w.flag_links(&l.feature).await? {
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
        let Some(name) = &tag_type.name else {
            continue;
        };
        if w.tag_type(name).await?.is_none() {
            CreateTagType {
                tag_type: TagTypeInput {
                    name: name.clone(),
                    description: tag_type.description.clone(),
                    icon: tag_type.icon.clone(),
                    color: tag_type.color.clone(),
                },
            }
            .run(w, cx)
            .await
            .map_err(|e| e.within(&in_file("tagTypes", index)))?;
        }
    }
    for (index, tag) in data.feature_tags.iter().enumerate() {
        let (Some(flag), Some(tag_type), Some(value)) = (
            tag.feature_name.as_deref(),
            tag.tag_type.as_deref(),
            tag.tag_value.as_deref(),
        ) else {
            continue;
        };
        if !features.iter().any(|f| f.name == flag) {
            continue;
        }
        let tagged = TagFlag {
            feature: FlagName::parse(flag)?,
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
