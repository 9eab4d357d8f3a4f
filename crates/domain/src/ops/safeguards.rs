//! Safeguards: an impact metric watched for a flag's environment — of one
//! release plan, or of the environment (every plan there) — with a condition;
//! when it holds, the rollout task applies [`TripSafeguard`], which pauses the
//! plans' progressions (and, if set, switches the environment off) and records
//! `safeguard-progressions-paused`, which integrations may send.
//! [`ResumeProgression`] resumes. Also here: a plan milestone's strategy
//! changed in place (`PUT …/milestone-strategies/{id}`).

use flagstaff_storage::{
    EventKind, ImpactMetricSelector, NewEvent, SafeguardRow, TriggerCondition, WriteTx,
};
use serde::{Deserialize, Serialize};

use super::release_template_inputs::{new_id, MilestoneStrategyInput};
use super::{Context, FieldPath, OpError, OpResult, Operation, StrategyPlace, SwitchEnvironment};
use crate::wire::release_plans::{MilestoneStrategyView, SafeguardView};
use crate::wire::to_value;

/// A safeguard as the admin API receives it (Unleash's
/// createSafeguardSchema, with Flagstaff's `disableEnvironment`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"impactMetric": {"metricName": "errors", "timeRange": "hour",
    "aggregationMode": "count", "labelSelectors": {"environment": ["production"]}},
    "triggerCondition": {"operator": ">", "threshold": 10}, "disableEnvironment": false}))]
pub struct SafeguardInput {
    pub impact_metric: ImpactMetricSelector,
    pub trigger_condition: TriggerCondition,
    /// Also switch the flag's environment off when it trips.
    #[serde(default)]
    pub disable_environment: bool,
}

/// Sets the safeguard of a plan (`plan_id`), or of the environment: one each,
/// replaced by a later PUT.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetSafeguard {
    pub place: StrategyPlace,
    pub plan_id: Option<String>,
    pub safeguard: SafeguardInput,
}

impl Operation for SetSafeguard {
    type Output = SafeguardView;

    fn check(&self, _cx: &Context) -> OpResult<()> {
        let metric = &self.safeguard.impact_metric;
        let at = FieldPath::root().field("impactMetric");
        if metric.metric_name.trim().is_empty() || metric.metric_name.len() > 255 {
            return Err(OpError::invalid(
                at.field("metricName"),
                "a metric name of 1 to 255 characters is required",
            ));
        }
        if metric.label_selectors.len() > 20
            || metric.label_selectors.values().any(|v| v.len() > 100)
        {
            return Err(OpError::invalid(
                at.field("labelSelectors"),
                "at most 20 labels with 100 values each",
            ));
        }
        if !self.safeguard.trigger_condition.threshold.is_finite() {
            return Err(OpError::invalid(
                FieldPath::root()
                    .field("triggerCondition")
                    .field("threshold"),
                "the threshold must be a number",
            ));
        }
        Ok(())
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<SafeguardView> {
        let place = &self.place;
        if let Some(plan_id) = &self.plan_id {
            place.plan(w, plan_id).await?;
        } else {
            super::project_environment(w, &place.project, &place.environment).await?;
            w.live_flag(&place.project, &place.feature).await?;
        }
        let existing = w
            .safeguards(Some((place.feature.as_str(), place.environment.as_str())))
            .await?
            .into_iter()
            .find(|s| s.plan_id == self.plan_id);
        let row = SafeguardRow {
            id: existing.as_ref().map_or_else(new_id, |s| s.id.clone()),
            feature_name: place.feature.to_string(),
            environment: place.environment.to_string(),
            plan_id: self.plan_id,
            impact_metric: self.safeguard.impact_metric,
            trigger_condition: self.safeguard.trigger_condition,
            disable_environment: self.safeguard.disable_environment,
            triggered_at: None,
            created_at: existing.map_or_else(flagstaff_storage::now, |s| s.created_at),
        };
        w.put_safeguard(&row).await?;
        let view = SafeguardView::from(&row);
        w.record_event(NewEvent {
            data: Some(to_value(&view)),
            ..place.plan_event(EventKind::SafeguardChanged, &cx.actor)
        })
        .await?;
        Ok(view)
    }
}

/// Deletes a safeguard of this flag's environment (of a plan, when `plan_id`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveSafeguard {
    pub place: StrategyPlace,
    pub plan_id: Option<String>,
    pub id: String,
}

impl Operation for RemoveSafeguard {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let place = &self.place;
        if let Some(plan_id) = &self.plan_id {
            place.plan(w, plan_id).await?;
        }
        let found = w.safeguard(&self.id).await?.filter(|s| {
            s.feature_name == place.feature.as_str()
                && s.environment == place.environment.as_str()
                && (self.plan_id.is_none() || s.plan_id == self.plan_id)
        });
        let Some(safeguard) = found else {
            return Err(OpError::NotFound(format!(
                "Could not find safeguard with id {}",
                self.id
            )));
        };
        w.delete_safeguard(&safeguard.id).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&SafeguardView::from(&safeguard))),
            ..place.plan_event(EventKind::SafeguardDeleted, &cx.actor)
        })
        .await?;
        Ok(())
    }
}

/// A safeguard's condition held with `value`: pause what it guards (once:
/// one already tripped changes nothing), by `system`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TripSafeguard {
    pub id: String,
    pub value: f64,
}

impl Operation for TripSafeguard {
    type Output = bool;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<bool> {
        let Some(mut safeguard) = w.safeguard(&self.id).await? else {
            return Ok(false);
        };
        if safeguard.triggered_at.is_some() {
            return Ok(false);
        }
        let Some(flag) = w.flag(&safeguard.feature_name).await? else {
            return Ok(false);
        };
        let place = StrategyPlace {
            project: super::ProjectId::parse(&flag.project)?,
            feature: super::FlagName::parse(&flag.name)?,
            environment: super::EnvironmentName::parse(&safeguard.environment)?,
        };
        let now = w.clock().now();
        safeguard.triggered_at = Some(now);
        w.put_safeguard(&safeguard).await?;
        let mut paused = Vec::new();
        for mut plan in w
            .plan_definitions(
                "plan",
                Some((
                    safeguard.feature_name.as_str(),
                    safeguard.environment.as_str(),
                )),
            )
            .await?
        {
            if safeguard.plan_id.as_ref().is_some_and(|p| *p != plan.id) || plan.paused_at.is_some()
            {
                continue;
            }
            plan.paused_at = Some(now);
            w.update_plan_definition(&plan).await?;
            paused.push(plan.id);
        }
        w.record_event(NewEvent {
            data: Some(serde_json::json!({
                "safeguard": SafeguardView::from(&safeguard),
                "value": self.value,
                "pausedReleasePlans": paused,
            })),
            ..place.plan_event(EventKind::SafeguardProgressionsPaused, &cx.actor)
        })
        .await?;
        if safeguard.disable_environment {
            let switch = SwitchEnvironment {
                project: place.project.clone(),
                name: place.feature.clone(),
                environment: place.environment.clone(),
                enabled: false,
            };
            switch.run(w, cx).await?;
        }
        Ok(true)
    }
}

/// Resumes a plan's progressions (`…/progressions/{planId}/resume`): its
/// pause and its safeguards' trips are cleared, so they watch again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResumeProgression {
    pub place: StrategyPlace,
    pub plan_id: String,
}

impl Operation for ResumeProgression {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let mut plan = self.place.plan(w, &self.plan_id).await?;
        let was = plan.paused_at.take();
        w.update_plan_definition(&plan).await?;
        for mut s in w
            .safeguards(Some((
                self.place.feature.as_str(),
                self.place.environment.as_str(),
            )))
            .await?
        {
            if s.triggered_at.is_some() && s.plan_id.as_ref().is_none_or(|p| *p == plan.id) {
                s.triggered_at = None;
                w.put_safeguard(&s).await?;
            }
        }
        w.record_event(NewEvent {
            data: Some(serde_json::json!({
                "releasePlanId": plan.id,
                "pausedAt": was.as_ref().map(flagstaff_storage::instant_text),
            })),
            ..self
                .place
                .plan_event(EventKind::SafeguardProgressionsResumed, &cx.actor)
        })
        .await?;
        Ok(())
    }
}

/// Changes a strategy of a plan's milestone (`PUT
/// …/milestone-strategies/{id}`); when that milestone is active, the flag's
/// copy too. Recorded as `feature-strategy-update`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdatePlanStrategy {
    pub place: StrategyPlace,
    pub id: String,
    pub strategy: MilestoneStrategyInput,
}

impl Operation for UpdatePlanStrategy {
    type Output = MilestoneStrategyView;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<MilestoneStrategyView> {
        let missing = || OpError::NotFound(format!("Could not find strategy with id {}", self.id));
        let before = w.milestone_strategy(&self.id).await?.ok_or_else(missing)?;
        let milestone = w
            .milestone(&before.milestone_id)
            .await?
            .ok_or_else(missing)?;
        let plan = self
            .place
            .plan(w, &milestone.plan_id)
            .await
            .map_err(|_| missing())?;
        let mut row =
            self.strategy
                .into_row(&milestone.id, before.values.sort_order, &cx.limits)?;
        super::release_template_inputs::check_stored(w, &row.values).await?;
        row.id = before.id.clone();
        w.put_milestone_strategy(&row).await?;
        if plan.active_milestone_id.as_deref() == Some(milestone.id.as_str()) {
            if let Some(mut live) = w.strategy(&row.id).await? {
                live.values = row.values.clone();
                if let Some(group) = live.values.parameters.get_mut("groupId") {
                    if group.trim().is_empty() {
                        *group = self.place.feature.to_string();
                    }
                }
                w.update_strategy(&live).await?;
            }
        }
        let view = MilestoneStrategyView::from(&row);
        w.record_event(NewEvent {
            pre_data: Some(to_value(&MilestoneStrategyView::from(&before))),
            data: Some(to_value(&view)),
            ..self
                .place
                .plan_event(EventKind::FeatureStrategyUpdate, &cx.actor)
        })
        .await?;
        Ok(view)
    }
}
