//! Strategies and constraints in plain language, as the pages say them
//! ("Gradual rollout: 50% of sessionId, group delete_survey_flag",
//! "environment is not one of production") instead of Unleash's internal
//! names (`flexibleRollout`, `NOT_IN`). The wording lives here only: pages,
//! confirmation questions and notices call these functions.

use std::collections::BTreeMap;

use flagstaff_engine::document::Constraint;
use flagstaff_storage::StrategyValues;

/// A strategy's kind as people call it: `flexibleRollout` → "Gradual rollout".
pub fn strategy_kind(name: &str) -> &str {
    match name {
        "flexibleRollout"
        | "gradualRolloutRandom"
        | "gradualRolloutSessionId"
        | "gradualRolloutUserId" => "Gradual rollout",
        "default" => "Standard",
        "userWithId" => "User IDs",
        "remoteAddress" => "IP addresses",
        "applicationHostname" => "Host names",
        other => other,
    }
}

/// What a strategy is called on a page: its title, else its kind.
pub fn strategy_title(values: &StrategyValues) -> String {
    let kind = strategy_kind(&values.name);
    match values.title.as_deref().map(str::trim) {
        Some(title) if !title.is_empty() => format!("{title} ({kind})"),
        _ => kind.to_owned(),
    }
}

/// A strategy in one line: its kind and what its parameters mean.
pub fn strategy_summary(name: &str, parameters: &BTreeMap<String, String>) -> String {
    let get = |key: &str| {
        parameters
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    };
    let list = |key: &str| {
        get(key).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    let rollout = |percent: Option<&str>, stickiness: Option<&str>, group: Option<&str>| {
        let percent = percent.unwrap_or("100");
        let mut text = match stickiness {
            None | Some("default") => format!("{percent}% (default stickiness)"),
            Some("random") => format!("{percent}% at random"),
            Some(field) => format!("{percent}% of {field}"),
        };
        if let Some(group) = group {
            text.push_str(&format!(", group {group}"));
        }
        text
    };
    let detail = match name {
        "flexibleRollout" => Some(rollout(get("rollout"), get("stickiness"), get("groupId"))),
        "gradualRolloutRandom" => Some(rollout(get("percentage"), Some("random"), None)),
        "gradualRolloutSessionId" => Some(rollout(
            get("percentage"),
            Some("sessionId"),
            get("groupId"),
        )),
        "gradualRolloutUserId" => Some(rollout(get("percentage"), Some("userId"), get("groupId"))),
        "default" => Some("on for everyone".to_owned()),
        "userWithId" => list("userIds"),
        "remoteAddress" => list("IPs"),
        "applicationHostname" => list("hostNames"),
        _ => {
            let shown: Vec<String> = parameters
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            (!shown.is_empty()).then(|| shown.join(", "))
        }
    };
    let kind = strategy_kind(name);
    match detail {
        Some(detail) => format!("{kind}: {detail}"),
        None => kind.to_owned(),
    }
}

/// An operator as words, plain and negated (for `inverted`): `NOT_IN` →
/// ("is not one of", "is one of"). An operator the engine does not know is
/// shown by its name.
pub fn operator_words(operator: &str) -> (&str, &str) {
    match operator {
        "IN" => ("is one of", "is not one of"),
        "NOT_IN" => ("is not one of", "is one of"),
        "STR_CONTAINS" => ("contains", "does not contain"),
        "STR_STARTS_WITH" => ("starts with", "does not start with"),
        "STR_ENDS_WITH" => ("ends with", "does not end with"),
        "NUM_EQ" => ("equals", "does not equal"),
        "NUM_GT" => ("is greater than", "is not greater than"),
        "NUM_GTE" => ("is at least", "is not at least"),
        "NUM_LT" => ("is less than", "is not less than"),
        "NUM_LTE" => ("is at most", "is not at most"),
        "DATE_AFTER" => ("is after", "is not after"),
        "DATE_BEFORE" => ("is before", "is not before"),
        "SEMVER_EQ" => ("is version", "is not version"),
        "SEMVER_GT" => ("is a version after", "is not a version after"),
        "SEMVER_GTE" => ("is at least version", "is not at least version"),
        "SEMVER_LT" => ("is a version before", "is not a version before"),
        "SEMVER_LTE" => ("is at most version", "is not at most version"),
        "REGEX" => ("matches the pattern", "does not match the pattern"),
        "IN_CIDR" => ("is in the network", "is not in the network"),
        other => (other, other),
    }
}

/// A constraint in words: "environment is not one of production",
/// "email ends with one of @example.com, @example.org (ignoring case)".
pub fn constraint_summary(c: &Constraint) -> String {
    let (plain, negated) = operator_words(&c.operator);
    let known = plain != c.operator;
    let mut words = if c.inverted { negated } else { plain }.to_owned();
    if !known && c.inverted {
        words = format!("NOT {words}");
    }
    let values: Vec<&str> = match &c.value {
        Some(value) if c.values.is_empty() => vec![value.as_str()],
        _ => c.values.iter().map(String::as_str).collect(),
    };
    let many = values.len() > 1;
    if many && c.operator.starts_with("STR_") {
        words.push_str(" one of");
    }
    if many && c.operator == "IN_CIDR" {
        words = words.replace("the network", "one of the networks");
    }
    let shown = if values.is_empty() {
        "(no values)".to_owned()
    } else {
        values.join(", ")
    };
    let mut line = format!("{} {words} {shown}", c.context_name);
    if c.case_insensitive {
        line.push_str(" (ignoring case)");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn strategies_in_words() {
        assert_eq!(
            strategy_summary(
                "flexibleRollout",
                &params(&[
                    ("rollout", "50"),
                    ("stickiness", "sessionId"),
                    ("groupId", "delete_survey_flag")
                ])
            ),
            "Gradual rollout: 50% of sessionId, group delete_survey_flag"
        );
        assert_eq!(
            strategy_summary(
                "flexibleRollout",
                &params(&[("rollout", "20"), ("stickiness", "default")])
            ),
            "Gradual rollout: 20% (default stickiness)"
        );
        assert_eq!(
            strategy_summary("default", &BTreeMap::new()),
            "Standard: on for everyone"
        );
        assert_eq!(
            strategy_summary("userWithId", &params(&[("userIds", "a,b , c")])),
            "User IDs: a, b, c"
        );
        assert_eq!(
            strategy_summary("mine", &params(&[("k", "v")])),
            "mine: k v"
        );
    }

    #[test]
    fn constraints_in_words() {
        let mut c = Constraint {
            context_name: "environment".to_owned(),
            operator: "NOT_IN".to_owned(),
            values: vec!["production".to_owned()],
            ..Constraint::default()
        };
        assert_eq!(
            constraint_summary(&c),
            "environment is not one of production"
        );
        c.inverted = true;
        assert_eq!(constraint_summary(&c), "environment is one of production");
        let c = Constraint {
            context_name: "email".to_owned(),
            operator: "STR_ENDS_WITH".to_owned(),
            values: vec!["@a.com".to_owned(), "@b.org".to_owned()],
            case_insensitive: true,
            ..Constraint::default()
        };
        assert_eq!(
            constraint_summary(&c),
            "email ends with one of @a.com, @b.org (ignoring case)"
        );
        let c = Constraint {
            context_name: "appVersion".to_owned(),
            operator: "SEMVER_GTE".to_owned(),
            value: Some("2.1.0".to_owned()),
            ..Constraint::default()
        };
        assert_eq!(
            constraint_summary(&c),
            "appVersion is at least version 2.1.0"
        );
    }
}
