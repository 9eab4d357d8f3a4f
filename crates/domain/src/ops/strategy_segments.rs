//! Setting the segments one strategy uses, named by the strategy's id alone
//! (Unleash's `POST /api/admin/segments/strategies`): the strategy's flag is
//! looked up, and the change is that flag's strategy update, with its event.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Context, Edit, EnvironmentName, FieldPath, FlagName, OpError, OpResult, Operation, ProjectId,
    StrategyPlace, UpdateStrategy,
};
use flagstaff_storage::{StrategyRow, WriteTx};

/// Replaces the segments of strategy `strategy_id`, which must be a strategy
/// of a live flag of `project` in `environment` (else 404). The same list is
/// no change and records nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetStrategySegments {
    pub project: ProjectId,
    pub environment: EnvironmentName,
    pub strategy_id: String,
    pub segment_ids: Vec<i64>,
}

impl Operation for SetStrategySegments {
    type Output = StrategyRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<StrategyRow> {
        let missing = || {
            OpError::NotFound(format!(
                "Could not find strategy with id {}",
                self.strategy_id
            ))
        };
        let strategy = w.strategy(&self.strategy_id).await?.ok_or_else(missing)?;
        let flag = w.flag(&strategy.feature_name).await?.ok_or_else(missing)?;
        if flag.project != self.project.as_str()
            || strategy.environment != self.environment.as_str()
            || flag.archived_at.is_some()
        {
            return Err(missing());
        }
        let known: Vec<i64> = w.segments().await?.iter().map(|s| s.id).collect();
        if let Some((i, id)) = self
            .segment_ids
            .iter()
            .enumerate()
            .find(|(_, id)| !known.contains(id))
        {
            return Err(OpError::invalid(
                FieldPath::root().field("segmentIds").index(i),
                format!("Segment {id} does not exist"),
            ));
        }
        let mut ids = self.segment_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids == strategy.values.segments {
            return Ok(strategy);
        }
        let patch = serde_json::from_value(json!([
            {"op": "replace", "path": "/segments", "value": ids}
        ]))
        .map_err(|e| OpError::invalid_input(e.to_string()))?;
        UpdateStrategy {
            place: StrategyPlace {
                project: self.project.clone(),
                feature: FlagName::parse(&flag.name)?,
                environment: self.environment.clone(),
            },
            id: self.strategy_id.clone(),
            edit: Edit::Patch(patch),
        }
        .run(w, cx)
        .await
    }
}
