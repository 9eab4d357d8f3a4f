//! Black-box tests: the real server on a random port, driven over HTTP the way
//! users and SDKs drive it. Every test runs on SQLite (a fresh file) and, when
//! `FLAGSTAFF_TEST_POSTGRES_URL` names a PostgreSQL server, on a fresh
//! PostgreSQL database too; without it the PostgreSQL half says it skipped.

use std::time::Duration;

use flagstaff_server::ServeArgs;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const ADMIN: &str = "*:*.admin-secret-for-tests";
const CLIENT_DEV: &str = "*:development.client-secret-dev";
const CLIENT_PROD: &str = "default:production.client-secret-prod";
const FRONTEND: &str = "default:development.frontend-secret";

/// Where a test's database lives.
#[derive(Clone)]
enum Db {
    Sqlite(std::sync::Arc<tempfile::TempDir>),
    Postgres(String),
    /// `sqlite::memory:`: one connection, gone when the server stops.
    Memory,
}

impl Db {
    fn sqlite() -> Db {
        Db::Sqlite(std::sync::Arc::new(tempfile::tempdir().expect("temp dir")))
    }

    /// A fresh database on the server named by `FLAGSTAFF_TEST_POSTGRES_URL`.
    async fn postgres() -> Option<Db> {
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

    fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite://{}", dir.path().join("flagstaff.db").display()),
            Db::Postgres(url) => url.clone(),
            Db::Memory => "sqlite::memory:".to_owned(),
        }
    }
}

struct TestApp {
    base: String,
    http: Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    db: Db,
}

async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

async fn spawn_app_with(db: Db, configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let mut args = ServeArgs::for_database(db.url());
    args.init_admin_api_tokens = vec![ADMIN.to_owned()];
    args.init_client_api_tokens = vec![CLIENT_DEV.to_owned(), CLIENT_PROD.to_owned()];
    args.init_frontend_api_tokens = vec![FRONTEND.to_owned()];
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
    }
}

impl TestApp {
    async fn call(
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

    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call(method, path, Some(ADMIN), body).await
    }

    async fn client_features(&self, token: &str) -> Value {
        let (status, body) = self
            .call(Method::GET, "/api/client/features", Some(token), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn events(&self) -> Value {
        self.admin(Method::GET, "/api/admin/events?limit=1000", None)
            .await
            .1
    }

    /// Stops the server gracefully and waits for it.
    async fn stop(mut self) -> Db {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server stops cleanly");
        }
        self.db.clone()
    }
}

const F: &str = "/api/admin/projects/default/features";

fn flag_in<'a>(document: &'a Value, name: &str) -> Option<&'a Value> {
    document["features"]
        .as_array()?
        .iter()
        .find(|f| f["name"] == name)
}

/// The calls of the Unleash guide, with its bodies, in its order.
async fn guide_flow(db: Db) {
    let app = spawn_app(db).await;
    let (status, created) = app
        .admin(
            Method::POST,
            F,
            Some(json!({"name": "delete_survey_flag", "description": "Delete surveys"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "delete_survey_flag");
    assert_eq!(created["type"], "release");

    let strategies = format!("{F}/delete_survey_flag/environments/development/strategies");
    let (status, strategy) = app
        .admin(Method::POST, &strategies, Some(json!({
            "name": "flexibleRollout", "disabled": false, "constraints": [], "variants": [],
            "parameters": {"groupId": "delete_survey_flag", "rollout": "50", "stickiness": "sessionId"},
            "segments": []
        })))
        .await;
    assert_eq!(status, StatusCode::OK, "{strategy}");
    let id = strategy["id"].as_str().expect("strategy id").to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok());

    let (status, updated) = app
        .admin(Method::PUT, &format!("{strategies}/{id}"), Some(json!({
            "name": "flexibleRollout", "disabled": false,
            "constraints": [{"values": ["production"], "inverted": false, "operator": "NOT_IN",
                             "contextName": "environment", "caseInsensitive": false}],
            "variants": [],
            "parameters": {"groupId": "delete_survey_flag", "rollout": "50", "stickiness": "sessionId"},
            "segments": []
        })))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["constraints"][0]["operator"], "NOT_IN");

    let variants = format!("{F}/delete_survey_flag/environments/development/variants");
    let (status, _) = app
        .admin(
            Method::PUT,
            &variants,
            Some(json!([
                {"name": "a", "weightType": "variable", "weight": 0, "stickiness": "default"},
                {"name": "b", "weightType": "variable", "weight": 0, "stickiness": "default",
                 "payload": {"type": "json", "value": "{\"retention\": 30}"}}
            ])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, patched) = app
        .admin(
            Method::PATCH,
            &variants,
            Some(json!([
                {"op": "replace", "path": "/1/name", "value": "permanently_delete_surveys"},
                {"op": "replace", "path": "/0/name", "value": "store_deleted_surveys"}
            ])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let names: Vec<&str> = patched["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["permanently_delete_surveys", "store_deleted_surveys"]
    );
    assert!(patched["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .all(|v| v["weight"] == 500));

    let (status, meta) = app
        .admin(
            Method::PATCH,
            &format!("{F}/delete_survey_flag"),
            Some(json!([{"op": "replace", "path": "/impressionData", "value": true}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{meta}");
    assert_eq!(meta["impressionData"], true);

    // Not on yet: the client sees it off; then switched on, it sees the rollout.
    let flag = app.client_features(CLIENT_DEV).await;
    assert_eq!(
        flag_in(&flag, "delete_survey_flag").expect("flag served")["enabled"],
        false
    );
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{F}/delete_survey_flag/environments/development/on"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let served = app.client_features(CLIENT_DEV).await;
    let flag = flag_in(&served, "delete_survey_flag").expect("flag served");
    assert_eq!(flag["enabled"], true);
    assert_eq!(flag["impressionData"], true);
    assert_eq!(
        flag["strategies"].as_array().expect("strategies").len(),
        1,
        "no default strategy added: one exists"
    );
    assert_eq!(
        flag["strategies"][0]["parameters"]["stickiness"],
        "sessionId"
    );
    assert_eq!(flag["variants"].as_array().expect("variants").len(), 2);
    // The production token sees the production row, still off.
    let production = app.client_features(CLIENT_PROD).await;
    assert_eq!(
        flag_in(&production, "delete_survey_flag").expect("flag")["enabled"],
        false
    );

    let (status, put) = app
        .admin(
            Method::PUT,
            &format!("{F}/delete_survey_flag"),
            Some(json!({
                "description": "Controls disabling of the comments section in case of an incident",
                "type": "kill-switch", "stale": true, "archived": true, "impressionData": false
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["type"], "kill-switch");
    assert_eq!(put["stale"], true);
    assert_eq!(put["archived"], false, "PUT does not archive");

    let (status, log) = app
        .admin(Method::GET, "/api/admin/events/delete_survey_flag", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let types: Vec<&str> = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    for expected in [
        "feature-created",
        "feature-strategy-add",
        "feature-strategy-update",
        "feature-environment-variants-updated",
        "feature-metadata-updated",
        "feature-environment-enabled",
        "feature-stale-on",
    ] {
        assert!(
            types.contains(&expected),
            "{expected} missing from {types:?}"
        );
    }
    let update = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == "feature-strategy-update")
        .expect("update event");
    assert_eq!(update["preData"]["constraints"], json!([]));
    assert_eq!(
        update["data"]["constraints"][0]["values"],
        json!(["production"])
    );
    assert_eq!(update["createdBy"], "admin");
    assert_eq!(update["environment"], "development");

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("{F}/delete_survey_flag"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(flag_in(&app.client_features(CLIENT_DEV).await, "delete_survey_flag").is_none());
    let (status, _) = app
        .admin(Method::GET, &format!("{F}/delete_survey_flag"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, archived) = app
        .admin(Method::GET, "/api/admin/archive/features", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(flag_in(&archived, "delete_survey_flag").is_some());
    app.stop().await;
}

/// Each route group against each token kind.
async fn tokens_guard_every_route(db: Db) {
    let app = spawn_app(db).await;
    let admin_route = (Method::GET, F.to_owned());
    let client_route = (Method::GET, "/api/client/features".to_owned());
    for (method, path) in [
        admin_route.clone(),
        (Method::GET, "/api/admin/events".to_owned()),
    ] {
        let (status, body) = app.call(method.clone(), &path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["name"], "AuthenticationRequired");
        assert!(!body.to_string().contains("/auth/simple/login"), "{body}");
        let (status, body) = app
            .call(method.clone(), &path, Some("*:*.unknown"), None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(body["id"].is_string() && body["message"].is_string());
        for token in [CLIENT_DEV, FRONTEND] {
            let (status, body) = app.call(method.clone(), &path, Some(token), None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} with {token}");
            assert_eq!(body["name"], "PermissionError");
        }
        let (status, _) = app
            .call(
                method.clone(),
                &path,
                Some(&format!("Bearer {ADMIN}")),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: Bearer prefix accepted");
    }
    let (method, path) = client_route;
    let (status, body) = app.call(method.clone(), &path, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"message": "This endpoint requires an API token. Please add an authorization header to your request with a valid token"})
    );
    for token in [ADMIN, FRONTEND] {
        let (status, body) = app.call(method.clone(), &path, Some(token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            body,
            json!({"message": "invalid token: expected a different token type for this endpoint"})
        );
    }

    // A created token works at once; a deleted one stops at once.
    let (status, created) = app
        .admin(Method::POST, "/api/admin/api-tokens",
               Some(json!({"tokenName": "svc", "type": "client", "environment": "development", "projects": ["default"]})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"]
        .as_str()
        .expect("secret shown once")
        .to_owned();
    assert!(secret.starts_with("default:development."));
    app.client_features(&secret).await;
    let (status, listed) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !listed.to_string().contains(&secret),
        "secrets are never listed"
    );
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/admin/api-tokens/{secret}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(Method::GET, "/api/client/features", Some(&secret), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revocation is immediate");
    app.stop().await;
}

/// Tokens have public ids and non-secret prefixes; DELETE takes the id (or
/// the secret, as Unleash); a deleted token stops working at once.
async fn tokens_by_id(db: Db) {
    let app = spawn_app(db).await;
    let mut secrets = Vec::new();
    for name in ["svc-a", "svc-b"] {
        let (status, created) = app
            .admin(Method::POST, "/api/admin/api-tokens",
                   Some(json!({"tokenName": name, "type": "backend", "environment": "development", "projects": ["default"]})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let secret = created["secret"].as_str().expect("secret").to_owned();
        assert!(created["id"].is_string(), "{created}");
        assert_eq!(
            created["secretPrefix"].as_str(),
            Some(&secret[.."default:development.".len() + 4])
        );
        secrets.push((created["id"].as_str().expect("id").to_owned(), secret));
    }
    let (_, listed) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    let tokens = listed["tokens"].as_array().expect("tokens").clone();
    // The three INIT_* kinds, the admin one, and the two made here: ids all different.
    let mut ids: Vec<&str> = tokens
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), tokens.len(), "{listed}");
    for (_, secret) in &secrets {
        assert!(
            !listed.to_string().contains(&secret[24..]),
            "secrets are never listed"
        );
    }
    let names: Vec<&str> = tokens
        .iter()
        .map(|t| t["tokenName"].as_str().expect("name"))
        .collect();
    assert!(
        names.contains(&"admin") && names.contains(&"backend") && names.contains(&"frontend"),
        "{names:?}"
    );

    // Delete by id: that token stops, the other goes on.
    let (first_id, first_secret) = &secrets[0];
    let (second_id, second_secret) = &secrets[1];
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/api-tokens/{first_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(
            Method::GET,
            "/api/client/features",
            Some(first_secret),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "revocation by id is immediate"
    );
    app.client_features(second_secret).await;
    let (status, body) = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/api-tokens/{first_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["name"], "NotFoundError");
    // By secret still works; the event names the token by id, never by secret.
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/api-tokens/{second_secret}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(
            Method::GET,
            "/api/client/features",
            Some(second_secret),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let events = app.events().await;
    let deleted: Vec<&Value> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "api-token-deleted")
        .collect();
    assert_eq!(deleted.len(), 2, "{events}");
    assert!(deleted
        .iter()
        .any(|e| e["preData"]["id"] == second_id.as_str()));
    assert!(!events.to_string().contains(&second_secret[24..]));
    app.stop().await;
}

/// Concurrent read-modify-write requests never lose one another: each is
/// decided inside the write transaction.
async fn concurrent_writes_lose_nothing(db: Db) {
    let app = std::sync::Arc::new(spawn_app(db).await);
    let (status, _) = app
        .admin(Method::POST, F, Some(json!({"name": "contended"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let variants = format!("{F}/contended/environments/development/variants");

    // 32 JSON-Patch appends to one flag's variants.
    let appends: Vec<_> = (0..32)
        .map(|i| {
            let app = app.clone();
            let variants = variants.clone();
            tokio::spawn(async move {
                app.admin(Method::PATCH, &variants, Some(json!([
                    {"op": "add", "path": "/-", "value": {"name": format!("v{i:02}"), "weightType": "variable", "weight": 0, "stickiness": "default"}}
                ])))
                .await
            })
        })
        .collect();
    for append in appends {
        let (status, body) = append.await.expect("task");
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, stored) = app.admin(Method::GET, &variants, None).await;
    assert_eq!(
        stored["variants"].as_array().map(Vec::len),
        Some(32),
        "{stored}"
    );
    // One event per change, each made on top of the one before.
    let (_, events) = app
        .admin(Method::GET, "/api/admin/events/contended", None)
        .await;
    let mut changes: Vec<(i64, usize, usize)> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "feature-environment-variants-updated")
        .map(|e| {
            (
                e["id"].as_i64().expect("id"),
                e["preData"].as_array().map_or(0, Vec::len),
                e["data"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    changes.sort_unstable();
    assert_eq!(changes.len(), 32);
    for (k, (_, before, after)) in changes.iter().enumerate() {
        assert_eq!((*before, *after), (k, k + 1), "change {k}: {changes:?}");
    }

    // 16 constraint appends to one strategy, by JSON Patch.
    let strategies = format!("{F}/contended/environments/production/strategies");
    let (_, strategy) = app
        .admin(
            Method::POST,
            &strategies,
            Some(json!({"name": "flexibleRollout", "parameters": {"rollout": "50"}})),
        )
        .await;
    let strategy_path = format!("{strategies}/{}", strategy["id"].as_str().expect("id"));
    let patches: Vec<_> = (0..16)
        .map(|i| {
            let app = app.clone();
            let path = strategy_path.clone();
            tokio::spawn(async move {
                app.admin(Method::PATCH, &path, Some(json!([
                    {"op": "add", "path": "/constraints/-", "value": {"contextName": "userId", "operator": "IN", "values": [format!("u{i}")]}}
                ])))
                .await
            })
        })
        .collect();
    for patch in patches {
        let (status, body) = patch.await.expect("task");
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, stored) = app.admin(Method::GET, &strategy_path, None).await;
    assert_eq!(
        stored["constraints"].as_array().map(Vec::len),
        Some(16),
        "{stored}"
    );

    // 16 racing "on": one default strategy, one enabled event.
    let on = format!("{F}/contended/environments/development/on");
    let racing: Vec<_> = (0..16)
        .map(|_| {
            let app = app.clone();
            let on = on.clone();
            tokio::spawn(async move { app.admin(Method::POST, &on, None).await.0 })
        })
        .collect();
    for r in racing {
        assert_eq!(r.await.expect("task"), StatusCode::OK);
    }
    let (_, development) = app
        .admin(
            Method::GET,
            &format!("{F}/contended/environments/development/strategies"),
            None,
        )
        .await;
    assert_eq!(
        development.as_array().map(Vec::len),
        Some(1),
        "{development}"
    );
    let (_, events) = app
        .admin(Method::GET, "/api/admin/events/contended", None)
        .await;
    let enabled = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "feature-environment-enabled")
        .count();
    assert_eq!(enabled, 1);

    // 16 racing creates of one name: one 201, fifteen 409, never a 500.
    let creates: Vec<_> = (0..16)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                app.admin(Method::POST, F, Some(json!({"name": "raced"})))
                    .await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for c in creates {
        let (status, body) = c.await.expect("task");
        if status == StatusCode::CONFLICT {
            assert_eq!(body["name"], "NameExistsError", "{body}");
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        15,
        "{statuses:?}"
    );
    match std::sync::Arc::try_unwrap(app) {
        Ok(app) => {
            app.stop().await;
        }
        Err(_) => panic!("every task has finished"),
    }
}

/// `expiresAt` is a date-time in the future, and an expired token is refused
/// like an unknown one.
async fn token_expiry(db: Db) {
    let app = spawn_app(db).await;
    for (bad, why) in [
        ("next tuesday", "not a date-time"),
        ("2001-01-01T00:00:00Z", "in the past"),
    ] {
        let (status, body) = app
            .admin(Method::POST, "/api/admin/api-tokens", Some(json!({
                "tokenName": "short", "type": "backend", "environment": "development", "expiresAt": bad
            })))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains(why)),
            "{body}"
        );
    }
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(3000))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (status, created) = app
        .admin(Method::POST, "/api/admin/api-tokens", Some(json!({
            "tokenName": "short", "type": "backend", "environment": "development", "expiresAt": soon
        })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["expiresAt"], soon.as_str());
    let secret = created["secret"].as_str().expect("secret").to_owned();
    app.client_features(&secret).await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (status, body) = app
        .call(Method::GET, "/api/client/features", Some(&secret), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    app.stop().await;
}

/// The ETag of an environment's document moves only when that document
/// changes: a write in another environment, or a token, leaves it alone.
async fn etags_move_with_their_environment(db: Db) {
    let app = spawn_app(db).await;
    let etag = |token: &'static str| {
        let request = app
            .http
            .get(format!("{}/api/client/features", app.base))
            .header("Authorization", token);
        async move {
            let response = request.send().await.expect("answered");
            assert_eq!(response.status(), StatusCode::OK);
            response.headers()["etag"]
                .to_str()
                .expect("etag")
                .to_owned()
        }
    };
    let (status, _) = app
        .admin(Method::POST, F, Some(json!({"name": "etagged"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (dev, prod) = (etag(CLIENT_DEV).await, etag(CLIENT_PROD).await);

    // A production change: production's ETag moves, development's does not.
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/etagged/environments/production/on"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(etag(CLIENT_DEV).await, dev);
    let prod_after = etag(CLIENT_PROD).await;
    assert_ne!(prod_after, prod);

    // A token, a project, a context field: no client document changes.
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(json!({"tokenName": "x", "type": "backend", "environment": "development"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "elsewhere", "name": "Elsewhere"})),
        )
        .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(
        (etag(CLIENT_DEV).await, etag(CLIENT_PROD).await),
        (dev.clone(), prod_after.clone())
    );

    // A development change moves development's only.
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/etagged/environments/development/on"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(etag(CLIENT_DEV).await, dev);
    assert_eq!(etag(CLIENT_PROD).await, prod_after);
    app.stop().await;
}

/// What the engine cannot use in stored flags (written before the API
/// checked, or by hand) is listed by the admin API, per environment.
async fn engine_warnings_are_listed(db: Db) {
    let app = spawn_app(db).await;
    let (status, _) = app
        .admin(Method::POST, F, Some(json!({"name": "legacy"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, listed) = app
        .admin(Method::GET, "/api/admin/engine-warnings", None)
        .await;
    assert_eq!(listed, json!({"warnings": []}));
    let db = app.stop().await;
    {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&db.url())
            .await
            .expect("connect");
        sqlx::query(
            "INSERT INTO feature_strategies (id, feature_name, environment, strategy_name, title, disabled, \
             sort_order, parameters, constraints, segments, variants, created_at) \
             VALUES ('legacy-1', 'legacy', 'production', 'default', NULL, 0, 0, '{}', $1, '[]', '[]', $2)",
        )
        .bind(json!([{"contextName": "age", "operator": "NUM_GT", "value": "many", "values": []}]).to_string())
        .bind(chrono_now())
        .execute(&mut conn)
        .await
        .expect("insert a strategy the API would refuse");
        conn.close().await.expect("close");
    }
    let app = spawn_app(db).await;
    let (status, listed) = app
        .admin(Method::GET, "/api/admin/engine-warnings", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let warnings = listed["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{listed}");
    assert_eq!(warnings[0]["environment"], "production");
    let message = warnings[0]["message"].as_str().expect("message");
    assert!(
        message.contains("legacy") && message.contains("not a number"),
        "{message}"
    );
    app.stop().await;
}

/// What every SDK-facing view of `app` shows: both environments' client
/// documents (flags and segments) and the frontend API for a few contexts.
async fn sdk_views(app: &TestApp) -> Value {
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
        views.insert(format!("frontend-{user}"), toggles);
    }
    Value::Object(views)
}

/// Compares `app`'s SDK views with those of a server started afresh on `db`.
async fn check_against_fresh_start(app: &TestApp, db: &Db, step: &str) {
    let ours = sdk_views(app).await;
    let fresh = spawn_app(db.clone()).await;
    let theirs = sdk_views(&fresh).await;
    fresh.stop().await;
    assert_eq!(ours, theirs, "after {step}");
}

/// Each change updates only what it touched in the running server's
/// snapshots; a server started afresh on the same database (which builds them
/// whole) must show exactly the same.
async fn incremental_snapshots_match_a_fresh_start(db: Db) {
    let app = spawn_app(db.clone()).await;
    let (_, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "eu",
            "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]})),
        )
        .await;
    let segment_id = segment["id"].as_i64().expect("segment id");
    for name in ["a", "b", "c", "d"] {
        let (status, _) = app
            .admin(
                Method::POST,
                F,
                Some(json!({"name": name, "impressionData": name == "b"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    for (name, env, body) in [
        (
            "a",
            "development",
            json!({"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "userId"}, "segments": [segment_id]}),
        ),
        (
            "b",
            "development",
            json!({"name": "userWithId", "parameters": {"userIds": "1,7"}}),
        ),
        (
            "b",
            "production",
            json!({"name": "default", "constraints": [{"contextName": "userId", "operator": "IN", "values": ["42"]}]}),
        ),
        (
            "c",
            "development",
            json!({"name": "default", "segments": [segment_id],
            "variants": [{"name": "blue", "weight": 1000, "weightType": "variable", "stickiness": "default"}]}),
        ),
    ] {
        let (status, body) = app
            .admin(
                Method::POST,
                &format!("{F}/{name}/environments/{env}/strategies"),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for (name, env) in [
        ("a", "development"),
        ("b", "development"),
        ("b", "production"),
        ("c", "development"),
        ("d", "production"),
    ] {
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{F}/{name}/environments/{env}/on"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = app
        .admin(Method::PATCH, &format!("{F}/d/environments/production/variants"), Some(json!([
            {"op": "add", "path": "/-", "value": {"name": "x", "weightType": "variable", "weight": 0, "stickiness": "default"}}
        ])))
        .await;
    assert_eq!(status, StatusCode::OK);
    check_against_fresh_start(&app, &db, "flags, strategies, variants").await;

    // A segment change reaches the flags that use it, in every environment.
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("/api/admin/segments/{segment_id}"),
            Some(json!({"name": "eu",
            "constraints": [{"contextName": "region", "operator": "IN", "values": ["us"]}]})),
        )
        .await;
    assert!(status.is_success(), "{status}");
    check_against_fresh_start(&app, &db, "a segment update").await;

    // Metadata, archive, revive, delete, a new environment for the project.
    let (status, _) = app
        .admin(
            Method::PATCH,
            &format!("{F}/c"),
            Some(json!([{"op": "replace", "path": "/description", "value": "changed"}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.admin(Method::DELETE, &format!("{F}/a"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app.admin(Method::DELETE, &format!("{F}/b"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app
        .admin(Method::POST, "/api/admin/archive/revive/b", None)
        .await;
    assert!(status.is_success(), "{status}");
    let (status, _) = app
        .admin(Method::DELETE, "/api/admin/archive/a", None)
        .await;
    assert!(status.is_success(), "{status}");
    check_against_fresh_start(&app, &db, "archive, revive, delete").await;
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/environments",
            Some(json!({"name": "staging", "type": "test"})),
        )
        .await;
    assert!(status.is_success(), "{body}");
    check_against_fresh_start(&app, &db, "a new environment").await;
    app.stop().await;
}

/// A labelled admin call and the event types it must record (none: refused).
type WriteStep = (&'static str, Method, String, Option<Value>, Vec<&'static str>);

async fn all_events(app: &TestApp) -> Vec<Value> {
    app.events().await["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Every admin write is one change: its events, all tagged with the next
/// revision (gapless); a refused write records nothing.
async fn every_write_is_one_revision(db: Db) {
    let app = spawn_app(db).await;
    let strategies = format!("{F}/one/environments/development/strategies");
    let variants = format!("{F}/one/environments/development/variants");
    let mut strategy_id = String::new();
    let mut segment_id = 0;
    let mut token_id = String::new();
    let steps: Vec<WriteStep> = vec![
        (
            "project",
            Method::POST,
            "/api/admin/projects".into(),
            Some(json!({"id": "other", "name": "Other"})),
            vec!["project-created"],
        ),
        (
            "environment",
            Method::POST,
            "/api/admin/environments".into(),
            Some(json!({"name": "staging", "type": "test"})),
            vec!["environment-created"],
        ),
        (
            "link",
            Method::POST,
            "/api/admin/projects/default/environments".into(),
            Some(json!({"environment": "staging"})),
            vec!["project-environment-added"],
        ),
        (
            "context",
            Method::POST,
            "/api/admin/context".into(),
            Some(json!({"name": "region"})),
            vec!["context-field-created"],
        ),
        (
            "context update",
            Method::PUT,
            "/api/admin/context/region".into(),
            Some(json!({"name": "region", "description": "where"})),
            vec!["context-field-updated"],
        ),
        (
            "segment",
            Method::POST,
            "/api/admin/segments".into(),
            Some(json!({"name": "eu", "constraints": []})),
            vec!["segment-created"],
        ),
        (
            "flag",
            Method::POST,
            F.into(),
            Some(json!({"name": "one"})),
            vec!["feature-created"],
        ),
        (
            "stale",
            Method::PATCH,
            format!("{F}/one"),
            Some(json!([{"op": "replace", "path": "/stale", "value": true}])),
            vec!["feature-metadata-updated", "feature-stale-on"],
        ),
        (
            "on",
            Method::POST,
            format!("{F}/one/environments/development/on"),
            None,
            vec!["feature-strategy-add", "feature-environment-enabled"],
        ),
        (
            "strategy",
            Method::POST,
            strategies.clone(),
            Some(json!({"name": "default"})),
            vec!["feature-strategy-add"],
        ),
        (
            "strategy update",
            Method::PUT,
            String::new(),
            Some(
                json!({"name": "default", "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]}),
            ),
            vec!["feature-strategy-update"],
        ),
        (
            "strategy patch",
            Method::PATCH,
            String::new(),
            Some(json!([{"op": "replace", "path": "/disabled", "value": true}])),
            vec!["feature-strategy-update"],
        ),
        (
            "strategy delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["feature-strategy-remove"],
        ),
        (
            "variants",
            Method::PUT,
            variants.clone(),
            Some(json!([{"name": "a", "weight": 1000, "weightType": "variable"}])),
            vec!["feature-environment-variants-updated"],
        ),
        (
            "variants patch",
            Method::PATCH,
            variants.clone(),
            Some(
                json!([{"op": "add", "path": "/-", "value": {"name": "b", "weightType": "variable", "weight": 0}}]),
            ),
            vec!["feature-environment-variants-updated"],
        ),
        (
            "off",
            Method::POST,
            format!("{F}/one/environments/development/off"),
            None,
            vec!["feature-environment-disabled"],
        ),
        (
            "segment update",
            Method::PUT,
            String::new(),
            Some(json!({"name": "eu", "constraints": []})),
            vec!["segment-updated"],
        ),
        (
            "segment delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["segment-deleted"],
        ),
        (
            "context delete",
            Method::DELETE,
            "/api/admin/context/region".into(),
            None,
            vec!["context-field-deleted"],
        ),
        (
            "archive",
            Method::DELETE,
            format!("{F}/one"),
            None,
            vec!["feature-archived"],
        ),
        (
            "revive",
            Method::POST,
            "/api/admin/archive/revive/one".into(),
            None,
            vec!["feature-revived"],
        ),
        (
            "archive again",
            Method::DELETE,
            format!("{F}/one"),
            None,
            vec!["feature-archived"],
        ),
        (
            "delete",
            Method::DELETE,
            "/api/admin/archive/one".into(),
            None,
            vec!["feature-deleted"],
        ),
        (
            "token",
            Method::POST,
            "/api/admin/api-tokens".into(),
            Some(json!({"tokenName": "t", "type": "backend", "environment": "development"})),
            vec!["api-token-created"],
        ),
        (
            "token delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["api-token-deleted"],
        ),
        // Refused: nothing recorded.
        (
            "refused",
            Method::POST,
            F.into(),
            Some(json!({"name": "has space"})),
            vec![],
        ),
        (
            "refused on",
            Method::POST,
            format!("{F}/missing/environments/development/on"),
            None,
            vec![],
        ),
    ];
    let mut before = all_events(&app).await;
    for (step, method, path, body, expected) in steps {
        let path = match step {
            "strategy update" | "strategy patch" | "strategy delete" => {
                format!("{strategies}/{strategy_id}")
            }
            "segment update" | "segment delete" => format!("/api/admin/segments/{segment_id}"),
            "token delete" => format!("/api/admin/api-tokens/{token_id}"),
            _ => path,
        };
        let (status, answer) = app.admin(method, &path, body).await;
        assert_eq!(
            status.is_success(),
            !expected.is_empty(),
            "{step}: {status} {answer}"
        );
        match step {
            "strategy" => strategy_id = answer["id"].as_str().expect("strategy id").to_owned(),
            "segment" => segment_id = answer["id"].as_i64().expect("segment id"),
            "token" => token_id = answer["id"].as_str().expect("token id").to_owned(),
            _ => {}
        }
        let after = all_events(&app).await;
        let last = before
            .iter()
            .filter_map(|e| e["revision"].as_i64())
            .max()
            .unwrap_or(0);
        let known: Vec<i64> = before.iter().filter_map(|e| e["id"].as_i64()).collect();
        let new: Vec<&Value> = after
            .iter()
            .filter(|e| !known.contains(&e["id"].as_i64().unwrap_or(-1)))
            .collect();
        let mut types: Vec<&str> = new.iter().filter_map(|e| e["type"].as_str()).collect();
        types.sort_unstable();
        let mut expected = expected.clone();
        expected.sort_unstable();
        assert_eq!(types, expected, "{step}");
        for event in &new {
            assert_eq!(
                event["revision"].as_i64(),
                Some(last + 1),
                "{step}: {event}"
            );
        }
        before = after;
    }
    app.stop().await;
}

/// Polls `check` until it holds or five seconds pass.
async fn eventually<F, Fut>(what: &str, mut check: F)
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

/// Two servers on one database are interchangeable: what one commits, the
/// other serves — flags, tokens (and their revocation) — and metrics sent to
/// both add up exactly.
async fn replicas_follow_each_other(db: Db) {
    let a = spawn_app(db.clone()).await;
    // B starts once A has created and migrated the database.
    assert_eq!(
        a.call(Method::GET, "/health", None, None).await.0,
        StatusCode::OK
    );
    let b = spawn_app(db.clone()).await;
    assert_eq!(
        b.call(Method::GET, "/health", None, None).await.0,
        StatusCode::OK
    );

    let (status, _) = a
        .admin(Method::POST, F, Some(json!({"name": "replicated"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = a
        .admin(
            Method::POST,
            &format!("{F}/replicated/environments/development/on"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("B's client API shows A's flag switched on", || async {
        let (_, document) = b
            .call(Method::GET, "/api/client/features", Some(CLIENT_DEV), None)
            .await;
        flag_in(&document, "replicated").is_some_and(|f| f["enabled"] == true)
    })
    .await;
    eventually("B's frontend API shows A's flag", || async {
        let (_, toggles) = b
            .call(Method::GET, "/api/frontend", Some(FRONTEND), None)
            .await;
        toggles["toggles"]
            .as_array()
            .is_some_and(|t| t.iter().any(|f| f["name"] == "replicated"))
    })
    .await;
    // Both answer the same document with the same ETag.
    let etag_of = |app: &TestApp| {
        let request = app
            .http
            .get(format!("{}/api/client/features", app.base))
            .header("Authorization", CLIENT_DEV);
        async move {
            request.send().await.expect("answered").headers()["etag"]
                .to_str()
                .expect("etag")
                .to_owned()
        }
    };
    assert_eq!(etag_of(&a).await, etag_of(&b).await);

    // A token made through A works on B; revoked through A, B refuses it.
    let (status, created) = a
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(json!({"tokenName": "svc", "type": "backend", "environment": "development"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["secret"].as_str().expect("secret").to_owned();
    eventually("B accepts the token made through A", || async {
        b.call(Method::GET, "/api/client/features", Some(&secret), None)
            .await
            .0
            == StatusCode::OK
    })
    .await;
    let (status, _) = a
        .admin(
            Method::DELETE,
            &format!(
                "/api/admin/api-tokens/{}",
                created["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("B refuses the token revoked through A", || async {
        b.call(Method::GET, "/api/client/features", Some(&secret), None)
            .await
            .0
            == StatusCode::UNAUTHORIZED
    })
    .await;

    // PostgreSQL: cut every change listener; the next change still reaches B.
    if let Db::Postgres(url) = &db {
        use sqlx::Connection;
        let mut admin = sqlx::AnyConnection::connect(url).await.expect("connect");
        let cut: i64 = sqlx::query_scalar(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .fetch_one(&mut admin)
        .await
        .expect("terminate listeners");
        assert!(cut >= 2, "both replicas listen ({cut} listeners found)");
    }
    let (status, _) = a
        .admin(
            Method::POST,
            &format!("{F}/replicated/environments/development/off"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(
        "B sees the flag switched off after its listener was cut",
        || async {
            let (_, document) = b
                .call(Method::GET, "/api/client/features", Some(CLIENT_DEV), None)
                .await;
            flag_in(&document, "replicated").is_some_and(|f| f["enabled"] == false)
        },
    )
    .await;

    // Metrics: half through A, half through B, counted exactly once.
    let report = |yes: u64| {
        json!({"appName": "replicated-app", "instanceId": "i1", "bucket": {
            "start": chrono_now(), "stop": chrono_now(),
            "toggles": {"replicated": {"yes": yes, "no": 1, "variants": {}}}}})
    };
    for (i, app) in [&a, &b, &a, &b].into_iter().enumerate() {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/client/metrics",
                Some(CLIENT_DEV),
                Some(report(i as u64 + 1)),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (_, raw) = b
        .admin(
            Method::GET,
            "/api/admin/client-metrics/features/replicated/raw?hoursBack=1",
            None,
        )
        .await;
    let (yes, no) = raw["data"]
        .as_array()
        .expect("rows")
        .iter()
        .fold((0, 0), |(y, n), r| {
            (
                y + r["yes"].as_u64().unwrap_or(0),
                n + r["no"].as_u64().unwrap_or(0),
            )
        });
    assert_eq!((yes, no), (1 + 2 + 3 + 4, 4), "{raw}");
    b.stop().await;
    a.stop().await;
}

/// Unmatched routes and methods answer Unleash's JSON error naming them;
/// `GET /` says what this server is.
async fn unknown_routes(db: Db) {
    let app = spawn_app(db).await;
    for (method, path, status) in [
        (
            Method::GET,
            "/api/admin/nothing-here",
            StatusCode::NOT_FOUND,
        ),
        (Method::POST, "/api/client/nope", StatusCode::NOT_FOUND),
        (Method::GET, "/no/such/page", StatusCode::NOT_FOUND),
        (
            Method::POST,
            "/api/admin/events",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::DELETE,
            "/api/client/features",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (Method::PUT, "/api/frontend", StatusCode::METHOD_NOT_ALLOWED),
    ] {
        let (got, body) = app.call(method.clone(), path, Some(ADMIN), None).await;
        assert_eq!(got, status, "{method} {path}: {body}");
        let message = body["message"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}: {body}"));
        assert!(
            message.contains(path) && message.contains(method.as_str()),
            "{message}"
        );
        assert!(body["id"].is_string() && body["name"].is_string(), "{body}");
        assert_eq!(body["details"][0]["message"], message);
    }
    let response = app
        .http
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/html")));
    let page = response.text().await.expect("page");
    assert!(
        page.contains("Flagstaff") && page.contains("/health"),
        "{page}"
    );
    app.stop().await;
}

/// Malformed or invalid requests get Unleash's error and change nothing.
async fn bad_input_changes_nothing(db: Db) {
    let app = spawn_app(db).await;
    let (status, _) = app
        .admin(Method::POST, F, Some(json!({"name": "kept"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let before_events = app.events().await;
    let before_flag = app.admin(Method::GET, &format!("{F}/kept"), None).await.1;
    let before_client = app.client_features(CLIENT_DEV).await["features"].clone();

    let strategies = format!("{F}/kept/environments/development/strategies");
    let raw = |method: Method, path: String, content_type: &'static str, body: String| {
        let request = app
            .http
            .request(method, format!("{}{path}", app.base))
            .header("Authorization", ADMIN)
            .header("Content-Type", content_type)
            .body(body);
        async move {
            let response = request.send().await.expect("answered");
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let cases: Vec<(StatusCode, (StatusCode, Value))> = vec![
        (StatusCode::BAD_REQUEST, raw(Method::POST, F.to_owned(), "application/json", "{\"name\": ".to_owned()).await),
        (StatusCode::BAD_REQUEST, raw(Method::POST, F.to_owned(), "application/json", "{\"name\": 7}".to_owned()).await),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, raw(Method::POST, F.to_owned(), "text/plain", "{\"name\":\"x\"}".to_owned()).await),
        (StatusCode::PAYLOAD_TOO_LARGE, raw(Method::POST, F.to_owned(), "application/json",
            format!("{{\"name\":\"big\",\"description\":\"{}\"}}", "x".repeat(2 * 1024 * 1024))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, F, Some(json!({"name": "has space"}))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, F, Some(json!(["array-is-not-a-flag"]))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, F, Some(json!({"name": "x", "type": "nonsense"}))).await),
        (StatusCode::CONFLICT, app.admin(Method::POST, F, Some(json!({"name": "kept"}))).await),
        (StatusCode::NOT_FOUND, app.admin(Method::POST, "/api/admin/projects/nope/features", Some(json!({"name": "y"}))).await),
        (StatusCode::NOT_FOUND, app.admin(Method::POST, &format!("{F}/kept/environments/staging/strategies"),
            Some(json!({"name": "default"}))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, &strategies, Some(json!({"name": "noSuchStrategy"}))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, &strategies, Some(json!({"name": "flexibleRollout",
            "parameters": {"rollout": "150"}}))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, &strategies, Some(json!({"name": "default",
            "constraints": [{"contextName": "a", "operator": "LIKE", "values": []}]}))).await),
        // Constraints the engine would not use: refused, naming the constraint and the reason.
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, &strategies, Some(json!({"name": "default",
            "constraints": [{"contextName": "age", "operator": "NUM_GT", "values": []}]}))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, &strategies, Some(json!({"name": "default",
            "constraints": [{"contextName": "userId", "operator": "IN", "values": ["a"]},
                            {"contextName": "email", "operator": "REGEX", "value": "(unclosed"}]}))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, &strategies, Some(json!({"name": "default",
            "constraints": [{"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["10.0.0.0/8", "nope"]}]}))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::POST, "/api/admin/segments", Some(json!({"name": "bad-segment",
            "constraints": [{"contextName": "version", "operator": "SEMVER_GT", "value": "v1.2.3"}]}))).await),
        (StatusCode::NOT_FOUND, app.admin(Method::PUT, &format!("{strategies}/00000000-0000-0000-0000-000000000000"),
            Some(json!({"name": "default"}))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::PATCH, &format!("{F}/kept"),
            Some(json!([{"op": "replace", "path": "/nothing/here", "value": 1}]))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::PATCH, &format!("{F}/kept"), Some(json!({"op": "replace"}))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::PATCH, &format!("{F}/kept/environments/development/variants"),
            Some(json!([{"op": "replace", "path": "/5/name", "value": "x"}]))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::PUT, &format!("{F}/kept/environments/development/variants"),
            Some(json!([{"name": "a", "weight": 600, "weightType": "fix"}, {"name": "b", "weight": 500, "weightType": "fix"}]))).await),
        (StatusCode::BAD_REQUEST, app.admin(Method::PUT, &format!("{F}/kept"), Some(json!({"name": "renamed"}))).await),
        (StatusCode::NOT_FOUND, app.admin(Method::GET, &format!("{F}/missing"), None).await),
    ];
    for (i, (expected, (status, body))) in cases.iter().enumerate() {
        assert_eq!(status, expected, "case {i}: {body}");
        if *status != StatusCode::PAYLOAD_TOO_LARGE {
            assert!(
                body["name"].is_string() && body["message"].is_string() && body["id"].is_string(),
                "case {i}: Unleash error shape expected, got {body}"
            );
        }
    }
    let messages: Vec<&str> = cases
        .iter()
        .filter_map(|(_, (_, body))| body["message"].as_str())
        .collect();
    for expected in [
        "constraints[0] (age NUM_GT): the constraint value is not a number",
        "constraints[1] (email REGEX): the constraint value is not a valid regular expression",
        "\"nope\" is not an IP address or CIDR range",
        "versions written with a leading 'v' never match",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected:?} not in {messages:#?}"
        );
    }
    assert_eq!(app.events().await, before_events, "no event was written");
    assert_eq!(
        app.admin(Method::GET, &format!("{F}/kept"), None).await.1,
        before_flag,
        "the flag is unchanged"
    );
    assert_eq!(
        app.client_features(CLIENT_DEV).await["features"],
        before_client
    );
    app.stop().await;
}

/// The client document carries an ETag; the same ETag gives 304 until a change.
async fn client_etag_and_filters(db: Db) {
    let app = spawn_app(db).await;
    for name in ["alpha.one", "alpha.two", "beta.one"] {
        let (status, _) = app
            .admin(Method::POST, F, Some(json!({"name": name})))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let get = |etag: Option<String>, query: &'static str| {
        let mut request = app
            .http
            .get(format!("{}/api/client/features{query}", app.base))
            .header("Authorization", CLIENT_DEV);
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        async move { request.send().await.expect("answered") }
    };
    let first = get(None, "").await;
    let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(
        get(Some(etag.clone()), "").await.status(),
        StatusCode::NOT_MODIFIED
    );
    // Gzip when asked, the same document inside.
    let plain: Value = get(None, "").await.json().await.expect("json");
    let zipped = app
        .http
        .get(format!("{}/api/client/features", app.base))
        .header("Authorization", CLIENT_DEV)
        .header("Accept-Encoding", "gzip, deflate")
        .send()
        .await
        .expect("answered");
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let bytes = zipped.bytes().await.expect("body");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
        .expect("gunzip");
    assert_eq!(serde_json::from_str::<Value>(&text).expect("json"), plain);
    let filtered: Value = get(None, "?namePrefix=alpha.")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(filtered["features"].as_array().expect("features").len(), 2);
    let other_project: Value = get(None, "?project=other")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(other_project["features"], json!([]));
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{F}/beta.one/environments/development/on"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let changed = get(Some(etag.clone()), "").await;
    assert_eq!(changed.status(), StatusCode::OK, "a change moves the ETag");
    assert_ne!(changed.headers()["etag"].to_str().expect("etag"), etag);
    let one = app
        .call(
            Method::GET,
            "/api/client/features/beta.one",
            Some(CLIENT_DEV),
            None,
        )
        .await;
    assert_eq!(one.0, StatusCode::OK);
    assert_eq!(one.1["enabled"], true);
    assert_eq!(
        one.1["strategies"][0]["name"], "flexibleRollout",
        "switching on added the default strategy"
    );
    app.stop().await;
}

/// Stop the server, start it on the same database: everything is still there.
async fn restart_keeps_everything(db: Db) {
    let app = spawn_app(db).await;
    let (status, _) = app
        .admin(
            Method::POST,
            F,
            Some(json!({"name": "survivor", "impressionData": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/survivor/environments/development/strategies"),
            Some(json!({"name": "userWithId", "parameters": {"userIds": "1,2"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let before_events = app.events().await;
    let before_client = app.client_features(CLIENT_DEV).await["features"].clone();
    let db = app.stop().await;

    let app = spawn_app(db).await;
    assert_eq!(app.events().await, before_events);
    assert_eq!(
        app.client_features(CLIENT_DEV).await["features"],
        before_client
    );
    app.stop().await;
}

/// Metrics from many instances at once add up exactly, survive a restart, and
/// bad reports are refused without storing anything.
async fn metrics_add_up_exactly(db: Db) {
    let app = spawn_app(db).await;
    let now = chrono_now();
    let report = |instance: usize, yes: u64, no: u64| {
        json!({
            "appName": "checkout-service", "instanceId": format!("instance-{instance}"),
            "bucket": {"start": now, "stop": now, "toggles": {
                "flag-a": {"yes": yes, "no": no, "variants": {"blue": yes, "disabled": no}},
                "flag-b": {"yes": 1, "no": 0}
            }}
        })
    };
    let (status, _) = app.call(Method::POST, "/api/client/register", Some(CLIENT_DEV), Some(json!({
        "appName": "checkout-service", "instanceId": "instance-0", "sdkVersion": "unleash-client-python:6.9.1",
        "strategies": ["default", "flexibleRollout"], "started": now, "interval": 15000
    }))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mut posts = Vec::new();
    for instance in 0..8 {
        for round in 0..25u64 {
            let body = report(instance, round, 2 * round + 1);
            // Half the instances are backend SDKs, half browser SDKs: the counts meet.
            let (path, token) = if instance % 2 == 0 {
                ("/api/client/metrics", CLIENT_DEV)
            } else {
                ("/api/frontend/client/metrics", FRONTEND)
            };
            let request = app
                .http
                .post(format!("{}{path}", app.base))
                .header("Authorization", token)
                .json(&body);
            posts.push(tokio::spawn(async move {
                request.send().await.expect("answered").status()
            }));
        }
    }
    for post in posts {
        assert_eq!(post.await.expect("task"), StatusCode::ACCEPTED);
    }
    // Per instance: yes = 0+1+…+24 = 300, no = Σ(2r+1) = 625.
    let totals = |data: &Value, flag: &str| -> (u64, u64, u64) {
        data["data"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["featureName"] == flag)
            .fold((0, 0, 0), |(y, n, b), r| {
                (
                    y + r["yes"].as_u64().expect("yes"),
                    n + r["no"].as_u64().expect("no"),
                    b + r["variants"]["blue"].as_u64().unwrap_or(0),
                )
            })
    };
    let raw = |flag: &'static str| {
        let path = format!("/api/admin/client-metrics/features/{flag}/raw?hoursBack=2");
        let app = &app;
        async move { app.admin(Method::GET, &path, None).await }
    };
    let (status, a) = raw("flag-a").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(totals(&a, "flag-a"), (8 * 300, 8 * 625, 8 * 300));
    assert_eq!(totals(&raw("flag-b").await.1, "flag-b"), (200, 0, 0));
    assert_eq!(a["data"][0]["environment"], "development");
    assert_eq!(a["data"][0]["appName"], "checkout-service");
    let (status, exposure) = app
        .admin(
            Method::GET,
            "/api/admin/client-metrics/features/flag-a/exposure?hoursBack=2",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let bucket = &exposure["data"][0];
    assert_eq!(
        (bucket["yes"].as_u64(), bucket["no"].as_u64()),
        (Some(8 * 300), Some(8 * 625))
    );
    let share = bucket["shareEnabled"].as_f64().expect("share");
    assert!((share - 2400.0 / 7400.0).abs() < 1e-9, "{share}");
    assert_eq!(bucket["variants"], json!({"blue": 2400, "disabled": 5000}));

    let long_ago = "2001-01-01T00:00:00.000Z";
    let many: serde_json::Map<String, Value> = (0..10_001)
        .map(|i| (format!("f{i}"), json!({"yes": 1, "no": 0})))
        .collect();
    for bad in [
        json!({"appName": "x", "bucket": {"start": now, "stop": now, "toggles": {"flag-a": {"yes": -1, "no": 0}}}}),
        json!({"appName": "x", "bucket": {"start": now, "stop": long_ago, "toggles": {}}}),
        json!({"appName": "x", "bucket": {"start": long_ago, "stop": long_ago, "toggles": {"flag-a": {"yes": 1}}}}),
        json!({"appName": "x", "bucket": {"start": "yesterday", "stop": now, "toggles": {}}}),
        json!({"appName": "x", "bucket": {"start": now, "stop": now, "toggles": many}}),
        json!({"bucket": {"start": now, "stop": now, "toggles": {"flag-a": {"yes": 1}}}}),
    ] {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/client/metrics",
                Some(CLIENT_DEV),
                Some(bad),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    let (status, _) = app
        .call(
            Method::POST,
            "/api/client/metrics",
            Some(ADMIN),
            Some(report(0, 1, 1)),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for bad in [
        json!({"instanceId": "i"}),
        json!({"appName": "", "instanceId": "i"}),
        json!({"appName": "x", "interval": "soon"}),
        json!({"appName": "x", "strategies": "default"}),
        json!(["appName"]),
    ] {
        for (path, token) in [
            ("/api/client/register", CLIENT_DEV),
            ("/api/frontend/client/register", FRONTEND),
        ] {
            let (status, body) = app
                .call(Method::POST, path, Some(token), Some(bad.clone()))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {bad}: {body}");
            assert!(
                body["name"].is_string() && body["message"].is_string(),
                "{body}"
            );
        }
    }
    let (_, apps) = app
        .admin(Method::GET, "/api/admin/metrics/applications", None)
        .await;
    let names: Vec<&str> = apps["applications"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["appName"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["checkout-service"],
        "refused registrations stored nothing"
    );
    assert_eq!(
        totals(&raw("flag-a").await.1, "flag-a"),
        (8 * 300, 8 * 625, 8 * 300),
        "nothing stored"
    );

    // Acknowledged just before a graceful stop, still there after the restart.
    let (status, _) = app
        .call(
            Method::POST,
            "/api/client/metrics",
            Some(CLIENT_DEV),
            Some(report(9, 5, 5)),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let db = app.stop().await;
    let app = spawn_app(db).await;
    let (_, a) = app
        .admin(
            Method::GET,
            "/api/admin/client-metrics/features/flag-a/raw?hoursBack=2",
            None,
        )
        .await;
    assert_eq!(
        totals(&a, "flag-a"),
        (8 * 300 + 5, 8 * 625 + 5, 8 * 300 + 5)
    );
    app.stop().await;
}

/// Now, as SDKs write bucket times.
fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Segments, context fields, projects and environments, and reviving a flag.
async fn segments_context_projects(db: Db) {
    let app = spawn_app(db).await;
    let (status, segment) = app.admin(Method::POST, "/api/admin/segments", Some(json!({
        "name": "beta-testers", "description": "opted in",
        "constraints": [{"contextName": "email", "operator": "STR_ENDS_WITH", "values": ["@example.com"]}]
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{segment}");
    let id = segment["id"].as_i64().expect("segment id");
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "beta-testers"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, _) = app
        .admin(Method::POST, F, Some(json!({"name": "beta-banner"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let strategies = format!("{F}/beta-banner/environments/development/strategies");
    let (status, body) = app
        .admin(
            Method::POST,
            &strategies,
            Some(json!({"name": "default", "segments": [id + 100]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = app
        .admin(
            Method::POST,
            &strategies,
            Some(json!({"name": "default", "segments": [id]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{F}/beta-banner/environments/development/on"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // What the SDK receives evaluates as the segment says.
    let document: flagstaff_engine::ClientFeatures =
        serde_json::from_value(app.client_features(CLIENT_DEV).await).expect("client document");
    let engine = flagstaff_engine::Engine::new(&document);
    let context = |email: &str| {
        let mut c = flagstaff_engine::Context::for_user("1");
        c.properties.insert("email".to_owned(), email.to_owned());
        c
    };
    assert!(engine.is_enabled("beta-banner", &context("ann@example.com")));
    assert!(!engine.is_enabled("beta-banner", &context("bob@elsewhere.org")));

    let (status, _) = app.admin(Method::PUT, &format!("/api/admin/segments/{id}"), Some(json!({
        "name": "beta-testers",
        "constraints": [{"contextName": "email", "operator": "STR_ENDS_WITH", "values": ["@elsewhere.org"]}]
    }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let document: flagstaff_engine::ClientFeatures =
        serde_json::from_value(app.client_features(CLIENT_DEV).await).expect("client document");
    assert!(flagstaff_engine::Engine::new(&document)
        .is_enabled("beta-banner", &context("bob@elsewhere.org")));
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/admin/segments/{id}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a segment in use cannot be deleted"
    );

    // Context fields: the built-ins, then one of our own.
    let (status, fields) = app.admin(Method::GET, "/api/admin/context", None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = fields
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    for built_in in [
        "appName",
        "environment",
        "userId",
        "sessionId",
        "remoteAddress",
        "currentTime",
    ] {
        assert!(
            names.contains(&built_in),
            "{built_in} missing from {names:?}"
        );
    }
    let (status, _) = app.admin(Method::POST, "/api/admin/context", Some(json!({
        "name": "region", "description": "where", "legalValues": [{"value": "eu"}, {"value": "us"}]
    }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/context",
            Some(json!({"name": "region"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/context/region/legal-values",
            Some(json!({"value": "apac"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, region) = app
        .admin(Method::GET, "/api/admin/context/region", None)
        .await;
    assert_eq!(region["legalValues"].as_array().expect("values").len(), 3);
    let (status, _) = app
        .call(
            Method::DELETE,
            "/api/admin/context/region",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .admin(Method::GET, "/api/admin/context/region", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A project, an environment enabled for it, a flag there, a token that sees it.
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "mobile", "name": "Mobile"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/environments",
            Some(json!({"name": "staging", "type": "test"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/mobile/environments",
            Some(json!({"environment": "staging"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, flag) = app
        .admin(
            Method::POST,
            "/api/admin/projects/mobile/features",
            Some(json!({"name": "dark-mode"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(flag["environments"]
        .as_array()
        .expect("envs")
        .iter()
        .any(|e| e["name"] == "staging"));
    let (status, _) = app
        .call(
            Method::POST,
            "/api/admin/projects/mobile/features/dark-mode/environments/staging/on",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, token) = app.admin(Method::POST, "/api/admin/api-tokens", Some(json!({
        "tokenName": "mobile-staging", "type": "backend", "environment": "staging", "projects": ["mobile"]
    }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let served = app
        .client_features(token["secret"].as_str().expect("secret"))
        .await;
    let names: Vec<&str> = served["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["dark-mode"],
        "a project token sees its project only"
    );
    assert!(
        flag_in(&app.client_features(CLIENT_DEV).await, "dark-mode").is_some(),
        "a * token sees all"
    );

    // Archive and revive: it comes back switched off.
    let (status, _) = app
        .call(
            Method::DELETE,
            "/api/admin/projects/mobile/features/dark-mode",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/mobile/features",
            Some(json!({"name": "dark-mode"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "archived names stay taken");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/admin/archive/revive/dark-mode",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, revived) = app
        .admin(
            Method::GET,
            "/api/admin/projects/mobile/features/dark-mode",
            None,
        )
        .await;
    assert!(revived["environments"]
        .as_array()
        .expect("envs")
        .iter()
        .all(|e| e["enabled"] == false));
    app.stop().await;
}

/// The frontend API: enabled flags only, context from the query or the body,
/// ETag/304, CORS, its own token kind, and its metrics.
async fn frontend_api(db: Db) {
    let app = spawn_app(db).await;
    for name in ["eu-only", "everyone", "switched-off"] {
        let (status, _) = app
            .admin(Method::POST, F, Some(json!({"name": name})))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = app.admin(Method::POST, &format!("{F}/eu-only/environments/development/strategies"), Some(json!({
        "name": "default", "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}],
        "variants": [{"name": "v", "weight": 0, "payload": {"type": "string", "value": "p"}}]
    }))).await;
    assert_eq!(status, StatusCode::OK);
    for name in ["eu-only", "everyone"] {
        let (status, _) = app
            .call(
                Method::POST,
                &format!("{F}/{name}/environments/development/on"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let names = |body: &Value| -> Vec<String> {
        body["toggles"]
            .as_array()
            .expect("toggles")
            .iter()
            .map(|t| t["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let (status, body) = app
        .call(
            Method::GET,
            "/api/frontend?userId=1&properties[region]=eu",
            Some(FRONTEND),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["eu-only", "everyone"]);
    let eu = &body["toggles"][0];
    assert_eq!(eu["enabled"], true);
    assert_eq!(
        eu["variant"],
        json!({"name": "v", "enabled": true, "feature_enabled": true, "payload": {"type": "string", "value": "p"}})
    );
    assert_eq!(eu["impressionData"], false);
    let (_, body) = app
        .call(
            Method::GET,
            "/api/frontend?userId=1&region=us",
            Some(FRONTEND),
            None,
        )
        .await;
    assert_eq!(names(&body), ["everyone"]);
    let (status, body) = app
        .call(
            Method::POST,
            "/api/frontend",
            Some(FRONTEND),
            Some(json!({"context": {"userId": "1", "properties": {"region": "eu"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&body), ["eu-only", "everyone"]);

    let first = app
        .http
        .get(format!("{}/api/frontend?region=eu", app.base))
        .header("Authorization", FRONTEND)
        .send()
        .await
        .expect("answered");
    let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
    let again = app
        .http
        .get(format!("{}/api/frontend?region=eu", app.base))
        .header("Authorization", FRONTEND)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("answered");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let preflight = app
        .http
        .request(Method::OPTIONS, format!("{}/api/frontend", app.base))
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .expect("answered");
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");

    let (status, body) = app.call(Method::GET, "/api/frontend", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    for token in [ADMIN, CLIENT_DEV] {
        let (status, body) = app
            .call(Method::GET, "/api/frontend", Some(token), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            body,
            json!({"message": "invalid token: expected a different token type for this endpoint"})
        );
    }
    let (status, _) = app
        .call(Method::GET, "/api/client/features", Some(FRONTEND), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/frontend",
            Some(FRONTEND),
            Some(json!([1])),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/frontend",
            Some(FRONTEND),
            Some(json!({"context": 3})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let now = chrono_now();
    let (status, _) = app.call(Method::POST, "/api/frontend/client/metrics", Some(FRONTEND), Some(json!({
        "appName": "web", "instanceId": "browser-1",
        "bucket": {"start": now, "stop": now, "toggles": {"everyone": {"yes": 3, "no": 1, "variants": {}}}}
    }))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/frontend/client/register",
            Some(FRONTEND),
            Some(json!({
                "appName": "web", "instanceId": "browser-1", "started": now, "interval": 15000
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, raw) = app
        .admin(
            Method::GET,
            "/api/admin/client-metrics/features/everyone/raw",
            None,
        )
        .await;
    assert_eq!(raw["data"][0]["yes"], 3);
    assert_eq!(raw["data"][0]["environment"], "development");
    app.stop().await;
}

/// The per-flag summary, applications and instances, and retention.
async fn metrics_views_and_retention(db: Db) {
    let app = spawn_app_with(db, |args| args.metrics_retention_hours = 2).await;
    let now = chrono_now();
    let old = (chrono::Utc::now() - chrono::Duration::hours(5)).to_rfc3339();
    for (start, yes) in [(&now, 4u64), (&old, 9)] {
        let (status, body) = app.call(Method::POST, "/api/client/metrics", Some(CLIENT_DEV), Some(json!({
            "appName": "svc", "instanceId": "i-1", "sdkVersion": "unleash-client-node:6.12.1",
            "bucket": {"start": start, "stop": start, "toggles": {"f": {"yes": yes, "no": 1}}}
        }))).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, _) = app.call(Method::POST, "/api/client/register", Some(CLIENT_DEV), Some(json!({
        "appName": "svc", "instanceId": "i-1", "strategies": ["default"], "started": now, "interval": 10000
    }))).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let (_, summary) = app
        .admin(Method::GET, "/api/admin/client-metrics/features/f", None)
        .await;
    assert_eq!(
        summary["lastHourUsage"],
        json!([{"environment": "development", "timestamp": summary["lastHourUsage"][0]["timestamp"], "yes": 4, "no": 1}])
    );
    assert_eq!(summary["seenApplications"], json!(["svc"]));
    let (_, apps) = app
        .admin(Method::GET, "/api/admin/metrics/applications", None)
        .await;
    assert_eq!(apps["applications"][0]["appName"], "svc");
    assert_eq!(
        apps["applications"][0]["usage"][0]["environments"],
        json!(["development"])
    );
    let (_, detail) = app
        .admin(Method::GET, "/api/admin/metrics/applications/svc", None)
        .await;
    assert_eq!(detail["instances"][0]["instanceId"], "i-1");
    assert_eq!(
        detail["instances"][0]["sdkVersion"],
        "unleash-client-node:6.12.1"
    );
    assert_eq!(detail["seenToggles"], json!(["f"]));
    assert_eq!(detail["strategies"], json!(["default"]));
    let (status, _) = app
        .admin(Method::GET, "/api/admin/metrics/applications/nobody", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Buckets older than the retention go; the pruner runs at start.
    let yes_total = |raw: &Value| {
        raw["data"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["yes"].as_u64().expect("yes"))
            .sum::<u64>()
    };
    let (_, raw) = app
        .admin(
            Method::GET,
            "/api/admin/client-metrics/features/f/raw?hoursBack=48",
            None,
        )
        .await;
    assert_eq!(yes_total(&raw), 13);
    let db = app.stop().await;
    let app = spawn_app_with(db, |args| args.metrics_retention_hours = 2).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, raw) = app
            .admin(
                Method::GET,
                "/api/admin/client-metrics/features/f/raw?hoursBack=48",
                None,
            )
            .await;
        if yes_total(&raw) == 4 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "old buckets were not pruned: {raw}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

/// The playground explains each flag: strategies, constraints, segments.
async fn playground_explains(db: Db) {
    let app = spawn_app(db).await;
    let (status, segment) = app.admin(Method::POST, "/api/admin/segments", Some(json!({
        "name": "staff", "constraints": [{"contextName": "email", "operator": "STR_ENDS_WITH", "values": ["@example.com"]}]
    }))).await;
    assert_eq!(status, StatusCode::CREATED);
    for name in ["explained", "dormant"] {
        let (status, _) = app
            .admin(Method::POST, F, Some(json!({"name": name})))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{F}/{name}/environments/development/strategies"),
                Some(json!({
                    "name": "flexibleRollout", "parameters": {"rollout": "100"},
                    "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}],
                    "segments": [segment["id"]]
                })),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{F}/explained/environments/development/on"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ask = |region: &str| {
        json!({"environment": "development", "projects": "*", "context": {
        "appName": "shop", "userId": "1", "properties": {"region": region, "email": "ann@example.com"}}})
    };
    let (status, body) = app
        .admin(Method::POST, "/api/admin/playground", Some(ask("eu")))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let flag = |body: &Value, name: &str| {
        body["features"]
            .as_array()
            .expect("features")
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .expect("flag in playground")
    };
    let on = flag(&body, "explained");
    assert_eq!(on["isEnabled"], true);
    assert_eq!(on["isEnabledInCurrentEnvironment"], true);
    assert_eq!(on["projectId"], "default");
    let strategy = &on["strategies"]["data"][0];
    assert_eq!(strategy["result"]["enabled"], true);
    assert!(strategy["id"].is_string());
    assert_eq!(strategy["constraints"][0]["result"], true);
    assert_eq!(strategy["segments"][0]["name"], "staff");
    assert_eq!(strategy["segments"][0]["result"], true);
    let dormant = flag(&body, "dormant");
    assert_eq!(dormant["isEnabled"], false);
    assert_eq!(dormant["isEnabledInCurrentEnvironment"], false);
    assert_eq!(
        dormant["strategies"]["result"], true,
        "strategies are evaluated even when the flag is off"
    );

    let (_, body) = app
        .admin(Method::POST, "/api/admin/playground", Some(ask("us")))
        .await;
    let off = flag(&body, "explained");
    assert_eq!(off["isEnabled"], false);
    assert_eq!(
        off["strategies"]["data"][0]["constraints"][0]["result"],
        false
    );
    assert_eq!(off["variant"]["name"], "disabled");

    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/playground",
            Some(json!({"environment": "nowhere", "context": {}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/playground",
            Some(json!({"environment": "development"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/admin/playground",
            Some(CLIENT_DEV),
            Some(ask("eu")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}

/// OFREP: single and bulk evaluation, ETag/304, errors in OFREP's shape.
async fn ofrep(db: Db) {
    let app = spawn_app(db).await;
    let (status, _) = app
        .admin(Method::POST, F, Some(json!({"name": "ofrep-flag"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{F}/ofrep-flag/environments/development/on"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let body = json!({"context": {"targetingKey": "7"}});
    for token in [CLIENT_DEV, FRONTEND] {
        let (status, flag) = app
            .call(
                Method::POST,
                "/ofrep/v1/evaluate/flags/ofrep-flag",
                Some(token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{flag}");
        assert_eq!(flag["key"], "ofrep-flag");
        assert_eq!(flag["value"], true);
        assert_eq!(flag["reason"], "TARGETING_MATCH");
    }
    let (status, missing) = app
        .call(
            Method::POST,
            "/ofrep/v1/evaluate/flags/nope",
            Some(FRONTEND),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["errorCode"], "FLAG_NOT_FOUND");
    let (status, bad) = app
        .call(
            Method::POST,
            "/ofrep/v1/evaluate/flags/ofrep-flag",
            Some(FRONTEND),
            Some(json!({"context": [1]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["errorCode"], "INVALID_CONTEXT");
    let (status, _) = app
        .call(
            Method::POST,
            "/ofrep/v1/evaluate/flags/ofrep-flag",
            None,
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(
            Method::POST,
            "/ofrep/v1/evaluate/flags/ofrep-flag",
            Some(ADMIN),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let bulk = app
        .http
        .post(format!("{}/ofrep/v1/evaluate/flags", app.base))
        .header("Authorization", FRONTEND)
        .json(&body)
        .send()
        .await
        .expect("answered");
    let etag = bulk.headers()["etag"].to_str().expect("etag").to_owned();
    let flags: Value = bulk.json().await.expect("json");
    assert_eq!(flags["flags"][0]["key"], "ofrep-flag");
    let again = app
        .http
        .post(format!("{}/ofrep/v1/evaluate/flags", app.base))
        .header("Authorization", FRONTEND)
        .header("If-None-Match", &etag)
        .json(&body)
        .send()
        .await
        .expect("answered");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    app.stop().await;
}

async fn health(db: Db) {
    let app = spawn_app(db).await;
    let (status, body) = app.call(Method::GET, "/health", None, None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"health": "GOOD"})));
    // A fresh database has what a fresh Unleash has.
    let (_, projects) = app.admin(Method::GET, "/api/admin/projects", None).await;
    assert_eq!(projects["projects"][0]["id"], "default");
    let (_, environments) = app
        .admin(Method::GET, "/api/admin/environments", None)
        .await;
    let environments: Vec<(&str, &str)> = environments["environments"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().expect("name"),
                e["type"].as_str().expect("type"),
            )
        })
        .collect();
    assert_eq!(
        environments,
        [("development", "development"), ("production", "production")]
    );
    let (_, strategies) = app.admin(Method::GET, "/api/admin/strategies", None).await;
    assert!(strategies["strategies"]
        .as_array()
        .expect("list")
        .iter()
        .any(|s| s["name"] == "flexibleRollout"));
    let (_, types) = app
        .admin(Method::GET, "/api/admin/feature-types", None)
        .await;
    assert_eq!(types["types"].as_array().expect("list").len(), 5);
    app.stop().await;
}

macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $test() { super::$test(super::Db::sqlite()).await } )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    match super::Db::postgres().await {
                        Some(db) => super::$test(db).await,
                        None if std::env::var("CI").is_ok_and(|ci| ci == "true") => panic!(
                            "CI must run {} on PostgreSQL: FLAGSTAFF_TEST_POSTGRES_URL is not set",
                            stringify!($test)
                        ),
                        None => eprintln!(
                            "skipped {} on PostgreSQL: set FLAGSTAFF_TEST_POSTGRES_URL to run it",
                            stringify!($test)
                        ),
                    }
                }
            )*
        }
    };
}

on_both_backends!(
    health,
    guide_flow,
    tokens_guard_every_route,
    tokens_by_id,
    token_expiry,
    concurrent_writes_lose_nothing,
    etags_move_with_their_environment,
    replicas_follow_each_other,
    engine_warnings_are_listed,
    incremental_snapshots_match_a_fresh_start,
    every_write_is_one_revision,
    unknown_routes,
    bad_input_changes_nothing,
    client_etag_and_filters,
    restart_keeps_everything,
    metrics_add_up_exactly,
    segments_context_projects,
    frontend_api,
    metrics_views_and_retention,
    playground_explains,
    ofrep,
);

/// The scenarios that need no restart, on `sqlite::memory:` (one connection:
/// a read made while a write transaction holds it would hang, and fail here).
mod memory {
    macro_rules! in_memory {
        ($($test:ident),* $(,)?) => {
            $( #[tokio::test] async fn $test() { super::$test(super::Db::Memory).await } )*
        };
    }
    in_memory!(
        health,
        guide_flow,
        tokens_guard_every_route,
        tokens_by_id,
        concurrent_writes_lose_nothing,
        etags_move_with_their_environment,
        bad_input_changes_nothing,
        client_etag_and_filters,
        segments_context_projects,
        frontend_api,
        playground_explains,
        ofrep,
    );
}
