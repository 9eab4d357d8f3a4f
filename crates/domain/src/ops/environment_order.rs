//! Unleash's `PUT /api/admin/environments/sort-order`: environments named
//! with their new sort order, all or none (an unknown name is a 404); each
//! one that moves records `environment-updated`, in one change.

use std::collections::BTreeMap;

use super::{Context, OpError, OpResult, Operation};
use crate::wire::{to_value, EnvironmentView};
use flagstaff_storage::{EnvironmentRow, EventKind, NewEvent, WriteTx};

#[derive(Debug, Clone)]
pub struct SortEnvironments {
    /// Environment name → its sort order.
    pub order: BTreeMap<String, i64>,
}

impl Operation for SortEnvironments {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let environments = w.environments().await?;
        for name in self.order.keys() {
            if !environments.iter().any(|e| e.name == *name) {
                return Err(OpError::NotFound(format!(
                    "Could not find environment {name}"
                )));
            }
        }
        for before in environments {
            let Some(&sort_order) = self.order.get(&before.name) else {
                continue;
            };
            if before.sort_order == sort_order {
                continue;
            }
            let after = EnvironmentRow {
                sort_order,
                ..before.clone()
            };
            w.set_environment_sort_order(&after.name, sort_order)
                .await?;
            w.record_event(NewEvent {
                created_by: cx.actor.name.clone(),
                environment: Some(after.name.clone()),
                pre_data: Some(to_value(&EnvironmentView::from(&before))),
                data: Some(to_value(&EnvironmentView::from(&after))),
                ..NewEvent::new(EventKind::EnvironmentUpdated)
            })
            .await?;
        }
        Ok(())
    }
}
