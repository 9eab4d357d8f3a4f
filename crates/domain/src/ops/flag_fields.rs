//! What a flag's PUT body changes ([`FlagFields`]), and applying it to the
//! stored flag (`UpdateFlag`, in `flags.rs`, reads a replacement or a patched
//! [`FlagMetadata`](crate::wire::FlagMetadata) into it).

use serde::{Deserialize, Serialize};

use super::{FieldPath, FlagType, OpError, OpResult};
use flagstaff_storage::FlagRow;

/// What a PUT reads of a flag: the metadata fields below, each left as it is
/// when absent (none may be null but `description`, which null clears). Any
/// other field is ignored, as Unleash does; `name`, when sent, must be the
/// flag's own; `archived` is ignored (archiving is a DELETE).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "new-checkout", "description": "The new checkout flow",
    "type": "release", "stale": false, "impressionData": true}))]
pub struct FlagFields {
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(
        default,
        rename = "type",
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(nullable = false)]
    pub flag_type: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(nullable = false)]
    pub stale: Option<bool>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(nullable = false)]
    pub impression_data: Option<bool>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(nullable = false)]
    pub archived: Option<bool>,
}

/// A field that may be absent but, when present, is read as a `T` (so a
/// null is refused unless `T` takes it).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// Applies the fields given; a new name is refused.
pub(super) fn apply_metadata(feature: &mut FlagRow, fields: FlagFields) -> OpResult<()> {
    if fields.name.is_some_and(|name| name != feature.name) {
        return Err(OpError::invalid(
            FieldPath::root().field("name"),
            "Cannot change name of feature flag",
        ));
    }
    if let Some(description) = fields.description {
        feature.description = description;
    }
    if let Some(flag_type) = fields.flag_type {
        feature.feature_type = FlagType::parse(&flag_type)?;
    }
    if let Some(stale) = fields.stale {
        feature.stale = stale;
    }
    if let Some(impression_data) = fields.impression_data {
        feature.impression_data = impression_data;
    }
    Ok(())
}
