//! Segment operations: named constraint lists that strategies refer to by id.

use flagstaff_engine::document::Constraint;
use serde::{Deserialize, Serialize};

use super::context_checks::check_constraint_fields;
use super::strategies::check_constraints;
use super::{Actor, Context, FieldPath, Limits, OpError, OpResult, Operation};
use crate::wire::{to_value, SegmentView};
use flagstaff_storage::{now, EventKind, NewEvent, SegmentRow, WriteTx};

/// A segment as the admin API receives it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SegmentInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
}

/// A segment's name, trimmed: 1–100 characters.
pub fn check_segment_name(name: &str) -> OpResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(OpError::invalid(
            FieldPath::root().field("name"),
            "a segment name is 1–100 characters",
        ));
    }
    Ok(name)
}

impl SegmentInput {
    /// Checks the input against the stored segments (`id`: the one it replaces)
    /// and projects; returns it with its name trimmed.
    async fn checked(
        self,
        w: &mut WriteTx<'_>,
        id: Option<i64>,
        limits: &Limits,
    ) -> OpResult<SegmentInput> {
        let name = check_segment_name(&self.name)?;
        let at_constraints = FieldPath::root().field("constraints");
        check_constraints(&self.constraints).map_err(|e| e.within(&at_constraints))?;
        if self.constraints.len() > limits.constraints_per_strategy {
            return Err(OpError::invalid(
                at_constraints,
                format!(
                    "at most {} constraints (the constraints limit)",
                    limits.constraints_per_strategy
                ),
            ));
        }
        // A segment's values are limited in total (Unleash: 1,000), not per constraint.
        let values: usize = self.constraints.iter().map(|c| c.values.len()).sum();
        if values > limits.segment_values {
            return Err(OpError::invalid(
                at_constraints,
                format!(
                    "the segment has {values} values: at most {} (the segment values limit)",
                    limits.segment_values
                ),
            ));
        }
        if w.segments()
            .await?
            .iter()
            .any(|s| s.name == name && Some(s.id) != id)
        {
            return Err(OpError::Conflict(format!(
                "There is already a segment named {name:?}"
            )));
        }
        if let Some(p) = &self.project {
            if !w.project_exists(p).await? {
                return Err(OpError::invalid(
                    FieldPath::root().field("project"),
                    format!("Project={p} does not exist"),
                ));
            }
        }
        check_constraint_fields(w, &self.constraints)
            .await
            .map_err(|e| e.within(&at_constraints))?;
        Ok(SegmentInput {
            name: name.to_owned(),
            ..self
        })
    }
}

fn segment_event(event_type: EventKind, actor: &Actor, segment: &SegmentRow) -> NewEvent {
    NewEvent {
        created_by: actor.name.clone(),
        project: segment.project.clone(),
        ..NewEvent::new(event_type)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateSegment {
    pub segment: SegmentInput,
}

impl Operation for CreateSegment {
    type Output = SegmentRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<SegmentRow> {
        let actor = &cx.actor;
        let input = self.segment.checked(w, None, &cx.limits).await?;
        let mut segment = SegmentRow {
            id: 0,
            name: input.name,
            description: input.description,
            project: input.project,
            constraints: input.constraints,
            created_at: now(),
            created_by: actor.name.clone(),
        };
        segment.id = w.insert_segment(&segment).await?;
        w.record_event(NewEvent {
            data: Some(to_value(&SegmentView::new(&segment, 0))),
            ..segment_event(EventKind::SegmentCreated, actor, &segment)
        })
        .await?;
        Ok(segment)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateSegment {
    pub id: i64,
    pub segment: SegmentInput,
}

impl Operation for UpdateSegment {
    type Output = SegmentRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<SegmentRow> {
        let actor = &cx.actor;
        let before = w.segment(self.id).await?;
        let input = self.segment.checked(w, Some(self.id), &cx.limits).await?;
        let after = SegmentRow {
            name: input.name,
            description: input.description,
            project: input.project,
            constraints: input.constraints,
            ..before.clone()
        };
        w.update_segment(&after).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&SegmentView::new(&before, 0))),
            data: Some(to_value(&SegmentView::new(&after, 0))),
            ..segment_event(EventKind::SegmentUpdated, actor, &after)
        })
        .await?;
        Ok(after)
    }
}

/// Deletes a segment no strategy uses, a project's default strategies
/// included (checked under the change lock, so a strategy added meanwhile
/// cannot be left naming a deleted segment).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteSegment {
    pub id: i64,
}

impl Operation for DeleteSegment {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let actor = &cx.actor;
        let before = w.segment(self.id).await?;
        if let Some(users) = w.segment_users().await?.remove(&self.id) {
            let names: Vec<String> = users.into_iter().collect();
            return Err(OpError::Conflict(format!(
                "Segment {} is in use by {}",
                self.id,
                names.join(", ")
            )));
        }
        let defaults = w.all_default_strategies().await?;
        if let Some((project, environment, _)) = defaults
            .iter()
            .find(|(_, _, s)| s.segments.contains(&self.id))
        {
            return Err(OpError::Conflict(format!(
                "Segment {} is in use by the default strategy of project {project} in {environment}",
                self.id
            )));
        }
        w.delete_segment(self.id).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&SegmentView::new(&before, 0))),
            ..segment_event(EventKind::SegmentDeleted, actor, &before)
        })
        .await?;
        Ok(())
    }
}
