//! Segments and context fields.

use chrono::{DateTime, Utc};
use flagstaff_engine::document::Constraint;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, instant_text};
use super::{flag, from_json, now, to_json, Reader, Source, StorageError, StorageResult, WriteTx};

#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub project: Option<String>,
    pub constraints: Vec<Constraint>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContextFieldRow {
    pub name: String,
    pub description: Option<String>,
    pub stickiness: bool,
    pub sort_order: i64,
    /// `[{"value": …, "description": …}]`
    pub legal_values: Vec<Value>,
    pub created_at: DateTime<Utc>,
    /// The project the field belongs to; `None`: a global (root) field.
    pub project: Option<String>,
}

fn segment_from_row(r: &AnyRow) -> StorageResult<SegmentRow> {
    Ok(SegmentRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        project: r.try_get("project")?,
        constraints: from_json(&r.try_get::<String, _>("constraints")?)?,
        created_at: instant(r, "created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

fn context_field_from_row(r: &AnyRow) -> StorageResult<ContextFieldRow> {
    Ok(ContextFieldRow {
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        stickiness: flag(r, "stickiness")?,
        sort_order: r.try_get("sort_order")?,
        legal_values: from_json(&r.try_get::<String, _>("legal_values")?)?,
        created_at: instant(r, "created_at")?,
        project: r.try_get("project")?,
    })
}

const SEGMENT_COLUMNS: &str = "id, name, description, project, constraints, created_at, created_by";
const CONTEXT_COLUMNS: &str =
    "name, description, stickiness, sort_order, legal_values, created_at, project";

/// Segment id → names of the flags whose strategies use it.
pub type SegmentUsers = std::collections::HashMap<i64, std::collections::BTreeSet<String>>;

impl<S: Source> Reader<S> {
    /// Segment id → the flags whose strategies use it, from one query.
    pub async fn segment_users(&self) -> StorageResult<SegmentUsers> {
        let rows = sqlx::query(
            "SELECT feature_name, segments FROM feature_strategies WHERE segments <> '[]'",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut users = SegmentUsers::new();
        for row in &rows {
            let ids: Vec<i64> = from_json(&row.try_get::<String, _>("segments")?)?;
            let name: String = row.try_get("feature_name")?;
            for id in ids {
                users.entry(id).or_default().insert(name.clone());
            }
        }
        Ok(users)
    }

    pub async fn segments(&self) -> StorageResult<Vec<SegmentRow>> {
        sqlx::query(&format!(
            "SELECT {SEGMENT_COLUMNS} FROM segments ORDER BY id"
        ))
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(segment_from_row)
        .collect()
    }

    pub async fn segment(&self, id: i64) -> StorageResult<SegmentRow> {
        let row = sqlx::query(&format!(
            "SELECT {SEGMENT_COLUMNS} FROM segments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        match row {
            Some(r) => segment_from_row(&r),
            None => Err(StorageError::NotFound(format!(
                "Could not find segment with id {id}"
            ))),
        }
    }

    pub async fn context_field(&self, name: &str) -> StorageResult<ContextFieldRow> {
        let row = sqlx::query(&format!(
            "SELECT {CONTEXT_COLUMNS} FROM context_fields WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        match row {
            Some(r) => context_field_from_row(&r),
            None => Err(StorageError::NotFound(format!(
                "Could not find context field with name {name}"
            ))),
        }
    }

    /// Every context field, in sort order.
    pub async fn context_fields(&self) -> StorageResult<Vec<ContextFieldRow>> {
        sqlx::query(&format!(
            "SELECT {CONTEXT_COLUMNS} FROM context_fields ORDER BY sort_order, name"
        ))
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(context_field_from_row)
        .collect()
    }
}

impl WriteTx<'_> {
    /// Inserts a segment and returns its id.
    pub async fn insert_segment(&mut self, segment: &SegmentRow) -> StorageResult<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO segments (name, description, project, constraints, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&segment.name)
        .bind(&segment.description)
        .bind(&segment.project)
        .bind(to_json(&segment.constraints))
        .bind(instant_text(&segment.created_at))
        .bind(&segment.created_by)
        .fetch_one(self.tx())
        .await?;
        Ok(id)
    }

    pub async fn update_segment(&mut self, segment: &SegmentRow) -> StorageResult<()> {
        sqlx::query("UPDATE segments SET name = $1, description = $2, project = $3, constraints = $4 WHERE id = $5")
            .bind(&segment.name)
            .bind(&segment.description)
            .bind(&segment.project)
            .bind(to_json(&segment.constraints))
            .bind(segment.id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    pub async fn delete_segment(&mut self, id: i64) -> StorageResult<()> {
        sqlx::query("DELETE FROM segments WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    pub async fn upsert_context_field(&mut self, field: &ContextFieldRow) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO context_fields (name, description, stickiness, sort_order, legal_values, created_at, project) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET description = excluded.description, \
             stickiness = excluded.stickiness, sort_order = excluded.sort_order, legal_values = excluded.legal_values, \
             project = excluded.project",
        )
        .bind(&field.name)
        .bind(&field.description)
        .bind(i64::from(field.stickiness))
        .bind(field.sort_order)
        .bind(to_json(&field.legal_values))
        .bind(instant_text(&field.created_at))
        .bind(&field.project)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn delete_context_field(&mut self, name: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM context_fields WHERE name = $1")
            .bind(name)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}

/// The context fields a fresh Unleash has.
pub(super) const BUILT_IN_CONTEXT_FIELDS: &[(&str, &str, bool)] = &[
    (
        "appName",
        "Allows you to constrain on application name",
        false,
    ),
    (
        "environment",
        "Allows you to constrain on application environment",
        false,
    ),
    ("userId", "Allows you to constrain on userId", false),
    ("sessionId", "Allows you to constrain on sessionId", true),
    (
        "remoteAddress",
        "Allows you to constrain on remoteAddress",
        false,
    ),
    (
        "currentTime",
        "Allows you to constrain on date values",
        false,
    ),
];

pub(super) fn built_in_context_field(index: usize) -> ContextFieldRow {
    let (name, description, stickiness) = BUILT_IN_CONTEXT_FIELDS[index];
    ContextFieldRow {
        name: name.to_owned(),
        description: Some(description.to_owned()),
        stickiness,
        sort_order: index as i64,
        legal_values: Vec::new(),
        created_at: now(),
        project: None,
    }
}
