//! The constraint rows editor of the strategy form: per row a context field,
//! an operator (every operator the engine knows), the values (a textarea for
//! list operators: one per line or comma-separated; one input for the
//! single-value ones, typed by the operator), inverted and case-insensitive.
//! The values field has one name whichever input shows it, so a row whose
//! operator was changed before the page was re-drawn still posts its values.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use flagstaff_engine::document::Constraint;

use super::form_fields::{join_values, split_values, FormFields};
use crate::ops::{FieldPath, PathSegment};

pub use crate::ops::STANDARD_CONTEXT_FIELDS as BUILT_IN_CONTEXT;

/// The operators that take a list of values; the others take one value.
const LIST_OPERATORS: [&str; 6] = [
    "IN",
    "NOT_IN",
    "STR_CONTAINS",
    "STR_STARTS_WITH",
    "STR_ENDS_WITH",
    "IN_CIDR",
];

/// `datetime-local` inputs post this (seconds and fraction optional), always UTC here.
const LOCAL_FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"];

#[derive(Debug, Clone, Default)]
pub struct ConstraintRow {
    pub context: String,
    pub operator: String,
    /// The values as typed: lines (or commas) for list operators, the value for others.
    pub values: String,
    pub inverted: bool,
    pub case_insensitive: bool,
    pub error: Option<String>,
}

impl ConstraintRow {
    pub fn empty() -> ConstraintRow {
        ConstraintRow {
            operator: "IN".to_owned(),
            ..ConstraintRow::default()
        }
    }

    pub fn from_constraint(c: &Constraint) -> ConstraintRow {
        let mut row = ConstraintRow {
            context: c.context_name.clone(),
            operator: c.operator.clone(),
            values: String::new(),
            inverted: c.inverted,
            case_insensitive: c.case_insensitive,
            error: None,
        };
        row.values = if row.is_list() {
            join_values(&c.values)
        } else {
            let value = c
                .value
                .clone()
                .or_else(|| c.values.first().cloned())
                .unwrap_or_default();
            if row.is_date() {
                local_time(&value).unwrap_or(value)
            } else {
                value
            }
        };
        row
    }

    pub fn is_list(&self) -> bool {
        LIST_OPERATORS.contains(&self.operator.as_str())
    }

    fn is_date(&self) -> bool {
        self.operator.starts_with("DATE_")
    }

    /// The single value's input type: a number for NUM_*, a date-time for
    /// DATE_* (unless the text is not one, which a date-time input would drop).
    pub fn input_type(&self) -> &'static str {
        if self.operator.starts_with("NUM_") && self.values.trim().parse::<f64>().is_ok()
            || self.operator.starts_with("NUM_") && self.values.trim().is_empty()
        {
            "number"
        } else if self.is_date() && (self.values.is_empty() || is_local_time(&self.values)) {
            "datetime-local"
        } else {
            "text"
        }
    }

    pub fn to_constraint(&self) -> Constraint {
        let (values, value) = if self.is_list() {
            (split_values(&self.values), None)
        } else {
            let text = self.values.trim();
            let value = if self.is_date() {
                rfc3339_utc(text)
            } else {
                text.to_owned()
            };
            (Vec::new(), Some(value))
        };
        Constraint {
            context_name: self.context.trim().to_owned(),
            operator: self.operator.clone(),
            values,
            value,
            case_insensitive: self.case_insensitive,
            inverted: self.inverted,
        }
    }
}

/// Most constraint rows a form shows (the operations' limit is lower).
pub const MAX_CONSTRAINTS: usize = 100;

/// The posted rows not marked for removal, plus an empty one when
/// `add_constraint` was pressed.
pub fn posted_rows(fields: &FormFields) -> Vec<ConstraintRow> {
    let mut rows: Vec<ConstraintRow> = (0..fields.rows("constraints", MAX_CONSTRAINTS))
        .filter(|i| !fields.checked(&format!("c{i}_remove")))
        .map(|i| ConstraintRow {
            context: fields.text(&format!("c{i}_context")),
            operator: fields.text(&format!("c{i}_operator")),
            values: fields.text(&format!("c{i}_values")),
            inverted: fields.checked(&format!("c{i}_inverted")),
            case_insensitive: fields.checked(&format!("c{i}_case")),
            error: None,
        })
        .collect();
    if fields.checked("add_constraint") && rows.len() < MAX_CONSTRAINTS {
        rows.push(ConstraintRow::empty());
    }
    rows
}

/// Puts an operation's refusal on the row its path names (the path starts
/// at the constraint list: `[3].values`); false when it names no row.
pub fn attach_error(rows: &mut [ConstraintRow], field: &FieldPath, message: &str) -> bool {
    let index = match field.segments() {
        [PathSegment::Index(i), ..] => *i,
        _ => return false,
    };
    match rows.get_mut(index) {
        Some(row) => {
            row.error = Some(message.to_owned());
            true
        }
        None => false,
    }
}

fn is_local_time(text: &str) -> bool {
    LOCAL_FORMATS
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(text.trim(), f).is_ok())
}

/// A `datetime-local` value (read as UTC) as RFC 3339; anything else as typed
/// (the engine's rules then say whether it is a date-time).
fn rfc3339_utc(text: &str) -> String {
    LOCAL_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| text.to_owned())
}

/// An RFC 3339 instant as a `datetime-local` value in UTC.
fn local_time(text: &str) -> Option<String> {
    let instant = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    let format = if instant.timestamp_subsec_nanos() == 0 {
        "%Y-%m-%dT%H:%M:%S"
    } else {
        "%Y-%m-%dT%H:%M:%S%.3f"
    };
    Some(instant.format(format).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_both_ways() {
        assert_eq!(rfc3339_utc("2025-01-31T12:00"), "2025-01-31T12:00:00Z");
        assert_eq!(rfc3339_utc("2025-01-31T12:00:05"), "2025-01-31T12:00:05Z");
        assert_eq!(
            rfc3339_utc("2025-01-31T12:00:05+02:00"),
            "2025-01-31T12:00:05+02:00"
        );
        assert_eq!(
            local_time("2025-01-31T12:00:05+02:00").as_deref(),
            Some("2025-01-31T10:00:05")
        );
        let row = ConstraintRow::from_constraint(&Constraint {
            context_name: "currentTime".into(),
            operator: "DATE_AFTER".into(),
            value: Some("2025-01-31T12:00:00.250Z".into()),
            ..Constraint::default()
        });
        assert_eq!(row.values, "2025-01-31T12:00:00.250");
        assert_eq!(row.input_type(), "datetime-local");
        assert_eq!(
            row.to_constraint().value.as_deref(),
            Some("2025-01-31T12:00:00.250Z")
        );
    }
}
