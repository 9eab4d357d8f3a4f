//! Flags, their per-environment state and their strategies.

use std::collections::BTreeMap;

use flagstaff_engine::document::{Constraint, Variant};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{flag, from_json, to_json, Reader, Source, StorageError, StorageResult, WriteTx};

#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRow {
    pub name: String,
    pub project: String,
    pub description: Option<String>,
    pub feature_type: String,
    pub stale: bool,
    pub impression_data: bool,
    pub archived_at: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeatureEnvironmentRow {
    pub feature_name: String,
    pub environment: String,
    pub enabled: bool,
    pub variants: Vec<Variant>,
}

/// What a strategy says, as the admin API reads and writes it (and as a
/// project's default strategy is stored).
#[derive(
    Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "flexibleRollout", "title": null, "disabled": false,
    "sortOrder": 0, "parameters": {"groupId": "", "rollout": "100", "stickiness": "default"},
    "constraints": [], "segments": [], "variants": []}))]
pub struct StrategyValues {
    pub name: String,
    pub title: Option<String>,
    pub disabled: bool,
    pub sort_order: i64,
    pub parameters: BTreeMap<String, String>,
    pub constraints: Vec<Constraint>,
    pub segments: Vec<i64>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StrategyRow {
    pub id: String,
    pub feature_name: String,
    pub environment: String,
    pub values: StrategyValues,
}

pub(super) const FEATURE_COLUMNS: &str =
    "name, project_id, description, type, stale, impression_data, archived_at, created_at, created_by";
pub(super) const STRATEGY_COLUMNS: &str =
    "id, feature_name, environment, strategy_name, title, disabled, \
     sort_order, parameters, constraints, segments, variants";

pub(super) fn feature_from_row(row: &AnyRow) -> StorageResult<FeatureRow> {
    Ok(FeatureRow {
        name: row.try_get("name")?,
        project: row.try_get("project_id")?,
        description: row.try_get("description")?,
        feature_type: row.try_get("type")?,
        stale: flag(row, "stale")?,
        impression_data: flag(row, "impression_data")?,
        archived_at: row.try_get("archived_at")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
    })
}

pub(super) fn environment_from_row(row: &AnyRow) -> StorageResult<FeatureEnvironmentRow> {
    Ok(FeatureEnvironmentRow {
        feature_name: row.try_get("feature_name")?,
        environment: row.try_get("environment")?,
        enabled: flag(row, "enabled")?,
        variants: from_json(&row.try_get::<String, _>("variants")?)?,
    })
}

pub(super) fn strategy_from_row(row: &AnyRow) -> StorageResult<StrategyRow> {
    Ok(StrategyRow {
        id: row.try_get("id")?,
        feature_name: row.try_get("feature_name")?,
        environment: row.try_get("environment")?,
        values: StrategyValues {
            name: row.try_get("strategy_name")?,
            title: row.try_get("title")?,
            disabled: flag(row, "disabled")?,
            sort_order: row.try_get("sort_order")?,
            parameters: from_json(&row.try_get::<String, _>("parameters")?)?,
            constraints: from_json(&row.try_get::<String, _>("constraints")?)?,
            segments: from_json(&row.try_get::<String, _>("segments")?)?,
            variants: from_json(&row.try_get::<String, _>("variants")?)?,
        },
    })
}

fn live_or_not_found(
    feature: Option<FeatureRow>,
    project: &str,
    name: &str,
) -> StorageResult<FeatureRow> {
    match feature {
        Some(f) if f.project == project && f.archived_at.is_none() => Ok(f),
        _ => Err(StorageError::NotFound(format!(
            "Could not find feature flag {name}"
        ))),
    }
}

impl<S: Source> Reader<S> {
    /// A flag by name, archived or not.
    pub async fn feature(&self, name: &str) -> StorageResult<Option<FeatureRow>> {
        let row = sqlx::query(&format!(
            "SELECT {FEATURE_COLUMNS} FROM features WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(feature_from_row).transpose()
    }

    /// A live (not archived) flag of a project, or `NotFound`.
    pub async fn live_feature(&self, project: &str, name: &str) -> StorageResult<FeatureRow> {
        live_or_not_found(self.feature(name).await?, project, name)
    }

    pub async fn features(
        &self,
        project: Option<&str>,
        archived: bool,
    ) -> StorageResult<Vec<FeatureRow>> {
        let archived_clause = if archived { "IS NOT NULL" } else { "IS NULL" };
        let rows = match project {
            Some(p) => {
                sqlx::query(&format!(
                    "SELECT {FEATURE_COLUMNS} FROM features WHERE project_id = $1 AND archived_at {archived_clause} ORDER BY name"
                ))
                .bind(p)
                .fetch_all(&mut *self.conn().await?)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {FEATURE_COLUMNS} FROM features WHERE archived_at {archived_clause} ORDER BY name"
                ))
                .fetch_all(&mut *self.conn().await?)
                .await?
            }
        };
        rows.iter().map(feature_from_row).collect()
    }

    /// Archived flags by name, after `after`, at most `limit`.
    pub async fn archived_features_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> StorageResult<Vec<FeatureRow>> {
        sqlx::query(&format!(
            "SELECT {FEATURE_COLUMNS} FROM features WHERE archived_at IS NOT NULL AND name > $1 \
             ORDER BY name LIMIT $2"
        ))
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(feature_from_row)
        .collect()
    }

    pub async fn feature_environments(
        &self,
        name: &str,
    ) -> StorageResult<Vec<FeatureEnvironmentRow>> {
        let rows = sqlx::query(
            "SELECT feature_name, environment, enabled, variants FROM feature_environments WHERE feature_name = $1",
        )
        .bind(name)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(environment_from_row).collect()
    }

    pub async fn feature_environment(
        &self,
        name: &str,
        environment: &str,
    ) -> StorageResult<FeatureEnvironmentRow> {
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

    /// A flag's strategies, optionally of one environment, in evaluation order.
    pub async fn strategies(
        &self,
        name: &str,
        environment: Option<&str>,
    ) -> StorageResult<Vec<StrategyRow>> {
        let query = match environment {
            Some(_) => format!(
                "SELECT {STRATEGY_COLUMNS} FROM feature_strategies WHERE feature_name = $1 AND environment = $2 \
                 ORDER BY sort_order, created_at, id"
            ),
            None => format!(
                "SELECT {STRATEGY_COLUMNS} FROM feature_strategies WHERE feature_name = $1 \
                 ORDER BY sort_order, created_at, id"
            ),
        };
        let mut query = sqlx::query(&query).bind(name);
        if let Some(env) = environment {
            query = query.bind(env);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(strategy_from_row).collect()
    }

    pub async fn strategy(&self, id: &str) -> StorageResult<Option<StrategyRow>> {
        let row = sqlx::query(&format!(
            "SELECT {STRATEGY_COLUMNS} FROM feature_strategies WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(strategy_from_row).transpose()
    }
}

impl WriteTx<'_> {
    /// Inserts a flag with a disabled, strategy-less row in each of `environments`.
    pub async fn insert_feature(
        &mut self,
        feature: &FeatureRow,
        environments: &[String],
    ) -> StorageResult<()> {
        sqlx::query(&format!(
            "INSERT INTO features ({FEATURE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&feature.name)
        .bind(&feature.project)
        .bind(&feature.description)
        .bind(&feature.feature_type)
        .bind(i64::from(feature.stale))
        .bind(i64::from(feature.impression_data))
        .bind(&feature.archived_at)
        .bind(&feature.created_at)
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
    pub async fn update_feature(&mut self, feature: &FeatureRow) -> StorageResult<()> {
        sqlx::query(
            "UPDATE features SET description = $1, type = $2, stale = $3, impression_data = $4, archived_at = $5 \
             WHERE name = $6",
        )
        .bind(&feature.description)
        .bind(&feature.feature_type)
        .bind(i64::from(feature.stale))
        .bind(i64::from(feature.impression_data))
        .bind(&feature.archived_at)
        .bind(&feature.name)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn delete_feature(&mut self, name: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM feature_dependencies WHERE child = $1 OR parent = $2")
            .bind(name)
            .bind(name)
            .execute(self.tx())
            .await?;
        for table in [
            "feature_links",
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

    pub async fn insert_strategy(&mut self, strategy: &StrategyRow) -> StorageResult<()> {
        let v = &strategy.values;
        sqlx::query(&format!(
            "INSERT INTO feature_strategies ({STRATEGY_COLUMNS}, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&strategy.id)
        .bind(&strategy.feature_name)
        .bind(&strategy.environment)
        .bind(&v.name)
        .bind(&v.title)
        .bind(i64::from(v.disabled))
        .bind(v.sort_order)
        .bind(to_json(&v.parameters))
        .bind(to_json(&v.constraints))
        .bind(to_json(&v.segments))
        .bind(to_json(&v.variants))
        .bind(super::now_text())
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn update_strategy(&mut self, strategy: &StrategyRow) -> StorageResult<()> {
        let v = &strategy.values;
        sqlx::query(
            "UPDATE feature_strategies SET strategy_name = $1, title = $2, disabled = $3, sort_order = $4, \
             parameters = $5, constraints = $6, segments = $7, variants = $8 WHERE id = $9",
        )
        .bind(&v.name)
        .bind(&v.title)
        .bind(i64::from(v.disabled))
        .bind(v.sort_order)
        .bind(to_json(&v.parameters))
        .bind(to_json(&v.constraints))
        .bind(to_json(&v.segments))
        .bind(to_json(&v.variants))
        .bind(&strategy.id)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn delete_strategy(&mut self, id: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM feature_strategies WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
