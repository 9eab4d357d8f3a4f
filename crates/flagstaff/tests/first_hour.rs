//! The first hour with `flagstaff serve`, as a new user meets it: the real
//! binary, its log read from standard output. A fresh start without tokens
//! prints an admin token that works (once); `INIT_*` tokens apply on every
//! start and a bad one stops the start; database URL mistakes are explained
//! quickly; `sqlite::memory:` works; the log says what happens, with a line per
//! admin write, as text without colour codes or as JSON; `flagstaff export` and
//! `flagstaff import` move flags to another server.

mod common;

use common::*;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

/// The secret from the "shown only now: <secret>" line.
fn bootstrap_secret(log: &[String]) -> Option<String> {
    log.iter().find_map(|line| {
        let at = line.find("shown only now: ")?;
        line[at + "shown only now: ".len()..]
            .split_whitespace()
            .next()
            .map(|s| s.trim_matches('"').to_owned())
    })
}

/// Runs `flagstaff serve` expecting it to fail; returns (stderr, how long it took).
fn failed_start(database: &str, env: &[(&str, &str)]) -> (String, Duration) {
    let started = Instant::now();
    let output = serve_command(database, env)
        .stdin(Stdio::null())
        .output()
        .expect("flagstaff runs");
    let took = started.elapsed();
    assert!(
        !output.status.success(),
        "{database}: the start should fail; stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    (String::from_utf8_lossy(&output.stderr).into_owned(), took)
}

#[test]
fn a_fresh_start_prints_a_working_admin_token_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&sqlite_url(dir.path()), &[]);
    let log = server.log();
    let secret = bootstrap_secret(&log).unwrap_or_else(|| panic!("no admin token in {log:?}"));
    assert!(secret.starts_with("*:*."), "{secret}");
    assert_eq!(secret.len(), "*:*.".len() + 56);
    // The log says where the data is and what the schema did, before listening.
    let position = |text: &str| {
        log.iter()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("no {text:?} in {log:?}"))
    };
    assert!(position("flagstaff starting") < position("database opened"));
    assert!(log[position("database opened")].contains(&*dir.path().to_string_lossy()));
    assert!(position("database schema migrated") < position("listening on"));
    assert!(position("shown only now") < position("listening on"));

    // Without a token: 401 that points at something real, not a missing login page.
    let (status, body) = server.call(reqwest::Method::GET, "/api/admin/projects", None);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["name"], "AuthenticationRequired");
    let message = body["message"].as_str().expect("message");
    assert!(!message.contains("/auth/simple/login"), "{message}");
    assert!(message.contains("Authorization"), "{message}");
    let (status, page) = server.call(reqwest::Method::GET, "/", None);
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.as_str().is_some_and(|p| p.contains("/health")),
        "{page}"
    );

    // The printed token works on the admin API.
    let (status, projects) =
        server.call(reqwest::Method::GET, "/api/admin/projects", Some(&secret));
    assert_eq!(status, StatusCode::OK, "{projects}");
    assert_eq!(projects["projects"][0]["id"], "default");
    let (_, listed) = server.call(reqwest::Method::GET, "/api/admin/api-tokens", Some(&secret));
    let tokens = listed["tokens"].as_array().expect("tokens").clone();
    assert_eq!(tokens.len(), 1, "{listed}");
    assert_eq!(tokens[0]["tokenName"], "bootstrap-admin");
    assert!(
        !listed.to_string().contains(&secret[4..]),
        "the list shows no secret"
    );
    let log = server.stop();
    assert!(log.iter().any(|l| l.contains("shutting down")), "{log:?}");
    assert!(log.last().is_some_and(|l| l.contains("stopped")), "{log:?}");

    // A restart prints no token again, and the first one still works.
    let server = Server::start(&sqlite_url(dir.path()), &[]);
    let log = server.log();
    assert_eq!(bootstrap_secret(&log), None, "{log:?}");
    assert!(!log.iter().any(|l| l.contains(&secret[4..])), "{log:?}");
    assert!(
        log.iter().any(|l| l.contains("database schema up to date")),
        "{log:?}"
    );
    let (status, _) = server.call(reqwest::Method::GET, "/api/admin/projects", Some(&secret));
    assert_eq!(status, StatusCode::OK);
    server.stop();
}

#[test]
fn the_first_web_ui_admin_comes_from_a_setup_link_or_init_admin_user() {
    // No user and no INIT_ADMIN_USER: one setup link, before "listening", a new one each start.
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&sqlite_url(dir.path()), &[]);
    let log = server.log();
    let code = setup_code(&log).unwrap_or_else(|| panic!("no setup link in {log:?}"));
    assert_eq!(code.len(), 64, "{code}");
    let link = log.iter().position(|l| l.contains("/setup?code="));
    let listening = log.iter().position(|l| l.contains("listening on"));
    assert!(link < listening, "{log:?}");
    let (status, page) = server.call(reqwest::Method::GET, &format!("/setup?code={code}"), None);
    assert_eq!(status, StatusCode::OK);
    assert!(page
        .as_str()
        .is_some_and(|p| p.contains("Create the first admin")));
    let (status, _) = server.call(reqwest::Method::GET, "/setup?code=0123", None);
    assert_eq!(status, StatusCode::FORBIDDEN);
    server.stop();
    let server = Server::start(&sqlite_url(dir.path()), &[]);
    let again = setup_code(&server.log()).expect("a new link while no user exists");
    assert_ne!(again, code);
    server.stop();

    // INIT_ADMIN_USER creates the admin (never logging the password); no setup link.
    let password = "init-admin-password-0123";
    let env = [
        ("INIT_ADMIN_USER", "ops"),
        ("INIT_ADMIN_PASSWORD", password),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&sqlite_url(dir.path()), &env);
    server.wait_for_log("admin user from INIT_ADMIN_USER: created");
    let log = server.stop();
    assert_eq!(setup_code(&log), None, "{log:?}");
    assert!(!log.iter().any(|l| l.contains(password)), "{log:?}");
    let server = Server::start(&sqlite_url(dir.path()), &env);
    server.wait_for_log("admin user from INIT_ADMIN_USER: already present");
    assert_eq!(setup_code(&server.stop()), None);
}

#[test]
fn init_tokens_apply_on_every_start_and_say_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let admin = "*:*.first-admin-secret-0123456789abcdef";
    let backend = "default:production.backend-secret-0123456789abcdef";
    let frontend = "default:development.frontend-secret-0123456789abcdef";
    let server = Server::start(&sqlite_url(dir.path()), &[("INIT_ADMIN_API_TOKENS", admin)]);
    server.wait_for_log("INIT_ADMIN_API_TOKENS: created");
    assert_eq!(
        bootstrap_secret(&server.log()),
        None,
        "an admin token exists"
    );
    server.stop();

    // New tokens added to the variables are created on the next start; the
    // admin one is reported as present; no secret reaches the log.
    let server = Server::start(
        &sqlite_url(dir.path()),
        &[
            ("INIT_ADMIN_API_TOKENS", admin),
            ("INIT_CLIENT_API_TOKENS", backend),
            ("INIT_FRONTEND_API_TOKENS", frontend),
        ],
    );
    server.wait_for_log("INIT_ADMIN_API_TOKENS: already present");
    server.wait_for_log("INIT_CLIENT_API_TOKENS: created");
    server.wait_for_log("INIT_FRONTEND_API_TOKENS: created");
    for secret in [admin, backend, frontend] {
        let random = &secret[secret.find('.').expect("dot") + 1..];
        assert!(
            !server.log().iter().any(|l| l.contains(random)),
            "a secret reached the log: {:?}",
            server.log()
        );
    }
    let (status, document) =
        server.call(reqwest::Method::GET, "/api/client/features", Some(backend));
    assert_eq!(status, StatusCode::OK, "{document}");
    let (status, _) = server.call(reqwest::Method::GET, "/api/frontend", Some(frontend));
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = server.call(reqwest::Method::GET, "/api/admin/api-tokens", Some(admin));
    let mut names: Vec<(String, String)> = listed["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| {
            (
                t["tokenName"].as_str().expect("name").to_owned(),
                t["type"].as_str().expect("type").to_owned(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("admin".to_owned(), "admin".to_owned()),
            ("backend".to_owned(), "backend".to_owned()),
            ("frontend".to_owned(), "frontend".to_owned()),
        ]
    );
    server.stop();

    // A token naming a project or environment that does not exist stops the
    // start, names what is missing, and stores nothing.
    for (bad, missing) in [
        ("default:nosuchenv.x0123456789abcdef0123456789", "nosuchenv"),
        (
            "nosuchproject:development.x0123456789abcdef012345",
            "nosuchproject",
        ),
    ] {
        let (stderr, _) = failed_start(
            &sqlite_url(dir.path()),
            &[
                ("INIT_ADMIN_API_TOKENS", admin),
                ("INIT_BACKEND_API_TOKENS", bad),
            ],
        );
        assert!(stderr.contains(missing), "{stderr}");
        assert!(stderr.contains("INIT_BACKEND_API_TOKENS"), "{stderr}");
        assert!(stderr.contains("does not exist"), "{stderr}");
        assert!(
            !stderr.contains(&bad[bad.find('.').expect("dot") + 5..]),
            "{stderr}"
        );
    }
    let (stderr, _) = failed_start(
        &sqlite_url(dir.path()),
        &[(
            "INIT_ADMIN_API_TOKENS",
            "default:development.not-an-admin-scope",
        )],
    );
    assert!(
        stderr.contains("admin token must start with *:*"),
        "{stderr}"
    );
    let server = Server::start(&sqlite_url(dir.path()), &[]);
    let (_, listed) = server.call(reqwest::Method::GET, "/api/admin/api-tokens", Some(admin));
    assert_eq!(
        listed["tokens"].as_array().map(Vec::len),
        Some(3),
        "{listed}"
    );
    server.stop();
}

#[test]
fn database_url_mistakes_are_explained_quickly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing_dir = dir.path().join("no/such/dir/flags.db");
    let file_as_dir = dir.path().join("a-file");
    std::fs::write(&file_as_dir, b"not a directory").expect("write");
    // A PostgreSQL port that accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("address").port();
    let refused_port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("address").port()
    };
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            "not a url".to_owned(),
            vec![
                "\"not a url\"".into(),
                "./flagstaff.db".into(),
                "postgres://".into(),
            ],
        ),
        (
            missing_dir.display().to_string(),
            vec!["does not exist".into(), "no/such/dir".into()],
        ),
        (
            format!("sqlite://{}", file_as_dir.join("x.db").display()),
            vec!["a-file".into(), "--database-url".into()],
        ),
        (
            format!("postgres://flag:hunter2@127.0.0.1:{refused_port}/flags"),
            vec![
                format!("127.0.0.1:{refused_port}"),
                "refused".into(),
                "flag:***@".into(),
            ],
        ),
        (
            format!("postgres://flag:hunter2@127.0.0.1:{silent_port}/flags"),
            vec![
                format!("127.0.0.1:{silent_port}"),
                "no answer within 5 s".into(),
            ],
        ),
        (
            "mysql://root:hunter2@127.0.0.1/flags".to_owned(),
            vec!["\"mysql\"".into(), "postgres://".into()],
        ),
    ];
    for (url, expected) in cases {
        let (stderr, took) = failed_start(&url, &[]);
        for text in &expected {
            assert!(
                stderr.contains(text.as_str()),
                "{url}: {text:?} not in {stderr}"
            );
        }
        assert!(
            !stderr.contains("hunter2"),
            "{url}: password shown: {stderr}"
        );
        assert!(!stderr.contains("relative URL without a base"), "{stderr}");
        assert!(!stderr.contains("pool timed out"), "{stderr}");
        // Five seconds of connecting at most, and the process's own start-up.
        assert!(took < Duration::from_secs(9), "{url}: took {took:?}");
    }
    drop(silent);

    // A bare relative path is a SQLite file, created where the server runs.
    let work = tempfile::tempdir().expect("temp dir");
    let server = Server::start_in(Some(work.path()), "./plain.db", &[]);
    assert!(work.path().join("plain.db").exists());
    assert!(bootstrap_secret(&server.log()).is_some());
    server.stop();
}

#[test]
fn an_in_memory_database_works_for_trying_things_out() {
    let admin = "*:*.memory-admin-0123456789abcdef0123";
    let client = "default:development.memory-client-0123456789abcdef";
    let server = Server::start(
        "sqlite::memory:",
        &[
            ("INIT_ADMIN_API_TOKENS", admin),
            ("INIT_CLIENT_API_TOKENS", client),
        ],
    );
    let features = "/api/admin/projects/default/features";
    let (status, created) = server.call_with(
        reqwest::Method::POST,
        features,
        Some(admin),
        Some(json!({"name": "memory-flag"})),
    );
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, _) = server.call(
        reqwest::Method::POST,
        &format!("{features}/memory-flag/environments/development/on"),
        Some(admin),
    );
    assert_eq!(status, StatusCode::OK);
    let (status, document) =
        server.call(reqwest::Method::GET, "/api/client/features", Some(client));
    assert_eq!(status, StatusCode::OK);
    let flag = &document["features"][0];
    assert_eq!(
        (flag["name"].as_str(), flag["enabled"].as_bool()),
        (Some("memory-flag"), Some(true))
    );
    let (_, events) = server.call(
        reqwest::Method::GET,
        "/api/admin/events/memory-flag",
        Some(admin),
    );
    assert!(
        events["events"].as_array().is_some_and(|e| e.len() >= 2),
        "{events}"
    );
    assert!(server.log().iter().any(|l| l.contains("SQLite in memory")));
    server.stop();
}

#[test]
fn the_log_has_a_line_per_admin_write_and_no_colour_when_piped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let admin = "*:*.log-admin-0123456789abcdef0123456789";
    let client = "default:development.log-client-0123456789abcdef";
    let server = Server::start(
        &sqlite_url(dir.path()),
        &[
            ("INIT_ADMIN_API_TOKENS", admin),
            ("INIT_CLIENT_API_TOKENS", client),
        ],
    );
    let (status, _) = server.call_with(
        reqwest::Method::POST,
        "/api/admin/projects/default/features",
        Some(admin),
        Some(json!({"name": "logged-flag"})),
    );
    assert_eq!(status, StatusCode::CREATED);
    let line = server.wait_for_log("path=/api/admin/projects/default/features");
    for part in [
        "INFO",
        "method=POST",
        "status=201",
        "latency_ms=",
        "token=admin",
    ] {
        assert!(line.contains(part), "{part:?} not in {line}");
    }
    // SDK traffic and admin reads are logged only at debug.
    server.call(reqwest::Method::GET, "/api/client/features", Some(client));
    server.call(reqwest::Method::GET, "/api/admin/projects", Some(admin));
    let log = server.stop();
    assert!(
        !log.iter().any(|l| l.contains("path=/api/client/features")),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains("path=/api/admin/projects ")),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains('\u{1b}')),
        "colour codes in a pipe: {log:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains("0123456789abcdef")),
        "a secret in {log:?}"
    );
}

#[test]
fn json_logs_and_debug_request_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let admin = "*:*.json-admin-0123456789abcdef0123456789";
    let client = "default:development.json-client-0123456789abcdef";
    let server = Server::start(
        &sqlite_url(dir.path()),
        &[
            ("INIT_ADMIN_API_TOKENS", admin),
            ("INIT_CLIENT_API_TOKENS", client),
            ("LOG_FORMAT", "json"),
            ("RUST_LOG", "debug,sqlx=warn,hyper=warn,h2=warn,tower=warn"),
        ],
    );
    let (status, _) = server.call(reqwest::Method::GET, "/api/client/features", Some(client));
    assert_eq!(status, StatusCode::OK);
    server.wait_for_log("/api/client/features");
    let log = server.stop();
    let lines: Vec<Value> = log
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let sdk = lines
        .iter()
        .find(|l| l["fields"]["path"] == "/api/client/features")
        .expect("a request line for the SDK call");
    assert_eq!(sdk["level"], "DEBUG");
    assert_eq!(sdk["fields"]["status"], 200);
    assert_eq!(sdk["fields"]["token"], "backend");
    assert!(lines.iter().any(|l| l["fields"]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("listening on"))));
}

impl Server {
    /// SIGKILL: no shutdown, no flush — a crash.
    fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP receiver on `listener`: answers every request 200 and
/// keeps the bodies.
fn receive_on(listener: TcpListener) -> Arc<Mutex<Vec<String>>> {
    use std::io::{Read, Write};
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let kept = kept.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                loop {
                    let mut length = 0;
                    let mut line = String::new();
                    // The head: request line and headers.
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    kept.lock()
                        .expect("bodies")
                        .push(String::from_utf8_lossy(&body).into_owned());
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                }
            });
        }
    });
    bodies
}

/// A database for the crash test: a fresh SQLite file, or a fresh database
/// on the PostgreSQL server `FLAGSTAFF_TEST_POSTGRES_URL` names (made with psql).
fn crash_database(postgres: bool, dir: &Path) -> Option<String> {
    if !postgres {
        return Some(sqlite_url(dir));
    }
    let Ok(url) = std::env::var("FLAGSTAFF_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").map_or(true, |ci| ci != "true"),
            "CI must run the crash test on PostgreSQL: FLAGSTAFF_TEST_POSTGRES_URL is not set"
        );
        eprintln!("skipped the PostgreSQL crash test: set FLAGSTAFF_TEST_POSTGRES_URL to run it");
        return None;
    };
    let name = format!("flagstaff_test_crash_{}", std::process::id());
    let created = Command::new("psql")
        .args([url.as_str(), "-qc", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql runs");
    assert!(created.success(), "psql could not create {name}");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Some(format!("{base}/{name}"))
}

/// Notifications committed while their receiver is down survive a SIGKILL:
/// after a restart on the same database every one is delivered.
fn notifications_survive_a_crash(postgres: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(database) = crash_database(postgres, dir.path()) else {
        return;
    };
    let admin = "*:*.crash-test-admin";
    let env = [
        ("INIT_ADMIN_API_TOKENS", admin),
        ("INTEGRATIONS_ALLOW_PRIVATE_URLS", "true"),
    ];
    // The receiver's port, with nothing listening yet: every attempt fails.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let server = Server::start(&database, &env);
    let (status, body) = server.call_with(
        reqwest::Method::POST,
        "/api/admin/addons",
        Some(admin),
        Some(json!({"provider": "webhook", "events": ["feature-created"],
            "parameters": {"url": format!("http://127.0.0.1:{port}/hook")}})),
    );
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let names: Vec<String> = (0..5).map(|i| format!("crash-{i}")).collect();
    for name in &names {
        let (status, body) = server.call_with(
            reqwest::Method::POST,
            "/api/admin/projects/default/features",
            Some(admin),
            Some(json!({"name": name})),
        );
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // Let some attempts fail, then crash.
    std::thread::sleep(Duration::from_millis(800));
    server.kill9();

    let bodies = receive_on(TcpListener::bind(("127.0.0.1", port)).expect("the receiver's port"));
    let restarted = Server::start(&database, &env);
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let got = bodies.lock().expect("bodies").clone();
        let delivered: Vec<String> = names
            .iter()
            .filter(|n| {
                got.iter()
                    .any(|b| b.contains(&format!("\"featureName\":\"{n}\"")))
            })
            .cloned()
            .collect();
        if delivered.len() == names.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after the crash only {delivered:?} of {names:?} were delivered"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    restarted.stop();
}

#[test]
fn notifications_survive_kill_9_on_sqlite() {
    notifications_survive_a_crash(false);
}

#[test]
fn notifications_survive_kill_9_on_postgres() {
    notifications_survive_a_crash(true);
}

const CLI_ADMIN: &str = "*:*.cli-admin";
const CLI_CLIENT: &str = "default:production.cli-client";

fn cli_server(dir: &Path) -> Server {
    Server::start(
        &sqlite_url(dir),
        &[
            ("INIT_ADMIN_API_TOKENS", CLI_ADMIN),
            ("INIT_CLIENT_API_TOKENS", CLI_CLIENT),
        ],
    )
}

/// The production client document, without `meta`.
fn production_document(server: &Server) -> Value {
    let (status, mut document) = server.call(
        reqwest::Method::GET,
        "/api/client/features",
        Some(CLI_CLIENT),
    );
    assert_eq!(status, StatusCode::OK, "{document}");
    if let Some(object) = document.as_object_mut() {
        object.remove("meta");
    }
    document
}

/// `flagstaff export`/`import` with `args`; returns its output.
fn transfer(args: &[&str]) -> std::process::Output {
    flagstaff().args(args).output().expect("flagstaff runs")
}

/// `flagstaff export` from one server, `flagstaff import` into another (over
/// HTTP, and with `--database-url` into a database no server has open yet):
/// the client documents are the same; importing flags a project already has
/// is refused until `--overwrite`.
#[test]
fn export_and_import_move_flags_between_servers() {
    let (dir_a, dir_b, dir_c) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let source = cli_server(dir_a.path());
    let target = cli_server(dir_b.path());
    let features = "/api/admin/projects/default/features";
    let admin = |path: String, body: Value| {
        let (status, answer) =
            source.call_with(reqwest::Method::POST, &path, Some(CLI_ADMIN), Some(body));
        assert!(status.is_success(), "{path}: {status} {answer}");
    };
    for name in ["cli-parent", "cli-child"] {
        admin(features.to_owned(), json!({"name": name}));
        admin(
            format!("{features}/{name}/environments/production/strategies"),
            json!({"name": "flexibleRollout",
                   "parameters": {"rollout": "40", "stickiness": "userId", "groupId": name},
                   "constraints": [{"contextName": "appName", "operator": "IN", "values": ["shop"]}]}),
        );
        admin(
            format!("{features}/{name}/environments/production/on"),
            json!({}),
        );
    }
    admin(
        format!("{features}/cli-child/dependencies"),
        json!({"feature": "cli-parent", "enabled": true}),
    );

    let export = transfer(&[
        "export",
        "--url",
        &source.base,
        "--token",
        CLI_ADMIN,
        "--project",
        "default",
        "--environment",
        "production",
    ]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let file = dir_a.path().join("export.json");
    std::fs::write(&file, &export.stdout).expect("write the export");
    let file = file.display().to_string();
    let import = |target_args: &[&str], extra: &[&str]| {
        let mut args = vec!["import"];
        args.extend_from_slice(target_args);
        args.extend_from_slice(&["--project", "default", "--environment", "production"]);
        args.extend_from_slice(extra);
        args.push(&file);
        transfer(&args)
    };
    let over_http = ["--url", target.base.as_str(), "--token", CLI_ADMIN];
    let imported = import(&over_http, &[]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(String::from_utf8_lossy(&imported.stderr).contains("imported 2 flags"));
    assert_eq!(production_document(&source), production_document(&target));

    // Again: the flags exist now, so it is refused until confirmed.
    let again = import(&over_http, &[]);
    assert!(!again.status.success());
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        said.contains("already exist") && said.contains("overwrite"),
        "{said}"
    );
    let confirmed = import(&over_http, &["--overwrite"]);
    assert!(
        confirmed.status.success(),
        "{}",
        String::from_utf8_lossy(&confirmed.stderr)
    );
    assert_eq!(production_document(&source), production_document(&target));

    // The store opened directly: the same operations, no server needed.
    let b_url = sqlite_url(dir_b.path());
    let direct = transfer(&[
        "export",
        "--database-url",
        &b_url,
        "--environment",
        "production",
    ]);
    assert!(
        direct.status.success(),
        "{}",
        String::from_utf8_lossy(&direct.stderr)
    );
    let from_b: Value = serde_json::from_slice(&direct.stdout).expect("export JSON");
    let from_a: Value = serde_json::from_slice(&export.stdout).expect("export JSON");
    assert_eq!(from_b["features"], from_a["features"]);
    assert_eq!(from_b["dependencies"], from_a["dependencies"]);
    let c_url = sqlite_url(dir_c.path());
    // A file over the import cap is refused whole, naming the setting.
    let capped = import(&["--database-url", &c_url], &["--max-import-flags", "1"]);
    assert!(!capped.status.success());
    let said = String::from_utf8_lossy(&capped.stderr);
    assert!(said.contains("MAX_IMPORT_FLAGS"), "{said}");
    let into_c = import(&["--database-url", &c_url], &[]);
    assert!(
        into_c.status.success(),
        "{}",
        String::from_utf8_lossy(&into_c.stderr)
    );
    let third = cli_server(dir_c.path());
    assert_eq!(production_document(&source), production_document(&third));
    third.stop();
    target.stop();
    source.stop();
}
