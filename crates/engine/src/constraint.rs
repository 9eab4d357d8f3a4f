//! Constraints, compiled: the operator resolved to a variant of [`Test`], its
//! values parsed (numbers, instants, versions, CIDR ranges, regexes) and
//! lower-cased where the constraint is case-insensitive. Evaluating one reads a
//! context field and compares; it parses nothing and allocates only for a
//! case-insensitive comparison of non-ASCII text.

use std::cmp::Ordering;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use regex::Regex;

use crate::context::{ContextField, Resolved};
use crate::document::Constraint;

/// A constraint ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct CompiledConstraint {
    pub(crate) field: ContextField,
    pub(crate) inverted: bool,
    pub(crate) test: Test,
    /// The segment this constraint came from, for explanations.
    pub(crate) segment: Option<i64>,
    /// The constraint as written, for explanations.
    pub(crate) source: Box<Constraint>,
}

#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// `IN` (`negate: false`) and `NOT_IN` (`negate: true`).
    In {
        values: Box<[Box<str>]>,
        negate: bool,
    },
    Str {
        kind: StrOp,
        values: Box<[Box<str>]>,
        case_insensitive: bool,
    },
    Num {
        cmp: Cmp,
        value: f64,
    },
    /// `DATE_AFTER` is `Cmp::Gt`, `DATE_BEFORE` is `Cmp::Lt`, against `currentTime`.
    Date {
        cmp: Cmp,
        value: DateTime<Utc>,
    },
    Semver {
        cmp: Cmp,
        value: semver::Version,
    },
    Regex(Regex),
    InCidr(Box<[IpNet]>),
    /// An unknown operator or a value that does not parse: never matches,
    /// whether inverted or not.
    Never(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    #[inline]
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Cmp::Eq => ordering == Ordering::Equal,
            Cmp::Gt => ordering == Ordering::Greater,
            Cmp::Gte => ordering != Ordering::Less,
            Cmp::Lt => ordering == Ordering::Less,
            Cmp::Lte => ordering != Ordering::Greater,
        }
    }
}

impl CompiledConstraint {
    pub(crate) fn compile(source: &Constraint, segment: Option<i64>) -> Self {
        CompiledConstraint {
            field: ContextField::parse(&source.context_name),
            inverted: source.inverted,
            test: Test::compile(source),
            segment,
            source: Box::new(source.clone()),
        }
    }

    /// Whether the constraint holds for this context.
    #[inline]
    pub(crate) fn matches(&self, context: &Resolved<'_>) -> bool {
        if let Test::Never(_) = self.test {
            return false;
        }
        self.test.holds(&self.field, context) != self.inverted
    }
}

/// The single value of NUM/DATE/SEMVER operators: `value`, or else the first of `values`.
fn single_value(source: &Constraint) -> Option<&str> {
    source
        .value
        .as_deref()
        .or_else(|| source.values.first().map(String::as_str))
}

fn text_values(source: &Constraint, lower: bool) -> Box<[Box<str>]> {
    source
        .values
        .iter()
        .map(|v| {
            if lower {
                v.to_lowercase().into_boxed_str()
            } else {
                v.as_str().into()
            }
        })
        .collect()
}

impl Test {
    fn compile(source: &Constraint) -> Test {
        let ci = source.case_insensitive;
        let cmp = match source.operator.as_str() {
            "NUM_EQ" | "SEMVER_EQ" => Cmp::Eq,
            "NUM_GT" | "SEMVER_GT" | "DATE_AFTER" => Cmp::Gt,
            "NUM_GTE" | "SEMVER_GTE" => Cmp::Gte,
            "NUM_LT" | "SEMVER_LT" | "DATE_BEFORE" => Cmp::Lt,
            "NUM_LTE" | "SEMVER_LTE" => Cmp::Lte,
            _ => Cmp::Eq,
        };
        match source.operator.as_str() {
            "IN" | "NOT_IN" => Test::In {
                values: text_values(source, false),
                negate: source.operator == "NOT_IN",
            },
            "STR_CONTAINS" | "STR_STARTS_WITH" | "STR_ENDS_WITH" => Test::Str {
                kind: match source.operator.as_str() {
                    "STR_CONTAINS" => StrOp::Contains,
                    "STR_STARTS_WITH" => StrOp::StartsWith,
                    _ => StrOp::EndsWith,
                },
                values: text_values(source, ci),
                case_insensitive: ci,
            },
            "NUM_EQ" | "NUM_GT" | "NUM_GTE" | "NUM_LT" | "NUM_LTE" => {
                match single_value(source).and_then(parse_number) {
                    Some(value) => Test::Num { cmp, value },
                    None => Test::Never("the constraint value is not a number"),
                }
            }
            "DATE_AFTER" | "DATE_BEFORE" => match single_value(source).and_then(parse_instant) {
                Some(value) => Test::Date { cmp, value },
                None => Test::Never("the constraint value is not a date"),
            },
            "SEMVER_EQ" | "SEMVER_GT" | "SEMVER_GTE" | "SEMVER_LT" | "SEMVER_LTE" => {
                match single_value(source).and_then(parse_semver) {
                    Some(value) => Test::Semver { cmp, value },
                    None => Test::Never("the constraint value is not a semantic version"),
                }
            }
            "REGEX" => match single_value(source).and_then(|pattern| {
                regex::RegexBuilder::new(pattern)
                    .case_insensitive(ci)
                    .build()
                    .ok()
            }) {
                Some(regex) => Test::Regex(regex),
                None => Test::Never("the constraint value is not a valid regular expression"),
            },
            "IN_CIDR" => {
                let nets: Box<[IpNet]> =
                    source.values.iter().filter_map(|v| parse_net(v)).collect();
                Test::InCidr(nets)
            }
            _ => Test::Never("unknown operator"),
        }
    }

    /// The comparison itself, before `inverted` is applied.
    #[inline]
    pub(crate) fn holds(&self, field: &ContextField, context: &Resolved<'_>) -> bool {
        match self {
            Test::Date { cmp, value } => context
                .current_time()
                .is_some_and(|now| cmp.holds(now.cmp(value))),
            Test::InCidr(nets) => {
                let ip = match field {
                    ContextField::RemoteAddress => context.remote_ip(),
                    other => context
                        .get(other)
                        .and_then(|text| text.trim().parse::<IpAddr>().ok()),
                };
                ip.is_some_and(|ip| nets.iter().any(|net| net.contains(&ip)))
            }
            Test::In { values, negate } => {
                let found = context
                    .get(field)
                    .is_some_and(|seen| values.iter().any(|v| **v == *seen));
                found != *negate
            }
            Test::Str {
                kind,
                values,
                case_insensitive,
            } => match context.get(field) {
                None => false,
                Some(seen) if *case_insensitive => str_matches_ci(*kind, values, seen),
                Some(seen) => values.iter().any(|v| str_op(*kind, seen, v)),
            },
            Test::Num { cmp, value } => context
                .get(field)
                .and_then(parse_number)
                .and_then(|seen| seen.partial_cmp(value))
                .is_some_and(|ordering| cmp.holds(ordering)),
            Test::Semver { cmp, value } => context
                .get(field)
                .and_then(parse_semver)
                .is_some_and(|seen| cmp.holds(seen.cmp_precedence(value))),
            Test::Regex(regex) => context.get(field).is_some_and(|seen| regex.is_match(seen)),
            Test::Never(_) => false,
        }
    }
}

#[inline]
fn str_op(kind: StrOp, haystack: &str, needle: &str) -> bool {
    match kind {
        StrOp::Contains => haystack.contains(needle),
        StrOp::StartsWith => haystack.starts_with(needle),
        StrOp::EndsWith => haystack.ends_with(needle),
    }
}

/// Case-insensitive string operators. The values are already lower-cased; ASCII
/// context values are compared without allocating, anything else is lower-cased
/// once (Unicode rules, as the SDKs do).
fn str_matches_ci(kind: StrOp, values: &[Box<str>], seen: &str) -> bool {
    if seen.is_ascii() {
        let seen = seen.as_bytes();
        return values.iter().any(|v| {
            let v = v.as_bytes();
            match kind {
                StrOp::StartsWith => {
                    seen.len() >= v.len() && seen[..v.len()].eq_ignore_ascii_case(v)
                }
                StrOp::EndsWith => {
                    seen.len() >= v.len() && seen[seen.len() - v.len()..].eq_ignore_ascii_case(v)
                }
                StrOp::Contains => {
                    v.is_empty() || seen.windows(v.len()).any(|w| w.eq_ignore_ascii_case(v))
                }
            }
        });
    }
    let lowered = seen.to_lowercase();
    values.iter().any(|v| str_op(kind, &lowered, v))
}

pub(crate) fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| !n.is_nan())
}

pub(crate) fn parse_semver(text: &str) -> Option<semver::Version> {
    semver::Version::parse(text.trim()).ok()
}

pub(crate) fn parse_net(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// An instant in the forms Unleash and its SDKs write: RFC 3339 with any offset,
/// or a date-time without offset (read as UTC), or a bare date (midnight UTC).
pub(crate) fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}
