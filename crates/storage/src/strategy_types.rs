//! Strategy types (the built-in ones, seeded by the migration, and custom
//! ones) and each project environment's default strategy.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{
    flag, from_json, now_text, to_json, Reader, Source, StorageResult, StrategyValues, WriteTx,
};

/// A parameter a strategy type declares (Unleash's `{name, type, description, required}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StrategyParameter {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyTypeRow {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub parameters: Vec<StrategyParameter>,
    /// Unleash's own strategies: never edited or deleted.
    pub built_in: bool,
    pub deprecated: bool,
    pub sort_order: i64,
}

const COLUMNS: &str = "name, title, description, parameters, built_in, deprecated, sort_order";

fn from_row(row: &AnyRow) -> StorageResult<StrategyTypeRow> {
    Ok(StrategyTypeRow {
        name: row.try_get("name")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        parameters: from_json(&row.try_get::<String, _>("parameters")?)?,
        built_in: flag(row, "built_in")?,
        deprecated: flag(row, "deprecated")?,
        sort_order: row.try_get("sort_order")?,
    })
}

impl<S: Source> Reader<S> {
    /// `(environment, strategy)` of a project's default strategies, or of every
    /// project's when `project` is `None` (then `(project/environment, …)`).
    async fn defaults(
        &self,
        project: Option<&str>,
    ) -> StorageResult<Vec<(String, String, StrategyValues)>> {
        let rows = sqlx::query(
            "SELECT project_id, environment, strategy FROM project_default_strategies \
         WHERE ($1 = '' OR project_id = $1) ORDER BY project_id, environment",
        )
        .bind(project.unwrap_or(""))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("project_id")?,
                    r.try_get("environment")?,
                    from_json(&r.try_get::<String, _>("strategy")?)?,
                ))
            })
            .collect()
    }

    /// Every strategy type, built-in ones first (Unleash's order).
    pub async fn strategy_types(&self) -> StorageResult<Vec<StrategyTypeRow>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM strategies ORDER BY sort_order, name"
        ))
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    pub async fn strategy_type(&self, name: &str) -> StorageResult<Option<StrategyTypeRow>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM strategies WHERE name = $1"))
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// A project's default strategies: `(environment, strategy)`.
    pub async fn default_strategies(
        &self,
        project: &str,
    ) -> StorageResult<Vec<(String, StrategyValues)>> {
        Ok(self
            .defaults(Some(project))
            .await?
            .into_iter()
            .map(|(_, environment, strategy)| (environment, strategy))
            .collect())
    }

    /// The default strategy of a project's environment, if one was set.
    pub async fn default_strategy(
        &self,
        project: &str,
        environment: &str,
    ) -> StorageResult<Option<StrategyValues>> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT strategy FROM project_default_strategies WHERE project_id = $1 AND environment = $2",
        )
        .bind(project)
        .bind(environment)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        text.as_deref().map(from_json).transpose()
    }

    /// Every project's default strategies: `(project, environment, strategy)`.
    pub async fn all_default_strategies(
        &self,
    ) -> StorageResult<Vec<(String, String, StrategyValues)>> {
        self.defaults(None).await
    }
}

impl WriteTx<'_> {
    pub async fn insert_strategy_type(&mut self, strategy: &StrategyTypeRow) -> StorageResult<()> {
        sqlx::query(&format!(
            "INSERT INTO strategies ({COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(&strategy.name)
        .bind(&strategy.title)
        .bind(&strategy.description)
        .bind(to_json(&strategy.parameters))
        .bind(i64::from(strategy.built_in))
        .bind(i64::from(strategy.deprecated))
        .bind(strategy.sort_order)
        .bind(now_text())
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Writes a strategy type's title, description, parameters and deprecation.
    pub async fn update_strategy_type(&mut self, strategy: &StrategyTypeRow) -> StorageResult<()> {
        sqlx::query(
            "UPDATE strategies SET title = $1, description = $2, parameters = $3, deprecated = $4 \
             WHERE name = $5",
        )
        .bind(&strategy.title)
        .bind(&strategy.description)
        .bind(to_json(&strategy.parameters))
        .bind(i64::from(strategy.deprecated))
        .bind(&strategy.name)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn delete_strategy_type(&mut self, name: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM strategies WHERE name = $1")
            .bind(name)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    pub async fn set_default_strategy(
        &mut self,
        project: &str,
        environment: &str,
        strategy: &StrategyValues,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO project_default_strategies (project_id, environment, strategy) VALUES ($1, $2, $3) \
             ON CONFLICT (project_id, environment) DO UPDATE SET strategy = excluded.strategy",
        )
        .bind(project)
        .bind(environment)
        .bind(to_json(strategy))
        .execute(self.tx())
        .await?;
        Ok(())
    }
}
