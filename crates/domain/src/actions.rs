//! What a stored signal sets off: every enabled action set of its endpoint
//! whose payload filters all hold runs its steps in order, each step an
//! operation applied through [`DomainState::apply`] as its own change, by an actor
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
//!
//! The loop guard. A change an action set's run makes is recorded with the
//! run's depth in its chain ([`Actor::action`]: 1 for a run set off by a
//! signal from anyone else), and an integration sends that depth with the
//! event ([`ACTION_DEPTH_HEADER`]); a signal endpoint records it on the signal,
//! and a run set off by a signal of depth [`MAX_ACTION_DEPTH`] or more is not
//! made: so an integration pointed back at this server's own signal endpoint
//! ends after a few changes instead of toggling for ever. A loop through an
//! outside system that drops the header is held by a budget of runs per action
//! set per minute (per process). A run not made is logged as `skipped`, each
//! action `not started` with the reason in its `details`.

use std::collections::BTreeMap;

use flagstaff_engine::ValueTest;
use serde_json::Value;

use crate::integrations::ACTION_DEPTH_HEADER;
use crate::ops::{self, Actor, OpError, ProjectId};
use crate::quota::Quota;
use crate::state::DomainState;
use crate::wire::automation::{ActionSetView, StepOutcome};
use crate::wire::to_value;
use flagstaff_storage::{
    ActionRunRow, ActionSetRow, PayloadFilter, RunState, SignalRow, SignalsKept, StorageError,
};

/// Signals kept whole per endpoint, and runs kept per action set: the newest.
pub const KEEP_SIGNALS: i64 = 1_000;
pub const KEEP_RUNS: i64 = 1_000;
/// A signal sent by a change this deep in a chain of action runs sets off no
/// further run.
pub const MAX_ACTION_DEPTH: i64 = 3;

/// What signals and action runs are held to (`--max-signal-bytes`,
/// `--signal-bytes-per-endpoint`, `--action-runs-per-minute`).
pub struct Automation {
    /// Largest signal body accepted; a larger one is a 413 that stores nothing.
    pub max_signal_bytes: usize,
    /// How much of each endpoint's signals is kept.
    pub kept: SignalsKept,
    /// Runs per action set (by id) per minute in this process.
    pub runs: Quota<i64>,
    pub runs_per_minute: u32,
}

impl Automation {
    pub fn new(max_signal_bytes: usize, bytes_per_endpoint: usize, runs_per_minute: u32) -> Self {
        Automation {
            max_signal_bytes,
            kept: SignalsKept {
                count: KEEP_SIGNALS,
                bytes: i64::try_from(bytes_per_endpoint).unwrap_or(i64::MAX),
            },
            runs: Quota::new(runs_per_minute, std::time::Duration::from_secs(60)),
            runs_per_minute,
        }
    }

    /// The settings with runs per minute measured by `clock`.
    pub fn with_clock(self, clock: &flagstaff_storage::clock::Clock) -> Self {
        Automation {
            runs: self.runs.with_clock(clock),
            ..self
        }
    }
}

impl Default for Automation {
    fn default() -> Self {
        Automation::new(64 * 1024, 16 * 1024 * 1024, 60)
    }
}

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

/// Runs the matching action sets of the signal's endpoint and logs each run
/// (or why it was skipped: the loop guard). Nothing here fails the signal:
/// problems are logged.
pub async fn run_action_sets(state: DomainState, signal: SignalRow) {
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
        let run = match skip_reason(&state.automation, set, &signal) {
            Some(why) => {
                tracing::warn!(action_set = %set.name, project = %set.project, signal = signal.id,
                    "action set not run: {why}");
                skipped(set, &signal, &why)
            }
            None => {
                let run = run_one(&state, set, &signal).await;
                tracing::info!(action_set = %set.name, project = %set.project, signal = signal.id,
                    state = %run.state, "action set ran");
                run
            }
        };
        if let Err(e) = state.store.log_action_run(&run, KEEP_RUNS).await {
            tracing::error!(error = %e, action_set = set.id, "could not log an action set's run");
        }
    }
}

/// Why `set` must not run for `signal` (the loop guard), if it must not; a
/// run that may go counts against its action set's budget.
fn skip_reason(automation: &Automation, set: &ActionSetRow, signal: &SignalRow) -> Option<String> {
    if signal.action_depth >= MAX_ACTION_DEPTH {
        return Some(format!(
            "not run: signal {} was sent for a change that action sets made {} deep in a chain \
             (header {ACTION_DEPTH_HEADER}); chains stop at {MAX_ACTION_DEPTH}, so an \
             integration that sends this server's changes back to it cannot loop",
            signal.id, signal.action_depth,
        ));
    }
    automation.runs.take(&set.id).err().map(|_| {
        format!(
            "not run: action set {} already ran {} times in the last minute (the \
             ACTION_RUNS_PER_MINUTE limit, --action-runs-per-minute); are its changes \
             coming back to it as signals?",
            set.name, automation.runs_per_minute,
        )
    })
}

/// The log of a run not made: every action `not started`, with the reason.
fn skipped(set: &ActionSetRow, signal: &SignalRow, why: &str) -> ActionRunRow {
    let mut view = ActionSetView::from(set);
    for action in &mut view.actions {
        action.state = Some(StepOutcome::NotStarted);
        action.details = Some(why.to_owned());
    }
    run_row(set, signal, RunState::Skipped, &view)
}

/// The log of a run: the action set as it ran, each action with its outcome.
fn run_row(
    set: &ActionSetRow,
    signal: &SignalRow,
    state: RunState,
    view: &ActionSetView<'_>,
) -> ActionRunRow {
    ActionRunRow {
        id: 0,
        action_set_id: set.id,
        signal_id: signal.id,
        state,
        signal: None,
        action_set: to_value(view),
        created_at: flagstaff_storage::now(),
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
        // The log has no place for a path but its text.
        OpError::Invalid { field, message } if !field.is_root() => format!("{field}: {message}"),
        other => other.to_string(),
    }
}

async fn run_one(state: &DomainState, set: &ActionSetRow, signal: &SignalRow) -> ActionRunRow {
    let actor = Actor::action(&set.name, signal.action_depth + 1);
    let mut view = ActionSetView::from(set);
    let mut failed = false;
    for (step, shown) in set.actions.iter().zip(&mut view.actions) {
        let outcome = if failed {
            StepOutcome::NotStarted
        } else {
            let applied = match ProjectId::parse(&set.project)
                .and_then(|project| ops::step(&step.action, &step.execution_params, &project))
            {
                Ok(operation) => state.apply(&actor, operation).await,
                Err(e) => Err(e),
            };
            match applied {
                Ok(()) => StepOutcome::Success,
                Err(e) => {
                    failed = true;
                    shown.details = Some(reason(e));
                    StepOutcome::Failed
                }
            }
        };
        shown.state = Some(outcome);
    }
    let state = if failed {
        RunState::Failed
    } else {
        RunState::Success
    };
    run_row(set, signal, state, &view)
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
