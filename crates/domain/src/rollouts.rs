//! The rollout task, on every replica: every second it looks whether a
//! safeguard's condition holds (by the impact metrics of its window, up to the
//! store's clock) and whether a release plan's progression is due; each is
//! then an operation ([`ops::TripSafeguard`], [`ops::ProgressDue`]) that
//! decides again under the change lock, so with several replicas on one
//! database each happens once, and a restart loses nothing (the state is in
//! the database). Also here: how impact metric samples aggregate
//! ([`aggregate`], [`bucketed`]), pure functions of the samples.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use flagstaff_storage::{
    AggregationMode, Comparison, ImpactMetricSelector, MetricType, SampleData, SampleRow,
    StorageResult, Store, TriggerCondition,
};

use crate::ops::{self, Actor};
use crate::DomainState;

/// How often the task looks (a timer that paces it, not what is due: a test
/// that moves the clock sees a progression within a second).
const LOOK: Duration = Duration::from_secs(1);

pub(crate) fn spawn(state: DomainState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = tick(&state).await {
                if e.is_unreachable() {
                    state
                        .store
                        .reachability()
                        .down("looking at release plans", &e);
                } else {
                    tracing::error!(error = %e, "looking at release plans and safeguards failed");
                }
            }
            tokio::time::sleep(LOOK).await;
        }
    })
}

/// One look: trip the safeguards whose condition holds, then make the due
/// progressions.
async fn tick(state: &DomainState) -> StorageResult<()> {
    let store = &state.store;
    let now = store.clock().now();
    for safeguard in store.safeguards(None).await? {
        if safeguard.triggered_at.is_some() {
            continue;
        }
        let Some(value) = watch(store, &safeguard.impact_metric, now).await? else {
            continue;
        };
        if holds(&safeguard.trigger_condition, value) {
            let trip = ops::TripSafeguard {
                id: safeguard.id.clone(),
                value,
            };
            match state.apply(&Actor::system(), trip).await {
                Ok(true) => tracing::warn!(
                    safeguard = %safeguard.id,
                    flag = %safeguard.feature_name,
                    environment = %safeguard.environment,
                    value,
                    "a safeguard tripped: its release plans' progressions are paused"
                ),
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "tripping a safeguard failed"),
            }
        }
    }
    let due = store
        .waiting_progressions()
        .await?
        .iter()
        .any(|(_, p, started)| *started + chrono::Duration::minutes(p.interval_minutes) <= now);
    if due {
        match state.apply(&Actor::system(), ops::ProgressDue).await {
            Ok(made) => tracing::info!(made, "release plan progressions made"),
            Err(e) => tracing::error!(error = %e, "making release plan progressions failed"),
        }
    }
    Ok(())
}

/// The metric's name as stored: Unleash shows series as
/// `unleash_counter_<name>` (and `_gauge_`, `_histogram_`); either is read.
pub fn stored_metric_name(name: &str) -> &str {
    for prefix in ["unleash_counter_", "unleash_gauge_", "unleash_histogram_"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest;
        }
    }
    name
}

/// A safeguard's metric over its window up to `now`; `None` when nothing of
/// it was reported (only an average or a percentile: a count or sum of
/// nothing is 0).
async fn watch(
    store: &Store,
    selector: &ImpactMetricSelector,
    now: DateTime<Utc>,
) -> StorageResult<Option<f64>> {
    let name = stored_metric_name(&selector.metric_name);
    let Some(kind) = store
        .impact_series()
        .await?
        .into_iter()
        .find(|s| s.metric_name == name)
        .map(|s| s.metric_type)
    else {
        return Ok(None);
    };
    let minutes = selector.time_range.minutes();
    let since = now - chrono::Duration::minutes(minutes);
    let samples = store.impact_samples(name, &since).await?;
    let chosen: Vec<&SampleData> = samples
        .iter()
        .filter(|s| s.minute <= now && selected(&s.labels, &selector.label_selectors))
        .map(|s| &s.data)
        .collect();
    Ok(aggregate(kind, selector.aggregation_mode, &chosen, minutes))
}

/// Whether a series' labels have one of the selected values for every label named.
pub fn selected(
    labels: &BTreeMap<String, String>,
    selectors: &BTreeMap<String, Vec<String>>,
) -> bool {
    selectors.iter().all(|(label, values)| {
        values.is_empty()
            || values.iter().any(|v| v == "*")
            || labels.get(label).is_some_and(|l| values.contains(l))
    })
}

/// Whether a condition holds for `value`.
pub fn holds(condition: &TriggerCondition, value: f64) -> bool {
    match condition.operator {
        Comparison::Above => value > condition.threshold,
        Comparison::Below => value < condition.threshold,
    }
}

/// Samples of a metric of `kind` aggregated as `mode` over `minutes`.
pub fn aggregate(
    kind: MetricType,
    mode: AggregationMode,
    samples: &[&SampleData],
    minutes: i64,
) -> Option<f64> {
    let seconds = (minutes.max(1) * 60) as f64;
    let values: Vec<f64> = samples.iter().map(|s| s.value).collect();
    let total = |f: fn(&SampleData) -> f64| samples.iter().map(|&s| f(s)).sum::<f64>();
    match (kind, mode) {
        (MetricType::Histogram, AggregationMode::Count) => Some(total(|s| s.count as f64)),
        (MetricType::Histogram, AggregationMode::Sum) => Some(total(|s| s.sum)),
        (MetricType::Histogram, AggregationMode::Rps) => Some(total(|s| s.count as f64) / seconds),
        (MetricType::Histogram, AggregationMode::Avg) => {
            let count = total(|s| s.count as f64);
            (count > 0.0).then(|| total(|s| s.sum) / count)
        }
        (MetricType::Histogram, AggregationMode::P50) => histogram_quantile(samples, 0.5),
        (MetricType::Histogram, AggregationMode::P95) => histogram_quantile(samples, 0.95),
        (MetricType::Histogram, AggregationMode::P99) => histogram_quantile(samples, 0.99),
        (_, AggregationMode::Count) if kind == MetricType::Counter => Some(values.iter().sum()),
        (_, AggregationMode::Count) => Some(values.len() as f64),
        (_, AggregationMode::Sum) => Some(values.iter().sum()),
        (_, AggregationMode::Rps) => Some(values.iter().sum::<f64>() / seconds),
        (_, AggregationMode::Avg) => {
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        }
        (_, AggregationMode::P50) => quantile(values, 0.5),
        (_, AggregationMode::P95) => quantile(values, 0.95),
        (_, AggregationMode::P99) => quantile(values, 0.99),
    }
}

/// The `q` quantile of values (nearest rank).
fn quantile(mut values: Vec<f64>, q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

/// The `q` quantile of histograms' merged cumulative buckets, interpolated
/// within its bucket as Prometheus does (the largest finite bound when it
/// falls in `+Inf`).
fn histogram_quantile(samples: &[&SampleData], q: f64) -> Option<f64> {
    let mut merged: BTreeMap<u64, (Option<f64>, u64)> = BTreeMap::new();
    for s in samples {
        for (le, count) in &s.buckets {
            let key = le.map_or(u64::MAX, |b| b.to_bits() ^ (1 << 63));
            let slot = merged.entry(key).or_insert((*le, 0));
            slot.1 += count;
        }
    }
    let total = merged.values().last()?.1;
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let (mut lower, mut below) = (0.0, 0u64);
    for (le, count) in merged.values() {
        if *count as f64 >= rank {
            let Some(upper) = le else {
                return Some(lower);
            };
            let inside = (*count - below) as f64;
            let share = if inside > 0.0 {
                (rank - below as f64) / inside
            } else {
                1.0
            };
            return Some(lower + (upper - lower) * share);
        }
        if let Some(upper) = le {
            lower = *upper;
        }
        below = *count;
    }
    Some(lower)
}

/// A series' labels.
pub type Labels = BTreeMap<String, String>;
/// A series' points: a value per minute.
pub type Points = Vec<(DateTime<Utc>, f64)>;

/// Samples aggregated per label set and minute, for the admin API's series.
pub fn bucketed(
    kind: MetricType,
    mode: AggregationMode,
    samples: &[SampleRow],
    selectors: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<Labels, Points> {
    let mut grouped: BTreeMap<Labels, BTreeMap<DateTime<Utc>, Vec<&SampleData>>> = BTreeMap::new();
    for s in samples.iter().filter(|s| selected(&s.labels, selectors)) {
        grouped
            .entry(s.labels.clone())
            .or_default()
            .entry(s.minute)
            .or_default()
            .push(&s.data);
    }
    grouped
        .into_iter()
        .map(|(labels, minutes)| {
            let points = minutes
                .into_iter()
                .filter_map(|(minute, data)| aggregate(kind, mode, &data, 1).map(|v| (minute, v)))
                .collect();
            (labels, points)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(buckets: &[(Option<f64>, u64)]) -> SampleData {
        SampleData {
            count: buckets.last().map_or(0, |b| b.1),
            buckets: buckets.to_vec(),
            ..SampleData::default()
        }
    }

    #[test]
    fn aggregations_follow_the_metric_kind() {
        let counts = [
            SampleData {
                value: 3.0,
                ..SampleData::default()
            },
            SampleData {
                value: 9.0,
                ..SampleData::default()
            },
        ];
        let refs: Vec<&SampleData> = counts.iter().collect();
        assert_eq!(
            aggregate(MetricType::Counter, AggregationMode::Count, &refs, 60),
            Some(12.0)
        );
        assert_eq!(
            aggregate(MetricType::Counter, AggregationMode::Rps, &refs, 1),
            Some(0.2)
        );
        assert_eq!(
            aggregate(MetricType::Gauge, AggregationMode::Avg, &refs, 60),
            Some(6.0)
        );
        assert_eq!(
            aggregate(MetricType::Gauge, AggregationMode::Count, &refs, 60),
            Some(2.0)
        );
        assert_eq!(
            aggregate(MetricType::Gauge, AggregationMode::Avg, &[], 60),
            None
        );
        assert_eq!(
            aggregate(MetricType::Counter, AggregationMode::Sum, &[], 60),
            Some(0.0)
        );
        // 10 observations: 5 at or below 0.1, 9 at or below 0.5, 10 in all.
        let h = [histogram(&[(Some(0.1), 5), (Some(0.5), 9), (None, 10)])];
        let refs: Vec<&SampleData> = h.iter().collect();
        let p50 = aggregate(MetricType::Histogram, AggregationMode::P50, &refs, 60).expect("p50");
        assert!((p50 - 0.1).abs() < 1e-9, "{p50}");
        let p95 = aggregate(MetricType::Histogram, AggregationMode::P95, &refs, 60).expect("p95");
        assert!((p95 - 0.5).abs() < 1e-9, "{p95}");
    }

    #[test]
    fn label_selectors_and_names() {
        let labels = BTreeMap::from([("environment".to_owned(), "production".to_owned())]);
        let want = |v: &[&str]| {
            BTreeMap::from([(
                "environment".to_owned(),
                v.iter().map(|s| s.to_string()).collect(),
            )])
        };
        assert!(selected(&labels, &want(&["production"])));
        assert!(!selected(&labels, &want(&["development"])));
        assert!(selected(&labels, &want(&["*"])));
        assert!(!selected(&BTreeMap::new(), &want(&["production"])));
        assert_eq!(stored_metric_name("unleash_counter_errors"), "errors");
        assert_eq!(stored_metric_name("errors"), "errors");
    }
}
