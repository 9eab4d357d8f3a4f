//! `flagstaff edge` as a real process in front of a real `flagstaff serve`
//! (both on random loopback ports): documents through the edge equal the
//! direct ones, changes arrive within the refresh interval, metrics arrive
//! upstream exactly once, the last good document survives the upstream's
//! death and a restart from the backup folder, offline mode, a revoked token
//! is refused, and edges chain.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::edge::Edge;
use common::{http, sqlite_url, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ADMIN: &str = "*:*.edge-test-admin";
const CLIENT: &str = "*:development.edge-test-client";
const FRONTEND: &str = "default:development.edge-test-frontend";
const SPEC: &str = "5.2.0";

/// The upstream `flagstaff serve`, killed when the test ends (pass or fail).
struct Upstream(Server);

impl std::ops::Deref for Upstream {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.0
    }
}

impl std::ops::DerefMut for Upstream {
    fn deref_mut(&mut self) -> &mut Server {
        &mut self.0
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.0.child.kill();
        let _ = self.0.child.wait();
    }
}

fn upstream(dir: &std::path::Path) -> Upstream {
    Upstream(Server::start(
        &sqlite_url(dir),
        &[
            ("INIT_ADMIN_API_TOKENS", ADMIN),
            ("INIT_CLIENT_API_TOKENS", CLIENT),
            ("INIT_FRONTEND_API_TOKENS", FRONTEND),
            ("RUST_LOG", "info"),
            ("NO_COLOR", "1"),
        ],
    ))
}

fn get(base: &str, path: &str, token: &str) -> (StatusCode, Value) {
    let response = http()
        .get(format!("{base}{path}"))
        .header("Authorization", token)
        .header("Unleash-Client-Spec", SPEC)
        .send()
        .expect("answered");
    let status = response.status();
    (status, response.json().unwrap_or(Value::Null))
}

fn post(base: &str, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let response = http()
        .post(format!("{base}{path}"))
        .header("Authorization", token)
        .json(&body)
        .send()
        .expect("answered");
    let status = response.status();
    (
        status,
        in_name_order(response.json().unwrap_or(Value::Null)),
    )
}

/// An evaluation answer with its list in name order: the frontend API and
/// OFREP list flags in the engine's order, which for `flagstaff serve`
/// follows its incremental updates and for the edge the document's order.
fn in_name_order(mut answer: Value) -> Value {
    for (list, key) in [("toggles", "name"), ("flags", "key")] {
        if let Some(items) = answer.get_mut(list).and_then(Value::as_array_mut) {
            items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
        }
    }
    answer
}

/// `get` of an evaluation, in name order.
fn evaluated(base: &str, path: &str, token: &str) -> (StatusCode, Value) {
    let (status, answer) = get(base, path, token);
    (status, in_name_order(answer))
}

fn admin(server: &Server, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, answer) = server.call_with(method, path, Some(ADMIN), body);
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

/// A few flags: one on, one off, one with variants, one with a segment.
fn seed(server: &Server) {
    let project = "/api/admin/projects/default/features";
    for name in ["on-flag", "off-flag", "variant-flag", "segment-flag"] {
        admin(server, Method::POST, project, Some(json!({"name": name})));
    }
    for name in ["on-flag", "variant-flag", "segment-flag"] {
        switch(server, name, true);
    }
    admin(
        server,
        Method::PUT,
        &format!("{project}/variant-flag/environments/development/variants"),
        Some(
            json!([{"name": "blue", "weight": 1000, "weightType": "variable", "stickiness": "default",
            "payload": {"type": "string", "value": "b"}}]),
        ),
    );
    let segment = admin(
        server,
        Method::POST,
        "/api/admin/segments",
        Some(json!({"name": "beta", "constraints": [
            {"contextName": "userId", "operator": "IN", "values": ["7"]}]})),
    );
    admin(
        server,
        Method::POST,
        &format!("{project}/segment-flag/environments/development/strategies"),
        Some(json!({"name": "default", "segments": [segment["id"]]})),
    );
}

fn switch(server: &Server, name: &str, on: bool) {
    let path = format!(
        "/api/admin/projects/default/features/{name}/environments/development/{}",
        if on { "on" } else { "off" }
    );
    admin(server, Method::POST, &path, None);
}

/// Polls `check` until it holds (panicking with `what` after `within`).
fn eventually(within: Duration, what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < within, "{what} within {within:?}");
        std::thread::sleep(Duration::from_millis(25));
    }
    start.elapsed()
}

#[test]
fn the_edge_serves_what_the_upstream_serves() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    let edge = Edge::upstream(&server.base, &["--tokens", CLIENT, "-f", "1"]);
    let (status, direct) = get(&server.base, "/api/client/features", CLIENT);
    assert_eq!(status, StatusCode::OK);
    let (status, through) = get(&edge.base, "/api/client/features", CLIENT);
    assert_eq!(status, StatusCode::OK, "{through}");
    assert_eq!(through, direct);

    // ETag/304 and gzip, as the upstream.
    let response = http()
        .get(format!("{}/api/client/features", edge.base))
        .header("Authorization", CLIENT)
        .header("Accept-Encoding", "gzip")
        .send()
        .expect("answered");
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let etag = response.headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    let again = http()
        .get(format!("{}/api/client/features", edge.base))
        .header("Authorization", CLIENT)
        .header("If-None-Match", &etag)
        .send()
        .expect("answered");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // The frontend API and OFREP answer as the upstream's.
    for user in ["1", "7"] {
        let path = format!("/api/frontend?userId={user}");
        assert_eq!(
            evaluated(&edge.base, &path, FRONTEND),
            evaluated(&server.base, &path, FRONTEND)
        );
        let body = json!({"context": {"userId": user}});
        for path in ["/api/frontend", "/api/proxy"] {
            assert_eq!(
                post(&edge.base, path, FRONTEND, body.clone()),
                post(&server.base, "/api/frontend", FRONTEND, body.clone())
            );
        }
        let body = json!({"context": {"targetingKey": user}});
        for token in [CLIENT, FRONTEND] {
            assert_eq!(
                post(&edge.base, "/ofrep/v1/evaluate/flags", token, body.clone()),
                post(
                    &server.base,
                    "/ofrep/v1/evaluate/flags",
                    token,
                    body.clone()
                )
            );
        }
    }

    // Refusals: no token 401, an unknown one 403 (as Edge), the wrong kind 403.
    assert_eq!(
        get(&edge.base, "/api/client/features", "").0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&edge.base, "/api/client/features", "*:development.nope").0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&edge.base, "/api/client/features", FRONTEND).0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&edge.base, "/api/frontend", CLIENT).0,
        StatusCode::FORBIDDEN
    );

    // A change upstream arrives within the refresh interval (1 s).
    switch(&server, "off-flag", true);
    let (_, changed) = get(&server.base, "/api/client/features", CLIENT);
    let took = eventually(
        Duration::from_secs(3),
        "the change reaches the edge",
        || get(&edge.base, "/api/client/features", CLIENT).1 == changed,
    );
    assert!(took < Duration::from_millis(2500), "{took:?}");

    let (status, ready) = get(&edge.base, "/internal-backstage/ready", "");
    assert_eq!(
        (status, &ready["status"]),
        (StatusCode::OK, &json!("READY"))
    );
    let (_, tokens) = get(&edge.base, "/internal-backstage/tokens", "");
    assert!(
        !tokens.to_string().contains("edge-test-client"),
        "secrets are masked: {tokens}"
    );
    let metrics = http()
        .get(format!("{}/internal-backstage/metrics", edge.base))
        .send()
        .and_then(|r| r.text())
        .expect("metrics");
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(
        metrics.contains("process_resident_memory_bytes"),
        "{metrics}"
    );
}

#[test]
fn metrics_arrive_upstream_exactly_once() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    let edge = Edge::upstream(&server.base, &["--tokens", CLIENT, "-m", "1"]);
    let report = |yes: u64| {
        json!({"appName": "edge-test-app", "instanceId": "i1", "bucket": {
            "start": "2026-01-01T00:00:00.000Z", "stop": "2026-01-01T00:01:00.000Z",
            "toggles": {"on-flag": {"yes": yes, "no": 1, "variants": {}}}}})
    };
    assert_eq!(
        post(&edge.base, "/api/client/metrics", CLIENT, report(3)).0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&edge.base, "/api/client/metrics", CLIENT, report(4)).0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(
            &edge.base,
            "/api/frontend/client/metrics",
            FRONTEND,
            report(5)
        )
        .0,
        StatusCode::ACCEPTED
    );
    let counted = || {
        let raw = admin(
            &server,
            Method::GET,
            "/api/admin/client-metrics/features/on-flag/raw",
            None,
        );
        raw["data"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        (
                            r["yes"].as_u64().unwrap_or(0),
                            r["no"].as_u64().unwrap_or(0),
                        )
                    })
                    .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
            })
            .unwrap_or((0, 0))
    };
    eventually(Duration::from_secs(5), "metrics reach the upstream", || {
        counted() == (12, 3)
    });
    // Several more intervals: nothing is sent twice.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(counted(), (12, 3));
}

#[test]
fn the_last_good_document_survives_the_upstream_and_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let backup = dir.path().join("backup");
    let backup = backup.to_str().expect("path");
    let server = upstream(dir.path());
    seed(&server);
    let edge = Edge::upstream(
        &server.base,
        &["--tokens", CLIENT, "-f", "1", "--backup-folder", backup],
    );
    let (_, direct) = get(&server.base, "/api/client/features", CLIENT);
    let (_, frontend) = evaluated(&server.base, "/api/frontend?userId=7", FRONTEND);
    eventually(Duration::from_secs(5), "the edge has the document", || {
        get(&edge.base, "/api/client/features", CLIENT).1 == direct
    });
    assert_eq!(
        evaluated(&edge.base, "/api/frontend?userId=7", FRONTEND).1,
        frontend
    );
    let upstream_url = server.base.clone();
    let mut server = server;
    let _ = server.child.kill();
    let _ = server.child.wait();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        get(&edge.base, "/api/client/features", CLIENT),
        (StatusCode::OK, direct.clone())
    );
    let (status, ready) = get(&edge.base, "/internal-backstage/ready", "");
    assert_eq!(
        (status, &ready["upstream"]),
        (StatusCode::OK, &json!("failing")),
        "{ready}"
    );
    edge.kill();

    // Restarted with the upstream still gone, from the backup folder, as the
    // issue's `--persistence-dir` alias.
    let edge = Edge::upstream(&upstream_url, &["-f", "1", "--persistence-dir", backup]);
    assert_eq!(
        get(&edge.base, "/api/client/features", CLIENT),
        (StatusCode::OK, direct)
    );
    assert_eq!(
        evaluated(&edge.base, "/api/frontend?userId=7", FRONTEND),
        (StatusCode::OK, frontend)
    );
    assert!(!edge.log().is_empty());
}

#[test]
fn offline_mode_serves_the_bootstrap_file() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    let (_, document) = get(&server.base, "/api/client/features", CLIENT);
    let (_, frontend) = evaluated(&server.base, "/api/frontend?userId=7", FRONTEND);
    let file = dir.path().join("bootstrap.json");
    std::fs::write(&file, document.to_string()).expect("written");
    let file = file.to_str().expect("path");
    for args in [
        vec![
            "offline",
            "--bootstrap-file",
            file,
            "--client-tokens",
            CLIENT,
            "--frontend-tokens",
            FRONTEND,
        ],
        vec!["edge", "offline", "-b", file, "-c", CLIENT, "-f", FRONTEND],
    ] {
        let edge = Edge::start(&args);
        assert_eq!(
            get(&edge.base, "/api/client/features", CLIENT),
            (StatusCode::OK, document.clone())
        );
        assert_eq!(
            evaluated(&edge.base, "/api/frontend?userId=7", FRONTEND),
            (StatusCode::OK, frontend.clone())
        );
        assert_eq!(
            get(&edge.base, "/api/client/features", "*:development.other").0,
            StatusCode::FORBIDDEN
        );
    }
}

#[test]
fn a_revoked_token_is_refused_after_the_refresh() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    let created = admin(
        &server,
        Method::POST,
        "/api/admin/api-tokens",
        Some(
            json!({"tokenName": "revoked-soon", "type": "client", "environment": "development", "projects": ["default"]}),
        ),
    );
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let edge = Edge::upstream(
        &server.base,
        &["-f", "1", "--token-revalidation-interval-seconds", "1"],
    );
    assert_eq!(
        get(&edge.base, "/api/client/features", &secret).0,
        StatusCode::OK
    );
    admin(
        &server,
        Method::DELETE,
        &format!("/api/admin/api-tokens/{secret}"),
        None,
    );
    eventually(
        Duration::from_secs(5),
        "the revoked token is refused",
        || get(&edge.base, "/api/client/features", &secret).0 == StatusCode::FORBIDDEN,
    );
    // The other tokens still work.
    assert_eq!(
        get(&edge.base, "/api/client/features", CLIENT).0,
        StatusCode::OK
    );
}

#[test]
fn edges_chain() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    let first = Edge::upstream(&server.base, &["-f", "1", "-m", "1"]);
    let second = Edge::upstream(&first.base, &["-f", "1", "-m", "1"]);
    let (_, direct) = get(&server.base, "/api/client/features", CLIENT);
    assert_eq!(
        get(&second.base, "/api/client/features", CLIENT),
        (StatusCode::OK, direct)
    );
    let body = json!({"context": {"userId": "7"}});
    assert_eq!(
        post(&second.base, "/api/frontend", FRONTEND, body.clone()),
        post(&server.base, "/api/frontend", FRONTEND, body)
    );
    switch(&server, "on-flag", false);
    let (_, changed) = get(&server.base, "/api/client/features", CLIENT);
    eventually(
        Duration::from_secs(5),
        "the change crosses two edges",
        || get(&second.base, "/api/client/features", CLIENT).1 == changed,
    );
    // Metrics cross both edges to the upstream.
    let report = json!({"appName": "chained", "bucket": {"start": "2026-01-01T00:00:00.000Z",
        "stop": "2026-01-01T00:01:00.000Z", "toggles": {"off-flag": {"yes": 2, "no": 0}}}});
    assert_eq!(
        post(&second.base, "/api/client/metrics", CLIENT, report).0,
        StatusCode::ACCEPTED
    );
    eventually(Duration::from_secs(6), "chained metrics arrive", || {
        let raw = admin(
            &server,
            Method::GET,
            "/api/admin/client-metrics/features/off-flag/raw",
            None,
        );
        raw["data"]
            .as_array()
            .is_some_and(|rows| rows.iter().any(|r| r["yes"] == 2))
    });
}

/// The Python with the SDK: `FLAGSTAFF_TEST_PYTHON`, else the project's
/// `.venv` made by `scripts/test` (as `sdk.rs`).
fn python() -> String {
    if let Ok(python) = std::env::var("FLAGSTAFF_TEST_PYTHON") {
        return python;
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        return venv.display().to_string();
    }
    "python3".to_owned()
}

/// What the Python SDK (`tests/sdk/python_probe.py`) decides for 50 users
/// on every seeded flag, fetching from `base`.
fn python_decisions(base: &str) -> Vec<Value> {
    use std::io::Write;
    let probe =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sdk/python_probe.py");
    let cache = tempfile::tempdir().expect("cache dir");
    let mut child = std::process::Command::new(python())
        .arg(&probe)
        .args([base, CLIENT, "on-flag", "50"])
        .arg(cache.path())
        .env(
            "FLAGSTAFF_SDK_FLAGS",
            "on-flag,off-flag,variant-flag,segment-flag",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{} cannot run ({e}); run scripts/test, which installs the Python SDK",
                python()
            )
        });
    let stdout = child.stdout.take().expect("stdout");
    let mut decisions = Vec::new();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if line == "PHASE1-DONE" {
            break;
        }
        decisions.push(serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}")));
    }
    if let Some(mut stdin) = child.stdin.take() {
        let _ = writeln!(stdin);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(decisions.len(), 200, "the probe printed every decision");
    decisions
}

#[test]
fn the_python_sdk_sees_the_same_flags_through_the_edge() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    let edge = Edge::upstream(&server.base, &["--tokens", CLIENT]);
    let direct = python_decisions(&server.base);
    assert!(
        direct.iter().any(|d| d["enabled"] == true) && direct.iter().any(|d| d["enabled"] == false)
    );
    assert_eq!(python_decisions(&edge.base), direct);
}

#[test]
fn streaming_from_flagstaff_brings_changes_in_milliseconds() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    // Polling every 60 s: only the stream can bring the changes in time.
    let edge = Edge::upstream(
        &server.base,
        &["--tokens", CLIENT, "--streaming", "-f", "60"],
    );
    eventually(Duration::from_secs(5), "the edge has the document", || {
        get(&edge.base, "/api/client/features", CLIENT).0 == StatusCode::OK
    });
    let mut delays = Vec::new();
    for round in 0..10 {
        switch(&server, "off-flag", round % 2 == 0);
        let (_, changed) = get(&server.base, "/api/client/features", CLIENT);
        delays.push(eventually(
            Duration::from_secs(2),
            "the change streams to the edge",
            || get(&edge.base, "/api/client/features", CLIENT).1 == changed,
        ));
    }
    delays.sort();
    assert!(delays[9] < Duration::from_millis(500), "{delays:?}");
}

#[test]
fn a_narrower_token_gets_only_its_projects() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    admin(
        &server,
        Method::POST,
        "/api/admin/projects",
        Some(json!({"id": "other", "name": "other"})),
    );
    admin(
        &server,
        Method::POST,
        "/api/admin/projects/other/features",
        Some(json!({"name": "other-flag"})),
    );
    let created = admin(
        &server,
        Method::POST,
        "/api/admin/api-tokens",
        Some(
            json!({"tokenName": "narrow", "type": "client", "environment": "development", "projects": ["default"]}),
        ),
    );
    let narrow = created["secret"].as_str().expect("secret").to_owned();
    let edge = Edge::upstream(&server.base, &["--tokens", CLIENT]);
    let names = |d: &Value| {
        d["features"]
            .as_array()
            .map(|f| f.iter().any(|f| f["name"] == "other-flag"))
    };
    eventually(Duration::from_secs(5), "the wide scope is fetched", || {
        names(&get(&edge.base, "/api/client/features", CLIENT).1) == Some(true)
    });
    let (status, narrowed) = get(&edge.base, "/api/client/features", &narrow);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&narrowed), Some(false), "{narrowed}");
    assert_eq!(
        narrowed,
        get(&server.base, "/api/client/features", &narrow).1
    );
}

#[test]
fn delta_and_streaming_sdks_get_hydrations_from_the_edge() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    let edge = Edge::upstream(
        &server.base,
        &["--tokens", CLIENT, "--streaming", "-f", "60"],
    );
    let names = |features: &Value| -> Vec<(String, bool)> {
        let mut names: Vec<(String, bool)> = features
            .as_array()
            .map(|f| {
                f.iter()
                    .map(|f| {
                        (
                            f["name"].as_str().unwrap_or("").to_owned(),
                            f["enabled"] == true,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let (_, direct) = get(&server.base, "/api/client/features", CLIENT);
    let response = http()
        .get(format!("{}/api/client/delta", edge.base))
        .header("Authorization", CLIENT)
        .send()
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    let delta: Value = response.json().expect("json");
    assert_eq!(delta["events"][0]["type"], "hydration");
    assert_eq!(
        names(&delta["events"][0]["features"]),
        names(&direct["features"])
    );
    let again = http()
        .get(format!("{}/api/client/delta", edge.base))
        .header("Authorization", CLIENT)
        .header("If-None-Match", &etag)
        .send()
        .expect("answered");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A stream: connected with a hydration, then updated after a change upstream.
    let mut stream = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
        .get(format!("{}/api/client/streaming", edge.base))
        .header("Authorization", CLIENT)
        .send()
        .expect("answered");
    assert_eq!(stream.status(), StatusCode::OK);
    let mut seen = String::new();
    let mut buffer = [0u8; 65536];
    let mut read_until = |seen: &mut String, text: &str| {
        while !seen.contains(text) {
            let n = stream.read(&mut buffer).expect("stream reads");
            assert!(n > 0, "stream ended before {text:?}: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    };
    read_until(&mut seen, "event: unleash-connected");
    switch(&server, "off-flag", true);
    read_until(&mut seen, "event: unleash-updated");
    let (_, changed) = get(&server.base, "/api/client/features", CLIENT);
    while !seen
        .rsplit("event: unleash-updated")
        .next()
        .is_some_and(|event| event.contains("\n\n"))
    {
        let n = stream.read(&mut buffer).expect("stream reads");
        assert!(n > 0, "stream ended: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    let last = seen.rsplit("event: unleash-updated").next().expect("event");
    let data = last
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("data line");
    let event: Value = serde_json::from_str(data).expect("json");
    assert_eq!(
        names(&event["events"][0]["features"]),
        names(&changed["features"])
    );
}

/// The Node SDK (`tests/sdk/node_probe.js`, installed by `scripts/test`) in
/// `mode` through `edge`: it must see `on-flag` turn off after the change.
fn node_sees_the_change(edge: &Edge, server: &Server, mode: &str) {
    use std::io::Write;
    let sdk = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sdk");
    let mut child = std::process::Command::new("node")
        .arg(sdk.join("node_probe.js"))
        .args([&edge.base, CLIENT, "on-flag", "3"])
        .current_dir(&sdk)
        .env("FLAGSTAFF_SDK_MODE", mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs (scripts/test installs the Node SDK)");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    while !line.starts_with("PHASE1-DONE") {
        line.clear();
        assert!(
            stdout.read_line(&mut line).expect("reads") > 0,
            "the probe ended early"
        );
    }
    switch(server, "on-flag", false);
    writeln!(child.stdin.take().expect("stdin"), "NEXT").expect("signal the probe");
    line.clear();
    stdout.read_line(&mut line).expect("probe answers");
    assert!(
        line.starts_with("UPDATED"),
        "the Node SDK ({mode}) did not see the change: {line}"
    );
    let _ = child.wait();
    switch(server, "on-flag", true);
}

#[test]
fn the_node_sdk_streams_and_polls_deltas_through_the_edge() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    let edge = Edge::upstream(
        &server.base,
        &["--tokens", CLIENT, "--streaming", "-f", "60"],
    );
    // Streaming polls every 10 minutes: only the two streams can bring it.
    node_sees_the_change(&edge, &server, "streaming");
    node_sees_the_change(&edge, &server, "delta");
}

#[test]
fn an_sdk_project_or_prefix_query_narrows_the_document() {
    let dir = tempfile::tempdir().expect("dir");
    let server = upstream(dir.path());
    seed(&server);
    let edge = Edge::upstream(&server.base, &["--tokens", CLIENT]);
    let names = |path: &str, base: &str| -> Vec<String> {
        let (status, document) = get(base, path, CLIENT);
        assert_eq!(status, StatusCode::OK, "{path}: {document}");
        let mut names: Vec<String> = document["features"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|f| f["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    for path in [
        "/api/client/features?namePrefix=on",
        "/api/client/features?project=default&namePrefix=s",
        "/api/client/features?project=nothing",
    ] {
        assert_eq!(names(path, &edge.base), names(path, &server.base), "{path}");
    }
    let response = http()
        .get(format!("{}/api/client/features?namePrefix=on", edge.base))
        .header("Authorization", CLIENT)
        .send()
        .expect("answered");
    let etag = response.headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    let again = http()
        .get(format!("{}/api/client/features?namePrefix=on", edge.base))
        .header("Authorization", CLIENT)
        .header("If-None-Match", &etag)
        .send()
        .expect("answered");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[test]
fn serve_keeps_its_environment_variables_beside_the_edge_options() {
    // `LOG_FORMAT` and `PORT` are read by Edge's top-level options too.
    let dir = tempfile::tempdir().expect("dir");
    for format in ["text", "json"] {
        let server = Upstream(Server::start(
            &sqlite_url(dir.path()),
            &[("LOG_FORMAT", format)],
        ));
        assert_eq!(server.call(Method::GET, "/health", None).0, StatusCode::OK);
    }
}
