//! Names parsed once, where they enter (parse, don't validate): a
//! [`FlagName`], [`ProjectId`], [`EnvironmentName`] or [`SignalEndpointName`] is 1–100 characters
//! that `encodeURIComponent` leaves alone, and not `.` or `..`, as Unleash
//! requires. From a request body a bad name is a 400; in a URL path it names
//! nothing, so it is a 404.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

use super::{FieldPath, OpError};

/// Unleash's rule for names that appear in URLs; `field` names the JSON field,
/// `noun` the name in a message ("a flag name").
fn check(text: &str, field: &str, noun: &str) -> Result<(), OpError> {
    check_url_friendly(text, field, noun, 1, 100)
}

/// A name of `min`–`max` characters that `encodeURIComponent` leaves alone,
/// and not `.` or `..` (tag types and tags have their own bounds).
pub(super) fn check_url_friendly(
    text: &str,
    field: &str,
    noun: &str,
    min: usize,
    max: usize,
) -> Result<(), OpError> {
    let at = || FieldPath::root().field(field);
    let length = text.chars().count();
    if length < min || length > max {
        return Err(OpError::invalid(
            at(),
            format!("{noun} must be between {min} and {max} characters long"),
        ));
    }
    let url_safe = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b));
    if !url_safe || text == "." || text == ".." {
        return Err(OpError::invalid(
            at(),
            format!(
                "{noun} must be URL friendly (letters, digits and - _ . ! ~ * ' ( ), no spaces), not {text:?}"
            ),
        ));
    }
    Ok(())
}

macro_rules! url_name {
    ($(#[$doc:meta])* $name:ident, field = $field:literal, noun = $noun:literal, missing = $missing:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// From a request body (surrounding blanks dropped): 400 when not a legal name.
            pub fn parse(text: &str) -> Result<Self, OpError> {
                let text = text.trim();
                check(text, $field, $noun)?;
                Ok(Self(text.to_owned()))
            }

            /// From a URL path: a text that is not a legal name names nothing (404).
            pub fn in_path(text: &str) -> Result<Self, OpError> {
                check(text, $field, $noun)
                    .map(|()| Self(text.to_owned()))
                    .map_err(|_| OpError::NotFound(format!(concat!($missing, " {}"), text)))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = OpError;
            fn try_from(text: String) -> Result<Self, OpError> {
                Self::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

url_name!(
    /// A flag's name (unique across projects, archived flags included).
    FlagName, field = "name", noun = "a flag name", missing = "Could not find feature flag"
);
url_name!(
    /// A project's id.
    ProjectId, field = "id", noun = "a project id", missing = "Could not find project"
);
url_name!(
    /// An environment's name.
    EnvironmentName, field = "name", noun = "an environment name", missing = "Could not find environment"
);
url_name!(
    /// A signal endpoint's name (it is the last part of the endpoint's URL).
    SignalEndpointName, field = "name", noun = "a signal endpoint name", missing = "Could not find signal endpoint"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_url_friendly() {
        for ok in ["checkout", "a.b-c_d~e", "new!(x)*'", "A1", " padded "] {
            assert!(FlagName::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            FlagName::parse(" padded ")
                .map(String::from)
                .ok()
                .as_deref(),
            Some("padded")
        );
        for bad in [
            "",
            ".",
            "..",
            "has space",
            "ü",
            "a/b",
            "a?b",
            &"x".repeat(101),
        ] {
            assert!(
                matches!(FlagName::parse(bad), Err(OpError::Invalid { .. })),
                "{bad}"
            );
            assert!(
                matches!(ProjectId::in_path(bad), Err(OpError::NotFound(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_deserialise_only_when_legal() {
        let ok: Result<EnvironmentName, _> = serde_json::from_str("\"production\"");
        assert_eq!(ok.map(String::from).ok().as_deref(), Some("production"));
        assert!(serde_json::from_str::<EnvironmentName>("\"no way\"").is_err());
    }
}
