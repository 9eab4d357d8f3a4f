//! Admin-write benchmark over HTTP on loopback, against the real server
//! (in-process, its own SQLite file, or PostgreSQL when
//! `FLAGSTAFF_BENCH_POSTGRES_URL` names a server):
//!
//! - import: N flags created one by one through the admin API (flags/s);
//! - write latency: one flag switched on/off in one environment, 3 environments (p50/p99),
//!   alone and while 32 SDKs send metrics reports as fast as they are answered;
//! - `GET /api/admin/projects/default/features` with N flags;
//! - propagation: a switch through server A until server B (same database)
//!   serves a new ETag (p50/p99).
//!
//! ```sh
//! cargo run --release -p flagstaff-server --example write_bench -- 100 10000
//! ```
//!
//! Figures only: nothing here asserts a time.

use std::time::{Duration, Instant};

use flagstaff_server::ServeArgs;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const ADMIN: &str = "*:*.write-bench-admin-0123456789abcdef";
const CLIENT: &str = "default:development.write-bench-client-0123456789";
const F: &str = "/api/admin/projects/default/features";

struct Server {
    base: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(database: &str) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let mut args = ServeArgs::for_database(database);
    args.init_admin_api_tokens = vec![ADMIN.to_owned()];
    args.init_client_api_tokens = vec![CLIENT.to_owned()];
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        flagstaff_server::serve(&args, listener, async {
            let _ = stopped.await;
        })
        .await
        .expect("server runs");
    });
    Server { base, stop, task }
}

async fn call(
    http: &Client,
    server: &Server,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    let mut request = http
        .request(method, format!("{}{path}", server.base))
        .header("Authorization", ADMIN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("answered");
    let status = response.status();
    let _ = response.bytes().await;
    status
}

/// Round trips of `n` switches of one flag in one environment, on and off.
async fn switch_latencies(http: &Client, server: &Server, n: usize) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let verb = if i % 2 == 0 { "on" } else { "off" };
        let t = Instant::now();
        let status = call(
            http,
            server,
            Method::POST,
            &format!("{F}/flag-00000/environments/development/{verb}"),
            None,
        )
        .await;
        latencies.push(t.elapsed());
        assert_eq!(status, StatusCode::OK);
    }
    latencies
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort_unstable();
    let at = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[at].as_secs_f64() * 1000.0
}

async fn database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("FLAGSTAFF_BENCH_POSTGRES_URL") {
        Ok(url) => {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut admin = sqlx::AnyConnection::connect(&url).await.expect("connect");
            let name = format!("flagstaff_bench_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("create database");
            let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
            (format!("{base}/{name}"), None)
        }
        Err(_) => {
            let dir = tempfile::tempdir().expect("temp dir");
            (
                format!("sqlite://{}", dir.path().join("bench.db").display()),
                Some(dir),
            )
        }
    }
}

async fn run(flags: usize) {
    let (url, _dir) = database().await;
    let http = Client::new();
    let a = start(&url).await;
    // A third environment, as the issue's scenario has.
    call(
        &http,
        &a,
        Method::POST,
        "/api/admin/environments",
        Some(json!({"name": "staging", "type": "test"})),
    )
    .await;
    call(
        &http,
        &a,
        Method::POST,
        "/api/admin/projects/default/environments",
        Some(json!({"environment": "staging"})),
    )
    .await;

    let started = Instant::now();
    let mut at_1000 = None;
    for i in 0..flags {
        let status = call(
            &http,
            &a,
            Method::POST,
            F,
            Some(json!({"name": format!("flag-{i:05}")})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        if i + 1 == 1000 {
            at_1000 = Some(started.elapsed());
        }
    }
    let import = started.elapsed();

    let mut latencies = switch_latencies(&http, &a, 200).await;
    let (p50, p99) = (
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.99),
    );

    // The same switch while 32 SDKs send metrics as fast as they are answered.
    let sending = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let reports = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut senders = Vec::new();
    for sender in 0..32 {
        let (http, base) = (http.clone(), a.base.clone());
        let (sending, reports) = (sending.clone(), reports.clone());
        senders.push(tokio::spawn(async move {
            let toggles: serde_json::Map<String, Value> = (0..20)
                .map(|i| {
                    (
                        format!("flag-{:05}", (sender * 20 + i) % flags),
                        json!({"yes": 3, "no": 1}),
                    )
                })
                .collect();
            while sending.load(std::sync::atomic::Ordering::Relaxed) {
                let now = chrono::Utc::now().to_rfc3339();
                let body = json!({"appName": format!("app-{sender}"), "instanceId": "i",
                    "bucket": {"start": now, "stop": now, "toggles": toggles}});
                let response = http
                    .post(format!("{base}/api/client/metrics"))
                    .header("Authorization", CLIENT)
                    .json(&body)
                    .send()
                    .await;
                if response.is_ok_and(|r| r.status() == StatusCode::ACCEPTED) {
                    reports.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let loaded_from = Instant::now();
    let counted_from = reports.load(std::sync::atomic::Ordering::Relaxed);
    let mut loaded = switch_latencies(&http, &a, 100).await;
    let report_rate = (reports.load(std::sync::atomic::Ordering::Relaxed) - counted_from) as f64
        / loaded_from.elapsed().as_secs_f64();
    sending.store(false, std::sync::atomic::Ordering::Relaxed);
    for sender in senders {
        let _ = sender.await;
    }
    let (loaded50, loaded99) = (percentile(&mut loaded, 0.5), percentile(&mut loaded, 0.99));

    let mut lists = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        call(&http, &a, Method::GET, F, None).await;
        lists.push(t.elapsed());
    }
    let list_ms = percentile(&mut lists, 0.5);

    // Propagation to a second server on the same database.
    let b = start(&url).await;
    let etag_of_b = || {
        let request = http
            .get(format!("{}/api/client/features", b.base))
            .header("Authorization", CLIENT);
        async move {
            let response = request.send().await.expect("answered");
            response
                .headers()
                .get("etag")
                .map(|v| v.to_str().unwrap_or("").to_owned())
        }
    };
    // Wait until B serves.
    while etag_of_b().await.is_none() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut propagation = Vec::new();
    for i in 0..50 {
        let before = etag_of_b().await;
        let verb = if i % 2 == 0 { "on" } else { "off" };
        let t = Instant::now();
        call(
            &http,
            &a,
            Method::POST,
            &format!("{F}/flag-00001/environments/development/{verb}"),
            None,
        )
        .await;
        while etag_of_b().await == before {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        propagation.push(t.elapsed());
    }
    let (prop50, prop99) = (
        percentile(&mut propagation, 0.5),
        percentile(&mut propagation, 0.99),
    );
    for server in [a, b] {
        let _ = server.stop.send(());
        let _ = server.task.await;
    }
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "{backend} {flags} flags x 3 environments: import {:.0} flags/s{} ({:.1} s); switch p50 {p50:.2} ms p99 {p99:.2} ms; \
         with 32 metrics senders ({report_rate:.0} reports/s) p50 {loaded50:.2} ms p99 {loaded99:.2} ms; \
         GET features {list_ms:.1} ms; propagation A->B p50 {prop50:.1} ms p99 {prop99:.1} ms",
        flags as f64 / import.as_secs_f64(),
        at_1000.map_or(String::new(), |t| format!(", first 1,000 at {:.0} flags/s", 1000.0 / t.as_secs_f64())),
        import.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    for flags in if sizes.is_empty() {
        vec![100, 10_000]
    } else {
        sizes
    } {
        run(flags).await;
    }
}
