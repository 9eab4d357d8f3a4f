//! `flagstaff migrate-from-unleash` against a real Unleash 8.2.0 (the
//! harness of `common/unleash.rs`): Unleash is filled through its admin API
//! with hundreds of flags using every strategy it has, a custom one, every
//! constraint operator, segments, strategy and environment variants, titles,
//! disabled strategies, dependencies, links, tags, stale, impression data and
//! archived flags, in each environment its open-source edition has (it shows
//! only project `default` and environments `default`, `development`,
//! `production`, and cannot create others). Then the migration runs, and for
//! every client token (migrated with new secrets) the document Flagstaff
//! serves equals Unleash's, with and without `Unleash-Client-Spec`, compared
//! semantically: strategy ids and segment ids are each server's own, so
//! strategies are compared without ids and with their segments' constraints,
//! a strategy's constraints (all of which must hold) in any order and
//! without fields that only say their default (`inverted: false`), and
//! `lastSeenAt` (metrics) left out, and a dependency Unleash repeats (once
//! per segment of the flag's strategies) counted once.
//! Running again is refused without `--merge` and changes nothing with it.
//! Users (`--with-users`) arrive with their root roles and no password, and
//! the reset link printed for one lets them set a password and sign in.

mod common;

use std::collections::HashMap;

use common::unleash::Unleash;
use common::{http, sqlite_url, Server};
use reqwest::Method;
use serde_json::{json, Value};

const ADMIN: &str = "*:*.migrate-unleash-admin";
const CLIENT: &str = "*:development.migrate-unleash-client";
const FLAGS: usize = 240;
const ENVIRONMENTS: [&str; 2] = ["development", "production"];

/// Every operator Unleash has, with a field and values it accepts.
const OPERATORS: [(&str, &str, &[&str]); 15] = [
    ("IN", "region", &["eu", "us"]),
    ("NOT_IN", "region", &["apac"]),
    ("STR_CONTAINS", "userId", &["abc", "x"]),
    ("STR_STARTS_WITH", "userId", &["user-"]),
    ("STR_ENDS_WITH", "userId", &["@example.com"]),
    ("NUM_EQ", "tier", &["3"]),
    ("NUM_GT", "tier", &["1"]),
    ("NUM_GTE", "tier", &["2.5"]),
    ("NUM_LT", "tier", &["10"]),
    ("NUM_LTE", "tier", &["7"]),
    ("DATE_AFTER", "currentTime", &["2025-01-01T00:00:00.000Z"]),
    ("DATE_BEFORE", "currentTime", &["2030-06-01T12:00:00.000Z"]),
    ("SEMVER_EQ", "appVersion", &["1.2.3"]),
    ("SEMVER_GT", "appVersion", &["2.0.0-beta.1"]),
    ("SEMVER_LT", "appVersion", &["3.1.0"]),
];

fn constraint(i: usize) -> Value {
    let (operator, field, values) = OPERATORS[i % OPERATORS.len()];
    let single = operator.starts_with("NUM")
        || operator.starts_with("DATE")
        || operator.starts_with("SEMVER");
    let mut c = json!({"contextName": field, "operator": operator, "inverted": i % 2 == 0,
        "caseInsensitive": i % 3 == 0});
    if single {
        c["value"] = json!(values[0]);
    } else {
        c["values"] = json!(values);
    }
    c
}

fn strategy(i: usize, segments: &[i64]) -> Value {
    let stickiness = ["default", "userId", "sessionId", "random"][i % 4];
    let name = format!("m-{i:03}");
    match i % 7 {
        0 => json!({"name": "default", "constraints": [constraint(i)]}),
        1 => {
            json!({"name": "flexibleRollout", "parameters": {"rollout": ((i * 7) % 101).to_string(),
            "stickiness": stickiness, "groupId": name}, "constraints": [constraint(i), constraint(i + 5)]})
        }
        // Unleash 8 has no userWithId (nor gradualRollout*): a constraint does it.
        2 => json!({"name": "default", "constraints": [{"contextName": "userId", "operator": "IN",
            "values": ["alice", "bob", "carol"]}, constraint(i + 7)]}),
        3 => json!({"name": "remoteAddress", "parameters": {"IPs": "10.0.0.0/8,192.168.1.1"},
            "constraints": [constraint(i)]}),
        4 => json!({"name": "applicationHostname", "parameters": {"hostNames": "web-1,web-2"}}),
        5 => {
            json!({"name": "byCountry", "parameters": {"countries": "no,se"}, "constraints": [constraint(i)]})
        }
        _ => json!({"name": "flexibleRollout", "title": format!("Beta {i}"),
            "parameters": {"rollout": "50", "stickiness": "userId", "groupId": format!("g{i}")},
            "segments": [segments[i % segments.len()], segments[(i + 1) % segments.len()]],
            "variants": [{"name": "blue", "weight": 500, "weightType": "variable", "stickiness": "userId",
                "payload": {"type": "string", "value": format!("b{i}")}},
                {"name": "green", "weight": 500, "weightType": "variable", "stickiness": "userId"}]}),
    }
}

/// Fills Unleash with a realistic state; returns the secrets of the client
/// tokens by name.
fn fill(unleash: &Unleash) -> HashMap<String, String> {
    for (name, values) in [
        ("region", vec!["eu", "us", "apac"]),
        ("tier", vec![]),
        ("appVersion", vec![]),
    ] {
        let legal: Vec<Value> = values
            .iter()
            .map(|v| json!({"value": v, "description": format!("{v} users")}))
            .collect();
        unleash.admin(Method::POST, "/api/admin/context", Some(json!({"name": name,
            "description": format!("The {name}"), "stickiness": name == "tier", "legalValues": legal})));
    }
    unleash.admin(Method::POST, "/api/admin/strategies", Some(json!({"name": "byCountry",
        "description": "On in the listed countries",
        "parameters": [{"name": "countries", "type": "list", "description": "ISO codes", "required": true}]})));
    unleash.admin(
        Method::POST,
        "/api/admin/tag-types",
        Some(json!({"name": "team", "description": "Owner"})),
    );
    let segments: Vec<i64> = (0..6)
        .map(|s| {
            let created = unleash.admin(
                Method::POST,
                "/api/admin/segments",
                Some(json!({
                "name": format!("segment-{s}"), "description": format!("Segment {s}"),
                "constraints": [constraint(s * 2), constraint(s * 2 + 1)]})),
            );
            created["id"].as_i64().expect("segment id")
        })
        .collect();
    let project = "/api/admin/projects/default/features";
    let types = [
        "release",
        "experiment",
        "operational",
        "kill-switch",
        "permission",
    ];
    for i in 0..FLAGS {
        let name = format!("m-{i:03}");
        let mut body =
            json!({"name": name, "type": types[i % types.len()], "impressionData": i % 4 == 0});
        if i % 3 != 0 {
            body["description"] = json!(format!("Flag number {i}"));
        }
        unleash.admin(Method::POST, project, Some(body));
        for (e, environment) in ENVIRONMENTS.iter().enumerate() {
            let at = format!("{project}/{name}/environments/{environment}");
            if (i + e) % 4 != 3 {
                unleash.admin(
                    Method::POST,
                    &format!("{at}/strategies"),
                    Some(strategy(i + e, &segments)),
                );
            }
            if i % 5 == 0 {
                let mut second = strategy(i + 3, &segments);
                second["title"] = json!("Second");
                second["disabled"] = json!(e == 1);
                unleash.admin(Method::POST, &format!("{at}/strategies"), Some(second));
            }
            if i % 6 == 0 {
                unleash.admin(
                    Method::PUT,
                    &format!("{at}/variants"),
                    Some(json!([
                    {"name": "a", "weight": 700, "weightType": "variable", "stickiness": "default",
                     "payload": {"type": "json", "value": "{\"x\":1}"},
                     "overrides": [{"contextName": "userId", "values": ["u1"]}]},
                    {"name": "b", "weight": 300, "weightType": "fix", "stickiness": "default"}])),
                );
            }
            if (i + e) % 3 != 0 {
                unleash.admin(Method::POST, &format!("{at}/on"), None);
            }
        }
        if i % 8 == 0 {
            unleash.admin(
                Method::POST,
                &format!("/api/admin/features/{name}/tags"),
                Some(json!({"type": "team", "value": format!("team-{}", i % 3)})),
            );
        }
        if i % 9 == 0 {
            unleash.admin(
                Method::POST,
                &format!("{project}/{name}/link"),
                Some(json!({"url": format!("https://example.com/{i}"), "title": "Ticket"})),
            );
        }
        if i % 11 == 1 {
            let parent = format!("m-{:03}", i - 1);
            let dependency = match i % 3 {
                0 => json!({"feature": parent}),
                1 => json!({"feature": parent, "enabled": false}),
                _ => json!({"feature": parent, "enabled": true, "variants": ["a"]}),
            };
            unleash.admin(
                Method::POST,
                &format!("{project}/{name}/dependencies"),
                Some(dependency),
            );
        }
    }
    let stale: Vec<String> = (0..FLAGS)
        .step_by(10)
        .map(|i| format!("m-{i:03}"))
        .collect();
    unleash.admin(
        Method::POST,
        "/api/admin/projects/default/stale",
        Some(json!({"features": stale, "stale": true})),
    );
    for i in (FLAGS - 4)..FLAGS {
        unleash.admin(Method::DELETE, &format!("{project}/m-{i:03}"), None);
    }
    unleash.admin(Method::POST, "/api/admin/environments/production/off", None);
    let mut secrets = HashMap::from([("client".to_owned(), CLIENT.to_owned())]);
    for (name, environment, projects) in [
        ("prod-all", "production", json!(["*"])),
        ("dev-default", "development", json!(["default"])),
    ] {
        let created = unleash.admin(Method::POST, "/api/admin/api-tokens", Some(json!({
            "tokenName": name, "type": "client", "environment": environment, "projects": projects})));
        secrets.insert(
            name.to_owned(),
            created["secret"].as_str().expect("secret").to_owned(),
        );
    }
    secrets
}

fn document(base: &str, token: &str, spec: bool) -> Value {
    let mut request = http()
        .get(format!("{base}/api/client/features"))
        .header("Authorization", token);
    if spec {
        request = request.header("Unleash-Client-Spec", "5.2.0");
    }
    let response = request.send().expect("answered");
    assert!(
        response.status().is_success(),
        "{base}: {}",
        response.status()
    );
    response.json().expect("JSON")
}

/// The document with what is each server's own taken out: strategy ids, and
/// segment ids (a strategy's segments become their constraints, sorted).
fn normalised(doc: &Value) -> Value {
    let segments: HashMap<i64, Value> = doc["segments"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| {
                    let mut constraints = s["constraints"].as_array().cloned().unwrap_or_default();
                    constraints.iter_mut().for_each(defaults_out);
                    constraints.sort_by_key(Value::to_string);
                    (s["id"].as_i64().unwrap_or(-1), json!(constraints))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut features: Vec<Value> = doc["features"].as_array().cloned().unwrap_or_default();
    for f in &mut features {
        // Metrics, not configuration: each server's own.
        f.as_object_mut()
            .expect("a flag is an object")
            .remove("lastSeenAt");
        // Unleash 8.2 repeats a dependency once per segment of the child's
        // strategies (a join): the same dependency, once.
        if let Some(Value::Array(dependencies)) = f.get_mut("dependencies") {
            dependencies.sort_by_key(Value::to_string);
            dependencies.dedup();
        }
        for s in f["strategies"].as_array_mut().into_iter().flatten() {
            let map = s.as_object_mut().expect("a strategy is an object");
            map.remove("id");
            // All must hold: their order is no part of the meaning (and
            // without the spec header segments' constraints are inlined in
            // the order Unleash's join returns them).
            if let Some(Value::Array(constraints)) = map.get_mut("constraints") {
                constraints.iter_mut().for_each(defaults_out);
                constraints.sort_by_key(Value::to_string);
            }
            if let Some(ids) = map.remove("segments") {
                let mut resolved: Vec<String> = ids
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|id| {
                        segments
                            .get(&id.as_i64().unwrap_or(-1))
                            .expect("a listed segment")
                            .to_string()
                    })
                    .collect();
                resolved.sort();
                map.insert("segments".to_owned(), json!(resolved));
            }
        }
    }
    features.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    json!({"version": doc["version"], "features": features})
}

/// A constraint without the fields that say their default (`inverted` and
/// `caseInsensitive` false, `values` empty): Unleash keeps a constraint as
/// it was sent, Flagstaff stores them all.
fn defaults_out(constraint: &mut Value) {
    let map = constraint
        .as_object_mut()
        .expect("a constraint is an object");
    map.retain(|key, value| {
        let default = match key.as_str() {
            "inverted" | "caseInsensitive" => *value == Value::Bool(false),
            "values" => value.as_array().is_some_and(Vec::is_empty),
            _ => false,
        };
        !default
    });
}

fn assert_same(unleash: &Value, flagstaff: &Value, what: &str) {
    let (u, f) = (normalised(unleash), normalised(flagstaff));
    if u == f {
        return;
    }
    let (uf, ff) = (
        u["features"].as_array().expect("features"),
        f["features"].as_array().expect("features"),
    );
    assert_eq!(uf.len(), ff.len(), "{what}: as many flags");
    for (a, b) in uf.iter().zip(ff) {
        assert_eq!(
            a, b,
            "{what}: the first flag that differs (Unleash's, then Flagstaff's)"
        );
    }
    assert_eq!(u, f, "{what}");
}

fn migrate(args: &[&str]) -> (bool, String, String) {
    let output = common::flagstaff()
        .arg("migrate-from-unleash")
        .args(args)
        .output()
        .expect("flagstaff runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn migrating_a_real_unleash_serves_the_same_documents() {
    let Some(unleash) = Unleash::start("migrate_unleash", ADMIN, CLIENT) else {
        return;
    };
    let secrets = fill(&unleash);
    for user in [
        json!({"username": "ada", "email": "ada@example.com", "name": "Ada", "rootRole": "Editor",
            "sendEmail": false}),
        json!({"email": "grace@example.com", "rootRole": "Viewer", "sendEmail": false}),
    ] {
        unleash.admin(Method::POST, "/api/admin/user-admin", Some(user));
    }
    let dir = tempfile::tempdir().expect("dir");
    let database = sqlite_url(dir.path());
    let saved = dir.path().join("unleash.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--url",
            &unleash.base,
            "--token",
            ADMIN,
            "--database-url",
            &database,
        ];
        args.extend_from_slice(extra);
        migrate(&args)
    };
    let (ok, out, err) = run(&[
        "--with-tokens",
        "--with-users",
        "--public-url",
        "https://flags.example.com/",
        "--json",
        "--save",
        saved.to_str().expect("path"),
    ]);
    assert!(ok, "the migration succeeds: {out} {err}");
    assert!(
        err.contains("[1/"),
        "progress as plain lines when not on a terminal: {err}"
    );
    let summary: Value = serde_json::from_str(&out).expect("the summary as JSON");
    assert_eq!(summary["flags"], json!(FLAGS - 4), "{summary}");
    assert_eq!(summary["archivedFlags"], json!(4), "{summary}");
    assert_eq!(summary["segments"], json!(6), "{summary}");
    let migrated: HashMap<String, String> = summary["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| {
            (
                t["tokenName"].as_str().expect("a name").to_owned(),
                t["secret"].as_str().expect("a secret").to_owned(),
            )
        })
        .collect();

    let new_users = summary["users"].as_array().expect("users").clone();
    let made = |name: &str| {
        new_users
            .iter()
            .find(|u| u["username"] == name)
            .unwrap_or_else(|| panic!("user {name} made: {summary}"))
            .clone()
    };
    let (ada, grace) = (made("ada"), made("grace@example.com"));
    assert_eq!(
        (&ada["rootRole"], &grace["rootRole"]),
        (&json!("Editor"), &json!("Viewer"))
    );
    let ada_link = ada["resetLink"].as_str().expect("a link");
    let prefix = "https://flags.example.com/reset-password?token=";
    assert!(ada_link.starts_with(prefix), "{ada_link}");

    let server = Server::start(&database, &[]);
    let compare = |when: &str| {
        for (name, secret) in &secrets {
            let ours = migrated
                .get(name)
                .unwrap_or_else(|| panic!("token {name} migrated: {migrated:?}"));
            for spec in [true, false] {
                assert_same(
                    &document(&unleash.base, secret, spec),
                    &document(&server.base, ours, spec),
                    &format!("{when}: token {name}, Unleash-Client-Spec {spec}"),
                );
            }
        }
    };
    compare("after migrating");

    // What no client document shows moved too.
    let admin = |path: &str| server.call(Method::GET, path, Some(&migrated["admin"])).1;
    let archived = admin("/api/admin/archive/features");
    assert_eq!(
        archived["features"].as_array().map(Vec::len),
        Some(4),
        "{archived}"
    );
    let flag = admin("/api/admin/projects/default/features/m-000");
    assert_eq!(flag["links"][0]["url"], "https://example.com/0", "{flag}");
    let tags = admin("/api/admin/features/m-000/tags");
    assert_eq!(
        tags["tags"],
        json!([{"type": "team", "value": "team-0"}]),
        "{tags}"
    );
    let environments = admin("/api/admin/environments");
    let production = environments["environments"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["name"] == "production"))
        .cloned();
    assert_eq!(
        production.map(|p| p["enabled"].clone()),
        Some(json!(false)),
        "{environments}"
    );
    let strategy = admin("/api/admin/strategies/byCountry");
    assert_eq!(strategy["parameters"][0]["name"], "countries", "{strategy}");

    // The users, with their roles; no password until the link sets one.
    let users = admin("/api/admin/user-admin");
    let role_of = |name: &str| {
        let user = users["users"]
            .as_array()
            .and_then(|u| u.iter().find(|u| u["username"] == name))
            .unwrap_or_else(|| panic!("{name} is a user: {users}"));
        users["rootRoles"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["id"] == user["rootRole"]))
            .map(|r| r["name"].clone())
    };
    assert_eq!(role_of("ada"), Some(json!("Editor")), "{users}");
    assert_eq!(
        role_of("grace@example.com"),
        Some(json!("Viewer")),
        "{users}"
    );
    let login = |password: &str| {
        server
            .call_with(
                Method::POST,
                "/auth/simple/login",
                None,
                Some(json!({"username": "ada", "password": password})),
            )
            .0
    };
    assert!(!login("").is_success(), "no password before the link");
    let (status, answer) = server.call_with(
        Method::POST,
        "/auth/reset/password",
        None,
        Some(json!({"token": &ada_link[prefix.len()..], "password": "a long new password"})),
    );
    assert!(status.is_success(), "{status} {answer}");
    assert!(login("a long new password").is_success(), "signed in");

    // Again: refused into a Flagstaff that has flags, a no-op with --merge,
    // and the same from the saved file.
    let (ok, _, err) = run(&[]);
    assert!(!ok && err.contains("--merge"), "{err}");
    let (ok, out, err) = run(&["--merge", "--with-tokens", "--with-users", "--json"]);
    assert!(ok, "{out} {err}");
    let again: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(again["tokens"], json!([]), "no token is made twice");
    assert_eq!(again["users"], json!([]), "no user is made twice");
    assert_eq!(again["usersKept"], json!(new_users.len()), "{again}");
    assert!(
        login("a long new password").is_success(),
        "a kept user keeps their password"
    );
    let (ok, out, err) = migrate(&[
        "--from-file",
        saved.to_str().expect("path"),
        "--merge",
        "--database-url",
        &database,
    ]);
    assert!(ok, "{out} {err}");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    compare("after migrating twice more with --merge");
}
