//! Impact metrics in a metrics report (`impactMetrics`, as Unleash's SDKs send
//! them from their engine: `[{name, help, type, samples: [{labels, value}]}]`,
//! a histogram's samples with `count`, `sum` and cumulative `buckets` of
//! `{le, count}`, `le` `"+Inf"` last). Bounded: metrics and samples per
//! report, labels per sample, name lengths; a new series past the caps per
//! metric and in all is dropped with a warning, the rest stored.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::MAX_NAME;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_storage::{MetricType, NewSample, SampleData, SeriesCaps};

/// Most impact metrics in one report, samples per metric, labels per sample
/// and buckets per histogram.
const MAX_METRICS: usize = 100;
const MAX_SAMPLES: usize = 100;
const MAX_LABELS: usize = 20;
const MAX_BUCKETS: usize = 50;
/// Most series (label sets) one metric may have, and metrics in all.
pub(crate) const SERIES_CAPS: SeriesCaps = SeriesCaps {
    per_metric: 100,
    metrics: 200,
};

/// One impact metric of a report.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "errors", "help": "Errors in checkout", "type": "counter",
    "samples": [{"labels": {"appName": "checkout", "environment": "production"}, "value": 3}]}))]
pub(crate) struct ImpactMetricInput {
    name: String,
    #[serde(default)]
    help: Option<String>,
    #[serde(rename = "type")]
    kind: MetricType,
    #[serde(default)]
    samples: Vec<SampleInput>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SampleInput {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    /// A counter's increment or a gauge's value.
    #[serde(default)]
    value: Option<f64>,
    /// A histogram's observations.
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    sum: Option<f64>,
    #[serde(default)]
    buckets: Vec<BucketInput>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct BucketInput {
    /// The upper bound: a number, or `"+Inf"`.
    #[schema(value_type = f64)]
    le: Value,
    count: u64,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadData(message.into())
}

/// The samples to store, or why the report is refused (nothing is stored then).
pub(crate) fn samples(metrics: Vec<ImpactMetricInput>) -> ApiResult<Vec<NewSample>> {
    if metrics.len() > MAX_METRICS {
        return Err(bad(format!(
            "at most {MAX_METRICS} impactMetrics in one report"
        )));
    }
    let mut out = Vec::new();
    for m in metrics {
        if m.name.trim().is_empty() || m.name.len() > MAX_NAME {
            return Err(bad(format!(
                "impactMetrics[].name must be 1 to {MAX_NAME} characters"
            )));
        }
        if m.samples.len() > MAX_SAMPLES {
            return Err(bad(format!(
                "at most {MAX_SAMPLES} samples per impact metric"
            )));
        }
        let help: String = m.help.unwrap_or_default().chars().take(MAX_NAME).collect();
        for s in m.samples {
            if s.labels.len() > MAX_LABELS
                || s.labels
                    .iter()
                    .any(|(k, v)| k.len() > MAX_NAME || v.len() > MAX_NAME)
            {
                return Err(bad(format!(
                    "at most {MAX_LABELS} labels of at most {MAX_NAME} characters per sample"
                )));
            }
            let data = match m.kind {
                MetricType::Counter | MetricType::Gauge => {
                    let value = s.value.filter(|v| v.is_finite()).ok_or_else(|| {
                        bad(format!(
                            "impact metric {}: each sample needs a number value",
                            m.name
                        ))
                    })?;
                    if m.kind == MetricType::Counter && value < 0.0 {
                        return Err(bad(format!(
                            "counter {}: a sample cannot be negative",
                            m.name
                        )));
                    }
                    SampleData {
                        value,
                        ..SampleData::default()
                    }
                }
                MetricType::Histogram => histogram(&m.name, s.count, s.sum, s.buckets)?,
            };
            out.push(NewSample {
                metric_name: m.name.clone(),
                metric_type: m.kind,
                help: help.clone(),
                labels: s.labels,
                data,
            });
        }
    }
    Ok(out)
}

fn histogram(
    name: &str,
    count: Option<u64>,
    sum: Option<f64>,
    buckets: Vec<BucketInput>,
) -> ApiResult<SampleData> {
    if buckets.len() > MAX_BUCKETS {
        return Err(bad(format!(
            "histogram {name}: at most {MAX_BUCKETS} buckets"
        )));
    }
    let mut read = Vec::new();
    for b in buckets {
        let le = match &b.le {
            Value::Number(n) => Some(n.as_f64().filter(|v| v.is_finite()).ok_or_else(|| {
                bad(format!(
                    "histogram {name}: a bucket's le must be a number or \"+Inf\""
                ))
            })?),
            Value::String(s) if s == "+Inf" => None,
            _ => {
                return Err(bad(format!(
                    "histogram {name}: a bucket's le must be a number or \"+Inf\""
                )))
            }
        };
        read.push((le, b.count));
    }
    Ok(SampleData {
        value: 0.0,
        count: count.unwrap_or_else(|| read.last().map_or(0, |b| b.1)),
        sum: sum.filter(|v| v.is_finite()).unwrap_or(0.0),
        buckets: read,
    })
}

/// Stores the samples (202's part of the report); a dropped series is logged.
pub(crate) async fn store(state: &AppState, samples: &[NewSample]) -> ApiResult<()> {
    if samples.is_empty() {
        return Ok(());
    }
    let outcome = state
        .domain()
        .record_impact_samples(samples, SERIES_CAPS)
        .await?;
    if outcome.dropped > 0 {
        tracing::warn!(
            dropped = outcome.dropped,
            per_metric = SERIES_CAPS.per_metric,
            metrics = SERIES_CAPS.metrics,
            "impact metric samples of new series past the caps were dropped"
        );
    }
    Ok(())
}
