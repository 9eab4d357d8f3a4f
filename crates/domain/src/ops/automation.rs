//! What the operations on signal endpoints, their tokens and action sets
//! share: each change is written and recorded with the object's view before
//! and after it (never a secret), an object switches on or off the same way,
//! and names and descriptions follow the same rules.

use serde_json::Value;

use super::{Actor, FieldPath, OpError, OpResult};
use crate::wire::automation::{ActionSetView, SignalEndpointView, SignalTokenView};
use crate::wire::to_value;
use flagstaff_storage::{
    ActionSetRow, EventKind, NewEvent, SignalEndpointRow, SignalTokenRow, StorageResult, WriteTx,
};

/// Longest description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Longest name, in characters.
const MAX_NAME_CHARS: usize = 100;

/// A stored automation object: how it is written and how its events show it.
pub(super) trait Recorded: Clone + Send + Sync {
    const CREATED: EventKind;
    const UPDATED: EventKind;
    const DELETED: EventKind;

    /// What its events record of it.
    fn data(&self) -> Value;

    /// The project its events are about.
    fn project(&self) -> Option<String> {
        None
    }

    /// Stores it as new and returns its id.
    async fn insert(&self, w: &mut WriteTx<'_>) -> StorageResult<i64>;

    /// Stores this version of it over the stored one.
    async fn update(&self, w: &mut WriteTx<'_>) -> StorageResult<()>;

    /// Deletes it (with what belongs to it).
    async fn delete(&self, w: &mut WriteTx<'_>) -> StorageResult<()>;

    fn set_id(&mut self, id: i64);
}

/// An object that is switched on or off.
pub(super) trait Switchable: Recorded {
    fn enabled(&self) -> bool;
    fn set_enabled(&mut self, enabled: bool);
}

fn event<R: Recorded>(
    kind: EventKind,
    actor: &Actor,
    before: Option<&R>,
    after: Option<&R>,
) -> NewEvent {
    NewEvent {
        created_by: actor.name.clone(),
        project: after.or(before).and_then(R::project),
        pre_data: before.map(R::data),
        data: after.map(R::data),
        ..NewEvent::new(kind)
    }
}

/// Stores `new` and records its creation.
pub(super) async fn create<R: Recorded>(
    w: &mut WriteTx<'_>,
    actor: &Actor,
    mut new: R,
) -> OpResult<R> {
    let id = new.insert(w).await?;
    new.set_id(id);
    w.record_event(event(R::CREATED, actor, None, Some(&new)))
        .await?;
    Ok(new)
}

/// Stores `after` over `before` and records the change.
pub(super) async fn replace<R: Recorded>(
    w: &mut WriteTx<'_>,
    actor: &Actor,
    before: &R,
    after: R,
) -> OpResult<R> {
    after.update(w).await?;
    w.record_event(event(R::UPDATED, actor, Some(before), Some(&after)))
        .await?;
    Ok(after)
}

/// Switches `before` on or off; one that already is stays as it is, and
/// nothing is recorded.
pub(super) async fn switch<R: Switchable>(
    w: &mut WriteTx<'_>,
    actor: &Actor,
    before: R,
    enabled: bool,
) -> OpResult<R> {
    if before.enabled() == enabled {
        return Ok(before);
    }
    let mut after = before.clone();
    after.set_enabled(enabled);
    replace(w, actor, &before, after).await
}

/// Deletes `before` and records it.
pub(super) async fn delete<R: Recorded>(
    w: &mut WriteTx<'_>,
    actor: &Actor,
    before: &R,
) -> OpResult<()> {
    before.delete(w).await?;
    w.record_event(event(R::DELETED, actor, Some(before), None))
        .await?;
    Ok(())
}

/// A name: trimmed, 1 to 100 characters (`what` says whose, in the refusal).
pub(super) fn name(text: &str, what: &str) -> OpResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_NAME_CHARS {
        return Err(OpError::invalid(
            FieldPath::root().field("name"),
            format!("{what} must be between 1 and {MAX_NAME_CHARS} characters long"),
        ));
    }
    Ok(text.to_owned())
}

/// A description: trimmed, none when blank, at most 1000 characters.
pub(super) fn description(text: Option<String>) -> OpResult<Option<String>> {
    let text = text.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    if text
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(OpError::invalid(
            FieldPath::root().field("description"),
            format!("a description must be at most {MAX_DESCRIPTION_CHARS} characters long"),
        ));
    }
    Ok(text)
}

impl Recorded for SignalEndpointRow {
    const CREATED: EventKind = EventKind::SignalEndpointCreated;
    const UPDATED: EventKind = EventKind::SignalEndpointUpdated;
    const DELETED: EventKind = EventKind::SignalEndpointDeleted;

    fn data(&self) -> Value {
        to_value(&SignalEndpointView::new(self))
    }

    async fn insert(&self, w: &mut WriteTx<'_>) -> StorageResult<i64> {
        w.insert_signal_endpoint(self).await
    }

    async fn update(&self, w: &mut WriteTx<'_>) -> StorageResult<()> {
        w.update_signal_endpoint(self).await
    }

    async fn delete(&self, w: &mut WriteTx<'_>) -> StorageResult<()> {
        w.delete_signal_endpoint(self.id).await
    }

    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
}

impl Switchable for SignalEndpointRow {
    fn enabled(&self) -> bool {
        self.enabled
    }

    fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }
}

/// A token's events show who it is, never its secret (nor its hash).
impl Recorded for SignalTokenRow {
    const CREATED: EventKind = EventKind::SignalEndpointTokenCreated;
    const UPDATED: EventKind = EventKind::SignalEndpointTokenUpdated;
    const DELETED: EventKind = EventKind::SignalEndpointTokenDeleted;

    fn data(&self) -> Value {
        to_value(&SignalTokenView::from(self))
    }

    async fn insert(&self, w: &mut WriteTx<'_>) -> StorageResult<i64> {
        w.insert_signal_token(self).await
    }

    /// Only its name changes.
    async fn update(&self, w: &mut WriteTx<'_>) -> StorageResult<()> {
        w.rename_signal_token(self.id, &self.name).await
    }

    async fn delete(&self, w: &mut WriteTx<'_>) -> StorageResult<()> {
        w.delete_signal_token(self.id).await
    }

    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
}

impl Recorded for ActionSetRow {
    const CREATED: EventKind = EventKind::ActionsCreated;
    const UPDATED: EventKind = EventKind::ActionsUpdated;
    const DELETED: EventKind = EventKind::ActionsDeleted;

    fn data(&self) -> Value {
        to_value(&ActionSetView::from(self))
    }

    fn project(&self) -> Option<String> {
        Some(self.project.clone())
    }

    async fn insert(&self, w: &mut WriteTx<'_>) -> StorageResult<i64> {
        w.insert_action_set(self).await
    }

    async fn update(&self, w: &mut WriteTx<'_>) -> StorageResult<()> {
        w.update_action_set(self).await
    }

    async fn delete(&self, w: &mut WriteTx<'_>) -> StorageResult<()> {
        w.delete_action_set(self.id).await
    }

    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
}

impl Switchable for ActionSetRow {
    fn enabled(&self) -> bool {
        self.enabled
    }

    fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }
}
