//! An evaluation context from name/value pairs, read the same way wherever a
//! caller names one: the frontend API's query and body, OFREP, the admin
//! playground and the web UI's playground.

use flagstaff_domain::ops::STANDARD_CONTEXT_FIELDS as STANDARD_FIELDS;
use flagstaff_engine::Context;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// A context from name/value pairs: Unleash's fields, `properties[x]`, and any
/// other name as a property.
pub fn context_from_pairs(pairs: impl IntoIterator<Item = (String, Value)>) -> ApiResult<Context> {
    let mut fields = Map::new();
    let mut properties = Map::new();
    for (key, value) in pairs {
        if let Some(name) = key
            .strip_prefix("properties[")
            .and_then(|k| k.strip_suffix(']'))
        {
            properties.insert(name.to_owned(), value);
        } else if key == "properties" {
            if let Value::Object(map) = value {
                properties.extend(map);
            }
        } else if STANDARD_FIELDS.contains(&key.as_str()) {
            fields.insert(key, value);
        } else if !matches!(value, Value::Object(_) | Value::Array(_)) {
            properties.insert(key, value);
        }
    }
    fields.insert("properties".to_owned(), Value::Object(properties));
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| ApiError::BadData(format!("not a valid context: {e}")))
}
