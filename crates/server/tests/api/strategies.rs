//! Custom strategy types with Unleash 8's bodies and statuses (built-ins
//! cannot be changed), flags naming one (off for SDK evaluation), and the
//! project default strategy that switching on adds.

use crate::helpers::*;

const STRATEGIES: &str = "/api/admin/strategies";

pub async fn custom_strategies(db: Db) {
    let app = spawn_app(db).await;
    let (_, body) = app.admin(Method::GET, STRATEGIES, None).await;
    let builtin = body["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .find(|s| s["name"] == "flexibleRollout")
        .cloned()
        .expect("flexibleRollout");
    assert_eq!(builtin["editable"], false);
    assert_eq!(builtin["displayName"], "Gradual rollout");
    assert!(builtin["parameters"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["name"] == "rollout")));

    let custom = json!({
        "name": "country", "description": "On in the listed countries",
        "parameters": [{"name": "countries", "type": "list", "description": "ISO codes", "required": true}]
    });
    let response = app
        .http
        .post(format!("{}{STRATEGIES}", app.base))
        .header("Authorization", ADMIN)
        .json(&custom)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["location"], "strategies/country");
    let created: Value = response.json().await.expect("json");
    assert_eq!(created["name"], "country");
    assert_eq!(created["displayName"], "country");
    assert_eq!(created["editable"], true);
    assert_eq!(created["deprecated"], false);
    assert_eq!(created["parameters"], custom["parameters"]);
    let (status, body) = app
        .admin(Method::GET, &format!("{STRATEGIES}/country"), None)
        .await;
    assert_eq!((status, &body), (StatusCode::OK, &created));
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{STRATEGIES}/country"),
            Some(json!({"description": "Countries", "parameters": []})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = app
        .admin(Method::GET, &format!("{STRATEGIES}/country"), None)
        .await;
    assert_eq!(
        (&body["description"], &body["parameters"]),
        (&json!("Countries"), &json!([]))
    );
    for (action, deprecated) in [("deprecate", true), ("reactivate", false)] {
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{STRATEGIES}/country/{action}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}");
        let (_, body) = app
            .admin(Method::GET, &format!("{STRATEGIES}/country"), None)
            .await;
        assert_eq!(body["deprecated"], deprecated, "{action}");
    }
    // A built-in can be deprecated and reactivated, as in Unleash.
    for action in ["deprecate", "reactivate"] {
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{STRATEGIES}/userWithId/{action}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }

    // A flag naming the custom strategy is accepted, and is off for SDK
    // evaluation (SDKs treat a strategy they do not know as off).
    create_flags(&app, &["by-country", "by-country-or-all"]).await;
    for (flag, names) in [
        ("by-country", vec!["country"]),
        ("by-country-or-all", vec!["country", "default"]),
    ] {
        for name in names {
            let (status, body) = app
                .admin(
                    Method::POST,
                    &format!("{F}/{flag}/environments/development/strategies"),
                    Some(json!({"name": name, "parameters": {"countries": "NO,SE"}})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{F}/{flag}/environments/development/on"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let document = app.client_features(CLIENT_DEV).await;
    let strategies = &flag_in(&document, "by-country").expect("in the document")["strategies"];
    assert_eq!(
        strategies[0]["name"], "country",
        "SDKs get the strategy as it is"
    );
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/playground",
            Some(json!({"environment": "development", "projects": "*",
                "context": {"appName": "shop", "userId": "1", "properties": {"country": "NO"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let enabled = |name: &str| {
        body["features"]
            .as_array()
            .expect("features")
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["isEnabled"].clone())
    };
    assert_eq!(enabled("by-country"), Some(json!(false)));
    assert_eq!(enabled("by-country-or-all"), Some(json!(true)));
    let (_, toggles) = app
        .call(
            Method::POST,
            "/api/frontend",
            Some(FRONTEND),
            Some(json!({"context": {"userId": "1", "properties": {"country": "NO"}}})),
        )
        .await;
    let on: Vec<&str> = toggles["toggles"]
        .as_array()
        .expect("toggles")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        on.contains(&"by-country-or-all") && !on.contains(&"by-country"),
        "{on:?}"
    );

    // Deleting it leaves the flags naming it (as Unleash), still off.
    let (status, _) = app
        .admin(Method::DELETE, &format!("{STRATEGIES}/country"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .admin(Method::GET, &format!("{STRATEGIES}/country"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let document = app.client_features(CLIENT_DEV).await;
    assert_eq!(
        flag_in(&document, "by-country").expect("still there")["strategies"][0]["name"],
        "country"
    );
    let types: Vec<String> = all_events(&app)
        .await
        .iter()
        .filter_map(|e| e["type"].as_str())
        .filter(|t| t.starts_with("strategy-"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        types,
        [
            "strategy-deleted",
            "strategy-reactivated",
            "strategy-deprecated",
            "strategy-reactivated",
            "strategy-deprecated",
            "strategy-updated",
            "strategy-created"
        ]
    );
    app.stop().await;
}

/// Built-ins cannot be changed (403); bad bodies are 400, a taken name 409,
/// an unknown strategy 404; nothing is recorded.
pub async fn bad_strategy_input_changes_nothing(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["plain"]).await;
    let before = all_events(&app).await;
    let cases: Vec<(&str, Method, String, Option<Value>, StatusCode)> = vec![
        (
            "change a built-in",
            Method::PUT,
            format!("{STRATEGIES}/flexibleRollout"),
            Some(json!({"description": "mine now", "parameters": []})),
            StatusCode::FORBIDDEN,
        ),
        (
            "delete a built-in",
            Method::DELETE,
            format!("{STRATEGIES}/default"),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            "a taken name",
            Method::POST,
            STRATEGIES.into(),
            Some(json!({"name": "default", "parameters": []})),
            StatusCode::CONFLICT,
        ),
        (
            "a name that is not URL friendly",
            Method::POST,
            STRATEGIES.into(),
            Some(json!({"name": "my strategy", "parameters": []})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "no parameters",
            Method::POST,
            STRATEGIES.into(),
            Some(json!({"name": "mine"})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a parameter without a type",
            Method::POST,
            STRATEGIES.into(),
            Some(json!({"name": "mine", "parameters": [{"name": "x"}]})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "change an unknown one",
            Method::PUT,
            format!("{STRATEGIES}/nope"),
            Some(json!({"parameters": []})),
            StatusCode::NOT_FOUND,
        ),
        (
            "deprecate an unknown one",
            Method::POST,
            format!("{STRATEGIES}/nope/deprecate"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "a flag strategy of an unknown type",
            Method::POST,
            format!("{F}/plain/environments/development/strategies"),
            Some(json!({"name": "nope"})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a default strategy that is not a flexible rollout",
            Method::POST,
            "/api/admin/projects/default/environments/development/default-strategy".into(),
            Some(json!({"name": "default"})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a default strategy with a bad rollout",
            Method::POST,
            "/api/admin/projects/default/environments/development/default-strategy".into(),
            Some(json!({"name": "flexibleRollout", "parameters": {"rollout": "150"}})),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a default strategy in an unknown environment",
            Method::POST,
            "/api/admin/projects/default/environments/nope/default-strategy".into(),
            Some(json!({"name": "flexibleRollout"})),
            StatusCode::NOT_FOUND,
        ),
        (
            "a default strategy naming a missing segment",
            Method::POST,
            "/api/admin/projects/default/environments/development/default-strategy".into(),
            Some(json!({"name": "flexibleRollout", "segments": [999]})),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (case, method, path, body, expected) in cases {
        let (status, answer) = app.admin(method, &path, body).await;
        assert_eq!(status, expected, "{case}: {answer}");
        assert!(answer["message"].is_string(), "{case}: {answer}");
    }
    assert_eq!(all_events(&app).await, before, "nothing was recorded");
    let (_, body) = app
        .admin(Method::GET, &format!("{STRATEGIES}/flexibleRollout"), None)
        .await;
    assert_ne!(body["description"], "mine now");
    app.stop().await;
}

/// A project's default strategy for an environment is what switching a flag
/// on there adds when it has no active strategy; its empty groupId becomes
/// the flag's name. Other environments keep Unleash's 100% rollout.
pub async fn switch_on_uses_the_project_default(db: Db) {
    let app = spawn_app(db.clone()).await;
    let path = "/api/admin/projects/default/environments/production/default-strategy";
    let default = json!({
        "name": "flexibleRollout", "title": "Half of EU",
        "parameters": {"rollout": 50, "stickiness": "userId", "groupId": ""},
        "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]
    });
    let (status, body) = app.admin(Method::POST, path, Some(default)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "flexibleRollout");
    assert_eq!(body["title"], "Half of EU");
    assert_eq!(body["parameters"]["rollout"], "50");
    assert_eq!(body["constraints"][0]["values"], json!(["eu"]));
    let event = &all_events(&app).await[0];
    assert_eq!(event["type"], "default-strategy-updated");
    assert_eq!(
        (&event["project"], &event["environment"]),
        (&json!("default"), &json!("production"))
    );
    assert_eq!(event["data"], body);
    assert_eq!(event["preData"], Value::Null);
    let (_, project) = app
        .admin(Method::GET, "/api/admin/projects/default", None)
        .await;
    let production = project["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .find(|e| e["environment"] == "production")
        .cloned()
        .expect("production");
    assert_eq!(production["defaultStrategy"], body);

    create_flags(&app, &["rollout"]).await;
    for env in ["production", "development"] {
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{F}/rollout/environments/{env}/on"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, strategies) = app
        .admin(
            Method::GET,
            &format!("{F}/rollout/environments/production/strategies"),
            None,
        )
        .await;
    assert_eq!(strategies.as_array().map(Vec::len), Some(1), "{strategies}");
    let added = &strategies[0];
    assert_eq!(added["name"], "flexibleRollout");
    assert_eq!(added["title"], "Half of EU");
    assert_eq!(
        added["parameters"],
        json!({"rollout": "50", "stickiness": "userId", "groupId": "rollout"})
    );
    assert_eq!(added["constraints"][0]["contextName"], "region");
    let (_, strategies) = app
        .admin(
            Method::GET,
            &format!("{F}/rollout/environments/development/strategies"),
            None,
        )
        .await;
    assert_eq!(
        strategies[0]["parameters"],
        json!({"rollout": "100", "stickiness": "default", "groupId": "rollout"}),
        "no default set there: Unleash's"
    );
    // Changing it records the one it replaced.
    let (status, _) = app
        .admin(
            Method::POST,
            path,
            Some(json!({"name": "flexibleRollout", "parameters": {"rollout": "10"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let event = &all_events(&app).await[0];
    assert_eq!(event["preData"]["title"], "Half of EU");
    assert_eq!(event["data"]["parameters"]["rollout"], "10");
    // A segment a default strategy uses cannot be deleted.
    let (_, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "eu", "constraints": []})),
        )
        .await;
    let (status, _) = app
        .admin(
            Method::POST,
            path,
            Some(json!({"name": "flexibleRollout", "segments": [segment["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/segments/{}", segment["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    check_against_fresh_start(&app, &db, "switching on with a project default").await;
    app.stop().await;
}
