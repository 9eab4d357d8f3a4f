//! Impact metrics (migration 0028): what SDKs send as `impactMetrics` with
//! their metrics — counters, gauges, histograms with labels — one series per
//! metric and label set (capped per metric and in all, so a client cannot grow
//! the table without bound), each report's sample a row of its own; and the
//! safeguards that watch them. Samples are no change (no event, no revision).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, instant_text, optional_instant};
use super::{flag, from_json, to_json, Reader, Source, StorageResult, UnversionedTx, WriteTx};

/// The kind of an impact metric, as SDKs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
}

impl MetricType {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
        }
    }

    fn parse(text: &str) -> Option<MetricType> {
        match text {
            "counter" => Some(MetricType::Counter),
            "gauge" => Some(MetricType::Gauge),
            "histogram" => Some(MetricType::Histogram),
            _ => None,
        }
    }
}

/// One sample's data: a counter's increment or a gauge's value (`value`), a
/// histogram's `count`, `sum` and cumulative `buckets` (upper bound, `None`
/// for `+Inf`, and the count at or below it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleData {
    #[serde(default)]
    pub value: f64,
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub sum: f64,
    #[serde(default)]
    pub buckets: Vec<(Option<f64>, u64)>,
}

/// A sample to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSample {
    pub metric_name: String,
    pub metric_type: MetricType,
    pub help: String,
    pub labels: BTreeMap<String, String>,
    pub data: SampleData,
}

/// A series: a metric and one label set.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    pub metric_name: String,
    pub metric_type: MetricType,
    pub help: String,
    pub labels: BTreeMap<String, String>,
}

/// A stored sample of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    pub labels: BTreeMap<String, String>,
    pub minute: DateTime<Utc>,
    pub data: SampleData,
}

/// How a report's samples were stored: new series past a cap are dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SamplesStored {
    pub stored: usize,
    pub dropped: usize,
}

/// The caps on series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesCaps {
    pub per_metric: i64,
    pub metrics: i64,
}

fn series_from_row(r: &AnyRow) -> StorageResult<SeriesRow> {
    let kind: String = r.try_get("metric_type")?;
    Ok(SeriesRow {
        metric_name: r.try_get("metric_name")?,
        metric_type: MetricType::parse(&kind).unwrap_or(MetricType::Gauge),
        help: r.try_get("help")?,
        labels: from_json(&r.try_get::<String, _>("labels")?)?,
    })
}

/// The minute an instant is in.
pub fn minute_bucket(at: &DateTime<Utc>) -> DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    at.duration_trunc(TimeDelta::minutes(1)).unwrap_or(*at)
}

impl<S: Source> Reader<S> {
    /// Every series, by metric and labels.
    pub async fn impact_series(&self) -> StorageResult<Vec<SeriesRow>> {
        let rows = sqlx::query(
            "SELECT metric_name, metric_type, help, labels FROM impact_metric_series \
             ORDER BY metric_name, labels",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(series_from_row).collect()
    }

    /// A metric's samples from `since` on, oldest first.
    pub async fn impact_samples(
        &self,
        metric_name: &str,
        since: &DateTime<Utc>,
    ) -> StorageResult<Vec<SampleRow>> {
        let rows = sqlx::query(
            "SELECT labels, minute, data FROM impact_metric_values \
             WHERE metric_name = $1 AND minute >= $2 ORDER BY minute, recorded_at, id",
        )
        .bind(metric_name)
        .bind(instant_text(since))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SampleRow {
                    labels: from_json(&r.try_get::<String, _>("labels")?)?,
                    minute: instant(r, "minute")?,
                    data: from_json(&r.try_get::<String, _>("data")?)?,
                })
            })
            .collect()
    }

    /// Every safeguard, or those of one flag's environment.
    pub async fn safeguards(
        &self,
        place: Option<(&str, &str)>,
    ) -> StorageResult<Vec<SafeguardRow>> {
        let mut sql = format!("SELECT {SAFEGUARD_COLUMNS} FROM safeguards");
        if place.is_some() {
            sql.push_str(" WHERE feature_name = $1 AND environment = $2");
        }
        sql.push_str(" ORDER BY created_at, id");
        let mut query = sqlx::query(&sql);
        if let Some((feature, environment)) = place {
            query = query.bind(feature).bind(environment);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter().map(safeguard_from_row).collect()
    }

    pub async fn safeguard(&self, id: &str) -> StorageResult<Option<SafeguardRow>> {
        let row = sqlx::query(&format!(
            "SELECT {SAFEGUARD_COLUMNS} FROM safeguards WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(safeguard_from_row).transpose()
    }
}

impl UnversionedTx {
    /// Stores samples in the minute of `at` (the `i`th with the id
    /// `<report>:<i>`); a sample of a new series is dropped when its metric
    /// has `caps.per_metric` series, or a new metric when there are `caps.metrics`.
    pub async fn record_impact_samples(
        &mut self,
        report: &str,
        samples: &[NewSample],
        at: &DateTime<Utc>,
        caps: SeriesCaps,
    ) -> StorageResult<SamplesStored> {
        let minute = instant_text(&minute_bucket(at));
        let mut outcome = SamplesStored::default();
        for (i, sample) in samples.iter().enumerate() {
            let labels = to_json(&sample.labels);
            let known: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM impact_metric_series WHERE metric_name = $1 AND labels = $2",
            )
            .bind(&sample.metric_name)
            .bind(&labels)
            .fetch_one(self.tx())
            .await?;
            if known == 0 {
                let of_metric: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM impact_metric_series WHERE metric_name = $1",
                )
                .bind(&sample.metric_name)
                .fetch_one(self.tx())
                .await?;
                let metrics: i64 = sqlx::query_scalar(
                    "SELECT COUNT(DISTINCT metric_name) FROM impact_metric_series",
                )
                .fetch_one(self.tx())
                .await?;
                if of_metric >= caps.per_metric || (of_metric == 0 && metrics >= caps.metrics) {
                    outcome.dropped += 1;
                    continue;
                }
                sqlx::query(
                    "INSERT INTO impact_metric_series (metric_name, labels, metric_type, help, \
                     created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(&sample.metric_name)
                .bind(&labels)
                .bind(sample.metric_type.as_str())
                .bind(&sample.help)
                .bind(super::now_text())
                .execute(self.tx())
                .await?;
            }
            sqlx::query(
                "INSERT INTO impact_metric_values (id, metric_name, labels, minute, recorded_at, \
                 data) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(format!("{report}:{i}"))
            .bind(&sample.metric_name)
            .bind(&labels)
            .bind(&minute)
            .bind(super::now_text())
            .bind(to_json(&sample.data))
            .execute(self.tx())
            .await?;
            outcome.stored += 1;
        }
        Ok(outcome)
    }
}

/// Which metric a safeguard watches and how (Unleash's impactMetric).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"metricName": "errors", "timeRange": "hour",
    "aggregationMode": "count", "labelSelectors": {"environment": ["production"]}}))]
pub struct ImpactMetricSelector {
    pub metric_name: String,
    pub time_range: TimeRange,
    pub aggregation_mode: AggregationMode,
    /// Only series whose label has one of these values (every label named).
    #[serde(default)]
    pub label_selectors: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimeRange {
    Hour,
    Day,
    Week,
    Month,
}

impl TimeRange {
    pub fn minutes(self) -> i64 {
        match self {
            TimeRange::Hour => 60,
            TimeRange::Day => 24 * 60,
            TimeRange::Week => 7 * 24 * 60,
            TimeRange::Month => 30 * 24 * 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AggregationMode {
    Rps,
    Count,
    Avg,
    Sum,
    P50,
    P95,
    P99,
}

/// When a safeguard trips (Unleash's triggerCondition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"operator": ">", "threshold": 10}))]
pub struct TriggerCondition {
    pub operator: Comparison,
    pub threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Comparison {
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<")]
    Below,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SafeguardRow {
    pub id: String,
    pub feature_name: String,
    pub environment: String,
    /// The plan it pauses; `None` for an environment's safeguard (it pauses
    /// every plan of the flag's environment).
    pub plan_id: Option<String>,
    pub impact_metric: ImpactMetricSelector,
    pub trigger_condition: TriggerCondition,
    pub disable_environment: bool,
    pub triggered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const SAFEGUARD_COLUMNS: &str = "id, feature_name, environment, release_plan_id, impact_metric, \
    trigger_condition, disable_environment, triggered_at, created_at";

fn safeguard_from_row(r: &AnyRow) -> StorageResult<SafeguardRow> {
    Ok(SafeguardRow {
        id: r.try_get("id")?,
        feature_name: r.try_get("feature_name")?,
        environment: r.try_get("environment")?,
        plan_id: r.try_get("release_plan_id")?,
        impact_metric: from_json(&r.try_get::<String, _>("impact_metric")?)?,
        trigger_condition: from_json(&r.try_get::<String, _>("trigger_condition")?)?,
        disable_environment: flag(r, "disable_environment")?,
        triggered_at: optional_instant(r, "triggered_at")?,
        created_at: instant(r, "created_at")?,
    })
}

impl WriteTx<'_> {
    /// Inserts a safeguard, or replaces the one with its id.
    pub async fn put_safeguard(&mut self, s: &SafeguardRow) -> StorageResult<()> {
        sqlx::query("DELETE FROM safeguards WHERE id = $1")
            .bind(&s.id)
            .execute(self.tx())
            .await?;
        sqlx::query(&format!(
            "INSERT INTO safeguards ({SAFEGUARD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&s.id)
        .bind(&s.feature_name)
        .bind(&s.environment)
        .bind(&s.plan_id)
        .bind(to_json(&s.impact_metric))
        .bind(to_json(&s.trigger_condition))
        .bind(i64::from(s.disable_environment))
        .bind(s.triggered_at.as_ref().map(instant_text))
        .bind(instant_text(&s.created_at))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn delete_safeguard(&mut self, id: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM safeguards WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
