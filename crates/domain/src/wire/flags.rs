//! A flag as Unleash's admin API shows it (featureSchema): its metadata, its
//! environments with their strategies, and for one flag its links, parents
//! and children.

use serde::Serialize;
use serde_json::Value;

use flagstaff_engine::document::Variant;
use flagstaff_storage::{
    instant_text, DependencyRow, EnvironmentRow, FlagEnvironmentRow, FlagRow, LinkRow, StrategyRow,
    Tag,
};

use super::StrategyView;

/// The metadata part of a flag: what a PUT or PATCH changes, and what events record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "new-checkout", "type": "release", "description": null,
    "project": "default", "stale": false, "impressionData": false, "archived": false,
    "createdAt": "2025-03-01T09:00:00Z"}))]
pub struct FlagMetadata<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub flag_type: &'a str,
    pub description: Option<&'a str>,
    pub project: &'a str,
    pub stale: bool,
    pub impression_data: bool,
    pub archived: bool,
    pub created_at: String,
}

impl<'a> From<&'a FlagRow> for FlagMetadata<'a> {
    fn from(f: &'a FlagRow) -> Self {
        FlagMetadata {
            name: &f.name,
            flag_type: f.feature_type.as_str(),
            description: f.description.as_deref(),
            project: &f.project,
            stale: f.stale,
            impression_data: f.impression_data,
            archived: f.archived_at.is_some(),
            created_at: instant_text(&f.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedBy<'a> {
    pub name: &'a str,
}

/// Unleash's featureSchema: a flag with its environments (and, for one flag,
/// its links, parents and children).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "new-checkout", "type": "release",
    "description": "The new checkout flow", "project": "default", "stale": false,
    "impressionData": false, "archived": false, "createdAt": "2025-03-01T09:00:00Z",
    "enabled": false, "archivedAt": null, "createdBy": {"name": "admin"},
    "environments": [{"name": "production", "environment": "production", "type": "production",
        "enabled": true, "sortOrder": 1, "variantCount": 0,
        "strategies": [{"id": "6f1d1c2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f", "name": "flexibleRollout",
            "title": null, "disabled": false, "featureName": "new-checkout", "sortOrder": 0,
            "segments": [], "constraints": [],
            "parameters": {"groupId": "new-checkout", "rollout": "50", "stickiness": "default"},
            "variants": []}],
        "variants": [], "hasStrategies": true, "hasEnabledStrategies": true}],
    "variants": [], "tags": [{"type": "simple", "value": "checkout"}], "children": [],
    "dependencies": [{"feature": "new-cart", "enabled": true, "variants": []}],
    "links": [{"id": "01J2ZK3Q8V5N7X9B1C3D5F7G9H", "url": "https://example.com/tickets/42",
        "title": "Ticket"}]}))]
pub struct FlagView<'a> {
    #[serde(flatten)]
    pub metadata: FlagMetadata<'a>,
    /// Unleash's legacy top-level switch; always false.
    pub enabled: bool,
    pub archived_at: Option<String>,
    pub created_by: CreatedBy<'a>,
    pub environments: Vec<FlagEnvironmentView<'a>>,
    #[schema(value_type = Vec<Variant>)]
    pub variants: [Value; 0],
    pub tags: &'a [Tag],
    /// The flags that depend on this one (shown when one flag is shown).
    pub children: Vec<&'a str>,
    /// The parents this flag depends on (shown when one flag is shown).
    pub dependencies: Vec<DependencyView<'a>>,
    /// The flag's links: shown when one flag is shown, not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<LinkView<'a>>>,
}

/// A dependency on a parent flag, as Unleash's flag view and export show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DependencyView<'a> {
    pub feature: &'a str,
    pub enabled: bool,
    pub variants: &'a [String],
}

impl<'a> From<&'a DependencyRow> for DependencyView<'a> {
    fn from(d: &'a DependencyRow) -> Self {
        DependencyView {
            feature: &d.parent,
            enabled: d.enabled,
            variants: &d.variants,
        }
    }
}

/// A flag link (Unleash 7's featureLinkSchema), as the API shows it and
/// `feature-link-*` events record it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "01J2ZK3Q8V5N7X9B1C3D5F7G9H", "url": "https://example.com/tickets/42",
    "title": "Ticket"}))]
pub struct LinkView<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub title: Option<&'a str>,
}

impl<'a> From<&'a LinkRow> for LinkView<'a> {
    fn from(l: &'a LinkRow) -> Self {
        LinkView {
            id: &l.id,
            url: &l.url,
            title: l.title.as_deref(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagEnvironmentView<'a> {
    pub name: &'a str,
    pub environment: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub enabled: bool,
    pub sort_order: i64,
    pub variant_count: usize,
    pub strategies: Vec<StrategyView<'a>>,
    pub variants: &'a [Variant],
    pub has_strategies: bool,
    pub has_enabled_strategies: bool,
}

impl<'a> FlagView<'a> {
    /// From a flag's rows: the project's `environments`, and this flag's
    /// environment `rows` and `strategies` (in order).
    pub fn new(
        feature: &'a FlagRow,
        environments: &'a [EnvironmentRow],
        rows: &[&'a FlagEnvironmentRow],
        strategies: &[&'a StrategyRow],
    ) -> Self {
        let environments = environments
            .iter()
            .filter_map(|env| {
                let row = rows.iter().find(|r| r.environment == env.name)?;
                let own: Vec<&StrategyRow> = strategies
                    .iter()
                    .copied()
                    .filter(|s| s.environment == env.name)
                    .collect();
                Some(FlagEnvironmentView {
                    name: &env.name,
                    environment: &env.name,
                    kind: &env.kind,
                    enabled: row.enabled,
                    sort_order: env.sort_order,
                    variant_count: row.variants.len(),
                    has_strategies: !own.is_empty(),
                    has_enabled_strategies: own.iter().any(|s| !s.values.disabled),
                    strategies: own.into_iter().map(StrategyView::from).collect(),
                    variants: &row.variants,
                })
            })
            .collect();
        FlagView {
            metadata: FlagMetadata::from(feature),
            enabled: false,
            archived_at: feature.archived_at.as_ref().map(instant_text),
            created_by: CreatedBy {
                name: &feature.created_by,
            },
            environments,
            variants: [],
            tags: &[],
            children: Vec::new(),
            dependencies: Vec::new(),
            links: None,
        }
    }

    /// The view with the flag's tags.
    pub fn with_tags(self, tags: &'a [Tag]) -> Self {
        FlagView { tags, ..self }
    }

    /// The view with the flag's parents and children (rows where it is the
    /// child, rows where it is the parent).
    pub fn with_dependencies(
        self,
        parents: &'a [DependencyRow],
        children: &'a [DependencyRow],
    ) -> Self {
        FlagView {
            dependencies: parents.iter().map(DependencyView::from).collect(),
            children: children.iter().map(|d| d.child.as_str()).collect(),
            ..self
        }
    }

    /// The view with the flag's links.
    pub fn with_links(self, links: &'a [LinkRow]) -> Self {
        FlagView {
            links: Some(links.iter().map(LinkView::from).collect()),
            ..self
        }
    }
}
