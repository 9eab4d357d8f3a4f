//! Unleash's export document (`exportResultSchema`), which is also the `data`
//! of an import: the flags, their strategies and state in one environment,
//! the context fields and segments they use (segments by id and name only),
//! their dependencies and links. Read leniently (every list may be absent),
//! so a file exported by Unleash imports here and the other way round.
//! `featureTags` (`{featureName, tagType, tagValue}`) and `tagTypes` (the
//! types they use) travel too: an import creates the tag types it lacks.

use std::collections::BTreeMap;

use flagstaff_engine::document::{Constraint, Variant};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    pub feature_tags: Vec<Value>,
    #[serde(default)]
    pub segments: Vec<ExportedSegment>,
    #[serde(default)]
    pub tag_types: Vec<Value>,
    #[serde(default)]
    pub dependencies: Vec<ExportedDependencies>,
    #[serde(default)]
    pub links: Vec<ExportedLinks>,
}

/// A flag's metadata (Unleash's row without its instants).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    #[serde(default)]
    pub parameters: BTreeMap<String, Value>,
    #[serde(default)]
    pub segments: Vec<i64>,
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// A flag's state in the exported environment. Unleash names the flag in both
/// `featureName` and `name`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    pub legal_values: Vec<Value>,
}

impl ExportedContextField {
    /// The legal values' `value`s.
    pub fn legal_value_names(&self) -> impl Iterator<Item = &str> {
        self.legal_values.iter().filter_map(|v| v["value"].as_str())
    }
}

/// A segment is exported by id and name; an import finds it by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportedSegment {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportedDependencies {
    /// The child.
    pub feature: String,
    #[serde(default)]
    pub dependencies: Vec<ExportedDependency>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportedDependency {
    /// The parent.
    pub feature: String,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub variants: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportedLinks {
    pub feature: String,
    #[serde(default)]
    pub links: Vec<ExportedLink>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportedLink {
    #[serde(default)]
    pub id: Option<String>,
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// What `features-batch/validate` answers: each item a message and the names
/// it is about (Unleash's importTogglesValidateSchema).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub errors: Vec<ReportItem>,
    pub warnings: Vec<ReportItem>,
    pub permissions: Vec<ReportItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportItem {
    pub message: String,
    pub affected_items: Vec<String>,
}
