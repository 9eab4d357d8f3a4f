//! Where in an input a refusal points: a typed path of field names and list
//! positions (`strategies[0].constraints[3].values`), so the API can name the
//! field in its error body and the web UI can mark it, without either reading
//! the message. A check that knows only its own part of an input returns a path
//! relative to that part; its caller puts its own path in front
//! ([`super::OpError::within`]).

use std::fmt;

/// One step into an input: a field of an object, or a position in a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    Field(String),
    Index(usize),
}

/// A path from the root of an input to one of its fields. The root itself
/// (no segments) stands for "the input as a whole".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<PathSegment>);

impl FieldPath {
    /// The input as a whole: no single field is at fault.
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// The field `name` of what this path names.
    pub fn field(mut self, name: impl Into<String>) -> FieldPath {
        self.0.push(PathSegment::Field(name.into()));
        self
    }

    /// The item at `position` of the list this path names.
    pub fn index(mut self, position: usize) -> FieldPath {
        self.0.push(PathSegment::Index(position));
        self
    }

    /// `rest`, read from where this path ends.
    pub fn join(&self, rest: &FieldPath) -> FieldPath {
        FieldPath(self.0.iter().chain(&rest.0).cloned().collect())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// The field this path starts with, if it starts with one: the top-level
    /// field of the input that is at fault.
    pub fn first_field(&self) -> Option<&str> {
        match self.0.first() {
            Some(PathSegment::Field(name)) => Some(name),
            _ => None,
        }
    }

    /// The rest of this path after `prefix`, if it starts with it.
    pub fn strip_prefix(&self, prefix: &FieldPath) -> Option<FieldPath> {
        self.0
            .starts_with(&prefix.0)
            .then(|| FieldPath(self.0[prefix.0.len()..].to_vec()))
    }
}

/// JavaScript's accessor notation, as Unleash's validation errors name a field:
/// `variants[1].payload.value`. A field name that is not an identifier (a
/// custom strategy parameter, a payload filter's dotted path) is quoted:
/// `matching.payload["issue.status"]`. The root is the empty string.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Index(i) => write!(f, "[{i}]")?,
                PathSegment::Field(name) if is_identifier(name) => {
                    if position > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
                PathSegment::Field(name) => write!(f, "[{name:?}]")?,
            }
        }
        Ok(())
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_javascript_accessors() {
        let strategy = FieldPath::root().field("strategies").index(0);
        assert_eq!(
            strategy
                .clone()
                .field("constraints")
                .index(3)
                .field("values")
                .to_string(),
            "strategies[0].constraints[3].values"
        );
        assert_eq!(
            FieldPath::root()
                .field("variants")
                .index(1)
                .field("payload")
                .field("value")
                .to_string(),
            "variants[1].payload.value"
        );
        assert_eq!(FieldPath::root().to_string(), "");
        assert_eq!(FieldPath::root().field("name").to_string(), "name");
        assert_eq!(FieldPath::root().index(2).to_string(), "[2]");
        assert_eq!(
            FieldPath::root()
                .field("match")
                .field("payload")
                .field("issue.status")
                .to_string(),
            "match.payload[\"issue.status\"]"
        );
        assert_eq!(
            FieldPath::root()
                .field("parameters")
                .field("my key")
                .to_string(),
            "parameters[\"my key\"]"
        );
    }

    #[test]
    fn a_callers_path_goes_in_front() {
        let inner = FieldPath::root()
            .field("constraints")
            .index(3)
            .field("values");
        let outer = FieldPath::root().field("strategies").index(0);
        let whole = outer.join(&inner);
        assert_eq!(whole.to_string(), "strategies[0].constraints[3].values");
        assert_eq!(whole.strip_prefix(&outer), Some(inner));
        assert_eq!(outer.strip_prefix(&whole), None);
        assert!(FieldPath::root().is_root() && !outer.is_root());
        assert_eq!(whole.first_field(), Some("strategies"));
        assert_eq!(FieldPath::root().index(1).first_field(), None);
        assert_eq!(outer.join(&FieldPath::root()), outer);
    }
}
