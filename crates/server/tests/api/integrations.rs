//! Integrations (Unleash's addons API) delivering to local HTTP receivers:
//! filters, templates, signatures, retries and the delivery log; bad input;
//! internal URLs refused unless allowed.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::helpers::*;

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
    /// What the receiver answered.
    pub status: u16,
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    /// How many requests to answer 500 before answering 200.
    failures_left: Arc<Mutex<usize>>,
}

/// A local HTTP receiver: records every POST; the first `failures` get a 500.
pub struct Receiver {
    pub url: String,
    inbox: Inbox,
}

impl Receiver {
    pub async fn start(failures: usize) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        Self::serve(listener, failures)
    }

    pub fn serve(listener: tokio::net::TcpListener, failures: usize) -> Receiver {
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let inbox = Inbox {
            failures_left: Arc::new(Mutex::new(failures)),
            ..Inbox::default()
        };
        async fn hook(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> AxumStatus {
            let status = {
                let mut left = inbox.failures_left.lock().expect("lock");
                if *left > 0 {
                    *left -= 1;
                    AxumStatus::INTERNAL_SERVER_ERROR
                } else {
                    AxumStatus::OK
                }
            };
            inbox.received.lock().expect("lock").push(Received {
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                status: status.as_u16(),
            });
            status
        }
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(inbox.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, inbox }
    }

    /// From now on answers 500 to everything, or 200 to everything.
    pub fn set_failing(&self, failing: bool) {
        *self.inbox.failures_left.lock().expect("lock") = if failing { usize::MAX } else { 0 };
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().expect("lock").clone()
    }

    /// Waits (up to 20 s) until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} of {n} deliveries arrived: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn signed_by(secret: &str, received: &Received) -> bool {
    let Some(header) = received.headers.get("x-flagstaff-signature") else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(received.body.as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    header.to_str().is_ok_and(|h| h == expected)
}

fn types(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            body["type"]
                .as_str()
                .or(body["e"].as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| r.body.clone())
        })
        .collect()
}

async fn create_addon(app: &TestApp, body: Value) -> Value {
    let (status, created) = app
        .admin(Method::POST, "/api/admin/addons", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

pub async fn integrations_deliver_matching_events(db: Db) {
    let app = spawn_app_with(db, |args| args.integrations_allow_private_urls = true).await;
    let webhook = Receiver::start(0).await;
    let slack = Receiver::start(0).await;
    let teams = Receiver::start(0).await;
    let flaky = Receiver::start(3).await;

    let hook = create_addon(&app, json!({
        "provider": "webhook", "enabled": true, "description": "dev switches",
        "parameters": {"url": webhook.url, "authorization": "Bearer receiver-secret",
            "bodyTemplate": "{\"e\": \"{{event.type}}\", \"f\": \"{{event.featureName}}\", \"by\": \"{{event.createdBy}}\", \"env\": \"{{event.environment}}\"}",
            "customHeaders": "{\"X-Team\": \"checkout\"}"},
        "events": ["feature-environment-enabled", "feature-environment-disabled"],
        "projects": ["default"], "environments": ["development"]
    })).await;
    let slack_addon = create_addon(
        &app,
        json!({
            "provider": "slack", "parameters": {"url": slack.url, "defaultChannel": "#releases"},
            "events": ["feature-created"], "projects": ["*"], "environments": []
        }),
    )
    .await;
    create_addon(
        &app,
        json!({
            "provider": "teams", "parameters": {"url": teams.url},
            "events": ["feature-archived"], "projects": ["default"], "environments": ["*"]
        }),
    )
    .await;
    let retried = create_addon(
        &app,
        json!({
            "provider": "webhook", "parameters": {"url": flaky.url},
            "events": ["feature-created"]
        }),
    )
    .await;
    let secret = hook["signingSecret"]
        .as_str()
        .expect("signing secret shown once");
    assert_eq!(secret.len(), 64);

    // The guide's changes.
    create_flags(&app, &["new-checkout"]).await;
    let flag = format!("{F}/new-checkout");
    let strategy = json!({"name": "flexibleRollout", "constraints": [{"contextName": "environment",
        "operator": "NOT_IN", "values": ["production"]}],
        "parameters": {"rollout": "50", "stickiness": "default", "groupId": "new-checkout"}});
    for path in [
        format!("{flag}/environments/development/strategies"),
        format!("{flag}/environments/production/strategies"),
    ] {
        let (status, body) = app.admin(Method::POST, &path, Some(strategy.clone())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for path in [
        format!("{flag}/environments/development/on"),
        format!("{flag}/environments/production/on"),
        format!("{flag}/environments/development/off"),
    ] {
        let (status, body) = app.admin(Method::POST, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, _) = app.admin(Method::DELETE, &flag, None).await;
    assert!(status.is_success());

    // The webhook: only development on/off in project default, rendered, signed, with its headers.
    let got = webhook.wait_for(2).await;
    assert_eq!(
        got.iter().map(|r| r.body.clone()).collect::<Vec<_>>(),
        vec![
            r#"{"e": "feature-environment-enabled", "f": "new-checkout", "by": "admin", "env": "development"}"#.replace("admin", &got_by(&got[0])),
            r#"{"e": "feature-environment-disabled", "f": "new-checkout", "by": "admin", "env": "development"}"#.replace("admin", &got_by(&got[1])),
        ]
    );
    for r in &got {
        assert!(signed_by(secret, r), "a valid signature");
        assert_eq!(r.headers["authorization"], "Bearer receiver-secret");
        assert_eq!(r.headers["x-team"], "checkout");
        assert_eq!(r.headers["content-type"], "application/json");
    }
    // Slack: the creation, with a link to the flag; Teams: the archive.
    let got = slack.wait_for(1).await;
    let message: Value = serde_json::from_str(&got[0].body).expect("JSON");
    assert_eq!(message["channel"], "#releases");
    let text = message["text"].as_str().expect("text");
    assert!(
        text.contains("new-checkout") && text.contains("/projects/default/features/new-checkout"),
        "{text}"
    );
    assert!(
        !signed_by(secret, &got[0]),
        "each integration signs with its own secret"
    );
    let got = teams.wait_for(1).await;
    let card: Value = serde_json::from_str(&got[0].body).expect("JSON");
    assert_eq!(card["@type"], "MessageCard");
    assert!(
        card["summary"]
            .as_str()
            .is_some_and(|s| s.contains("feature archived")),
        "{card}"
    );
    // The receiver that failed three times got the event on the fourth attempt.
    let got = flaky.wait_for(4).await;
    assert_eq!(types(&got), vec!["feature-created"; 4]);
    // Nothing more than what matched arrives: once every delivery is settled,
    // the receivers have all they will get.
    deliveries_settled(&app).await;
    assert_eq!(webhook.received().len(), 2);
    assert_eq!(slack.received().len(), 1);
    assert_eq!(teams.received().len(), 1);
    assert_eq!(flaky.received().len(), 4);

    // The delivery log: every attempt, newest first.
    let path = format!("/api/admin/addons/{}/events", retried["id"]);
    let mut log = Value::Null;
    for _ in 0..50 {
        log = app.admin(Method::GET, &path, None).await.1;
        if log["integrationEvents"]
            .as_array()
            .is_some_and(|a| a.len() == 4)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let attempts = log["integrationEvents"].as_array().expect("log");
    let states: Vec<&str> = attempts
        .iter()
        .filter_map(|a| a["state"].as_str())
        .collect();
    assert_eq!(
        states,
        vec!["success", "failed", "failed", "failed"],
        "{log}"
    );
    assert_eq!(attempts[3]["details"]["status"], 500);
    assert_eq!(attempts[0]["details"]["attempt"], 4);
    assert_eq!(attempts[0]["event"]["type"], "feature-created");

    // Sensitive parameters are masked; a PUT that sends the mask keeps them.
    let (_, listed) = app.admin(Method::GET, "/api/admin/addons", None).await;
    let shown = listed["addons"]
        .as_array()
        .expect("addons")
        .iter()
        .find(|a| a["id"] == hook["id"])
        .expect("the webhook")
        .clone();
    assert_eq!(shown["parameters"]["url"], "*****");
    assert_eq!(shown["parameters"]["authorization"], "*****");
    assert!(shown.get("signingSecret").is_none());
    assert!(listed["providers"].as_array().is_some_and(|p| p.len() == 4));
    let mut edited = shown.clone();
    edited["events"] = json!(["feature-created"]);
    edited["environments"] = json!([]);
    let (status, body) = app
        .admin(
            Method::PUT,
            &format!("/api/admin/addons/{}", hook["id"]),
            Some(edited),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    create_flags(&app, &["after-the-edit"]).await;
    let got = webhook.wait_for(3).await;
    assert!(got[2].body.contains("after-the-edit") && signed_by(secret, &got[2]));
    assert_eq!(got[2].headers["authorization"], "Bearer receiver-secret");
    let _ = slack_addon;
}

fn got_by(received: &Received) -> String {
    let body: Value = serde_json::from_str(&received.body).unwrap_or(Value::Null);
    body["by"].as_str().unwrap_or_default().to_owned()
}

pub async fn integrations_refuse_bad_input(db: Db) {
    let app = spawn_app(db).await;
    let before = all_events(&app).await.len();
    let bad = [
        json!({"provider": "pager", "parameters": {}, "events": ["feature-created"]}),
        json!({"provider": "webhook", "parameters": {}, "events": ["feature-created"]}),
        json!({"provider": "webhook", "parameters": {"url": "ftp://example.com/x"}, "events": ["feature-created"]}),
        json!({"provider": "webhook", "parameters": {"url": "not a url"}, "events": ["feature-created"]}),
        json!({"provider": "webhook", "parameters": {"url": "https://example.com/x"}, "events": ["no-such-event"]}),
        json!({"provider": "webhook", "parameters": {"url": "https://example.com/x"}, "events": []}),
        json!({"provider": "webhook", "parameters": {"url": "https://example.com/x", "customHeaders": "[1]"}, "events": ["feature-created"]}),
        json!({"provider": "datadog", "parameters": {}, "events": ["feature-created"]}),
        json!({"provider": "webhook", "parameters": {"url": "https://93.184.215.14/x"}, "events": ["feature-created"], "projects": ["nope"]}),
        // Internal addresses (SSRF): refused unless the operator allows them.
        json!({"provider": "webhook", "parameters": {"url": "http://127.0.0.1:9/hook"}, "events": ["feature-created"]}),
        json!({"provider": "slack", "parameters": {"url": "http://localhost:9/hook"}, "events": ["feature-created"]}),
        json!({"provider": "webhook", "parameters": {"url": "http://169.254.169.254/latest"}, "events": ["feature-created"]}),
        json!({"provider": "webhook", "parameters": {"url": "http://10.0.0.1/hook"}, "events": ["feature-created"]}),
    ];
    for body in bad {
        let (status, answer) = app
            .admin(Method::POST, "/api/admin/addons", Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["name"], "BadDataError", "{answer}");
    }
    let (_, listed) = app.admin(Method::GET, "/api/admin/addons", None).await;
    assert_eq!(listed["addons"], json!([]));
    assert_eq!(
        all_events(&app).await.len(),
        before,
        "refused input recorded nothing"
    );
    for (method, path) in [
        (Method::GET, "/api/admin/addons/999"),
        (Method::DELETE, "/api/admin/addons/999"),
        (Method::GET, "/api/admin/addons/999/events"),
    ] {
        let (status, _) = app.admin(method, path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app
        .call(Method::GET, "/api/admin/addons", Some(CLIENT_DEV), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;

    // A host the operator lists may be internal; other internal hosts still may not.
    let listed_app = spawn_app_with(Db::sqlite(), |args| {
        args.integrations_allowed_hosts = vec!["localhost".to_owned()];
    })
    .await;
    let receiver = Receiver::start(0).await;
    let port = receiver.url.rsplit(':').next().expect("port").to_owned();
    let (status, body) = listed_app
        .admin(
            Method::POST,
            "/api/admin/addons",
            Some(json!({
        "provider": "webhook", "parameters": {"url": format!("http://localhost:{port}")},
        "events": ["feature-created"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = listed_app.admin(Method::POST, "/api/admin/addons", Some(json!({
        "provider": "webhook", "parameters": {"url": receiver.url}, "events": ["feature-created"]}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "127.0.0.1 is not listed");
    create_flags(&listed_app, &["to-a-listed-host"]).await;
    receiver.wait_for(1).await;
    listed_app.stop().await;
}

/// Names Unleash still lists and accepts from scripts (`feature-updated`,
/// `feature-variants-updated`, the state import's) are accepted in an
/// integration's events, as Unleash accepts them; nothing is recorded under
/// them, so they match nothing. A name nobody knows is still refused.
pub async fn integrations_accept_legacy_event_names(db: Db) {
    let app = spawn_app_with(db, |args| args.integrations_allow_private_urls = true).await;
    let receiver = Receiver::start(0).await;
    let created = create_addon(
        &app,
        json!({"provider": "webhook", "parameters": {"url": receiver.url},
               "events": ["feature-updated", "feature-created"]}),
    )
    .await;
    assert_eq!(
        created["events"],
        json!(["feature-updated", "feature-created"])
    );
    let path = format!("/api/admin/addons/{}", created["id"]);
    let (status, updated) = app
        .admin(
            Method::PUT,
            &path,
            Some(
                json!({"provider": "webhook", "parameters": {"url": receiver.url},
                        "events": ["feature-updated", "feature-variants-updated",
                                   "feature-created", "drop-features"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let (status, refused) = app
        .admin(
            Method::PUT,
            &path,
            Some(
                json!({"provider": "webhook", "parameters": {"url": receiver.url},
                        "events": ["feature-updatd"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("feature-updatd")),
        "{refused}"
    );

    // A flag created and changed: only feature-created is sent.
    create_flags(&app, &["legacy-watched"]).await;
    let (status, _) = app
        .admin(
            Method::PATCH,
            &format!("{F}/legacy-watched"),
            Some(json!([{"op": "replace", "path": "/description", "value": "changed"}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    deliveries_settled(&app).await;
    let got = receiver.received();
    assert_eq!(types(&got), vec!["feature-created"], "{got:?}");

    // The event search takes the name too (and finds nothing under it).
    let (status, found) = app
        .admin(
            Method::GET,
            "/api/admin/search/events?type=feature-updated",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["total"], 0, "{found}");
    app.stop().await;
}

/// `POST /api/admin/addons/{id}/test`: a test notification reaches the
/// receiver of a disabled integration whose filter does not name it; an
/// unknown integration is a 404 that records nothing.
pub async fn integrations_send_a_test_through_the_api(db: Db) {
    let app = spawn_app_with(db, |args| args.integrations_allow_private_urls = true).await;
    let receiver = Receiver::start(0).await;
    let created = create_addon(
        &app,
        json!({"provider": "webhook", "parameters": {"url": receiver.url},
               "events": ["feature-created"], "enabled": false}),
    )
    .await;
    let before = all_events(&app).await.len();
    let (status, body) = app
        .admin(Method::POST, "/api/admin/addons/424242/test", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("424242")),
        "{body}"
    );
    assert_eq!(
        all_events(&app).await.len(),
        before,
        "a refusal records nothing"
    );

    let (status, body) = app
        .admin(
            Method::POST,
            &format!("/api/admin/addons/{}/test", created["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let got = receiver.wait_for(1).await;
    assert_eq!(types(&got), ["addon-test-sent"]);
    assert!(signed_by(
        created["signingSecret"].as_str().expect("secret"),
        &got[0]
    ));
    let recorded: Vec<Value> = all_events(&app)
        .await
        .into_iter()
        .filter(|e| e["type"] == "addon-test-sent")
        .collect();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["data"]["id"], created["id"]);
    app.stop().await;
}

/// One flag's notifications leave in commit order, even when the first one
/// has to be retried: the later ones wait for it.
pub async fn integration_deliveries_keep_flag_order(db: Db) {
    let app = spawn_app_with(db, |args| args.integrations_allow_private_urls = true).await;
    let receiver = Receiver::start(2).await;
    create_addon(
        &app,
        json!({
            "provider": "webhook",
            "parameters": {"url": receiver.url, "bodyTemplate": "{{event.type}}"},
            "events": ["feature-environment-enabled", "feature-environment-disabled"]
        }),
    )
    .await;
    create_flags(&app, &["ordered"]).await;
    let mut expected = Vec::new();
    for i in 0..6 {
        let verb = if i % 2 == 0 { "on" } else { "off" };
        let (status, body) = app
            .admin(
                Method::POST,
                &format!("{F}/ordered/environments/development/{verb}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        expected.push(if verb == "on" {
            "feature-environment-enabled"
        } else {
            "feature-environment-disabled"
        });
    }
    // Two failed attempts of the first, then the six in order.
    let got = receiver.wait_for(8).await;
    let bodies: Vec<&str> = got.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(&bodies[..2], &[expected[0], expected[0]], "{bodies:?}");
    assert_eq!(&bodies[2..], &expected[..], "commit order: {bodies:?}");
    app.stop().await;
}

/// IPv6 forms that carry an internal IPv4 address (and the reserved ranges)
/// are refused like the IPv4 address itself, with a message that names it.
pub async fn integration_urls_embedding_internal_ipv4_are_refused(db: Db) {
    let app = spawn_app(db).await;
    for (url, named) in [
        (
            "http://[::ffff:127.0.0.1]/hook",
            "IPv4-mapped form of 127.0.0.1",
        ),
        (
            "http://[::127.0.0.1]/hook",
            "IPv4-compatible form of 127.0.0.1",
        ),
        ("http://[64:ff9b::7f00:1]/hook", "NAT64 form of 127.0.0.1"),
        (
            "http://[64:ff9b::a9fe:a9fe]/hook",
            "NAT64 form of 169.254.169.254",
        ),
        (
            "http://[64:ff9b:1::a00:1]/hook",
            "internal address 64:ff9b:1::a00:1",
        ),
        ("http://[2002:7f00:1::]/hook", "6to4 form of 127.0.0.1"),
        (
            "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
            "Teredo form of 127.0.0.1",
        ),
        ("http://198.18.0.1/hook", "internal address 198.18.0.1"),
        ("http://100.64.0.1/hook", "internal address 100.64.0.1"),
        ("http://240.0.0.1/hook", "internal address 240.0.0.1"),
        ("http://[2001:db8::1]/hook", "internal address 2001:db8::1"),
    ] {
        let (status, answer) = app
            .admin(
                Method::POST,
                "/api/admin/addons",
                Some(json!({"provider": "webhook", "parameters": {"url": url},
                    "events": ["feature-created"]})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(named) && message.contains("INTEGRATIONS_ALLOW_PRIVATE_URLS"),
            "{url}: {message}"
        );
    }
    let (_, listed) = app.admin(Method::GET, "/api/admin/addons", None).await;
    assert_eq!(listed["addons"], json!([]));
    app.stop().await;
}

/// A receiver that accepts connections and never answers (until the test ends).
async fn silent_receiver() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (url, task)
}

async fn delivery_state(app: &TestApp, id: &Value) -> Value {
    let (status, view) = app
        .admin(Method::GET, &format!("/api/admin/addons/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view["delivery"].clone()
}

async fn events_of_type(app: &TestApp, event_type: &str) -> Vec<Value> {
    all_events(app)
        .await
        .into_iter()
        .filter(|e| e["type"] == event_type)
        .collect()
}

/// Two integrations whose receivers never answer and one whose receiver
/// answers 500, with a backlog of hundreds of deliveries: a webhook added
/// afterwards still gets its first delivery at once (it used to wait for the
/// backlog: minutes). Deliveries are claimed round-robin between
/// integrations, with a few in flight for each.
pub async fn a_dead_integration_does_not_delay_the_others(db: Db) {
    let app = spawn_app_with(db, |args| args.integrations_allow_private_urls = true).await;
    let (silent_a, silent_a_task) = silent_receiver().await;
    let (silent_b, silent_b_task) = silent_receiver().await;
    let failing = Receiver::start(usize::MAX).await;
    let events = json!(["feature-created", "feature-environment-enabled"]);
    let mut dead = Vec::new();
    for url in [&silent_a, &silent_b, &failing.url] {
        let addon = create_addon(
            &app,
            json!({"provider": "webhook", "parameters": {"url": url}, "events": events}),
        )
        .await;
        dead.push(addon["id"].clone());
    }
    // The backlog: 150 flags created and switched on, 300 deliveries for each.
    let names: Vec<String> = (0..150).map(|i| format!("backlog-{i}")).collect();
    for chunk in names.chunks(25) {
        let app = &app;
        futures_util::future::join_all(
            chunk
                .iter()
                .map(|name| async move { create_flags(app, &[name.as_str()]).await }),
        )
        .await;
    }
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/projects/default/bulk_features/environments/development/on",
            Some(json!({"features": names})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let healthy = Receiver::start(0).await;
    create_addon(
        &app,
        json!({"provider": "webhook",
            "parameters": {"url": healthy.url, "bodyTemplate": "{{event.featureName}}"},
            "events": ["feature-created"]}),
    )
    .await;
    let changed = tokio::time::Instant::now();
    create_flags(&app, &["after-the-backlog"]).await;
    let got = healthy.wait_for(1).await;
    let waited = changed.elapsed();
    assert!(
        waited < Duration::from_secs(1),
        "the healthy webhook waited {waited:?} behind the dead ones"
    );
    assert_eq!(got[0].body, "after-the-backlog");

    // The failing one backs off by itself: paused after 10 failures in a row.
    let failing_id = dead[2].clone();
    let mut state = Value::Null;
    for _ in 0..250 {
        state = delivery_state(&app, &failing_id).await;
        if state["state"] == "paused" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(state["state"], "paused", "{state}");
    assert!(
        failing.received().len() < 40,
        "a few attempts, not the backlog: {}",
        failing.received().len()
    );
    // The silent ones hold at most four requests each.
    for id in &dead[..2] {
        let log = app
            .admin(Method::GET, &format!("/api/admin/addons/{id}/events"), None)
            .await
            .1;
        assert_eq!(log["integrationEvents"], json!([]), "none finished yet");
    }
    silent_a_task.abort();
    silent_b_task.abort();
    app.stop().await;
}

/// After failing several times in a row an integration is paused (an event,
/// and its state in the API) with its deliveries queued; when its target
/// recovers, a probe resumes it once the pause (30 s, by the server's clock)
/// is over (another event) and everything queued arrives.
pub async fn a_failing_integration_is_paused_then_resumed(db: Db) {
    let app = spawn_app_with(db, |args| {
        args.integrations_allow_private_urls = true;
        args.integrations_pause_after_failures = 3;
    })
    .await;
    let receiver = Receiver::start(usize::MAX).await;
    let addon = create_addon(
        &app,
        json!({"provider": "webhook",
            "parameters": {"url": receiver.url, "bodyTemplate": "{{event.featureName}}"},
            "events": ["feature-created"]}),
    )
    .await;
    let id = addon["id"].clone();
    assert_eq!(
        addon["delivery"],
        json!({"state": "ok", "consecutiveFailures": 0, "pausedUntil": null})
    );
    let names = [
        "queued-1", "queued-2", "queued-3", "queued-4", "queued-5", "queued-6",
    ];
    create_flags(&app, &names).await;

    eventually("the integration is paused", || async {
        delivery_state(&app, &id).await["state"] == "paused"
    })
    .await;
    let state = delivery_state(&app, &id).await;
    assert!(state["consecutiveFailures"].as_i64() >= Some(3), "{state}");
    assert!(state["pausedUntil"].is_string(), "{state}");
    let paused = events_of_type(&app, "addon-delivery-paused").await;
    assert_eq!(paused.len(), 1, "{paused:?}");
    assert_eq!(paused[0]["data"]["id"], id);
    assert_eq!(paused[0]["createdBy"], "system");
    assert!(paused[0]["data"]["consecutiveFailures"].as_i64() >= Some(3));
    let (_, listed) = app.admin(Method::GET, "/api/admin/addons", None).await;
    assert_eq!(listed["addons"][0]["delivery"]["state"], "paused");

    // The target recovers: once the pause is over a probe succeeds, the
    // integration resumes, and what was queued is delivered.
    // (The pause is 30 s: without moving the clock past it, nothing would
    // arrive within `eventually`'s 5 s.)
    receiver.set_failing(false);
    app.advance(Duration::from_secs(31));
    eventually("the integration is resumed", || async {
        delivery_state(&app, &id).await
            == json!({"state": "ok", "consecutiveFailures": 0, "pausedUntil": null})
    })
    .await;
    eventually("everything queued is delivered", || async {
        let delivered: std::collections::BTreeSet<String> = receiver
            .received()
            .into_iter()
            .filter(|r| r.status == 200)
            .map(|r| r.body)
            .collect();
        names.iter().all(|n| delivered.contains(*n))
    })
    .await;
    let resumed = events_of_type(&app, "addon-delivery-resumed").await;
    assert_eq!(resumed.len(), 1, "{resumed:?}");
    assert_eq!(resumed[0]["data"]["id"], id);
    assert_eq!(
        events_of_type(&app, "addon-delivery-paused").await.len(),
        1,
        "paused once"
    );
    app.stop().await;
}
