//! What a stored signal sets off: every enabled action set of its endpoint
//! whose payload filters all hold runs its steps in order, each step an
//! operation applied through [`AppState::apply`] as its own change, by an actor
//! that names the action set (`action:<name>`), so the event log says which
//! action set made each change. As in Unleash, a failed step stops the set:
//! the steps before it stay applied, the ones after are "not started". Each
//! run is logged (bounded per action set) with every step's outcome and the
//! reason of a failure; a failure never fails the signal, which is already
//! stored when this runs.
//!
//! Payload filters are the engine's constraints ([`ValueTest`]) on the value at
//! a dotted path (`issue.fields.status.name`; a number picks an array item).
//! Where the value is an array, a filter holds when some item satisfies it —
//! `labels IN ["flag:x"]` is "labels contains flag:x" — and `NOT_IN` when no
//! item is in the list; `inverted` turns the whole result around.

use std::collections::BTreeMap;

use flagstaff_engine::ValueTest;
use serde_json::Value;

use crate::ops::{self, Actor, OpError, ProjectId};
use crate::state::AppState;
use crate::storage::{ActionRunRow, ActionSetRow, PayloadFilter, SignalRow, StorageError};
use crate::wire::automation::{ActionSetView, SignalView};
use crate::wire::to_value;

/// Signals kept per endpoint, and runs kept per action set: the newest.
pub const KEEP_SIGNALS: i64 = 1_000;
pub const KEEP_RUNS: i64 = 1_000;

/// The value at a dotted path.
fn at_path<'v>(payload: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(payload, |value, key| match value {
        Value::Object(fields) => fields.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// A scalar as a constraint reads it; objects, arrays and null are absent.
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn filter_holds(path: &str, filter: &PayloadFilter, payload: &Value) -> bool {
    let mut constraint = ops::as_constraint(path, filter);
    constraint.inverted = false;
    let holds = match at_path(payload, path) {
        Some(Value::Array(items)) => {
            let none_of = constraint.operator == "NOT_IN";
            if none_of {
                constraint.operator = "IN".to_owned();
            }
            let test = ValueTest::new(&constraint);
            let some = items
                .iter()
                .any(|item| test.matches(as_text(item).as_deref()));
            some != none_of
        }
        value => ValueTest::new(&constraint).matches(value.and_then(as_text).as_deref()),
    };
    holds != filter.inverted
}

/// Whether every filter holds for the payload (no filters: always).
pub fn payload_matches(filters: &BTreeMap<String, PayloadFilter>, payload: &Value) -> bool {
    filters
        .iter()
        .all(|(path, filter)| filter_holds(path, filter, payload))
}

/// Runs the matching action sets of the signal's endpoint and logs each run.
/// Nothing here fails the signal: problems are logged.
pub async fn run_action_sets(state: AppState, signal: SignalRow) {
    let sets = match state
        .store
        .enabled_action_sets_for(signal.endpoint_id)
        .await
    {
        Ok(sets) => sets,
        Err(e) => {
            tracing::error!(error = %e, signal = signal.id, "could not read the action sets for a signal");
            return;
        }
    };
    for set in sets
        .iter()
        .filter(|s| payload_matches(&s.filters, &signal.payload))
    {
        let run = run_one(&state, set, &signal).await;
        tracing::info!(action_set = %set.name, project = %set.project, signal = signal.id,
            state = %run.state, "action set ran");
        if let Err(e) = state.store.log_action_run(&run, KEEP_RUNS).await {
            tracing::error!(error = %e, action_set = set.id, "could not log an action set's run");
        }
    }
}

/// Why a step failed, as the run log shows it (internal causes only logged).
fn reason(error: OpError) -> String {
    match error {
        OpError::Storage(StorageError::Database(e)) => {
            tracing::error!(error = %e, "an action step failed");
            "internal error".to_owned()
        }
        OpError::Storage(StorageError::Unreachable { source, committing }) => {
            tracing::warn!(error = %source, "an action step failed: the database is unreachable");
            if committing {
                "the database connection was lost while committing; the change may or may not be stored"
            } else {
                "the database was unreachable; nothing was changed"
            }
            .to_owned()
        }
        other => other.to_string(),
    }
}

async fn run_one(state: &AppState, set: &ActionSetRow, signal: &SignalRow) -> ActionRunRow {
    let actor = Actor::named(format!("action:{}", set.name));
    let view = ActionSetView::from(set);
    let mut failed = false;
    let mut actions = Vec::with_capacity(set.actions.len());
    for (step, shown) in set.actions.iter().zip(&view.actions) {
        let (outcome, details) = if failed {
            ("not started", None)
        } else {
            let applied = match ProjectId::parse(&set.project)
                .and_then(|project| ops::step(&step.action, &step.execution_params, &project))
            {
                Ok(operation) => state.apply(&actor, operation).await,
                Err(e) => Err(e),
            };
            match applied {
                Ok(()) => ("success", None),
                Err(e) => {
                    failed = true;
                    ("failed", Some(reason(e)))
                }
            }
        };
        let mut action = to_value(shown);
        if let Value::Object(fields) = &mut action {
            fields.insert("state".to_owned(), Value::from(outcome));
            if let Some(details) = details {
                fields.insert("details".to_owned(), Value::from(details));
            }
        }
        actions.push(action);
    }
    let mut action_set = to_value(&view);
    if let Value::Object(fields) = &mut action_set {
        fields.insert("actions".to_owned(), Value::Array(actions));
    }
    ActionRunRow {
        id: 0,
        action_set_id: set.id,
        signal_id: signal.id,
        state: if failed { "failed" } else { "success" }.to_owned(),
        signal: to_value(&SignalView::from(signal)),
        action_set,
        created_at: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn filter(operator: &str, values: &[&str]) -> PayloadFilter {
        PayloadFilter {
            operator: operator.to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            ..PayloadFilter::default()
        }
    }

    #[test]
    fn filters_read_dotted_paths_and_arrays() {
        let jira = json!({"issue": {"key": "CHK-12", "fields": {
            "status": {"name": "In QA"}, "labels": ["flag:new-checkout", "team:web"],
            "priority": 3, "flagged": true, "components": [{"name": "web"}]
        }}});
        let holds = |path: &str, f: PayloadFilter| filter_holds(path, &f, &jira);
        assert!(holds("issue.fields.status.name", filter("IN", &["In QA"])));
        assert!(!holds("issue.fields.status.name", filter("IN", &["Done"])));
        assert!(holds(
            "issue.fields.labels",
            filter("IN", &["flag:new-checkout"])
        ));
        assert!(!holds("issue.fields.labels", filter("IN", &["flag:other"])));
        assert!(holds(
            "issue.fields.labels",
            filter("NOT_IN", &["flag:other"])
        ));
        assert!(!holds(
            "issue.fields.labels",
            filter("NOT_IN", &["team:web"])
        ));
        assert!(holds(
            "issue.fields.labels",
            filter("STR_STARTS_WITH", &["flag:"])
        ));
        assert!(holds("issue.fields.labels.1", filter("IN", &["team:web"])));
        assert!(holds(
            "issue.fields.components.0.name",
            filter("IN", &["web"])
        ));
        assert!(holds("issue.fields.priority", filter("IN", &["3"])));
        assert!(holds("issue.fields.flagged", filter("IN", &["true"])));
        assert!(!holds("issue.missing", filter("IN", &["x"])));
        assert!(holds("issue.missing", filter("NOT_IN", &["x"])));
        let mut not_labelled = filter("IN", &["flag:new-checkout"]);
        not_labelled.inverted = true;
        assert!(!holds("issue.fields.labels", not_labelled));
        let both = BTreeMap::from([
            (
                "issue.fields.status.name".to_owned(),
                filter("IN", &["In QA"]),
            ),
            (
                "issue.fields.labels".to_owned(),
                filter("IN", &["flag:new-checkout"]),
            ),
        ]);
        assert!(payload_matches(&both, &jira));
        assert!(!payload_matches(
            &both,
            &json!({"issue": {"fields": {"status": {"name": "In QA"}}}})
        ));
        assert!(payload_matches(&BTreeMap::new(), &json!({})));
    }
}
