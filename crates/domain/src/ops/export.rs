//! Export (`POST /api/admin/features-batch/export`): flags of one environment
//! in Unleash's export format. It is an operation because Unleash records a
//! `features-exported` event with the document; reading under the change lock
//! also makes the document one consistent state. The selection is Unleash's:
//! the flags with the `tag` (`type:value`), else the named flags, else the
//! project's, else every live flag; their tags and the tag types those use.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Context, EnvironmentName, OpError, OpResult, Operation, ProjectId};
use crate::wire::to_value;
use crate::wire::transfer::{
    ExportDocument, ExportedContextField, ExportedDependencies, ExportedDependency,
    ExportedEnvironment, ExportedFlag, ExportedLink, ExportedLinks, ExportedSegment,
    ExportedStrategy, ExportedTag, ExportedTagType,
};
use flagstaff_storage::{EventKind, FlagRows, NewEvent, WriteTx};

/// Unleash's exportQuerySchema.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportFlags {
    pub environment: EnvironmentName,
    #[serde(default)]
    pub project: Option<ProjectId>,
    #[serde(default)]
    pub features: Option<Vec<String>>,
    #[serde(default)]
    pub tag: Option<String>,
}

impl Operation for ExportFlags {
    type Output = ExportDocument;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ExportDocument> {
        if !w.environment_exists(&self.environment).await? {
            return Err(OpError::NotFound(format!(
                "Could not find environment {}",
                self.environment
            )));
        }
        let names: Vec<String> = match (&self.tag, &self.features, &self.project) {
            (Some(asked), _, _) => {
                // `type:value`, or a value of the default tag type.
                let (tag_type, value) = asked
                    .split_once(':')
                    .unwrap_or((super::DEFAULT_TAG_TYPE, asked.as_str()));
                let mut tagged = Vec::new();
                for name in w.flag_names(self.project.as_deref()).await? {
                    if w.flag_tags(&name)
                        .await?
                        .iter()
                        .any(|t| t.tag_type == tag_type && t.value == value)
                    {
                        tagged.push(name);
                    }
                }
                tagged
            }
            (None, Some(names), _) if !names.is_empty() => names.clone(),
            (None, _, Some(project)) => {
                if !w.project_exists(project).await? {
                    return Err(OpError::NotFound(format!(
                        "Could not find project {project}"
                    )));
                }
                w.flag_names(Some(project)).await?
            }
            (None, _, None) => w.flag_names(None).await?,
        };
        let rows = w.snapshot_rows_of(&names).await?;
        let mut document = flags_document(&rows, &self.environment);
        let (fields, segments) = (w.context_fields().await?, w.segments().await?);
        let used = used_context_fields(&document);
        document.context_fields = fields
            .into_iter()
            .filter(|f| used.contains(f.name.as_str()))
            .map(|f| ExportedContextField {
                name: f.name,
                description: f.description,
                stickiness: Some(f.stickiness),
                sort_order: Some(f.sort_order),
                legal_values: f.legal_values,
                project: f.project,
            })
            .collect();
        let used: BTreeSet<i64> = document
            .feature_strategies
            .iter()
            .flat_map(|s| s.segments.iter().copied())
            .collect();
        document.segments = segments
            .into_iter()
            .filter(|s| used.contains(&s.id))
            .map(|s| ExportedSegment {
                id: s.id,
                name: s.name,
            })
            .collect();
        let names: Vec<String> = rows.features.iter().map(|f| f.name.clone()).collect();
        let mut links: BTreeMap<String, Vec<ExportedLink>> = BTreeMap::new();
        for link in w.links_of_flags(&names).await? {
            links
                .entry(link.feature_name)
                .or_default()
                .push(ExportedLink {
                    id: Some(link.id),
                    url: link.url,
                    title: link.title,
                });
        }
        document.links = links
            .into_iter()
            .map(|(feature, links)| ExportedLinks { feature, links })
            .collect();
        let mut tag_types = BTreeSet::new();
        for name in &names {
            for tag in w.flag_tags(name).await? {
                document.feature_tags.push(ExportedTag {
                    feature_name: Some(name.clone()),
                    tag_type: Some(tag.tag_type.clone()),
                    tag_value: Some(tag.value),
                });
                tag_types.insert(tag.tag_type);
            }
        }
        for name in tag_types {
            if let Some(t) = w.tag_type(&name).await? {
                document.tag_types.push(ExportedTagType {
                    name: Some(t.name),
                    description: t.description,
                    icon: t.icon,
                    color: None,
                });
            }
        }
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            project: self.project.map(String::from),
            environment: Some(self.environment.to_string()),
            data: Some(to_value(&document)),
            ..NewEvent::new(EventKind::FeaturesExported)
        })
        .await?;
        Ok(document)
    }
}

/// The flags, their strategies and state in `environment`, and their
/// dependencies, from their rows (in name order).
fn flags_document(rows: &FlagRows, environment: &str) -> ExportDocument {
    let features = rows
        .features
        .iter()
        .map(|f| ExportedFlag {
            name: f.name.clone(),
            flag_type: Some(f.feature_type.as_str().to_owned()),
            description: f.description.clone(),
            project: Some(f.project.clone()),
            stale: f.stale,
            impression_data: f.impression_data,
            archived: false,
        })
        .collect();
    let feature_strategies = rows
        .strategies
        .iter()
        .filter(|s| s.environment == environment)
        .map(|s| ExportedStrategy {
            name: s.values.name.clone(),
            id: Some(s.id.clone()),
            feature_name: Some(s.feature_name.clone()),
            title: s.values.title.clone(),
            disabled: Some(s.values.disabled),
            sort_order: Some(s.values.sort_order),
            constraints: s.values.constraints.clone(),
            parameters: s
                .values
                .parameters
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
            segments: s.values.segments.clone(),
            variants: s.values.variants.clone(),
        })
        .collect();
    let mut feature_environments: Vec<ExportedEnvironment> = rows
        .environments
        .iter()
        .filter(|e| e.environment == environment)
        .map(|e| ExportedEnvironment {
            enabled: e.enabled,
            feature_name: Some(e.feature_name.clone()),
            environment: Some(e.environment.clone()),
            variants: e.variants.clone(),
            name: Some(e.feature_name.clone()),
        })
        .collect();
    feature_environments.sort_by(|a, b| a.feature_name.cmp(&b.feature_name));
    let mut dependencies: BTreeMap<&str, Vec<ExportedDependency>> = BTreeMap::new();
    for d in &rows.dependencies {
        dependencies
            .entry(d.child.as_str())
            .or_default()
            .push(ExportedDependency {
                feature: d.parent.clone(),
                enabled: Some(d.enabled),
                variants: Some(d.variants.clone()),
            });
    }
    ExportDocument {
        features,
        feature_strategies,
        feature_environments,
        dependencies: dependencies
            .into_iter()
            .map(|(feature, dependencies)| ExportedDependencies {
                feature: feature.to_owned(),
                dependencies,
            })
            .collect(),
        ..ExportDocument::default()
    }
}

/// The context fields the flags use, as Unleash counts them: constraint
/// fields and stickiness of strategies, stickiness and overrides of variants.
fn used_context_fields(document: &ExportDocument) -> BTreeSet<&str> {
    let mut used = BTreeSet::new();
    for s in &document.feature_strategies {
        used.extend(s.constraints.iter().map(|c| c.context_name.as_str()));
        if let Some(Value::String(stickiness)) = s.parameters.get("stickiness") {
            used.insert(stickiness.as_str());
        }
    }
    for e in &document.feature_environments {
        for v in &e.variants {
            used.extend(v.stickiness.as_deref());
            used.extend(v.overrides.iter().map(|o| o.context_name.as_str()));
        }
    }
    used
}
