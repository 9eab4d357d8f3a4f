//! The database goes away and comes back: SDK reads keep being answered from
//! memory, writes are refused with a 503 that says why (and `Retry-After`),
//! `/ready` reports it, and once the database is back writes succeed again
//! and nothing acknowledged before is lost.

use reqwest::header::RETRY_AFTER;

use crate::browser::*;
use crate::forwarder::Forwarder;
use crate::helpers::*;

/// The message of every refused request, as the API and the web UI word it.
const UNREACHABLE: &str = "database is unreachable";

/// On PostgreSQL, through a forwarder that is cut for the outage. SQLite is a
/// file the server opens itself: there is no connection to cut, so there the
/// test checks only that a server whose database answers is ready.
pub async fn database_outage(db: Db) {
    let Db::Postgres(url) = &db else {
        let app = spawn_app(db).await;
        for path in ["/ready", "/health"] {
            let (status, body) = app.call(Method::GET, path, None, None).await;
            assert_eq!((status, body), (StatusCode::OK, json!({"health": "GOOD"})));
        }
        app.stop().await;
        return;
    };
    let mut through = url::Url::parse(url).expect("a PostgreSQL URL");
    let target = format!(
        "{}:{}",
        through.host_str().expect("a host"),
        through.port().unwrap_or(5432)
    );
    let line = Forwarder::start(target).await;
    through.set_host(Some("127.0.0.1")).expect("host");
    through.set_port(Some(line.port)).expect("port");
    let app = spawn_app_with(Db::Postgres(through.to_string()), with_admin).await;
    let mut browser = admin_browser(&app).await;
    create_flags(&app, &["before-outage"]).await;
    let csrf = browser.get("/projects/default/features").await.csrf();
    let (status, body) = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"health": "GOOD"})));

    line.cut();

    // SDKs are answered from memory, with what was there.
    let document = app.client_features(CLIENT_DEV).await;
    assert!(flag_in(&document, "before-outage").is_some(), "{document}");
    let (status, toggles) = app
        .call(
            Method::POST,
            "/api/frontend",
            Some(FRONTEND),
            Some(json!({"context": {}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{toggles}");
    // Writes are refused at once, saying why and when to try again.
    let response = app
        .http
        .post(format!("{}{F}", app.base))
        .header("Authorization", ADMIN)
        .json(&json!({"name": "during-outage"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let retry_after: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["name"], "ServiceUnavailableError", "{body}");
    let message = body["message"].as_str().expect("a message");
    assert!(
        message.contains(UNREACHABLE) && message.contains("nothing was stored"),
        "{message}"
    );
    assert_eq!(body["details"][0]["message"], message);
    // Admin reads need the database too.
    let (status, body) = app.admin(Method::GET, "/api/admin/projects", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    // SDK metrics and registrations are not stored, and say so.
    let now = chrono_now();
    for (path, body) in [
        (
            "/api/client/register",
            json!({"appName": "checkout", "instanceId": "i-1", "strategies": ["default"],
                   "started": now, "interval": 15000}),
        ),
        (
            "/api/client/metrics",
            json!({"appName": "checkout", "instanceId": "i-1", "bucket": {
                "start": now, "stop": now, "toggles": {"before-outage": {"yes": 1, "no": 0}}}}),
        ),
    ] {
        let (status, answer) = app
            .call(Method::POST, path, Some(CLIENT_DEV), Some(body))
            .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains(UNREACHABLE)),
            "{path}: {answer}"
        );
    }
    // The web UI shows a page that says so.
    for page in [
        browser.get("/projects/default/features").await,
        browser
            .post(
                "/projects/default/features/before-outage/environments/development/toggle",
                &[("_csrf", &csrf)],
            )
            .await,
    ] {
        assert_eq!(
            page.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            page.body
        );
        assert!(page.headers.contains_key(RETRY_AFTER));
        assert!(page.body.contains(UNREACHABLE), "{}", page.body);
    }
    // Not ready, and says why; still alive.
    let (status, body) = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["health"], "BAD");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("database")),
        "{body}"
    );
    let (status, _) = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);

    line.restore();

    // Within a few seconds writes succeed again; the refused one stored
    // nothing (a 201, not a 409), and what was acknowledged before is there.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = app
            .admin(Method::POST, F, Some(json!({"name": "during-outage"})))
            .await;
        if status == StatusCode::CREATED {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "writes still refused 10 s after the database came back: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = app.call(Method::GET, "/ready", None, None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"health": "GOOD"})));
    let (status, _) = app
        .admin(Method::GET, &format!("{F}/before-outage"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let document = app.client_features(CLIENT_DEV).await;
    for name in ["before-outage", "during-outage"] {
        assert!(flag_in(&document, name).is_some(), "{name}: {document}");
    }
    let created: Vec<Value> = all_events(&app)
        .await
        .into_iter()
        .filter(|e| e["type"] == "feature-created")
        .map(|e| e["featureName"].clone())
        .collect();
    assert_eq!(created.len(), 2, "{created:?}");
    let page = browser.get("/projects/default/features").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    app.stop().await;
}
