//! A change to a document: a replacement, or a JSON Patch (RFC 6902) applied to
//! the current document as the API shows it. Read-modify-write happens inside
//! the change transaction, so concurrent patches never lose one another.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{OpError, OpResult};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Edit<T> {
    Replace(T),
    Patch(json_patch::Patch),
}

impl<T: DeserializeOwned> Edit<T> {
    /// The new value: the replacement, or `current` with the patch applied and
    /// read back (`what` names it in the error).
    pub fn resolve(self, current: &impl Serialize, what: &str) -> OpResult<T> {
        match self {
            Edit::Replace(value) => Ok(value),
            Edit::Patch(operations) => {
                let mut document = serde_json::to_value(current).unwrap_or(Value::Null);
                json_patch::patch(&mut document, &operations).map_err(|e| {
                    OpError::Invalid(format!("Could not apply provided patch: {e}"))
                })?;
                serde_json::from_value(document)
                    .map_err(|e| OpError::Invalid(format!("the patched {what} is not valid: {e}")))
            }
        }
    }

    /// The paths a patch touches (none for a replacement).
    pub fn patched_paths(&self) -> Vec<String> {
        match self {
            Edit::Replace(_) => Vec::new(),
            Edit::Patch(operations) => operations
                .0
                .iter()
                .filter_map(|op| {
                    let op = serde_json::to_value(op).ok()?;
                    Some(op.get("path")?.as_str()?.to_owned())
                })
                .collect(),
        }
    }
}
