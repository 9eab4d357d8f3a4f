//! The real Unleash SDKs against the real `flagstaff serve`: the Python SDK
//! (PyPI `UnleashClient`, in the project's `.venv`) and the Node SDK (npm
//! `unleash-client`, in `tests/sdk/node_modules`), both installed by
//! `scripts/test`. A missing SDK fails the test with the command that installs it.
//!
//! The browser SDK (npm `unleash-proxy-client`, run in Node) is driven against
//! the frontend API the same way.
//!
//! For 10,000 users the SDK's decisions and variants must equal `flagstaff eval`
//! on the same client-features document, the 50% rollout must give 50% ± 2%,
//! and a strategy update must reach the SDK after its refresh. Dependent flags
//! (a child needing its parent on, off, or on with some variants) too.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use reqwest::blocking::Client;
use serde_json::{json, Value};

const ADMIN: &str = "*:*.sdk-test-admin";
const CLIENT: &str = "default:production.sdk-test-client";
const FRONTEND: &str = "default:development.sdk-test-frontend";
const USERS: usize = 10_000;
const FLAG: &str = "sdk-rollout";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python with the SDK: `FLAGSTAFF_TEST_PYTHON`, else the project's
/// `.venv` made by `scripts/test`, else `python3`.
fn python() -> String {
    if let Ok(python) = std::env::var("FLAGSTAFF_TEST_PYTHON") {
        return python;
    }
    let venv = repo_root().join(".venv/bin/python");
    if venv.exists() {
        return venv.display().to_string();
    }
    "python3".to_owned()
}

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_flagstaff"))
            .args([
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--database-url",
            ])
            .arg(format!(
                "sqlite://{}",
                dir.path().join("flagstaff.db").display()
            ))
            .env("INIT_ADMIN_API_TOKENS", ADMIN)
            .env("INIT_CLIENT_API_TOKENS", CLIENT)
            .env("INIT_FRONTEND_API_TOKENS", FRONTEND)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .spawn()
            .expect("flagstaff serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("server says where it listens")
                .expect("line");
            if let Some(at) = line.find("listening on ") {
                break line[at + "listening on ".len()..].trim().to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            base: format!("http://{address}"),
            _dir: dir,
        }
    }

    /// SIGTERM, and the server must exit cleanly.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("server exits");
        assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    }
}

fn admin(
    http: &Client,
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = http
        .request(method, format!("{}{path}", server.base))
        .header("Authorization", ADMIN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().expect("admin call answered");
    let status = response.status();
    let text = response.text().expect("body");
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Creates the flag: a 50% rollout on its own groupId with three strategy
/// variants carrying payloads, switched on in production. Returns the strategy id.
fn create_flag(http: &Client, server: &Server) -> String {
    create_rollout_flag(http, server, FLAG)
}

/// Creates `name` as [`create_flag`] describes.
fn create_rollout_flag(http: &Client, server: &Server, name: &str) -> String {
    let features = "/api/admin/projects/default/features";
    admin(
        http,
        server,
        reqwest::Method::POST,
        features,
        Some(json!({"name": name})),
    );
    let strategy = admin(
        http,
        server,
        reqwest::Method::POST,
        &format!("{features}/{name}/environments/production/strategies"),
        Some(json!({
            "name": "flexibleRollout", "disabled": false, "constraints": [], "segments": [],
            "parameters": {"groupId": name, "rollout": "50", "stickiness": "default"},
            "variants": [
                {"name": "red", "weight": 0, "weightType": "variable", "stickiness": "default",
                 "payload": {"type": "string", "value": "#f00"}},
                {"name": "green", "weight": 0, "weightType": "variable", "stickiness": "default",
                 "payload": {"type": "json", "value": "{\"hex\":\"#0f0\"}"}},
                {"name": "blue", "weight": 0, "weightType": "variable", "stickiness": "default",
                 "payload": {"type": "number", "value": "3"}}
            ]
        })),
    );
    admin(
        http,
        server,
        reqwest::Method::POST,
        &format!("{features}/{name}/environments/production/on"),
        None,
    );
    strategy["id"].as_str().expect("strategy id").to_owned()
}

/// What `flagstaff eval` answers for every user and each of `flags` (in the
/// probes' order: user by user, the flags in turn) on the document the SDK fetched.
fn expected_answers(http: &Client, server: &Server, dir: &Path, flags: &[&str]) -> Vec<Value> {
    let document = http
        .get(format!("{}/api/client/features", server.base))
        .header("Authorization", CLIENT)
        .send()
        .expect("client features")
        .text()
        .expect("body");
    let state = dir.join("state.json");
    std::fs::write(&state, document).expect("write state");
    let input: String = (0..USERS)
        .flat_map(|i| flags.iter().map(move |flag| (i, flag)))
        .map(|(i, flag)| {
            json!({"toggle": flag, "context": {"userId": i.to_string(), "environment": "production",
                                                "appName": "flagstaff-sdk-test"}})
            .to_string()
                + "\n"
        })
        .collect();
    let input_path = dir.join("users.jsonl");
    std::fs::write(&input_path, input).expect("write input");
    let output = Command::new(env!("CARGO_BIN_EXE_flagstaff"))
        .args(["eval", "--state"])
        .arg(&state)
        .arg("--input")
        .arg(&input_path)
        .output()
        .expect("flagstaff eval runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn read_until_done(stdout: &mut BufReader<ChildStdout>) -> Vec<Value> {
    let mut answers = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        let n = stdout.read_line(&mut line).expect("probe output");
        assert!(n > 0, "the SDK probe ended early");
        let text = line.trim();
        if text == "PHASE1-DONE" {
            return answers;
        }
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            answers.push(value);
        }
    }
}

/// A probe started against `server`: it evaluates `flags` for every user
/// (watching `flags[0]` for the update); `mode` is the Node probe's
/// `FLAGSTAFF_SDK_MODE` (how the SDK fetches: `full`, `delta` or `streaming`).
struct Probe {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Probe {
    fn start(
        (program, args, current_dir): (&str, &[String], &Path),
        mode: &str,
        server: &Server,
        flags: &[&str],
        dir: &Path,
    ) -> Probe {
        let mut child = Command::new(program)
            .args(args)
            .args([
                server.base.clone(),
                CLIENT.to_owned(),
                flags[0].to_owned(),
                USERS.to_string(),
            ])
            .arg(dir)
            .env("FLAGSTAFF_SDK_MODE", mode)
            .env("FLAGSTAFF_SDK_FLAGS", flags.join(","))
            .current_dir(current_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Probe { child, stdout }
    }

    /// Tells the probe the change is made; it must see `flags[0]` turn off
    /// for a user it saw on.
    fn expect_update(mut self, what: &str) {
        let mut stdin = self.child.stdin.take().expect("stdin");
        stdin.write_all(b"NEXT\n").expect("signal the probe");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("probe answers");
        assert!(
            line.starts_with("UPDATED"),
            "the SDK ({what}) did not see the update: {line}"
        );
        let status = self.child.wait().expect("probe exits");
        assert!(status.success());
    }
}

/// The SDK's answers equal `flagstaff eval`'s, one by one: decision, variant
/// and payload. Returns how many were enabled, per flag in `flags`' order.
fn assert_agree(answers: &[Value], expected: &[Value], flags: &[&str]) -> Vec<usize> {
    assert_eq!(answers.len(), expected.len());
    let mut enabled = vec![0; flags.len()];
    for (at, (sdk, ours)) in answers.iter().zip(expected).enumerate() {
        let flag = flags[at % flags.len()];
        assert_eq!(sdk["flag"], flag, "the probe answers in the expected order");
        let user = &sdk["userId"];
        assert_eq!(
            sdk["enabled"], ours["enabled"],
            "{flag}, user {user}: SDK {sdk} vs eval {ours}"
        );
        let (sv, ov) = (&sdk["variant"], &ours["variant"]);
        assert_eq!(
            sv["name"], ov["name"],
            "{flag}, user {user}: {sdk} vs {ours}"
        );
        assert_eq!(sv["enabled"], ov["enabled"], "{flag}, user {user}");
        assert_eq!(
            sv["payload"],
            ov.get("payload").cloned().unwrap_or(Value::Null),
            "{flag}, user {user}"
        );
        enabled[at % flags.len()] += usize::from(sdk["enabled"] == true);
    }
    enabled
}

fn http_client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// Runs a probe against the rollout flag: its answers for 10,000 users, its
/// metrics, and an update.
fn run_sdk(program: &str, args: &[String], current_dir: &Path, mode: &str) {
    let http = http_client();
    let server = Server::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let strategy_id = create_flag(&http, &server);
    let expected = expected_answers(&http, &server, dir.path(), &[FLAG]);

    let mut probe = Probe::start(
        (program, args, current_dir),
        mode,
        &server,
        &[FLAG],
        dir.path(),
    );
    let answers = read_until_done(&mut probe.stdout);
    assert_eq!(answers.len(), USERS);
    let enabled = assert_agree(&answers, &expected, &[FLAG])[0];
    let share = enabled as f64 / USERS as f64;
    assert!((0.48..=0.52).contains(&share), "{share} of users enabled");

    // The SDK's metrics arrive and are counted (it reports every second).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let (yes, no) = loop {
        let raw = admin(
            &http,
            &server,
            reqwest::Method::GET,
            &format!("/api/admin/client-metrics/features/{FLAG}/raw?hoursBack=1"),
            None,
        );
        let (yes, no) = raw["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["environment"] == "production" && r["appName"] == "flagstaff-sdk-test")
            .fold((0, 0), |(y, n), r| {
                (
                    y + r["yes"].as_u64().unwrap_or(0),
                    n + r["no"].as_u64().unwrap_or(0),
                )
            });
        if yes + no >= USERS as u64 || std::time::Instant::now() > deadline {
            break (yes, no);
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(
        yes + no >= USERS as u64,
        "only {yes} yes + {no} no evaluations were reported"
    );
    let reported_share = yes as f64 / (yes + no) as f64;
    assert!(
        (0.45..=0.55).contains(&reported_share),
        "reported yes share {reported_share}"
    );

    // The guide's update: NOT_IN production. The SDK must see it after a refresh.
    admin(
        &http,
        &server,
        reqwest::Method::PUT,
        &format!("/api/admin/projects/default/features/{FLAG}/environments/production/strategies/{strategy_id}"),
        Some(json!({
            "name": "flexibleRollout", "disabled": false,
            "constraints": [{"values": ["production"], "inverted": false, "operator": "NOT_IN",
                             "contextName": "environment", "caseInsensitive": false}],
            "variants": [],
            "parameters": {"groupId": FLAG, "rollout": "50", "stickiness": "default"},
            "segments": []
        })),
    );
    probe.expect_update(mode);
    server.stop();
}

#[test]
fn python_sdk_agrees_with_flagstaff_eval() {
    let check = Command::new(python())
        .args(["-c", "import UnleashClient"])
        .status();
    assert!(
        check.is_ok_and(|s| s.success()),
        "the Python SDK is missing: run scripts/test, which installs it into .venv"
    );
    let sdk_dir = repo_root().join("tests/sdk");
    run_sdk(&python(), &["python_probe.py".to_owned()], &sdk_dir, "full");
}

#[test]
fn node_sdk_agrees_with_flagstaff_eval() {
    let sdk_dir = repo_root().join("tests/sdk");
    assert!(
        sdk_dir.join("node_modules/unleash-client").is_dir(),
        "the Node SDK is missing: (cd tests/sdk && npm ci)"
    );
    run_sdk("node", &["node_probe.js".to_owned()], &sdk_dir, "full");
}

/// The Node SDK in `experimentalMode: {type: 'streaming'}`: hydrated by the
/// stream's first event and updated by the next, with polling set to ten
/// minutes (so only the stream can bring the update within the probe's 20 s).
#[test]
fn node_sdk_streaming_agrees_with_flagstaff_eval() {
    let sdk_dir = repo_root().join("tests/sdk");
    assert!(
        sdk_dir.join("node_modules/unleash-client").is_dir(),
        "the Node SDK is missing: (cd tests/sdk && npm ci)"
    );
    run_sdk("node", &["node_probe.js".to_owned()], &sdk_dir, "streaming");
}

/// The Node SDK in `experimentalMode: {type: 'polling', format: 'delta'}`.
#[test]
fn node_sdk_delta_polling_agrees_with_flagstaff_eval() {
    let sdk_dir = repo_root().join("tests/sdk");
    assert!(
        sdk_dir.join("node_modules/unleash-client").is_dir(),
        "the Node SDK is missing: (cd tests/sdk && npm ci)"
    );
    run_sdk("node", &["node_probe.js".to_owned()], &sdk_dir, "delta");
}

/// The flags of the dependency test: the child the probe watches first, the
/// other children, and their parent (a 50% rollout with strategy variants).
const CHILD_ON: &str = "needs-parent-on";
const CHILD_OFF: &str = "needs-parent-off";
const CHILD_VARIANT: &str = "needs-red-or-green";
const PARENT: &str = "dep-parent";

/// Children that require their parent on (and have a 50% rollout of their
/// own), off, and on with one of two of its three variants: the SDK must
/// answer as `flagstaff eval` for every user, and see the parent switched off.
fn run_dependent_flags(program: &str, args: &[String], current_dir: &Path) {
    let http = http_client();
    let server = Server::start();
    let dir = tempfile::tempdir().expect("temp dir");
    create_rollout_flag(&http, &server, PARENT);
    let features = "/api/admin/projects/default/features";
    let children = [
        (CHILD_ON, json!({"feature": PARENT}), "50"),
        (
            CHILD_OFF,
            json!({"feature": PARENT, "enabled": false}),
            "100",
        ),
        (
            CHILD_VARIANT,
            json!({"feature": PARENT, "variants": ["red", "green"]}),
            "100",
        ),
    ];
    for (child, dependency, rollout) in children {
        let post = |path: String, body: Option<Value>| {
            admin(&http, &server, reqwest::Method::POST, &path, body)
        };
        post(features.to_owned(), Some(json!({"name": child})));
        post(
            format!("{features}/{child}/environments/production/strategies"),
            Some(json!({"name": "flexibleRollout",
                "parameters": {"groupId": child, "rollout": rollout, "stickiness": "default"}})),
        );
        post(
            format!("{features}/{child}/environments/production/on"),
            None,
        );
        post(format!("{features}/{child}/dependencies"), Some(dependency));
    }
    let flags = [CHILD_ON, CHILD_OFF, CHILD_VARIANT, PARENT];
    let expected = expected_answers(&http, &server, dir.path(), &flags);
    let document: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("state.json")).expect("state"))
            .expect("document");
    let child = document["features"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == CHILD_VARIANT))
        .expect("child in the document");
    assert_eq!(
        child["dependencies"],
        json!([{"feature": PARENT, "enabled": true, "variants": ["red", "green"]}])
    );

    let mut probe = Probe::start(
        (program, args, current_dir),
        "full",
        &server,
        &flags,
        dir.path(),
    );
    let answers = read_until_done(&mut probe.stdout);
    let enabled = assert_agree(&answers, &expected, &flags);
    let share = |n: usize| n as f64 / USERS as f64;
    // Parent on for half; the first child on for a quarter; the second for
    // the other half; the third for two thirds of the parent's half.
    assert!((0.48..=0.52).contains(&share(enabled[3])), "{enabled:?}");
    assert!((0.22..=0.28).contains(&share(enabled[0])), "{enabled:?}");
    assert_eq!(enabled[1] + enabled[3], USERS, "{enabled:?}");
    assert!((0.30..=0.37).contains(&share(enabled[2])), "{enabled:?}");

    admin(
        &http,
        &server,
        reqwest::Method::POST,
        &format!("{features}/{PARENT}/environments/production/off"),
        None,
    );
    probe.expect_update("dependency");
    server.stop();
}

#[test]
fn python_sdk_evaluates_dependent_flags_as_flagstaff_eval() {
    let check = Command::new(python())
        .args(["-c", "import UnleashClient"])
        .status();
    assert!(
        check.is_ok_and(|s| s.success()),
        "the Python SDK is missing: run scripts/test, which installs it into .venv"
    );
    let sdk_dir = repo_root().join("tests/sdk");
    run_dependent_flags(&python(), &["python_probe.py".to_owned()], &sdk_dir);
}

#[test]
fn node_sdk_evaluates_dependent_flags_as_flagstaff_eval() {
    let sdk_dir = repo_root().join("tests/sdk");
    assert!(
        sdk_dir.join("node_modules/unleash-client").is_dir(),
        "the Node SDK is missing: (cd tests/sdk && npm ci)"
    );
    run_dependent_flags("node", &["node_probe.js".to_owned()], &sdk_dir);
}

#[test]
fn frontend_sdk_sees_enabled_flags_and_changes() {
    let sdk_dir = repo_root().join("tests/sdk");
    assert!(
        sdk_dir.join("node_modules/unleash-proxy-client").is_dir(),
        "the browser SDK is missing: (cd tests/sdk && npm ci)"
    );
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client");
    let server = Server::start();
    let features = "/api/admin/projects/default/features";
    for name in ["for-pros", "for-nobody"] {
        admin(
            &http,
            &server,
            reqwest::Method::POST,
            features,
            Some(json!({"name": name, "impressionData": true})),
        );
    }
    admin(
        &http,
        &server,
        reqwest::Method::POST,
        &format!("{features}/for-pros/environments/development/strategies"),
        Some(json!({"name": "default",
            "constraints": [{"contextName": "plan", "operator": "IN", "values": ["pro"]}],
            "variants": [{"name": "gold", "weight": 0, "stickiness": "default",
                          "payload": {"type": "json", "value": "{\"badge\":true}"}}]})),
    );
    admin(
        &http,
        &server,
        reqwest::Method::POST,
        &format!("{features}/for-nobody/environments/development/strategies"),
        Some(json!({"name": "userWithId", "parameters": {"userIds": "1,2"}})),
    );
    for name in ["for-pros", "for-nobody"] {
        admin(
            &http,
            &server,
            reqwest::Method::POST,
            &format!("{features}/{name}/environments/development/on"),
            None,
        );
    }

    let mut probe = Command::new("node")
        .args(["frontend_probe.js", &server.base, FRONTEND, "for-pros"])
        .current_dir(&sdk_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut stdout = BufReader::new(probe.stdout.take().expect("stdout"));
    let seen = read_until_done(&mut stdout);
    assert_eq!(seen.len(), 1, "{seen:?}");
    let seen = &seen[0];
    assert_eq!(seen["enabled"], true, "{seen}");
    assert_eq!(seen["variant"]["name"], "gold", "{seen}");
    assert_eq!(
        seen["variant"]["payload"],
        json!({"type": "json", "value": "{\"badge\":true}"})
    );
    assert_eq!(
        seen["toggles"],
        json!(["for-pros"]),
        "only enabled flags are sent"
    );

    // The SDK's metrics arrive under the frontend token's environment.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let raw = admin(
            &http,
            &server,
            reqwest::Method::GET,
            "/api/admin/client-metrics/features/for-pros/raw?hoursBack=1",
            None,
        );
        let yes: u64 = raw["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                r["environment"] == "development" && r["appName"] == "flagstaff-frontend-test"
            })
            .map(|r| r["yes"].as_u64().unwrap_or(0))
            .sum();
        if yes > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the browser SDK's metrics never arrived"
        );
        std::thread::sleep(Duration::from_millis(250));
    }

    admin(
        &http,
        &server,
        reqwest::Method::POST,
        &format!("{features}/for-pros/environments/development/off"),
        None,
    );
    let mut stdin = probe.stdin.take().expect("stdin");
    stdin.write_all(b"NEXT\n").expect("signal the probe");
    let mut line = String::new();
    stdout.read_line(&mut line).expect("probe answers");
    assert_eq!(
        line.trim(),
        "UPDATED",
        "the browser SDK did not see the change"
    );
    assert!(probe.wait().expect("probe exits").success());
    server.stop();
}

#[test]
fn openfeature_ofrep_provider_resolves_flags() {
    let sdk_dir = repo_root().join("tests/sdk");
    assert!(
        sdk_dir
            .join("node_modules/@openfeature/ofrep-provider")
            .is_dir(),
        "the OFREP provider is missing: (cd tests/sdk && npm ci)"
    );
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client");
    let server = Server::start();
    let features = "/api/admin/projects/default/features";
    for name in ["plain", "with-payload"] {
        admin(
            &http,
            &server,
            reqwest::Method::POST,
            features,
            Some(json!({"name": name})),
        );
    }
    admin(
        &http,
        &server,
        reqwest::Method::POST,
        &format!("{features}/plain/environments/development/strategies"),
        Some(
            json!({"name": "default", "constraints": [{"contextName": "plan", "operator": "IN", "values": ["pro"]}]}),
        ),
    );
    admin(
        &http,
        &server,
        reqwest::Method::POST,
        &format!("{features}/with-payload/environments/development/strategies"),
        Some(
            json!({"name": "default", "variants": [{"name": "layout-b", "weight": 0,
            "payload": {"type": "json", "value": "{\"columns\":3}"}}]}),
        ),
    );
    for name in ["plain", "with-payload"] {
        admin(
            &http,
            &server,
            reqwest::Method::POST,
            &format!("{features}/{name}/environments/development/on"),
            None,
        );
    }
    let output = Command::new("node")
        .args(["ofrep_probe.js", &server.base, FRONTEND])
        .current_dir(&sdk_dir)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_slice(&output.stdout).expect("probe prints JSON");
    assert_eq!(seen["plain"]["value"], true, "{seen}");
    assert_eq!(seen["plain"]["reason"], "TARGETING_MATCH");
    assert_eq!(seen["plainOther"]["value"], false, "{seen}");
    assert_eq!(seen["plainOther"]["reason"], "DISABLED");
    assert_eq!(seen["payload"]["value"], json!({"columns": 3}), "{seen}");
    assert_eq!(seen["payload"]["variant"], "layout-b");
    assert_eq!(seen["missing"]["value"], false);
    assert_eq!(seen["missing"]["errorCode"], "FLAG_NOT_FOUND", "{seen}");
    server.stop();
}

#[test]
fn python_sdk_fires_impression_events_for_flags_with_impression_data() {
    let check = Command::new(python())
        .args(["-c", "import UnleashClient"])
        .status();
    assert!(
        check.is_ok_and(|s| s.success()),
        "the Python SDK is missing: run scripts/test, which installs it into .venv"
    );
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client");
    let server = Server::start();
    let features = "/api/admin/projects/default/features";
    admin(
        &http,
        &server,
        reqwest::Method::POST,
        features,
        Some(json!({"name": "tracked", "impressionData": false})),
    );
    admin(
        &http,
        &server,
        reqwest::Method::POST,
        features,
        Some(json!({"name": "untracked"})),
    );
    // impressionData goes on through the guide's PATCH.
    admin(
        &http,
        &server,
        reqwest::Method::PATCH,
        &format!("{features}/tracked"),
        Some(json!([{"op": "replace", "path": "/impressionData", "value": true}])),
    );
    admin(
        &http,
        &server,
        reqwest::Method::POST,
        &format!("{features}/tracked/environments/production/strategies"),
        Some(
            json!({"name": "default", "variants": [{"name": "only", "weight": 0, "stickiness": "default"}]}),
        ),
    );
    for name in ["tracked", "untracked"] {
        admin(
            &http,
            &server,
            reqwest::Method::POST,
            &format!("{features}/{name}/environments/production/on"),
            None,
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(python())
        .arg("python_impressions.py")
        .args([server.base.as_str(), CLIENT])
        .arg(dir.path())
        .args(["tracked", "untracked"])
        .current_dir(repo_root().join("tests/sdk"))
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events: Value = serde_json::from_slice(&output.stdout).expect("probe prints JSON");
    assert_eq!(
        events,
        json!([
            {"type": "feature_flag", "feature": "tracked", "enabled": true, "variant": ""},
            {"type": "variant", "feature": "tracked", "enabled": true, "variant": "only"}
        ]),
        "impression events only for the flag with impressionData, with its variant"
    );
    server.stop();
}

/// Unleash Edge 20.x (crates.io `unleash-edge`), installed by `scripts/test`
/// into `~/.cache/flagstaff/`: `FLAGSTAFF_TEST_EDGE`, else that path. `None`
/// only when `scripts/test` said why it could not install it
/// (`FLAGSTAFF_EDGE_UNAVAILABLE`); a binary that is simply missing fails.
fn unleash_edge() -> Option<PathBuf> {
    let path = std::env::var("FLAGSTAFF_TEST_EDGE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/flagstaff/unleash-edge-20.1.0/bin/unleash-edge")
        });
    if path.is_file() {
        return Some(path);
    }
    match std::env::var("FLAGSTAFF_EDGE_UNAVAILABLE") {
        Ok(why) => {
            eprintln!("SKIPPED the Unleash Edge test: {why}");
            None
        }
        Err(_) => panic!(
            "Unleash Edge is missing at {}: run scripts/test, which installs it \
             (cargo install unleash-edge --version 20.1.0 --locked --no-default-features)",
            path.display()
        ),
    }
}

/// Edge running with Flagstaff as its upstream, stopped on drop.
struct Edge {
    child: Child,
    base: String,
}

impl Edge {
    fn start(binary: &Path, upstream: &Server, streaming: bool) -> Edge {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut command = Command::new(binary);
        command
            .args([
                "--port",
                &port.to_string(),
                "--interface",
                "127.0.0.1",
                "edge",
            ])
            .args(["--upstream-url", &upstream.base, "--tokens", CLIENT])
            .args(["--features-refresh-interval-seconds", "1"])
            .args(["--metrics-interval-seconds", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if streaming {
            command.arg("--streaming");
        }
        let child = command.spawn().expect("unleash-edge starts");
        let edge = Edge {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        // Edge listens once it has validated its token and fetched the flags.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let ready = reqwest::blocking::get(format!("{}/internal-backstage/ready", edge.base))
                .is_ok_and(|r| r.status().is_success());
            if ready {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "Unleash Edge did not become ready against Flagstaff"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        edge
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How many evaluations of `flag` by `app` Flagstaff has stored.
fn evaluations(http: &Client, server: &Server, flag: &str, app: &str) -> u64 {
    let raw = admin(
        http,
        server,
        reqwest::Method::GET,
        &format!("/api/admin/client-metrics/features/{flag}/raw?hoursBack=1"),
        None,
    );
    raw["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["appName"] == app)
        .map(|r| r["yes"].as_u64().unwrap_or(0) + r["no"].as_u64().unwrap_or(0))
        .sum()
}

/// The Node SDK pointed at Edge sees a flag switched on in Flagstaff, and its
/// metrics reach Flagstaff through Edge (`/api/client/metrics/bulk`).
fn sdk_through_edge(streaming: bool) {
    let Some(binary) = unleash_edge() else {
        return;
    };
    let sdk_dir = repo_root().join("tests/sdk");
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client");
    let server = Server::start();
    let flag = "through-edge";
    admin(
        &http,
        &server,
        reqwest::Method::POST,
        "/api/admin/projects/default/features",
        Some(json!({"name": flag})),
    );
    let edge = Edge::start(&binary, &server, streaming);
    let mut probe = Command::new("node")
        .args(["edge_probe.js", &edge.base, CLIENT, flag])
        .current_dir(&sdk_dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut stdout = BufReader::new(probe.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("probe answers");
    assert_eq!(
        line.trim(),
        "READY false",
        "through Edge, before the change"
    );
    admin(
        &http,
        &server,
        reqwest::Method::POST,
        &format!("/api/admin/projects/default/features/{flag}/environments/production/on"),
        None,
    );
    line.clear();
    stdout.read_line(&mut line).expect("probe answers");
    assert!(
        line.starts_with("CHANGED true"),
        "the SDK behind Edge (streaming: {streaming}) did not see the change: {line}"
    );
    eprintln!("through Edge (streaming: {streaming}): {}", line.trim());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while evaluations(&http, &server, flag, "edge-probe") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the SDK's metrics did not reach Flagstaff through Edge"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(probe.wait().expect("probe exits").success());
    drop(edge);
    server.stop();
}

#[test]
fn node_sdk_through_unleash_edge_polling_flagstaff() {
    sdk_through_edge(false);
}

/// Edge's `--streaming`: one delta hydration, then the SSE stream; Edge
/// polls nothing, so the change can only have come by the stream.
#[test]
fn node_sdk_through_unleash_edge_streaming_from_flagstaff() {
    sdk_through_edge(true);
}
