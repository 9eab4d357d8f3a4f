//! The playground's answer in Unleash's shape (playgroundResponseSchema, the
//! parts Flagstaff has): each flag with its variant and every strategy's,
//! constraint's and segment's result, built from the engine's explanation.

use std::collections::BTreeMap;

use flagstaff_domain::snapshot::ClientFlag;
use flagstaff_engine::document::{Payload, Variant};
use flagstaff_engine::{ConstraintExplanation, Explanation, StrategyExplanation};
use serde::Serialize;
use serde_json::{Map, Value};

use super::PlaygroundProjects;

/// The question as asked, and every flag of the chosen projects.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "input": {"environment": "development", "projects": "*", "context": {"userId": "42"}},
    "features": [{"name": "new-checkout", "projectId": "default", "isEnabled": true,
        "isEnabledInCurrentEnvironment": true, "hasUnsatisfiedDependency": false,
        "variant": {"name": "disabled", "enabled": false, "feature_enabled": true},
        "variants": [],
        "strategies": {"result": true, "data": [{"name": "flexibleRollout",
            "id": "6f1d1c2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f", "title": null, "disabled": false,
            "parameters": {"groupId": "new-checkout", "rollout": "100", "stickiness": "default"},
            "constraints": [{"contextName": "userId", "operator": "IN", "values": ["42"],
                "inverted": false, "caseInsensitive": false, "result": true}],
            "segments": [], "result": {"enabled": true, "evaluationStatus": "complete"},
            "explanation": "userId IN [42] and 100% of users",
            "links": {"edit": "/projects/default/features/new-checkout/strategies/edit?environmentId=&strategyId=6f1d1c2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f"}}]},
        "reason": "a strategy matched"}]}))]
pub(super) struct PlaygroundAnswer<'a> {
    pub input: PlaygroundInput,
    pub features: Vec<PlaygroundFlag<'a>>,
}

/// The request's environment, projects (`"*"` when it named none) and context.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PlaygroundInput {
    pub environment: String,
    pub projects: PlaygroundProjects,
    /// The context as the request sent it.
    #[schema(value_type = Object)]
    pub context: Map<String, Value>,
}

/// One flag: whether it is on for the context, its variant, and why.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct PlaygroundFlag<'a> {
    name: &'a str,
    project_id: &'a str,
    is_enabled: bool,
    /// Whether the flag is switched on in the environment.
    is_enabled_in_current_environment: bool,
    has_unsatisfied_dependency: bool,
    variant: PlaygroundVariant,
    variants: &'a [Variant],
    strategies: PlaygroundStrategies<'a>,
    /// Why the flag is on or off, for people.
    reason: String,
}

/// The variant the context gets (Unleash's SDK field `feature_enabled`).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PlaygroundVariant {
    name: String,
    enabled: bool,
    feature_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<Payload>,
}

/// Whether any strategy matched (evaluated even when the flag is off), and each one.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PlaygroundStrategies<'a> {
    result: bool,
    data: Vec<PlaygroundStrategy<'a>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PlaygroundStrategy<'a> {
    name: String,
    id: Option<&'a str>,
    /// Always null: the compiled strategy keeps no title.
    title: Option<&'a str>,
    disabled: bool,
    parameters: BTreeMap<String, String>,
    /// The strategy's own constraints (a segment's are under `segments`).
    constraints: Vec<PlaygroundConstraint>,
    segments: Vec<PlaygroundSegment>,
    result: StrategyResult,
    /// The strategy's rule, for people.
    explanation: String,
    links: StrategyLinks,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct StrategyResult {
    enabled: bool,
    /// Always `complete`: Flagstaff evaluates every strategy it has.
    evaluation_status: &'static str,
}

/// Where the web UI edits the strategy.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct StrategyLinks {
    edit: String,
}

/// A segment the strategy uses: matched when all its constraints are.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PlaygroundSegment {
    id: i64,
    name: Option<String>,
    result: bool,
    constraints: Vec<PlaygroundConstraint>,
}

/// A constraint as stored, and whether the context satisfied it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct PlaygroundConstraint {
    context_name: String,
    operator: String,
    values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    inverted: bool,
    case_insensitive: bool,
    result: bool,
}

impl From<&ConstraintExplanation> for PlaygroundConstraint {
    fn from(c: &ConstraintExplanation) -> Self {
        PlaygroundConstraint {
            context_name: c.context_name.clone(),
            operator: c.operator.clone(),
            values: c.values.clone(),
            value: c.value.clone(),
            inverted: c.inverted,
            case_insensitive: c.case_insensitive,
            result: c.result,
        }
    }
}

fn strategy<'a>(
    flag: &'a ClientFlag,
    s: &StrategyExplanation,
    segment_names: &[(i64, Option<String>)],
) -> PlaygroundStrategy<'a> {
    let constraints = s
        .constraints
        .iter()
        .filter(|c| c.segment.is_none())
        .map(PlaygroundConstraint::from)
        .collect();
    let mut segment_ids: Vec<i64> = s.constraints.iter().filter_map(|c| c.segment).collect();
    segment_ids.dedup();
    let segments = segment_ids
        .iter()
        .map(|id| {
            let constraints: Vec<PlaygroundConstraint> = s
                .constraints
                .iter()
                .filter(|c| c.segment == Some(*id))
                .map(PlaygroundConstraint::from)
                .collect();
            PlaygroundSegment {
                id: *id,
                name: segment_names
                    .iter()
                    .find(|(sid, _)| sid == id)
                    .and_then(|(_, n)| n.clone()),
                result: constraints.iter().all(|c| c.result),
                constraints,
            }
        })
        .collect();
    let id = flag.strategy_ids.get(s.index).map(String::as_str);
    PlaygroundStrategy {
        name: s.name.clone(),
        id,
        title: None,
        disabled: false,
        parameters: flag
            .feature
            .strategies
            .get(s.index)
            .map(|source| source.parameters.clone())
            .unwrap_or_default(),
        constraints,
        segments,
        result: StrategyResult {
            enabled: s.result,
            evaluation_status: "complete",
        },
        explanation: s.rule.clone(),
        links: StrategyLinks {
            edit: format!(
                "/projects/{}/features/{}/strategies/edit?environmentId=&strategyId={}",
                flag.project,
                flag.feature.name,
                id.unwrap_or("")
            ),
        },
    }
}

impl<'a> PlaygroundFlag<'a> {
    /// A flag and the engine's explanation of it; `segment_names` are the
    /// snapshot's segments by id.
    pub fn new(
        flag: &'a ClientFlag,
        explanation: Explanation,
        segment_names: &[(i64, Option<String>)],
    ) -> Self {
        let data = explanation
            .strategies
            .iter()
            .map(|s| strategy(flag, s, segment_names))
            .collect();
        PlaygroundFlag {
            name: &flag.feature.name,
            project_id: &flag.project,
            is_enabled: explanation.enabled,
            is_enabled_in_current_environment: explanation.switched_on,
            has_unsatisfied_dependency: explanation.dependencies.iter().any(|d| !d.satisfied),
            variant: PlaygroundVariant {
                name: explanation.variant.name,
                enabled: explanation.variant.enabled,
                feature_enabled: explanation.variant.feature_enabled,
                payload: explanation.variant.payload,
            },
            variants: &flag.feature.variants,
            strategies: PlaygroundStrategies {
                result: explanation.strategies.iter().any(|s| s.result),
                data,
            },
            reason: explanation.reason,
        }
    }
}
