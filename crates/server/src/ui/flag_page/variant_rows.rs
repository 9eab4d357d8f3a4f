//! The variant rows editor, shared by the strategy form (strategy variants)
//! and the variants tab (environment variants): N rows of name, weight type,
//! weight (shown in percent, exact to Unleash's 0–1000 units), stickiness and
//! payload, each with a remove checkbox, and an "add variant" button that
//! posts the form back with one more empty row. Overrides are not edited
//! here; an environment variant keeps its own in a hidden field.

use flagstaff_engine::document::{Override, Payload, Variant};

use super::form_fields::FormFields;
use flagstaff_domain::ops::{FieldPath, PathSegment};

/// Most variant rows a form shows.
pub const MAX_VARIANTS: usize = 100;
pub const PAYLOAD_TYPES: [&str; 4] = ["string", "json", "csv", "number"];

/// One variant as the form shows and posts it (text as typed).
#[derive(Debug, Clone, Default)]
pub struct VariantRow {
    pub name: String,
    /// `variable` or `fix`.
    pub weight_type: String,
    /// Percent, as typed (`33.3`).
    pub weight: String,
    pub stickiness: String,
    /// "" for no payload.
    pub payload_type: String,
    pub payload: String,
    /// The overrides as JSON (environment variants only), kept as they were.
    pub overrides: String,
    pub error: Option<String>,
    /// The input `error` is about (`name`, `weight`, `payload`, ... as the
    /// inputs are named), or "" for the row as a whole.
    pub error_input: &'static str,
}

impl VariantRow {
    pub fn empty() -> VariantRow {
        VariantRow {
            weight_type: "variable".to_owned(),
            stickiness: "default".to_owned(),
            ..VariantRow::default()
        }
    }

    pub fn from_variant(v: &Variant) -> VariantRow {
        VariantRow {
            name: v.name.clone(),
            weight_type: v.weight_type.clone().unwrap_or_else(|| "variable".into()),
            weight: percent(v.weight),
            stickiness: v.stickiness.clone().unwrap_or_else(|| "default".into()),
            payload_type: v
                .payload
                .as_ref()
                .map(|p| p.payload_type.clone())
                .unwrap_or_default(),
            payload: v
                .payload
                .as_ref()
                .map(|p| p.value.clone())
                .unwrap_or_default(),
            overrides: if v.overrides.is_empty() {
                String::new()
            } else {
                serde_json::to_string(&v.overrides).unwrap_or_default()
            },
            error: None,
            error_input: "",
        }
    }

    /// Whether the input named `input` is the one the row's error is about
    /// (`""`: the row as a whole, or an input the row does not show).
    pub fn invalid(&self, input: &str) -> bool {
        let shown = ["name", "weight_type", "weight", "payload_type", "payload"];
        self.error.is_some()
            && (self.error_input == input
                || (input.is_empty() && !shown.contains(&self.error_input)))
    }

    /// The row's error, for the paragraph beside its input.
    pub fn error_text(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    /// The overrides, readably (`userId: a, b; tenant: x`).
    pub fn overrides_text(&self) -> String {
        serde_json::from_str::<Vec<Override>>(&self.overrides)
            .unwrap_or_default()
            .iter()
            .map(|o| format!("{}: {}", o.context_name, o.values.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The variant the row describes, or why it is not one (also kept in
    /// `error`, for the page).
    fn read_variant(&mut self) -> Option<Variant> {
        let weight = if self.weight_type == "fix" {
            match parse_percent(&self.weight) {
                Ok(units) => units,
                Err(why) => return self.fail("weight", why),
            }
        } else {
            0
        };
        let payload = match self.payload_type.as_str() {
            "" => None,
            "number" if !is_number(&self.payload) => {
                return self.fail("payload", format!("{:?} is not a number", self.payload));
            }
            kind => Some(Payload {
                payload_type: kind.to_owned(),
                value: self.payload.clone(),
            }),
        };
        let overrides = match self.overrides.trim() {
            "" => Vec::new(),
            json => match serde_json::from_str::<Vec<Override>>(json) {
                Ok(overrides) => overrides,
                Err(_) => return self.fail("", "the overrides could not be read".to_owned()),
            },
        };
        Some(Variant {
            name: self.name.trim().to_owned(),
            weight,
            weight_type: Some(self.weight_type.clone()),
            stickiness: Some(self.stickiness.clone()),
            payload,
            overrides,
        })
    }

    fn fail(&mut self, input: &'static str, why: String) -> Option<Variant> {
        self.error = Some(why);
        self.error_input = input;
        None
    }
}

/// The posted variant rows: every row not marked for removal, plus an empty
/// one when `add_variant` was pressed.
pub fn posted_rows(fields: &FormFields) -> Vec<VariantRow> {
    let mut rows: Vec<VariantRow> = (0..fields.rows("variants", MAX_VARIANTS))
        .filter(|i| !fields.checked(&format!("v{i}_remove")))
        .map(|i| {
            let field = |name: &str| fields.text(&format!("v{i}_{name}"));
            VariantRow {
                name: field("name"),
                weight_type: if field("weight_type") == "fix" {
                    "fix".to_owned()
                } else {
                    "variable".to_owned()
                },
                weight: field("weight").trim().to_owned(),
                stickiness: match field("stickiness").trim() {
                    "" => "default".to_owned(),
                    s => s.to_owned(),
                },
                payload_type: field("payload_type"),
                payload: field("payload"),
                overrides: field("overrides"),
                error: None,
                error_input: "",
            }
        })
        .collect();
    if fields.checked("add_variant") && rows.len() < MAX_VARIANTS {
        rows.push(VariantRow::empty());
    }
    rows
}

/// The variants the rows describe, or `None` when a row cannot be read (its
/// `error` then says why).
pub fn to_variants(rows: &mut [VariantRow]) -> Option<Vec<Variant>> {
    let variants: Vec<Option<Variant>> = rows.iter_mut().map(VariantRow::read_variant).collect();
    variants.into_iter().collect()
}

/// Puts an operation's refusal on the row and input its path names (the
/// path starts at the variant list: `[1].payload.value`); false when it
/// names no row.
pub fn attach_error(rows: &mut [VariantRow], field: &FieldPath, message: &str) -> bool {
    let (index, rest) = match field.segments() {
        [PathSegment::Index(i), rest @ ..] => (*i, rest),
        _ => return false,
    };
    let Some(row) = rows.get_mut(index) else {
        return false;
    };
    let parts: Vec<Option<&str>> = rest
        .iter()
        .map(|s| match s {
            PathSegment::Field(name) => Some(name.as_str()),
            PathSegment::Index(_) => None,
        })
        .collect();
    row.error_input = match parts.as_slice() {
        [Some("name"), ..] => "name",
        [Some("weight"), ..] => "weight",
        [Some("weightType"), ..] => "weight_type",
        [Some("stickiness"), ..] => "stickiness",
        [Some("payload"), Some("type"), ..] => "payload_type",
        [Some("payload"), ..] => "payload",
        _ => "",
    };
    row.error = Some(message.to_owned());
    true
}

/// Unleash's weight units (per mille) as percent: 500 → "50", 333 → "33.3".
pub fn percent(units: u32) -> String {
    match units % 10 {
        0 => (units / 10).to_string(),
        tenth => format!("{}.{tenth}", units / 10),
    }
}

/// A percentage from 0 to 100 with at most one decimal, in weight units.
pub fn parse_percent(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let refused = || {
        Err(format!(
            "{text:?} is not a percentage from 0 to 100 (one decimal at most)"
        ))
    };
    let (whole, tenth) = match text.split_once('.') {
        Some((whole, tenth)) if tenth.len() <= 1 => (whole, tenth),
        Some(_) => return refused(),
        None => (text, ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !tenth.bytes().all(|b| b.is_ascii_digit())
    {
        return refused();
    }
    let (Ok(whole), tenth) = (whole.parse::<u32>(), tenth.parse::<u32>().unwrap_or(0)) else {
        return refused();
    };
    match whole.checked_mul(10).and_then(|w| w.checked_add(tenth)) {
        Some(units) if units <= 1000 => Ok(units),
        _ => refused(),
    }
}

fn is_number(text: &str) -> bool {
    text.trim().parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_exact_in_weight_units() {
        assert_eq!(parse_percent("50"), Ok(500));
        assert_eq!(parse_percent("33.3"), Ok(333));
        assert_eq!(parse_percent(" 0.1 "), Ok(1));
        assert_eq!(parse_percent("100"), Ok(1000));
        for bad in ["", "100.1", "33.33", "-1", "1e2", ".5", "abc"] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
        for units in [0, 1, 333, 500, 1000] {
            assert_eq!(parse_percent(&percent(units)), Ok(units));
        }
    }
}
