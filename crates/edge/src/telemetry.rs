//! `/internal-backstage/metrics`: Prometheus text with Edge's main names
//! where they exist (`http_requests_total` by endpoint and status,
//! `process_resident_memory_bytes`, `process_start_time_seconds`) and the
//! edge's own state (`flagstaff_edge_*`: scopes, flags, upstream failures,
//! metrics relayed).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, PoisonError};

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{Encoder, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

use crate::state::EdgeState;

/// Requests answered, by route pattern, then (method, status): counting a
/// request looks its pattern up by `&str` and copies no text (a new pattern
/// is stored once).
#[derive(Debug, Default)]
pub struct RequestCounts(Mutex<HashMap<String, ByMethodAndStatus>>);

type ByMethodAndStatus = HashMap<(Method, u16), u64>;

impl RequestCounts {
    fn add(&self, endpoint: &str, method: Method, status: u16) {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let by_status = match counts.get_mut(endpoint) {
            Some(by_status) => by_status,
            None => counts.entry(endpoint.to_owned()).or_default(),
        };
        *by_status.entry((method, status)).or_default() += 1;
    }
}

/// Counts every request by its route pattern (never the raw path).
pub async fn count_requests(
    State(state): State<EdgeState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let endpoint = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let endpoint = endpoint.as_ref().map_or("unmatched", MatchedPath::as_str);
    state
        .requests
        .add(endpoint, method, response.status().as_u16());
    response
}

fn resident_bytes() -> i64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<i64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// The text Prometheus scrapes.
pub fn render(state: &EdgeState) -> Vec<u8> {
    let registry = Registry::new();
    let register = |collector: Box<dyn prometheus::core::Collector>| {
        let _ = registry.register(collector);
    };
    if let Ok(requests) = IntCounterVec::new(
        Opts::new("http_requests_total", "Requests answered"),
        &["method", "endpoint", "status"],
    ) {
        let counts = state
            .requests
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (endpoint, by_status) in counts.iter() {
            for ((method, status), count) in by_status {
                requests
                    .with_label_values(&[method.as_str(), endpoint.as_str(), &status.to_string()])
                    .inc_by(*count);
            }
        }
        register(Box::new(requests));
    }
    let gauge = |name: &str, help: &str, value: i64| {
        if let Ok(gauge) = IntGauge::new(name, help) {
            gauge.set(value);
            register(Box::new(gauge));
        }
    };
    gauge(
        "process_resident_memory_bytes",
        "Resident memory",
        resident_bytes(),
    );
    let started = state
        .started
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    gauge("process_start_time_seconds", "Start time", started);
    let scopes = state.scopes.all();
    gauge(
        "flagstaff_edge_scopes",
        "Token scopes followed",
        scopes.len() as i64,
    );
    if let Ok(per_scope) = IntGaugeVec::new(
        Opts::new("flagstaff_edge_scope_flags", "Flags per token scope"),
        &["environment", "projects"],
    ) {
        let failures = IntGaugeVec::new(
            Opts::new(
                "flagstaff_edge_upstream_failures_in_a_row",
                "Failed fetches in a row per token scope",
            ),
            &["environment", "projects"],
        );
        for entry in &scopes {
            let labels = [
                entry.scope.environment.as_str(),
                &entry.scope.projects.join(","),
            ];
            per_scope
                .with_label_values(&labels)
                .set(entry.flags().map_or(0, |f| f.flag_count as i64));
            if let Ok(failures) = &failures {
                failures
                    .with_label_values(&labels)
                    .set(i64::from(entry.health().failures_in_a_row));
            }
        }
        register(Box::new(per_scope));
        if let Ok(failures) = failures {
            register(Box::new(failures));
        }
    }
    let metrics = &state.metrics;
    for (name, help, value) in [
        (
            "flagstaff_edge_metrics_reports_total",
            "SDK metrics reports received",
            &metrics.reports,
        ),
        (
            "flagstaff_edge_metrics_posts_total",
            "Bulk metrics posts accepted upstream",
            &metrics.sent,
        ),
        (
            "flagstaff_edge_metrics_post_failures_total",
            "Bulk metrics posts that failed",
            &metrics.failed,
        ),
        (
            "flagstaff_edge_metrics_dropped_total",
            "Metrics keys dropped (buffer full)",
            &metrics.dropped,
        ),
    ] {
        gauge(name, help, value.load(Ordering::Relaxed) as i64);
    }
    let mut text = Vec::new();
    let _ = prometheus::TextEncoder::new().encode(&registry.gather(), &mut text);
    text
}
