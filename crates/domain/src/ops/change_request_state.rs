//! A change request's states (Unleash's): Draft → In review → Approved →
//! Applied, or Scheduled (applied at `scheduledAt` by the scheduler) →
//! Applied; Cancelled and Rejected on the way. Approvals are by others than
//! the author (four eyes) and counted against the approvals the environment
//! required when the request was made. Applying runs every change's
//! operation in this one transaction — one revision, all or nothing — and is
//! refused (409) while a flag changed after a change to it was made.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::change_request_changes::ChangeOperation;
use super::change_requests::{request_event, request_in};
use super::{Context, FieldPath, OpError, OpResult, Operation, ProjectId};
use flagstaff_storage::{ChangeRequestRow, ChangeRequestState, EventKind, WriteTx};

/// Unleash's `PUT …/change-requests/:id/state` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"state": "Approved", "comment": "Looks good"}))]
pub struct StateInput {
    pub state: ChangeRequestState,
    /// When a `Scheduled` request is applied (RFC 3339, in the future).
    #[serde(default)]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Added as a comment by the caller.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Moves a request to another state (approving adds the caller's approval;
/// the request is approved once it has as many as required).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetChangeRequestState {
    pub project: ProjectId,
    pub id: i64,
    pub input: StateInput,
}

fn refuse_transition(row: &ChangeRequestRow, to: ChangeRequestState) -> OpError {
    OpError::invalid(
        FieldPath::root().field("state"),
        format!(
            "Change request {} is {} and cannot become {}",
            row.id,
            row.state.as_str(),
            to.as_str()
        ),
    )
}

impl Operation for SetChangeRequestState {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        use ChangeRequestState as S;
        let actor = &cx.actor;
        let mut row = request_in(w, &self.project, self.id).await?;
        let to = self.input.state;
        let now = w.clock().now();
        let own = row.created_by == actor.name;
        match (row.state, to) {
            (S::Draft, S::InReview) => {
                if w.change_request_changes(row.id).await?.is_empty() {
                    return Err(OpError::invalid_input(
                        "A change request needs a change before it is reviewed",
                    ));
                }
                row.state = S::InReview;
                w.record_event(request_event(
                    EventKind::ChangeRequestSentToReview,
                    actor,
                    &row,
                    json!({}),
                ))
                .await?;
            }
            (S::InReview | S::Approved, S::Approved) => {
                if own {
                    return Err(OpError::Denied(
                        "You cannot approve your own change request: another user approves it"
                            .to_owned(),
                    ));
                }
                w.review_change_request(row.id, &actor.name, true, &now)
                    .await?;
                w.record_event(request_event(
                    EventKind::ChangeRequestApprovalAdded,
                    actor,
                    &row,
                    json!({}),
                ))
                .await?;
                let approvals = w
                    .change_request_reviews(row.id)
                    .await?
                    .iter()
                    .filter(|r| r.approved && r.reviewer != row.created_by)
                    .count();
                if row.state == S::InReview && approvals as i64 >= row.min_approvals {
                    row.state = S::Approved;
                    w.record_event(request_event(
                        EventKind::ChangeRequestApproved,
                        actor,
                        &row,
                        json!({"approvals": approvals}),
                    ))
                    .await?;
                }
            }
            (S::InReview | S::Approved | S::Scheduled, S::Rejected) => {
                if own {
                    return Err(OpError::Denied(
                        "You cannot reject your own change request: cancel it instead".to_owned(),
                    ));
                }
                w.review_change_request(row.id, &actor.name, false, &now)
                    .await?;
                row.state = S::Rejected;
                w.record_event(request_event(
                    EventKind::ChangeRequestRejected,
                    actor,
                    &row,
                    json!({}),
                ))
                .await?;
            }
            (S::Approved | S::Scheduled, S::Applied) => {
                apply_changes(w, cx, &row).await?;
                row.state = S::Applied;
                row.schedule_status = None;
                w.record_event(request_event(
                    EventKind::ChangeRequestApplied,
                    actor,
                    &row,
                    json!({}),
                ))
                .await?;
            }
            (S::Approved | S::Scheduled, S::Scheduled) => {
                let Some(at) = self.input.scheduled_at else {
                    return Err(OpError::invalid(
                        FieldPath::root().field("scheduledAt"),
                        "a scheduled change request needs scheduledAt",
                    ));
                };
                if at <= now {
                    return Err(OpError::invalid(
                        FieldPath::root().field("scheduledAt"),
                        "scheduledAt must be in the future",
                    ));
                }
                row.state = S::Scheduled;
                row.scheduled_at = Some(flagstaff_storage::stored(at));
                row.schedule_status = Some("pending".to_owned());
                row.schedule_failure = None;
                w.record_event(request_event(
                    EventKind::ChangeRequestScheduled,
                    actor,
                    &row,
                    json!({"scheduledDate": flagstaff_storage::instant_text(&at)}),
                ))
                .await?;
            }
            (from, S::Cancelled) if !from.is_closed() => {
                row.state = S::Cancelled;
                row.schedule_status = None;
                w.record_event(request_event(
                    EventKind::ChangeRequestCancelled,
                    actor,
                    &row,
                    json!({}),
                ))
                .await?;
            }
            _ => return Err(refuse_transition(&row, to)),
        }
        if let Some(comment) = self.input.comment.as_deref().map(str::trim) {
            if !comment.is_empty() {
                w.insert_change_request_comment(row.id, comment, &actor.name, &now)
                    .await?;
            }
        }
        w.update_change_request(&row).await?;
        Ok(())
    }
}

/// Runs every change of `row` in `w`, after refusing (409) if a flag changed
/// since a change to it was made. A refused operation refuses them all: the
/// caller's transaction is dropped.
async fn apply_changes(w: &mut WriteTx<'_>, cx: &Context, row: &ChangeRequestRow) -> OpResult<()> {
    let changes = w.change_request_changes(row.id).await?;
    if changes.is_empty() {
        return Err(OpError::invalid_input(format!(
            "Change request {} has no changes to apply",
            row.id
        )));
    }
    for change in &changes {
        let last = w
            .last_flag_revision(&change.feature_name, &row.environment)
            .await?;
        if last > change.base_revision {
            return Err(OpError::Conflict(format!(
                "The flag {} changed in {} after change {} was made: edit or re-submit that \
                 change before applying the request",
                change.feature_name, row.environment, change.id
            )));
        }
    }
    for change in changes {
        let operation: ChangeOperation = serde_json::from_value(change.operation).map_err(|e| {
            OpError::InvalidOperation(format!("change {} cannot be read: {e}", change.id))
        })?;
        operation.run(w, cx).await?;
    }
    Ok(())
}

/// The scheduler's claim: applies request `id` if it is scheduled, pending and
/// due — under the change lock, marked applied in the same transaction, so of
/// several replicas exactly one applies it and the others find it applied.
/// `false`: nothing to do (not due, or already applied or failed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplyScheduled {
    pub id: i64,
}

/// Whether `row` is a schedule whose time has come.
fn due(row: &ChangeRequestRow, now: DateTime<Utc>) -> bool {
    row.state == ChangeRequestState::Scheduled
        && row.schedule_status.as_deref() == Some("pending")
        && row.scheduled_at.is_some_and(|at| at <= now)
}

impl Operation for ApplyScheduled {
    type Output = bool;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<bool> {
        let now = w.clock().now();
        let Some(mut row) = w.change_request(self.id).await? else {
            return Ok(false);
        };
        if !due(&row, now) {
            return Ok(false);
        }
        apply_changes(w, cx, &row).await?;
        row.state = ChangeRequestState::Applied;
        row.schedule_status = None;
        w.update_change_request(&row).await?;
        for kind in [
            EventKind::ChangeRequestApplied,
            EventKind::ChangeRequestScheduledApplicationSuccess,
        ] {
            w.record_event(request_event(kind, &cx.actor, &row, json!({})))
                .await?;
        }
        Ok(true)
    }
}

/// Marks a due schedule that could not apply as failed, with the reason
/// (an event integrations may send). Nothing if it is no longer pending.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MarkScheduleFailed {
    pub id: i64,
    pub reason: String,
}

impl Operation for MarkScheduleFailed {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let now = w.clock().now();
        let Some(mut row) = w.change_request(self.id).await? else {
            return Ok(());
        };
        if !due(&row, now) {
            return Ok(());
        }
        row.schedule_status = Some("failed".to_owned());
        row.schedule_failure = Some(self.reason.clone());
        w.update_change_request(&row).await?;
        w.record_event(request_event(
            EventKind::ChangeRequestScheduledApplicationFailure,
            &cx.actor,
            &row,
            json!({"failureReason": self.reason}),
        ))
        .await?;
        Ok(())
    }
}

/// Runs a request's changes in `w` without marking anything (the playground's
/// "as if applied"); the caller drops `w` uncommitted. Returns the request.
pub async fn preview_change_request(
    w: &mut WriteTx<'_>,
    cx: &Context,
    id: i64,
) -> OpResult<ChangeRequestRow> {
    let Some(row) = w.change_request(id).await? else {
        return Err(OpError::NotFound(format!(
            "Could not find change request {id}"
        )));
    };
    apply_changes(w, cx, &row).await?;
    Ok(row)
}
