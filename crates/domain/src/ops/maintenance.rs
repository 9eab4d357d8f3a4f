//! Maintenance mode (Unleash's): while it is on, every change but turning it
//! off is refused — the one rule is in [`super::apply`], which asks
//! [`Operation::allowed_in_maintenance`] — and SDK reads go on from the
//! snapshots as before.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Context, OpError, OpResult, Operation};
use flagstaff_storage::{EventKind, NewEvent, WriteTx};

/// The refusal of a change while maintenance mode is on (503, as Unleash).
pub const MAINTENANCE_REFUSAL: &str =
    "Maintenance mode is on, so changes are refused: an admin turns it off with POST /api/admin/maintenance {\"enabled\": false}";

/// Turns maintenance mode on or off (`setting-created` the first time, as
/// Unleash's setting, then `setting-updated`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetMaintenance {
    pub enabled: bool,
}

impl Operation for SetMaintenance {
    type Output = ();

    fn allowed_in_maintenance(&self) -> bool {
        true
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = w.maintenance_mode().await?;
        let existed = w.set_maintenance_mode(self.enabled).await?;
        let kind = if existed {
            EventKind::SettingUpdated
        } else {
            EventKind::SettingCreated
        };
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            pre_data: existed.then(|| json!({"id": "maintenance.mode", "enabled": before})),
            data: Some(json!({"id": "maintenance.mode", "enabled": self.enabled})),
            ..NewEvent::new(kind)
        })
        .await?;
        Ok(())
    }
}

/// Refuses `operation` while maintenance mode is on, unless it is allowed then.
pub(super) async fn refuse_in_maintenance<O: Operation>(
    w: &mut WriteTx<'_>,
    operation: &O,
) -> OpResult<()> {
    if !operation.allowed_in_maintenance() && w.maintenance_mode().await? {
        return Err(OpError::Maintenance(MAINTENANCE_REFUSAL.to_owned()));
    }
    Ok(())
}
