//! Flags and their per-environment state (their strategies: `strategies.rs`).

use chrono::{DateTime, Utc};
use flagstaff_engine::document::Variant;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{decoded, instant, instant_text, optional_instant};
use super::{flag, from_json, to_json, Reader, Source, StorageError, StorageResult, WriteTx};

/// Unleash's flag types (the `type` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagType {
    Release,
    Experiment,
    Operational,
    KillSwitch,
    Permission,
}

/// A name that is none of Unleash's flag types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a known feature type")]
pub struct UnknownFlagType(pub String);

impl FlagType {
    pub const ALL: [FlagType; 5] = [
        FlagType::Release,
        FlagType::Experiment,
        FlagType::Operational,
        FlagType::KillSwitch,
        FlagType::Permission,
    ];

    pub fn parse(text: &str) -> Result<FlagType, UnknownFlagType> {
        FlagType::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| UnknownFlagType(text.to_owned()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FlagType::Release => "release",
            FlagType::Experiment => "experiment",
            FlagType::Operational => "operational",
            FlagType::KillSwitch => "kill-switch",
            FlagType::Permission => "permission",
        }
    }

    /// (display name, expected lifetime in days) as Unleash's catalogue shows them.
    pub fn catalogue(self) -> (&'static str, Option<u32>) {
        match self {
            FlagType::Release => ("Release", Some(40)),
            FlagType::Experiment => ("Experiment", Some(40)),
            FlagType::Operational => ("Operational", Some(7)),
            FlagType::KillSwitch => ("Kill switch", None),
            FlagType::Permission => ("Permission", None),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlagRow {
    pub name: String,
    pub project: String,
    pub description: Option<String>,
    pub feature_type: FlagType,
    pub stale: bool,
    pub impression_data: bool,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlagEnvironmentRow {
    pub feature_name: String,
    pub environment: String,
    pub enabled: bool,
    pub variants: Vec<Variant>,
}

pub(super) const FLAG_COLUMNS: &str =
    "name, project_id, description, type, stale, impression_data, archived_at, created_at, created_by";

pub(super) fn flag_from_row(row: &AnyRow) -> StorageResult<FlagRow> {
    Ok(FlagRow {
        name: row.try_get("name")?,
        project: row.try_get("project_id")?,
        description: row.try_get("description")?,
        feature_type: decoded(row, "type", |t| FlagType::parse(t).ok(), "a flag type")?,
        stale: flag(row, "stale")?,
        impression_data: flag(row, "impression_data")?,
        archived_at: optional_instant(row, "archived_at")?,
        created_at: instant(row, "created_at")?,
        created_by: row.try_get("created_by")?,
    })
}

pub(super) fn environment_from_row(row: &AnyRow) -> StorageResult<FlagEnvironmentRow> {
    Ok(FlagEnvironmentRow {
        feature_name: row.try_get("feature_name")?,
        environment: row.try_get("environment")?,
        enabled: flag(row, "enabled")?,
        variants: from_json(&row.try_get::<String, _>("variants")?)?,
    })
}

fn live_or_not_found(
    feature: Option<FlagRow>,
    project: &str,
    name: &str,
) -> StorageResult<FlagRow> {
    match feature {
        Some(f) if f.project == project && f.archived_at.is_none() => Ok(f),
        _ => Err(StorageError::NotFound(format!(
            "Could not find feature flag {name}"
        ))),
    }
}

impl<S: Source> Reader<S> {
    /// A flag by name, archived or not.
    pub async fn flag(&self, name: &str) -> StorageResult<Option<FlagRow>> {
        let row = sqlx::query(&format!(
            "SELECT {FLAG_COLUMNS} FROM features WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(flag_from_row).transpose()
    }

    /// A live (not archived) flag of a project, or `NotFound`.
    pub async fn live_flag(&self, project: &str, name: &str) -> StorageResult<FlagRow> {
        live_or_not_found(self.flag(name).await?, project, name)
    }

    pub async fn flags(
        &self,
        project: Option<&str>,
        archived: bool,
    ) -> StorageResult<Vec<FlagRow>> {
        let archived_clause = if archived { "IS NOT NULL" } else { "IS NULL" };
        let rows = match project {
            Some(p) => {
                sqlx::query(&format!(
                    "SELECT {FLAG_COLUMNS} FROM features WHERE project_id = $1 AND archived_at {archived_clause} ORDER BY name"
                ))
                .bind(p)
                .fetch_all(&mut *self.conn().await?)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {FLAG_COLUMNS} FROM features WHERE archived_at {archived_clause} ORDER BY name"
                ))
                .fetch_all(&mut *self.conn().await?)
                .await?
            }
        };
        rows.iter().map(flag_from_row).collect()
    }

    /// Archived flags by name, after `after`, at most `limit`.
    pub async fn archived_flags_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> StorageResult<Vec<FlagRow>> {
        sqlx::query(&format!(
            "SELECT {FLAG_COLUMNS} FROM features WHERE archived_at IS NOT NULL AND name > $1 \
             ORDER BY name LIMIT $2"
        ))
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(flag_from_row)
        .collect()
    }

    pub async fn flag_environments(&self, name: &str) -> StorageResult<Vec<FlagEnvironmentRow>> {
        let rows = sqlx::query(
            "SELECT feature_name, environment, enabled, variants FROM feature_environments WHERE feature_name = $1",
        )
        .bind(name)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(environment_from_row).collect()
    }

    pub async fn flag_environment(
        &self,
        name: &str,
        environment: &str,
    ) -> StorageResult<FlagEnvironmentRow> {
        let row = sqlx::query(
            "SELECT feature_name, environment, enabled, variants FROM feature_environments \
             WHERE feature_name = $1 AND environment = $2",
        )
        .bind(name)
        .bind(environment)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        match row {
            Some(row) => environment_from_row(&row),
            None => Err(StorageError::NotFound(format!(
                "Could not find environment {environment} for feature flag {name}"
            ))),
        }
    }
}

impl WriteTx<'_> {
    /// Inserts a flag with a disabled, strategy-less row in each of `environments`.
    pub async fn insert_flag(
        &mut self,
        feature: &FlagRow,
        environments: &[String],
    ) -> StorageResult<()> {
        sqlx::query(&format!(
            "INSERT INTO features ({FLAG_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&feature.name)
        .bind(&feature.project)
        .bind(&feature.description)
        .bind(feature.feature_type.as_str())
        .bind(i64::from(feature.stale))
        .bind(i64::from(feature.impression_data))
        .bind(feature.archived_at.as_ref().map(instant_text))
        .bind(instant_text(&feature.created_at))
        .bind(&feature.created_by)
        .execute(self.tx())
        .await?;
        for env in environments {
            sqlx::query("INSERT INTO feature_environments (feature_name, environment, enabled, variants) VALUES ($1, $2, $3, $4)")
                .bind(&feature.name)
                .bind(env)
                .bind(0i64)
                .bind("[]")
                .execute(self.tx())
                .await?;
        }
        Ok(())
    }

    /// Writes a flag's metadata (description, type, stale, impression data, archive state).
    pub async fn update_flag(&mut self, feature: &FlagRow) -> StorageResult<()> {
        sqlx::query(
            "UPDATE features SET description = $1, type = $2, stale = $3, impression_data = $4, archived_at = $5 \
             WHERE name = $6",
        )
        .bind(&feature.description)
        .bind(feature.feature_type.as_str())
        .bind(i64::from(feature.stale))
        .bind(i64::from(feature.impression_data))
        .bind(feature.archived_at.as_ref().map(instant_text))
        .bind(&feature.name)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn delete_flag(&mut self, name: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM feature_dependencies WHERE child = $1 OR parent = $2")
            .bind(name)
            .bind(name)
            .execute(self.tx())
            .await?;
        for table in [
            "feature_links",
            "favorite_features",
            "feature_tags",
            "feature_strategies",
            "feature_environments",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE feature_name = $1"))
                .bind(name)
                .execute(self.tx())
                .await?;
        }
        sqlx::query("DELETE FROM features WHERE name = $1")
            .bind(name)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    pub async fn set_environment_enabled(
        &mut self,
        name: &str,
        environment: &str,
        enabled: bool,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE feature_environments SET enabled = $1 WHERE feature_name = $2 AND environment = $3")
            .bind(i64::from(enabled))
            .bind(name)
            .bind(environment)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    pub async fn set_environment_variants(
        &mut self,
        name: &str,
        environment: &str,
        variants: &[Variant],
    ) -> StorageResult<()> {
        sqlx::query("UPDATE feature_environments SET variants = $1 WHERE feature_name = $2 AND environment = $3")
            .bind(to_json(&variants))
            .bind(name)
            .bind(environment)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
