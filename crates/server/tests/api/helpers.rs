//! What every scenario uses: a fresh database per test (SQLite file,
//! PostgreSQL database, or `sqlite::memory:`), the real server on port 0, and
//! small HTTP helpers.

pub use std::time::Duration;

use flagstaff_server::clock::ManualClock;
use flagstaff_server::ServeArgs;
use reqwest::Client;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use reqwest::{Method, StatusCode};
pub use serde_json::{json, Value};

pub const ADMIN: &str = "*:*.admin-secret-for-tests";

pub const CLIENT_DEV: &str = "*:development.client-secret-dev";

pub const CLIENT_PROD: &str = "default:production.client-secret-prod";

pub const FRONTEND: &str = "default:development.frontend-secret";

/// Where a test's database lives.
#[derive(Clone)]
pub enum Db {
    Sqlite(std::sync::Arc<tempfile::TempDir>),
    Postgres(String),
    /// `sqlite::memory:`: one connection, gone when the server stops.
    Memory,
}

impl Db {
    pub fn sqlite() -> Db {
        Db::Sqlite(std::sync::Arc::new(tempfile::tempdir().expect("temp dir")))
    }

    /// A fresh database on the server named by `FLAGSTAFF_TEST_POSTGRES_URL`.
    pub async fn postgres() -> Option<Db> {
        let url = std::env::var("FLAGSTAFF_TEST_POSTGRES_URL").ok()?;
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(&url)
            .await
            .expect("connect to PostgreSQL");
        let name = format!("flagstaff_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        Some(Db::Postgres(format!("{base}/{name}")))
    }

    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite://{}", dir.path().join("flagstaff.db").display()),
            Db::Postgres(url) => url.clone(),
            Db::Memory => "sqlite::memory:".to_owned(),
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub http: Client,
    pub shutdown: Option<oneshot::Sender<()>>,
    pub server: Option<JoinHandle<()>>,
    pub db: Db,
    /// The server's clock: the system's time until the test moves it
    /// forward ([`TestApp::advance`]).
    pub clock: ManualClock,
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

pub async fn spawn_app_with(db: Db, configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let mut args = ServeArgs::for_database(db.url());
    args.init_admin_api_tokens = vec![ADMIN.to_owned()];
    args.init_client_api_tokens = vec![CLIENT_DEV.to_owned(), CLIENT_PROD.to_owned()];
    args.init_frontend_api_tokens = vec![FRONTEND.to_owned()];
    let clock = ManualClock::new();
    args.clock = clock.clock();
    configure(&mut args);
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        flagstaff_server::serve(&args, listener, async {
            let _ = rx.await;
        })
        .await
        .expect("server runs");
    });
    TestApp {
        base,
        http: Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client"),
        shutdown: Some(tx),
        server: Some(server),
        db,
        clock,
    }
}

impl TestApp {
    /// Moves the server's clock forward: expiries, quotas, backoffs and
    /// pauses see the time `by` later at once.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request is answered");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(method, path, Some(ADMIN), body).await
    }

    pub async fn client_features(&self, token: &str) -> Value {
        let (status, body) = self
            .call(Method::GET, "/api/client/features", Some(token), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn events(&self) -> Value {
        self.admin(Method::GET, "/api/admin/events?limit=1000", None)
            .await
            .1
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) -> Db {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server stops cleanly");
        }
        self.db.clone()
    }
}

pub const F: &str = "/api/admin/projects/default/features";

pub fn flag_in<'a>(document: &'a Value, name: &str) -> Option<&'a Value> {
    document["features"]
        .as_array()?
        .iter()
        .find(|f| f["name"] == name)
}

/// What every SDK-facing view of `app` shows: both environments' client
/// documents (flags and segments) and the frontend API for a few contexts.
pub async fn sdk_views(app: &TestApp) -> Value {
    let mut views = serde_json::Map::new();
    for (label, token) in [("dev", CLIENT_DEV), ("prod", CLIENT_PROD)] {
        let document = app.client_features(token).await;
        views.insert(
            label.to_owned(),
            json!({"features": document["features"], "segments": document["segments"]}),
        );
    }
    for user in ["1", "7", "42", "alice@example.com"] {
        let (_, toggles) = app
            .call(
                Method::POST,
                "/api/frontend",
                Some(FRONTEND),
                Some(json!({"context": {
                    "userId": user, "properties": {"email": user, "region": "eu"}
                }})),
            )
            .await;
        // The order of the list is no contract: an engine updated in place
        // lists new flags last, a fresh one by name.
        let mut toggles = toggles;
        if let Some(list) = toggles["toggles"].as_array_mut() {
            list.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        }
        views.insert(format!("frontend-{user}"), toggles);
    }
    Value::Object(views)
}

/// Compares `app`'s SDK views with those of a server started afresh on `db`.
pub async fn check_against_fresh_start(app: &TestApp, db: &Db, step: &str) {
    let ours = sdk_views(app).await;
    let fresh = spawn_app(db.clone()).await;
    let theirs = sdk_views(&fresh).await;
    fresh.stop().await;
    assert_eq!(ours, theirs, "after {step}");
}

pub async fn all_events(app: &TestApp) -> Vec<Value> {
    app.events().await["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Polls `check` until it holds or five seconds pass.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within 5 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (up to 20 s) until no integration delivery is pending: every
/// notification committed so far was delivered or given up, and recorded, so
/// nothing more arrives until the next change.
pub async fn deliveries_settled(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let response = app
            .http
            .get(format!("{}/metrics", app.base))
            .header("Authorization", ADMIN)
            .send()
            .await
            .expect("scraped");
        let text = response.text().await.expect("text");
        let pending = text
            .lines()
            .find_map(|l| l.strip_prefix("flagstaff_integration_deliveries_pending "))
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        if pending == "0" {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries still pending after 20 s: {pending:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Now, as SDKs write bucket times.
pub fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Creates flags in the default project (metrics count only flags that exist).
pub async fn create_flags(app: &TestApp, names: &[&str]) {
    for name in names {
        let (status, body) = app
            .admin(
                Method::POST,
                "/api/admin/projects/default/features",
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

/// A statement run on the test's database from outside the server.
pub async fn execute_on(db: &Db, statement: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(&db.url())
        .await
        .expect("connect to the test database");
    sqlx::query(statement)
        .execute(&mut connection)
        .await
        .expect(statement);
    let _ = connection.close().await;
}
