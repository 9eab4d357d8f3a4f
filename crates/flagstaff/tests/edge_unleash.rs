//! `flagstaff edge` in front of a real Unleash 8.2.0 (npm `unleash-server`
//! and the Node 22 it needs, pinned in `tests/unleash/package-lock.json` and
//! installed by `scripts/test`), started on its own new database on the test
//! PostgreSQL: the document through the edge is Unleash's, a change arrives
//! within the refresh interval, the frontend API evaluates Unleash's flags,
//! metrics arrive in Unleash once, a token deleted in Unleash is refused,
//! and the edge keeps (and, restarted, reloads) the last document when
//! Unleash is gone. On a realistic set of flags, the real Python and Node
//! SDKs decide the same directly, through an edge and through two chained
//! edges, see a change within the refresh intervals, and their metrics
//! arrive in Unleash once. Without Node's install or PostgreSQL the tests say
//! they skipped; under `CI=true` they fail instead.

mod common;

use std::time::{Duration, Instant};

use common::edge::Edge;
use common::http;
use common::probe::{Probe, Sdk};
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

/// Watched for the change; on for everyone until then.
const WATCHED: &str = "banner";
const FLAGS: [&str; 8] = [
    WATCHED,
    "checkout",
    "tenant-rollout",
    "beta",
    "not-for-t1-t2",
    "checkout-extras",
    "office-only",
    "dormant",
];

/// A realistic set of flags in Unleash's development environment: gradual
/// rollouts sticky on `default` and on a custom `tenantId` (each with its
/// groupId), strategy variants with payloads, constraints of several
/// operators (case-insensitive, inverted, numeric, semver, date), a segment,
/// a rollout sticky on `sessionId`, a `remoteAddress` strategy, a dependency on a parent,
/// environment variants with a fixed weight, a payload, their own
/// stickiness and an override, and a disabled flag.
fn seed_realistic(unleash: &Unleash) {
    let features = "/api/admin/projects/default/features";
    unleash.admin(
        Method::POST,
        "/api/admin/context",
        Some(json!({"name": "tenantId", "stickiness": true})),
    );
    let segment = unleash.admin(
        Method::POST,
        "/api/admin/segments",
        Some(json!({"name": "eu-paying", "constraints": [
            {"contextName": "region", "operator": "IN", "values": ["eu"]},
            {"contextName": "plan", "operator": "IN", "values": ["pro", "enterprise"]}]})),
    )["id"]
        .clone();
    for name in FLAGS {
        unleash.admin(Method::POST, features, Some(json!({"name": name})));
    }
    let strategy = |name: &str, body: Value| {
        unleash.admin(
            Method::POST,
            &format!("{features}/{name}/environments/development/strategies"),
            Some(body),
        );
    };
    strategy(
        "checkout",
        json!({"name": "flexibleRollout",
            "parameters": {"rollout": "40", "stickiness": "default", "groupId": "checkout-experiment"},
            "variants": [
                {"name": "blue", "weight": 500, "weightType": "variable", "stickiness": "default",
                 "payload": {"type": "json", "value": "{\"color\":\"blue\",\"steps\":2}"}},
                {"name": "red", "weight": 500, "weightType": "variable", "stickiness": "default",
                 "payload": {"type": "string", "value": "red"}}]}),
    );
    strategy(
        "tenant-rollout",
        json!({"name": "flexibleRollout",
            "parameters": {"rollout": "50", "stickiness": "tenantId", "groupId": "tenants"}}),
    );
    strategy(
        "beta",
        json!({"name": "default", "constraints": [
            {"contextName": "email", "operator": "STR_ENDS_WITH", "values": ["@example.com"], "caseInsensitive": true},
            {"contextName": "appVersion", "operator": "SEMVER_GTE", "value": "2.0.0"}]}),
    );
    strategy(
        "beta",
        json!({"name": "flexibleRollout", "segments": [segment],
            "parameters": {"rollout": "100", "stickiness": "default", "groupId": "beta"},
            "constraints": [{"contextName": "age", "operator": "NUM_GT", "value": "30"}]}),
    );
    strategy(
        "beta",
        json!({"name": "flexibleRollout",
            "parameters": {"rollout": "60", "stickiness": "sessionId", "groupId": "beta-sessions"},
            "constraints": [{"contextName": "userId", "operator": "IN", "values": ["3", "5", "8", "13", "21", "34"]}]}),
    );
    strategy(
        "not-for-t1-t2",
        json!({"name": "flexibleRollout",
            "parameters": {"rollout": "100", "stickiness": "default", "groupId": "not-for-t1-t2"},
            "constraints": [
                {"contextName": "tenantId", "operator": "IN", "values": ["t1", "t2"], "inverted": true},
                {"contextName": "currentTime", "operator": "DATE_AFTER", "value": "2020-01-01T00:00:00.000Z"},
                {"contextName": "plan", "operator": "STR_CONTAINS", "values": ["FREE"], "caseInsensitive": true, "inverted": true}]}),
    );
    strategy(
        "office-only",
        json!({"name": "remoteAddress", "parameters": {"IPs": "10.0.0.0/8, 192.168.0.7"}}),
    );
    unleash.admin(
        Method::POST,
        &format!("{features}/checkout-extras/dependencies"),
        Some(json!({"feature": "checkout", "enabled": true})),
    );
    unleash.admin(
        Method::PUT,
        &format!("{features}/checkout-extras/environments/development/variants"),
        Some(json!([
            {"name": "small", "weight": 300, "weightType": "fix", "stickiness": "tenantId",
             "payload": {"type": "number", "value": "3"}},
            {"name": "large", "weight": 700, "weightType": "variable", "stickiness": "tenantId",
             "overrides": [{"contextName": "userId", "values": ["1", "2"]}]}])),
    );
    for name in FLAGS.iter().filter(|n| **n != "dormant") {
        unleash.admin(
            Method::POST,
            &format!("{features}/{name}/environments/development/on"),
            None,
        );
    }
}

/// 80 contexts: every one with a userId (but ten), a sessionId, an address
/// and the custom fields the flags look at.
fn contexts() -> Value {
    let regions = ["eu", "us", "apac"];
    let plans = ["free", "pro", "enterprise"];
    let versions = ["1.9.3", "2.0.0", "2.10.1", "2.0.0-beta.1"];
    (0..80)
        .map(|i: usize| {
            let mut context = json!({
                "sessionId": format!("session-{i}"),
                "remoteAddress": if i % 4 == 0 { format!("10.1.2.{i}") } else { format!("192.168.0.{i}") },
                "properties": {
                    "tenantId": format!("t{}", i % 6),
                    "region": regions[i % 3],
                    "plan": plans[(i / 3) % 3],
                    "age": (18 + (i * 7) % 50).to_string(),
                    "email": if i % 2 == 0 { format!("user{i}@Example.COM") } else { format!("user{i}@other.org") },
                    "appVersion": versions[i % 4],
                },
            });
            if i % 8 != 7 {
                context["userId"] = json!(i.to_string());
            }
            context
        })
        .collect()
}

/// Unleash's raw metrics of `flag` from the app `app`, summed:
/// `{"yes", "no", "variants"}`.
fn metrics_of(unleash: &Unleash, flag: &str, app: &str) -> Value {
    let raw = unleash.admin(
        Method::GET,
        &format!("/api/admin/client-metrics/features/{flag}/raw"),
        None,
    );
    let (mut yes, mut no) = (0, 0);
    let mut variants = std::collections::BTreeMap::<String, u64>::new();
    for row in raw["data"].as_array().into_iter().flatten() {
        if row["appName"] != app {
            continue;
        }
        yes += row["yes"].as_u64().unwrap_or(0);
        no += row["no"].as_u64().unwrap_or(0);
        for (name, count) in row["variants"].as_object().into_iter().flatten() {
            *variants.entry(name.clone()).or_default() += count.as_u64().unwrap_or(0);
        }
    }
    json!({"yes": yes, "no": no, "variants": variants})
}

#[test]
fn sdks_through_chained_edges_decide_as_against_unleash() {
    let Some(mut unleash) = Unleash::start("edge_unleash_sdks", ADMIN, CLIENT) else {
        return;
    };
    seed_realistic(&unleash);
    // Unleash drops metrics of flags missing from its list of names, which
    // it caches for 10 s: the SDKs report only once the list has them.
    let known = Instant::now() + Duration::from_secs(11);
    let refresh = 2;
    let interval = refresh.to_string();
    let args = ["--tokens", CLIENT, "-f", &interval, "-m", "1"];
    let first = Edge::upstream(&unleash.base, &args);
    let second = Edge::upstream(&first.base, &args);

    // Both edges serve Unleash's document.
    let (status, direct) = get(&unleash.base, "/api/client/features", CLIENT);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        direct["features"].as_array().map(Vec::len),
        Some(FLAGS.len())
    );
    assert_eq!(direct["segments"].as_array().map(Vec::len), Some(1));
    for edge in [&first, &second] {
        eventually(
            Duration::from_secs(10),
            "the edge serves Unleash's document",
            || get(&edge.base, "/api/client/features", CLIENT) == (StatusCode::OK, direct.clone()),
        );
    }

    // The SDKs decide the same directly, through one edge and through two.
    std::thread::sleep(known.saturating_duration_since(Instant::now()));
    let contexts = contexts();
    let mut probes = Vec::new();
    for sdk in [Sdk::Python, Sdk::Node] {
        let mut decided = Vec::new();
        for (path, base) in [
            ("direct", &unleash.base),
            ("first", &first.base),
            ("second", &second.base),
        ] {
            let app = format!("{sdk:?}-{path}");
            let probe = Probe::start(sdk, base, CLIENT, &app, &FLAGS, &contexts);
            decided.push(probe.decisions.clone());
            probes.push((sdk, path, app, probe));
        }
        assert_eq!(decided[1], decided[0], "{sdk:?} through one edge");
        assert_eq!(decided[2], decided[0], "{sdk:?} through two edges");
        for (at, flag) in FLAGS.iter().enumerate() {
            let on = decided[0]
                .iter()
                .skip(at)
                .step_by(FLAGS.len())
                .filter(|d| d["enabled"] == true)
                .count();
            let expected = match *flag {
                WATCHED => 80..=80,
                "dormant" => 0..=0,
                _ => 1..=79,
            };
            assert!(expected.contains(&on), "{sdk:?}: {flag} on for {on} of 80");
        }
        for payload in ["json", "string", "number"] {
            assert!(
                decided[0]
                    .iter()
                    .any(|d| d["variant"]["payload"]["type"] == payload),
                "{sdk:?}: a variant with a {payload} payload"
            );
        }
    }

    // The frontend API through the edges answers as Unleash's own, with a
    // frontend token made in Unleash.
    let frontend = unleash.admin(
        Method::POST,
        "/api/admin/api-tokens",
        Some(json!({"tokenName": "frontend", "type": "frontend", "environment": "development", "projects": ["*"]})),
    )["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let evaluated = |base: &str, context: &Value| {
        let response = http()
            .post(format!("{base}/api/frontend"))
            .header("Authorization", &frontend)
            .json(&json!({ "context": context }))
            .send()
            .expect("answered");
        let status = response.status();
        let mut answer: Value = response.json().unwrap_or(Value::Null);
        if let Some(toggles) = answer["toggles"].as_array_mut() {
            toggles.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        }
        (status, answer)
    };
    let mut seen = 0;
    for context in contexts.as_array().expect("contexts") {
        let direct = evaluated(&unleash.base, context);
        assert_eq!(direct.0, StatusCode::OK, "{direct:?}");
        seen += direct.1["toggles"].as_array().map_or(0, Vec::len);
        for edge in [&first, &second] {
            assert_eq!(evaluated(&edge.base, context), direct, "{context}");
        }
    }
    assert!(seen > 80, "flags on for the contexts: {seen}");

    // A change in Unleash reaches the SDKs within the refresh intervals.
    unleash.admin(
        Method::POST,
        &format!("/api/admin/projects/default/features/{WATCHED}/environments/development/off"),
        None,
    );
    let changed = Instant::now();
    for (_, path, _, probe) in &mut probes {
        if *path != "direct" {
            probe.changed();
        }
    }
    let watched_on = |document: &Value| {
        document["features"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["name"] == WATCHED && f["enabled"] == true)
    };
    eventually(Duration::from_secs(10), "Unleash serves the change", || {
        !watched_on(&get(&unleash.base, "/api/client/features", CLIENT).1)
    });
    let unleash_took = changed.elapsed();
    for (sdk, path, _, probe) in &mut probes {
        if *path == "direct" {
            continue;
        }
        let hops = if *path == "first" { 1 } else { 2 };
        // Each edge polls every `refresh` s, the SDK every second.
        let bound = unleash_took + Duration::from_secs(hops * refresh + 1 + 2);
        let took = probe.updated_after();
        eprintln!("{sdk:?} through the {path} edge saw the change after {took:?}");
        assert!(
            took <= bound,
            "{sdk:?} through the {path} edge saw the change after {took:?} (bound {bound:?})"
        );
    }
    let (_, direct) = get(&unleash.base, "/api/client/features", CLIENT);
    for edge in [&first, &second] {
        eventually(
            Duration::from_secs(10),
            "the edge serves the changed document",
            || get(&edge.base, "/api/client/features", CLIENT).1 == direct,
        );
    }

    // The SDKs' metrics arrive in Unleash once, through the edges as directly
    // (the watched flag aside: only the probes past the change polled it).
    let flags = &FLAGS[1..];
    let all_arrived = || {
        probes.iter().all(|(sdk, _, app, _)| {
            flags.iter().all(|flag| {
                let direct = metrics_of(&unleash, flag, &format!("{sdk:?}-direct"));
                let evaluated =
                    direct["yes"].as_u64().unwrap_or(0) + direct["no"].as_u64().unwrap_or(0);
                evaluated >= 80 && metrics_of(&unleash, flag, app) == direct
            })
        })
    };
    eventually(
        Duration::from_secs(30),
        "the metrics through the edges equal the direct ones",
        &all_arrived,
    );
    let direct_checkout = metrics_of(&unleash, "checkout", "Python-direct");
    assert!(
        direct_checkout["yes"].as_u64() > Some(0) && direct_checkout["no"].as_u64() > Some(0),
        "the SDK reported: {direct_checkout}"
    );
    // Later posts (the edges' every second, Unleash's every 5 s) add nothing.
    std::thread::sleep(Duration::from_secs(8));
    assert!(all_arrived(), "the metrics arrived once");

    // Unleash gone: both edges keep serving the last document.
    drop(probes);
    unleash.kill();
    std::thread::sleep(Duration::from_secs(refresh + 1));
    for edge in [&first, &second] {
        assert_eq!(
            get(&edge.base, "/api/client/features", CLIENT),
            (StatusCode::OK, direct.clone())
        );
    }
}
