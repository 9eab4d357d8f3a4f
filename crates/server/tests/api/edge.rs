//! What Unleash Edge asks of its upstream besides the client API:
//! `POST /edge/validate`, `POST /api/client/metrics/bulk` and
//! `POST /api/client/metrics/edge`, with the bodies Edge 20 sends.

use crate::helpers::*;

/// Evaluations of `flag` stored per (environment, app), summed over hours.
async fn stored(app: &TestApp, flag: &str) -> Vec<(String, String, u64, u64)> {
    let (status, raw) = app
        .admin(
            Method::GET,
            &format!("/api/admin/client-metrics/features/{flag}/raw?hoursBack=2"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{raw}");
    let mut rows: Vec<(String, String, u64, u64)> = raw["data"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["environment"].as_str().unwrap_or_default().to_owned(),
                r["appName"].as_str().unwrap_or_default().to_owned(),
                r["yes"].as_u64().unwrap_or(0),
                r["no"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    rows.sort();
    rows
}

pub async fn edge_upstream_routes(db: Db) {
    let app = spawn_app_with(db, |args| args.auth_failures_per_minute = 5).await;
    create_flags(&app, &["relayed"]).await;

    // Validation: the live tokens among those asked about, with their scope; no Authorization needed.
    let (status, validated) = app
        .call(
            Method::POST,
            "/edge/validate",
            None,
            Some(
                json!({"tokens": [CLIENT_DEV, FRONTEND, "*:development.not-a-token", CLIENT_PROD]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    assert_eq!(
        validated,
        json!({"tokens": [
            {"token": CLIENT_DEV, "type": "client", "environment": "development", "projects": ["*"]},
            {"token": FRONTEND, "type": "frontend", "environment": "development", "projects": ["default"]},
            {"token": CLIENT_PROD, "type": "client", "environment": "production", "projects": ["default"]},
        ]})
    );
    // Each secret that is not a token counts against the address like a wrong token.
    let guesses: Vec<String> = (0..4).map(|i| format!("*:development.guess-{i}")).collect();
    let (status, body) = app
        .call(
            Method::POST,
            "/edge/validate",
            None,
            Some(json!({"tokens": guesses})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tokens"], json!([]));
    let (status, body) = app
        .call(
            Method::POST,
            "/edge/validate",
            None,
            Some(json!({"tokens": [CLIENT_DEV, "*:development.one-more"]})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Only failures are refused: live tokens alone are still validated.
    let (status, body) = app
        .call(
            Method::POST,
            "/edge/validate",
            None,
            Some(json!({"tokens": [CLIENT_DEV]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tokens"][0]["token"], CLIENT_DEV);
    for bad in [json!({"tokens": "x"}), json!([]), json!({})] {
        let (status, body) = app
            .call(Method::POST, "/edge/validate", None, Some(bad.clone()))
            .await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::TOO_MANY_REQUESTS,
            "{bad}: {status} {body}"
        );
    }
}

pub async fn edge_relays_metrics(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["relayed"]).await;
    let now = chrono_now();
    // The shape Edge 20 posts: applications it saw, counts per flag, app and time.
    let bulk = json!({
        "applications": [{"appName": "behind-edge", "connectVia": [{"appName": "unleash-edge",
            "instanceId": "01J"}], "environment": "development", "projects": ["default"],
            "instanceId": "sdk-1", "connectionId": null, "interval": 1000, "started": now,
            "strategies": ["default"], "sdkVersion": "unleash-node-sdk:6.12.1", "sdkType": "backend",
            "yggdrasilVersion": null, "platformName": null, "platformVersion": null}],
        "metrics": [
            {"featureName": "relayed", "appName": "behind-edge", "environment": "development",
             "timestamp": now, "yes": 3, "no": 1, "variants": {}, "sdkVersion": null,
             "sdkType": null, "yggdrasilVersion": null, "platformName": null, "platformVersion": null},
            {"featureName": "relayed", "appName": "behind-edge", "environment": "development",
             "timestamp": now, "yes": 2, "no": 0, "variants": {"red": 2}},
            // Another environment than the token's: not this token's to report.
            {"featureName": "relayed", "appName": "behind-edge", "environment": "production",
             "timestamp": now, "yes": 100, "no": 100, "variants": {}},
            {"featureName": "never-created", "appName": "behind-edge", "environment": "development",
             "timestamp": now, "yes": 1, "no": 1, "variants": {}}
        ]
    });
    let (status, body) = app
        .call(
            Method::POST,
            "/api/client/metrics/bulk",
            Some(CLIENT_DEV),
            Some(bulk),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(
        stored(&app, "relayed").await,
        vec![("development".to_owned(), "behind-edge".to_owned(), 5, 1)]
    );
    let (_, applications) = app
        .admin(Method::GET, "/api/admin/metrics/applications", None)
        .await;
    assert!(
        applications.to_string().contains("behind-edge"),
        "{applications}"
    );
    let (_, unknown) = app
        .admin(Method::GET, "/api/admin/metrics/unknown-flags", None)
        .await;
    assert!(unknown.to_string().contains("never-created"), "{unknown}");

    // Bad input: 400, nothing stored.
    for bad in [
        json!({"metrics": [{"featureName": "relayed", "appName": "behind-edge",
            "timestamp": "yesterday", "yes": 1, "no": 1}]}),
        json!({"metrics": [{"featureName": "relayed", "appName": "behind-edge",
            "timestamp": "2001-01-01T00:00:00Z", "yes": 1, "no": 1}]}),
        json!({"metrics": [{"featureName": "relayed", "appName": "",
            "timestamp": now, "yes": 1, "no": 1}]}),
        json!({"applications": "none"}),
    ] {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/client/metrics/bulk",
                Some(CLIENT_DEV),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    assert_eq!(
        stored(&app, "relayed").await,
        vec![("development".to_owned(), "behind-edge".to_owned(), 5, 1)],
        "refused reports stored nothing"
    );
    let (status, _) = app
        .call(
            Method::POST,
            "/api/client/metrics/bulk",
            Some(FRONTEND),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Edge's instance data: accepted (so Edge does not back off), not stored.
    let (status, body) = app
        .call(
            Method::POST,
            "/api/client/metrics/edge",
            Some(CLIENT_DEV),
            Some(
                json!({"identifier": "01J", "appName": "unleash-edge", "edgeVersion": "20.1.0",
                "started": now, "connectedStreamingClients": 0, "connectedEdges": []}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/client/metrics/edge",
            Some(CLIENT_DEV),
            Some(json!([1])),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/client/metrics/edge",
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
