//! SDK metrics: exact counts under concurrency, views, retention.

use crate::helpers::*;

/// Metrics from many instances at once add up exactly, survive a restart, and
/// bad reports are refused without storing anything.
pub async fn metrics_add_up_exactly(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["flag-a", "flag-b"]).await;
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

/// The per-flag summary, applications and instances, and retention.
pub async fn metrics_views_and_retention(db: Db) {
    let app = spawn_app_with(db, |args| args.metrics_retention_hours = 2).await;
    create_flags(&app, &["f"]).await;
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

    // Buckets older than the retention go: the pruner runs at start and
    // every ten minutes by the server's clock.
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
    app.advance(Duration::from_secs(10 * 60));
    // The pruner looks every second whether a prune is due.
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
    // The last hour is the last hour by the server's clock.
    app.advance(Duration::from_secs(3 * 3600));
    let (_, summary) = app
        .admin(Method::GET, "/api/admin/client-metrics/features/f", None)
        .await;
    assert_eq!(summary["lastHourUsage"], json!([]), "{summary}");
    app.stop().await;
}

/// A 503 means nothing of the report was stored (so a retry counts once); a
/// 202 means all of it was. Flags that do not exist are not stored as metrics,
/// only noted in a bounded unknown-flags list; client-sent names are bounded.
pub async fn metrics_refused_store_nothing(db: Db) {
    let app = spawn_app(db.clone()).await;
    create_flags(&app, &["counted"]).await;
    let now = chrono_now();
    let report = |yes: u64| {
        json!({"appName": "svc", "instanceId": "i-1", "bucket": {"start": now, "stop": now,
            "toggles": {"counted": {"yes": yes, "no": 0, "variants": {"blue": yes}}}}})
    };
    let send = |body: Value| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/client/metrics",
                Some(CLIENT_DEV),
                Some(body),
            )
            .await
        }
    };
    let counted = || {
        let app = &app;
        async move {
            let (_, raw) = app
                .admin(
                    Method::GET,
                    "/api/admin/client-metrics/features/counted/raw?hoursBack=2",
                    None,
                )
                .await;
            raw["data"]
                .as_array()
                .expect("rows")
                .iter()
                .fold((0, 0), |(y, b), r| {
                    (
                        y + r["yes"].as_u64().unwrap_or(0),
                        b + r["variants"]["blue"].as_u64().unwrap_or(0),
                    )
                })
        }
    };
    assert_eq!(send(report(5)).await.0, StatusCode::ACCEPTED);
    // The batch's second table is gone: the batch fails after its first insert.
    execute_on(
        &db,
        "ALTER TABLE client_metric_variants RENAME TO client_metric_variants_away",
    )
    .await;
    let response = app
        .http
        .post(format!("{}/api/client/metrics", app.base))
        .header("Authorization", CLIENT_DEV)
        .json(&report(7))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    execute_on(
        &db,
        "ALTER TABLE client_metric_variants_away RENAME TO client_metric_variants",
    )
    .await;
    assert_eq!(counted().await, (5, 5), "the refused report left nothing");
    assert_eq!(send(report(7)).await.0, StatusCode::ACCEPTED);
    assert_eq!(counted().await, (12, 12), "the retry counted once");

    // Made-up flags: no metrics rows, at most 100 noted per report.
    let made_up: serde_json::Map<String, Value> = (0..1000)
        .map(|i| (format!("made-up-{i}"), json!({"yes": 1, "no": 0})))
        .chain([("counted".to_owned(), json!({"yes": 1, "no": 0}))])
        .collect();
    for _ in 0..3 {
        let body =
            json!({"appName": "svc", "bucket": {"start": now, "stop": now, "toggles": made_up}});
        assert_eq!(send(body).await.0, StatusCode::ACCEPTED);
    }
    assert_eq!(counted().await.0, 15);
    let (_, raw) = app
        .admin(
            Method::GET,
            "/api/admin/client-metrics/features/made-up-1/raw",
            None,
        )
        .await;
    assert_eq!(raw["data"], json!([]));
    let (_, unknown) = app
        .admin(Method::GET, "/api/admin/metrics/unknown-flags", None)
        .await;
    let unknown = unknown["unknownFlags"].as_array().expect("list");
    assert!(
        !unknown.is_empty() && unknown.len() <= 300,
        "{}",
        unknown.len()
    );
    assert_eq!(unknown[0]["appName"], "svc");
    assert_eq!(unknown[0]["environment"], "development");
    let (_, seen) = app
        .admin(Method::GET, "/api/admin/metrics/applications/svc", None)
        .await;
    assert_eq!(seen["seenToggles"], json!(["counted"]));

    // Client-sent names and lists are bounded.
    let long = "x".repeat(300);
    for (path, bad) in [
        (
            "/api/client/metrics",
            json!({"appName": "svc", "instanceId": long, "bucket": {"start": now, "stop": now, "toggles": {}}}),
        ),
        (
            "/api/client/metrics",
            json!({"appName": "svc", "bucket": {"start": now, "stop": now,
            "toggles": {"counted": {"yes": 1, "no": 0, "variants": {long.clone(): 1}}}}}),
        ),
        (
            "/api/client/register",
            json!({"appName": "svc", "instanceId": "i", "sdkVersion": long}),
        ),
        (
            "/api/client/register",
            json!({"appName": "svc", "instanceId": "i", "strategies": vec!["s"; 101]}),
        ),
    ] {
        let (status, body) = app
            .call(Method::POST, path, Some(CLIENT_DEV), Some(bad))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    }
    assert_eq!(counted().await.0, 15, "refused reports stored nothing");
    app.stop().await;
}
