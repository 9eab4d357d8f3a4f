//! Constraints, compiled: the operator resolved to a variant of [`Test`], its
//! values parsed (numbers, instants, versions, CIDR ranges, regexes) and
//! lower-cased where the constraint is case-insensitive. Evaluating one reads a
//! context field and compares; it parses nothing of the constraint and allocates
//! only for a case-insensitive comparison of non-ASCII text.
//!
//! Where the client specification is silent, the rules are those of Unleash's
//! Rust engine (which the Python SDK runs): a constraint that cannot be compiled
//! at all — an unknown operator, a missing or malformed NUM/DATE/SEMVER `value`,
//! an empty list for a STR_* or IN_CIDR operator — turns its whole flag off
//! ([`Test::Broken`]); context values are parsed exactly as given, not trimmed.

use std::cmp::Ordering;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use regex::Regex;

use crate::context::{ContextField, Resolved};
use crate::document::Constraint;
use crate::operator::Operator;
use crate::values::{parse_constraint_instant, parse_constraint_number, parse_instant, parse_net};

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
        values: ValueSet,
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
    /// Never matches, whether inverted or not: a SEMVER value written with a
    /// leading `v`, or a regular expression that does not compile.
    Never(&'static str),
    /// Cannot be compiled: the flag that holds it is off for everyone.
    Broken(&'static str),
}

/// The values of an IN/NOT_IN constraint: a short list is scanned (the length
/// check rejects most values without comparing bytes), a long one is hashed.
#[derive(Debug, Clone)]
pub(crate) enum ValueSet {
    Few(Box<[Box<str>]>),
    Many(rustc_hash::FxHashSet<Box<str>>),
}

impl ValueSet {
    const SCAN_LIMIT: usize = 6;

    fn new(values: &[String]) -> Self {
        if values.len() <= Self::SCAN_LIMIT {
            ValueSet::Few(values.iter().map(|v| v.as_str().into()).collect())
        } else {
            ValueSet::Many(values.iter().map(|v| v.as_str().into()).collect())
        }
    }

    #[inline]
    fn contains(&self, seen: &str) -> bool {
        match self {
            ValueSet::Few(values) => values.iter().any(|v| **v == *seen),
            ValueSet::Many(values) => values.contains(seen),
        }
    }
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
        if let Test::Never(_) | Test::Broken(_) = self.test {
            return false;
        }
        self.test.holds(&self.field, context) != self.inverted
    }
}

/// A constraint tested against a value the caller gives, not a context field:
/// the payload filters of the server's action sets use it, so they have exactly
/// the operators and value rules of strategy constraints. `context_name` is
/// ignored. A constraint that cannot be compiled never matches.
#[derive(Debug, Clone)]
pub struct ValueTest {
    inverted: bool,
    test: Test,
}

impl ValueTest {
    pub fn new(source: &Constraint) -> ValueTest {
        ValueTest {
            inverted: source.inverted,
            test: Test::compile(source),
        }
    }

    /// Whether the constraint holds for `value` (`None`: the field is absent).
    pub fn matches(&self, value: Option<&str>) -> bool {
        if let Test::Never(_) | Test::Broken(_) = self.test {
            return false;
        }
        // The value stands in a context as `userId`: every operator reads a
        // field other than `currentTime` and `remoteAddress` as plain text.
        let context = crate::context::Context {
            user_id: value.map(str::to_owned),
            ..crate::context::Context::default()
        };
        let resolved = Resolved::new(&context);
        self.test.holds(&ContextField::UserId, &resolved) != self.inverted
    }
}

/// The single value of NUM/DATE/SEMVER operators, surrounding blanks ignored.
fn single_value(source: &Constraint) -> Option<&str> {
    source.value.as_deref().map(|v| v.trim_matches([' ', '\t']))
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

/// Why the engine would not use this constraint as written, if it would not:
/// an unknown operator, a value its operator cannot read, a regular expression
/// that does not compile, an IN_CIDR entry that is not an address or range.
/// Stores ask before saving a constraint, so the engine's rules are the only ones.
pub fn constraint_problem(source: &Constraint) -> Option<String> {
    if Operator::named(&source.operator).is_none() {
        return Some(format!("unknown operator {:?}", source.operator));
    }
    match Test::compile(source) {
        Test::Broken(why) | Test::Never(why) => Some(why.to_owned()),
        Test::InCidr(_) => source
            .values
            .iter()
            .find(|v| parse_net(v).is_none())
            .map(|v| format!("{v:?} is not an IP address or CIDR range")),
        _ => None,
    }
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
                values: ValueSet::new(&source.values),
                negate: source.operator == "NOT_IN",
            },
            "STR_CONTAINS" | "STR_STARTS_WITH" | "STR_ENDS_WITH" if source.values.is_empty() => {
                Test::Broken("a string operator needs at least one value")
            }
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
                match single_value(source).and_then(parse_constraint_number) {
                    Some(value) => Test::Num { cmp, value },
                    None => Test::Broken("the constraint value is not a number"),
                }
            }
            "DATE_AFTER" | "DATE_BEFORE" => {
                match single_value(source).and_then(parse_constraint_instant) {
                    Some(value) => Test::Date { cmp, value },
                    None => Test::Broken("the constraint value is not an RFC 3339 date-time"),
                }
            }
            "SEMVER_EQ" | "SEMVER_GT" | "SEMVER_GTE" | "SEMVER_LT" | "SEMVER_LTE" => {
                match source.value.as_deref() {
                    None => Test::Broken("the constraint has no version value"),
                    Some(v) if v.starts_with('v') => {
                        Test::Never("versions written with a leading 'v' never match")
                    }
                    Some(_) => {
                        match single_value(source).and_then(|v| semver::Version::parse(v).ok()) {
                            Some(value) => Test::Semver { cmp, value },
                            None => Test::Broken("the constraint value is not a semantic version"),
                        }
                    }
                }
            }
            "REGEX" => match regex::RegexBuilder::new(source.value.as_deref().unwrap_or(""))
                .case_insensitive(ci)
                .build()
            {
                Ok(regex) => Test::Regex(regex),
                Err(_) => Test::Never("the constraint value is not a valid regular expression"),
            },
            "IN_CIDR" if source.values.is_empty() => {
                Test::Broken("IN_CIDR needs at least one range")
            }
            "IN_CIDR" => Test::InCidr(source.values.iter().filter_map(|v| parse_net(v)).collect()),
            _ => Test::Broken("unknown operator"),
        }
    }

    /// The comparison itself, before `inverted` is applied.
    #[inline]
    pub(crate) fn holds(&self, field: &ContextField, context: &Resolved<'_>) -> bool {
        match self {
            Test::Date { cmp, value } => {
                let seen = match field {
                    ContextField::CurrentTime => context.current_time(),
                    other => context.get(other).and_then(parse_instant),
                };
                seen.is_some_and(|seen| cmp.holds(seen.cmp(value)))
            }
            Test::InCidr(nets) => {
                let ip = match field {
                    ContextField::RemoteAddress => context.remote_ip(),
                    other => context
                        .get(other)
                        .and_then(|text| text.parse::<IpAddr>().ok()),
                };
                ip.is_some_and(|ip| nets.iter().any(|net| net.contains(&ip)))
            }
            Test::In { values, negate } => {
                let found = context.get(field).is_some_and(|seen| values.contains(seen));
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
                .and_then(|seen| seen.parse::<f64>().ok())
                .is_some_and(|seen| match cmp {
                    // Equal within f64's epsilon, as Unleash's engine compares.
                    Cmp::Eq => (seen - value).abs() < f64::EPSILON,
                    _ => seen.partial_cmp(value).is_some_and(|o| cmp.holds(o)),
                }),
            Test::Semver { cmp, value } => context
                .get(field)
                .and_then(|seen| seen.parse::<semver::Version>().ok())
                .is_some_and(|seen| cmp.holds(seen.cmp_precedence(value))),
            Test::Regex(regex) => context.get(field).is_some_and(|seen| regex.is_match(seen)),
            Test::Never(_) | Test::Broken(_) => false,
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

#[cfg(test)]
mod tests;
