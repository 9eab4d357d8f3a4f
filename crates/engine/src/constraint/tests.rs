use super::*;
use crate::operator::{Arity, ValueKind, OPERATORS};

fn constraint(operator: &str, value: Option<&str>, values: &[&str]) -> Constraint {
    Constraint {
        context_name: "userId".to_owned(),
        operator: operator.to_owned(),
        value: value.map(str::to_owned),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        ..Constraint::default()
    }
}

#[test]
fn a_value_test_applies_the_operator_to_the_given_value() {
    let is = |op: &str, value: Option<&str>, values: &[&str], seen: Option<&str>| {
        ValueTest::new(&constraint(op, value, values)).matches(seen)
    };
    assert!(is("IN", None, &["In QA"], Some("In QA")));
    assert!(!is("IN", None, &["In QA"], Some("in qa")));
    assert!(!is("IN", None, &["In QA"], None));
    assert!(is("NOT_IN", None, &["Done"], None));
    assert!(is("NUM_GT", Some("3"), &[], Some("4")));
    assert!(is("SEMVER_LT", Some("2.0.0"), &[], Some("1.9.0")));
    assert!(is(
        "DATE_AFTER",
        Some("2024-01-01T00:00:00Z"),
        &[],
        Some("2025-01-01T00:00:00Z")
    ));
    assert!(
        !is("NUM_GT", Some("many"), &[], Some("4")),
        "broken never matches"
    );
    let mut inverted = constraint("STR_CONTAINS", None, &["flag:"]);
    inverted.inverted = true;
    assert!(ValueTest::new(&inverted).matches(Some("bug")));
    assert!(!ValueTest::new(&inverted).matches(Some("flag:x")));
}

#[test]
fn every_operator_is_known_and_checked_by_its_values() {
    // The table's arity and kind say where a good value goes and what it is.
    let good = |op: &Operator| {
        let sample = match op.kind {
            ValueKind::Text => "a",
            ValueKind::Number => "42",
            ValueKind::Date => "2030-01-01T00:00:00Z",
            ValueKind::Semver => "1.2.3",
            ValueKind::Pattern => "^a+$",
            ValueKind::Network => "10.0.0.0/8",
        };
        match op.arity {
            Arity::Single => constraint(op.name, Some(sample), &[]),
            Arity::List => constraint(op.name, None, &[sample]),
        }
    };
    for op in OPERATORS {
        assert_eq!(constraint_problem(&good(op)), None, "{op:?}");
        assert_eq!(Operator::named(op.name), Some(op));
        if op.kind != ValueKind::Text && op.kind != ValueKind::Pattern {
            // The value in the other field is not read.
            let misplaced = match op.arity {
                Arity::Single => constraint(op.name, None, &["x"]),
                Arity::List => constraint(op.name, Some("x"), &[]),
            };
            assert!(constraint_problem(&misplaced).is_some(), "{op:?}");
        }
    }
    assert_eq!(Operator::named("LIKE"), None);
    for (bad, why) in [
        (constraint("NUM_GT", Some("many"), &[]), "not a number"),
        (constraint("NUM_GT", None, &[]), "not a number"),
        (constraint("DATE_AFTER", Some("tomorrow"), &[]), "RFC 3339"),
        (constraint("SEMVER_EQ", Some("v1.2.3"), &[]), "leading 'v'"),
        (
            constraint("SEMVER_EQ", Some("1.2"), &[]),
            "semantic version",
        ),
        (
            constraint("REGEX", Some("(unclosed"), &[]),
            "regular expression",
        ),
        (constraint("STR_CONTAINS", None, &[]), "at least one value"),
        (
            constraint("IN_CIDR", None, &["10.0.0.0/8", "not-an-ip"]),
            "not-an-ip",
        ),
        (constraint("LIKE", None, &["a"]), "unknown operator"),
    ] {
        let problem = constraint_problem(&bad).unwrap_or_default();
        assert!(problem.contains(why), "{bad:?}: {problem:?}");
    }
}
