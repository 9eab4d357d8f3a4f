//! SDK metrics and registrations received by the edge, merged in memory per
//! (environment, app, flag) and (environment, app, instance), and sent
//! upstream in one `POST /api/client/metrics/bulk` per environment every
//! `--metrics-interval-seconds` (with a client token of that environment).
//! What was sent is forgotten only once the upstream accepted it; a failed
//! post puts it back, to be added to the next one. Bounded: past
//! [`MAX_KEYS`] new keys are dropped (and counted).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Most (environment, app, flag) and (environment, app, instance) keys held.
pub const MAX_KEYS: usize = 50_000;

/// An SDK's metrics report (`POST /api/client/metrics`, and the frontend's).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub app_name: String,
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default)]
    pub sdk_version: Option<String>,
    #[serde(default)]
    pub bucket: Option<Bucket>,
}

#[derive(Debug, Deserialize)]
pub struct Bucket {
    #[serde(default)]
    pub toggles: HashMap<String, Counts>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Counts {
    #[serde(default)]
    pub yes: u64,
    #[serde(default)]
    pub no: u64,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub variants: BTreeMap<String, u64>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, u64>, D::Error> {
    Ok(Option::<BTreeMap<String, u64>>::deserialize(d)?.unwrap_or_default())
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.yes = self.yes.saturating_add(other.yes);
        self.no = self.no.saturating_add(other.no);
        for (variant, count) in &other.variants {
            let total = self.variants.entry(variant.clone()).or_default();
            *total = total.saturating_add(*count);
        }
    }
}

/// A downstream edge's `POST /api/client/metrics/bulk`.
#[derive(Debug, Deserialize)]
pub struct Bulk {
    #[serde(default)]
    pub applications: Vec<Registration>,
    #[serde(default)]
    pub metrics: Vec<BulkMetric>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkMetric {
    pub feature_name: String,
    pub app_name: String,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(flatten)]
    pub counts: Counts,
}

/// An SDK's registration (`POST /api/client/register`), kept as sent.
pub type Registration = serde_json::Map<String, Value>;

/// What is waiting to be sent, per environment.
#[derive(Debug, Default)]
pub struct Pending {
    counts: HashMap<(String, String, String), Counts>,
    applications: HashMap<(String, String, String), Registration>,
}

impl Pending {
    fn keys(&self) -> usize {
        self.counts.len() + self.applications.len()
    }

    fn merge(&mut self, other: Pending, dropped: &AtomicU64) {
        for (key, counts) in other.counts {
            self.add_counts(key, &counts, dropped);
        }
        for (key, app) in other.applications {
            self.applications.entry(key).or_insert(app);
        }
    }

    fn add_counts(&mut self, key: (String, String, String), counts: &Counts, dropped: &AtomicU64) {
        let full = self.keys() >= MAX_KEYS;
        match self.counts.get_mut(&key) {
            Some(total) => total.add(counts),
            None if full => {
                dropped.fetch_add(1, Ordering::Relaxed);
            }
            None => {
                self.counts.insert(key, counts.clone());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys() == 0
    }

    /// The environments with something to send.
    pub fn environments(&self) -> Vec<String> {
        let mut environments: Vec<String> = self
            .counts
            .keys()
            .map(|k| k.0.clone())
            .chain(self.applications.keys().map(|k| k.0.clone()))
            .collect();
        environments.sort();
        environments.dedup();
        environments
    }

    /// Takes out one environment's part.
    pub fn split_off(&mut self, environment: &str) -> Pending {
        let (counts, rest): (HashMap<_, _>, HashMap<_, _>) = std::mem::take(&mut self.counts)
            .into_iter()
            .partition(|(k, _)| k.0 == environment);
        self.counts = rest;
        let (applications, rest): (HashMap<_, _>, HashMap<_, _>) =
            std::mem::take(&mut self.applications)
                .into_iter()
                .partition(|(k, _)| k.0 == environment);
        self.applications = rest;
        Pending {
            counts,
            applications,
        }
    }

    /// The bulk body Unleash takes on `/api/client/metrics/bulk`; the edge
    /// names itself in each application's `connectVia`.
    pub fn bulk_body(&self, edge_app: &str, edge_instance: &str, timestamp: &str) -> Vec<u8> {
        let metrics: Vec<Value> = self
            .counts
            .iter()
            .map(|((environment, app, flag), counts)| {
                json!({
                    "featureName": flag, "appName": app, "environment": environment,
                    "timestamp": timestamp, "yes": counts.yes, "no": counts.no,
                    "variants": counts.variants,
                })
            })
            .collect();
        let applications: Vec<Value> = self
            .applications
            .iter()
            .map(|((environment, app, instance), registration)| {
                let mut entry = registration.clone();
                entry.insert("appName".to_owned(), json!(app));
                entry.insert("instanceId".to_owned(), json!(instance));
                entry.insert("environment".to_owned(), json!(environment));
                entry.insert(
                    "connectVia".to_owned(),
                    json!([{"appName": edge_app, "instanceId": edge_instance}]),
                );
                entry.entry("started").or_insert(json!(timestamp));
                entry.entry("interval").or_insert(json!(0));
                entry.entry("strategies").or_insert(json!([]));
                Value::Object(entry)
            })
            .collect();
        serde_json::to_vec(&json!({"applications": applications, "metrics": metrics}))
            .unwrap_or_default()
    }
}

/// The buffer shared by the handlers and the sender.
#[derive(Debug, Default)]
pub struct MetricsBuffer {
    pending: Mutex<Pending>,
    /// Keys dropped because the buffer was full.
    pub dropped: AtomicU64,
    /// Reports received, and bulk posts that succeeded and failed.
    pub reports: AtomicU64,
    pub sent: AtomicU64,
    pub failed: AtomicU64,
    /// The last report of each downstream edge, by its `identifier`.
    edges: Mutex<HashMap<String, Registration>>,
}

/// Most downstream edges whose reports are kept.
const MAX_EDGES: usize = 256;

fn instance(id: Option<&str>) -> String {
    id.filter(|i| !i.trim().is_empty())
        .unwrap_or("default")
        .to_owned()
}

impl MetricsBuffer {
    pub fn add_report(&self, environment: &str, report: &Report) {
        self.reports.fetch_add(1, Ordering::Relaxed);
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let app = report.app_name.clone();
        let instance = instance(report.instance_id.as_deref());
        let key = (environment.to_owned(), app.clone(), instance);
        if !pending.applications.contains_key(&key) && pending.keys() < MAX_KEYS {
            let mut registration = Registration::new();
            if let Some(version) = &report.sdk_version {
                registration.insert("sdkVersion".to_owned(), json!(version));
            }
            pending.applications.insert(key, registration);
        }
        if let Some(bucket) = &report.bucket {
            for (flag, counts) in &bucket.toggles {
                let key = (environment.to_owned(), app.clone(), flag.clone());
                pending.add_counts(key, counts, &self.dropped);
            }
        }
    }

    pub fn add_registration(&self, environment: &str, registration: Registration) {
        let Some(app) = registration.get("appName").and_then(Value::as_str) else {
            return;
        };
        let instance = instance(registration.get("instanceId").and_then(Value::as_str));
        let key = (environment.to_owned(), app.to_owned(), instance);
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if pending.applications.contains_key(&key) || pending.keys() < MAX_KEYS {
            pending.applications.insert(key, registration);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A downstream edge's bulk post: counts and applications of the token's
    /// environment (others are dropped, as Unleash does).
    pub fn add_bulk(&self, environment: &str, bulk: Bulk) {
        self.reports.fetch_add(1, Ordering::Relaxed);
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        for metric in bulk.metrics {
            if metric
                .environment
                .as_deref()
                .is_some_and(|e| e != environment)
            {
                continue;
            }
            let key = (environment.to_owned(), metric.app_name, metric.feature_name);
            pending.add_counts(key, &metric.counts, &self.dropped);
        }
        drop(pending);
        for application in bulk.applications {
            if application
                .get("environment")
                .and_then(Value::as_str)
                .is_some_and(|e| e != environment)
            {
                continue;
            }
            self.add_registration(environment, application);
        }
    }

    /// The bulk body of what is waiting, without taking it.
    pub fn pending_bulk_body(
        &self,
        edge_app: &str,
        edge_instance: &str,
        timestamp: &str,
    ) -> Vec<u8> {
        let pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.bulk_body(edge_app, edge_instance, timestamp)
    }

    /// Keeps a downstream edge's report about itself (the last one per edge).
    pub fn add_edge_report(&self, report: Registration) {
        let identifier = report
            .get("identifier")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        let mut edges = self.edges.lock().unwrap_or_else(PoisonError::into_inner);
        if edges.contains_key(&identifier) || edges.len() < MAX_EDGES {
            edges.insert(identifier, report);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The downstream edges' last reports, by identifier.
    pub fn connected_edges(&self) -> Vec<Registration> {
        let edges = self.edges.lock().unwrap_or_else(PoisonError::into_inner);
        let mut reports: Vec<(&String, &Registration)> = edges.iter().collect();
        reports.sort_by(|a, b| a.0.cmp(b.0));
        reports.into_iter().map(|(_, r)| r.clone()).collect()
    }

    pub fn take(&self) -> Pending {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Puts back what could not be sent.
    pub fn restore(&self, unsent: Pending) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.merge(unsent, &self.dropped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_add_up_and_come_back_after_a_failure() {
        let buffer = MetricsBuffer::default();
        let report: Report = serde_json::from_value(json!({"appName": "a", "bucket": {
            "start": "x", "stop": "y", "toggles": {"f": {"yes": 2, "no": 1, "variants": {"v": 2}}}}}))
        .expect("report");
        buffer.add_report("dev", &report);
        buffer.add_report("dev", &report);
        let mut taken = buffer.take();
        assert_eq!(taken.environments(), ["dev"]);
        let dev = taken.split_off("dev");
        assert!(taken.is_empty());
        buffer.restore(dev);
        buffer.add_report("dev", &report);
        let body: Value =
            serde_json::from_slice(&buffer.take().bulk_body("edge", "e1", "t")).expect("json");
        assert_eq!(body["metrics"][0]["yes"], 6);
        assert_eq!(body["metrics"][0]["variants"]["v"], 6);
        assert_eq!(body["applications"][0]["connectVia"][0]["appName"], "edge");
    }
}
