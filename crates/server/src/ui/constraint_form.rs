//! The constraints editor any form can carry (segments; a strategy's
//! constraints can reuse it): rows of context field, operator, values (one per
//! line) or a single value, `inverted` and `caseInsensitive`, each with a
//! remove checkbox, and an "add constraint" submit button that re-renders the
//! form with one more empty row — no JavaScript.
//!
//! Rows post as `constraint.<i>.<part>` fields, so a handler takes the form as
//! pairs (`Form<Vec<(String, String)>>`) and hands them to
//! [`ConstraintsForm::from_pairs`]. The template `constraint_rows.html` renders a
//! field named `constraints` of the including template. Which values a
//! constraint may hold is the engine's rule (`constraint_problem`), asked per
//! row here only to put its message next to the row; the operation checks again.

use flagstaff_engine::document::Constraint;
use flagstaff_engine::{constraint_problem, OPERATORS};

/// The submit button that asks for one more row.
pub const ADD_CONSTRAINT: &str = "add_constraint";

use crate::ops::STANDARD_CONTEXT_FIELDS as STANDARD_FIELDS;
use crate::ops::{FieldPath, PathSegment};

/// Operators whose constraint reads the single `value`, not `values`.
pub fn single_valued(operator: &str) -> bool {
    ["NUM_", "DATE_", "SEMVER_"]
        .iter()
        .any(|prefix| operator.starts_with(prefix))
        || operator == "REGEX"
}

/// One row of the editor as entered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConstraintRow {
    pub context_name: String,
    pub operator: String,
    /// The values textarea: one value per line.
    pub values: String,
    /// The single value (NUM_, DATE_, SEMVER_, REGEX).
    pub value: String,
    pub inverted: bool,
    pub case_insensitive: bool,
    /// What is wrong with this row, shown next to it.
    pub error: Option<String>,
}

impl ConstraintRow {
    fn from_constraint(c: &Constraint) -> ConstraintRow {
        ConstraintRow {
            context_name: c.context_name.clone(),
            operator: c.operator.clone(),
            values: c.values.join("\n"),
            value: c.value.clone().unwrap_or_default(),
            inverted: c.inverted,
            case_insensitive: c.case_insensitive,
            error: None,
        }
    }

    /// Nothing entered (a fresh row left as it was).
    fn is_blank(&self) -> bool {
        self.context_name.trim().is_empty()
            && self.values.trim().is_empty()
            && self.value.trim().is_empty()
    }

    fn lines(&self) -> Vec<String> {
        self.values
            .lines()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The constraint this row stands for: a single-valued operator takes the
    /// value input (or the one line of the textarea), the others the lines
    /// (or the value input when the textarea is empty).
    fn constraint(&self) -> Constraint {
        let lines = self.lines();
        let value = self.value.trim();
        let (values, value) = if single_valued(&self.operator) {
            let single = match (value.is_empty(), lines.as_slice()) {
                (true, [one]) => Some(one.clone()),
                (true, _) => None,
                (false, _) => Some(value.to_owned()),
            };
            (Vec::new(), single)
        } else if lines.is_empty() && !value.is_empty() {
            (vec![value.to_owned()], None)
        } else {
            (lines, None)
        };
        Constraint {
            context_name: self.context_name.trim().to_owned(),
            operator: self.operator.clone(),
            values,
            value,
            case_insensitive: self.case_insensitive,
            inverted: self.inverted,
        }
    }
}

/// The editor's state: the rows, and what the selects offer.
#[derive(Debug, Clone, Default)]
pub struct ConstraintsForm {
    pub rows: Vec<ConstraintRow>,
    /// Context field names for the select, sorted, the rows' own included.
    pub fields: Vec<String>,
}

impl ConstraintsForm {
    /// What the operator select offers: every operator the engine evaluates.
    pub fn operators(&self) -> &'static [flagstaff_engine::Operator] {
        OPERATORS
    }

    /// The editor showing stored constraints (no rows when there are none).
    pub fn from_constraints(constraints: &[Constraint]) -> ConstraintsForm {
        ConstraintsForm {
            rows: constraints
                .iter()
                .map(ConstraintRow::from_constraint)
                .collect(),
            fields: Vec::new(),
        }
    }

    /// The rows posted in a form, in index order, without those ticked for
    /// removal; with one more empty row when the "add constraint" button sent it.
    pub fn from_pairs(pairs: &[(String, String)]) -> ConstraintsForm {
        let mut rows: std::collections::BTreeMap<usize, (ConstraintRow, bool)> = Default::default();
        let mut add = false;
        for (key, value) in pairs {
            if key == ADD_CONSTRAINT {
                add = true;
                continue;
            }
            let Some((index, part)) = key
                .strip_prefix("constraint.")
                .and_then(|rest| rest.split_once('.'))
            else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            let (row, removed) = rows.entry(index).or_default();
            match part {
                "context" => row.context_name = value.clone(),
                "operator" => row.operator = value.clone(),
                "values" => row.values = value.clone(),
                "value" => row.value = value.clone(),
                "inverted" => row.inverted = true,
                "case_insensitive" => row.case_insensitive = true,
                "remove" => *removed = true,
                _ => {}
            }
        }
        let mut form = ConstraintsForm {
            rows: rows
                .into_values()
                .filter(|(_, removed)| !removed)
                .map(|(row, _)| row)
                .collect(),
            fields: Vec::new(),
        };
        if add {
            form.add_row();
        }
        form
    }

    /// One more empty row.
    pub fn add_row(&mut self) {
        self.rows.push(ConstraintRow {
            operator: "IN".to_owned(),
            ..ConstraintRow::default()
        });
    }

    /// Offers `known` (the stored context fields) and the standard ones in the
    /// field select, and any field a row already names.
    pub fn offer_fields(&mut self, known: impl IntoIterator<Item = String>) {
        let mut fields: std::collections::BTreeSet<String> = known.into_iter().collect();
        fields.extend(STANDARD_FIELDS.iter().map(|f| (*f).to_owned()));
        fields.extend(
            self.rows
                .iter()
                .map(|r| r.context_name.trim().to_owned())
                .filter(|n| !n.is_empty()),
        );
        self.fields = fields.into_iter().collect();
    }

    /// The constraints the rows stand for (blank rows skipped), or `None`
    /// with each faulty row's `error` set.
    pub fn constraints(&mut self) -> Option<Vec<Constraint>> {
        let mut constraints = Vec::new();
        let mut ok = true;
        for row in self.rows.iter_mut().filter(|r| !r.is_blank()) {
            let constraint = row.constraint();
            row.error = if constraint.context_name.is_empty() {
                Some("Choose a context field.".to_owned())
            } else {
                constraint_problem(&constraint)
            };
            ok &= row.error.is_none();
            constraints.push(constraint);
        }
        ok.then_some(constraints)
    }

    /// Puts an operation's refusal on the row its path names (the path
    /// starts at the constraint list, which skips blank rows); false when it
    /// names no row.
    pub fn attach_error(&mut self, field: &FieldPath, message: &str) -> bool {
        let [PathSegment::Index(index), ..] = field.segments() else {
            return false;
        };
        match self.rows.iter_mut().filter(|r| !r.is_blank()).nth(*index) {
            Some(row) => {
                row.error = Some(message.to_owned());
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rows_parse_in_order_without_removed_ones() {
        let mut form = ConstraintsForm::from_pairs(&pairs(&[
            ("name", "ignored"),
            ("constraint.1.context", "version"),
            ("constraint.1.operator", "SEMVER_GT"),
            ("constraint.1.value", " 1.2.3 "),
            ("constraint.0.context", "userId"),
            ("constraint.0.operator", "IN"),
            ("constraint.0.values", "a\r\n\r\n b \n"),
            ("constraint.0.case_insensitive", "on"),
            ("constraint.2.context", "gone"),
            ("constraint.2.operator", "IN"),
            ("constraint.2.remove", "on"),
            ("constraint.3.operator", "IN"),
        ]));
        assert_eq!(form.rows.len(), 3);
        let constraints = form.constraints().expect("valid");
        assert_eq!(constraints.len(), 2, "the blank row is skipped");
        assert_eq!(constraints[0].context_name, "userId");
        assert_eq!(constraints[0].values, ["a", "b"]);
        assert!(constraints[0].case_insensitive && !constraints[0].inverted);
        assert_eq!(constraints[1].value.as_deref(), Some("1.2.3"));
        assert!(constraints[1].values.is_empty());
    }

    #[test]
    fn faulty_rows_say_why_and_add_asks_for_a_row() {
        let mut form = ConstraintsForm::from_pairs(&pairs(&[
            ("constraint.0.context", "age"),
            ("constraint.0.operator", "NUM_GT"),
            ("constraint.0.value", "many"),
            ("constraint.1.operator", "IN"),
            ("constraint.1.values", "x"),
            (ADD_CONSTRAINT, "1"),
        ]));
        assert_eq!(form.rows.len(), 3);
        assert!(form.constraints().is_none());
        assert!(form.rows[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("not a number")));
        assert_eq!(
            form.rows[1].error.as_deref(),
            Some("Choose a context field.")
        );
        assert_eq!(form.rows[2].error, None);
        form.offer_fields(["tenant".to_owned()]);
        assert!(form.fields.contains(&"tenant".to_owned()));
        assert!(form.fields.contains(&"age".to_owned()));
        assert!(form.fields.contains(&"userId".to_owned()));
    }

    #[test]
    fn stored_constraints_come_back_as_rows() {
        let stored = Constraint {
            context_name: "userId".to_owned(),
            operator: "NOT_IN".to_owned(),
            values: vec!["a".to_owned(), "b".to_owned()],
            value: None,
            case_insensitive: false,
            inverted: true,
        };
        let mut form = ConstraintsForm::from_constraints(std::slice::from_ref(&stored));
        assert_eq!(form.rows[0].values, "a\nb");
        assert_eq!(form.constraints(), Some(vec![stored]));
    }
}
