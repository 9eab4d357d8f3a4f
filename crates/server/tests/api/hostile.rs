//! What careless or hostile clients send: every answer is a bounded 4xx that
//! changes nothing, and the server stays responsive.

use crate::helpers::*;

/// A JSON Patch that doubles the document gets 413 before it grows; the
/// limits on strategies, constraints and values are refused with 400 naming
/// the limit; nothing is recorded.
pub async fn admin_input_is_bounded(db: Db) {
    let app = spawn_app_with(db, |args| {
        args.max_strategies_per_environment = 2;
        args.max_constraints = 2;
        args.max_constraint_values = 3;
        args.max_segment_values = 4;
    })
    .await;
    create_flags(&app, &["bounded"]).await;
    let flag = "/api/admin/projects/default/features/bounded";
    let events_before = all_events(&app).await.len();
    // Each copy puts the whole document into itself: 30 of them would make 2^30 copies.
    let doubling: Vec<Value> = (0..30)
        .map(|i| json!({"op": "copy", "from": "", "path": format!("/x{i}")}))
        .collect();
    let (status, body) = app.admin(Method::PATCH, flag, Some(json!(doubling))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let (status, strategy_patch) = app
        .admin(
            Method::POST,
            &format!("{flag}/environments/development/strategies"),
            Some(json!({"name": "default"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let id = strategy_patch["id"].as_str().expect("id").to_owned();
    let doubling: Vec<Value> = (0..30)
        .map(|i| json!({"op": "copy", "from": "", "path": format!("/parameters/more{i}")}))
        .collect();
    let (status, body) = app
        .admin(
            Method::PATCH,
            &format!("{flag}/environments/development/strategies/{id}"),
            Some(json!(doubling)),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    let constraint = |values: usize| {
        json!({"contextName": "userId", "operator": "IN",
            "values": (0..values).map(|i| i.to_string()).collect::<Vec<_>>()})
    };
    let strategies = format!("{flag}/environments/development/strategies");
    for (body, limit) in [
        (
            json!({"name": "default", "constraints": [constraint(1), constraint(1), constraint(1)]}),
            "constraints limit",
        ),
        (
            json!({"name": "default", "constraints": [constraint(4)]}),
            "constraint values limit",
        ),
    ] {
        let (status, answer) = app.admin(Method::POST, &strategies, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["message"].as_str().unwrap_or("").contains(limit),
            "{answer}"
        );
    }
    let (status, _) = app
        .admin(
            Method::POST,
            &strategies,
            Some(json!({"name": "default", "constraints": [constraint(3)]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "at the limits is fine");
    let (status, answer) = app
        .admin(Method::POST, &strategies, Some(json!({"name": "default"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or("")
            .contains("strategies limit"),
        "{answer}"
    );
    let (status, answer) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "big", "constraints": [constraint(3), constraint(2)]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or("")
            .contains("segment values limit"),
        "{answer}"
    );

    let events: Vec<String> = all_events(&app).await[..]
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        events.len(),
        events_before + 2,
        "only the two accepted strategies were recorded: {events:?}"
    );
    let (_, read) = app.admin(Method::GET, flag, None).await;
    assert_eq!(
        read["description"],
        Value::Null,
        "the refused patch changed nothing"
    );
    app.stop().await;
}
