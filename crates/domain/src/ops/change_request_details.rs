//! A change request's details besides its changes: title, comments and the
//! users asked to review it. None changes what a request applies.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::change_requests::{open, request_event, request_in};
use super::{Context, FieldPath, OpError, OpResult, Operation, ProjectId};
use flagstaff_storage::{EventKind, WriteTx};

/// Renames a request that is still open (no event, as Unleash records none).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetChangeRequestTitle {
    pub project: ProjectId,
    pub id: i64,
    pub title: String,
}

impl Operation for SetChangeRequestTitle {
    type Output = ();

    fn check(&self, _cx: &Context) -> OpResult<()> {
        let length = self.title.trim().chars().count();
        if length == 0 || length > 255 {
            return Err(OpError::invalid(
                FieldPath::root().field("title"),
                "a title has 1 to 255 characters",
            ));
        }
        Ok(())
    }

    async fn run(self, w: &mut WriteTx<'_>, _cx: &Context) -> OpResult<()> {
        let mut row = request_in(w, &self.project, self.id).await?;
        open(&row)?;
        row.title = self.title.trim().to_owned();
        w.update_change_request(&row).await?;
        Ok(())
    }
}

/// Adds a comment to a request (no event, as Unleash records none). Returns its id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddChangeRequestComment {
    pub project: ProjectId,
    pub id: i64,
    pub text: String,
}

impl Operation for AddChangeRequestComment {
    type Output = i64;

    fn check(&self, _cx: &Context) -> OpResult<()> {
        let length = self.text.trim().chars().count();
        if length == 0 || length > 10_000 {
            return Err(OpError::invalid(
                FieldPath::root().field("text"),
                "a comment has 1 to 10000 characters",
            ));
        }
        Ok(())
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<i64> {
        let row = request_in(w, &self.project, self.id).await?;
        let now = w.clock().now();
        Ok(
            w.insert_change_request_comment(row.id, self.text.trim(), &cx.actor.name, &now)
                .await?,
        )
    }
}

/// The users a request asks to review it (by user id; every one must exist).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetChangeRequestApprovers {
    pub project: ProjectId,
    pub id: i64,
    pub users: Vec<i64>,
}

impl Operation for SetChangeRequestApprovers {
    type Output = ();

    fn check(&self, _cx: &Context) -> OpResult<()> {
        if self.users.len() > 100 {
            return Err(OpError::invalid(
                FieldPath::root().field("approvers"),
                "at most 100 approvers",
            ));
        }
        Ok(())
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let row = request_in(w, &self.project, self.id).await?;
        open(&row)?;
        let mut users = self.users.clone();
        users.sort_unstable();
        users.dedup();
        for (i, id) in users.iter().enumerate() {
            if w.user_by_id(*id).await?.is_none() {
                return Err(OpError::invalid(
                    FieldPath::root().field("approvers").index(i),
                    format!("Could not find user {id}"),
                ));
            }
        }
        w.set_change_request_approvers(row.id, &users).await?;
        w.record_event(request_event(
            EventKind::ChangeRequestRequestedApproversUpdated,
            &cx.actor,
            &row,
            json!({"approvers": users}),
        ))
        .await?;
        Ok(())
    }
}
