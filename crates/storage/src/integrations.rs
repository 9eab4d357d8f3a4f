//! Integrations (Unleash's addons) and their outbox; the worker's side of the
//! outbox (claims, attempts, the delivery log) is in `deliveries.rs`.
//!
//! The outbox row of an event is written by [`WriteTx::record_event`], in the
//! change's own transaction, for every enabled integration whose filters
//! match; so nothing committed can be lost. Workers on any replica claim due
//! rows with a lease (a conditional `UPDATE` that only one process can win),
//! never a row whose flag has an older delivery still pending for the same
//! integration — so one flag's notifications leave in commit order. Claims
//! are fair between integrations (round-robin, a few in flight each), and an
//! integration whose attempts keep failing is paused ([`DeliveryCircuit`]).

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, instant_text, optional_instant};
use super::{flag, from_json, to_json, NewEvent, Reader, Source, StorageResult, WriteTx};

#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationRow {
    pub id: i64,
    pub provider: String,
    pub description: Option<String>,
    pub enabled: bool,
    /// Parameter name → value, as the provider defines them.
    pub parameters: serde_json::Map<String, serde_json::Value>,
    pub events: Vec<String>,
    /// Empty or `["*"]`: every project (likewise environments), as Unleash.
    pub projects: Vec<String>,
    pub environments: Vec<String>,
    /// The HMAC key webhook bodies are signed with (shown once, at creation).
    pub signing_secret: String,
    pub created_at: DateTime<Utc>,
    /// How its deliveries are going (kept by the delivery worker).
    pub circuit: DeliveryCircuit,
}

/// An integration's delivery circuit: attempts failed in a row and, while it
/// is paused, when the next probe may go (one at a time until one succeeds,
/// which resumes it) and how many pauses in a row it has had.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeliveryCircuit {
    pub failures: i64,
    pub paused_until: Option<DateTime<Utc>>,
    pub pauses: i64,
}

impl IntegrationRow {
    /// Whether this integration sends `event` (Unleash's rule: the event type is
    /// one it lists, and its project and environment pass the filters).
    pub fn wants(&self, event: &NewEvent) -> bool {
        let passes = |filter: &[String], value: &Option<String>| {
            filter.is_empty()
                || filter.first().is_some_and(|f| f == "*")
                || value.as_ref().is_some_and(|v| filter.contains(v))
        };
        self.enabled
            && self.events.iter().any(|e| e == event.event_type.as_str())
            && passes(&self.projects, &event.project)
            && passes(&self.environments, &event.environment)
    }
}

const ADDON_SELECT: &str = "SELECT id, provider, description, enabled, parameters, events, \
     projects, environments, signing_secret, created_at, delivery_failures, paused_until, pauses \
     FROM addons";

pub(super) fn integration_from_row(r: &AnyRow) -> StorageResult<IntegrationRow> {
    Ok(IntegrationRow {
        id: r.try_get("id")?,
        provider: r.try_get("provider")?,
        description: r.try_get("description")?,
        enabled: flag(r, "enabled")?,
        parameters: from_json(&r.try_get::<String, _>("parameters")?)?,
        events: from_json(&r.try_get::<String, _>("events")?)?,
        projects: from_json(&r.try_get::<String, _>("projects")?)?,
        environments: from_json(&r.try_get::<String, _>("environments")?)?,
        signing_secret: r.try_get("signing_secret")?,
        created_at: instant(r, "created_at")?,
        circuit: DeliveryCircuit {
            failures: r.try_get("delivery_failures")?,
            paused_until: optional_instant(r, "paused_until")?,
            pauses: r.try_get("pauses")?,
        },
    })
}

impl<S: Source> Reader<S> {
    pub async fn integrations(&self) -> StorageResult<Vec<IntegrationRow>> {
        let rows = sqlx::query(&format!("{ADDON_SELECT} ORDER BY id"))
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(integration_from_row).collect()
    }

    pub async fn integration(&self, id: i64) -> StorageResult<IntegrationRow> {
        let row = sqlx::query(&format!("{ADDON_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        match row {
            Some(row) => integration_from_row(&row),
            None => Err(super::StorageError::NotFound(format!(
                "Could not find addon with id {id}"
            ))),
        }
    }
}

impl WriteTx<'_> {
    /// Stores a new integration; its id.
    pub async fn insert_integration(&mut self, addon: &IntegrationRow) -> StorageResult<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO addons (provider, description, enabled, parameters, events, projects, \
             environments, signing_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(&addon.provider)
        .bind(&addon.description)
        .bind(i64::from(addon.enabled))
        .bind(to_json(&addon.parameters))
        .bind(to_json(&addon.events))
        .bind(to_json(&addon.projects))
        .bind(to_json(&addon.environments))
        .bind(&addon.signing_secret)
        .bind(instant_text(&addon.created_at))
        .fetch_one(self.tx())
        .await?;
        self.enabled_addons = None;
        Ok(id)
    }

    /// Saves an integration's settings; a paused one is probed at once (its
    /// target may be what was fixed).
    pub async fn update_integration(&mut self, addon: &IntegrationRow) -> StorageResult<()> {
        sqlx::query(
            "UPDATE addons SET provider = $1, description = $2, enabled = $3, parameters = $4, \
             events = $5, projects = $6, environments = $7, \
             paused_until = CASE WHEN paused_until IS NULL THEN NULL ELSE $9 END WHERE id = $8",
        )
        .bind(&addon.provider)
        .bind(&addon.description)
        .bind(i64::from(addon.enabled))
        .bind(to_json(&addon.parameters))
        .bind(to_json(&addon.events))
        .bind(to_json(&addon.projects))
        .bind(to_json(&addon.environments))
        .bind(addon.id)
        .bind(instant_text(&self.clock().now()))
        .execute(self.tx())
        .await?;
        self.enabled_addons = None;
        Ok(())
    }

    /// Deletes an integration with its pending deliveries and its log.
    pub async fn delete_integration(&mut self, id: i64) -> StorageResult<()> {
        for table in ["addon_attempts", "addon_deliveries"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE addon_id = $1"))
                .bind(id)
                .execute(self.tx())
                .await?;
        }
        sqlx::query("DELETE FROM addons WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        self.enabled_addons = None;
        Ok(())
    }

    /// Pauses an integration's deliveries until `until` (its first pause).
    pub async fn pause_integration(&mut self, id: i64, until: &DateTime<Utc>) -> StorageResult<()> {
        sqlx::query("UPDATE addons SET paused_until = $1, pauses = 1 WHERE id = $2")
            .bind(instant_text(until))
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Resumes an integration's deliveries: what waited is due now (retries
    /// that backed off while its target was down included).
    pub async fn resume_integration(&mut self, id: i64) -> StorageResult<()> {
        sqlx::query("UPDATE addons SET paused_until = NULL, pauses = 0 WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        let now = instant_text(&self.clock().now());
        sqlx::query(
            "UPDATE addon_deliveries SET next_attempt_at = $1 \
             WHERE addon_id = $2 AND state = 'pending' AND next_attempt_at > $1",
        )
        .bind(&now)
        .bind(id)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Writes the outbox rows of a recorded event: one per enabled
    /// integration that wants it. The integrations are read once per change.
    pub(super) async fn queue_deliveries(
        &mut self,
        event_id: i64,
        event: &NewEvent,
    ) -> StorageResult<()> {
        if self.enabled_addons.is_none() {
            let rows = sqlx::query(&format!("{ADDON_SELECT} WHERE enabled = 1 ORDER BY id"))
                .fetch_all(self.tx())
                .await?;
            let addons = rows
                .iter()
                .map(integration_from_row)
                .collect::<StorageResult<_>>()?;
            self.enabled_addons = Some(addons);
        }
        let wanted: Vec<i64> = self
            .enabled_addons
            .iter()
            .flatten()
            .filter(|a| a.wants(event))
            .map(|a| a.id)
            .collect();
        for addon_id in wanted {
            self.queue_delivery(addon_id, event_id, event).await?;
        }
        Ok(())
    }

    /// Writes the outbox row of `event_id` for integration `addon_id`.
    pub(super) async fn queue_delivery(
        &mut self,
        addon_id: i64,
        event_id: i64,
        event: &NewEvent,
    ) -> StorageResult<()> {
        let now = instant_text(&self.clock().now());
        sqlx::query(
            "INSERT INTO addon_deliveries (addon_id, event_id, feature_name, created_at, state, \
             attempts, next_attempt_at) VALUES ($1, $2, $3, $4, 'pending', 0, $4)",
        )
        .bind(addon_id)
        .bind(event_id)
        .bind(&event.feature_name)
        .bind(&now)
        .execute(self.tx())
        .await?;
        self.queued_deliveries += 1;
        Ok(())
    }
}
