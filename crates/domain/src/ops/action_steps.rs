//! The steps an action set runs, each one the operation the admin API runs:
//! `TOGGLE_FEATURE_ON`/`_OFF` (Unleash's) are [`SwitchEnvironment`];
//! `SET_ROLLOUT` (ours) is [`SetRollout`], a JSON Patch of one flexibleRollout
//! strategy's `rollout`. A step is parsed from its stored parameters when the
//! action set is saved (so bad ones are refused then) and again when it runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    project_environment, Context, Edit, EnvironmentName, FieldPath, FlagName, FlagScope, OpError,
    OpResult, Operation, ProjectId, StrategyPlace, SwitchEnvironment, UpdateStrategy,
};
use flagstaff_storage::WriteTx;

/// The actions a step can take, with the parameters each accepts.
pub const ACTIONS: &[(&str, &[&str])] = &[
    (
        "TOGGLE_FEATURE_ON",
        &["project", "environment", "featureName"],
    ),
    (
        "TOGGLE_FEATURE_OFF",
        &["project", "environment", "featureName"],
    ),
    (
        "SET_ROLLOUT",
        &[
            "project",
            "environment",
            "featureName",
            "strategyId",
            "rollout",
        ],
    ),
];

/// What a step's `executionParams` may hold (the document's schema; a step
/// reads them from a map, so each refusal names its parameter): which
/// parameters each action takes is [`ACTIONS`].
#[derive(utoipa::ToSchema)]
#[schema(example = json!({"featureName": "new-checkout", "environment": "production",
    "rollout": 50}))]
#[allow(dead_code)] // read as a map by `step`
pub struct ExecutionParams {
    /// The action set's project (filled in when not given).
    project: Option<String>,
    environment: String,
    #[schema(rename = "featureName")]
    feature_name: String,
    /// `SET_ROLLOUT`: the flexibleRollout strategy to change (else the first).
    #[schema(rename = "strategyId")]
    strategy_id: Option<String>,
    /// `SET_ROLLOUT`: the percentage, 0–100 (a number, or a number as text).
    rollout: Option<Rollout>,
}

/// A rollout percentage as a step's parameters give it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documentation only
enum Rollout {
    Percent(u8),
    Text(String),
}

/// One step, ready to apply.
#[derive(Debug, Clone)]
pub enum Step {
    Switch(SwitchEnvironment),
    SetRollout(SetRollout),
}

impl Operation for Step {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        match self {
            Step::Switch(op) => op.flag_scopes(),
            Step::SetRollout(op) => op.flag_scopes(),
        }
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        match self {
            Step::Switch(op) => op.run(w, cx).await,
            Step::SetRollout(op) => op.run(w, cx).await,
        }
    }
}

/// Where a step's parameter `key` is, in the action it is read from.
fn param_path(key: &str) -> FieldPath {
    FieldPath::root().field("executionParams").field(key)
}

fn text_param<'p>(params: &'p BTreeMap<String, Value>, key: &str) -> OpResult<Option<&'p str>> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(OpError::invalid(
            param_path(key),
            "this parameter must be a string",
        )),
    }
}

fn required<'p>(params: &'p BTreeMap<String, Value>, key: &str, action: &str) -> OpResult<&'p str> {
    text_param(params, key)?.ok_or_else(|| {
        OpError::invalid(
            param_path(key),
            format!("{action} needs the parameter \"{key}\""),
        )
    })
}

/// A name parameter, parsed (its refusal put on the parameter).
fn name_param<T>(
    params: &BTreeMap<String, Value>,
    key: &str,
    action: &str,
    parse: impl Fn(&str) -> OpResult<T>,
) -> OpResult<T> {
    parse(required(params, key, action)?).map_err(|e| match e {
        OpError::Invalid { message, .. } => OpError::invalid(param_path(key), message),
        other => other,
    })
}

/// A whole percentage, written as a number or as text.
fn rollout(params: &BTreeMap<String, Value>) -> OpResult<u8> {
    let bad = || {
        OpError::invalid(
            param_path("rollout"),
            "the rollout must be a whole number from 0 to 100",
        )
    };
    let value = match params.get("rollout") {
        None | Some(Value::Null) => {
            return Err(OpError::invalid(
                param_path("rollout"),
                "SET_ROLLOUT needs the parameter \"rollout\"",
            ))
        }
        Some(Value::Number(n)) => n.as_u64().ok_or_else(bad)?,
        Some(Value::String(s)) => s.trim().parse::<u64>().map_err(|_| bad())?,
        Some(_) => return Err(bad()),
    };
    u8::try_from(value)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(bad)
}

/// The step an action names, in an action set of `project` (refusals' paths
/// start at the action: `action`, `executionParams.rollout`).
pub fn step(action: &str, params: &BTreeMap<String, Value>, project: &ProjectId) -> OpResult<Step> {
    let Some((_, allowed)) = ACTIONS.iter().find(|(name, _)| *name == action) else {
        let known: Vec<&str> = ACTIONS.iter().map(|(name, _)| *name).collect();
        return Err(OpError::invalid(
            FieldPath::root().field("action"),
            format!(
                "{action:?} is not a known action (known: {})",
                known.join(", ")
            ),
        ));
    };
    if let Some(key) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(OpError::invalid(
            param_path(key),
            format!("{action} has no parameter \"{key}\""),
        ));
    }
    if let Some(other) = text_param(params, "project")? {
        if other != project.as_str() {
            return Err(OpError::invalid(
                param_path("project"),
                format!(
                    "an action set of project {project} changes flags of project {project}, not {other}"
                ),
            ));
        }
    }
    let feature = name_param(params, "featureName", action, FlagName::parse)?;
    let environment = name_param(params, "environment", action, EnvironmentName::parse)?;
    Ok(match action {
        "SET_ROLLOUT" => Step::SetRollout(SetRollout {
            place: StrategyPlace {
                project: project.clone(),
                feature,
                environment,
            },
            strategy_id: text_param(params, "strategyId")?.map(str::to_owned),
            rollout: rollout(params)?,
        }),
        on_or_off => Step::Switch(SwitchEnvironment {
            project: project.clone(),
            name: feature,
            environment,
            enabled: on_or_off == "TOGGLE_FEATURE_ON",
        }),
    })
}

/// The parameters as stored: the project filled in, the rollout a number.
pub(super) fn stored_params(step: &Step) -> BTreeMap<String, Value> {
    let (project, feature, environment, extra) = match step {
        Step::Switch(s) => (&s.project, &s.name, &s.environment, None),
        Step::SetRollout(s) => (
            &s.place.project,
            &s.place.feature,
            &s.place.environment,
            Some(s),
        ),
    };
    let mut params = BTreeMap::from([
        ("project".to_owned(), json!(project)),
        ("featureName".to_owned(), json!(feature)),
        ("environment".to_owned(), json!(environment)),
    ]);
    if let Some(s) = extra {
        params.insert("rollout".to_owned(), json!(s.rollout));
        if let Some(id) = &s.strategy_id {
            params.insert("strategyId".to_owned(), json!(id));
        }
    }
    params
}

/// Sets the `rollout` of a flexibleRollout strategy of a flag in one
/// environment: the one named, or else the first (in sort order). A rollout
/// already at the percentage changes nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetRollout {
    #[serde(flatten)]
    pub place: StrategyPlace,
    pub strategy_id: Option<String>,
    pub rollout: u8,
}

impl Operation for SetRollout {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::environment(
            &self.place.project,
            &self.place.environment,
        )]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let StrategyPlace {
            project,
            feature,
            environment,
        } = &self.place;
        project_environment(w, project, environment).await?;
        w.live_flag(project, feature).await?;
        let strategies = w.strategies(feature, Some(environment)).await?;
        let target = match &self.strategy_id {
            Some(id) => strategies.iter().find(|s| &s.id == id).ok_or_else(|| {
                OpError::NotFound(format!(
                    "Could not find strategy {id} of {feature} in {environment}"
                ))
            })?,
            None => strategies
                .iter()
                .find(|s| s.values.name == "flexibleRollout")
                .ok_or_else(|| {
                    OpError::NotFound(format!(
                        "{feature} has no flexibleRollout strategy in {environment}"
                    ))
                })?,
        };
        if target.values.name != "flexibleRollout" {
            return Err(OpError::invalid(
                FieldPath::root().field("strategyId"),
                format!(
                    "strategy {} is a {} strategy, not a flexibleRollout",
                    target.id, target.values.name
                ),
            ));
        }
        let percentage = self.rollout.to_string();
        if target.values.parameters.get("rollout") == Some(&percentage) {
            return Ok(());
        }
        let patch: json_patch::Patch = serde_json::from_value(json!([
            {"op": "add", "path": "/parameters/rollout", "value": percentage}
        ]))
        .map_err(|e| OpError::invalid_input(e.to_string()))?;
        UpdateStrategy {
            place: self.place.clone(),
            id: target.id.clone(),
            edit: Edit::Patch(patch),
        }
        .run(w, cx)
        .await
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(value: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(value).expect("params")
    }

    #[test]
    fn steps_name_a_known_action_and_its_parameters() {
        let project = ProjectId::parse("default").expect("id");
        let on = params(json!({"featureName": "new-checkout", "environment": "development"}));
        assert!(matches!(
            step("TOGGLE_FEATURE_ON", &on, &project),
            Ok(Step::Switch(SwitchEnvironment { enabled: true, .. }))
        ));
        let rollout =
            params(json!({"featureName": "a", "environment": "production", "rollout": "25"}));
        match step("SET_ROLLOUT", &rollout, &project) {
            Ok(Step::SetRollout(s)) => assert_eq!((s.rollout, s.strategy_id), (25, None)),
            other => panic!("{other:?}"),
        }
        for (action, bad, why) in [
            ("DELETE_EVERYTHING", on.clone(), "not a known action"),
            (
                "TOGGLE_FEATURE_OFF",
                params(json!({"environment": "development"})),
                "featureName",
            ),
            (
                "TOGGLE_FEATURE_OFF",
                params(json!({"featureName": "a", "environment": "development", "rollout": 5})),
                "no parameter",
            ),
            (
                "TOGGLE_FEATURE_OFF",
                params(
                    json!({"featureName": "a", "environment": "development", "project": "other"}),
                ),
                "not other",
            ),
            (
                "SET_ROLLOUT",
                params(json!({"featureName": "a", "environment": "development", "rollout": 101})),
                "0 to 100",
            ),
            (
                "SET_ROLLOUT",
                params(json!({"featureName": "a", "environment": "development", "rollout": -1})),
                "0 to 100",
            ),
            (
                "SET_ROLLOUT",
                params(json!({"featureName": "a", "environment": "development"})),
                "rollout",
            ),
            (
                "TOGGLE_FEATURE_ON",
                params(json!({"featureName": "no spaces", "environment": "development"})),
                "URL friendly",
            ),
        ] {
            let refused = step(action, &bad, &project);
            assert!(
                matches!(&refused, Err(OpError::Invalid { message, .. }) if message.contains(why)),
                "{action} {bad:?}: {refused:?}"
            );
        }
        // Each refusal names the action's field at fault.
        for (action, bad, path) in [
            ("DELETE_EVERYTHING", on.clone(), "action"),
            (
                "SET_ROLLOUT",
                params(json!({"featureName": "a", "environment": "development", "rollout": 101})),
                "executionParams.rollout",
            ),
            (
                "TOGGLE_FEATURE_ON",
                params(json!({"featureName": "no spaces", "environment": "development"})),
                "executionParams.featureName",
            ),
        ] {
            match step(action, &bad, &project) {
                Err(OpError::Invalid { field, .. }) => assert_eq!(field.to_string(), path),
                other => panic!("{action}: {other:?}"),
            }
        }
    }
}
