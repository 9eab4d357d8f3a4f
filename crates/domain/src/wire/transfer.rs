//! Unleash's export document (`exportResultSchema`), which is also the `data`
//! of an import: the flags, their strategies and state in one environment,
//! the context fields and segments they use (segments by id and name only),
//! their dependencies and links. Read leniently (every list may be absent),
//! so a file exported by Unleash imports here and the other way round.
//! `featureTags` (`{featureName, tagType, tagValue}`) and `tagTypes` (the
//! types they use) travel too: an import creates the tag types it lacks (an
//! entry without its name, or a tag without one of its parts, is skipped).

use std::collections::BTreeMap;

use flagstaff_engine::document::{Constraint, Variant};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "features": [{"name": "new-checkout", "type": "release", "description": "The new checkout flow",
        "project": "default", "stale": false, "impressionData": false, "archived": false}],
    "featureStrategies": [{"name": "flexibleRollout", "id": "6f1d1c2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f",
        "featureName": "new-checkout", "title": null, "disabled": false, "sortOrder": 0,
        "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"],
            "caseInsensitive": false, "inverted": false}],
        "parameters": {"groupId": "new-checkout", "rollout": "50", "stickiness": "default"},
        "segments": [1], "variants": []}],
    "featureEnvironments": [{"enabled": true, "featureName": "new-checkout",
        "environment": "production", "variants": [], "name": "new-checkout"}],
    "contextFields": [{"name": "region", "description": "Where the user is", "stickiness": false,
        "sortOrder": 10, "legalValues": [{"value": "eu", "description": "Europe"}]}],
    "featureTags": [{"featureName": "new-checkout", "tagType": "team", "tagValue": "payments"}],
    "segments": [{"id": 1, "name": "beta-users"}],
    "tagTypes": [{"name": "team", "description": "Which team owns the flag", "icon": null}],
    "dependencies": [{"feature": "new-checkout", "dependencies": [
        {"feature": "new-cart", "enabled": true, "variants": []}]}],
    "links": [{"feature": "new-checkout", "links": [{"id": "01J2ZK3Q8V5N7X9B1C3D5F7G9H",
        "url": "https://example.com/tickets/42", "title": "Ticket"}]}]}))]
pub struct ExportDocument {
    #[serde(default)]
    pub features: Vec<ExportedFlag>,
    #[serde(default)]
    pub feature_strategies: Vec<ExportedStrategy>,
    #[serde(default)]
    pub feature_environments: Vec<ExportedEnvironment>,
    #[serde(default)]
    pub context_fields: Vec<ExportedContextField>,
    #[serde(default)]
    pub feature_tags: Vec<ExportedTag>,
    #[serde(default)]
    pub segments: Vec<ExportedSegment>,
    #[serde(default)]
    pub tag_types: Vec<ExportedTagType>,
    #[serde(default)]
    pub dependencies: Vec<ExportedDependencies>,
    #[serde(default)]
    pub links: Vec<ExportedLinks>,
}

/// A flag's metadata (Unleash's row without its instants).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFlag {
    pub name: String,
    #[serde(default, rename = "type")]
    pub flag_type: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub stale: bool,
    #[serde(default)]
    pub impression_data: bool,
    #[serde(default)]
    pub archived: bool,
}

/// A strategy of one flag in the exported environment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedStrategy {
    pub name: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub feature_name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub sort_order: Option<i64>,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    /// Text, numbers or booleans, read as text (exported as text).
    #[serde(default)]
    pub parameters: BTreeMap<String, Value>,
    #[serde(default)]
    pub segments: Vec<i64>,
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// A flag's state in the exported environment. Unleash names the flag in both
/// `featureName` and `name`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedEnvironment {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub feature_name: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub variants: Vec<Variant>,
    #[serde(default)]
    pub name: Option<String>,
}

impl ExportedEnvironment {
    /// The flag this state is of.
    pub fn flag(&self) -> Option<&str> {
        self.feature_name.as_deref().or(self.name.as_deref())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedContextField {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub stickiness: Option<bool>,
    #[serde(default)]
    pub sort_order: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Vec<crate::ops::LegalValue>)]
    pub legal_values: Vec<Value>,
    /// The project of a project-scoped field (an import puts it in the
    /// project imported into).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

impl ExportedContextField {
    /// The legal values' `value`s.
    pub fn legal_value_names(&self) -> impl Iterator<Item = &str> {
        self.legal_values.iter().filter_map(|v| v["value"].as_str())
    }
}

/// A flag's tag (Unleash's featureTagSchema).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedTag {
    #[serde(default)]
    pub feature_name: Option<String>,
    #[serde(default)]
    pub tag_type: Option<String>,
    #[serde(default)]
    pub tag_value: Option<String>,
}

/// A tag type the exported tags use (Unleash's tagTypeSchema; exported
/// without its colour, which an import still reads).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportedTagType {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// A segment is exported by id and name; an import finds it by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportedSegment {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportedDependencies {
    /// The child.
    pub feature: String,
    #[serde(default)]
    pub dependencies: Vec<ExportedDependency>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportedDependency {
    /// The parent.
    pub feature: String,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub variants: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportedLinks {
    pub feature: String,
    #[serde(default)]
    pub links: Vec<ExportedLink>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportedLink {
    #[serde(default)]
    pub id: Option<String>,
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// What `features-batch/validate` answers: each item a message and the names
/// it is about (Unleash's importTogglesValidateSchema).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"errors": [{"message": "These strategy types do not exist",
    "affectedItems": ["madeUp"]}],
    "warnings": [{"message": "These flags will be updated", "affectedItems": ["new-checkout"]}],
    "permissions": []}))]
pub struct ImportReport {
    pub errors: Vec<ReportItem>,
    pub warnings: Vec<ReportItem>,
    pub permissions: Vec<ReportItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportItem {
    pub message: String,
    pub affected_items: Vec<String>,
}
