//! Change requests (Unleash Enterprise's, free here): the author's draft —
//! changes added, edited, discarded — and deleting a request. Titles,
//! comments and approvers are `change_request_details.rs`; states and
//! applying `change_request_state.rs`; which environments are protected, and
//! the protection itself, `change_guard.rs`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::change_request_changes::{ChangeInput, ProposedChange};
use super::{
    project_environment, Actor, Context, EnvironmentName, FieldPath, OpError, OpResult, Operation,
    ProjectId,
};
use flagstaff_storage::{
    ChangeRequestRow, ChangeRequestState, ChangeRow, EventKind, NewEvent, WriteTx,
};

/// A request of `project`, for changing (`NotFound` otherwise).
pub(super) async fn request_in(
    w: &mut WriteTx<'_>,
    project: &ProjectId,
    id: i64,
) -> OpResult<ChangeRequestRow> {
    match w.change_request(id).await? {
        Some(row) if row.project == project.as_str() => Ok(row),
        _ => Err(OpError::NotFound(format!(
            "Could not find change request {id} in project {project}"
        ))),
    }
}

/// An event about a request (its id and title in `data`, with `extra`).
pub(super) fn request_event(
    kind: EventKind,
    actor: &Actor,
    row: &ChangeRequestRow,
    extra: Value,
) -> NewEvent {
    let mut data = json!({
        "changeRequestId": row.id, "title": row.title, "state": row.state,
    });
    if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
        data.extend(extra);
    }
    NewEvent {
        created_by: actor.name.clone(),
        project: Some(row.project.clone()),
        environment: Some(row.environment.clone()),
        data: Some(data),
        ..NewEvent::new(kind)
    }
}

/// Refuses a change to a request that is applied, cancelled or rejected.
pub(super) fn open(row: &ChangeRequestRow) -> OpResult<()> {
    if row.state.is_closed() || row.state == ChangeRequestState::Scheduled {
        return Err(OpError::invalid(
            FieldPath::root(),
            format!(
                "Change request {} is {} and can no longer be changed",
                row.id,
                row.state.as_str()
            ),
        ));
    }
    Ok(())
}

/// Adds changes to the actor's draft for a project environment (made when
/// there is none); a change of the same action to the same flag (and
/// strategy) replaces the earlier one. Returns the request's id.
#[derive(Debug, Clone)]
pub struct AddChange {
    pub project: ProjectId,
    pub environment: EnvironmentName,
    pub changes: Vec<ProposedChange>,
}

impl AddChange {
    /// Parses Unleash's `{action, feature, payload}` items (a bad payload is
    /// `Invalid` at `[i].payload…`).
    pub fn new(
        project: ProjectId,
        environment: EnvironmentName,
        inputs: Vec<ChangeInput>,
    ) -> OpResult<AddChange> {
        if inputs.is_empty() || inputs.len() > 100 {
            return Err(OpError::invalid_input("give 1 to 100 changes"));
        }
        let changes = inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                ProposedChange::parse(&project, &environment, input)
                    .map_err(|e| e.within(&FieldPath::root().index(i)))
            })
            .collect::<OpResult<_>>()?;
        Ok(AddChange {
            project,
            environment,
            changes,
        })
    }
}

impl Operation for AddChange {
    type Output = i64;

    fn check(&self, cx: &Context) -> OpResult<()> {
        for (i, change) in self.changes.iter().enumerate() {
            change
                .operation
                .check(cx)
                .map_err(|e| e.within(&FieldPath::root().index(i).field("payload")))?;
        }
        Ok(())
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<i64> {
        let actor = &cx.actor;
        let (project, environment) = (self.project.as_str(), self.environment.as_str());
        project_environment(w, &self.project, &self.environment).await?;
        let Some(approvals) = w.change_request_setting(project, environment).await? else {
            return Err(OpError::invalid_input(format!(
                "Change requests are not enabled for environment {environment} of project {project}"
            )));
        };
        for change in &self.changes {
            w.live_flag(project, change.feature.as_str()).await?;
        }
        let now = w.clock().now();
        let row = match w
            .change_request_draft(project, environment, &actor.name)
            .await?
        {
            Some(row) => row,
            None => {
                let mut row = ChangeRequestRow {
                    id: 0,
                    project: project.to_owned(),
                    environment: environment.to_owned(),
                    title: String::new(),
                    state: ChangeRequestState::Draft,
                    min_approvals: approvals,
                    created_by: actor.name.clone(),
                    created_at: now,
                    scheduled_at: None,
                    schedule_status: None,
                    schedule_failure: None,
                };
                row.id = w.insert_change_request(&row).await?;
                row.title = format!("Change request #{}", row.id);
                w.update_change_request(&row).await?;
                w.record_event(request_event(
                    EventKind::ChangeRequestCreated,
                    actor,
                    &row,
                    json!({}),
                ))
                .await?;
                row
            }
        };
        for proposed in &self.changes {
            let base_revision = w
                .last_flag_revision(proposed.feature.as_str(), environment)
                .await?;
            let replaced = w
                .change_request_changes(row.id)
                .await?
                .into_iter()
                .find(|c| {
                    c.feature_name == proposed.feature.as_str()
                        && proposed.replaces(&c.action, &c.payload)
                });
            let mut change = ChangeRow {
                id: 0,
                change_request_id: row.id,
                feature_name: proposed.feature.to_string(),
                action: proposed.action.as_str().to_owned(),
                payload: proposed.payload.clone(),
                operation: serde_json::to_value(&proposed.operation)
                    .map_err(|e| OpError::invalid_input(e.to_string()))?,
                base_revision,
                created_by: actor.name.clone(),
                created_at: now,
            };
            match replaced {
                Some(old) => {
                    change.id = old.id;
                    w.update_change(&change).await?;
                }
                None => change.id = w.insert_change(&change).await?,
            }
            w.record_event(NewEvent {
                feature_name: None,
                ..request_event(
                    EventKind::ChangeAdded,
                    actor,
                    &row,
                    json!({"changeId": change.id, "feature": change.feature_name,
                        "action": change.action, "payload": change.payload}),
                )
            })
            .await?;
        }
        Ok(row.id)
    }
}

/// Replaces one change of a request (`PUT …/changes/:changeId`): parsed
/// again, made against the flag as it is now (so a conflict is resolved by
/// re-submitting); the request's reviews are forgotten.
#[derive(Debug, Clone)]
pub struct EditChange {
    pub project: ProjectId,
    pub id: i64,
    pub change_id: i64,
    pub input: ChangeInput,
}

impl Operation for EditChange {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let mut row = request_in(w, &self.project, self.id).await?;
        open(&row)?;
        let Some(mut change) = w
            .change_request_changes(row.id)
            .await?
            .into_iter()
            .find(|c| c.id == self.change_id)
        else {
            return Err(OpError::NotFound(format!(
                "Could not find change {} in change request {}",
                self.change_id, self.id
            )));
        };
        let environment = EnvironmentName::parse(&row.environment)?;
        let proposed = ProposedChange::parse(&self.project, &environment, self.input)?;
        proposed
            .operation
            .check(cx)
            .map_err(|e| e.within(&FieldPath::root().field("payload")))?;
        w.live_flag(&row.project, proposed.feature.as_str()).await?;
        change.feature_name = proposed.feature.to_string();
        change.action = proposed.action.as_str().to_owned();
        change.payload = proposed.payload.clone();
        change.operation = serde_json::to_value(&proposed.operation)
            .map_err(|e| OpError::invalid_input(e.to_string()))?;
        change.base_revision = w
            .last_flag_revision(&change.feature_name, &row.environment)
            .await?;
        change.created_by = cx.actor.name.clone();
        change.created_at = w.clock().now();
        w.update_change(&change).await?;
        w.clear_change_request_reviews(row.id).await?;
        if row.state == ChangeRequestState::Approved {
            row.state = ChangeRequestState::InReview;
            w.update_change_request(&row).await?;
        }
        w.record_event(request_event(
            EventKind::ChangeEdited,
            &cx.actor,
            &row,
            json!({"changeId": change.id, "feature": change.feature_name,
                "action": change.action, "payload": change.payload}),
        ))
        .await?;
        Ok(())
    }
}

/// Removes one change of a request; the request goes with its last change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiscardChange {
    pub project: ProjectId,
    pub id: i64,
    pub change_id: i64,
}

impl Operation for DiscardChange {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let mut row = request_in(w, &self.project, self.id).await?;
        open(&row)?;
        let changes = w.change_request_changes(row.id).await?;
        let Some(change) = changes.iter().find(|c| c.id == self.change_id) else {
            return Err(OpError::NotFound(format!(
                "Could not find change {} in change request {}",
                self.change_id, self.id
            )));
        };
        w.delete_change(change.id).await?;
        w.clear_change_request_reviews(row.id).await?;
        // What was approved changed: it is reviewed again.
        if row.state == ChangeRequestState::Approved {
            row.state = ChangeRequestState::InReview;
            w.update_change_request(&row).await?;
        }
        w.record_event(request_event(
            EventKind::ChangeDiscarded,
            &cx.actor,
            &row,
            json!({"changeId": change.id, "feature": change.feature_name}),
        ))
        .await?;
        if changes.len() == 1 {
            w.delete_change_request(row.id).await?;
            w.record_event(request_event(
                EventKind::ChangeRequestDiscarded,
                &cx.actor,
                &row,
                json!({}),
            ))
            .await?;
        }
        Ok(())
    }
}

/// Deletes a request that was not applied (`DELETE …/change-requests/:id`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteChangeRequest {
    pub project: ProjectId,
    pub id: i64,
}

impl Operation for DeleteChangeRequest {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let row = request_in(w, &self.project, self.id).await?;
        if row.state == ChangeRequestState::Applied {
            return Err(OpError::invalid_input(format!(
                "Change request {} is applied and stays in the record",
                row.id
            )));
        }
        w.delete_change_request(row.id).await?;
        w.record_event(request_event(
            EventKind::ChangeRequestDiscarded,
            &cx.actor,
            &row,
            json!({}),
        ))
        .await?;
        Ok(())
    }
}
