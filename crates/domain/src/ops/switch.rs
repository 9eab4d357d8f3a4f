//! Switching a flag on or off in one environment, and the project default
//! strategy that switching on adds where the flag has no active strategy
//! (Unleash's `…/environments/:env/default-strategy`; without one, a 100%
//! flexible rollout). Unleash allows only `flexibleRollout` as a default.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::context_checks::check_constraint_fields;
use super::strategies::{check_segments, StrategyInput};
use super::{
    project_environment, Context, EnvironmentName, FieldPath, FlagName, FlagScope, OpError,
    OpResult, Operation, ProjectId,
};
use crate::wire::{to_value, StrategyView};
use flagstaff_storage::{EventKind, NewEvent, StrategyRow, StrategyValues, WriteTx};

/// Switches a flag on or off in one environment. As Unleash, switching on an
/// environment without an active strategy adds the project's default strategy
/// there (or a 100% flexible rollout) — decided under the change lock, so
/// racing calls add one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SwitchEnvironment {
    pub project: ProjectId,
    pub name: FlagName,
    pub environment: EnvironmentName,
    pub enabled: bool,
}

/// The strategy a flag gets when switched on with none active: the
/// project's default for the environment (an empty `groupId` becoming the
/// flag's name), else Unleash's 100% flexible rollout.
fn default_strategy(
    project_default: Option<StrategyValues>,
    feature: &str,
    environment: &str,
) -> StrategyRow {
    let values = match project_default {
        Some(mut values) => {
            let group = values.parameters.entry("groupId".to_owned()).or_default();
            if group.trim().is_empty() {
                *group = feature.to_owned();
            }
            values
        }
        None => StrategyValues {
            name: "flexibleRollout".to_owned(),
            parameters: [
                ("rollout", "100"),
                ("stickiness", "default"),
                ("groupId", feature),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            ..StrategyValues::default()
        },
    };
    StrategyRow {
        id: uuid::Uuid::new_v4().to_string(),
        feature_name: feature.to_owned(),
        environment: environment.to_owned(),
        values,
    }
}

impl Operation for SwitchEnvironment {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::environment(&self.project, &self.environment)]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let actor = &cx.actor;
        let (name, environment, on) = (&self.name, &self.environment, self.enabled);
        project_environment(w, &self.project, environment).await?;
        let feature = w.live_flag(&self.project, name).await?;
        let before = w.flag_environment(name, environment).await?;
        let strategies = w.strategies(name, Some(environment)).await?;
        w.set_environment_enabled(name, environment, on).await?;
        let event = |event_type| NewEvent {
            created_by: actor.name.clone(),
            project: Some(feature.project.clone()),
            environment: Some(environment.to_string()),
            feature_name: Some(name.to_string()),
            ..NewEvent::new(event_type)
        };
        if on && strategies.iter().all(|s| s.values.disabled) {
            let project_default = w.default_strategy(&self.project, environment).await?;
            let strategy = default_strategy(project_default, name, environment);
            w.insert_strategy(&strategy).await?;
            w.record_event(NewEvent {
                data: Some(to_value(&StrategyView::from(&strategy))),
                ..event(EventKind::FeatureStrategyAdd)
            })
            .await?;
        }
        if before.enabled != on {
            let event_type = if on {
                EventKind::FeatureEnvironmentEnabled
            } else {
                EventKind::FeatureEnvironmentDisabled
            };
            w.record_event(NewEvent {
                pre_data: Some(json!({"enabled": before.enabled})),
                data: Some(json!({"enabled": on})),
                ..event(event_type)
            })
            .await?;
        }
        Ok(())
    }
}

/// Sets the strategy flags get when switched on in a project's environment
/// with no active strategy (Unleash: `flexibleRollout` only).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetDefaultStrategy {
    pub project: ProjectId,
    pub environment: EnvironmentName,
    pub strategy: StrategyInput,
}

impl Operation for SetDefaultStrategy {
    type Output = StrategyValues;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<StrategyValues> {
        project_environment(w, &self.project, &self.environment).await?;
        if self.strategy.name != "flexibleRollout" {
            return Err(OpError::invalid(
                FieldPath::root().field("name"),
                "Only \"flexibleRollout\" strategy can be used as a default strategy for an environment",
            ));
        }
        // An empty groupId stays empty: each flag gets its own name there.
        let values = self.strategy.into_values("", &cx.limits)?;
        check_segments(w, &values).await?;
        check_constraint_fields(w, &values.constraints)
            .await
            .map_err(|e| e.within(&FieldPath::root().field("constraints")))?;
        let before = w.default_strategy(&self.project, &self.environment).await?;
        w.set_default_strategy(&self.project, &self.environment, &values)
            .await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            project: Some(self.project.to_string()),
            environment: Some(self.environment.to_string()),
            pre_data: before.as_ref().map(to_value),
            data: Some(to_value(&values)),
            ..NewEvent::new(EventKind::DefaultStrategyUpdated)
        })
        .await?;
        Ok(values)
    }
}
