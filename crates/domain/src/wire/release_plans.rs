//! Release templates and plans as Unleash's admin API shows them
//! (releasePlanSchema, releasePlanTemplateSchema, releasePlanMilestoneSchema,
//! releasePlanMilestoneStrategySchema), and safeguards; read from the store
//! by [`plan_view`].

use std::collections::BTreeMap;

use flagstaff_engine::document::{Constraint, Variant};
use flagstaff_storage::{
    instant_text, ImpactMetricSelector, MilestoneStrategyRow, PlanRow, Reader, SafeguardRow,
    Source, StorageResult, TriggerCondition,
};
use serde::Serialize;

/// A template (`discriminator: template`) or a plan on a flag's environment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "0e9c5f0a-1b2c-4d3e-8f40-5a6b7c8d9e0f", "discriminator": "plan",
    "name": "Gradual", "description": "5% to 100%", "featureName": "new-checkout",
    "environment": "production", "createdBy": "admin", "createdAt": "2025-03-01T09:00:00.000Z",
    "activeMilestoneId": null, "releasePlanTemplateId": "4a1f", "archivedAt": null,
    "pausedAt": null, "milestones": [], "safeguards": []}))]
pub struct ReleasePlanView {
    pub id: String,
    pub discriminator: String,
    pub name: String,
    pub description: Option<String>,
    pub feature_name: Option<String>,
    pub environment: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub active_milestone_id: Option<String>,
    pub release_plan_template_id: Option<String>,
    pub archived_at: Option<String>,
    /// When a safeguard paused its progressions.
    pub paused_at: Option<String>,
    pub milestones: Vec<MilestoneView>,
    pub safeguards: Vec<SafeguardView>,
}

/// Move on after this many minutes (Unleash's transitionCondition).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"intervalMinutes": 30}))]
pub struct TransitionCondition {
    pub interval_minutes: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "7c1d", "name": "5%", "sortOrder": 0,
    "releasePlanDefinitionId": "0e9c", "startedAt": null, "transitionCondition": null,
    "progressionExecutedAt": null, "pausedAt": null, "strategies": []}))]
pub struct MilestoneView {
    pub id: String,
    pub name: String,
    pub sort_order: i64,
    pub release_plan_definition_id: String,
    pub started_at: Option<String>,
    /// The progression out of this milestone, if any.
    pub transition_condition: Option<TransitionCondition>,
    pub target_milestone_id: Option<String>,
    pub progression_executed_at: Option<String>,
    pub paused_at: Option<String>,
    pub strategies: Vec<MilestoneStrategyView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "9a8b", "milestoneId": "7c1d", "sortOrder": 0, "title": null,
    "strategyName": "flexibleRollout",
    "parameters": {"rollout": "5", "stickiness": "default", "groupId": ""},
    "constraints": [], "variants": [], "segments": []}))]
pub struct MilestoneStrategyView {
    pub id: String,
    pub milestone_id: String,
    pub sort_order: i64,
    pub title: Option<String>,
    pub strategy_name: String,
    pub parameters: BTreeMap<String, String>,
    pub constraints: Vec<Constraint>,
    pub variants: Vec<Variant>,
    pub segments: Vec<i64>,
}

impl From<&MilestoneStrategyRow> for MilestoneStrategyView {
    fn from(s: &MilestoneStrategyRow) -> Self {
        let v = &s.values;
        MilestoneStrategyView {
            id: s.id.clone(),
            milestone_id: s.milestone_id.clone(),
            sort_order: v.sort_order,
            title: v.title.clone(),
            strategy_name: v.name.clone(),
            parameters: v.parameters.clone(),
            constraints: v.constraints.clone(),
            variants: v.variants.clone(),
            segments: v.segments.clone(),
        }
    }
}

/// A safeguard: the metric it watches, when it trips, and what it pauses.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "3f2e", "featureName": "new-checkout",
    "environment": "production", "releasePlanId": "0e9c",
    "impactMetric": {"metricName": "errors", "timeRange": "hour", "aggregationMode": "count",
        "labelSelectors": {}},
    "triggerCondition": {"operator": ">", "threshold": 10},
    "disableEnvironment": false, "triggeredAt": null}))]
pub struct SafeguardView {
    pub id: String,
    pub feature_name: String,
    pub environment: String,
    pub release_plan_id: Option<String>,
    pub impact_metric: ImpactMetricSelector,
    pub trigger_condition: TriggerCondition,
    pub disable_environment: bool,
    pub triggered_at: Option<String>,
}

impl From<&SafeguardRow> for SafeguardView {
    fn from(s: &SafeguardRow) -> Self {
        SafeguardView {
            id: s.id.clone(),
            feature_name: s.feature_name.clone(),
            environment: s.environment.clone(),
            release_plan_id: s.plan_id.clone(),
            impact_metric: s.impact_metric.clone(),
            trigger_condition: s.trigger_condition.clone(),
            disable_environment: s.disable_environment,
            triggered_at: s.triggered_at.as_ref().map(instant_text),
        }
    }
}

/// A definition with its milestones (their strategies and progressions) and,
/// for a plan, its safeguards, as read through `reader`.
pub async fn plan_view<S: Source>(
    reader: &Reader<S>,
    plan: &PlanRow,
) -> StorageResult<ReleasePlanView> {
    let progressions = reader.progressions_of(&plan.id).await?;
    let mut milestones = Vec::new();
    for m in reader.milestones_of(&plan.id).await? {
        let strategies = reader.milestone_strategies_of(&m.id).await?;
        let progression = progressions.iter().find(|p| p.source_milestone == m.id);
        let active = plan.active_milestone_id.as_deref() == Some(m.id.as_str());
        milestones.push(MilestoneView {
            transition_condition: progression.map(|p| TransitionCondition {
                interval_minutes: p.interval_minutes,
            }),
            target_milestone_id: progression.map(|p| p.target_milestone.clone()),
            progression_executed_at: progression
                .and_then(|p| p.executed_at.as_ref())
                .map(instant_text),
            paused_at: plan.paused_at.as_ref().filter(|_| active).map(instant_text),
            strategies: strategies.iter().map(MilestoneStrategyView::from).collect(),
            id: m.id,
            name: m.name,
            sort_order: m.sort_order,
            release_plan_definition_id: m.plan_id,
            started_at: m.started_at.as_ref().map(instant_text),
        });
    }
    let safeguards = match (&plan.feature_name, &plan.environment) {
        (Some(feature), Some(environment)) => reader
            .safeguards(Some((feature.as_str(), environment.as_str())))
            .await?
            .iter()
            .filter(|s| s.plan_id.as_deref().is_none_or(|p| p == plan.id))
            .map(SafeguardView::from)
            .collect(),
        _ => Vec::new(),
    };
    Ok(ReleasePlanView {
        id: plan.id.clone(),
        discriminator: plan.discriminator.clone(),
        name: plan.name.clone(),
        description: plan.description.clone(),
        feature_name: plan.feature_name.clone(),
        environment: plan.environment.clone(),
        created_by: plan.created_by.clone(),
        created_at: instant_text(&plan.created_at),
        active_milestone_id: plan.active_milestone_id.clone(),
        release_plan_template_id: plan.template_id.clone(),
        archived_at: plan.archived_at.as_ref().map(instant_text),
        paused_at: plan.paused_at.as_ref().map(instant_text),
        milestones,
        safeguards,
    })
}
