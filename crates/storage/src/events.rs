//! The event log: one row per change, written in the change's transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, instant_text};
use super::{from_json, now_text, to_json, EventKind, Reader, Source, StorageResult, Tag, WriteTx};

/// An event to record with a write.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: EventKind,
    pub created_by: String,
    pub project: Option<String>,
    pub environment: Option<String>,
    pub feature_name: Option<String>,
    pub pre_data: Option<Value>,
    pub data: Option<Value>,
}

impl NewEvent {
    /// An event of this kind and nothing else (by nobody, about nothing):
    /// the base of a struct update that names the rest.
    pub fn new(event_type: EventKind) -> NewEvent {
        NewEvent {
            event_type,
            created_by: String::new(),
            project: None,
            environment: None,
            feature_name: None,
            pre_data: None,
            data: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub id: i64,
    /// The revision of the change that recorded it (several events can share one).
    pub revision: i64,
    pub event_type: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub project: Option<String>,
    pub environment: Option<String>,
    pub feature_name: Option<String>,
    pub pre_data: Option<Value>,
    pub data: Option<Value>,
    /// The flag's tags when the event was recorded (Unleash's event `tags`).
    pub tags: Vec<Tag>,
    /// How deep in a chain of action runs the change was made (0: not by an
    /// action set); not shown, sent with webhooks (the loop guard).
    pub action_depth: i64,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub project: Option<String>,
    pub feature_name: Option<String>,
    pub event_type: Option<String>,
    pub created_by: Option<String>,
    /// Recorded at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Keyset cursor: only events with a smaller id (the last id of the previous page).
    pub before: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

fn event_from_row(row: &AnyRow) -> StorageResult<EventRecord> {
    let json = |column: &str| -> StorageResult<Option<Value>> {
        row.try_get::<Option<String>, _>(column)?
            .map(|text| from_json(&text))
            .transpose()
    };
    Ok(EventRecord {
        id: row.try_get("id")?,
        revision: row
            .try_get::<Option<i64>, _>("revision")?
            .unwrap_or_default(),
        event_type: row.try_get("type")?,
        created_at: instant(row, "created_at")?,
        created_by: row.try_get("created_by")?,
        project: row.try_get("project")?,
        environment: row.try_get("environment")?,
        feature_name: row.try_get("feature_name")?,
        pre_data: json("pre_data")?,
        data: json("data")?,
        tags: event_tags(row, "tags")?,
        action_depth: row.try_get("action_depth")?,
    })
}

/// An event's `tags` column (absent before tags were recorded: none).
pub(super) fn event_tags(row: &AnyRow, column: &str) -> StorageResult<Vec<Tag>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| from_json(&text))
        .transpose()
        .map(Option::unwrap_or_default)
}

impl WriteTx<'_> {
    /// Records an event of this change, tagged with the change's revision
    /// and, when it is about a flag, with the flag's tags as they are now;
    /// queued for every enabled integration that wants it.
    pub async fn record_event(&mut self, event: NewEvent) -> StorageResult<()> {
        let id = self.insert_event(&event).await?;
        self.queue_deliveries(id, &event).await?;
        self.events.push(event);
        Ok(())
    }

    /// Records an event queued for integration `addon_id` only, whatever its
    /// filters and switch say (a test notification).
    pub async fn record_event_for(&mut self, event: NewEvent, addon_id: i64) -> StorageResult<()> {
        let id = self.insert_event(&event).await?;
        self.queue_delivery(addon_id, id, &event).await?;
        self.events.push(event);
        Ok(())
    }

    async fn insert_event(&mut self, event: &NewEvent) -> StorageResult<i64> {
        let revision = self.revision().await?;
        let tags = match &event.feature_name {
            Some(name) => self.flag_tags(name).await?,
            None => Vec::new(),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO events (type, created_at, created_by, project, environment, feature_name, pre_data, data, revision, tags, action_depth) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(event.event_type.as_str())
        .bind(now_text())
        .bind(&event.created_by)
        .bind(&event.project)
        .bind(&event.environment)
        .bind(&event.feature_name)
        .bind(event.pre_data.as_ref().map(|v| v.to_string()))
        .bind(event.data.as_ref().map(|v| v.to_string()))
        .bind(revision)
        .bind(to_json(&tags))
        .bind(self.action_depth)
        .fetch_one(self.tx())
        .await?;
        Ok(id)
    }
}

impl<S: Source> Reader<S> {
    /// Events, newest first, with the total that match the filter (whatever the page).
    pub async fn events(&self, filter: &EventFilter) -> StorageResult<(Vec<EventRecord>, i64)> {
        // Each filter is `($n IS NULL OR …)` so one statement serves all
        // combinations; the binds are typed text so PostgreSQL can infer them.
        let text = |n: u8| match self.backend() {
            super::Backend::Postgres => format!("CAST(${n} AS TEXT)"),
            super::Backend::Sqlite => format!("${n}"),
        };
        let condition = format!(
            "({p} IS NULL OR project = {p}) AND ({f} IS NULL OR feature_name = {f}) \
             AND ({t} IS NULL OR type = {t}) AND ({c} IS NULL OR created_by = {c}) \
             AND ({from} IS NULL OR created_at >= {from}) AND ({to} IS NULL OR created_at < {to})",
            p = text(1),
            f = text(2),
            t = text(3),
            c = text(4),
            from = text(5),
            to = text(6),
        );
        let texts = [
            filter.project.clone(),
            filter.feature_name.clone(),
            filter.event_type.clone(),
            filter.created_by.clone(),
            filter.from.as_ref().map(instant_text),
            filter.to.as_ref().map(instant_text),
        ];
        let count_sql = format!("SELECT COUNT(*) FROM events WHERE {condition}");
        let mut count = sqlx::query_scalar(&count_sql);
        for value in &texts {
            count = count.bind(value);
        }
        let total: i64 = count.fetch_one(&mut *self.conn().await?).await?;
        let page_sql = format!(
            "SELECT id, revision, type, created_at, created_by, project, environment, feature_name, pre_data, data, tags, action_depth \
             FROM events WHERE {condition} AND id < $7 ORDER BY id DESC LIMIT $8 OFFSET $9"
        );
        let mut page = sqlx::query(&page_sql);
        for value in texts {
            page = page.bind(value);
        }
        let rows = page
            .bind(filter.before.unwrap_or(i64::MAX))
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        let events = rows
            .iter()
            .map(event_from_row)
            .collect::<StorageResult<_>>()?;
        Ok((events, total))
    }

    /// Who recorded events (Unleash's event creators), by name, at most
    /// `limit`: a user's id where the name is a user's, `None` otherwise (an
    /// API token, an action set, the server).
    pub async fn event_creators(&self, limit: i64) -> StorageResult<Vec<(Option<i64>, String)>> {
        let rows = sqlx::query(
            "SELECT c.created_by, u.id FROM (SELECT DISTINCT created_by FROM events) c \
             LEFT JOIN users u ON u.username = c.created_by ORDER BY c.created_by LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(1)?, row.try_get(0)?)))
            .collect()
    }

    /// One event by its id.
    pub async fn event_by_id(&self, id: i64) -> StorageResult<Option<EventRecord>> {
        let row = sqlx::query(
            "SELECT id, revision, type, created_at, created_by, project, environment, feature_name, pre_data, data, tags, action_depth \
             FROM events WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(event_from_row).transpose()
    }
}

/// What one recorded event says about the client snapshots: the flag or
/// segment it touched, by its type.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    pub revision: i64,
    pub event_type: String,
    pub feature_name: Option<String>,
    /// `data.id`, else `preData.id` (segment events).
    pub subject_id: Option<i64>,
}

impl<S: Source> Reader<S> {
    /// The events of the changes after revision `after` up to `up_to`, in
    /// commit order; at most `limit` (the caller rebuilds everything past it).
    pub async fn changes_since(
        &self,
        after: i64,
        up_to: i64,
        limit: i64,
    ) -> StorageResult<Vec<ChangeRecord>> {
        let rows = sqlx::query(
            "SELECT revision, type, feature_name, data, pre_data FROM events \
             WHERE revision > $1 AND revision <= $2 ORDER BY revision, id LIMIT $3",
        )
        .bind(after)
        .bind(up_to)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                let id_in = |column: &str| -> StorageResult<Option<i64>> {
                    Ok(row
                        .try_get::<Option<String>, _>(column)?
                        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                        .and_then(|v| v.get("id").and_then(Value::as_i64)))
                };
                Ok(ChangeRecord {
                    revision: row.try_get("revision")?,
                    event_type: row.try_get("type")?,
                    feature_name: row.try_get("feature_name")?,
                    subject_id: match id_in("data")? {
                        Some(id) => Some(id),
                        None => id_in("pre_data")?,
                    },
                })
            })
            .collect()
    }
}
