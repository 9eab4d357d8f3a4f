//! A posted form as name/value pairs: the row editors (constraints, variants)
//! post fields such as `c0_operator` for any number of rows, and checkboxes
//! post repeated names, which a fixed struct cannot describe.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use axum::Form;

pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// The first value posted under `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value under `name`, or "" when none was posted.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").to_owned()
    }

    /// A checkbox: posted means checked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every value posted under `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every posted pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }

    pub fn csrf(&self) -> Option<&str> {
        self.get("_csrf")
    }

    /// How many rows of a row editor were posted (`count_field`), at most `max`.
    pub fn rows(&self, count_field: &str, max: usize) -> usize {
        self.get(count_field)
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0)
            .min(max)
    }
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(FormFields(pairs))
    }
}

/// List values as typed in a textarea: one per line, or (when there is a
/// single line) separated by commas; blanks dropped, each trimmed.
pub fn split_values(text: &str) -> Vec<String> {
    let parts: Vec<&str> = if text.contains('\n') {
        text.lines().collect()
    } else {
        text.split(',').collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Values for a textarea, one per line: each line ends with a newline so
/// that saving the text again reads it line by line (a value with a comma
/// stays one value).
pub fn join_values(values: &[String]) -> String {
    values.iter().map(|v| format!("{v}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_lines_or_commas() {
        assert_eq!(split_values("a, b,,c "), ["a", "b", "c"]);
        assert_eq!(split_values("a,b\r\n c \n\n"), ["a,b", "c"]);
        let values = vec!["x,y".to_owned(), "z".to_owned()];
        assert_eq!(split_values(&join_values(&values)), values);
        assert!(split_values("  ").is_empty());
    }
}
