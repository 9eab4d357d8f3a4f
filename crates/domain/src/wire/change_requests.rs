//! Change requests as Unleash Enterprise shows them (changeRequestSchema):
//! the request, its changes grouped by flag — each marked with a conflict when
//! the flag changed after it was made —, approvals, rejections, comments and
//! the schedule.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use flagstaff_storage::{ChangeRequestRow, ChangeRequestState, Reader, Source, StorageResult};

/// A person as a change request names them (the event log's name; the user's
/// id when one has that username).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRequestUser {
    pub id: Option<i64>,
    pub username: String,
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeView {
    pub id: i64,
    pub action: String,
    #[schema(value_type = crate::ops::ChangePayload)]
    pub payload: Value,
    pub created_by: ChangeRequestUser,
    pub created_at: DateTime<Utc>,
    /// Why it cannot be applied as made: the flag changed since.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRequestFeature {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
    pub changes: Vec<ChangeView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    pub created_by: ChangeRequestUser,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    pub id: i64,
    pub text: String,
    pub created_by: ChangeRequestUser,
    pub created_at: DateTime<Utc>,
}

/// Unleash's changeRequestScheduleSchema.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    pub scheduled_at: DateTime<Utc>,
    /// `pending` or `failed`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

/// An example of a change request as shown (the OpenAPI document's).
pub fn change_request_example() -> Value {
    serde_json::json!({
        "id": 1, "title": "Change request #1", "environment": "production",
        "project": "default", "state": "Approved", "minApprovals": 1,
        "createdBy": {"id": 2, "username": "alice", "imageUrl": null},
        "createdAt": "2026-12-07T10:00:00.000Z",
        "features": [{"name": "new-checkout", "changes": [{"id": 1, "action": "updateEnabled",
            "payload": {"enabled": true},
            "createdBy": {"id": 2, "username": "alice", "imageUrl": null},
            "createdAt": "2026-12-07T10:00:00.000Z"}]}],
        "approvals": [{"createdBy": {"id": 3, "username": "bob", "imageUrl": null},
            "createdAt": "2026-12-07T11:00:00.000Z"}],
        "rejections": [], "comments": [], "requestedApprovers": []
    })
}

/// Unleash's changeRequestSchema.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = change_request_example)]
pub struct ChangeRequestView {
    pub id: i64,
    pub title: String,
    pub environment: String,
    pub project: String,
    pub state: ChangeRequestState,
    pub min_approvals: i64,
    pub created_by: ChangeRequestUser,
    pub created_at: DateTime<Utc>,
    pub features: Vec<ChangeRequestFeature>,
    pub approvals: Vec<ReviewView>,
    pub rejections: Vec<ReviewView>,
    pub comments: Vec<CommentView>,
    /// The users asked to review it.
    pub requested_approvers: Vec<ChangeRequestUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleView>,
}

async fn user<S: Source>(reader: &Reader<S>, name: &str) -> StorageResult<ChangeRequestUser> {
    let id = reader.user_by_username(name).await?.map(|u| u.id);
    Ok(ChangeRequestUser {
        id,
        username: name.to_owned(),
        image_url: None,
    })
}

impl ChangeRequestView {
    /// The request as shown, read through `reader` (conflicts as of now).
    pub async fn read<S: Source>(
        reader: &Reader<S>,
        row: ChangeRequestRow,
    ) -> StorageResult<ChangeRequestView> {
        let mut features: Vec<ChangeRequestFeature> = Vec::new();
        for change in reader.change_request_changes(row.id).await? {
            let conflict = if row.state.is_closed() {
                None
            } else {
                let last = reader
                    .last_flag_revision(&change.feature_name, &row.environment)
                    .await?;
                (last > change.base_revision).then(|| {
                    format!(
                        "The flag {} changed after this change was made: edit or re-submit it",
                        change.feature_name
                    )
                })
            };
            let view = ChangeView {
                id: change.id,
                action: change.action,
                payload: change.payload,
                created_by: user(reader, &change.created_by).await?,
                created_at: change.created_at,
                conflict: conflict.clone(),
            };
            match features.iter_mut().find(|f| f.name == change.feature_name) {
                Some(feature) => {
                    feature.conflict = feature.conflict.take().or(conflict);
                    feature.changes.push(view);
                }
                None => features.push(ChangeRequestFeature {
                    name: change.feature_name,
                    conflict,
                    changes: vec![view],
                }),
            }
        }
        let (mut approvals, mut rejections) = (Vec::new(), Vec::new());
        for review in reader.change_request_reviews(row.id).await? {
            let view = ReviewView {
                created_by: user(reader, &review.reviewer).await?,
                created_at: review.created_at,
            };
            if review.approved {
                approvals.push(view);
            } else {
                rejections.push(view);
            }
        }
        let mut comments = Vec::new();
        for comment in reader.change_request_comments(row.id).await? {
            comments.push(CommentView {
                id: comment.id,
                text: comment.text,
                created_by: user(reader, &comment.created_by).await?,
                created_at: comment.created_at,
            });
        }
        let mut requested_approvers = Vec::new();
        for id in reader.change_request_approvers(row.id).await? {
            if let Some(u) = reader.user_by_id(id).await? {
                requested_approvers.push(ChangeRequestUser {
                    id: Some(u.id),
                    username: u.username,
                    image_url: None,
                });
            }
        }
        let schedule = match (row.scheduled_at, &row.schedule_status) {
            (Some(at), Some(status)) => Some(ScheduleView {
                scheduled_at: at,
                status: status.clone(),
                failure_reason: row.schedule_failure.clone(),
            }),
            _ => None,
        };
        Ok(ChangeRequestView {
            id: row.id,
            title: row.title,
            environment: row.environment,
            project: row.project,
            state: row.state,
            min_approvals: row.min_approvals,
            created_by: user(reader, &row.created_by).await?,
            created_at: row.created_at,
            features,
            approvals,
            rejections,
            comments,
            requested_approvers,
            schedule,
        })
    }
}
