//! Many flags of a project at once (issue 23): bulk archive and its
//! dependency check, bulk revive and delete of archived flags, the same
//! variants in several environments, and who recorded events.

use crate::helpers::*;

const PROJECT: &str = "/api/admin/projects/default";

/// Names of the archived flags.
async fn archived(app: &TestApp) -> Vec<String> {
    let (status, body) = app
        .admin(Method::GET, "/api/admin/archive/features", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut names: Vec<String> = body["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

async fn bulk(app: &TestApp, what: &str, features: &[&str]) -> (StatusCode, Value) {
    app.admin(
        Method::POST,
        &format!("{PROJECT}/{what}"),
        Some(json!({"features": features})),
    )
    .await
}

pub async fn flags_are_archived_revived_and_deleted_in_bulk(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["a", "b", "parent", "child"]).await;
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("{F}/child/dependencies"),
            Some(json!({"feature": "parent"})),
        )
        .await;
    assert!(status.is_success(), "{body}");

    // What archiving would do, without doing it.
    let (status, check) = bulk(&app, "archive/validate", &["parent"]).await;
    assert_eq!(status, StatusCode::OK, "{check}");
    assert_eq!(
        check,
        json!({"parentsWithChildFeatures": ["parent"], "hasDeletedDependencies": true})
    );
    let (_, check) = bulk(&app, "archive/validate", &["parent", "child"]).await;
    assert_eq!(
        check,
        json!({"parentsWithChildFeatures": [], "hasDeletedDependencies": true})
    );
    let (_, check) = bulk(&app, "archive/validate", &["a"]).await;
    assert_eq!(
        check,
        json!({"parentsWithChildFeatures": [], "hasDeletedDependencies": false})
    );
    let (status, _) = bulk(&app, "archive/validate", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Refusals change nothing.
    let events = all_events(&app).await.len();
    let (status, body) = bulk(&app, "archive", &["a", "parent"]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a parent left with a child: {body}"
    );
    let (status, _) = bulk(&app, "archive", &["a", "missing"]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = bulk(&app, "archive", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/nowhere/archive",
            Some(json!({"features": ["a"]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        all_events(&app).await.len(),
        events,
        "refusals record nothing"
    );
    assert!(archived(&app).await.is_empty());

    // A parent archived with its child, in one change.
    let (status, body) = bulk(&app, "archive", &["parent", "child", "a"]).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(archived(&app).await, ["a", "child", "parent"]);
    let after = all_events(&app).await;
    let new = &after[..after.len() - events];
    let revisions: std::collections::BTreeSet<i64> =
        new.iter().filter_map(|e| e["revision"].as_i64()).collect();
    assert_eq!(revisions.len(), 1, "one revision: {new:?}");
    let archived_events = new
        .iter()
        .filter(|e| e["type"] == "feature-archived")
        .count();
    assert_eq!(archived_events, 3);

    // Revive: only archived flags of the project.
    let (status, _) = bulk(&app, "revive", &["a", "b"]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "b is live");
    assert_eq!(archived(&app).await, ["a", "child", "parent"]);
    let (status, body) = bulk(&app, "revive", &["a"]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(archived(&app).await, ["child", "parent"]);
    let (status, flag) = app.admin(Method::GET, &format!("{F}/a"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(flag["archived"], false);

    // Delete: only archived flags; the live one is refused with the rest kept.
    let (status, _) = bulk(&app, "delete", &["child", "a"]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a is live");
    assert_eq!(archived(&app).await, ["child", "parent"]);
    let (status, body) = bulk(&app, "delete", &["child", "parent"]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(archived(&app).await.is_empty());
    let (status, _) = bulk(&app, "revive", &["child"]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "deleted for good");
    app.stop().await;
}

async fn variants_in(app: &TestApp, environment: &str) -> Value {
    let (status, body) = app
        .admin(
            Method::GET,
            &format!("{F}/batch/environments/{environment}/variants"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["variants"].clone()
}

pub async fn variants_are_set_in_several_environments(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["batch"]).await;
    let path = format!("{F}/batch/variants-batch");
    let blue = json!([{"name": "blue", "weight": 1000, "weightType": "variable", "stickiness": "default"}]);
    let (status, body) = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"variants": blue, "environments": ["development", "production"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 1);
    assert_eq!(body["variants"][0]["name"], "blue");
    for environment in ["development", "production"] {
        assert_eq!(variants_in(&app, environment).await, body["variants"]);
    }

    // An unknown environment refuses the whole change.
    let events = all_events(&app).await.len();
    let green = json!([{"name": "green", "weight": 1000, "weightType": "variable"}]);
    let (status, _) = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"variants": green, "environments": ["development", "nowhere"]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"variants": green, "environments": []})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .admin(
            Method::PUT,
            &path,
            Some(
                json!({"variants": [{"name": "bad", "weight": 2000, "weightType": "fix"}],
                "environments": ["development"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        all_events(&app).await.len(),
        events,
        "refusals record nothing"
    );
    assert_eq!(variants_in(&app, "development").await[0]["name"], "blue");
    app.stop().await;
}

pub async fn event_creators_are_listed(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["made"]).await;
    let (status, creators) = app
        .admin(Method::GET, "/api/admin/event-creators", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{creators}");
    let creators = creators.as_array().expect("a list").clone();
    let events = all_events(&app).await;
    let names: Vec<&str> = events
        .iter()
        .filter_map(|e| e["createdBy"].as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let listed: Vec<&str> = creators.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(listed, names, "each creator once");
    assert!(creators.iter().all(|c| c["id"].is_i64()), "{creators:?}");
    app.stop().await;
}

pub async fn maintenance_mode_refuses_changes(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["kept"]).await;
    let (status, body) = app.admin(Method::GET, "/api/admin/maintenance", None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"enabled": false})));
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/maintenance",
            Some(json!({"enabled": "yes"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/maintenance",
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, body) = app.admin(Method::GET, "/api/admin/maintenance", None).await;
    assert_eq!(body, json!({"enabled": true}));

    // Changes are refused, with nothing recorded; SDKs are answered as before.
    let events = all_events(&app).await.len();
    let document = app.client_features(CLIENT_DEV).await;
    let (status, body) = app
        .admin(Method::POST, F, Some(json!({"name": "refused"})))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Maintenance mode")),
        "{body}"
    );
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/kept/environments/development/on"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        all_events(&app).await.len(),
        events,
        "refusals record nothing"
    );
    assert_eq!(app.client_features(CLIENT_DEV).await, document);
    let (status, _) = app.admin(Method::GET, &format!("{F}/refused"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Turning it off is the change allowed.
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/maintenance",
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let types: Vec<Value> = all_events(&app).await[..2]
        .iter()
        .map(|e| e["type"].clone())
        .collect();
    assert_eq!(types, ["setting-updated", "setting-created"]);
    let (status, body) = app
        .admin(Method::POST, F, Some(json!({"name": "made"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.stop().await;
}

async fn lifetime_of(app: &TestApp, id: &str) -> Value {
    let (status, body) = app
        .admin(Method::GET, "/api/admin/feature-types", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["types"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == id))
        .map(|t| t["lifetimeDays"].clone())
        .expect("the type is listed")
}

pub async fn flag_type_lifetimes_are_set(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(lifetime_of(&app, "release").await, 40, "the catalogue's");
    let path = "/api/admin/feature-types/release/lifetime";
    let (status, body) = app
        .admin(Method::PUT, path, Some(json!({"lifetimeDays": 60})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"id": "release", "name": "Release", "lifetimeDays": 60})
    );
    assert_eq!(lifetime_of(&app, "release").await, 60);
    assert_eq!(
        lifetime_of(&app, "experiment").await,
        40,
        "others unchanged"
    );
    assert_eq!(all_events(&app).await[0]["type"], "feature-type-updated");

    let events = all_events(&app).await.len();
    let (status, _) = app
        .admin(Method::PUT, path, Some(json!({"lifetimeDays": -1})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .admin(
            Method::PUT,
            "/api/admin/feature-types/nonsense/lifetime",
            Some(json!({"lifetimeDays": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        all_events(&app).await.len(),
        events,
        "refusals record nothing"
    );
    assert_eq!(lifetime_of(&app, "release").await, 60);

    // 0: never potentially stale.
    let (status, body) = app
        .admin(Method::PUT, path, Some(json!({"lifetimeDays": 0})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["lifetimeDays"], Value::Null);
    assert_eq!(lifetime_of(&app, "release").await, Value::Null);
    app.stop().await;
}
