//! An action set's runs as the screens list them: when, the outcome, and
//! each action with its parameters in words and how it went.

use serde_json::Value;

use super::action_form::action_label;
use flagstaff_storage::{instant_text, ActionRunRow};

/// One step of a logged run.
pub struct StepLine {
    pub what: String,
    pub state: String,
    pub details: String,
}

/// One logged run.
pub struct RunLine {
    pub at: String,
    pub state: &'static str,
    pub steps: Vec<StepLine>,
}

impl From<&ActionRunRow> for RunLine {
    fn from(run: &ActionRunRow) -> RunLine {
        let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
        let steps = run.action_set["actions"]
            .as_array()
            .map(|actions| {
                actions
                    .iter()
                    .map(|a| StepLine {
                        what: step_text(
                            a["action"].as_str().unwrap_or_default(),
                            &a["executionParams"],
                        ),
                        state: text(a, "state"),
                        details: text(a, "details"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        RunLine {
            at: instant_text(&run.created_at),
            state: run.state.as_str(),
            steps,
        }
    }
}

/// An action with its parameters, in words: "Switch a flag on: checkout in development".
pub fn step_text(action: &str, params: &Value) -> String {
    let param = |key: &str| match &params[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut text = format!(
        "{}: {} in {}",
        action_label(action),
        param("featureName"),
        param("environment")
    );
    if action == "SET_ROLLOUT" {
        text.push_str(&format!(" to {}%", param("rollout")));
    }
    text
}
