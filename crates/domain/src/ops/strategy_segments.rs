//! Setting the segments one strategy uses, named by the strategy's id alone
//! (Unleash's `POST /api/admin/segments/strategies`): the strategy's flag is
//! looked up, and the change is that flag's strategy update, with its event.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Context, Edit, EnvironmentName, FieldPath, FlagName, FlagScope, OpError, OpResult, Operation,
    ProjectId, StrategyPlace, UpdateStrategy,
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

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::environment(&self.project, &self.environment)]
    }

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::{operation, OpBench};
    use super::super::{AddStrategy, CreateFlag, CreateSegment, OpError};
    use super::SetStrategySegments;

    fn set(strategy: &str, environment: &str, ids: &[i64]) -> SetStrategySegments {
        operation(json!({"project": "default", "environment": environment,
            "strategy_id": strategy, "segment_ids": ids}))
    }

    #[tokio::test]
    async fn sets_a_strategys_segments_as_one_strategy_update() {
        let bench = OpBench::new().await.expect("an in-memory store");
        let flag: CreateFlag = operation(json!({"project": "default", "name": "checkout",
            "flagType": "release", "description": null, "impressionData": false}));
        bench.events_of(flag).await;
        let segment: CreateSegment =
            operation(json!({"segment": {"name": "eu", "constraints": []}}));
        let id = bench.apply(segment).await.expect("segment").output.id;
        let add: AddStrategy = operation(json!({"project": "default", "feature": "checkout",
            "environment": "development", "strategy": {"name": "default"}}));
        let strategy = bench.apply(add).await.expect("strategy").output.id;

        assert_eq!(
            bench
                .events_of(set(&strategy, "development", &[id, id]))
                .await,
            ["feature-strategy-update"]
        );
        let stored = bench.store.strategy(&strategy).await.expect("read");
        assert_eq!(stored.expect("there").values.segments, vec![id]);
        assert!(
            bench
                .events_of(set(&strategy, "development", &[id]))
                .await
                .is_empty(),
            "the same segments are no change"
        );

        let missing = bench
            .apply(set(&strategy, "development", &[id, id + 1]))
            .await;
        assert!(
            matches!(&missing, Err(OpError::Invalid { field, .. }) if field.to_string() == "segmentIds[1]"),
            "{missing:?}"
        );
        let elsewhere = bench.apply(set(&strategy, "production", &[])).await;
        assert!(
            matches!(elsewhere, Err(OpError::NotFound(_))),
            "{elsewhere:?}"
        );
        let stored = bench.store.strategy(&strategy).await.expect("read");
        assert_eq!(
            stored.expect("there").values.segments,
            vec![id],
            "refusals left it"
        );
    }
}
