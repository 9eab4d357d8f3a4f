//! The delivery worker's side of the integrations' outbox: claiming due rows
//! with a lease, recording each attempt and its outcome (which drives the
//! integration's [`DeliveryCircuit`](super::DeliveryCircuit)), the delivery
//! log, and pruning. How rows enter the outbox is in `integrations.rs`.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, instant_text, optional_instant};
use super::integrations::integration_from_row;
use super::{flag, from_json, EventRecord, IntegrationRow, Reader, Source, StorageResult, Store};

/// A delivery a worker has claimed: the integration, the event, and how many
/// attempts were made before this one.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub addon: IntegrationRow,
    pub event: EventRecord,
    pub attempts: i64,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// One attempt, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRow {
    pub id: i64,
    pub addon_id: i64,
    pub event_id: i64,
    pub attempt: i64,
    pub created_at: DateTime<Utc>,
    pub succeeded: bool,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub details: String,
    pub event_type: Option<String>,
    pub feature_name: Option<String>,
    /// When its delivery is tried again: set on the latest attempt of a
    /// delivery still pending (a failure to be retried), else `None`.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// What became of an attempt.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub succeeded: bool,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub details: String,
    /// When to try again after a failure; `None` after a failure: given up.
    pub retry_at: Option<DateTime<Utc>>,
    /// A failed probe of a paused integration: paused again until then.
    pub paused_again_until: Option<DateTime<Utc>>,
}

impl<S: Source> Reader<S> {
    /// The delivery log of an integration, newest first.
    pub async fn integration_attempts(
        &self,
        addon_id: i64,
        limit: i64,
    ) -> StorageResult<Vec<AttemptRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.addon_id, a.event_id, a.attempt, a.created_at, a.succeeded, a.status, \
             a.latency_ms, a.details, e.type AS event_type, e.feature_name, \
             CASE WHEN d.state = 'pending' AND d.attempts = a.attempt \
                 THEN d.next_attempt_at END AS next_attempt_at \
             FROM addon_attempts a LEFT JOIN events e ON e.id = a.event_id \
             LEFT JOIN addon_deliveries d ON d.id = a.delivery_id \
             WHERE a.addon_id = $1 ORDER BY a.id DESC LIMIT $2",
        )
        .bind(addon_id)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AttemptRow {
                    id: r.try_get("id")?,
                    addon_id: r.try_get("addon_id")?,
                    event_id: r.try_get("event_id")?,
                    attempt: r.try_get("attempt")?,
                    created_at: instant(r, "created_at")?,
                    succeeded: flag(r, "succeeded")?,
                    status: r.try_get("status")?,
                    latency_ms: r.try_get("latency_ms")?,
                    details: r.try_get("details")?,
                    event_type: r.try_get("event_type")?,
                    feature_name: r.try_get("feature_name")?,
                    next_attempt_at: optional_instant(r, "next_attempt_at")?,
                })
            })
            .collect()
    }

    /// Deliveries not yet delivered or given up (for tests and `/metrics`).
    pub async fn pending_deliveries(&self) -> StorageResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM addon_deliveries WHERE state = 'pending'")
                .fetch_one(&mut *self.conn().await?)
                .await?,
        )
    }
}

impl Store {
    /// Claims up to `limit` due deliveries until `lease_until`: each
    /// one only if no other process holds it and it is the oldest pending
    /// delivery of its integration and flag (so a flag's notifications leave
    /// in commit order). Fair between integrations: round-robin (every
    /// integration's oldest due row, then every second oldest, …), and at
    /// most `per_integration` leased at once for each (counting other
    /// processes' leases), one while it is paused and its pause is over (a
    /// probe), none before. Two statements whatever the batch: one `UPDATE`
    /// that takes the leases (only rows nobody else holds, so several
    /// replicas never send a row twice), one read of the rows won.
    pub async fn claim_deliveries(
        &self,
        limit: i64,
        lease_until: &DateTime<Utc>,
        per_integration: i64,
    ) -> StorageResult<Vec<ClaimedDelivery>> {
        let now = instant_text(&self.clock().now());
        let won: Vec<i64> = sqlx::query_scalar(
            "UPDATE addon_deliveries SET leased_until = $1 WHERE id IN ( \
                 SELECT id FROM ( \
                     SELECT d.id, \
                         ROW_NUMBER() OVER (PARTITION BY d.addon_id ORDER BY d.id) AS turn, \
                         CASE WHEN a.paused_until IS NULL THEN $4 ELSE 1 END \
                             - COALESCE(busy.n, 0) AS room \
                     FROM addon_deliveries d JOIN ( \
                         SELECT MIN(id) AS id FROM addon_deliveries WHERE state = 'pending' \
                         GROUP BY addon_id, COALESCE(feature_name, '#' || CAST(id AS TEXT))) heads \
                     ON heads.id = d.id \
                     JOIN addons a ON a.id = d.addon_id \
                     LEFT JOIN ( \
                         SELECT addon_id, COUNT(*) AS n FROM addon_deliveries \
                         WHERE state = 'pending' AND leased_until >= $2 GROUP BY addon_id) busy \
                     ON busy.addon_id = d.addon_id \
                     WHERE d.next_attempt_at <= $2 \
                         AND (d.leased_until IS NULL OR d.leased_until < $2) \
                         AND (a.paused_until IS NULL OR a.paused_until <= $2)) due \
                 WHERE turn <= room ORDER BY turn, id LIMIT $3) \
             AND state = 'pending' AND (leased_until IS NULL OR leased_until < $2) RETURNING id",
        )
        .bind(instant_text(lease_until))
        .bind(&now)
        .bind(limit)
        .bind(per_integration)
        .fetch_all(self.pool())
        .await?;
        if won.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=won.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT d.id AS delivery_id, d.addon_id, d.event_id, d.attempts, d.created_at AS queued_at, \
             a.id, a.provider, a.description, a.enabled, a.parameters, a.events, a.projects, \
             a.environments, a.signing_secret, a.created_at, a.delivery_failures, a.paused_until, \
             a.pauses, e.revision AS e_revision, e.type AS e_type, e.created_at AS e_created_at, \
             e.created_by AS e_created_by, e.project AS e_project, e.environment AS e_environment, \
             e.feature_name AS e_feature_name, e.pre_data AS e_pre_data, e.data AS e_data, e.tags AS e_tags, \
             e.action_depth AS e_action_depth \
             FROM addon_deliveries d JOIN addons a ON a.id = d.addon_id JOIN events e ON e.id = d.event_id \
             WHERE d.id IN ({}) ORDER BY d.id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in &won {
            query = query.bind(id);
        }
        let rows = query.fetch_all(self.pool()).await?;
        let json = |row: &AnyRow, column: &str| -> StorageResult<Option<serde_json::Value>> {
            row.try_get::<Option<String>, _>(column)?
                .map(|text| from_json(&text))
                .transpose()
        };
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            claimed.push(ClaimedDelivery {
                id: row.try_get("delivery_id")?,
                addon: integration_from_row(row)?,
                event: EventRecord {
                    id: row.try_get("event_id")?,
                    revision: row.try_get("e_revision")?,
                    event_type: row.try_get("e_type")?,
                    created_at: instant(row, "e_created_at")?,
                    created_by: row.try_get("e_created_by")?,
                    project: row.try_get("e_project")?,
                    environment: row.try_get("e_environment")?,
                    feature_name: row.try_get("e_feature_name")?,
                    pre_data: json(row, "e_pre_data")?,
                    data: json(row, "e_data")?,
                    tags: super::events::event_tags(row, "e_tags")?,
                    action_depth: row.try_get("e_action_depth")?,
                },
                attempts: row.try_get("attempts")?,
                created_at: instant(row, "queued_at")?,
            });
        }
        // Rows whose integration or event is gone have nothing left to send.
        if claimed.len() < won.len() {
            for id in won
                .iter()
                .filter(|id| !claimed.iter().any(|c| c.id == **id))
            {
                sqlx::query("UPDATE addon_deliveries SET state = 'dropped' WHERE id = $1")
                    .bind(id)
                    .execute(self.pool())
                    .await?;
            }
        }
        Ok(claimed)
    }

    /// Logs attempts and settles their deliveries (delivered, to be retried at
    /// `retry_at`, or given up), releasing the leases, and counts each
    /// integration's failures in a row; one transaction. Returns the
    /// integrations whose circuit should change: failing `pause_after` times
    /// in a row while running, or succeeding while paused.
    pub async fn finish_attempts(
        &self,
        finished: &[(ClaimedDelivery, AttemptOutcome)],
        pause_after: i64,
    ) -> StorageResult<Vec<i64>> {
        let mut tx = self.pool().begin().await?;
        let mut touched: Vec<i64> = Vec::new();
        for (delivery, outcome) in finished {
            let attempt = delivery.attempts + 1;
            let now = instant_text(&self.clock().now());
            sqlx::query(
                "INSERT INTO addon_attempts (addon_id, delivery_id, event_id, attempt, created_at, \
                 succeeded, status, latency_ms, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(delivery.addon.id)
            .bind(delivery.id)
            .bind(delivery.event.id)
            .bind(attempt)
            .bind(&now)
            .bind(i64::from(outcome.succeeded))
            .bind(outcome.status)
            .bind(outcome.latency_ms)
            .bind(&outcome.details)
            .execute(&mut *tx)
            .await?;
            let (state, next) = match (&outcome.retry_at, outcome.succeeded) {
                (_, true) => ("delivered", now.clone()),
                (Some(at), false) => ("pending", instant_text(at)),
                (None, false) => ("failed", now.clone()),
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
            let failures = if outcome.succeeded {
                "0"
            } else {
                "delivery_failures + 1"
            };
            sqlx::query(&format!(
                "UPDATE addons SET delivery_failures = {failures} WHERE id = $1"
            ))
            .bind(delivery.addon.id)
            .execute(&mut *tx)
            .await?;
            if let Some(until) = &outcome.paused_again_until {
                // A failed probe (only once the pause is over: attempts that
                // were in flight when it began do not lengthen it).
                sqlx::query(
                    "UPDATE addons SET paused_until = $1, pauses = pauses + 1 \
                     WHERE id = $2 AND paused_until IS NOT NULL AND paused_until <= $3",
                )
                .bind(instant_text(until))
                .bind(delivery.addon.id)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            }
            if !touched.contains(&delivery.addon.id) {
                touched.push(delivery.addon.id);
            }
        }
        let mut changing = Vec::new();
        for id in touched {
            let change: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM addons WHERE id = $1 AND ( \
                 (paused_until IS NULL AND delivery_failures >= $2) \
                 OR (paused_until IS NOT NULL AND delivery_failures = 0))",
            )
            .bind(id)
            .bind(pause_after)
            .fetch_optional(&mut *tx)
            .await?;
            changing.extend(change);
        }
        tx.commit().await?;
        Ok(changing)
    }

    /// Prunes the delivery log and settled deliveries older than `before`.
    pub async fn prune_deliveries(&self, before: &DateTime<Utc>) -> StorageResult<()> {
        let before = instant_text(before);
        sqlx::query("DELETE FROM addon_attempts WHERE created_at < $1")
            .bind(&before)
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
