//! Flags, strategies, variants, segments, context fields and projects through
//! the admin API: the guide's calls, bad input, concurrency, the playground.

use crate::helpers::*;

/// The calls of the Unleash guide, with its bodies, in its order.
pub async fn guide_flow(db: Db) {
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

/// Concurrent read-modify-write requests never lose one another: each is
/// decided inside the write transaction.
pub async fn concurrent_writes_lose_nothing(db: Db) {
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

/// What the engine cannot use in stored flags (written before the API
/// checked, or by hand) is listed by the admin API, per environment.
pub async fn engine_warnings_are_listed(db: Db) {
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

/// Unmatched routes and methods answer Unleash's JSON error naming them;
/// `GET /` says what this server is.
pub async fn unknown_routes(db: Db) {
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
pub async fn bad_input_changes_nothing(db: Db) {
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
    // Each refusal says what is wrong for people, and its detail names the
    // field at fault (Unleash's `details[].path`); no path is put in the text.
    let refusals: Vec<(&str, Option<&str>)> = cases
        .iter()
        .filter_map(|(_, (_, body))| {
            Some((
                body["message"].as_str()?,
                body["details"][0]["path"].as_str(),
            ))
        })
        .collect();
    for expected in [
        ("the constraint value is not a number", Some("constraints[0].value")),
        (
            "the constraint value is not a valid regular expression",
            Some("constraints[1].value"),
        ),
        (
            "\"nope\" is not an IP address or CIDR range",
            Some("constraints[0].values"),
        ),
        (
            "versions written with a leading 'v' never match",
            Some("constraints[0].value"),
        ),
        ("unknown operator \"LIKE\"", Some("constraints[0].operator")),
        (
            "the rollout must be a whole number from 0 to 100, not \"150\"",
            Some("parameters.rollout"),
        ),
        (
            "a flag name must be URL friendly (letters, digits and - _ . ! ~ * ' ( ), no spaces), not \"has space\"",
            Some("name"),
        ),
        ("\"nonsense\" is not a known feature type", Some("type")),
        ("Cannot change name of feature flag", Some("name")),
        ("The sum of fixed variant weights exceeds 1000", None),
    ] {
        assert!(refusals.contains(&expected), "{expected:?} not in {refusals:#?}");
    }
    for (_, (_, body)) in &cases {
        let detail = &body["details"][0];
        if detail.is_object() {
            assert_eq!(detail["message"], body["message"], "{body}");
            assert_eq!(detail["description"], body["message"], "{body}");
        }
        assert!(
            !body["message"]
                .as_str()
                .is_some_and(|m| m.contains("constraints[")),
            "no path in the message: {body}"
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

/// Segments, context fields, projects and environments, and reviving a flag.
pub async fn segments_context_projects(db: Db) {
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

/// The playground explains each flag: strategies, constraints, segments.
pub async fn playground_explains(db: Db) {
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

pub async fn health(db: Db) {
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
