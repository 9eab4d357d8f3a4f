//! Signal endpoints, their tokens, and the signals they received. Endpoints
//! and tokens change through admin operations (change transactions, with
//! events); a signal is stored outside the change pipeline
//! ([`Store::store_signal`]): it is data an external system sent, not a change,
//! so it takes no revision and never waits for the change lock. Only the
//! newest signals of each endpoint are kept whole, within a count and a byte
//! budget, pruned in the write that adds one; an older signal a kept run names
//! stays without its payload. A signal is stored once: runs name it.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, instant_text};
use super::{flag, from_json, now, Reader, Source, StorageResult, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalEndpointRow {
    pub id: i64,
    /// URL-safe: the endpoint is `POST /api/signal-endpoint/<name>`.
    pub name: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalTokenRow {
    pub id: i64,
    pub endpoint_id: i64,
    pub name: String,
    pub secret_hash: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignalRow {
    pub id: i64,
    pub endpoint_id: i64,
    /// The name of the token that sent it.
    pub token_name: String,
    /// `null` once pruned while a run still names it.
    pub payload: Value,
    pub created_at: DateTime<Utc>,
    /// How deep in a chain of action runs the change that sent it was made
    /// (0: sent by anything else); see [`crate::actions`].
    pub action_depth: i64,
}

/// How much of an endpoint's signals is kept whole: the newest `count`, as
/// long as their payloads add up to at most `bytes` (the newest is always kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalsKept {
    pub count: i64,
    pub bytes: i64,
}

const ENDPOINT_COLUMNS: &str = "id, name, description, enabled, created_at, created_by";
const TOKEN_COLUMNS: &str = "id, endpoint_id, name, secret_hash, created_at, created_by";

fn endpoint_from_row(r: &AnyRow) -> StorageResult<SignalEndpointRow> {
    Ok(SignalEndpointRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        enabled: flag(r, "enabled")?,
        created_at: instant(r, "created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

fn token_from_row(r: &AnyRow) -> StorageResult<SignalTokenRow> {
    Ok(SignalTokenRow {
        id: r.try_get("id")?,
        endpoint_id: r.try_get("endpoint_id")?,
        name: r.try_get("name")?,
        secret_hash: r.try_get("secret_hash")?,
        created_at: instant(r, "created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

/// A signal from a row whose signal columns are named `<prefix><column>`.
pub(super) fn signal_from_row(r: &AnyRow, prefix: &str) -> StorageResult<SignalRow> {
    let column = |name: &str| format!("{prefix}{name}");
    Ok(SignalRow {
        id: r.try_get(column("id").as_str())?,
        endpoint_id: r.try_get(column("endpoint_id").as_str())?,
        token_name: r.try_get(column("token_name").as_str())?,
        payload: from_json(&r.try_get::<String, _>(column("payload").as_str())?)?,
        created_at: instant(r, &column("created_at"))?,
        action_depth: r.try_get(column("action_depth").as_str())?,
    })
}

/// The columns of a signal, for queries that read one.
pub(super) const SIGNAL_COLUMNS: &str =
    "id, endpoint_id, token_name, payload, created_at, action_depth";

impl<S: Source> Reader<S> {
    pub async fn signal_endpoints(&self) -> StorageResult<Vec<SignalEndpointRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM signal_endpoints ORDER BY id"
        ))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(endpoint_from_row).collect()
    }
    pub async fn signal_endpoint(&self, id: i64) -> StorageResult<Option<SignalEndpointRow>> {
        let row = sqlx::query(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM signal_endpoints WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(endpoint_from_row).transpose()
    }
    pub async fn signal_tokens(&self, endpoint_id: i64) -> StorageResult<Vec<SignalTokenRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM signal_endpoint_tokens WHERE endpoint_id = $1 ORDER BY id"
        ))
        .bind(endpoint_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Every endpoint's tokens, in one query (for lists).
    pub async fn all_signal_tokens(&self) -> StorageResult<Vec<SignalTokenRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM signal_endpoint_tokens ORDER BY endpoint_id, id"
        ))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// The secret hashes of every signal endpoint token (for the token cache).
    pub async fn signal_token_hashes(&self) -> StorageResult<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT secret_hash FROM signal_endpoint_tokens")
                .fetch_all(&mut *self.conn().await?)
                .await?,
        )
    }

    /// The endpoint called `name` and its token whose secret hashes to
    /// `secret_hash`, if both exist (one indexed lookup).
    pub async fn signal_token(
        &self,
        name: &str,
        secret_hash: &str,
    ) -> StorageResult<Option<(SignalEndpointRow, SignalTokenRow)>> {
        let row = sqlx::query(
            "SELECT e.id, e.name, e.description, e.enabled, e.created_at, e.created_by, \
             t.id AS token_id, t.name AS token_name, t.created_at AS token_created_at, \
             t.created_by AS token_created_by \
             FROM signal_endpoint_tokens t JOIN signal_endpoints e ON e.id = t.endpoint_id \
             WHERE t.secret_hash = $1 AND e.name = $2",
        )
        .bind(secret_hash)
        .bind(name)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let endpoint = endpoint_from_row(&row)?;
        let token = SignalTokenRow {
            id: row.try_get("token_id")?,
            endpoint_id: endpoint.id,
            name: row.try_get("token_name")?,
            secret_hash: secret_hash.to_owned(),
            created_at: instant(&row, "token_created_at")?,
            created_by: row.try_get("token_created_by")?,
        };
        Ok(Some((endpoint, token)))
    }

    /// A page of an endpoint's signals, newest first.
    pub async fn signals(
        &self,
        endpoint_id: i64,
        limit: i64,
        offset: i64,
    ) -> StorageResult<Vec<SignalRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {SIGNAL_COLUMNS} FROM signals \
             WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(endpoint_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(|r| signal_from_row(r, "")).collect()
    }
}

impl Store {
    /// Stores a signal for an enabled endpoint and prunes the endpoint's
    /// older ones to `kept`, in one transaction that first locks the
    /// endpoint's row (so concurrent signals prune in turn, and one racing a
    /// disable or delete either lands before it or not at all). A pruned
    /// signal is deleted, or, while a run still names it, kept without its
    /// payload. `None`: the endpoint is gone or disabled, and nothing was
    /// stored.
    pub async fn store_signal(
        &self,
        endpoint_id: i64,
        token_name: &str,
        payload: &Value,
        action_depth: i64,
        kept: SignalsKept,
    ) -> StorageResult<Option<SignalRow>> {
        let mut w = self.write_unversioned().await?;
        let locked = sqlx::query(
            "UPDATE signal_endpoints SET enabled = enabled WHERE id = $1 AND enabled = 1",
        )
        .bind(endpoint_id)
        .execute(w.tx())
        .await?;
        if locked.rows_affected() == 0 {
            return Ok(None);
        }
        let created_at = now();
        let text = payload.to_string();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO signals (endpoint_id, token_name, payload, created_at, payload_bytes, \
             action_depth) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(endpoint_id)
        .bind(token_name)
        .bind(&text)
        .bind(instant_text(&created_at))
        .bind(i64::try_from(text.len()).unwrap_or(i64::MAX))
        .bind(action_depth)
        .fetch_one(w.tx())
        .await?;
        // The oldest signal of the newest `count` whose payloads, newest
        // first, add up to at most `bytes` (one pass over the covering index).
        let oldest_kept: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(id) FROM (SELECT id, \
             ROW_NUMBER() OVER (ORDER BY id DESC) AS newer, \
             SUM(payload_bytes) OVER (ORDER BY id DESC) AS bytes \
             FROM signals WHERE endpoint_id = $1) newest WHERE newer <= $2 AND bytes <= $3",
        )
        .bind(endpoint_id)
        .bind(kept.count)
        .bind(kept.bytes)
        .fetch_one(w.tx())
        .await?;
        let oldest_kept = oldest_kept.unwrap_or(id);
        sqlx::query(
            "DELETE FROM signals WHERE endpoint_id = $1 AND id < $2 AND NOT EXISTS \
             (SELECT 1 FROM action_set_runs r WHERE r.signal_id = signals.id)",
        )
        .bind(endpoint_id)
        .bind(oldest_kept)
        .execute(w.tx())
        .await?;
        sqlx::query(
            "UPDATE signals SET payload = 'null', payload_bytes = 0 \
             WHERE endpoint_id = $1 AND id < $2 AND payload_bytes > 0",
        )
        .bind(endpoint_id)
        .bind(oldest_kept)
        .execute(w.tx())
        .await?;
        w.commit().await?;
        Ok(Some(SignalRow {
            id,
            endpoint_id,
            token_name: token_name.to_owned(),
            payload: payload.clone(),
            created_at,
            action_depth,
        }))
    }
}

impl WriteTx<'_> {
    pub async fn insert_signal_endpoint(
        &mut self,
        endpoint: &SignalEndpointRow,
    ) -> StorageResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO signal_endpoints (name, description, enabled, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&endpoint.name)
        .bind(&endpoint.description)
        .bind(i64::from(endpoint.enabled))
        .bind(instant_text(&endpoint.created_at))
        .bind(&endpoint.created_by)
        .fetch_one(self.tx())
        .await?)
    }

    pub async fn update_signal_endpoint(
        &mut self,
        endpoint: &SignalEndpointRow,
    ) -> StorageResult<()> {
        sqlx::query(
            "UPDATE signal_endpoints SET name = $1, description = $2, enabled = $3 WHERE id = $4",
        )
        .bind(&endpoint.name)
        .bind(&endpoint.description)
        .bind(i64::from(endpoint.enabled))
        .bind(endpoint.id)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Deletes an endpoint with its tokens and signals.
    pub async fn delete_signal_endpoint(&mut self, id: i64) -> StorageResult<()> {
        for statement in [
            "DELETE FROM signals WHERE endpoint_id = $1",
            "DELETE FROM signal_endpoint_tokens WHERE endpoint_id = $1",
            "DELETE FROM signal_endpoints WHERE id = $1",
        ] {
            sqlx::query(statement).bind(id).execute(self.tx()).await?;
        }
        Ok(())
    }

    pub async fn insert_signal_token(&mut self, token: &SignalTokenRow) -> StorageResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO signal_endpoint_tokens (endpoint_id, name, secret_hash, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(token.endpoint_id)
        .bind(&token.name)
        .bind(&token.secret_hash)
        .bind(instant_text(&token.created_at))
        .bind(&token.created_by)
        .fetch_one(self.tx())
        .await?)
    }

    pub async fn rename_signal_token(&mut self, id: i64, name: &str) -> StorageResult<()> {
        sqlx::query("UPDATE signal_endpoint_tokens SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    pub async fn delete_signal_token(&mut self, id: i64) -> StorageResult<()> {
        sqlx::query("DELETE FROM signal_endpoint_tokens WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
