//! Action sets ("when a signal on this endpoint matches, do these steps") and
//! the log of their runs. Action sets change through admin operations; a run
//! is logged outside the change pipeline ([`Store::log_action_run`]) — the
//! steps it ran are changes of their own — and only the newest runs of each
//! action set are kept, pruned in the write that adds one. A run names its
//! signal (stored once, in `signals`), which reading a run joins in.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{decoded, instant, instant_text};
use super::signals::{signal_from_row, SIGNAL_COLUMNS};
use super::{
    flag, from_json, now, to_json, Reader, SignalRow, Source, StorageResult, Store, WriteTx,
};

/// A condition on a signal's payload, by its dotted path: Unleash's constraint
/// fields without the context name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"operator": "IN", "values": ["In QA"]}))]
pub struct PayloadFilter {
    /// A constraint operator (`IN`, `STR_CONTAINS`, `NUM_GT`, ...).
    pub operator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default)]
    pub case_insensitive: bool,
    #[serde(default)]
    pub inverted: bool,
}

/// One step of an action set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionStep {
    /// Position in the set, from 1 (shown as the action's `id`).
    pub id: i64,
    pub action: String,
    pub sort_order: i64,
    pub execution_params: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionSetRow {
    pub id: i64,
    pub project: String,
    pub name: String,
    pub description: Option<String>,
    pub enabled: bool,
    /// Always `signal-endpoint` for now (Unleash's only source).
    pub source: String,
    pub source_id: i64,
    /// Path → filter; all must hold.
    pub filters: BTreeMap<String, PayloadFilter>,
    pub actor_id: Option<i64>,
    /// In the order they run.
    pub actions: Vec<ActionStep>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// How a run of an action set ended (the `state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Every step ran.
    Success,
    /// A step failed (the ones after it did not start).
    Failed,
    /// Not run: the loop guard.
    Skipped,
}

impl RunState {
    pub fn parse(text: &str) -> Option<RunState> {
        match text {
            "success" => Some(RunState::Success),
            "failed" => Some(RunState::Failed),
            "skipped" => Some(RunState::Skipped),
            _ => None,
        }
    }

    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Success => "success",
            RunState::Failed => "failed",
            RunState::Skipped => "skipped",
        }
    }
}

impl std::fmt::Display for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One logged run of an action set.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRunRow {
    pub id: i64,
    pub action_set_id: i64,
    pub signal_id: i64,
    pub state: RunState,
    /// The signal it ran for, read with the run (not written with it); `None`
    /// when that signal is gone (its endpoint was deleted).
    pub signal: Option<SignalRow>,
    /// The action set as it ran, each action with its `state` and `details`.
    pub action_set: Value,
    /// When it was logged (a run to log is stamped as it is written).
    pub created_at: DateTime<Utc>,
}

const SET_COLUMNS: &str = "id, project, name, description, enabled, source, source_id, filters, \
     actor_id, actions, created_at, created_by";

fn set_from_row(r: &AnyRow) -> StorageResult<ActionSetRow> {
    Ok(ActionSetRow {
        id: r.try_get("id")?,
        project: r.try_get("project")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        enabled: flag(r, "enabled")?,
        source: r.try_get("source")?,
        source_id: r.try_get("source_id")?,
        filters: from_json(&r.try_get::<String, _>("filters")?)?,
        actor_id: r.try_get("actor_id")?,
        actions: from_json(&r.try_get::<String, _>("actions")?)?,
        created_at: instant(r, "created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

fn run_from_row(r: &AnyRow) -> StorageResult<ActionRunRow> {
    Ok(ActionRunRow {
        id: r.try_get("id")?,
        action_set_id: r.try_get("action_set_id")?,
        signal_id: r.try_get("signal_id")?,
        state: decoded(r, "state", RunState::parse, "a run state")?,
        signal: match r.try_get::<Option<i64>, _>("s_id")? {
            Some(_) => Some(signal_from_row(r, "s_")?),
            None => None,
        },
        action_set: from_json(&r.try_get::<String, _>("action_set")?)?,
        created_at: instant(r, "created_at")?,
    })
}

impl<S: Source> Reader<S> {
    pub async fn action_sets(&self, project: &str) -> StorageResult<Vec<ActionSetRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {SET_COLUMNS} FROM action_sets WHERE project = $1 ORDER BY id"
        ))
        .bind(project)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(set_from_row).collect()
    }
    pub async fn action_set(&self, project: &str, id: i64) -> StorageResult<Option<ActionSetRow>> {
        let row = sqlx::query(&format!(
            "SELECT {SET_COLUMNS} FROM action_sets WHERE project = $1 AND id = $2"
        ))
        .bind(project)
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(set_from_row).transpose()
    }

    /// The enabled action sets listening to a signal endpoint, oldest first.
    pub async fn enabled_action_sets_for(
        &self,
        endpoint_id: i64,
    ) -> StorageResult<Vec<ActionSetRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {SET_COLUMNS} FROM action_sets WHERE source_id = $1 AND enabled = 1 ORDER BY id"
        ))
        .bind(endpoint_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(set_from_row).collect()
    }

    /// An action set's runs, newest first.
    pub async fn action_runs(
        &self,
        action_set_id: i64,
        limit: i64,
        offset: i64,
    ) -> StorageResult<Vec<ActionRunRow>> {
        let signal_columns: Vec<String> = SIGNAL_COLUMNS
            .split(", ")
            .map(|column| format!("s.{column} AS s_{column}"))
            .collect();
        let rows = sqlx::query(&format!(
            "SELECT r.id, r.action_set_id, r.signal_id, r.state, r.action_set, r.created_at, \
             {} FROM action_set_runs r LEFT JOIN signals s ON s.id = r.signal_id \
             WHERE r.action_set_id = $1 ORDER BY r.id DESC LIMIT $2 OFFSET $3",
            signal_columns.join(", ")
        ))
        .bind(action_set_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// The names of the action sets listening to a signal endpoint.
    pub async fn action_sets_using(&self, endpoint_id: i64) -> StorageResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT name FROM action_sets WHERE source_id = $1 ORDER BY project, name",
        )
        .bind(endpoint_id)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }
}

impl Store {
    /// Logs a run and drops all but the action set's `keep` newest, in one
    /// transaction that first locks the action set's row. `false`: the action
    /// set was deleted meanwhile, and nothing was logged.
    pub async fn log_action_run(&self, run: &ActionRunRow, keep: i64) -> StorageResult<bool> {
        let mut w = self.write_unversioned().await?;
        let locked = sqlx::query("UPDATE action_sets SET enabled = enabled WHERE id = $1")
            .bind(run.action_set_id)
            .execute(w.tx())
            .await?;
        if locked.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO action_set_runs (action_set_id, signal_id, state, action_set, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(run.action_set_id)
        .bind(run.signal_id)
        .bind(run.state.as_str())
        .bind(run.action_set.to_string())
        .bind(instant_text(&now()))
        .execute(w.tx())
        .await?;
        sqlx::query(
            "DELETE FROM action_set_runs WHERE action_set_id = $1 AND id <= (SELECT id FROM \
             action_set_runs WHERE action_set_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
        )
        .bind(run.action_set_id)
        .bind(keep)
        .execute(w.tx())
        .await?;
        w.commit().await?;
        Ok(true)
    }
}

impl WriteTx<'_> {
    pub async fn insert_action_set(&mut self, set: &ActionSetRow) -> StorageResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO action_sets (project, name, description, enabled, source, source_id, \
             filters, actor_id, actions, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&set.project)
        .bind(&set.name)
        .bind(&set.description)
        .bind(i64::from(set.enabled))
        .bind(&set.source)
        .bind(set.source_id)
        .bind(to_json(&set.filters))
        .bind(set.actor_id)
        .bind(to_json(&set.actions))
        .bind(instant_text(&set.created_at))
        .bind(&set.created_by)
        .fetch_one(self.tx())
        .await?)
    }

    pub async fn update_action_set(&mut self, set: &ActionSetRow) -> StorageResult<()> {
        sqlx::query(
            "UPDATE action_sets SET name = $1, description = $2, enabled = $3, source = $4, \
             source_id = $5, filters = $6, actor_id = $7, actions = $8 WHERE id = $9",
        )
        .bind(&set.name)
        .bind(&set.description)
        .bind(i64::from(set.enabled))
        .bind(&set.source)
        .bind(set.source_id)
        .bind(to_json(&set.filters))
        .bind(set.actor_id)
        .bind(to_json(&set.actions))
        .bind(set.id)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Deletes an action set with the log of its runs.
    pub async fn delete_action_set(&mut self, id: i64) -> StorageResult<()> {
        for statement in [
            "DELETE FROM action_set_runs WHERE action_set_id = $1",
            "DELETE FROM action_sets WHERE id = $1",
        ] {
            sqlx::query(statement).bind(id).execute(self.tx()).await?;
        }
        Ok(())
    }
}
