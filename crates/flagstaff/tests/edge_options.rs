//! Edge's options around the routes, driven against `flagstaff edge offline`
//! (a bootstrap file, no upstream): `/api/frontend/all` and
//! `--disable-all-endpoint`, `--allow-list`/`--deny-list`, `--trust-proxy`
//! and `--proxy-trusted-servers` for the frontend API's `remoteAddress`, and
//! the backstage's `/metricsbatch` and `/instancedata`.

mod common;

use common::edge::Edge;
use common::http;
use reqwest::StatusCode;
use serde_json::{json, Value};

const CLIENT: &str = "*:development.options-client";
const FRONTEND: &str = "default:development.options-frontend";

/// Three flags: on for everyone, off, and on only for the address 203.0.113.9.
fn bootstrap(dir: &std::path::Path) -> String {
    let strategy = |name: &str, parameters: Value| json!({"name": name, "parameters": parameters, "constraints": []});
    let flag = |name: &str, enabled: bool, strategies: Vec<Value>| {
        json!({"name": name, "type": "release", "project": "default", "enabled": enabled,
            "stale": false, "impressionData": false, "strategies": strategies, "variants": []})
    };
    let document = json!({"version": 2, "features": [
        flag("on-flag", true, vec![strategy("default", json!({}))]),
        flag("off-flag", false, vec![strategy("default", json!({}))]),
        flag("office-only", true, vec![strategy("remoteAddress", json!({"IPs": "203.0.113.9"}))]),
    ]});
    let file = dir.join("bootstrap.json");
    std::fs::write(&file, document.to_string()).expect("written");
    file.to_str().expect("path").to_owned()
}

fn offline(file: &str, before: &[&str]) -> Edge {
    let mut args = before.to_vec();
    args.extend([
        "offline",
        "--bootstrap-file",
        file,
        "--client-tokens",
        CLIENT,
        "--frontend-tokens",
        FRONTEND,
    ]);
    Edge::start(&args)
}

/// `GET base+path` with `token` and extra headers: the status and the names
/// of the toggles answered, each with whether it is on.
fn toggles(base: &str, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Vec<(String, bool)>) {
    let mut request = http()
        .get(format!("{base}{path}"))
        .header("Authorization", FRONTEND);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().expect("answered");
    let status = response.status();
    let body: Value = response.json().unwrap_or(Value::Null);
    let mut names: Vec<(String, bool)> = body["toggles"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|t| {
                    (
                        t["name"].as_str().unwrap_or("").to_owned(),
                        t["enabled"] == true,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    (status, names)
}

fn on(names: &[&str]) -> Vec<(String, bool)> {
    names.iter().map(|n| ((*n).to_owned(), true)).collect()
}

#[test]
fn the_all_endpoint_lists_off_flags_too_unless_disabled() {
    let dir = tempfile::tempdir().expect("dir");
    let file = bootstrap(dir.path());
    let edge = offline(&file, &[]);
    assert_eq!(
        toggles(&edge.base, "/api/frontend", &[]),
        (StatusCode::OK, on(&["on-flag"]))
    );
    let all = vec![
        ("off-flag".to_owned(), false),
        ("office-only".to_owned(), false),
        ("on-flag".to_owned(), true),
    ];
    for path in ["/api/frontend/all", "/api/proxy/all"] {
        assert_eq!(
            toggles(&edge.base, path, &[]),
            (StatusCode::OK, all.clone())
        );
    }
    let posted = http()
        .post(format!("{}/api/frontend/all", edge.base))
        .header("Authorization", FRONTEND)
        .json(&json!({"context": {"remoteAddress": "203.0.113.9"}}))
        .send()
        .expect("answered");
    assert_eq!(posted.status(), StatusCode::OK);
    let body: Value = posted.json().expect("json");
    let office = body["toggles"]
        .as_array()
        .and_then(|l| l.iter().find(|t| t["name"] == "office-only"))
        .expect("listed");
    assert_eq!(office["enabled"], true);
    let unknown = http()
        .get(format!("{}/api/frontend/all", edge.base))
        .header("Authorization", "default:development.unknown")
        .send()
        .expect("answered");
    assert_eq!(unknown.status(), StatusCode::FORBIDDEN);
    drop(edge);

    let edge = offline(&file, &["--disable-all-endpoint"]);
    assert_eq!(
        toggles(&edge.base, "/api/frontend/all", &[]).0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        toggles(&edge.base, "/api/frontend", &[]),
        (StatusCode::OK, on(&["on-flag"]))
    );
}

#[test]
fn allow_and_deny_lists_refuse_other_networks() {
    let dir = tempfile::tempdir().expect("dir");
    let file = bootstrap(dir.path());
    for (options, expected) in [
        (vec!["--allow-list", "127.0.0.0/8"], StatusCode::OK),
        (
            vec!["--allow-list", "10.0.0.0/8,192.168.0.0/16"],
            StatusCode::FORBIDDEN,
        ),
        (vec!["--deny-list", "127.0.0.1/32"], StatusCode::FORBIDDEN),
        (vec!["--deny-list", "10.0.0.0/8"], StatusCode::OK),
    ] {
        let edge = offline(&file, &options);
        for path in [
            "/api/frontend",
            "/api/client/features",
            "/internal-backstage/health",
        ] {
            let token = if path.starts_with("/api/client") {
                CLIENT
            } else {
                FRONTEND
            };
            let status = http()
                .get(format!("{}{path}", edge.base))
                .header("Authorization", token)
                .send()
                .expect("answered")
                .status();
            assert_eq!(status, expected, "{options:?} {path}");
        }
    }
    // A bare address is not a network (as in Edge): the edge does not start.
    let output = common::flagstaff()
        .args([
            "--allow-list",
            "127.0.0.1",
            "offline",
            "--bootstrap-file",
            &file,
        ])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("CIDR"));
}

#[test]
fn trust_proxy_makes_the_forwarded_address_the_client() {
    let dir = tempfile::tempdir().expect("dir");
    let file = bootstrap(dir.path());
    let forwarded = [("X-Forwarded-For", "203.0.113.9")];
    let cases = [
        (vec![], false),
        (vec!["--trust-proxy"], true),
        (
            vec!["--trust-proxy", "--proxy-trusted-servers", "127.0.0.1"],
            true,
        ),
        (
            vec!["--trust-proxy", "--proxy-trusted-servers", "10.0.0.0/8"],
            false,
        ),
    ];
    for (options, believed) in cases {
        let edge = offline(&file, &options);
        let expected = if believed {
            on(&["office-only", "on-flag"])
        } else {
            on(&["on-flag"])
        };
        assert_eq!(
            toggles(&edge.base, "/api/frontend", &forwarded),
            (StatusCode::OK, expected),
            "{options:?}"
        );
    }
    // The lists judge the forwarded client when its proxy is trusted.
    let edge = offline(&file, &["--trust-proxy", "--deny-list", "203.0.113.0/24"]);
    assert_eq!(
        toggles(&edge.base, "/api/frontend", &forwarded).0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(toggles(&edge.base, "/api/frontend", &[]).0, StatusCode::OK);
}

#[test]
fn the_backstage_shows_the_metrics_batch_and_connected_edges() {
    let dir = tempfile::tempdir().expect("dir");
    let file = bootstrap(dir.path());
    let edge = offline(&file, &["--app-name", "edge-under-test"]);
    let sent = http()
        .post(format!("{}/api/client/metrics", edge.base))
        .header("Authorization", CLIENT)
        .json(&json!({"appName": "shop", "instanceId": "i-1", "bucket": {
            "start": "2026-12-07T10:00:00.000Z", "stop": "2026-12-07T10:01:00.000Z",
            "toggles": {"on-flag": {"yes": 3, "no": 1, "variants": {}}}}}))
        .send()
        .expect("answered");
    assert!(sent.status().is_success(), "{}", sent.status());
    let report = json!({"identifier": "downstream-1", "appName": "unleash-edge",
        "edgeVersion": "20.1.0", "started": "2026-12-07T10:00:00.000Z"});
    let posted = http()
        .post(format!("{}/api/client/metrics/edge", edge.base))
        .header("Authorization", CLIENT)
        .json(&report)
        .send()
        .expect("answered");
    assert_eq!(posted.status(), StatusCode::ACCEPTED);

    let batch: Value = http()
        .get(format!("{}/internal-backstage/metricsbatch", edge.base))
        .send()
        .expect("answered")
        .json()
        .expect("json");
    let metrics = batch["metrics"].as_array().expect("metrics");
    assert_eq!(metrics.len(), 1, "{batch}");
    assert_eq!(metrics[0]["featureName"], "on-flag");
    assert_eq!(
        (metrics[0]["yes"].clone(), metrics[0]["no"].clone()),
        (json!(3), json!(1))
    );
    assert_eq!(batch["applications"][0]["appName"], "shop");

    let instances: Value = http()
        .get(format!("{}/internal-backstage/instancedata", edge.base))
        .send()
        .expect("answered")
        .json()
        .expect("json");
    assert_eq!(instances["this_instance"]["appName"], "edge-under-test");
    assert_eq!(instances["connected_instances"], json!([report]));
    drop(edge);

    let edge = offline(
        &file,
        &[
            "--disable-metrics-batch-endpoint",
            "--disable-instance-data-endpoint",
        ],
    );
    for path in ["metricsbatch", "instancedata"] {
        let status = http()
            .get(format!("{}/internal-backstage/{path}", edge.base))
            .send()
            .expect("answered")
            .status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}
