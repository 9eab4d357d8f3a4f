//! Streaming benchmark on loopback against the release binary, run as a child
//! process so its memory is its own:
//!
//! - latency: an admin write through the API until each of N open streams
//!   (`GET /api/client/streaming`) has received the change (p50/p99 over
//!   every stream and change), on one process, and across two replicas on
//!   PostgreSQL when `FLAGSTAFF_BENCH_POSTGRES_URL` names a server (streams on
//!   B, writes through A);
//! - memory: the server's resident memory with M idle streams open, per stream.
//!
//! ```sh
//! cargo build --release -p flagstaff
//! cargo run --release -p flagstaff-server --example stream_bench -- 1000 10000
//! ```
//!
//! Figures only: nothing here asserts a time.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN: &str = "*:*.stream-bench-admin-0123456789abcdef";
const CLIENT: &str = "default:development.stream-bench-client-0123456789";

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start(database: &str) -> Server {
    let binary = std::env::var("FLAGSTAFF_BIN").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/release/flagstaff"
        )
        .to_owned()
    });
    let port = free_port();
    let child = Command::new(&binary)
        .args(["serve", "--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--database-url", database, "--max-connections", "30000"])
        .env("INIT_ADMIN_API_TOKENS", ADMIN)
        .env("INIT_CLIENT_API_TOKENS", CLIENT)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {binary} (cargo build --release -p flagstaff): {e}")
        });
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("http://127.0.0.1:{port}/health"))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Opens a stream with a raw socket (cheap on the client side) and reads
/// until its first event has arrived.
async fn open_stream(port: u16) -> TcpStream {
    let mut socket = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let request = format!(
        "GET /api/client/streaming HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {CLIENT}\r\n\
         Unleash-Client-Spec: 5.2.0\r\nAccept: text/event-stream\r\n\r\n"
    );
    socket
        .write_all(request.as_bytes())
        .await
        .expect("send the request");
    read_until(&mut socket, b"unleash-connected").await;
    socket
}

/// Reads until `needle` has been seen (the frames are small; a needle split
/// across reads is found by keeping the tail).
async fn read_until(socket: &mut TcpStream, needle: &[u8]) {
    let mut seen: Vec<u8> = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        let n = socket.read(&mut buffer).await.expect("read");
        assert!(n > 0, "the stream ended");
        seen.extend_from_slice(&buffer[..n]);
        if seen.windows(needle.len()).any(|w| w == needle) {
            return;
        }
        let keep = seen.len().saturating_sub(needle.len());
        seen.drain(..keep);
    }
}

/// CPU seconds (user + system) a process has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| {
        f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()
    });
    ticks / 100.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn admin(
    http: &reqwest::Client,
    port: u16,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) {
    let mut request = http
        .request(method, format!("http://127.0.0.1:{port}{path}"))
        .header("Authorization", ADMIN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("admin call");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
}

/// `changes` flags created through `writer`, each awaited on every stream
/// (open on `reader`): the latencies from just before each write to each
/// stream's event, and of the writes themselves (until their answer).
async fn latencies(
    writer: u16,
    reader: u16,
    streams: usize,
    changes: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let mut sockets = Vec::with_capacity(streams);
    for _ in 0..streams {
        sockets.push(open_stream(reader).await);
    }
    let http = reqwest::Client::new();
    let mut all = Vec::with_capacity(streams * changes);
    let mut writes = Vec::with_capacity(changes);
    for round in 0..changes {
        let name = format!("bench-{writer}-{reader}-{round}");
        let waiters: Vec<_> = sockets
            .drain(..)
            .map(|mut socket| {
                let needle = name.clone().into_bytes();
                tokio::spawn(async move {
                    read_until(&mut socket, &needle).await;
                    (socket, Instant::now())
                })
            })
            .collect();
        let sent = Instant::now();
        admin(
            &http,
            writer,
            reqwest::Method::POST,
            "/api/admin/projects/default/features",
            Some(serde_json::json!({"name": name})),
        )
        .await;
        writes.push(sent.elapsed());
        for waiter in waiters {
            let (socket, arrived) = waiter.await.expect("stream reader");
            all.push(arrived - sent);
            sockets.push(socket);
        }
    }
    all.sort();
    writes.sort();
    (all, writes)
}

fn report(what: &str, (latencies, writes): &(Vec<Duration>, Vec<Duration>)) {
    println!(
        "  (the writes themselves, until answered: p50 {:.2} ms, p99 {:.2} ms)",
        percentile(writes, 0.5).as_secs_f64() * 1000.0,
        percentile(writes, 0.99).as_secs_f64() * 1000.0,
    );
    println!(
        "{what}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        percentile(latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        latencies.len()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let streams = args.first().copied().unwrap_or(1000);
    let idle = args.get(1).copied().unwrap_or(10_000);
    let changes = 20;
    flagstaff_server::http::raise_open_files_limit();
    let dir = tempfile::tempdir().expect("temp dir");

    let database = format!("sqlite://{}", dir.path().join("bench.db").display());
    {
        let server = start(&database).await;
        let cpu = cpu_seconds(server.child.id());
        let latencies = latencies(server.port, server.port, streams, changes).await;
        let cpu = cpu_seconds(server.child.id()) - cpu;
        report(
            &format!("write -> SSE event, one process (SQLite), {streams} streams"),
            &latencies,
        );
        println!(
            "  (server CPU for opening the streams and {changes} changes: {cpu:.2} s, {:.1} µs per event delivered)",
            cpu * 1e6 / (streams * changes) as f64
        );
    }

    if let Ok(url) = std::env::var("FLAGSTAFF_BENCH_POSTGRES_URL") {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(&url)
            .await
            .expect("PostgreSQL");
        let name = format!("flagstaff_stream_bench_{}", std::process::id());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create database");
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        let database = format!("{base}/{name}");
        {
            let a = start(&database).await;
            let b = start(&database).await;
            let one = latencies(a.port, a.port, streams, changes).await;
            report(
                &format!("write -> SSE event, one process (PostgreSQL), {streams} streams"),
                &one,
            );
            let across = latencies(a.port, b.port, streams, changes).await;
            report(
                &format!("write on A -> SSE event on B (PostgreSQL replicas), {streams} streams"),
                &across,
            );
        }
        let _ = sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&mut admin)
            .await;
    }

    // Memory per idle stream.
    let database = format!("sqlite://{}", dir.path().join("idle.db").display());
    let server = start(&database).await;
    let http = reqwest::Client::new();
    for i in 0..20 {
        admin(
            &http,
            server.port,
            reqwest::Method::POST,
            "/api/admin/projects/default/features",
            Some(serde_json::json!({"name": format!("idle-{i}")})),
        )
        .await;
    }
    // Warm up (allocator arenas, the cached hydration) with a few streams first.
    let mut sockets = Vec::with_capacity(idle);
    for _ in 0..16 {
        sockets.push(open_stream(server.port).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(server.child.id());
    let started = Instant::now();
    for _ in 16..idle {
        sockets.push(open_stream(server.port).await);
    }
    let opened = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib(server.child.id());
    println!(
        "{} idle streams open (in {:.1} s): server RSS {before} KiB -> {after} KiB, {:.1} KiB per stream",
        sockets.len(),
        opened.as_secs_f64(),
        (after.saturating_sub(before)) as f64 / (idle - 16) as f64
    );
}
