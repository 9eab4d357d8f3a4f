//! The client-features document: what Unleash serves on `GET /api/client/features`
//! (and, as events, on `/api/client/delta`).
//!
//! These are wire types. They accept everything Unleash sends — unknown fields are
//! ignored, optional fields default, `null` stands for "absent", numbers in
//! string-valued places are read as their text — and they serialise back in
//! Unleash's shape, so the server can serve them unchanged. Nothing here
//! interprets a flag; [`crate::compile`] does that once.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The body of `GET /api/client/features` (version 2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientFeatures {
    #[serde(default)]
    pub version: u32,
    #[serde(default, deserialize_with = "null_as_default")]
    pub features: Vec<Feature>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub segments: Vec<Segment>,
}

/// One flag as the client API shows it for one environment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Feature {
    pub name: String,
    #[serde(
        default,
        rename = "type",
        deserialize_with = "null_as_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub feature_type: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub enabled: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub stale: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub impression_data: bool,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub project: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub strategies: Vec<Strategy>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub variants: Vec<Variant>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub dependencies: Vec<Dependency>,
}

/// An activation strategy. Parameter values are strings on the wire; numbers and
/// booleans are accepted and kept as their JSON text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Strategy {
    pub name: String,
    #[serde(default, deserialize_with = "string_map")]
    pub parameters: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub constraints: Vec<Constraint>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub segments: Vec<i64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub variants: Vec<Variant>,
    /// Only present on admin-side documents; a disabled strategy never matches.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub disabled: bool,
}

/// A strategy or segment constraint. The operator is kept as text so that a
/// document with an operator this engine does not know still loads (that
/// constraint never matches).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Constraint {
    pub context_name: String,
    pub operator: String,
    #[serde(default, deserialize_with = "lenient_string_list")]
    pub values: Vec<String>,
    #[serde(
        default,
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub case_insensitive: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub inverted: bool,
}

/// A segment: a named, reusable list of constraints referenced by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub constraints: Vec<Constraint>,
}

/// A feature variant or a strategy variant (strategy variants never carry overrides).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub weight: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub stickiness: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub payload: Option<Payload>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub overrides: Vec<Override>,
}

/// A variant payload; `value` is always text (`json` payloads carry JSON as text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payload {
    #[serde(rename = "type")]
    pub payload_type: String,
    #[serde(deserialize_with = "string_or_json_text")]
    pub value: String,
}

/// A variant override: context values that force this variant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Override {
    pub context_name: String,
    #[serde(default, deserialize_with = "lenient_string_list")]
    pub values: Vec<String>,
}

/// A parent flag this flag depends on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    pub feature: String,
    /// `false` means the parent must be *off*; absent means on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// When non-empty, the parent's variant must be one of these. Kept as
    /// written (absent, or a list) so a document is served back as it was
    /// given: Unleash sends `variants` with `enabled: true` only.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub variants: Option<Vec<String>>,
}

/// An event of the delta API (`GET /api/client/delta`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum DeltaEvent {
    #[serde(rename_all = "camelCase")]
    Hydration {
        #[serde(default)]
        event_id: i64,
        #[serde(default, deserialize_with = "null_as_default")]
        features: Vec<Feature>,
        #[serde(default, deserialize_with = "null_as_default")]
        segments: Vec<Segment>,
    },
    #[serde(rename_all = "camelCase")]
    FeatureUpdated {
        #[serde(default)]
        event_id: i64,
        feature: Feature,
    },
    #[serde(rename_all = "camelCase")]
    FeatureRemoved {
        #[serde(default)]
        event_id: i64,
        feature_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    SegmentUpdated {
        #[serde(default)]
        event_id: i64,
        segment: Segment,
    },
    #[serde(rename_all = "camelCase")]
    SegmentRemoved {
        #[serde(default)]
        event_id: i64,
        segment_id: i64,
    },
}

/// The body of `GET /api/client/delta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeltaEvents {
    #[serde(default, deserialize_with = "null_as_default")]
    pub events: Vec<DeltaEvent>,
}

impl ClientFeatures {
    /// Applies one delta event in place: hydration replaces everything, updates
    /// upsert by name or id (keeping order), removals delete.
    pub fn apply_delta(&mut self, event: DeltaEvent) {
        match event {
            DeltaEvent::Hydration {
                features, segments, ..
            } => {
                self.features = features;
                self.segments = segments;
            }
            DeltaEvent::FeatureUpdated { feature, .. } => {
                match self.features.iter_mut().find(|f| f.name == feature.name) {
                    Some(existing) => *existing = feature,
                    None => self.features.push(feature),
                }
            }
            DeltaEvent::FeatureRemoved { feature_name, .. } => {
                self.features.retain(|f| f.name != feature_name);
            }
            DeltaEvent::SegmentUpdated { segment, .. } => {
                match self.segments.iter_mut().find(|s| s.id == segment.id) {
                    Some(existing) => *existing = segment,
                    None => self.segments.push(segment),
                }
            }
            DeltaEvent::SegmentRemoved { segment_id, .. } => {
                self.segments.retain(|s| s.id != segment_id);
            }
        }
    }

    /// Builds a state by applying delta events to an empty one, in order.
    pub fn from_delta_events(events: impl IntoIterator<Item = DeltaEvent>) -> Self {
        let mut state = ClientFeatures {
            version: 2,
            ..ClientFeatures::default()
        };
        for event in events {
            state.apply_delta(event);
        }
        state
    }

    /// Reads either a client-features document or a delta-events document
    /// (`{"events":[…]}`), the two forms a state file can take.
    pub fn from_json_value(value: Value) -> Result<Self, serde_json::Error> {
        if value.get("events").is_some() && value.get("features").is_none() {
            let delta: DeltaEvents = serde_json::from_value(value)?;
            Ok(Self::from_delta_events(delta.events))
        } else {
            serde_json::from_value(value)
        }
    }
}

/// `null` reads as the type's default (Unleash sends `null` for many absent lists).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The text of a JSON scalar: strings as they are, numbers and booleans as JSON
/// text, `null` as absent. Arrays and objects are refused.
fn scalar_text<E: serde::de::Error>(value: Value) -> Result<Option<String>, E> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(E::custom(format!(
            "expected a string, number or boolean, found {other}"
        ))),
    }
}

pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    scalar_text(Value::deserialize(d)?)
}

fn lenient_string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let values = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        if let Some(text) = scalar_text(value)? {
            out.push(text);
        }
    }
    Ok(out)
}

/// A map of text values (strategy parameters, context properties). Nested
/// objects and arrays cannot match anything; they are left out rather than
/// failing the whole document or request.
pub(crate) fn string_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let map = Option::<BTreeMap<String, Value>>::deserialize(d)?.unwrap_or_default();
    let mut out = BTreeMap::new();
    for (key, value) in map {
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            continue;
        }
        if let Some(text) = scalar_text(value)? {
            out.insert(key, text);
        }
    }
    Ok(out)
}

fn string_or_json_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Null => Ok(String::new()),
        other => Ok(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
