//! The SDK-facing APIs: client features (ETags, filters), frontend API, OFREP.

use crate::helpers::*;

/// The ETag of an environment's document moves only when that document
/// changes: a write in another environment, or a token, leaves it alone.
pub async fn etags_move_with_their_environment(db: Db) {
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

/// The client document carries an ETag; the same ETag gives 304 until a change.
pub async fn client_etag_and_filters(db: Db) {
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

/// The frontend API: enabled flags only, context from the query or the body,
/// ETag/304, CORS, its own token kind, and its metrics.
pub async fn frontend_api(db: Db) {
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
        json!({"name": "v", "enabled": true, "feature_enabled": true, "featureEnabled": true, "payload": {"type": "string", "value": "p"}})
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

/// OFREP: single and bulk evaluation, ETag/304, errors in OFREP's shape.
pub async fn ofrep(db: Db) {
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
