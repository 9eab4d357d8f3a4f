//! Integrations (Unleash's addons), their outbox and their delivery log.
//!
//! The outbox row of an event is written by [`WriteTx::record_event`], in the
//! change's own transaction, for every enabled integration whose filters
//! match; so nothing committed can be lost. Workers on any replica claim due
//! rows with a lease (a conditional `UPDATE` that only one process can win),
//! never a row whose flag has an older delivery still pending for the same
//! integration — so one flag's notifications leave in commit order.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{
    flag, from_json, now_text, to_json, EventRecord, NewEvent, StorageResult, Store, WriteTx,
};

#[derive(Debug, Clone, PartialEq)]
pub struct AddonRow {
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
    pub created_at: String,
}

impl AddonRow {
    /// Whether this integration sends `event` (Unleash's rule: the event type is
    /// one it lists, and its project and environment pass the filters).
    pub fn wants(&self, event: &NewEvent) -> bool {
        let passes = |filter: &[String], value: &Option<String>| {
            filter.is_empty()
                || filter.first().is_some_and(|f| f == "*")
                || value.as_ref().is_some_and(|v| filter.contains(v))
        };
        self.enabled
            && self.events.iter().any(|e| e == event.event_type)
            && passes(&self.projects, &event.project)
            && passes(&self.environments, &event.environment)
    }
}

const ADDON_SELECT: &str = "SELECT id, provider, description, enabled, parameters, events, \
     projects, environments, signing_secret, created_at FROM addons";

fn addon_from_row(r: &AnyRow) -> StorageResult<AddonRow> {
    Ok(AddonRow {
        id: r.try_get("id")?,
        provider: r.try_get("provider")?,
        description: r.try_get("description")?,
        enabled: flag(r, "enabled")?,
        parameters: from_json(&r.try_get::<String, _>("parameters")?)?,
        events: from_json(&r.try_get::<String, _>("events")?)?,
        projects: from_json(&r.try_get::<String, _>("projects")?)?,
        environments: from_json(&r.try_get::<String, _>("environments")?)?,
        signing_secret: r.try_get("signing_secret")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A delivery a worker has claimed: the integration, the event, and how many
/// attempts were made before this one.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub addon: AddonRow,
    pub event: EventRecord,
    pub attempts: i64,
    pub created_at: String,
}

/// One attempt, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRow {
    pub id: i64,
    pub addon_id: i64,
    pub event_id: i64,
    pub attempt: i64,
    pub created_at: String,
    pub succeeded: bool,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub details: String,
    pub event_type: Option<String>,
    pub feature_name: Option<String>,
}

/// What became of an attempt.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub succeeded: bool,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub details: String,
    /// When to try again after a failure; `None` after a failure: given up.
    pub retry_at: Option<String>,
}

impl WriteTx<'_> {
    pub async fn addons(&mut self) -> StorageResult<Vec<AddonRow>> {
        let rows = sqlx::query(&format!("{ADDON_SELECT} ORDER BY id"))
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(addon_from_row).collect()
    }

    pub async fn addon(&mut self, id: i64) -> StorageResult<AddonRow> {
        let row = sqlx::query(&format!("{ADDON_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        match row {
            Some(row) => addon_from_row(&row),
            None => Err(super::StorageError::NotFound(format!(
                "Could not find addon with id {id}"
            ))),
        }
    }

    /// Stores a new integration; its id.
    pub async fn insert_addon(&mut self, addon: &AddonRow) -> StorageResult<i64> {
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
        .bind(&addon.created_at)
        .fetch_one(&mut *self.tx)
        .await?;
        self.enabled_addons = None;
        Ok(id)
    }

    pub async fn update_addon(&mut self, addon: &AddonRow) -> StorageResult<()> {
        sqlx::query(
            "UPDATE addons SET provider = $1, description = $2, enabled = $3, parameters = $4, \
             events = $5, projects = $6, environments = $7 WHERE id = $8",
        )
        .bind(&addon.provider)
        .bind(&addon.description)
        .bind(i64::from(addon.enabled))
        .bind(to_json(&addon.parameters))
        .bind(to_json(&addon.events))
        .bind(to_json(&addon.projects))
        .bind(to_json(&addon.environments))
        .bind(addon.id)
        .execute(&mut *self.tx)
        .await?;
        self.enabled_addons = None;
        Ok(())
    }

    /// Deletes an integration with its pending deliveries and its log.
    pub async fn delete_addon(&mut self, id: i64) -> StorageResult<()> {
        for table in ["addon_attempts", "addon_deliveries"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE addon_id = $1"))
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        }
        sqlx::query("DELETE FROM addons WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        self.enabled_addons = None;
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
                .fetch_all(&mut *self.tx)
                .await?;
            let addons = rows
                .iter()
                .map(addon_from_row)
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
        let now = now_text();
        for addon_id in wanted {
            sqlx::query(
                "INSERT INTO addon_deliveries (addon_id, event_id, feature_name, created_at, state, \
                 attempts, next_attempt_at) VALUES ($1, $2, $3, $4, 'pending', 0, $4)",
            )
            .bind(addon_id)
            .bind(event_id)
            .bind(&event.feature_name)
            .bind(&now)
            .execute(&mut *self.tx)
            .await?;
            self.queued_deliveries += 1;
        }
        Ok(())
    }
}

impl Store {
    pub async fn addons(&self) -> StorageResult<Vec<AddonRow>> {
        let rows = sqlx::query(&format!("{ADDON_SELECT} ORDER BY id"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(addon_from_row).collect()
    }

    /// Claims up to `limit` due deliveries for `lease_until` (RFC 3339): each
    /// one only if no other process holds it and no older delivery of the same
    /// integration and flag is still pending.
    pub async fn claim_deliveries(
        &self,
        limit: i64,
        lease_until: &str,
    ) -> StorageResult<Vec<ClaimedDelivery>> {
        let now = now_text();
        let candidates = sqlx::query(
            "SELECT d.id FROM addon_deliveries d WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
             AND (d.leased_until IS NULL OR d.leased_until < $1) \
             AND NOT EXISTS (SELECT 1 FROM addon_deliveries e WHERE e.addon_id = d.addon_id \
                 AND e.feature_name = d.feature_name AND e.state = 'pending' AND e.id < d.id) \
             ORDER BY d.id LIMIT $2",
        )
        .bind(&now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut claimed = Vec::new();
        for row in candidates {
            let id: i64 = row.try_get("id")?;
            let won = sqlx::query(
                "UPDATE addon_deliveries SET leased_until = $1 WHERE id = $2 AND state = 'pending' \
                 AND (leased_until IS NULL OR leased_until < $3)",
            )
            .bind(lease_until)
            .bind(id)
            .bind(&now)
            .execute(self.pool())
            .await?
            .rows_affected()
                == 1;
            if !won {
                continue;
            }
            let row = sqlx::query(
                "SELECT d.id, d.addon_id, d.event_id, d.attempts, d.created_at FROM addon_deliveries d WHERE d.id = $1",
            )
            .bind(id)
            .fetch_one(self.pool())
            .await?;
            let addon_id: i64 = row.try_get("addon_id")?;
            let event_id: i64 = row.try_get("event_id")?;
            let addon = sqlx::query(&format!("{ADDON_SELECT} WHERE id = $1"))
                .bind(addon_id)
                .fetch_optional(self.pool())
                .await?;
            let event = self.event_by_id(event_id).await?;
            match (addon, event) {
                (Some(addon), Some(event)) => claimed.push(ClaimedDelivery {
                    id,
                    addon: addon_from_row(&addon)?,
                    event,
                    attempts: row.try_get("attempts")?,
                    created_at: row.try_get("created_at")?,
                }),
                // The integration or the event is gone: nothing left to send.
                _ => {
                    sqlx::query("UPDATE addon_deliveries SET state = 'dropped' WHERE id = $1")
                        .bind(id)
                        .execute(self.pool())
                        .await?;
                }
            }
        }
        Ok(claimed)
    }

    /// Logs an attempt and settles its delivery (delivered, to be retried at
    /// `retry_at`, or given up), releasing the lease; one transaction.
    pub async fn finish_attempt(
        &self,
        delivery: &ClaimedDelivery,
        outcome: &AttemptOutcome,
    ) -> StorageResult<()> {
        let mut tx = self.pool().begin().await?;
        let attempt = delivery.attempts + 1;
        sqlx::query(
            "INSERT INTO addon_attempts (addon_id, delivery_id, event_id, attempt, created_at, \
             succeeded, status, latency_ms, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(delivery.addon.id)
        .bind(delivery.id)
        .bind(delivery.event.id)
        .bind(attempt)
        .bind(now_text())
        .bind(i64::from(outcome.succeeded))
        .bind(outcome.status)
        .bind(outcome.latency_ms)
        .bind(&outcome.details)
        .execute(&mut *tx)
        .await?;
        let (state, next) = match (&outcome.retry_at, outcome.succeeded) {
            (_, true) => ("delivered", now_text()),
            (Some(at), false) => ("pending", at.clone()),
            (None, false) => ("failed", now_text()),
        };
        sqlx::query(
            "UPDATE addon_deliveries SET state = $1, attempts = $2, next_attempt_at = $3, \
             leased_until = NULL WHERE id = $4",
        )
        .bind(state)
        .bind(attempt)
        .bind(next)
        .bind(delivery.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The delivery log of an integration, newest first.
    pub async fn addon_attempts(
        &self,
        addon_id: i64,
        limit: i64,
    ) -> StorageResult<Vec<AttemptRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.addon_id, a.event_id, a.attempt, a.created_at, a.succeeded, a.status, \
             a.latency_ms, a.details, e.type AS event_type, e.feature_name \
             FROM addon_attempts a LEFT JOIN events e ON e.id = a.event_id \
             WHERE a.addon_id = $1 ORDER BY a.id DESC LIMIT $2",
        )
        .bind(addon_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AttemptRow {
                    id: r.try_get("id")?,
                    addon_id: r.try_get("addon_id")?,
                    event_id: r.try_get("event_id")?,
                    attempt: r.try_get("attempt")?,
                    created_at: r.try_get("created_at")?,
                    succeeded: flag(r, "succeeded")?,
                    status: r.try_get("status")?,
                    latency_ms: r.try_get("latency_ms")?,
                    details: r.try_get("details")?,
                    event_type: r.try_get("event_type")?,
                    feature_name: r.try_get("feature_name")?,
                })
            })
            .collect()
    }

    /// Deliveries not yet delivered or given up (for tests and `/metrics`).
    pub async fn pending_deliveries(&self) -> StorageResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM addon_deliveries WHERE state = 'pending'")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Prunes the delivery log and settled deliveries older than `before`.
    pub async fn prune_deliveries(&self, before: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM addon_attempts WHERE created_at < $1")
            .bind(before)
            .execute(self.pool())
            .await?;
        sqlx::query(
            "DELETE FROM addon_deliveries WHERE state <> 'pending' AND next_attempt_at < $1",
        )
        .bind(before)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
