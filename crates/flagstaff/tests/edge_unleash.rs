//! `flagstaff edge` in front of a real Unleash 8.2.0 (npm `unleash-server`
//! and the Node 22 it needs, pinned in `tests/unleash/package-lock.json` and
//! installed by `scripts/test`), started on its own new database on the test
//! PostgreSQL: the document through the edge is Unleash's, a change arrives
//! within the refresh interval, the frontend API evaluates Unleash's flags,
//! metrics arrive in Unleash once, a token deleted in Unleash is refused,
//! and the edge keeps (and, restarted, reloads) the last document when
//! Unleash is gone. Without Node's install or PostgreSQL the test says it
//! skipped; under `CI=true` it fails instead.

mod common;

use std::time::{Duration, Instant};

use common::edge::Edge;
use common::http;
use common::unleash::Unleash;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ADMIN: &str = "*:*.edge-unleash-admin";
const CLIENT: &str = "*:development.edge-unleash-client";
const PRETRUSTED: &str = "edge-unleash-frontend@development";

fn get(base: &str, path: &str, token: &str) -> (StatusCode, Value) {
    let response = http()
        .get(format!("{base}{path}"))
        .header("Authorization", token)
        .header("Unleash-Client-Spec", "5.2.0")
        .send()
        .expect("answered");
    let status = response.status();
    (status, response.json().unwrap_or(Value::Null))
}

fn eventually(within: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < within, "{what} within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn enabled(answer: &Value) -> Vec<String> {
    let mut names: Vec<String> = answer["toggles"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn the_edge_in_front_of_unleash() {
    let Some(mut unleash) = Unleash::start("edge_unleash", ADMIN, CLIENT) else {
        return;
    };
    let project = "/api/admin/projects/default/features";
    for name in ["u-on", "u-off", "u-seven"] {
        unleash.admin(Method::POST, project, Some(json!({"name": name})));
    }
    unleash.admin(
        Method::POST,
        &format!("{project}/u-seven/environments/development/strategies"),
        Some(json!({"name": "flexibleRollout", "parameters": {"rollout": "100", "stickiness": "default", "groupId": "u-seven"},
            "constraints": [{"contextName": "userId", "operator": "IN", "values": ["7"]}]})),
    );
    for name in ["u-on", "u-seven"] {
        unleash.admin(
            Method::POST,
            &format!("{project}/{name}/environments/development/on"),
            None,
        );
    }
    let dir = tempfile::tempdir().expect("dir");
    let backup = dir.path().join("backup");
    let backup = backup.to_str().expect("path");
    let edge = Edge::upstream(
        &unleash.base,
        &[
            "--tokens",
            CLIENT,
            "--pretrusted-tokens",
            PRETRUSTED,
            "-f",
            "1",
            "-m",
            "1",
            "--token-revalidation-interval-seconds",
            "1",
            "--backup-folder",
            backup,
        ],
    );

    // The document is Unleash's.
    let names = |d: &Value| -> Vec<String> {
        let mut n: Vec<String> = d["features"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|f| f["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        n.sort();
        n
    };
    let (status, direct) = get(&unleash.base, "/api/client/features", CLIENT);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&direct), ["u-off", "u-on", "u-seven"]);
    eventually(
        Duration::from_secs(10),
        "the edge serves Unleash's document",
        || get(&edge.base, "/api/client/features", CLIENT) == (StatusCode::OK, direct.clone()),
    );

    // The frontend API evaluates Unleash's flags (a pretrusted token).
    assert_eq!(
        enabled(&get(&edge.base, "/api/frontend?userId=7", PRETRUSTED).1),
        ["u-on", "u-seven"]
    );
    assert_eq!(
        enabled(&get(&edge.base, "/api/frontend?userId=8", PRETRUSTED).1),
        ["u-on"]
    );

    // A change in Unleash arrives (Unleash caches its own answers briefly).
    unleash.admin(
        Method::POST,
        &format!("{project}/u-off/environments/development/on"),
        None,
    );
    eventually(
        Duration::from_secs(15),
        "the change reaches the edge",
        || enabled(&get(&edge.base, "/api/frontend?userId=8", PRETRUSTED).1) == ["u-off", "u-on"],
    );
    let (_, direct) = get(&unleash.base, "/api/client/features", CLIENT);
    eventually(
        Duration::from_secs(10),
        "the edge serves the changed document",
        || get(&edge.base, "/api/client/features", CLIENT).1 == direct,
    );

    // Metrics arrive in Unleash once.
    let report = json!({"appName": "edge-unleash-app", "instanceId": "i1", "bucket": {
        "start": chrono::Utc::now().to_rfc3339(), "stop": chrono::Utc::now().to_rfc3339(),
        "toggles": {"u-on": {"yes": 5, "no": 2, "variants": {}}}}});
    let posted = http()
        .post(format!("{}/api/client/metrics", edge.base))
        .header("Authorization", CLIENT)
        .json(&report)
        .send()
        .expect("answered");
    assert_eq!(posted.status(), StatusCode::ACCEPTED);
    let counted = || {
        let raw = unleash.admin(
            Method::GET,
            "/api/admin/client-metrics/features/u-on/raw",
            None,
        );
        raw["data"].as_array().map_or((0, 0), |rows| {
            rows.iter().fold((0, 0), |a, r| {
                (
                    a.0 + r["yes"].as_u64().unwrap_or(0),
                    a.1 + r["no"].as_u64().unwrap_or(0),
                )
            })
        })
    };
    eventually(Duration::from_secs(90), "metrics reach Unleash", || {
        counted() == (5, 2)
    });
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(counted(), (5, 2), "sent once");

    // A token deleted in Unleash is refused.
    let created = unleash.admin(
        Method::POST,
        "/api/admin/api-tokens",
        Some(json!({"tokenName": "deleted-soon", "type": "client", "environment": "development", "projects": ["*"]})),
    );
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert_eq!(
        get(&edge.base, "/api/client/features", &secret).0,
        StatusCode::OK
    );
    unleash.admin(
        Method::DELETE,
        &format!("/api/admin/api-tokens/{secret}"),
        None,
    );
    eventually(
        Duration::from_secs(90),
        "the deleted token is refused",
        || get(&edge.base, "/api/client/features", &secret).0 == StatusCode::FORBIDDEN,
    );

    // Unleash gone: the same document, and again after a restart from the backup.
    let (_, last) = get(&edge.base, "/api/client/features", CLIENT);
    let url = unleash.base.clone();
    unleash.kill();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        get(&edge.base, "/api/client/features", CLIENT),
        (StatusCode::OK, last.clone())
    );
    edge.kill();
    let edge = Edge::upstream(&url, &["-f", "1", "--backup-folder", backup]);
    assert_eq!(
        get(&edge.base, "/api/client/features", CLIENT),
        (StatusCode::OK, last)
    );
}
