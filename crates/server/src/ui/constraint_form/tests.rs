use super::*;

fn pairs<'a>(list: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = (&'a str, &'a str)> {
    list.iter().copied()
}

#[test]
fn rows_parse_in_order_without_removed_ones() {
    let mut form = ConstraintsForm::from_pairs(pairs(&[
        ("name", "ignored"),
        ("constraint.1.context", "version"),
        ("constraint.1.operator", "SEMVER_GT"),
        ("constraint.1.values", " 1.2.3 "),
        ("constraint.0.context", "userId"),
        ("constraint.0.operator", "IN"),
        ("constraint.0.values", "a\r\n\r\n b,c \n"),
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
    assert_eq!(constraints[0].values, ["a", "b,c"], "one value per line");
    assert!(constraints[0].case_insensitive && !constraints[0].inverted);
    assert_eq!(constraints[1].value.as_deref(), Some("1.2.3"));
    assert!(constraints[1].values.is_empty());
}

#[test]
fn faulty_rows_say_why_and_add_asks_for_a_row() {
    let mut form = ConstraintsForm::from_pairs(pairs(&[
        ("constraint.0.context", "age"),
        ("constraint.0.operator", "NUM_GT"),
        ("constraint.0.values", "many"),
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
    // The no-JavaScript re-draw keeps the rows as entered and adds none.
    let redrawn = ConstraintsForm::from_pairs(pairs(&[
        ("constraint.0.context", "currentTime"),
        ("constraint.0.operator", "DATE_AFTER"),
        ("constraint.0.values", "2024-01-01T00:00"),
        (ADD_CONSTRAINT, REDRAW),
    ]));
    assert_eq!(redrawn.rows.len(), 1);
    assert_eq!(redrawn.rows[0].input_type(), "datetime-local");
    assert_eq!(redrawn.rows[0].values, "2024-01-01T00:00");
    form.offer_fields([("tenant".to_owned(), vec!["acme".to_owned()])]);
    assert_eq!(form.datalists().len(), 1);
    assert_eq!(form.datalists()[0].values, ["acme"]);
    assert_eq!(form.datalist_of("tenant"), form.datalists()[0].id);
    assert_eq!(form.datalist_of("age"), "");
    assert!(form.fields.contains(&"tenant".to_owned()));
    assert!(form.fields.contains(&"age".to_owned()));
    assert!(form.fields.contains(&"userId".to_owned()));
    // An operation's refusal goes on the row its path names, blank rows skipped.
    let mut form = ConstraintsForm::from_pairs(pairs(&[
        ("constraint.0.operator", "IN"),
        ("constraint.1.context", "age"),
        ("constraint.1.operator", "IN"),
    ]));
    let at = FieldPath::root().index(0).field("values");
    assert!(form.attach_error(&at, "no"));
    assert_eq!(form.rows[1].error.as_deref(), Some("no"));
    assert!(!form.attach_error(&FieldPath::root().index(1), "none"));
}

#[test]
fn stored_constraints_come_back_as_rows() {
    let stored = [
        Constraint {
            context_name: "userId".to_owned(),
            operator: "NOT_IN".to_owned(),
            values: vec!["a".to_owned(), "b, c".to_owned()],
            value: None,
            case_insensitive: false,
            inverted: true,
        },
        Constraint {
            context_name: "currentTime".into(),
            operator: "DATE_AFTER".into(),
            value: Some("2025-01-31T12:00:00.250Z".into()),
            ..Constraint::default()
        },
    ];
    let mut form = ConstraintsForm::from_constraints(&stored);
    assert_eq!(form.rows[0].values, "a\nb, c\n");
    assert_eq!(form.rows[1].values, "2025-01-31T12:00:00.250");
    assert_eq!(form.rows[1].input_type(), "datetime-local");
    assert_eq!(form.constraints(), Some(stored.to_vec()));
}

#[test]
fn inputs_follow_the_engines_operator_table() {
    let row = |operator: &str, values: &str| ConstraintRow {
        operator: operator.to_owned(),
        values: values.to_owned(),
        ..ConstraintRow::default()
    };
    for op in OPERATORS {
        assert_eq!(
            row(op.name, "").is_list(),
            op.arity == Arity::List,
            "{op:?}"
        );
    }
    assert_eq!(row("NUM_GT", "1.5").input_type(), "number");
    assert_eq!(row("NUM_GT", "many").input_type(), "text");
    assert_eq!(row("DATE_BEFORE", "").input_type(), "datetime-local");
    assert_eq!(row("SEMVER_EQ", "1.2.3").input_type(), "text");
    assert_eq!(rfc3339_utc("2025-01-31T12:00"), "2025-01-31T12:00:00Z");
    assert_eq!(
        rfc3339_utc("2025-01-31T12:00:05+02:00"),
        "2025-01-31T12:00:05+02:00"
    );
    assert_eq!(
        local_time("2025-01-31T12:00:05+02:00").as_deref(),
        Some("2025-01-31T10:00:05")
    );
}
