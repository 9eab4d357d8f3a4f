//! The action set form: the match (the source endpoint picked from the
//! list, payload conditions in the one constraints editor with the same
//! operators and value rules as flag constraints) and the actions, each an
//! action picked from the list of the steps the domain runs
//! (`ops::ACTIONS`) with the parameters that action takes. Rows post as
//! `action.<i>.<parameter>`; "Add action" re-renders with one more row, no
//! JavaScript.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::ui::constraint_form::{ConstraintsForm, ADD_CONSTRAINT};
use flagstaff_domain::ops::{
    as_constraint, ActionInput, ActionSetInput, FieldPath, MatchInput, PathSegment, ACTIONS,
};
use flagstaff_domain::wire::automation::SIGNAL_SOURCE;
use flagstaff_storage::{ActionSetRow, PayloadFilter};

/// The submit button that asks for one more action row.
pub const ADD_ACTION: &str = "add_action";
/// Most action rows a form shows (the operation allows 10).
const MAX_ROWS: usize = 20;

/// An action's parameters as the form names them, with their labels
/// (`project` is the action set's own, never asked).
pub const PARAMETERS: &[(&str, &str)] = &[
    ("featureName", "Flag"),
    ("environment", "Environment"),
    ("rollout", "Rollout (%)"),
    (
        "strategyId",
        "Strategy id (optional: else the flag's first gradual rollout)",
    ),
];

/// What an action does, in words.
pub fn action_label(action: &str) -> &str {
    match action {
        "TOGGLE_FEATURE_ON" => "Switch a flag on",
        "TOGGLE_FEATURE_OFF" => "Switch a flag off",
        "SET_ROLLOUT" => "Set a gradual rollout's percentage",
        other => other,
    }
}

/// One action row as entered.
#[derive(Debug, Clone, Default)]
pub struct ActionRow {
    pub action: String,
    /// Parameter name → text as typed.
    pub params: BTreeMap<String, String>,
    pub error: Option<String>,
}

impl ActionRow {
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }

    /// Whether the chosen action takes parameter `name`.
    pub fn takes(&self, name: &str) -> bool {
        ACTIONS
            .iter()
            .find(|(action, _)| *action == self.action)
            .is_some_and(|(_, params)| params.contains(&name))
    }

    fn is_blank(&self) -> bool {
        self.params.values().all(|v| v.trim().is_empty())
    }

    fn input(&self, position: usize) -> ActionInput {
        let execution_params = self
            .params
            .iter()
            .filter(|(name, text)| self.takes(name) && !text.trim().is_empty())
            .map(|(name, text)| (name.clone(), Value::from(text.trim())))
            .collect();
        ActionInput {
            action: self.action.clone(),
            sort_order: Some(position as i64 + 1),
            execution_params,
        }
    }
}

/// The form's state.
#[derive(Debug, Clone, Default)]
pub struct ActionSetForm {
    pub project: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    /// The source endpoint's id, as posted.
    pub source: String,
    pub conditions: ConstraintsForm,
    pub actions: Vec<ActionRow>,
    pub name_error: Option<String>,
    pub source_error: Option<String>,
    pub actions_error: Option<String>,
    pub error: Option<String>,
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

impl ActionSetForm {
    /// A new action set: one condition row, one action row.
    pub fn blank(project: &str) -> ActionSetForm {
        let mut conditions = ConstraintsForm {
            payload: true,
            ..ConstraintsForm::default()
        };
        conditions.add_row();
        ActionSetForm {
            project: project.to_owned(),
            enabled: true,
            conditions,
            actions: vec![ActionRow {
                action: "TOGGLE_FEATURE_ON".to_owned(),
                ..ActionRow::default()
            }],
            ..ActionSetForm::default()
        }
    }

    /// The stored action set.
    pub fn stored(set: &ActionSetRow) -> ActionSetForm {
        let constraints: Vec<_> = set
            .filters
            .iter()
            .map(|(path, filter)| as_constraint(path, filter))
            .collect();
        let mut conditions = ConstraintsForm::from_constraints(&constraints);
        conditions.payload = true;
        ActionSetForm {
            project: set.project.clone(),
            name: set.name.clone(),
            description: set.description.clone().unwrap_or_default(),
            enabled: set.enabled,
            source: set.source_id.to_string(),
            conditions,
            actions: set
                .actions
                .iter()
                .map(|a| ActionRow {
                    action: a.action.clone(),
                    params: a
                        .execution_params
                        .iter()
                        .filter(|(name, _)| *name != "project")
                        .map(|(name, v)| {
                            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                            (name.clone(), text)
                        })
                        .collect(),
                    error: None,
                })
                .collect(),
            ..ActionSetForm::default()
        }
    }

    /// The form as posted; `true` when a button asked for another row
    /// rather than for saving.
    pub fn posted(pairs: &[(String, String)]) -> (ActionSetForm, bool) {
        let mut conditions =
            ConstraintsForm::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        conditions.payload = true;
        let mut rows: BTreeMap<usize, (ActionRow, bool)> = BTreeMap::new();
        for (key, text) in pairs {
            let Some((index, part)) = key
                .strip_prefix("action.")
                .and_then(|rest| rest.split_once('.'))
            else {
                continue;
            };
            let Some(index) = index.parse::<usize>().ok().filter(|i| *i < MAX_ROWS) else {
                continue;
            };
            let (row, removed) = rows.entry(index).or_default();
            match part {
                "action" => row.action = text.clone(),
                "remove" => *removed = true,
                name if PARAMETERS.iter().any(|(p, _)| *p == name) => {
                    row.params.insert(name.to_owned(), text.clone());
                }
                _ => {}
            }
        }
        let mut actions: Vec<ActionRow> = rows
            .into_values()
            .filter(|(_, removed)| !removed)
            .map(|(row, _)| row)
            .collect();
        let add = pairs.iter().any(|(k, _)| k == ADD_ACTION);
        if add && actions.len() < MAX_ROWS {
            actions.push(ActionRow {
                action: "TOGGLE_FEATURE_ON".to_owned(),
                ..ActionRow::default()
            });
        }
        let form = ActionSetForm {
            project: value(pairs, "project").trim().to_owned(),
            name: value(pairs, "name").trim().to_owned(),
            description: value(pairs, "description").trim().to_owned(),
            enabled: !value(pairs, "enabled").is_empty(),
            source: value(pairs, "source").to_owned(),
            conditions,
            actions,
            ..ActionSetForm::default()
        };
        let more = add || pairs.iter().any(|(k, _)| k == ADD_CONSTRAINT);
        (form, more)
    }

    /// The input the admin API would receive, or `None` with the faulty
    /// rows marked (conditions the engine refuses, a source not chosen).
    pub fn input(&mut self) -> Option<ActionSetInput> {
        let constraints = self.conditions.constraints();
        let Ok(source_id) = self.source.trim().parse::<i64>() else {
            self.source_error =
                Some("Choose the signal endpoint this action set listens to.".to_owned());
            return None;
        };
        let constraints = constraints?;
        let mut payload = BTreeMap::new();
        for c in constraints {
            let path = c.context_name.clone();
            let filter = PayloadFilter {
                operator: c.operator,
                value: c.value,
                values: c.values,
                case_insensitive: c.case_insensitive,
                inverted: c.inverted,
            };
            if payload.insert(path.clone(), filter).is_some() {
                self.attach_condition_error(&path, "One condition per payload path.");
                return None;
            }
        }
        let actions = self
            .actions
            .iter()
            .filter(|row| !row.is_blank())
            .enumerate()
            .map(|(position, row)| row.input(position))
            .collect();
        Some(ActionSetInput {
            name: self.name.clone(),
            description: (!self.description.is_empty()).then(|| self.description.clone()),
            enabled: Some(self.enabled),
            matching: MatchInput {
                source: SIGNAL_SOURCE.to_owned(),
                source_id,
                payload,
            },
            actor_id: None,
            actions,
        })
    }

    fn attach_condition_error(&mut self, path: &str, message: &str) -> bool {
        match self
            .conditions
            .rows
            .iter_mut()
            .find(|r| r.context_name.trim() == path)
        {
            Some(row) => {
                row.error = Some(message.to_owned());
                true
            }
            None => false,
        }
    }

    /// Puts an operation's refusal next to the field or row its path names.
    pub fn attach_error(&mut self, field: &FieldPath, message: String) {
        let segments = field.segments();
        let name = |i: usize| match segments.get(i) {
            Some(PathSegment::Field(name)) => Some(name.as_str()),
            _ => None,
        };
        match (name(0), segments.get(1)) {
            (Some("name"), _) => return self.name_error = Some(message),
            (Some("match"), _) if name(1) == Some("sourceId") => {
                return self.source_error = Some(message)
            }
            (Some("match"), _) if name(1) == Some("payload") => {
                if let Some(path) = name(2) {
                    if self.attach_condition_error(path, &message) {
                        return;
                    }
                }
            }
            (Some("actions"), Some(PathSegment::Index(position))) => {
                let row = self
                    .actions
                    .iter_mut()
                    .filter(|row| !row.is_blank())
                    .nth(*position);
                if let Some(row) = row {
                    row.error = Some(message);
                    return;
                }
            }
            (Some("actions"), _) => return self.actions_error = Some(message),
            _ => {}
        }
        self.error = Some(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_posted_form_is_the_admin_apis_input() {
        let (mut form, more) = ActionSetForm::posted(&pairs(&[
            ("project", "default"),
            ("name", "qa-on"),
            ("source", "3"),
            ("enabled", "on"),
            ("constraint.0.context", "issue.status"),
            ("constraint.0.operator", "IN"),
            ("constraint.0.values", "In QA\r\nDone"),
            ("action.0.action", "SET_ROLLOUT"),
            ("action.0.featureName", "checkout"),
            ("action.0.environment", "production"),
            ("action.0.rollout", "25"),
            ("action.0.strategyId", ""),
            ("action.1.action", "TOGGLE_FEATURE_ON"),
            ("action.1.featureName", "checkout"),
            ("action.1.environment", "development"),
            ("action.1.rollout", "99"),
        ]));
        assert!(!more);
        let input = form.input().expect("valid");
        assert_eq!(input.matching.source_id, 3);
        assert_eq!(
            input.matching.payload["issue.status"].values,
            ["In QA", "Done"]
        );
        assert_eq!(input.actions.len(), 2);
        assert_eq!(input.actions[0].execution_params["rollout"], "25");
        assert!(!input.actions[0].execution_params.contains_key("strategyId"));
        // A parameter the action does not take is not sent.
        assert!(!input.actions[1].execution_params.contains_key("rollout"));

        form.attach_error(
            &FieldPath::root()
                .field("actions")
                .index(1)
                .field("executionParams")
                .field("featureName"),
            "no such flag".to_owned(),
        );
        assert_eq!(form.actions[1].error.as_deref(), Some("no such flag"));
        form.attach_error(
            &FieldPath::root()
                .field("match")
                .field("payload")
                .field("issue.status"),
            "bad".to_owned(),
        );
        assert_eq!(form.conditions.rows[0].error.as_deref(), Some("bad"));
    }

    #[test]
    fn rows_are_added_and_removed_and_a_source_is_needed() {
        let (mut form, more) = ActionSetForm::posted(&pairs(&[
            ("name", "x"),
            ("action.0.action", "TOGGLE_FEATURE_OFF"),
            ("action.0.remove", "on"),
            ("add_action", "1"),
        ]));
        assert!(more);
        assert_eq!(form.actions.len(), 1);
        assert_eq!(form.actions[0].action, "TOGGLE_FEATURE_ON");
        assert!(form.input().is_none() && form.source_error.is_some());
    }
}
