//! The change pipeline: incremental snapshots equal to a fresh start,
//! replicas on one database, restarts (one revision per write: `revisions/`).

use crate::helpers::*;

/// Each change updates only what it touched in the running server's
/// snapshots; a server started afresh on the same database (which builds them
/// whole) must show exactly the same.
pub async fn incremental_snapshots_match_a_fresh_start(db: Db) {
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

/// Two servers on one database are interchangeable: what one commits, the
/// other serves — flags, tokens (and their revocation) — and metrics sent to
/// both add up exactly.
pub async fn replicas_follow_each_other(db: Db) {
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

/// Stop the server, start it on the same database: everything is still there.
pub async fn restart_keeps_everything(db: Db) {
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
