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
    /// read back (`what` names it in the error). A patch is applied one
    /// operation at a time and refused (`TooLarge`) as soon as the document
    /// outgrows `max_bytes` as JSON, so a few `copy` operations that double it
    /// each time never get to exhaust memory.
    pub fn resolve(self, current: &impl Serialize, what: &str, max_bytes: usize) -> OpResult<T> {
        match self {
            Edit::Replace(value) => Ok(value),
            Edit::Patch(operations) => {
                let mut document = serde_json::to_value(current).unwrap_or(Value::Null);
                for operation in operations.0 {
                    json_patch::patch(&mut document, &[operation]).map_err(|e| {
                        OpError::invalid_input(format!("Could not apply provided patch: {e}"))
                    })?;
                    if json_size(&document, max_bytes) > max_bytes {
                        return Err(OpError::TooLarge(format!(
                            "the patched {what} would be larger than {max_bytes} bytes"
                        )));
                    }
                }
                serde_json::from_value(document).map_err(|e| {
                    OpError::invalid_input(format!("the patched {what} is not valid: {e}"))
                })
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

/// The length of `value` as JSON, counted up to just past `limit` (then it stops).
fn json_size(value: &Value, limit: usize) -> usize {
    struct Counter {
        bytes: usize,
        limit: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.bytes += buf.len();
            if self.bytes > self.limit {
                // Stop serialising: the answer is already "too large".
                return Err(std::io::Error::other("over the limit"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter { bytes: 0, limit };
    let _ = serde_json::to_writer(&mut counter, value);
    counter.bytes
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_doubling_patch_is_refused_before_it_grows() {
        // Each copy puts the whole document into itself, doubling it.
        let copies: Vec<Value> = (0..40)
            .map(|i| json!({"op": "copy", "from": "", "path": format!("/x{i}")}))
            .collect();
        let patch: json_patch::Patch = serde_json::from_value(json!(copies)).expect("patch");
        let edit: Edit<Value> = Edit::Patch(patch);
        let refused = edit.resolve(&json!({"x": "0123456789"}), "flag", 1024);
        assert!(matches!(refused, Err(OpError::TooLarge(_))), "{refused:?}");
        let small: json_patch::Patch =
            serde_json::from_value(json!([{"op": "add", "path": "/y", "value": 1}]))
                .expect("patch");
        let grown = Edit::<Value>::Patch(small).resolve(&json!({"x": 1}), "flag", 1024);
        assert_eq!(grown.ok(), Some(json!({"x": 1, "y": 1})));
    }
}
