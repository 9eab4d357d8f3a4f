//! What `GET /metrics` tells a Prometheus scraper: requests by route and status
//! with latency histograms (recorded by the request middleware), and, read at
//! scrape time from the state they describe, the revision of each
//! environment's document, open streams and how far behind they are, SDK
//! instances seen, metrics ingestion, the database pool and how long admin
//! writes wait for the change lock.

use std::sync::atomic::Ordering;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use flagstaff_domain::DomainState;
use flagstaff_domain::MetricsBuffer;

pub struct Telemetry {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    change_head: IntGauge,
    revisions: IntGaugeVec,
    streams: IntGaugeVec,
    stream_lag: IntGaugeVec,
    sdk_instances: IntGauge,
    deliveries_pending: IntGauge,
    metrics_reports: IntCounterVec,
    metrics_batches: IntCounterVec,
    pool: IntGaugeVec,
    lock_waits: IntCounter,
    lock_wait_seconds: prometheus::Counter,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Telemetry")
    }
}

/// Where a request went, as a label: the route's pattern, never the raw path
/// (which would make a label value per flag name or made-up URL).
pub const UNMATCHED_ROUTE: &str = "(unmatched)";

impl Telemetry {
    pub fn new() -> Telemetry {
        let registry = Registry::new_custom(Some("flagstaff".to_owned()), None)
            .unwrap_or_else(|_| Registry::new());
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer a request (to the response head, for streams)",
            )
            .buckets(vec![
                0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let gauge_vec = |name: &str, help: &str, labels: &[&str]| {
            IntGaugeVec::new(Opts::new(name, help), labels)
                .unwrap_or_else(|e| unreachable!("static metric definition: {e}"))
        };
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            IntCounterVec::new(Opts::new(name, help), labels)
                .unwrap_or_else(|e| unreachable!("static metric definition: {e}"))
        };
        let gauge = |name: &str, help: &str| {
            IntGauge::new(name, help)
                .unwrap_or_else(|e| unreachable!("static metric definition: {e}"))
        };
        let telemetry = Telemetry {
            requests,
            latency,
            change_head: gauge(
                "change_head_revision",
                "The revision of this process's snapshot (the change head it has caught up with)",
            ),
            revisions: gauge_vec(
                "environment_revision",
                "The revision of the last change to each environment's client document (its ETag)",
                &["environment"],
            ),
            streams: gauge_vec(
                "client_streams",
                "Open client streams (GET /api/client/streaming)",
                &["environment"],
            ),
            stream_lag: gauge_vec(
                "client_stream_lag_revisions",
                "How far the furthest-behind stream is: the environment's revision minus the revision last sent",
                &["environment"],
            ),
            sdk_instances: gauge(
                "sdk_instances",
                "SDK instances that registered or sent metrics within the metrics retention",
            ),
            deliveries_pending: gauge(
                "integration_deliveries_pending",
                "Integration notifications committed and not yet delivered (or given up)",
            ),
            metrics_reports: counter_vec(
                "sdk_metrics_reports_total",
                "SDK metrics reports and registrations: stored (202) or refused (503, nothing stored)",
                &["outcome"],
            ),
            metrics_batches: counter_vec(
                "sdk_metrics_batches_total",
                "Batches of SDK metrics written to the database",
                &["outcome"],
            ),
            pool: gauge_vec(
                "database_pool_connections",
                "Database connections held by the pool",
                &["state"],
            ),
            lock_waits: IntCounter::new(
                "change_lock_waits_total",
                "Admin writes that took the change lock",
            )
            .unwrap_or_else(|e| unreachable!("static metric definition: {e}")),
            lock_wait_seconds: prometheus::Counter::new(
                "change_lock_wait_seconds_total",
                "Time admin writes waited for the change lock (this process's and the database's)",
            )
            .unwrap_or_else(|e| unreachable!("static metric definition: {e}")),
            registry,
        };
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(telemetry.requests.clone()),
            Box::new(telemetry.latency.clone()),
            Box::new(telemetry.change_head.clone()),
            Box::new(telemetry.revisions.clone()),
            Box::new(telemetry.streams.clone()),
            Box::new(telemetry.stream_lag.clone()),
            Box::new(telemetry.sdk_instances.clone()),
            Box::new(telemetry.deliveries_pending.clone()),
            Box::new(telemetry.metrics_reports.clone()),
            Box::new(telemetry.metrics_batches.clone()),
            Box::new(telemetry.pool.clone()),
            Box::new(telemetry.lock_waits.clone()),
            Box::new(telemetry.lock_wait_seconds.clone()),
        ];
        for collector in collectors {
            // Names are distinct by construction.
            let _ = telemetry.registry.register(collector);
        }
        telemetry
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: &str, status: &str, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, status])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    /// The text exposition, with the gauges read now from the domain's state
    /// and the metrics buffer.
    pub async fn render(&self, domain: &DomainState, metrics: &MetricsBuffer) -> String {
        let snapshot = domain.snapshots().load();
        self.change_head.set(snapshot.revision);
        self.revisions.reset();
        for environment in snapshot.environments.keys() {
            self.revisions
                .with_label_values(&[environment.as_str()])
                .set(snapshot.revision_of(environment));
        }
        self.streams.reset();
        self.stream_lag.reset();
        for stream in domain.streams().list() {
            let environment = stream.environment.as_str();
            self.streams.with_label_values(&[environment]).inc();
            let lag =
                (snapshot.revision_of(environment) - stream.sent.load(Ordering::Relaxed)).max(0);
            let gauge = self.stream_lag.with_label_values(&[environment]);
            if lag > gauge.get() {
                gauge.set(lag);
            }
        }
        let store = domain.store();
        match store.count_instances().await {
            Ok(count) => self.sdk_instances.set(count),
            Err(e) => tracing::warn!(error = %e, "counting SDK instances for /metrics failed"),
        }
        match store.pending_deliveries().await {
            Ok(count) => self.deliveries_pending.set(count),
            Err(e) => tracing::warn!(error = %e, "counting pending deliveries for /metrics failed"),
        }
        let ingest = metrics.counts();
        set_counter(&self.metrics_reports, "stored", ingest.reports_stored);
        set_counter(&self.metrics_reports, "refused", ingest.reports_refused);
        set_counter(&self.metrics_batches, "written", ingest.batches_written);
        set_counter(&self.metrics_batches, "failed", ingest.batches_failed);
        let pool = store.pool_state();
        self.pool.with_label_values(&["open"]).set(pool.open);
        self.pool.with_label_values(&["idle"]).set(pool.idle);
        let waits = store.lock_waits();
        self.lock_waits.inc_by(waits.count - self.lock_waits.get());
        self.lock_wait_seconds
            .inc_by((waits.seconds - self.lock_wait_seconds.get()).max(0.0));
        let mut text = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            tracing::warn!(error = %e, "encoding /metrics failed");
        }
        String::from_utf8(text).unwrap_or_default()
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

/// Brings a counter that mirrors a running total up to it.
fn set_counter(counters: &IntCounterVec, outcome: &str, total: u64) {
    let counter = counters.with_label_values(&[outcome]);
    counter.inc_by(total.saturating_sub(counter.get()));
}
