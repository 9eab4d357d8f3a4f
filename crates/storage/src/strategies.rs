//! A flag's strategies: their rows and the queries that read and write them,
//! in evaluation order (`sort_order`, then creation).

use std::collections::BTreeMap;

use flagstaff_engine::document::{Constraint, Variant};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{flag, from_json, to_json, Reader, Source, StorageResult, WriteTx};

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

pub(super) const STRATEGY_COLUMNS: &str =
    "id, feature_name, environment, strategy_name, title, disabled, \
     sort_order, parameters, constraints, segments, variants";

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

impl<S: Source> Reader<S> {
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
