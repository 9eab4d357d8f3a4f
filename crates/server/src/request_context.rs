//! An evaluation context from name/value pairs, read the same way wherever a
//! caller names one: the frontend API's query and body, OFREP, the admin
//! playground and the web UI's playground.

use flagstaff_engine::Context;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};

/// A context from name/value pairs: Unleash's fields, `properties[x]`, and any
/// other name as a property (`flagstaff_domain::evaluation::context_from_pairs`).
pub fn context_from_pairs(pairs: impl IntoIterator<Item = (String, Value)>) -> ApiResult<Context> {
    flagstaff_domain::evaluation::context_from_pairs(pairs).map_err(ApiError::BadData)
}
