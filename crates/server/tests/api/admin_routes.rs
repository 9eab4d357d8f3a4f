//! Admin routes automation scripts call beyond the guide's: name validation,
//! clone, one environment of a flag, bulk on/off, bulk stale, strategy sort
//! order, the flat flag list, one project; on/off answer the flag.

use crate::helpers::*;

fn revisions_of(events: &[Value], feature: &str) -> Vec<i64> {
    let mut revisions: Vec<i64> = events
        .iter()
        .filter(|e| e["featureName"] == feature)
        .filter_map(|e| e["revision"].as_i64())
        .collect();
    revisions.sort_unstable();
    revisions.dedup();
    revisions
}

pub async fn scripts_routes(db: Db) {
    let app = spawn_app(db).await;
    let validate = |name: &str| {
        let app = &app;
        let body = json!({"name": name, "projectId": "default"});
        async move {
            app.admin(Method::POST, "/api/admin/features/validate", Some(body))
                .await
                .0
        }
    };
    assert_eq!(validate("source").await, StatusCode::OK);
    assert_eq!(validate("bad name").await, StatusCode::BAD_REQUEST);
    create_flags(&app, &["source"]).await;
    assert_eq!(validate("source").await, StatusCode::CONFLICT);

    let flag = "/api/admin/projects/default/features/source";
    let dev = format!("{flag}/environments/development");
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{dev}/strategies"),
            Some(json!({"name": "flexibleRollout", "parameters": {"rollout": "30", "stickiness": "userId", "groupId": "source"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{dev}/variants"),
            Some(json!([{"name": "blue", "weight": 0}, {"name": "green", "weight": 0}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = app.admin(Method::POST, &format!("{dev}/on"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["name"], "source", "on answers the flag");

    // Clone: settings, strategies (groupId renamed) and variants, switched off; one revision.
    let (status, copy) = app
        .admin(
            Method::POST,
            &format!("{flag}/clone"),
            Some(json!({"name": "copy"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{copy}");
    let copy_dev = &copy["environments"][0];
    assert_eq!(copy_dev["name"], "development");
    assert_eq!(copy_dev["enabled"], false);
    assert_eq!(copy_dev["strategies"][0]["parameters"]["groupId"], "copy");
    assert_eq!(copy_dev["strategies"][0]["parameters"]["rollout"], "30");
    assert_eq!(copy_dev["variants"].as_array().map(Vec::len), Some(2));
    assert_eq!(revisions_of(&all_events(&app).await, "copy").len(), 1);
    let (_, same_group) = app
        .admin(
            Method::POST,
            &format!("{flag}/clone"),
            Some(json!({"name": "copy-2", "replaceGroupId": false})),
        )
        .await;
    assert_eq!(
        same_group["environments"][0]["strategies"][0]["parameters"]["groupId"],
        "source"
    );
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{flag}/clone"),
            Some(json!({"name": "copy"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // One environment of a flag.
    let (status, env) = app.admin(Method::GET, &dev, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            env["name"].as_str(),
            env["featureName"].as_str(),
            env["enabled"].as_bool()
        ),
        (Some("development"), Some("source"), Some(true))
    );
    assert_eq!(env["strategies"].as_array().map(Vec::len), Some(1));
    let (status, _) = app
        .admin(Method::GET, &format!("{flag}/environments/nowhere"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bulk on in production: one revision; an unknown flag changes nothing.
    let bulk = "/api/admin/projects/default/bulk_features/environments/production";
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("{bulk}/on"),
            Some(json!({"features": ["source", "nope"]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let before = all_events(&app).await.len();
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{bulk}/on"),
            Some(json!({"features": ["source", "copy"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let events = all_events(&app).await;
    let new: Vec<&Value> = events.iter().take(events.len() - before).collect();
    assert_eq!(
        new.len(),
        4,
        "a default strategy and an enable each: {new:?}"
    );
    assert!(new.iter().all(|e| e["revision"] == new[0]["revision"]));
    for name in ["source", "copy"] {
        let (_, production) = app
            .admin(
                Method::GET,
                &format!("/api/admin/projects/default/features/{name}/environments/production"),
                None,
            )
            .await;
        assert_eq!(production["enabled"], true, "{name}");
    }

    // Bulk stale.
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/default/stale",
            Some(json!({"features": ["source", "copy"], "stale": true})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, read) = app.admin(Method::GET, flag, None).await;
    assert_eq!(read["stale"], true);

    // Strategy sort order.
    let (_, second) = app
        .admin(
            Method::POST,
            &format!("{dev}/strategies"),
            Some(json!({"name": "default"})),
        )
        .await;
    let (_, listed) = app
        .admin(Method::GET, &format!("{dev}/strategies"), None)
        .await;
    let ids: Vec<String> = listed
        .as_array()
        .expect("strategies")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[1], second["id"].as_str().expect("id"));
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{dev}/strategies/set-sort-order"),
            Some(json!([{"id": ids[0], "sortOrder": 2}, {"id": ids[1], "sortOrder": 1}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = app
        .admin(Method::GET, &format!("{dev}/strategies"), None)
        .await;
    assert_eq!(listed[0]["id"], ids[1].as_str());

    // The flat list and one project.
    let (status, all) = app.admin(Method::GET, "/api/admin/features", None).await;
    assert_eq!(status, StatusCode::OK);
    let mut names: Vec<&str> = all["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["copy", "copy-2", "source"]);
    let (status, project) = app
        .admin(Method::GET, "/api/admin/projects/default", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(project["featureCount"], 3);
    assert_eq!(
        project["featureTypeCounts"],
        json!([{"type": "release", "count": 3}])
    );
    assert_eq!(project["environments"].as_array().map(Vec::len), Some(2));
    let (status, _) = app
        .admin(Method::GET, "/api/admin/projects/nope", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// SDKs older than client specification 4.2.0 (or that do not say) get each
/// segment's constraints inlined into the strategies and no `segments`, as
/// Unleash serves them; newer ones get segments by id. The two have their own ETags.
pub async fn old_sdks_get_segments_inlined(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["segmented"]).await;
    let (_, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "staff", "constraints": [
                {"contextName": "email", "operator": "STR_ENDS_WITH", "values": ["@example.com"]}
            ]})),
        )
        .await;
    let id = segment["id"].as_i64().expect("segment id");
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/default/features/segmented/environments/development/strategies",
            Some(json!({"name": "default", "segments": [id],
                "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let get = |spec: Option<&'static str>| {
        let app = &app;
        async move {
            let mut request = app
                .http
                .get(format!("{}/api/client/features", app.base))
                .header("Authorization", CLIENT_DEV);
            if let Some(spec) = spec {
                request = request.header("Unleash-Client-Spec", spec);
            }
            let response = request.send().await.expect("answered");
            let etag = response.headers()["etag"]
                .to_str()
                .expect("etag")
                .to_owned();
            (etag, response.json::<Value>().await.expect("json"))
        }
    };
    for spec in [None, Some("4.1.0"), Some("not a version")] {
        let (_, old) = get(spec).await;
        let strategy = &flag_in(&old, "segmented").expect("flag")["strategies"][0];
        let fields: Vec<&str> = strategy["constraints"]
            .as_array()
            .expect("constraints")
            .iter()
            .filter_map(|c| c["contextName"].as_str())
            .collect();
        assert_eq!(fields, ["region", "email"], "{spec:?}");
        assert!(strategy.get("segments").is_none(), "{spec:?}: {strategy}");
        assert!(old.get("segments").is_none(), "{spec:?}");
        assert_eq!(old["query"]["inlineSegmentConstraints"], true);
    }
    let (new_etag, new) = get(Some("5.1.0")).await;
    let strategy = &flag_in(&new, "segmented").expect("flag")["strategies"][0];
    assert_eq!(strategy["segments"], json!([id]));
    assert_eq!(strategy["constraints"].as_array().map(Vec::len), Some(1));
    assert_eq!(new["segments"][0]["id"], id);
    assert_ne!(new_etag, get(None).await.0);
    app.stop().await;
}

/// Tokens by name and their expiry (`GET`/`PUT /api/admin/api-tokens/:x`),
/// and `POST /api/admin/constraints/validate`.
pub async fn tokens_and_constraints_routes(db: Db) {
    let app = spawn_app(db).await;
    let (status, created) = app
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(json!({"tokenName": "reporter", "type": "backend", "environment": "development"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let id = created["id"].as_str().expect("id").to_owned();
    let (status, named) = app
        .admin(Method::GET, "/api/admin/api-tokens/reporter", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(named["tokens"].as_array().map(Vec::len), Some(1));
    assert!(
        named.to_string().find(&secret).is_none(),
        "never the secret"
    );

    let soon = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    for (token, body, expected) in [
        (
            id.as_str(),
            json!({"expiresAt": "2001-01-01T00:00:00Z"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            id.as_str(),
            json!({"expiresAt": "tomorrow"}),
            StatusCode::BAD_REQUEST,
        ),
        ("nope", json!({"expiresAt": soon}), StatusCode::NOT_FOUND),
        (id.as_str(), json!({"expiresAt": soon}), StatusCode::OK),
    ] {
        let (status, answer) = app
            .admin(
                Method::PUT,
                &format!("/api/admin/api-tokens/{token}"),
                Some(body),
            )
            .await;
        assert_eq!(status, expected, "{answer}");
    }
    let (_, named) = app
        .admin(Method::GET, "/api/admin/api-tokens/reporter", None)
        .await;
    assert_eq!(named["tokens"][0]["expiresAt"], soon.as_str());
    let events = all_events(&app).await;
    assert_eq!(events[0]["type"], "api-token-updated");
    let (status, _) = app
        .call(Method::GET, "/api/client/features", Some(&secret), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    app.advance(Duration::from_secs(3601));
    let (status, _) = app
        .call(Method::GET, "/api/client/features", Some(&secret), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "expired by its new date");

    let validate = |constraint: Value| {
        let app = &app;
        async move {
            app.admin(
                Method::POST,
                "/api/admin/constraints/validate",
                Some(constraint),
            )
            .await
        }
    };
    let (status, _) =
        validate(json!({"contextName": "age", "operator": "NUM_GT", "value": "18"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for bad in [
        json!({"contextName": "age", "operator": "NUM_GT", "values": []}),
        json!({"contextName": "age", "operator": "MAYBE", "values": ["1"]}),
        json!({"contextName": "", "operator": "IN", "values": ["1"]}),
    ] {
        let (status, answer) = validate(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    }
    app.stop().await;
}

/// Projects change and go: rename, remove an environment (its flag settings
/// go with it, and the client API follows), delete only when empty (409).
pub async fn projects_change_and_go(db: Db) {
    let app = spawn_app(db).await;
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "shop", "name": "Shop"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::PUT,
            "/api/admin/projects/shop",
            Some(json!({"name": "Shop front", "description": "what customers see"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, shop) = app
        .admin(Method::GET, "/api/admin/projects/shop", None)
        .await;
    assert_eq!(shop["name"], "Shop front");
    let (status, _) = app
        .admin(
            Method::PUT,
            "/api/admin/projects/shop",
            Some(json!({"name": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/shop/features",
            Some(json!({"name": "cart"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/shop/features/cart/environments/development/on",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(flag_in(&app.client_features(CLIENT_DEV).await, "cart").is_some());
    let (status, _) = app
        .admin(
            Method::DELETE,
            "/api/admin/projects/shop/environments/development",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        flag_in(&app.client_features(CLIENT_DEV).await, "cart").is_none(),
        "the client API no longer lists the flag in the removed environment"
    );
    let (_, cart) = app
        .admin(Method::GET, "/api/admin/projects/shop/features/cart", None)
        .await;
    let environments: Vec<&str> = cart["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(environments, ["production"]);
    let (status, _) = app
        .admin(
            Method::DELETE,
            "/api/admin/projects/shop/environments/production",
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a project keeps one environment"
    );

    let (status, body) = app
        .admin(Method::DELETE, "/api/admin/projects/shop", None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    app.admin(
        Method::DELETE,
        "/api/admin/projects/shop/features/cart",
        None,
    )
    .await;
    app.admin(Method::DELETE, "/api/admin/archive/cart", None)
        .await;
    let (status, _) = app
        .admin(Method::DELETE, "/api/admin/projects/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .admin(Method::GET, "/api/admin/projects/shop", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let types: Vec<String> = all_events(&app)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(types[0], "project-deleted");
    for expected in ["project-updated", "project-environment-removed"] {
        assert!(types.iter().any(|t| t == expected), "{expected}: {types:?}");
    }
    app.stop().await;
}

/// Flag search and event search, with Unleash's `IS:` / `IS_ANY_OF:` filters.
pub async fn searches(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["checkout-new", "checkout_old", "search-box"]).await;
    app.admin(
        Method::PATCH,
        "/api/admin/projects/default/features/checkout_old",
        Some(json!([
            {"op": "replace", "path": "/type", "value": "experiment"},
            {"op": "replace", "path": "/stale", "value": true}
        ])),
    )
    .await;
    app.admin(
        Method::DELETE,
        "/api/admin/projects/default/features/search-box",
        None,
    )
    .await;
    app.admin(
        Method::POST,
        "/api/admin/projects",
        Some(json!({"id": "shop"})),
    )
    .await;
    app.admin(
        Method::POST,
        "/api/admin/projects/shop/features",
        Some(json!({"name": "shop-banner", "description": "Checkout banner"})),
    )
    .await;
    let find = |query: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app
                .admin(
                    Method::GET,
                    &format!("/api/admin/search/features?{query}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            let mut names: Vec<String> = body["features"]
                .as_array()
                .expect("features")
                .iter()
                .map(|f| f["name"].as_str().unwrap_or("").to_owned())
                .collect();
            if !query.contains("sortBy") {
                names.sort();
            }
            (names, body["total"].as_i64().expect("total"))
        }
    };
    assert_eq!(
        find("query=CHECKOUT").await.0,
        ["checkout-new", "checkout_old", "shop-banner"],
        "name or description, any case"
    );
    assert_eq!(
        find("query=_").await.0,
        ["checkout_old"],
        "LIKE wildcards are literal"
    );
    assert_eq!(find("type=IS:experiment").await.0, ["checkout_old"]);
    assert_eq!(find("project=IS:shop").await.0, ["shop-banner"]);
    assert_eq!(find("project=IS_ANY_OF:shop,default").await.1, 3);
    assert_eq!(find("state=IS:stale").await.0, ["checkout_old"]);
    assert_eq!(find("archived=IS:true").await.0, ["search-box"]);
    let (page, total) = find("sortBy=name&sortOrder=asc&limit=2").await;
    assert_eq!(
        (page, total),
        (
            vec!["checkout-new".to_owned(), "checkout_old".to_owned()],
            3
        )
    );
    let (status, _) = app
        .admin(
            Method::GET,
            "/api/admin/search/features?project=IS_NONE_OF:x",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let events = |query: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app
                .admin(
                    Method::GET,
                    &format!("/api/admin/search/events?{query}"),
                    None,
                )
                .await;
            (status, body["total"].as_i64().unwrap_or(-1))
        }
    };
    let everything = all_events(&app).await.len() as i64;
    assert_eq!(events("").await, (StatusCode::OK, everything));
    assert_eq!(
        events("feature=IS:checkout_old").await.1,
        3,
        "created, metadata, stale"
    );
    assert_eq!(events("type=IS:feature-created&project=IS:shop").await.1, 1);
    let by_admin = all_events(&app)
        .await
        .iter()
        .filter(|e| e["createdBy"] == "admin")
        .count() as i64;
    assert!(
        by_admin > 0 && by_admin < everything,
        "start-up tokens are the system's"
    );
    assert_eq!(events("createdBy=IS:admin").await.1, by_admin);
    assert_eq!(events("from=IS:2001-01-01&to=IS:2001-01-02").await.1, 0);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (_, body) = app
        .admin(
            Method::GET,
            &format!("/api/admin/search/events?from=IS:{today}&to=IS:{today}"),
            None,
        )
        .await;
    assert_eq!(body["total"].as_i64(), Some(everything));
    assert_eq!(events("from=IS:yesterday").await.0, StatusCode::BAD_REQUEST);
    app.stop().await;
}

/// The flag search's index (trigram: SQLite's FTS5 table, PostgreSQL's
/// `pg_trgm`) follows every write, and the search finds what a plain
/// case-insensitive "contains" finds, for texts short and long, with quotes
/// and LIKE wildcards.
pub async fn search_index_follows_writes(db: Db) {
    let app = spawn_app(db).await;
    let mut flags: Vec<(String, String)> = Vec::new();
    for (name, description) in [
        ("Checkout-Banner", "Shows the NEW banner"),
        ("ab", "a \"quoted\" word"),
        ("search.box", "100% of the traffic_ok"),
        ("new-onboarding", ""),
    ] {
        let (status, body) = app
            .admin(
                Method::POST,
                "/api/admin/projects/default/features",
                Some(json!({"name": name, "description": description})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        flags.push((name.to_owned(), description.to_owned()));
    }
    let found = |query: &'static str| {
        let app = &app;
        async move {
            let url =
                reqwest::Url::parse_with_params("http://x/", &[("query", query)]).expect("url");
            let path = format!("/api/admin/search/features?{}", url.query().unwrap_or(""));
            let (status, body) = app.admin(Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            let names: Vec<String> = body["features"]
                .as_array()
                .expect("features")
                .iter()
                .map(|f| f["name"].as_str().unwrap_or("").to_owned())
                .collect();
            assert_eq!(body["total"].as_u64(), Some(names.len() as u64), "{query}");
            let mut names = names;
            names.sort();
            names
        }
    };
    let expected = |flags: &[(String, String)], query: &str| -> Vec<String> {
        let query = query.to_lowercase();
        let mut names: Vec<String> = flags
            .iter()
            .filter(|(name, description)| {
                name.to_lowercase().contains(&query) || description.to_lowercase().contains(&query)
            })
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        names
    };
    let queries = [
        "a",
        "AB",
        "new",
        "NEW BANNER",
        "n-b",
        "\"quoted\"",
        "d\" w",
        "100%",
        "c_o",
        "_ok",
        "%",
        "h.b",
        "zzz",
        "banner-x",
        "ONBOARDING",
        "e",
    ];
    for query in queries {
        assert_eq!(found(query).await, expected(&flags, query), "{query}");
    }
    assert_eq!(found("new banner").await, ["Checkout-Banner"]);

    // A new description replaces the old one in the index.
    let (status, body) = app
        .admin(
            Method::PATCH,
            "/api/admin/projects/default/features/Checkout-Banner",
            Some(json!([{"op": "replace", "path": "/description", "value": "Old style"}])),
        )
        .await;
    assert!(status.is_success(), "{body}");
    flags[0].1 = "Old style".to_owned();
    assert!(found("new banner").await.is_empty());
    assert_eq!(found("OLD STY").await, ["Checkout-Banner"]);

    // Deleted for good: gone from the index; the same name made again (the
    // last flag made, so SQLite may give it the same row) is found by its
    // new text only.
    for (method, path) in [
        (
            Method::DELETE,
            "/api/admin/projects/default/features/new-onboarding",
        ),
        (Method::DELETE, "/api/admin/archive/new-onboarding"),
    ] {
        let (status, body) = app.admin(method, path, None).await;
        assert!(status.is_success(), "{path}: {body}");
    }
    flags.pop();
    assert!(found("onboarding").await.is_empty());
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/projects/default/features",
            Some(json!({"name": "new-onboarding", "description": "second tour"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    flags.push(("new-onboarding".to_owned(), "second tour".to_owned()));
    for query in queries.into_iter().chain(["second", "onboarding", "tour"]) {
        assert_eq!(found(query).await, expected(&flags, query), "{query}");
    }
    app.stop().await;
}

/// `lifecycle` on the flag search: each flag's stage derived from what the
/// server knows (archived; SDK reports in a production environment; reports
/// or "enabled" in another), with Unleash's `IS:` / `IS_ANY_OF:` forms.
pub async fn search_by_lifecycle(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["fresh", "staged", "tested", "shipped", "old"]).await;
    for name in ["staged", "shipped"] {
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{F}/{name}/environments/development/on"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = app.admin(Method::DELETE, &format!("{F}/old"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let now = chrono_now();
    for (token, flag) in [(CLIENT_DEV, "tested"), (CLIENT_PROD, "shipped")] {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/client/metrics",
                Some(token),
                Some(json!({"appName": "shop", "instanceId": "i-1", "bucket": {
                    "start": now, "stop": now, "toggles": {flag: {"yes": 3, "no": 1}}}})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let find = |query: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app
                .admin(
                    Method::GET,
                    &format!("/api/admin/search/features?sortBy=name&sortOrder=asc&{query}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            let names: Vec<String> = body["features"]
                .as_array()
                .expect("features")
                .iter()
                .map(|f| f["name"].as_str().unwrap_or("").to_owned())
                .collect();
            assert_eq!(body["total"].as_u64(), Some(names.len() as u64), "{query}");
            (names, body)
        }
    };
    assert_eq!(find("lifecycle=IS:initial").await.0, ["fresh"]);
    assert_eq!(find("lifecycle=IS:pre-live").await.0, ["staged", "tested"]);
    assert_eq!(find("lifecycle=live").await.0, ["shipped"]);
    assert_eq!(find("lifecycle=IS:archived").await.0, ["old"]);
    assert_eq!(
        find("lifecycle=IS_ANY_OF:live,archived").await.0,
        ["old", "shipped"]
    );
    assert_eq!(
        find("lifecycle=IS_ANY_OF:initial,pre-live").await.0,
        ["fresh", "staged", "tested"]
    );
    assert!(find("lifecycle=IS:completed").await.0.is_empty());
    assert_eq!(
        find("lifecycle=IS:archived&archived=IS:true").await.0,
        ["old"]
    );
    assert!(find("lifecycle=IS:live&archived=IS:true")
        .await
        .0
        .is_empty());
    assert_eq!(find("lifecycle=IS:pre-live&query=stag").await.0, ["staged"]);
    // Without the filter every live flag is found, each with its stage.
    let (names, body) = find("").await;
    assert_eq!(names, ["fresh", "shipped", "staged", "tested"]);
    let stage = |name: &str| {
        body["features"]
            .as_array()
            .and_then(|all| all.iter().find(|f| f["name"] == name))
            .map(|f| f["lifecycle"].clone())
            .expect("found")
    };
    let fresh = body["features"][0].clone();
    assert_eq!(
        stage("fresh"),
        json!({"stage": "initial", "enteredStageAt": fresh["createdAt"]})
    );
    assert_eq!(
        stage("staged"),
        json!({"stage": "pre-live", "enteredStageAt": null})
    );
    let hour = format!("{}:00:00.000Z", &now[..13]);
    assert_eq!(
        stage("tested"),
        json!({"stage": "pre-live", "enteredStageAt": hour})
    );
    assert_eq!(
        stage("shipped"),
        json!({"stage": "live", "enteredStageAt": hour})
    );
    let (_, archived) = find("archived=IS:true").await;
    assert_eq!(archived["features"][0]["lifecycle"]["stage"], "archived");
    assert_eq!(
        archived["features"][0]["lifecycle"]["enteredStageAt"],
        archived["features"][0]["archivedAt"]
    );
    for bad in [
        "lifecycle=IS:done",
        "lifecycle=IS_ANY_OF:live,gone",
        "lifecycle=INCLUDE:live",
    ] {
        let (status, body) = app
            .admin(
                Method::GET,
                &format!("/api/admin/search/features?{bad}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("lifecycle")),
            "{body}"
        );
    }
    app.stop().await;
}
