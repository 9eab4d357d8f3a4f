//! Changes pushed to SDKs: the delta API (`GET /api/client/delta`) and the
//! SSE stream (`GET /api/client/streaming`), driven over HTTP as the Node SDK
//! and Unleash Edge drive them.

use std::collections::BTreeMap;

use flagstaff_engine::document::{ClientFeatures, DeltaEvents};

use crate::helpers::*;

/// The client document's flags and segments, in a comparable order.
fn comparable(document: &ClientFeatures) -> (BTreeMap<String, Value>, BTreeMap<i64, Value>) {
    let flags = document
        .features
        .iter()
        .map(|f| (f.name.clone(), serde_json::to_value(f).expect("flag")))
        .collect();
    let segments = document
        .segments
        .iter()
        .map(|s| (s.id, serde_json::to_value(s).expect("segment")))
        .collect();
    (flags, segments)
}

/// What `GET /api/client/features` shows a current SDK with this token and query.
async fn full_document(app: &TestApp, token: &str, query: &str) -> ClientFeatures {
    let response = app
        .http
        .get(format!("{}/api/client/features{query}", app.base))
        .header("Authorization", token)
        .header("Unleash-Client-Spec", "5.2.0")
        .send()
        .await
        .expect("features");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("client document")
}

/// A delta poller as the Node SDK runs one: it keeps the ETag and applies
/// the events it is sent.
struct DeltaClient {
    token: &'static str,
    query: &'static str,
    etag: Option<String>,
    state: ClientFeatures,
    /// Answers that were a hydration, and answers that were deltas.
    hydrations: usize,
    deltas: usize,
}

impl DeltaClient {
    fn new(token: &'static str, query: &'static str) -> DeltaClient {
        DeltaClient {
            token,
            query,
            etag: None,
            state: ClientFeatures::default(),
            hydrations: 0,
            deltas: 0,
        }
    }

    /// Polls once; the status it got.
    async fn poll(&mut self, app: &TestApp) -> StatusCode {
        let mut request = app
            .http
            .get(format!("{}/api/client/delta{}", app.base, self.query))
            .header("Authorization", self.token)
            .header("Unleash-Client-Spec", "5.2.0");
        if let Some(etag) = &self.etag {
            request = request.header("If-None-Match", etag);
        }
        let response = request.send().await.expect("delta");
        let status = response.status();
        if status == StatusCode::OK {
            self.etag = response
                .headers()
                .get("etag")
                .map(|v| v.to_str().expect("etag").to_owned());
            let events: DeltaEvents = response.json().await.expect("delta events");
            match events.events.first() {
                Some(flagstaff_engine::document::DeltaEvent::Hydration { .. }) => {
                    self.hydrations += 1
                }
                _ => self.deltas += 1,
            }
            for event in events.events {
                self.state.apply_delta(event);
            }
        }
        status
    }

    async fn assert_current(&mut self, app: &TestApp, step: &str) {
        self.poll(app).await;
        let expected = full_document(app, self.token, self.query).await;
        assert_eq!(
            comparable(&self.state),
            comparable(&expected),
            "{step}: a delta client of {} {} differs from the full document",
            self.token,
            self.query
        );
        assert_eq!(
            self.poll(app).await,
            StatusCode::NOT_MODIFIED,
            "{step}: an up-to-date client gets 304"
        );
    }
}

/// A small deterministic random sequence (xorshift), so a failure replays.
struct Sequence(u64);

impl Sequence {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const NAMES: [&str; 6] = [
    "alpha-one",
    "alpha-two",
    "beta-one",
    "beta-two",
    "gamma",
    "alphabet",
];

/// One random admin change; refused ones (a flag that does not exist yet) are
/// part of the story too — they must change nothing.
async fn random_change(app: &TestApp, random: &mut Sequence, segment: i64) {
    let name = NAMES[random.below(NAMES.len())];
    let project = if random.below(3) == 0 {
        "other"
    } else {
        "default"
    };
    let environment = if random.below(4) == 0 {
        "production"
    } else {
        "development"
    };
    let flag = format!("/api/admin/projects/{project}/features/{name}");
    let (method, path, body) = match random.below(9) {
        0 | 1 => (
            Method::POST,
            format!("/api/admin/projects/{project}/features"),
            Some(json!({"name": name})),
        ),
        2 => (
            Method::POST,
            format!("{flag}/environments/{environment}/on"),
            None,
        ),
        3 => (
            Method::POST,
            format!("{flag}/environments/{environment}/off"),
            None,
        ),
        4 => (
            Method::POST,
            format!("{flag}/environments/{environment}/strategies"),
            Some(json!({
                "name": "flexibleRollout",
                "parameters": {"rollout": format!("{}", random.below(101)), "stickiness": "default",
                               "groupId": name},
                "segments": if random.below(2) == 0 { vec![segment] } else { vec![] },
            })),
        ),
        5 => (
            Method::PUT,
            format!("{flag}/environments/{environment}/variants"),
            Some(
                json!([{"name": format!("v{}", random.below(5)), "weightType": "variable",
                         "weight": 1000, "stickiness": "default"}]),
            ),
        ),
        6 => (Method::DELETE, flag.clone(), None), // archive
        7 => (
            Method::POST,
            format!("/api/admin/archive/revive/{name}"),
            None,
        ),
        _ => (
            Method::PUT,
            format!("/api/admin/segments/{segment}"),
            Some(
                json!({"name": "testers", "constraints": [{"contextName": "userId",
                "operator": "IN", "values": [format!("user-{}", random.below(100))]}]}),
            ),
        ),
    };
    let (status, answer) = app.admin(method, &path, body).await;
    assert!(
        status.is_success() || status.is_client_error(),
        "{path}: {status} {answer}"
    );
}

/// Every sequence of changes, applied by a client from the deltas it polls at
/// random moments, ends in exactly the full document (for every filter).
pub async fn delta_polling_matches_full_documents(db: Db) {
    let app = spawn_app(db).await;
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "other", "name": "Other"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "testers", "constraints": []})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{segment}");
    let segment = segment["id"].as_i64().expect("segment id");
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(
                json!({"tokenName": "scoped", "type": "client", "environment": "development",
                        "projects": ["other"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let scoped: &'static str = Box::leak(
        body["secret"]
            .as_str()
            .expect("secret")
            .to_owned()
            .into_boxed_str(),
    );

    for seed in [7_u64, 1_234_567, 987_654_321] {
        let mut random = Sequence(seed);
        let mut clients = [
            DeltaClient::new(CLIENT_DEV, ""),
            DeltaClient::new(CLIENT_DEV, "?namePrefix=alpha"),
            DeltaClient::new(CLIENT_DEV, "?project=default"),
            DeltaClient::new(scoped, ""),
            DeltaClient::new(CLIENT_PROD, ""),
        ];
        for step in 0..60 {
            random_change(&app, &mut random, segment).await;
            for client in clients.iter_mut() {
                if random.below(3) == 0 {
                    client.poll(&app).await;
                }
            }
            if step % 20 == 19 {
                for client in clients.iter_mut() {
                    client
                        .assert_current(&app, &format!("seed {seed}, step {step}"))
                        .await;
                }
            }
        }
        for client in &clients {
            assert_eq!(
                client.hydrations, 1,
                "{} {}: one hydration, then deltas ({} of them)",
                client.token, client.query, client.deltas
            );
            assert!(client.deltas > 2, "{}", client.deltas);
        }
    }

    // Not a revision, or one from before the history: a hydration, never an error.
    for etag in ["\"not-a-revision\"", "-5", "\"0\""] {
        let response = app
            .http
            .get(format!("{}/api/client/delta", app.base))
            .header("Authorization", CLIENT_DEV)
            .header("If-None-Match", etag)
            .send()
            .await
            .expect("delta");
        assert_eq!(response.status(), StatusCode::OK, "{etag}");
        let events: Value = response.json().await.expect("events");
        assert_eq!(events["events"][0]["type"], "hydration", "{etag}");
        assert_eq!(events["events"].as_array().map(Vec::len), Some(1));
    }
    // Tokens of the wrong kind, as on /api/client/features.
    for (token, expected) in [
        (Some(FRONTEND), StatusCode::FORBIDDEN),
        (Some(ADMIN), StatusCode::FORBIDDEN),
        (Some("*:development.wrong"), StatusCode::UNAUTHORIZED),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        for path in ["/api/client/delta", "/api/client/streaming"] {
            let (status, body) = app.call(Method::GET, path, token, None).await;
            assert_eq!(status, expected, "{path} with {token:?}: {body}");
            assert!(body["message"].is_string(), "{body}");
        }
    }
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub event: String,
    pub id: Option<i64>,
    pub data: Value,
}

/// A stream as an SDK reads it: server-sent events parsed from the chunks.
pub struct SseReader {
    response: reqwest::Response,
    buffer: String,
    pub comments: usize,
}

impl SseReader {
    pub async fn open(base: &str, token: &str, last_event_id: Option<i64>) -> SseReader {
        let client = reqwest::Client::new();
        let mut request = client
            .get(format!("{base}/api/client/streaming"))
            .header("Authorization", token)
            .header("Unleash-Client-Spec", "5.2.0");
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.expect("stream opens");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "SSE content type"
        );
        SseReader {
            response,
            buffer: String::new(),
            comments: 0,
        }
    }

    /// The next event, or `None` when the server ended the stream (or 10 s passed).
    pub async fn next(&mut self) -> Option<Sse> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let mut event = Sse {
                    event: "message".to_owned(),
                    id: None,
                    data: Value::Null,
                };
                let mut data = String::new();
                for line in frame.lines() {
                    if line.starts_with(':') {
                        self.comments += 1;
                    } else if let Some(value) = line.strip_prefix("event: ") {
                        event.event = value.to_owned();
                    } else if let Some(value) = line.strip_prefix("id: ") {
                        event.id = value.parse().ok();
                    } else if let Some(value) = line.strip_prefix("data: ") {
                        data.push_str(value);
                    }
                }
                if !data.is_empty() {
                    event.data = serde_json::from_str(&data).expect("event data is JSON");
                    return Some(event);
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .ok()?
                .ok()??;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }
}

impl SseReader {
    /// Reads for `time` without expecting an event; false if the stream ended.
    pub async fn stay(&mut self, time: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + time;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return true,
                Ok(Ok(Some(chunk))) => {
                    self.buffer
                        .push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
                    while let Some(end) = self.buffer.find("\n\n") {
                        let frame: String = self.buffer.drain(..end + 2).collect();
                        assert!(frame.starts_with(':'), "an event while idle: {frame}");
                        self.comments += 1;
                    }
                }
                Ok(_) => return false,
            }
        }
    }
}

/// A quiet stream is sent keep-alive comments often enough that the idle
/// timeout (here 2 s) never closes it.
pub async fn quiet_streams_are_kept_alive(db: Db) {
    let app = spawn_app_with(db, |args| args.header_timeout = 2).await;
    let mut stream = SseReader::open(&app.base, CLIENT_DEV, None).await;
    stream.next().await.expect("connected");
    assert!(
        stream.stay(Duration::from_millis(4_500)).await,
        "the quiet stream stayed open past twice the idle timeout"
    );
    assert!(stream.comments >= 3, "{} keep-alives", stream.comments);
    create_flags(&app, &["still-listening"]).await;
    let event = stream.next().await.expect("an event after the quiet time");
    assert_eq!(
        event.data["events"][0]["feature"]["name"],
        "still-listening"
    );
    drop(stream);
    app.stop().await;
}

/// Applies a stream event's delta events to `state`.
pub fn apply(state: &mut ClientFeatures, event: &Sse) {
    let events: DeltaEvents = serde_json::from_value(event.data.clone()).expect("delta events");
    for e in events.events {
        state.apply_delta(e);
    }
}

/// A change made through the admin API arrives on open streams as one event
/// with its delta; `Last-Event-ID` resumes; revoked tokens' streams close;
/// a token's streams are bounded.
pub async fn streams_push_changes(db: Db) {
    let app = spawn_app_with(db, |args| args.max_streams_per_token = 3).await;
    create_flags(&app, &["streamed"]).await;
    let mut stream = SseReader::open(&app.base, CLIENT_DEV, None).await;
    let connected = stream.next().await.expect("unleash-connected");
    assert_eq!(connected.event, "unleash-connected");
    assert_eq!(connected.data["events"][0]["type"], "hydration");
    let mut state = ClientFeatures::default();
    apply(&mut state, &connected);
    assert!(state.features.iter().any(|f| f.name == "streamed"));

    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/streamed/environments/development/on"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let updated = stream.next().await.expect("unleash-updated");
    assert_eq!(updated.event, "unleash-updated");
    let events = updated.data["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "feature-updated");
    assert_eq!(events[0]["feature"]["name"], "streamed");
    assert_eq!(events[0]["feature"]["enabled"], true);
    apply(&mut state, &updated);
    let id = updated.id.expect("id");
    assert!(id > connected.id.expect("id"));

    // A change in another environment is not sent to this one.
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/streamed/environments/production/on"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Resume from the last id: only what changed since, as the connected event.
    drop(stream);
    create_flags(&app, &["after-the-drop"]).await;
    let mut resumed = SseReader::open(&app.base, CLIENT_DEV, Some(id)).await;
    let connected = resumed.next().await.expect("resumed");
    assert_eq!(connected.event, "unleash-connected");
    let events = connected.data["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "only the change since {id}: {events:?}");
    assert_eq!(events[0]["feature"]["name"], "after-the-drop");
    apply(&mut state, &connected);
    assert_eq!(
        comparable(&state),
        comparable(&full_document(&app, CLIENT_DEV, "").await)
    );
    // A Last-Event-ID that is not a revision: a hydration.
    let response = reqwest::Client::new()
        .get(format!("{}/api/client/streaming", app.base))
        .header("Authorization", CLIENT_DEV)
        .header("Last-Event-ID", "garbage")
        .send()
        .await
        .expect("stream");
    let mut garbage = SseReader {
        response,
        buffer: String::new(),
        comments: 0,
    };
    let first = garbage.next().await.expect("event");
    assert_eq!(first.data["events"][0]["type"], "hydration");

    drop(garbage);

    // A token's streams are bounded (3 here); a closed one frees its place.
    let (status, created) = app
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(json!({"tokenName": "limited", "type": "client", "environment": "development"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let limited = created["secret"].as_str().expect("secret").to_owned();
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(SseReader::open(&app.base, &limited, None).await);
    }
    let (status, body) = app
        .call(Method::GET, "/api/client/streaming", Some(&limited), None)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["name"], "RateLimitError", "{body}");
    open.pop();
    let mut round = 0;
    eventually("a closed stream frees its place", || {
        round += 1;
        let (app, limited) = (&app, &limited);
        async move {
            // The server learns that a client went away when it writes to it.
            create_flags(app, &[&format!("nudge-{round}")]).await;
            let response = reqwest::Client::new()
                .get(format!("{}/api/client/streaming", app.base))
                .header("Authorization", limited)
                .send()
                .await
                .expect("stream");
            response.status() == StatusCode::OK
        }
    })
    .await;
    drop(open);

    // A revoked token's streams are closed.
    let (status, created) = app
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(json!({"tokenName": "to-revoke", "type": "client", "environment": "development"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().expect("secret");
    let mut doomed = SseReader::open(&app.base, secret, None).await;
    assert!(doomed.next().await.is_some());
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!(
                "/api/admin/api-tokens/{}",
                created["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    assert!(status.is_success());
    assert!(
        doomed.next().await.is_none(),
        "the stream of a revoked token ends"
    );
    drop(resumed);
    app.stop().await;
}

/// A consumer that stops reading holds nothing on the server but its place:
/// when it reads again it gets fewer, larger events (or a hydration), never a
/// backlog of every change, and ends in the full document.
pub async fn slow_streams_are_bounded(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["heavy"]).await;
    let payload = "x".repeat(400_000);
    let mut stream = SseReader::open(&app.base, CLIENT_DEV, None).await;
    let mut state = ClientFeatures::default();
    apply(&mut state, &stream.next().await.expect("connected"));
    // 60 changes of 400 KB each while nobody reads: 24 MB, more than loopback buffers hold.
    let changes = 60;
    for i in 0..changes {
        let (status, body) = app
            .admin(
                Method::PUT,
                &format!("{F}/heavy/environments/development/variants"),
                Some(
                    json!([{"name": format!("v{i}"), "weightType": "variable", "weight": 1000,
                    "stickiness": "default", "payload": {"type": "string", "value": payload}}]),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let expected = comparable(&full_document(&app, CLIENT_DEV, "").await);
    let mut received = 0;
    while comparable(&state) != expected {
        let event = stream.next().await.expect("the stream catches up");
        apply(&mut state, &event);
        received += 1;
    }
    assert!(
        received < changes,
        "{received} events for {changes} changes: the server queued every change"
    );
    app.stop().await;
}

/// Two replicas on one database: a change through A reaches B's streams; when
/// B stops, its clients reconnect to A with their last id and converge.
pub async fn streams_follow_replicas(db: Db) {
    let a = spawn_app(db.clone()).await;
    assert_eq!(
        a.call(Method::GET, "/health", None, None).await.0,
        StatusCode::OK
    );
    let b = spawn_app(db.clone()).await;
    let mut on_b = SseReader::open(&b.base, CLIENT_DEV, None).await;
    let mut state = ClientFeatures::default();
    apply(&mut state, &on_b.next().await.expect("connected"));
    create_flags(&a, &["from-a"]).await;
    let event = on_b.next().await.expect("A's change on B's stream");
    assert_eq!(event.data["events"][0]["feature"]["name"], "from-a");
    apply(&mut state, &event);
    let last = event.id.expect("id");

    let b_base = b.base.clone();
    b.stop().await;
    assert!(on_b.next().await.is_none(), "B's streams end when B stops");
    assert!(reqwest::get(format!("{b_base}/health")).await.is_err());
    create_flags(&a, &["while-b-was-down"]).await;
    let mut on_a = SseReader::open(&a.base, CLIENT_DEV, Some(last)).await;
    apply(&mut state, &on_a.next().await.expect("resumed on A"));
    assert_eq!(
        comparable(&state),
        comparable(&full_document(&a, CLIENT_DEV, "").await)
    );
    a.stop().await;
}
