//! Dependent flags through the admin API: Unleash's routes and rules (one
//! level, same project, live parent, no self-dependency), the flag view's
//! `dependencies` and `children`, the client document's `dependencies`,
//! evaluation through the frontend API, archiving and cloning.

use crate::helpers::*;

/// Whether `flag` is among the frontend API's enabled flags for `user`.
async fn frontend_on(app: &TestApp, flag: &str, user: &str) -> bool {
    let (status, body) = app
        .call(
            Method::POST,
            "/api/frontend",
            Some(FRONTEND),
            Some(json!({"context": {"userId": user}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["toggles"]
        .as_array()
        .is_some_and(|t| t.iter().any(|f| f["name"] == flag))
}

async fn switch(app: &TestApp, flag: &str, on: bool) {
    let what = if on { "on" } else { "off" };
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("{F}/{flag}/environments/development/{what}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn depend(app: &TestApp, child: &str, body: Value) -> (StatusCode, Value) {
    app.admin(
        Method::POST,
        &format!("{F}/{child}/dependencies"),
        Some(body),
    )
    .await
}

fn dependencies_in(document: &Value, flag: &str) -> Value {
    flag_in(document, flag).expect("flag in document")["dependencies"].clone()
}

pub async fn dependencies_follow_unleash_rules(db: Db) {
    let app = spawn_app(db.clone()).await;
    create_flags(&app, &["parent", "child", "third", "lonely"]).await;
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "elsewhere", "name": "Elsewhere"})),
        )
        .await;
    assert_eq!(status.as_u16() / 100, 2);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/elsewhere/features",
            Some(json!({"name": "foreign"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, exists) = app
        .admin(
            Method::GET,
            "/api/admin/projects/default/dependencies",
            None,
        )
        .await;
    assert_eq!(exists, json!(false));

    // The child needs its parent: off while the parent is off.
    let (status, body) = depend(&app, "child", json!({"feature": "parent"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    switch(&app, "child", true).await;
    assert!(!frontend_on(&app, "child", "7").await, "parent off");
    switch(&app, "parent", true).await;
    assert!(frontend_on(&app, "child", "7").await, "parent on");
    let (_, child) = app.admin(Method::GET, &format!("{F}/child"), None).await;
    assert_eq!(
        child["dependencies"],
        json!([{"feature": "parent", "enabled": true, "variants": []}])
    );
    assert_eq!(child["children"], json!([]));
    let (_, parent) = app.admin(Method::GET, &format!("{F}/parent"), None).await;
    assert_eq!(parent["children"], json!(["child"]));
    assert_eq!(parent["dependencies"], json!([]));
    let document = app.client_features(CLIENT_DEV).await;
    assert_eq!(
        dependencies_in(&document, "child"),
        json!([{"feature": "parent", "enabled": true, "variants": []}])
    );
    assert_eq!(
        flag_in(&document, "parent")
            .expect("parent")
            .get("dependencies"),
        None
    );
    let (_, exists) = app
        .admin(
            Method::GET,
            "/api/admin/projects/default/dependencies",
            None,
        )
        .await;
    assert_eq!(exists, json!(true));

    // A new parent replaces the old one (one parent per child, as Unleash);
    // `enabled: false` needs the parent off and carries no variants.
    let (status, _) = depend(&app, "child", json!({"feature": "third", "enabled": false})).await;
    assert_eq!(status, StatusCode::OK);
    let document = app.client_features(CLIENT_DEV).await;
    assert_eq!(
        dependencies_in(&document, "child"),
        json!([{"feature": "third", "enabled": false}])
    );
    assert!(frontend_on(&app, "child", "7").await, "third is off");
    switch(&app, "third", true).await;
    assert!(!frontend_on(&app, "child", "7").await, "third is on");
    let (status, _) = depend(
        &app,
        "child",
        json!({"feature": "parent", "variants": ["blue"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let document = app.client_features(CLIENT_DEV).await;
    assert_eq!(
        dependencies_in(&document, "child"),
        json!([{"feature": "parent", "enabled": true, "variants": ["blue"]}])
    );
    let events = all_events(&app).await;
    let added = events
        .iter()
        .find(|e| e["type"] == "feature-dependency-added")
        .expect("added event");
    assert_eq!(added["featureName"], "child");
    assert_eq!(added["project"], "default");
    assert_eq!(
        added["data"],
        json!({"feature": "parent", "enabled": true, "variants": ["blue"]})
    );

    // The rules: refused with 403 (Unleash's InvalidOperationError), 404 for
    // an unknown child, 400 for a bad body; nothing recorded.
    let before = all_events(&app).await.len();
    for (child, body, status) in [
        (
            "lonely",
            json!({"feature": "lonely"}),
            StatusCode::FORBIDDEN,
        ),
        ("lonely", json!({"feature": "child"}), StatusCode::FORBIDDEN),
        (
            "parent",
            json!({"feature": "lonely"}),
            StatusCode::FORBIDDEN,
        ),
        (
            "lonely",
            json!({"feature": "nowhere"}),
            StatusCode::FORBIDDEN,
        ),
        (
            "lonely",
            json!({"feature": "foreign"}),
            StatusCode::FORBIDDEN,
        ),
        (
            "missing",
            json!({"feature": "parent"}),
            StatusCode::NOT_FOUND,
        ),
        ("lonely", json!({"enabled": true}), StatusCode::BAD_REQUEST),
        (
            "lonely",
            json!({"feature": "parent", "enabled": "yes"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "lonely",
            json!({"feature": "has space"}),
            StatusCode::BAD_REQUEST,
        ),
        ("lonely", json!(["parent"]), StatusCode::BAD_REQUEST),
    ] {
        let (got, answer) = depend(&app, child, body.clone()).await;
        assert_eq!(got, status, "{child} {body}: {answer}");
        if status == StatusCode::FORBIDDEN {
            assert_eq!(answer["name"], "InvalidOperationError", "{answer}");
        }
    }
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/foreign/dependencies"),
            Some(json!({"feature": "parent"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a flag of another project");
    // A parent with children cannot be archived.
    let (status, answer) = app
        .admin(Method::DELETE, &format!("{F}/parent"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(
        all_events(&app).await.len(),
        before,
        "refusals record nothing"
    );
    // An archived flag cannot become a parent.
    let (status, _) = app
        .admin(Method::DELETE, &format!("{F}/lonely"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = depend(&app, "third", json!({"feature": "lonely"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The options Unleash's UI asks for.
    let (status, options) = app
        .admin(Method::GET, &format!("{F}/third/parents"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(options, json!(["parent"]), "live, not a child, not itself");
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{F}/parent/environments/development/variants"),
            Some(json!([{"name": "blue", "weight": 0}, {"name": "green", "weight": 0}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, variants) = app
        .admin(Method::GET, &format!("{F}/parent/parent-variants"), None)
        .await;
    assert_eq!(variants, json!(["blue", "green"]));

    // A clone keeps its source's parent.
    let (status, copy) = app
        .admin(
            Method::POST,
            &format!("{F}/child/clone"),
            Some(json!({"name": "child-copy"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{copy}");
    assert_eq!(copy["dependencies"][0]["feature"], "parent");
    let (_, parent) = app.admin(Method::GET, &format!("{F}/parent"), None).await;
    assert_eq!(parent["children"], json!(["child", "child-copy"]));
    check_against_fresh_start(&app, &db, "dependencies added").await;

    // Removing one dependency, then all; removing what is not there records nothing.
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("{F}/child/dependencies/parent"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = all_events(&app).await.len();
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("{F}/child/dependencies/parent"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .admin(Method::DELETE, &format!("{F}/child/dependencies"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all_events(&app).await.len(), before);
    let (status, _) = app
        .admin(Method::DELETE, &format!("{F}/missing/dependencies"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let document = app.client_features(CLIENT_DEV).await;
    assert_eq!(
        flag_in(&document, "child")
            .expect("child")
            .get("dependencies"),
        None
    );
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("{F}/child-copy/dependencies"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let types: Vec<Value> = all_events(&app).await[..2]
        .iter()
        .map(|e| e["type"].clone())
        .collect();
    assert!(
        types.contains(&json!("feature-dependencies-removed"))
            && types.contains(&json!("feature-dependency-removed")),
        "{types:?}"
    );

    // Archiving a child drops its dependency (and says so), then the parent can go.
    let (status, _) = depend(&app, "child", json!({"feature": "parent"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.admin(Method::DELETE, &format!("{F}/child"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let events = all_events(&app).await;
    let mut latest: Vec<&str> = events[..2]
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    latest.sort_unstable();
    assert_eq!(latest, ["feature-archived", "feature-dependencies-removed"]);
    let (status, _) = app
        .admin(Method::DELETE, &format!("{F}/parent"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app
        .admin(Method::POST, "/api/admin/archive/revive/child", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, revived) = app.admin(Method::GET, &format!("{F}/child"), None).await;
    assert_eq!(
        revived["dependencies"],
        json!([]),
        "revived without its parent"
    );
    check_against_fresh_start(&app, &db, "dependencies removed").await;
    app.stop().await;
}
