//! Saved impact metric charts (Unleash's impact metrics config, migration
//! 0028): global, or of one flag (deleted with it); what a chart shows is
//! stored as JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{
    from_json, to_json, AggregationMode, Reader, Source, StorageResult, TimeRange, WriteTx,
};

/// What a chart shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"title": "Checkout errors", "metricName": "unleash_counter_errors",
    "timeRange": "day", "aggregationMode": "count",
    "labelSelectors": {"environment": ["production"]}, "yAxisMin": "zero"}))]
pub struct ImpactChart {
    #[serde(default)]
    pub title: Option<String>,
    pub metric_name: String,
    pub time_range: TimeRange,
    pub aggregation_mode: AggregationMode,
    #[serde(default)]
    pub label_selectors: BTreeMap<String, Vec<String>>,
    /// `auto` or `zero`.
    #[serde(default)]
    pub y_axis_min: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImpactChartRow {
    pub id: String,
    pub feature_name: Option<String>,
    pub chart: ImpactChart,
}

fn chart_from_row(r: &AnyRow) -> StorageResult<ImpactChartRow> {
    Ok(ImpactChartRow {
        id: r.try_get("id")?,
        feature_name: r.try_get("feature_name")?,
        chart: from_json(&r.try_get::<String, _>("config")?)?,
    })
}

impl<S: Source> Reader<S> {
    /// The global charts (`None`) or one flag's, oldest first.
    pub async fn impact_charts(&self, feature: Option<&str>) -> StorageResult<Vec<ImpactChartRow>> {
        let sql = match feature {
            Some(_) => {
                "SELECT id, feature_name, config FROM impact_metric_configs \
                        WHERE feature_name = $1 ORDER BY created_at, id"
            }
            None => {
                "SELECT id, feature_name, config FROM impact_metric_configs \
                     WHERE feature_name IS NULL ORDER BY created_at, id"
            }
        };
        let mut query = sqlx::query(sql);
        if let Some(feature) = feature {
            query = query.bind(feature);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(chart_from_row).collect()
    }

    pub async fn impact_chart(&self, id: &str) -> StorageResult<Option<ImpactChartRow>> {
        let row =
            sqlx::query("SELECT id, feature_name, config FROM impact_metric_configs WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.as_ref().map(chart_from_row).transpose()
    }
}

impl WriteTx<'_> {
    /// Inserts a chart, or replaces what the one with its id shows.
    pub async fn put_impact_chart(&mut self, row: &ImpactChartRow) -> StorageResult<()> {
        let updated = sqlx::query("UPDATE impact_metric_configs SET config = $1 WHERE id = $2")
            .bind(to_json(&row.chart))
            .bind(&row.id)
            .execute(self.tx())
            .await?;
        if updated.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO impact_metric_configs (id, feature_name, config, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&row.id)
            .bind(&row.feature_name)
            .bind(to_json(&row.chart))
            .bind(super::now_text())
            .execute(self.tx())
            .await?;
        }
        Ok(())
    }

    pub async fn delete_impact_chart(&mut self, id: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM impact_metric_configs WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
