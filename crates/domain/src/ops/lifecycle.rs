//! The flag lifecycle's one recorded mark (Unleash's "mark completed"): a
//! live flag is completed, kept or discarded (with an optional value it was
//! kept at), and uncompleted. The other stages are derived
//! (`storage::Lifecycle`). Each change records `feature-completed` or
//! `feature-uncompleted` naming the flag and its project.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Context, FlagName, OpResult, Operation, ProjectId};
use flagstaff_storage::{now, EventKind, NewEvent, WriteTx};

/// Whether a completed flag's change was kept or discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CompletedStatus {
    Kept,
    Discarded,
}

impl CompletedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CompletedStatus::Kept => "kept",
            CompletedStatus::Discarded => "discarded",
        }
    }
}

/// Unleash's flagCompletedSchema: how a flag was completed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"status": "kept", "statusValue": "variant-b"}))]
pub struct Completion {
    pub status: CompletedStatus,
    /// What was kept (a variant, a value), if anything.
    #[serde(default)]
    pub status_value: Option<String>,
}

/// Marks a live flag completed; marking it again replaces the mark.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompleteFlag {
    pub project: ProjectId,
    pub name: FlagName,
    pub completion: Completion,
}

impl Operation for CompleteFlag {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        w.live_flag(&self.project, &self.name).await?;
        let value = self
            .completion
            .status_value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let status = self.completion.status.as_str();
        w.complete_flag(&self.name, status, value, &now()).await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            project: Some(self.project.to_string()),
            feature_name: Some(self.name.to_string()),
            data: Some(json!({"status": status, "statusValue": value})),
            ..NewEvent::new(EventKind::FeatureCompleted)
        })
        .await?;
        Ok(())
    }
}

/// Removes a live flag's completed mark (none: nothing changes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UncompleteFlag {
    pub project: ProjectId,
    pub name: FlagName,
}

impl Operation for UncompleteFlag {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        w.live_flag(&self.project, &self.name).await?;
        if w.uncomplete_flag(&self.name).await? {
            w.record_event(NewEvent {
                created_by: cx.actor.name.clone(),
                project: Some(self.project.to_string()),
                feature_name: Some(self.name.to_string()),
                ..NewEvent::new(EventKind::FeatureUncompleted)
            })
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing::{operation, OpBench};
    use crate::ops::CreateFlag;

    #[tokio::test]
    async fn completing_records_the_mark_and_uncompleting_removes_it_once() {
        let bench = OpBench::new().await.expect("bench");
        let flag: CreateFlag = operation(json!({
            "project": "default", "name": "done", "flagType": "release",
            "description": null, "impressionData": false
        }));
        bench.apply(flag).await.expect("created");
        let complete: CompleteFlag = operation(json!({
            "project": "default", "name": "done",
            "completion": {"status": "discarded"}
        }));
        assert_eq!(bench.events_of(complete).await, ["feature-completed"]);
        let stages = bench
            .store
            .flag_lifecycle("default", "done")
            .await
            .expect("read");
        let last = stages.expect("flag").pop().expect("a stage");
        assert_eq!(last.stage, flagstaff_storage::Lifecycle::Completed);
        assert_eq!(last.status.as_deref(), Some("discarded"));
        let uncomplete: UncompleteFlag = operation(json!({"project": "default", "name": "done"}));
        assert_eq!(
            bench.events_of(uncomplete.clone()).await,
            ["feature-uncompleted"]
        );
        assert!(bench.events_of(uncomplete).await.is_empty());
        let missing: UncompleteFlag = operation(json!({"project": "default", "name": "nope"}));
        assert!(bench.apply(missing).await.is_err());
    }
}
