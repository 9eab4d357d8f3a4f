//! Integration delivery benchmark on loopback (in-process server, its own
//! SQLite file, or PostgreSQL when `FLAGSTAFF_BENCH_POSTGRES_URL` names a
//! server; a local HTTP receiver):
//!
//! - latency: an admin write (a flag created) until the webhook receiver has
//!   its notification, one change at a time (p50/p99);
//! - throughput: 10 integrations and a burst of 1,000 changes (8 writers):
//!   deliveries per second until all 10,000 arrived, and how many were lost
//!   or duplicated.
//!
//! ```sh
//! cargo run --release -p flagstaff-server --example webhook_bench
//! ```
//!
//! Figures only: nothing here asserts a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use flagstaff_server::ServeArgs;
use serde_json::{json, Value};
use tokio::net::TcpListener;

const ADMIN: &str = "*:*.webhook-bench-admin-0123456789abcdef";

/// Arrivals: body → when it arrived (and how many times).
type Inbox = Arc<Mutex<HashMap<String, (Instant, usize)>>>;

async fn receiver() -> (String, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let inbox: Inbox = Arc::default();
    async fn hook(State(inbox): State<Inbox>, body: Bytes) -> &'static str {
        let now = Instant::now();
        let body = String::from_utf8_lossy(&body).into_owned();
        let mut inbox = inbox.lock().expect("inbox");
        inbox.entry(body).or_insert((now, 0)).1 += 1;
        "ok"
    }
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(inbox.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, inbox)
}

async fn start(database: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let mut args = ServeArgs::for_database(database);
    args.init_admin_api_tokens = vec![ADMIN.to_owned()];
    args.integrations_allow_private_urls = true;
    tokio::spawn(async move {
        flagstaff_server::serve(&args, listener, std::future::pending())
            .await
            .expect("server runs");
    });
    base
}

async fn admin(http: &reqwest::Client, base: &str, path: &str, body: Value) {
    let response = http
        .post(format!("{base}{path}"))
        .header("Authorization", ADMIN)
        .json(&body)
        .send()
        .await
        .expect("answered");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(label: &str, database: &str) {
    let base = start(database).await;
    let http = reqwest::Client::new();
    let (url, inbox) = receiver().await;
    // Each integration's body names it and the flag, so arrivals are told apart.
    for i in 0..10 {
        admin(
            &http,
            &base,
            "/api/admin/addons",
            json!({
                "provider": "webhook", "events": ["feature-created"],
                "parameters": {"url": url, "bodyTemplate": format!("{i}:{{{{event.featureName}}}}")}
            }),
        )
        .await;
    }
    // Latency: one change at a time, until integration 0 has it.
    let mut latencies = Vec::new();
    for round in 0..100 {
        let name = format!("latency-{round}");
        let sent = Instant::now();
        admin(
            &http,
            &base,
            "/api/admin/projects/default/features",
            json!({"name": name}),
        )
        .await;
        let key = format!("0:{name}");
        loop {
            if let Some((at, _)) = inbox.lock().expect("inbox").get(&key) {
                latencies.push(*at - sent);
                break;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    latencies.sort();
    println!(
        "{label}: commit -> webhook received p50 {:.1} ms, p99 {:.1} ms ({} changes, 10 integrations)",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.len()
    );
    // Drain the other integrations' latency-round deliveries first.
    while inbox.lock().expect("inbox").len() < 1000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Throughput: a burst of 1,000 changes from 8 writers.
    let started = Instant::now();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(async move {
                for i in (w..1000).step_by(8) {
                    admin(
                        &http,
                        &base,
                        "/api/admin/projects/default/features",
                        json!({"name": format!("burst-{i}")}),
                    )
                    .await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
    let written = started.elapsed();
    let expected = 1000 + 10_000;
    let deadline = Instant::now() + Duration::from_secs(300);
    while inbox.lock().expect("inbox").len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let all = started.elapsed();
    let inbox = inbox.lock().expect("inbox");
    let burst = inbox.keys().filter(|k| k.contains(":burst-")).count();
    let duplicates: usize = inbox.values().map(|(_, n)| n - 1).sum();
    println!(
        "{label}: burst of 1,000 changes x 10 integrations: written in {:.1} s, all {burst} of 10000 \
         delivered in {:.1} s = {:.0} deliveries/s; lost {}, duplicated {duplicates}",
        written.as_secs_f64(),
        all.as_secs_f64(),
        burst as f64 / all.as_secs_f64(),
        10_000 - burst,
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    run(
        "SQLite",
        &format!("sqlite://{}", dir.path().join("bench.db").display()),
    )
    .await;
    if let Ok(url) = std::env::var("FLAGSTAFF_BENCH_POSTGRES_URL") {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&url)
            .await
            .expect("PostgreSQL");
        let name = format!("flagstaff_webhook_bench_{}", std::process::id());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .expect("create database");
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        run("PostgreSQL", &format!("{base}/{name}")).await;
    }
}
