//! How flags, strategies, segments, context fields, projects and environments
//! look on Unleash's admin API and in the event log (Unleash's schemas), as
//! typed views over stored rows. Operations put them in events and handlers
//! render them, so an event's `data` is exactly what the API showed.

use std::collections::BTreeMap;

use flagstaff_engine::document::{Constraint, Variant};
use serde::Serialize;
use serde_json::Value;

use flagstaff_storage::{
    instant_text, ContextFieldRow, EnvironmentRow, SegmentRow, StrategyParameter, StrategyRow,
    StrategyTypeRow, TagTypeRow,
};

pub mod automation;
pub mod change_requests;
mod events;
mod flags;
pub mod release_plans;
pub mod tokens;
pub mod transfer;
pub mod users;

pub use events::EventView;
pub use flags::{CreatedBy, DependencyView, FlagEnvironmentView, FlagMetadata, FlagView, LinkView};

/// A view as a JSON value (event data, or a response built from several views).
/// Views have string keys only, so this cannot fail.
pub fn to_value(view: &impl Serialize) -> Value {
    serde_json::to_value(view).unwrap_or(Value::Null)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "6f1d1c2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f", "name": "flexibleRollout",
    "title": null, "disabled": false, "featureName": "new-checkout", "sortOrder": 0, "segments": [1],
    "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"],
        "caseInsensitive": false, "inverted": false}],
    "parameters": {"groupId": "new-checkout", "rollout": "50", "stickiness": "default"},
    "variants": []}))]
pub struct StrategyView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub title: Option<&'a str>,
    pub disabled: bool,
    pub feature_name: &'a str,
    pub sort_order: i64,
    pub segments: &'a [i64],
    pub constraints: &'a [Constraint],
    pub parameters: &'a BTreeMap<String, String>,
    pub variants: &'a [Variant],
}

impl<'a> From<&'a StrategyRow> for StrategyView<'a> {
    fn from(s: &'a StrategyRow) -> Self {
        let v = &s.values;
        StrategyView {
            id: &s.id,
            name: &v.name,
            title: v.title.as_deref(),
            disabled: v.disabled,
            feature_name: &s.feature_name,
            sort_order: v.sort_order,
            segments: &v.segments,
            constraints: &v.constraints,
            parameters: &v.parameters,
            variants: &v.variants,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 1, "name": "beta-users", "description": "Who tries things first",
    "project": null, "constraints": [{"contextName": "userId", "operator": "IN", "values": ["42", "43"],
    "caseInsensitive": false, "inverted": false}], "createdAt": "2025-03-01T09:00:00Z",
    "createdBy": "admin", "usedInFeatures": 2, "usedInProjects": 0}))]
pub struct SegmentView<'a> {
    pub id: i64,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub project: Option<&'a str>,
    pub constraints: &'a [Constraint],
    pub created_at: String,
    pub created_by: &'a str,
    pub used_in_features: usize,
    pub used_in_projects: usize,
}

impl<'a> SegmentView<'a> {
    pub fn new(s: &'a SegmentRow, used_in_features: usize) -> Self {
        SegmentView {
            id: s.id,
            name: &s.name,
            description: s.description.as_deref(),
            project: s.project.as_deref(),
            constraints: &s.constraints,
            created_at: instant_text(&s.created_at),
            created_by: &s.created_by,
            used_in_features,
            used_in_projects: 0,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "region", "description": "Where the user is", "stickiness": false,
    "sortOrder": 10, "legalValues": [{"value": "eu", "description": "Europe"}, {"value": "us"}],
    "createdAt": "2025-03-01T09:00:00Z", "usedInFeatures": 0, "usedInProjects": 0}))]
pub struct ContextFieldView<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub stickiness: bool,
    pub sort_order: i64,
    #[schema(value_type = Vec<crate::ops::LegalValue>)]
    pub legal_values: &'a [Value],
    pub created_at: String,
    pub used_in_features: usize,
    pub used_in_projects: usize,
    /// The project a project-scoped field belongs to; absent on a global one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<&'a str>,
}

impl<'a> From<&'a ContextFieldRow> for ContextFieldView<'a> {
    fn from(f: &'a ContextFieldRow) -> Self {
        ContextFieldView {
            name: &f.name,
            description: f.description.as_deref(),
            stickiness: f.stickiness,
            sort_order: f.sort_order,
            legal_values: &f.legal_values,
            created_at: instant_text(&f.created_at),
            used_in_features: 0,
            used_in_projects: 0,
            project: f.project.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "checkout", "name": "Checkout", "description": "The shop's checkout"}))]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "staging", "type": "test", "enabled": true, "sortOrder": 2,
    "protected": false}))]
pub struct EnvironmentView<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub enabled: bool,
    pub sort_order: i64,
    pub protected: bool,
}

impl<'a> From<&'a EnvironmentRow> for EnvironmentView<'a> {
    fn from(e: &'a EnvironmentRow) -> Self {
        EnvironmentView {
            name: &e.name,
            kind: &e.kind,
            enabled: e.enabled,
            sort_order: e.sort_order,
            protected: false,
        }
    }
}

/// A tag type (Unleash's tagTypeSchema).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "team", "description": "Which team owns the flag",
    "icon": null, "color": "#1a7f37"}))]
pub struct TagTypeView<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub icon: Option<&'a str>,
    pub color: Option<&'a str>,
}

impl<'a> From<&'a TagTypeRow> for TagTypeView<'a> {
    fn from(t: &'a TagTypeRow) -> Self {
        TagTypeView {
            name: &t.name,
            description: t.description.as_deref(),
            icon: t.icon.as_deref(),
            color: t.color.as_deref(),
        }
    }
}

/// A strategy type (Unleash's strategySchema): `displayName` is the title,
/// else the name; only custom strategies are `editable`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "country", "title": "By country", "displayName": "By country",
    "description": "On for the countries listed", "editable": true, "deprecated": false,
    "sortOrder": 9999, "parameters": [{"name": "countries", "type": "list",
        "description": "Country codes", "required": true}]}))]
pub struct StrategyTypeView<'a> {
    pub name: &'a str,
    pub title: Option<&'a str>,
    pub display_name: &'a str,
    pub description: &'a str,
    pub editable: bool,
    pub deprecated: bool,
    pub sort_order: i64,
    pub parameters: &'a [StrategyParameter],
}

impl<'a> From<&'a StrategyTypeRow> for StrategyTypeView<'a> {
    fn from(s: &'a StrategyTypeRow) -> Self {
        StrategyTypeView {
            name: &s.name,
            title: s.title.as_deref(),
            display_name: s.title.as_deref().unwrap_or(&s.name),
            description: s.description.as_deref().unwrap_or(""),
            editable: !s.built_in,
            deprecated: s.deprecated,
            sort_order: s.sort_order,
            parameters: &s.parameters,
        }
    }
}
