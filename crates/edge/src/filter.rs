//! An SDK's own narrowing of its document (`?project=…`, `?namePrefix=…`, as
//! the Python and Node SDKs send when configured): the scope's document with
//! only the flags of those projects and that prefix, everything else as the
//! upstream sent it. Each distinct filter is built once per document (the
//! domain's `ResponseCache`, held by the document's `Flags`) under its own
//! ETag, the document's with the filter's hash appended. (`tag` cannot be
//! applied here: the client document does not carry flags' tags.)

use bytes::Bytes;
use serde_json::Value;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    projects: Vec<String>,
    name_prefix: Option<String>,
}

impl Filter {
    /// The filter a query asks for; `None` when it narrows nothing.
    pub fn from_query(params: &[(String, String)]) -> Option<Filter> {
        let mut projects: Vec<String> = params
            .iter()
            .filter(|(k, _)| k == "project" || k == "project[]")
            .flat_map(|(_, v)| v.split(','))
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        if projects.iter().any(|p| p == "*") {
            projects.clear();
        }
        projects.sort();
        projects.dedup();
        let name_prefix = params
            .iter()
            .find(|(k, _)| k == "namePrefix")
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty());
        (!projects.is_empty() || name_prefix.is_some()).then_some(Filter {
            projects,
            name_prefix,
        })
    }

    /// The filtered document's ETag: the document's, with this filter's hash.
    pub fn etag(&self, document_etag: &str) -> String {
        let key = format!(
            "{}\n{}",
            self.projects.join(","),
            self.name_prefix.as_deref().unwrap_or("")
        );
        let hash = hex::encode(&Sha256::digest(key.as_bytes())[..6]);
        let inner = document_etag.trim_start_matches("W/").trim_matches('"');
        format!("\"{inner}-{hash}\"")
    }

    fn keeps(&self, feature: &Value) -> bool {
        let project_ok = self.projects.is_empty()
            || feature["project"]
                .as_str()
                .is_some_and(|p| self.projects.iter().any(|q| q == p));
        let name_ok = self.name_prefix.as_deref().is_none_or(|prefix| {
            feature["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(prefix))
        });
        project_ok && name_ok
    }

    /// `document` with only the flags this filter keeps.
    pub fn apply(&self, document: &[u8]) -> Bytes {
        let Ok(mut document) = serde_json::from_slice::<Value>(document) else {
            return Bytes::new();
        };
        if let Some(features) = document.get_mut("features").and_then(Value::as_array_mut) {
            features.retain(|f| self.keeps(f));
        }
        Bytes::from(serde_json::to_vec(&document).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_project_and_prefix() {
        let query = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Filter::from_query(&pairs)
        };
        assert_eq!(query(&[("project", "*")]), None);
        let filter = query(&[("project", "a"), ("namePrefix", "x-")]).expect("a filter");
        let document = br#"{"version":2,"features":[{"name":"x-1","project":"a"},{"name":"y","project":"a"},{"name":"x-2","project":"b"}],"meta":{"etag":"e"}}"#;
        let kept: Value = serde_json::from_slice(&filter.apply(document)).expect("json");
        assert_eq!(kept["features"].as_array().map(Vec::len), Some(1));
        assert_eq!(kept["meta"]["etag"], "e");
        assert!(filter.etag("\"e:1\"").starts_with("\"e:1-"));
    }
}
