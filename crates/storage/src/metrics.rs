//! Client metrics and SDK instances. Counts are added with one upsert per key,
//! so batches from any number of instances and servers add up exactly.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sqlx::Row;

use super::columns::{instant, instant_text, optional_instant};
use super::{now_text, to_json, Reader, Source, StorageResult, UnversionedTx};

/// One flag's counts in one environment, application and hour.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricKey {
    pub feature_name: String,
    pub environment: String,
    pub app_name: String,
    /// The start of the hour ([`hour_bucket`]).
    pub hour: DateTime<Utc>,
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

/// A flag an SDK reported metrics for that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownFlag {
    pub name: String,
    pub app_name: String,
    pub environment: String,
    pub last_seen: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRow {
    pub app_name: String,
    pub instance_id: String,
    pub environment: String,
    pub sdk_version: Option<String>,
    pub strategies: Vec<String>,
    pub started: Option<DateTime<Utc>>,
    pub interval_ms: Option<i64>,
}

/// The hour bucket an instant counts in: the start of its hour.
pub fn hour_bucket(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl UnversionedTx {
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
        .bind(instant_text(&key.hour))
        .bind(count(counts.yes))
        .bind(count(counts.no))
        .execute(self.tx())
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
            .bind(instant_text(&key.hour))
            .bind(variant)
            .bind(count(*n))
            .execute(self.tx())
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
             strategies = CASE WHEN excluded.strategies = '[]' THEN client_instances.strategies ELSE excluded.strategies END, \
             started = COALESCE(excluded.started, client_instances.started), \
             interval_ms = COALESCE(excluded.interval_ms, client_instances.interval_ms), last_seen = excluded.last_seen",
        )
        .bind(&instance.app_name)
        .bind(&instance.instance_id)
        .bind(&instance.environment)
        .bind(&instance.sdk_version)
        .bind(to_json(&instance.strategies))
        .bind(instance.started.as_ref().map(instant_text))
        .bind(instance.interval_ms)
        .bind(now_text())
        .execute(self.tx())
        .await?;
        Ok(())
    }
}

impl<S: Source> Reader<S> {
    /// Hourly rows of one flag from the hour of `since` on, oldest first (at
    /// most 20,000: 48 hours of 400 application × environment pairs).
    pub async fn raw_metrics(
        &self,
        feature: &str,
        since: DateTime<Utc>,
    ) -> StorageResult<Vec<(MetricKey, MetricCounts)>> {
        let since_hour = instant_text(&hour_bucket(since));
        let rows = sqlx::query(
            "SELECT feature_name, environment, app_name, hour, yes, no FROM client_metrics \
             WHERE feature_name = $1 AND hour >= $2 ORDER BY hour, environment, app_name \
             LIMIT 20000",
        )
        .bind(feature)
        .bind(&since_hour)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let variants = sqlx::query(
            "SELECT environment, app_name, hour, variant, count FROM client_metric_variants \
             WHERE feature_name = $1 AND hour >= $2",
        )
        .bind(feature)
        .bind(since_hour)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        // Variant counts by (environment, application, hour): one pass each.
        let mut variants_of: HashMap<(String, String, DateTime<Utc>), BTreeMap<String, u64>> =
            HashMap::new();
        for v in &variants {
            variants_of
                .entry((
                    v.try_get("environment")?,
                    v.try_get("app_name")?,
                    instant(v, "hour")?,
                ))
                .or_default()
                .insert(
                    v.try_get("variant")?,
                    u64::try_from(v.try_get::<i64, _>("count")?).unwrap_or(0),
                );
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let key = MetricKey {
                feature_name: r.try_get("feature_name")?,
                environment: r.try_get("environment")?,
                app_name: r.try_get("app_name")?,
                hour: instant(r, "hour")?,
            };
            let counts = MetricCounts {
                yes: u64::try_from(r.try_get::<i64, _>("yes")?).unwrap_or(0),
                no: u64::try_from(r.try_get::<i64, _>("no")?).unwrap_or(0),
                variants: variants_of
                    .remove(&(key.environment.clone(), key.app_name.clone(), key.hour))
                    .unwrap_or_default(),
            };
            out.push((key, counts));
        }
        Ok(out)
    }
}

impl<S: Source> Reader<S> {
    /// The latest hour bucket in which SDKs reported each of `names` (the
    /// flags' "last seen", to the hour; within the metrics' retention).
    /// One query per 500 names, on the primary key's leading column.
    pub async fn last_seen_hours(
        &self,
        names: &[&str],
    ) -> StorageResult<HashMap<String, DateTime<Utc>>> {
        let mut seen = HashMap::with_capacity(names.len());
        for chunk in names.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT feature_name, MAX(hour) AS last_hour FROM client_metrics \
                 WHERE feature_name IN ({}) GROUP BY feature_name",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for name in chunk {
                query = query.bind(*name);
            }
            for row in query.fetch_all(&mut *self.conn().await?).await? {
                seen.insert(row.try_get("feature_name")?, instant(&row, "last_hour")?);
            }
        }
        Ok(seen)
    }

    /// SDK instances known (they are pruned with the metrics).
    pub async fn count_instances(&self) -> StorageResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM client_instances")
            .fetch_one(&mut *self.conn().await?)
            .await?)
    }

    /// Unknown flags, most recently seen first, at most `limit`.
    pub async fn unknown_flags(&self, limit: i64) -> StorageResult<Vec<UnknownFlag>> {
        let rows = sqlx::query(
            "SELECT name, app_name, environment, last_seen FROM unknown_flags \
             ORDER BY last_seen DESC, name LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnknownFlag {
                    name: r.try_get("name")?,
                    app_name: r.try_get("app_name")?,
                    environment: r.try_get("environment")?,
                    last_seen: instant(r, "last_seen")?,
                })
            })
            .collect()
    }

    /// An application's SDK instances, most recently seen first, at most `limit`.
    pub async fn instances_of(
        &self,
        app_name: &str,
        limit: i64,
    ) -> StorageResult<Vec<(InstanceRow, DateTime<Utc>)>> {
        let rows = sqlx::query(
            "SELECT app_name, instance_id, environment, sdk_version, strategies, started, interval_ms, last_seen \
             FROM client_instances WHERE app_name = $1 ORDER BY last_seen DESC, instance_id LIMIT $2",
        )
        .bind(app_name)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
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
                        started: optional_instant(r, "started")?,
                        interval_ms: r.try_get("interval_ms")?,
                    },
                    instant(r, "last_seen")?,
                ))
            })
            .collect()
    }

    /// A page of applications (by name) with the environments each was seen
    /// in, and how many applications there are.
    pub async fn applications(
        &self,
        offset: i64,
        limit: i64,
    ) -> StorageResult<(Vec<(String, Vec<String>)>, i64)> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(DISTINCT app_name) FROM client_instances")
                .fetch_one(&mut *self.conn().await?)
                .await?;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT app_name FROM client_instances ORDER BY app_name LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let (Some(first), Some(last)) = (names.first(), names.last()) else {
            return Ok((Vec::new(), total));
        };
        let pairs = sqlx::query(
            "SELECT DISTINCT app_name, environment FROM client_instances \
             WHERE app_name >= $1 AND app_name <= $2 ORDER BY app_name, environment",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let at: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let mut apps: Vec<(String, Vec<String>)> =
            names.iter().map(|n| (n.clone(), Vec::new())).collect();
        for row in &pairs {
            let app: String = row.try_get("app_name")?;
            if let Some(&i) = at.get(app.as_str()) {
                apps[i].1.push(row.try_get("environment")?);
            }
        }
        Ok((apps, total))
    }

    /// Flag names an application reported metrics for.
    pub async fn flags_seen_by(&self, app_name: &str) -> StorageResult<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT feature_name FROM client_metrics WHERE app_name = $1 ORDER BY feature_name LIMIT 10000")
            .bind(app_name)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get("feature_name")?))
            .collect()
    }
}

impl UnversionedTx {
    /// Deletes hourly buckets older than `before_hour`, and SDK instances and
    /// unknown flags last seen before it; returns how many rows went.
    pub async fn prune_metrics(&mut self, before_hour: &DateTime<Utc>) -> StorageResult<u64> {
        let before_hour = instant_text(before_hour);
        let mut pruned = 0;
        for statement in [
            "DELETE FROM client_metrics WHERE hour < $1",
            "DELETE FROM client_metric_variants WHERE hour < $1",
            "DELETE FROM client_instances WHERE last_seen < $1",
            "DELETE FROM unknown_flags WHERE last_seen < $1",
            "DELETE FROM impact_metric_values WHERE minute < $1",
        ] {
            pruned += sqlx::query(statement)
                .bind(&before_hour)
                .execute(self.tx())
                .await?
                .rows_affected();
        }
        Ok(pruned)
    }

    /// Notes flags reported but unknown (name, application, environment) as
    /// seen now. At most `cap` are kept: once full, only those already noted
    /// are refreshed, so made-up names cannot grow the table.
    pub async fn note_unknown_flags(
        &mut self,
        flags: &[UnknownFlag],
        cap: i64,
    ) -> StorageResult<()> {
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM unknown_flags")
            .fetch_one(self.tx())
            .await?;
        let statement = if stored < cap {
            "INSERT INTO unknown_flags (name, app_name, environment, last_seen) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name, app_name, environment) DO UPDATE SET last_seen = excluded.last_seen"
        } else {
            "UPDATE unknown_flags SET last_seen = $4 WHERE name = $1 AND app_name = $2 AND environment = $3"
        };
        for flag in flags {
            sqlx::query(statement)
                .bind(&flag.name)
                .bind(&flag.app_name)
                .bind(&flag.environment)
                .bind(instant_text(&flag.last_seen))
                .execute(self.tx())
                .await?;
        }
        Ok(())
    }
}
