//! The one constraints editor, for strategies and segments alike: rows of
//! context field, operator, value(s), `inverted` and `caseInsensitive`, each
//! with a remove checkbox, and an "add constraint" submit button that
//! re-renders the form with one more empty row — no JavaScript.
//!
//! What a row's value input is comes from the engine's operator table
//! ([`Operator`]): a list operator gets a textarea with one value per line (a
//! value may contain commas, as Unleash's lists may), a single-value one an
//! input typed by its value kind (a number; a date-time, read as UTC; text).
//! The input has one name whichever it is, so a row whose operator changed
//! before the page was re-drawn still posts what was typed.
//!
//! Without JavaScript nothing redraws a row while its operator changes: a
//! second button posts `add_constraint=redraw` ([`REDRAW`]), which re-renders
//! the form as entered, each value input drawn for its operator, no row added.
//!
//! Rows post as `constraint.<i>.<part>`, so a handler takes the form as pairs
//! and hands them to [`ConstraintsForm::from_pairs`]; the template
//! `constraint_rows.html` renders a variable `constraints` of the including
//! template. Which values a constraint may hold is the engine's rule
//! (`constraint_problem`), asked per row here only to put its message next to
//! the row; the operation checks again, and its refusal is put on the row its
//! path names ([`ConstraintsForm::attach_error`]).

use flagstaff_engine::document::Constraint;
use flagstaff_engine::{constraint_problem, Arity, Operator, ValueKind, OPERATORS};

use flagstaff_domain::ops::STANDARD_CONTEXT_FIELDS as STANDARD_FIELDS;
use flagstaff_domain::ops::{FieldPath, PathSegment};

mod local_time;
use local_time::{is_local_time, local_time, rfc3339_utc};

/// The submit button that asks for one more row (and a re-drawn form).
pub const ADD_CONSTRAINT: &str = "add_constraint";

/// [`ADD_CONSTRAINT`]'s value from the button that only re-draws the form
/// (every handler re-renders on [`ADD_CONSTRAINT`] without saving).
pub const REDRAW: &str = "redraw";

/// Most constraint rows a form shows (the operations' limit is lower).
pub const MAX_ROWS: usize = 100;

/// One row of the editor as entered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConstraintRow {
    pub context_name: String,
    pub operator: String,
    /// The value input as typed: one value per line for a list operator,
    /// the value for the others.
    pub values: String,
    pub inverted: bool,
    pub case_insensitive: bool,
    /// What is wrong with this row, shown next to it.
    pub error: Option<String>,
}

impl ConstraintRow {
    fn from_constraint(c: &Constraint) -> ConstraintRow {
        let mut row = ConstraintRow {
            context_name: c.context_name.clone(),
            operator: c.operator.clone(),
            values: String::new(),
            inverted: c.inverted,
            case_insensitive: c.case_insensitive,
            error: None,
        };
        row.values = if row.is_list() {
            c.values.iter().map(|v| format!("{v}\n")).collect()
        } else {
            let value = c
                .value
                .clone()
                .or_else(|| c.values.first().cloned())
                .unwrap_or_default();
            if row.kind() == Some(ValueKind::Date) {
                local_time(&value).unwrap_or(value)
            } else {
                value
            }
        };
        row
    }

    fn operator(&self) -> Option<&'static Operator> {
        Operator::named(&self.operator)
    }

    fn kind(&self) -> Option<ValueKind> {
        self.operator().map(|op| op.kind)
    }

    /// The hint shown in an empty single-value input.
    pub fn placeholder(&self) -> &'static str {
        placeholder_of(self.kind().map(kind_name).unwrap_or("text"))
    }

    /// Whether the operator takes a list (an unknown one is shown as a list,
    /// so nothing typed is lost).
    pub fn is_list(&self) -> bool {
        self.operator().is_none_or(|op| op.arity == Arity::List)
    }

    /// The single value's input type: a number for a number operator, a
    /// date-time for a date one (unless the text is not one, which a
    /// date-time input would drop), else text.
    pub fn input_type(&self) -> &'static str {
        let text = self.values.trim();
        match self.kind() {
            Some(ValueKind::Number) if text.is_empty() || text.parse::<f64>().is_ok() => "number",
            Some(ValueKind::Date) if text.is_empty() || is_local_time(text) => "datetime-local",
            _ => "text",
        }
    }

    /// Nothing entered (a fresh row left as it was).
    fn is_blank(&self) -> bool {
        self.context_name.trim().is_empty() && self.values.trim().is_empty()
    }

    /// The constraint this row stands for: a list operator's values are the
    /// lines, a single-value operator's value the text (a date-time read as UTC).
    fn constraint(&self) -> Constraint {
        let (values, value) = if self.is_list() {
            let lines = self
                .values
                .lines()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect();
            (lines, None)
        } else {
            let text = self.values.trim();
            let value = if self.kind() == Some(ValueKind::Date) {
                rfc3339_utc(text)
            } else {
                text.to_owned()
            };
            (Vec::new(), Some(value))
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

/// An operator as the select offers it, with what forms.js needs to draw
/// its value input without a round trip (`data-list`, `data-kind`).
pub struct OperatorChoice {
    pub name: &'static str,
    pub list: bool,
    /// `text`, `number`, `date`, `semver`, `pattern` or `network`.
    pub kind: &'static str,
}

/// A context field's legal values, offered in a `<datalist>` with this id.
pub struct LegalValues {
    pub id: String,
    pub values: Vec<String>,
}

/// The editor's state: the rows, and what the selects offer.
#[derive(Debug, Clone, Default)]
pub struct ConstraintsForm {
    pub rows: Vec<ConstraintRow>,
    /// Context field names for the select, sorted, the rows' own included.
    pub fields: Vec<String>,
    /// The legal values of the fields that declare some, by field name.
    pub legal: std::collections::BTreeMap<String, Vec<String>>,
    /// The rows test a signal's payload (an action set's conditions): the
    /// field is a dotted path, typed, not a context field picked from a list.
    pub payload: bool,
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Text => "text",
        ValueKind::Number => "number",
        ValueKind::Date => "date",
        ValueKind::Semver => "semver",
        ValueKind::Pattern => "pattern",
        ValueKind::Network => "network",
    }
}

/// What a single value of `kind` looks like, shown in the empty input.
pub fn placeholder_of(kind: &str) -> &'static str {
    match kind {
        "number" => "e.g. 42 or 3.5",
        "semver" => "e.g. 1.2.3",
        "pattern" => "e.g. ^beta-",
        "network" => "e.g. 10.0.0.0/8",
        _ => "",
    }
}

impl ConstraintsForm {
    /// What the operator select offers: every operator the engine evaluates.
    pub fn operators(&self) -> Vec<OperatorChoice> {
        OPERATORS
            .iter()
            .map(|op| OperatorChoice {
                name: op.name,
                list: op.arity == Arity::List,
                kind: kind_name(op.kind),
            })
            .collect()
    }

    /// The datalists of legal values, one per field that declares some.
    pub fn datalists(&self) -> Vec<LegalValues> {
        self.fields
            .iter()
            .filter_map(|f| {
                let values = self.legal.get(f).filter(|v| !v.is_empty())?;
                Some(LegalValues {
                    id: self.datalist_of(f),
                    values: values.clone(),
                })
            })
            .collect()
    }

    /// The id of `field`'s datalist, or "" when it declares no legal values.
    pub fn datalist_of(&self, field: &str) -> String {
        match self.fields.iter().position(|f| f == field) {
            Some(i) if self.legal.get(field).is_some_and(|v| !v.is_empty()) => {
                format!("legal-values-{i}")
            }
            _ => String::new(),
        }
    }

    /// The editor showing stored constraints (no rows when there are none).
    pub fn from_constraints(constraints: &[Constraint]) -> ConstraintsForm {
        ConstraintsForm {
            rows: constraints
                .iter()
                .map(ConstraintRow::from_constraint)
                .collect(),
            ..ConstraintsForm::default()
        }
    }

    /// The rows posted in a form, in index order, without those ticked for
    /// removal; with one more empty row when the "add constraint" button sent
    /// it (not the [`REDRAW`] one).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ConstraintsForm {
        let mut rows: std::collections::BTreeMap<usize, (ConstraintRow, bool)> = Default::default();
        let mut add = false;
        for (key, value) in pairs {
            if key == ADD_CONSTRAINT {
                add = value != REDRAW;
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
            if index >= MAX_ROWS {
                continue;
            }
            let (row, removed) = rows.entry(index).or_default();
            match part {
                "context" => row.context_name = value.to_owned(),
                "operator" => row.operator = value.to_owned(),
                "values" => row.values = value.to_owned(),
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
            ..ConstraintsForm::default()
        };
        if add && form.rows.len() < MAX_ROWS {
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

    /// Offers `known` (the stored context fields, with their legal values)
    /// and the standard ones in the field select, and any field a row already names.
    pub fn offer_fields(&mut self, known: impl IntoIterator<Item = (String, Vec<String>)>) {
        let mut fields = std::collections::BTreeSet::new();
        for (name, legal) in known {
            if !legal.is_empty() {
                self.legal.insert(name.clone(), legal);
            }
            fields.insert(name);
        }
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
            row.error = if constraint.context_name.is_empty() && self.payload {
                Some("Name the payload path the condition tests.".to_owned())
            } else if constraint.context_name.is_empty() {
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

/// A stored context field as the editor offers it: its name and the values
/// of its legal values (`[{"value": …, "description": …}]`).
pub fn offered(field: &flagstaff_storage::ContextFieldRow) -> (String, Vec<String>) {
    let values = field
        .legal_values
        .iter()
        .filter_map(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            other => other.get("value")?.as_str().map(str::to_owned),
        })
        .collect();
    (field.name.clone(), values)
}

#[cfg(test)]
mod tests;
