//! Client metrics and SDK instances. Counts are added with one upsert per key,
//! so batches from any number of instances and servers add up exactly.

use std::collections::BTreeMap;

use sqlx::Row;

use super::{now_text, to_json, StorageResult, Store, WriteTx};

/// One flag's counts in one environment, application and hour.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricKey {
    pub feature_name: String,
    pub environment: String,
    pub app_name: String,
    /// Start of the hour, `YYYY-MM-DDTHH:00:00.000Z`.
    pub hour: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricCounts {
    pub yes: u64,
    pub no: u64,
    pub variants: BTreeMap<String, u64>,
}

impl MetricCounts {
    pub fn add(&mut self, other: &MetricCounts) {
        self.yes += other.yes;
        self.no += other.no;
        for (name, n) in &other.variants {
            *self.variants.entry(name.clone()).or_default() += n;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRow {
    pub app_name: String,
    pub instance_id: String,
    pub environment: String,
    pub sdk_version: Option<String>,
    pub strategies: Vec<String>,
    pub started: Option<String>,
    pub interval_ms: Option<i64>,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl WriteTx<'_> {
    pub async fn add_metrics(
        &mut self,
        key: &MetricKey,
        counts: &MetricCounts,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO client_metrics (feature_name, environment, app_name, hour, yes, no) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (feature_name, environment, app_name, hour) \
             DO UPDATE SET yes = client_metrics.yes + excluded.yes, no = client_metrics.no + excluded.no",
        )
        .bind(&key.feature_name)
        .bind(&key.environment)
        .bind(&key.app_name)
        .bind(&key.hour)
        .bind(count(counts.yes))
        .bind(count(counts.no))
        .execute(&mut *self.tx)
        .await?;
        for (variant, n) in &counts.variants {
            sqlx::query(
                "INSERT INTO client_metric_variants (feature_name, environment, app_name, hour, variant, count) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (feature_name, environment, app_name, hour, variant) \
                 DO UPDATE SET count = client_metric_variants.count + excluded.count",
            )
            .bind(&key.feature_name)
            .bind(&key.environment)
            .bind(&key.app_name)
            .bind(&key.hour)
            .bind(variant)
            .bind(count(*n))
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    pub async fn upsert_instance(&mut self, instance: &InstanceRow) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO client_instances (app_name, instance_id, environment, sdk_version, strategies, started, interval_ms, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (app_name, instance_id, environment) DO UPDATE SET \
             sdk_version = COALESCE(excluded.sdk_version, client_instances.sdk_version), \
             strategies = excluded.strategies, started = COALESCE(excluded.started, client_instances.started), \
             interval_ms = COALESCE(excluded.interval_ms, client_instances.interval_ms), last_seen = excluded.last_seen",
        )
        .bind(&instance.app_name)
        .bind(&instance.instance_id)
        .bind(&instance.environment)
        .bind(&instance.sdk_version)
        .bind(to_json(&instance.strategies))
        .bind(&instance.started)
        .bind(instance.interval_ms)
        .bind(now_text())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Hourly rows of one flag from `since_hour` on, oldest first.
    pub async fn raw_metrics(
        &self,
        feature: &str,
        since_hour: &str,
    ) -> StorageResult<Vec<(MetricKey, MetricCounts)>> {
        let rows = sqlx::query(
            "SELECT feature_name, environment, app_name, hour, yes, no FROM client_metrics \
             WHERE feature_name = $1 AND hour >= $2 ORDER BY hour, environment, app_name",
        )
        .bind(feature)
        .bind(since_hour)
        .fetch_all(self.pool())
        .await?;
        let variants = sqlx::query(
            "SELECT environment, app_name, hour, variant, count FROM client_metric_variants \
             WHERE feature_name = $1 AND hour >= $2",
        )
        .bind(feature)
        .bind(since_hour)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let key = MetricKey {
                feature_name: r.try_get("feature_name")?,
                environment: r.try_get("environment")?,
                app_name: r.try_get("app_name")?,
                hour: r.try_get("hour")?,
            };
            let mut counts = MetricCounts {
                yes: u64::try_from(r.try_get::<i64, _>("yes")?).unwrap_or(0),
                no: u64::try_from(r.try_get::<i64, _>("no")?).unwrap_or(0),
                variants: BTreeMap::new(),
            };
            for v in &variants {
                if v.try_get::<String, _>("environment")? == key.environment
                    && v.try_get::<String, _>("app_name")? == key.app_name
                    && v.try_get::<String, _>("hour")? == key.hour
                {
                    counts.variants.insert(
                        v.try_get("variant")?,
                        u64::try_from(v.try_get::<i64, _>("count")?).unwrap_or(0),
                    );
                }
            }
            out.push((key, counts));
        }
        Ok(out)
    }
}

impl Store {
    /// The SDK instances seen, newest first.
    pub async fn instances(&self) -> StorageResult<Vec<(InstanceRow, String)>> {
        let rows = sqlx::query(
            "SELECT app_name, instance_id, environment, sdk_version, strategies, started, interval_ms, last_seen \
             FROM client_instances ORDER BY last_seen DESC",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    InstanceRow {
                        app_name: r.try_get("app_name")?,
                        instance_id: r.try_get("instance_id")?,
                        environment: r.try_get("environment")?,
                        sdk_version: r.try_get("sdk_version")?,
                        strategies: super::from_json(&r.try_get::<String, _>("strategies")?)?,
                        started: r.try_get("started")?,
                        interval_ms: r.try_get("interval_ms")?,
                    },
                    r.try_get("last_seen")?,
                ))
            })
            .collect()
    }

    /// Flag names an application reported metrics for.
    pub async fn flags_seen_by(&self, app_name: &str) -> StorageResult<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT feature_name FROM client_metrics WHERE app_name = $1 ORDER BY feature_name")
            .bind(app_name)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get("feature_name")?))
            .collect()
    }
}

impl WriteTx<'_> {
    /// Deletes hourly buckets older than `before_hour`; returns how many rows went.
    pub async fn prune_metrics(&mut self, before_hour: &str) -> StorageResult<u64> {
        let counts = sqlx::query("DELETE FROM client_metrics WHERE hour < $1")
            .bind(before_hour)
            .execute(&mut *self.tx)
            .await?;
        let variants = sqlx::query("DELETE FROM client_metric_variants WHERE hour < $1")
            .bind(before_hour)
            .execute(&mut *self.tx)
            .await?;
        Ok(counts.rows_affected() + variants.rows_affected())
    }
}
