//! A refused input names the field at fault: the API's error body carries its
//! path in Unleash's shape (`details[].path`, JavaScript accessor notation from
//! the body's root), nested parts of an input prefixed by where they sit.

use crate::helpers::*;

/// The status, and the first detail's path and message, of a refusal.
async fn refusal(app: &TestApp, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let (status, answer) = app.admin(method, path, Some(body)).await;
    assert_eq!(answer["name"], "BadDataError", "{answer}");
    assert!(answer["id"].is_string(), "{answer}");
    let detail = &answer["details"][0];
    assert_eq!(detail["message"], answer["message"], "{answer}");
    assert_eq!(detail["description"], answer["message"], "{answer}");
    (status, detail.clone())
}

pub async fn refusals_name_their_nested_field(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["paths"]).await;
    let (_, endpoint) = app
        .admin(
            Method::POST,
            "/api/admin/signal-endpoints",
            Some(json!({"name": "jira", "description": null})),
        )
        .await;
    let strategies = format!("{F}/paths/environments/development/strategies");
    let before = app.events().await;
    let ok = json!({"contextName": "userId", "operator": "IN", "values": ["a"]});

    // A strategy's fourth constraint, a list operator without values.
    let (status, detail) = refusal(
        &app,
        Method::POST,
        &strategies,
        json!({"name": "default", "constraints": [ok, ok, ok,
            {"contextName": "email", "operator": "STR_CONTAINS", "values": []}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail["path"], "constraints[3].values");
    assert_eq!(
        detail["message"],
        "a string operator needs at least one value"
    );

    // A strategy variant's JSON payload: the payload's value, not the name.
    let (status, detail) = refusal(
        &app,
        Method::POST,
        &strategies,
        json!({"name": "default", "variants": [
            {"name": "a", "weight": 500},
            {"name": "b", "weight": 500, "payload": {"type": "json", "value": "[1,"}}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail["path"], "variants[1].payload.value");
    // The environment's variants: the body is the list itself.
    let (_, detail) = refusal(
        &app,
        Method::PUT,
        &format!("{F}/paths/environments/development/variants"),
        json!([{"name": "a", "weight": 0}, {"name": "b", "weight": 0, "weightType": "heavy"}]),
    )
    .await;
    assert_eq!(detail["path"], "[1].weightType");

    // A segment's constraint.
    let (status, detail) = refusal(
        &app,
        Method::POST,
        "/api/admin/segments",
        json!({"name": "offices", "constraints": [ok,
            {"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["10.0.0.0/8", "nope"]}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail["path"], "constraints[1].values");
    assert_eq!(
        detail["message"],
        "\"nope\" is not an IP address or CIDR range"
    );
    let (_, detail) = refusal(
        &app,
        Method::POST,
        "/api/admin/segments",
        json!({"name": "nobody", "constraints": [{"contextName": " ", "operator": "IN", "values": ["x"]}]}),
    )
    .await;
    assert_eq!(detail["path"], "constraints[0].contextName");

    // An import: the file's second strategy, under `data`.
    let file = json!({
        "features": [{"name": "imported"}],
        "featureStrategies": [
            {"name": "default", "featureName": "imported"},
            {"name": "default", "featureName": "imported",
             "constraints": [{"contextName": "age", "operator": "NUM_GT", "value": "many"}]}]
    });
    let import = json!({"project": "default", "environment": "development", "data": file});
    let (status, detail) = refusal(
        &app,
        Method::POST,
        "/api/admin/features-batch/import",
        import.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        detail["path"],
        "data.featureStrategies[1].constraints[0].value"
    );
    assert_eq!(detail["message"], "the constraint value is not a number");
    // Validation lists it, with where it is (the report's items have only a message).
    let (status, report) = app
        .admin(
            Method::POST,
            "/api/admin/features-batch/validate",
            Some(import),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("(at data.featureStrategies[1].constraints[0].value)")),
        "{report}"
    );

    // An action set's payload filter and step.
    let action_set = |filter: Value, params: Value| {
        json!({"name": "qa", "match": {"source": "signal-endpoint", "sourceId": endpoint["id"],
            "payload": {"issue.status": filter}},
            "actions": [{"action": "TOGGLE_FEATURE_ON", "executionParams": params}]})
    };
    let step = json!({"project": "default", "environment": "development", "featureName": "paths"});
    let sets = "/api/admin/projects/default/actions";
    let (_, detail) = refusal(
        &app,
        Method::POST,
        sets,
        action_set(json!({"operator": "NUM_GT", "value": "many"}), step.clone()),
    )
    .await;
    assert_eq!(detail["path"], "match.payload[\"issue.status\"].value");
    let (_, detail) = refusal(
        &app,
        Method::POST,
        sets,
        action_set(
            json!({"operator": "IN", "values": ["Done"]}),
            json!({"environment": "development", "featureName": "no spaces"}),
        ),
    )
    .await;
    assert_eq!(detail["path"], "actions[0].executionParams.featureName");

    // Where no single field is at fault there is no path.
    let (status, answer) = app
        .admin(
            Method::PATCH,
            &format!("{F}/paths"),
            Some(json!([{"op": "remove", "path": "/nothing"}])),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["details"][0]["path"].is_null(), "{answer}");
    assert_eq!(app.events().await, before, "nothing was changed");
    app.stop().await;
}

/// A body that is JSON but not of the expected shape (a wrong type, a missing
/// field) names where, as a rule's refusal does; a strategy naming a segment
/// that does not exist names the position in `segments`.
pub async fn unreadable_bodies_name_their_field(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["shapes"]).await;
    let strategies = format!("{F}/shapes/environments/development/strategies");
    let before = app.events().await;

    // A wrong type deep in an object body.
    let (status, detail) = refusal(
        &app,
        Method::POST,
        &strategies,
        json!({"name": "default", "variants": [
            {"name": "a", "weight": 500}, {"name": "b", "weight": "heavy"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail["path"], "variants[1].weight");
    assert!(
        detail["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Request validation failed: invalid type")),
        "{detail}"
    );
    let (_, detail) = refusal(
        &app,
        Method::POST,
        &strategies,
        json!({"name": "default", "segments": [1, "two"]}),
    )
    .await;
    assert_eq!(detail["path"], "segments[1]");
    // A missing field: the object it is missing from.
    let (_, detail) = refusal(
        &app,
        Method::POST,
        &strategies,
        json!({"name": "default", "variants": [{"weight": 1000}]}),
    )
    .await;
    assert_eq!(detail["path"], "variants[0]");
    assert!(
        detail["message"]
            .as_str()
            .is_some_and(|m| m.contains("missing field `name`")),
        "{detail}"
    );
    // A body that is a list (read straight from the request's bytes).
    let (status, detail) = refusal(
        &app,
        Method::PUT,
        &format!("{F}/shapes/environments/development/variants"),
        json!([{"name": "a", "weight": 0}, {"name": "b", "weight": [1]}]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail["path"], "[1].weight");
    // A body that is not JSON at all names no field.
    let response = app
        .http
        .post(format!("{}{strategies}", app.base))
        .header("Authorization", ADMIN)
        .header("Content-Type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.expect("a JSON error");
    assert_eq!(answer["name"], "BadDataError", "{answer}");
    assert!(answer["details"][0]["path"].is_null(), "{answer}");

    // A segment that does not exist: its position in the strategy's list.
    let (_, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "beta", "constraints": []})),
        )
        .await;
    let (status, detail) = refusal(
        &app,
        Method::POST,
        &strategies,
        json!({"name": "default", "segments": [segment["id"], 999_999]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(detail["path"], "segments[1]");
    assert_eq!(detail["message"], "Segment 999999 does not exist");
    assert_eq!(
        app.events().await["events"].as_array().map(Vec::len),
        before["events"].as_array().map(|e| e.len() + 1),
        "only the segment was created"
    );
    app.stop().await;
}
