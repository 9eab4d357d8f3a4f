//! Export and import in Unleash's format: a project exported from one server
//! and imported into a fresh one gives the same client documents; a target
//! that already has some of the flags is reported and left alone until the
//! import is confirmed; bad files are refused whole.

use crate::helpers::*;

const BATCH: &str = "/api/admin/features-batch";

/// A fresh database of the same kind as `db`.
async fn fresh_like(db: &Db) -> Db {
    match db {
        Db::Postgres(_) => Db::postgres().await.expect("PostgreSQL"),
        Db::Sqlite(_) => Db::sqlite(),
        Db::Memory => Db::Memory,
    }
}

/// The client document an SDK of spec 5.2 gets (segments listed), without `meta`.
async fn document(app: &TestApp, token: &str) -> Value {
    let response = app
        .http
        .get(format!("{}/api/client/features", app.base))
        .header("Authorization", token)
        .header("Unleash-Client-Spec", "5.2.0")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    let mut body: Value = response.json().await.expect("json");
    if let Some(object) = body.as_object_mut() {
        object.remove("meta");
    }
    body
}

async fn ok(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let (status, answer) = app.admin(method, path, Some(body)).await;
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

async fn segment(app: &TestApp, name: &str) -> i64 {
    let created = ok(
        app,
        Method::POST,
        "/api/admin/segments",
        json!({"name": name, "constraints": [
            {"contextName": "region", "operator": "IN", "values": ["eu"]}
        ]}),
    )
    .await;
    created["id"].as_i64().expect("segment id")
}

/// Flags of every kind in production: rollouts with constraints, a segment,
/// strategy and flag variants, a child with a variant condition, a stale
/// kill switch, a link; and a flag of another project, not exported.
async fn build_source(app: &TestApp) {
    ok(
        app,
        Method::POST,
        "/api/admin/context",
        json!({"name": "region", "legalValues": [{"value": "eu"}, {"value": "us"}]}),
    )
    .await;
    let beta = segment(app, "beta").await;
    for (name, kind) in [
        ("checkout", "experiment"),
        ("checkout-banner", "release"),
        ("kill", "kill-switch"),
    ] {
        ok(
            app,
            Method::POST,
            F,
            json!({"name": name, "type": kind, "description": format!("{name}!"),
                   "impressionData": name == "checkout"}),
        )
        .await;
    }
    // Tags travel with the flags, and the tag types they use.
    ok(
        app,
        Method::POST,
        "/api/admin/tag-types",
        json!({"name": "team", "description": "who owns it"}),
    )
    .await;
    ok(
        app,
        Method::POST,
        "/api/admin/features/checkout/tags",
        json!({"type": "team", "value": "payments"}),
    )
    .await;
    let prod = |flag: &str| format!("{F}/{flag}/environments/production");
    ok(app, Method::POST, &format!("{}/strategies", prod("checkout")), json!({
        "name": "flexibleRollout", "sortOrder": 1,
        "parameters": {"rollout": "30", "stickiness": "userId", "groupId": "checkout"},
        "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu", "us"]}],
        "segments": [beta],
        "variants": [{"name": "fast", "weight": 0, "stickiness": "userId",
                      "payload": {"type": "string", "value": "fast"}}, {"name": "safe", "weight": 0}]
    }))
    .await;
    ok(
        app,
        Method::POST,
        &format!("{}/strategies", prod("checkout")),
        json!({
            "name": "userWithId", "sortOrder": 0, "parameters": {"userIds": "1,2,3"}
        }),
    )
    .await;
    ok(
        app,
        Method::PUT,
        &format!("{}/variants", prod("checkout")),
        json!([{"name": "blue", "weight": 0}, {"name": "green", "weight": 0,
                "overrides": [{"contextName": "userId", "values": ["7"]}]}]),
    )
    .await;
    ok(
        app,
        Method::POST,
        &format!("{}/on", prod("checkout")),
        json!({}),
    )
    .await;
    ok(
        app,
        Method::POST,
        &format!("{}/on", prod("checkout-banner")),
        json!({}),
    )
    .await;
    ok(
        app,
        Method::POST,
        &format!("{F}/checkout-banner/dependencies"),
        json!({"feature": "checkout", "variants": ["blue"]}),
    )
    .await;
    ok(
        app,
        Method::PATCH,
        &format!("{F}/kill"),
        json!([{"op": "replace", "path": "/stale", "value": true}]),
    )
    .await;
    ok(
        app,
        Method::POST,
        &format!("{F}/checkout/link"),
        json!({"url": "https://jira.example.com/browse/CHK-1", "title": "CHK-1"}),
    )
    .await;
    ok(
        app,
        Method::POST,
        "/api/admin/projects",
        json!({"id": "elsewhere", "name": "Elsewhere"}),
    )
    .await;
    ok(
        app,
        Method::POST,
        "/api/admin/projects/elsewhere/features",
        json!({"name": "not-exported"}),
    )
    .await;
}

fn import_body(data: &Value, overwrite: bool) -> Value {
    json!({"project": "default", "environment": "production", "data": data, "overwrite": overwrite})
}

pub async fn export_then_import_reproduces_the_flags(db: Db) {
    let source = spawn_app(db.clone()).await;
    build_source(&source).await;
    let exported = ok(
        &source,
        Method::POST,
        &format!("{BATCH}/export"),
        json!({"environment": "production", "project": "default"}),
    )
    .await;
    let names: Vec<&str> = exported["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["checkout", "checkout-banner", "kill"]);
    assert_eq!(
        exported["featureTags"],
        json!([{"featureName": "checkout", "tagType": "team", "tagValue": "payments"}])
    );
    assert_eq!(exported["tagTypes"][0]["name"], "team");
    let by_tag = ok(
        &source,
        Method::POST,
        &format!("{BATCH}/export"),
        json!({"environment": "production", "tag": "team:payments"}),
    )
    .await;
    assert_eq!(by_tag["features"].as_array().map(Vec::len), Some(1));
    assert_eq!(exported["segments"], json!([{"id": 1, "name": "beta"}]));
    let mut fields: Vec<&str> = exported["contextFields"]
        .as_array()
        .expect("context fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["region", "userId"], "the fields the flags use");
    assert_eq!(
        exported["dependencies"],
        json!([{"feature": "checkout-banner", "dependencies": [
            {"feature": "checkout", "enabled": true, "variants": ["blue"]}]}])
    );
    assert_eq!(exported["links"][0]["feature"], "checkout");
    assert_eq!(
        exported["featureStrategies"].as_array().map(Vec::len),
        Some(3)
    );
    let checkout_env = &exported["featureEnvironments"][0];
    assert_eq!(
        (
            &checkout_env["featureName"],
            &checkout_env["name"],
            &checkout_env["enabled"]
        ),
        (&json!("checkout"), &json!("checkout"), &json!(true))
    );
    let events = all_events(&source).await;
    assert_eq!(
        events[0]["type"], "features-exported",
        "Unleash records exports"
    );
    let named = ok(
        &source,
        Method::POST,
        &format!("{BATCH}/export"),
        json!({"environment": "production", "features": ["kill"]}),
    )
    .await;
    assert_eq!(named["features"].as_array().map(Vec::len), Some(1));
    // The file is named by the server's clock.
    source.advance(Duration::from_secs(400 * 24 * 3600));
    let response = source
        .http
        .post(format!("{}{BATCH}/export", source.base))
        .header("Authorization", ADMIN)
        .json(&json!({"environment": "production", "downloadFile": true}))
        .send()
        .await
        .expect("answered");
    let today = source.clock.clock().now().format("%Y-%m-%d").to_string();
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .is_ok_and(|v| v.starts_with(&format!("attachment; filename=\"export-{today}T"))),
        "{:?}",
        response.headers()["content-disposition"]
    );

    // A fresh server (with the segment, which an import finds by name).
    let target = spawn_app(fresh_like(&db).await).await;
    ok(
        &target,
        Method::POST,
        "/api/admin/context",
        json!({"name": "region", "legalValues": [{"value": "eu"}, {"value": "us"}]}),
    )
    .await;
    assert_eq!(segment(&target, "beta").await, 1);
    let report = ok(
        &target,
        Method::POST,
        &format!("{BATCH}/validate"),
        import_body(&exported, false),
    )
    .await;
    assert_eq!(
        report,
        json!({"errors": [], "warnings": [], "permissions": []})
    );
    let before = all_events(&target).await.len();
    ok(
        &target,
        Method::POST,
        &format!("{BATCH}/import"),
        import_body(&exported, false),
    )
    .await;
    let events = all_events(&target).await;
    let new = &events[..events.len() - before];
    assert_eq!(new[0]["type"], "features-imported");
    assert!(
        new.iter().all(|e| e["revision"] == new[0]["revision"]),
        "one change"
    );
    for token in [CLIENT_PROD, CLIENT_DEV] {
        assert_eq!(
            document(&source, token).await["features"]
                .as_array()
                .map(|f| f
                    .iter()
                    .filter(|f| f["project"] == "default")
                    .cloned()
                    .collect::<Vec<_>>()),
            document(&target, token).await["features"]
                .as_array()
                .cloned(),
            "{token}"
        );
    }
    assert_eq!(
        document(&source, CLIENT_PROD).await,
        document(&target, CLIENT_PROD).await
    );
    let (_, banner) = target
        .admin(Method::GET, &format!("{F}/checkout-banner"), None)
        .await;
    assert_eq!(banner["dependencies"][0]["feature"], "checkout");
    let (_, checkout) = target
        .admin(Method::GET, &format!("{F}/checkout"), None)
        .await;
    assert_eq!(
        checkout["links"][0]["url"],
        "https://jira.example.com/browse/CHK-1"
    );
    let (_, tags) = target
        .admin(Method::GET, "/api/admin/features/checkout/tags", None)
        .await;
    assert_eq!(
        tags["tags"],
        json!([{"type": "team", "value": "payments"}]),
        "the import made the tag type and tagged the flag"
    );
    target.stop().await;

    // A target that already has some of the flags.
    let busy = spawn_app(fresh_like(&db).await).await;
    ok(
        &busy,
        Method::POST,
        "/api/admin/context",
        json!({"name": "region", "legalValues": [{"value": "eu"}, {"value": "us"}]}),
    )
    .await;
    segment(&busy, "placeholder").await;
    let beta = segment(&busy, "beta").await;
    ok(
        &busy,
        Method::POST,
        F,
        json!({"name": "checkout", "description": "mine"}),
    )
    .await;
    ok(
        &busy,
        Method::POST,
        &format!("{F}/checkout/environments/production/strategies"),
        json!({"name": "default"}),
    )
    .await;
    ok(
        &busy,
        Method::POST,
        "/api/admin/projects",
        json!({"id": "elsewhere", "name": "Elsewhere"}),
    )
    .await;
    ok(
        &busy,
        Method::POST,
        "/api/admin/projects/elsewhere/features",
        json!({"name": "kill"}),
    )
    .await;
    let unchanged = all_events(&busy).await.len();
    let report = ok(
        &busy,
        Method::POST,
        &format!("{BATCH}/validate"),
        import_body(&exported, true),
    )
    .await;
    assert_eq!(
        report["errors"][0]["affectedItems"],
        json!(["kill (in project elsewhere)"])
    );
    assert_eq!(report["warnings"][0]["affectedItems"], json!(["checkout"]));
    let (status, refused) = busy
        .admin(
            Method::POST,
            &format!("{BATCH}/import"),
            Some(import_body(&exported, true)),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    // Without the other project's flag, the conflict is only the existing flag:
    // refused until confirmed.
    ok(
        &busy,
        Method::DELETE,
        "/api/admin/projects/elsewhere/features/kill",
        json!({}),
    )
    .await;
    ok(&busy, Method::DELETE, "/api/admin/archive/kill", json!({})).await;
    let unchanged = unchanged + 2;
    let views = sdk_views(&busy).await;
    let report = ok(
        &busy,
        Method::POST,
        &format!("{BATCH}/validate"),
        import_body(&exported, false),
    )
    .await;
    assert_eq!(report["errors"], json!([]), "{report}");
    assert_eq!(report["warnings"][0]["affectedItems"], json!(["checkout"]));
    let (status, refused) = busy
        .admin(
            Method::POST,
            &format!("{BATCH}/import"),
            Some(import_body(&exported, false)),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused["message"]
        .as_str()
        .is_some_and(|m| m.contains("checkout")));
    assert_eq!(
        all_events(&busy).await.len(),
        unchanged,
        "validate and refusals change nothing"
    );
    assert_eq!(sdk_views(&busy).await, views, "nothing changed");
    ok(
        &busy,
        Method::POST,
        &format!("{BATCH}/import"),
        import_body(&exported, true),
    )
    .await;
    let ours = document(&busy, CLIENT_PROD).await;
    let checkout = flag_in(&ours, "checkout").expect("checkout");
    assert_eq!(checkout["description"], "checkout!", "updated");
    assert_eq!(
        checkout["strategies"].as_array().map(Vec::len),
        Some(2),
        "replaced"
    );
    assert_eq!(
        checkout["strategies"][1]["segments"],
        json!([beta]),
        "segment found by name"
    );
    let mut theirs = document(&source, CLIENT_PROD).await;
    theirs["features"][0]["strategies"][1]["segments"] = json!([beta]);
    assert_eq!(ours["features"], theirs["features"]);
    busy.stop().await;
    source.stop().await;
}

pub async fn bad_imports_change_nothing(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["present"]).await;
    let before = all_events(&app).await.len();
    let file = |strategy: &str, extra: Value| {
        let mut data = json!({
            "features": [{"name": "new-one"}],
            "featureStrategies": [{"name": strategy, "featureName": "new-one"}],
            "featureEnvironments": [{"featureName": "new-one", "enabled": true}],
        });
        if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
            data.extend(extra.clone());
        }
        data
    };
    for (data, what) in [
        (file("madeUp", json!({})), "These strategy types"),
        (
            file(
                "default",
                json!({"segments": [{"id": 9, "name": "nowhere"}]}),
            ),
            "segments need",
        ),
        (
            file(
                "default",
                json!({"dependencies": [{"feature": "new-one",
                "dependencies": [{"feature": "ghost"}]}]}),
            ),
            "parent flags",
        ),
        (
            file("default", json!({"features": [{"name": "a b"}]})),
            "not valid flag names",
        ),
        (
            file(
                "default",
                json!({"features": [{"name": "new-one"}, {"name": "new-one"}]}),
            ),
            "more than once",
        ),
        (
            json!({"features": [{"name": "new-one"}], "featureStrategies": [
                {"name": "default", "featureName": "new-one",
                 "constraints": [{"contextName": "x", "operator": "NUM_GT", "value": "many"}]}]}),
            "would be refused",
        ),
    ] {
        let (status, report) = app
            .admin(
                Method::POST,
                &format!("{BATCH}/validate"),
                Some(json!({
                "project": "default", "environment": "development", "data": data})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert!(
            report["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains(what)),
            "{what}: {report}"
        );
        let (status, answer) = app
            .admin(
                Method::POST,
                &format!("{BATCH}/import"),
                Some(json!({
                "project": "default", "environment": "development", "data": data})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
    }
    for (body, status) in [
        (
            json!({"project": "nowhere", "environment": "development", "data": {}}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"project": "default", "environment": "nowhere", "data": {}}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"project": "default", "environment": "development"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"project": "default", "environment": "development", "data": {"features": "x"}}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (got, answer) = app
            .admin(Method::POST, &format!("{BATCH}/import"), Some(body.clone()))
            .await;
        assert_eq!(got, status, "{body}: {answer}");
    }
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{BATCH}/export"),
            Some(json!({"environment": "nowhere"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(all_events(&app).await.len(), before, "nothing recorded");
    let document = app.client_features(CLIENT_DEV).await;
    assert!(flag_in(&document, "new-one").is_none());
    app.stop().await;
}
