//! Change requests and scheduled changes (issue 26), as a team would use them
//! over the admin API: production protected, changes drafted by one person,
//! approved by another, applied as one revision; conflicts; schedules applied
//! once by two servers sharing a database, across a restart; the playground
//! as if a request were applied.

use crate::helpers::*;

const CR: &str = "/api/admin/projects/default/change-requests";
const DRAFT: &str = "/api/admin/projects/default/environments/production/change-requests";

/// An admin token named `name`: another person, as the event log and the
/// four-eyes rule see it.
async fn person(app: &TestApp, name: &str) -> String {
    let (status, created) = app
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(json!({"tokenName": name, "type": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["secret"].as_str().expect("secret").to_owned()
}

async fn protect_production(app: &TestApp, approvals: i64) {
    let (status, body) = app
        .admin(
            Method::PUT,
            "/api/admin/projects/default/environments/production/change-requests/config",
            Some(json!({"changeRequestsEnabled": true, "requiredApprovals": approvals})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

async fn propose(app: &TestApp, who: &str, changes: Value) -> Value {
    let (status, request) = app
        .call(Method::POST, DRAFT, Some(who), Some(changes))
        .await;
    assert_eq!(status, StatusCode::OK, "{request}");
    request
}

async fn set_state(app: &TestApp, who: &str, id: &Value, body: Value) -> (StatusCode, Value) {
    app.call(
        Method::PUT,
        &format!("{CR}/{id}/state"),
        Some(who),
        Some(body),
    )
    .await
}

/// Moves request `id` to `state` as `who`, which must succeed.
async fn moved(app: &TestApp, who: &str, id: &Value, state: &str) -> Value {
    let (status, request) = set_state(app, who, id, json!({"state": state})).await;
    assert_eq!(status, StatusCode::OK, "{state}: {request}");
    request
}

fn enabled_in_production(document: &Value, name: &str) -> bool {
    flag_in(document, name).is_some_and(|f| f["enabled"] == true)
}

pub async fn change_requests_need_four_eyes(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["checkout"]).await;
    let alice = person(&app, "alice").await;
    let bob = person(&app, "bob").await;
    let (status, config) = app.admin(Method::GET, &format!("{CR}/config"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(config
        .as_array()
        .expect("list")
        .iter()
        .all(|e| e["changeRequestEnabled"] == false));
    protect_production(&app, 1).await;
    let (_, config) = app.admin(Method::GET, &format!("{CR}/config"), None).await;
    let production = config
        .as_array()
        .expect("list")
        .iter()
        .find(|e| e["environment"] == "production")
        .cloned()
        .expect("production");
    assert_eq!(production["changeRequestEnabled"], true);
    assert_eq!(production["requiredApprovals"], 1);

    // A direct change to production is refused as Unleash refuses it, and
    // changes nothing; development is not protected.
    let events_before = app.events().await["events"].as_array().map(Vec::len);
    for (path, body) in [
        (format!("{F}/checkout/environments/production/on"), None),
        (
            format!("{F}/checkout/environments/production/strategies"),
            Some(json!({"name": "default"})),
        ),
    ] {
        let (status, refused) = app.call(Method::POST, &path, Some(&alice), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["name"], "PermissionError");
        assert!(refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("SKIP_CHANGE_REQUEST")));
    }
    assert_eq!(
        app.events().await["events"].as_array().map(Vec::len),
        events_before
    );
    assert!(!enabled_in_production(
        &app.client_features(CLIENT_PROD).await,
        "checkout"
    ));
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{F}/checkout/environments/development/on"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // A bad payload is refused at submission, naming the field.
    let (status, refused) = app
        .call(
            Method::POST,
            DRAFT,
            Some(&alice),
            Some(json!({"action": "updateEnabled", "feature": "checkout", "payload": {"on": 1}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["details"][0]["path"], "[0].payload");

    // Alice drafts, sends to review; she cannot approve her own request.
    let request = propose(
        &app,
        &alice,
        json!({"action": "updateEnabled", "feature": "checkout", "payload": {"enabled": true}}),
    )
    .await;
    assert_eq!(request["state"], "Draft");
    assert_eq!(request["environment"], "production");
    assert_eq!(request["createdBy"]["username"], "alice");
    assert_eq!(request["features"][0]["name"], "checkout");
    assert_eq!(
        request["features"][0]["changes"][0]["action"],
        "updateEnabled"
    );
    assert_eq!(
        request["features"][0]["changes"][0]["payload"],
        json!({"enabled": true})
    );
    let id = request["id"].clone();
    // A second change to the same flag and action replaces the first.
    let again = propose(
        &app,
        &alice,
        json!([{"action": "updateEnabled", "feature": "checkout", "payload": {"enabled": true}}]),
    )
    .await;
    assert_eq!(again["id"], id);
    assert_eq!(
        again["features"][0]["changes"].as_array().map(Vec::len),
        Some(1)
    );
    let (status, refused) = set_state(&app, &alice, &id, json!({"state": "Applied"})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a draft is not applied: {refused}"
    );
    moved(&app, &alice, &id, "In review").await;
    let (status, refused) = set_state(&app, &alice, &id, json!({"state": "Approved"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (_, shown) = app.admin(Method::GET, &format!("{CR}/{id}"), None).await;
    assert_eq!(shown["state"], "In review");
    assert!(shown["approvals"].as_array().is_some_and(Vec::is_empty));
    let (_, actionable) = app
        .call(Method::GET, &format!("{CR}/actionable"), Some(&bob), None)
        .await;
    assert_eq!(actionable["total"], 1);

    // Bob approves; nothing is applied until someone applies it.
    let approved = moved(&app, &bob, &id, "Approved").await;
    assert_eq!(approved["approvals"][0]["createdBy"]["username"], "bob");
    assert!(!enabled_in_production(
        &app.client_features(CLIENT_PROD).await,
        "checkout"
    ));
    let applied = moved(&app, &bob, &id, "Applied").await;
    assert_eq!(applied["state"], "Applied");
    assert!(enabled_in_production(
        &app.client_features(CLIENT_PROD).await,
        "checkout"
    ));
    let (status, refused) = set_state(&app, &bob, &id, json!({"state": "Cancelled"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");

    let events = app.events().await;
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    for kind in [
        "change-request-configuration-updated",
        "change-request-created",
        "change-added",
        "change-request-sent-to-review",
        "change-request-approval-added",
        "change-request-approved",
        "change-request-applied",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let (_, counts) = app.admin(Method::GET, &format!("{CR}/count"), None).await;
    assert_eq!(counts["applied"], 1, "{counts}");
    let (_, found) = app
        .admin(
            Method::GET,
            "/api/admin/search/change-requests?createdBy=IS:alice",
            None,
        )
        .await;
    assert_eq!(found["total"], 1, "{found}");

    // Two approvals required: one is not enough.
    protect_production(&app, 2).await;
    let carol = person(&app, "carol").await;
    let request = propose(
        &app,
        &alice,
        json!({"action": "updateEnabled", "feature": "checkout", "payload": {"enabled": false}}),
    )
    .await;
    let id = request["id"].clone();
    assert_eq!(request["minApprovals"], 2);
    moved(&app, &alice, &id, "In review").await;
    assert_eq!(
        moved(&app, &bob, &id, "Approved").await["state"],
        "In review"
    );
    assert_eq!(
        moved(&app, &carol, &id, "Approved").await["state"],
        "Approved"
    );
    let (status, rejected) = set_state(&app, &alice, &id, json!({"state": "Rejected"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{rejected}");
    assert_eq!(
        moved(&app, &alice, &id, "Cancelled").await["state"],
        "Cancelled"
    );
    app.stop().await;
}

pub async fn change_requests_apply_whole_or_not_at_all(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["left", "right"]).await;
    let alice = person(&app, "alice").await;
    let bob = person(&app, "bob").await;
    protect_production(&app, 1).await;

    // The second change fails when applied (no such strategy): the first is
    // not applied either, and no revision is taken.
    let request = propose(
        &app,
        &alice,
        json!([
            {"action": "updateEnabled", "feature": "left", "payload": {"enabled": true}},
            {"action": "deleteStrategy", "feature": "right", "payload": {"id": "no-such-strategy"}},
        ]),
    )
    .await;
    let id = request["id"].clone();
    moved(&app, &alice, &id, "In review").await;
    moved(&app, &bob, &id, "Approved").await;
    let revision = |events: &Value| {
        events["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["revision"].as_i64())
            .max()
    };
    let before = revision(&app.events().await);
    let (status, refused) = set_state(&app, &bob, &id, json!({"state": "Applied"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{refused}");
    assert_eq!(revision(&app.events().await), before);
    assert!(!enabled_in_production(
        &app.client_features(CLIENT_PROD).await,
        "left"
    ));
    let (_, shown) = app.admin(Method::GET, &format!("{CR}/{id}"), None).await;
    assert_eq!(shown["state"], "Approved");

    // Replacing the bad change makes it apply, as one revision.
    let change = shown["features"][1]["changes"][0]["id"].clone();
    let (status, edited) = app
        .call(
            Method::PUT,
            &format!("{CR}/{id}/changes/{change}"),
            Some(&alice),
            Some(json!({"action": "addStrategy", "feature": "right",
                "payload": {"name": "flexibleRollout", "parameters": {"rollout": "25", "stickiness": "default", "groupId": "right"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        edited["state"], "In review",
        "an edit asks for review again"
    );
    moved(&app, &bob, &id, "Approved").await;
    let before = revision(&app.events().await);
    moved(&app, &bob, &id, "Applied").await;
    let events = app.events().await;
    let newest = revision(&events).expect("a revision");
    assert_eq!(Some(newest), before.map(|r| r + 1));
    let mut kinds: Vec<&str> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["revision"].as_i64() == Some(newest))
        .filter_map(|e| e["type"].as_str())
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "change-request-applied",
            "feature-environment-enabled",
            "feature-strategy-add",
            "feature-strategy-add"
        ]
    );
    let document = app.client_features(CLIENT_PROD).await;
    assert!(enabled_in_production(&document, "left"));
    assert_eq!(
        flag_in(&document, "right").expect("right")["strategies"][0]["parameters"]["rollout"],
        "25"
    );

    // A conflict: Bob's request changes `left` after Alice's was made.
    let alices = propose(
        &app,
        &alice,
        json!({"action": "updateEnabled", "feature": "left", "payload": {"enabled": false}}),
    )
    .await;
    let bobs = app
        .call(
            Method::POST,
            DRAFT,
            Some(&bob),
            Some(
                json!({"action": "addStrategy", "feature": "left", "payload": {"name": "default"}}),
            ),
        )
        .await
        .1;
    let (a, b) = (alices["id"].clone(), bobs["id"].clone());
    moved(&app, &bob, &b, "In review").await;
    moved(&app, &alice, &b, "Approved").await;
    moved(&app, &alice, &b, "Applied").await;
    moved(&app, &alice, &a, "In review").await;
    moved(&app, &bob, &a, "Approved").await;
    let (_, shown) = app.admin(Method::GET, &format!("{CR}/{a}"), None).await;
    assert!(shown["features"][0]["conflict"].is_string(), "{shown}");
    let before = revision(&app.events().await);
    let (status, refused) = set_state(&app, &bob, &a, json!({"state": "Applied"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(revision(&app.events().await), before);
    // Re-submitting the change resolves it.
    let change = shown["features"][0]["changes"][0]["id"].clone();
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("{CR}/{a}/changes/{change}"),
            Some(&alice),
            Some(json!({"action": "updateEnabled", "feature": "left", "payload": {"enabled": false}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, shown) = app.admin(Method::GET, &format!("{CR}/{a}"), None).await;
    assert!(shown["features"][0].get("conflict").is_none(), "{shown}");
    moved(&app, &bob, &a, "Approved").await;
    moved(&app, &bob, &a, "Applied").await;
    assert!(!enabled_in_production(
        &app.client_features(CLIENT_PROD).await,
        "left"
    ));
    app.stop().await;
}

pub async fn scheduled_change_requests_apply_once(db: Db) {
    let a = spawn_app(db.clone()).await;
    create_flags(&a, &["launch", "doomed"]).await;
    let b = spawn_app(db.clone()).await;
    assert_eq!(
        b.call(Method::GET, "/health", None, None).await.0,
        StatusCode::OK
    );
    let alice = person(&a, "alice").await;
    let bob = person(&a, "bob").await;
    protect_production(&a, 1).await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();

    let launch = propose(
        &a,
        &alice,
        json!({"action": "updateEnabled", "feature": "launch", "payload": {"enabled": true}}),
    )
    .await["id"]
        .clone();
    // A schedule that will not apply: the strategy it deletes does not exist.
    let doomed = propose(
        &a,
        &bob,
        json!({"action": "deleteStrategy", "feature": "doomed", "payload": {"id": "gone"}}),
    )
    .await["id"]
        .clone();
    for (id, author, reviewer) in [(&launch, &alice, &bob), (&doomed, &bob, &alice)] {
        moved(&a, author, id, "In review").await;
        moved(&a, reviewer, id, "Approved").await;
        let (status, refused) = set_state(&a, author, id, json!({"state": "Scheduled"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "no scheduledAt: {refused}");
        let (status, scheduled) = set_state(
            &a,
            author,
            id,
            json!({"state": "Scheduled", "scheduledAt": at}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{scheduled}");
        assert_eq!(scheduled["schedule"]["status"], "pending");
    }
    let (_, listed) = a
        .admin(Method::GET, &format!("{CR}/scheduled?feature=launch"), None)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");

    // A restarts before it is due; both replicas' clocks then pass scheduledAt.
    let db = a.stop().await;
    let a = spawn_app(db).await;
    a.advance(Duration::from_secs(2 * 3600));
    b.advance(Duration::from_secs(2 * 3600));
    eventually("the schedule applied", || async {
        let (_, shown) = a.admin(Method::GET, &format!("{CR}/{launch}"), None).await;
        shown["state"] == "Applied"
    })
    .await;
    eventually("the doomed schedule failed", || async {
        let (_, shown) = a.admin(Method::GET, &format!("{CR}/{doomed}"), None).await;
        shown["schedule"]["status"] == "failed"
    })
    .await;
    let (_, shown) = a.admin(Method::GET, &format!("{CR}/{doomed}"), None).await;
    assert_eq!(shown["state"], "Scheduled");
    assert!(
        shown["schedule"]["failureReason"]
            .as_str()
            .is_some_and(|r| r.contains("gone")),
        "{shown}"
    );
    eventually("B serves the scheduled change", || async {
        enabled_in_production(&b.client_features(CLIENT_PROD).await, "launch")
    })
    .await;
    // Both replicas looked again since: still applied exactly once.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let events = a.events().await;
    let count = |kind: &str| {
        events["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["type"] == kind)
            .count()
    };
    assert_eq!(count("change-request-applied"), 1);
    assert_eq!(count("change-request-scheduled-application-success"), 1);
    assert_eq!(count("change-request-scheduled-application-failure"), 1);
    let enabled = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "feature-environment-enabled" && e["environment"] == "production")
        .count();
    assert_eq!(enabled, 1);
    b.stop().await;
    a.stop().await;
}

pub async fn playground_answers_as_if_a_request_were_applied(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["preview"]).await;
    let alice = person(&app, "alice").await;
    protect_production(&app, 1).await;
    let id = propose(
        &app,
        &alice,
        json!({"action": "updateEnabled", "feature": "preview", "payload": {"enabled": true}}),
    )
    .await["id"]
        .clone();
    let body = json!({"environment": "production", "projects": "*", "context": {"userId": "7"}});
    let enabled = |answer: &Value| {
        answer["features"]
            .as_array()
            .expect("features")
            .iter()
            .find(|f| f["name"] == "preview")
            .map(|f| f["isEnabled"].clone())
    };
    let (status, now) = app
        .admin(Method::POST, "/api/admin/playground", Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{now}");
    assert_eq!(enabled(&now), Some(json!(false)));
    let revision = app.events().await["events"][0]["revision"].clone();
    let (status, previewed) = app
        .admin(
            Method::POST,
            &format!("/api/admin/playground/change-request/{id}"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{previewed}");
    assert_eq!(enabled(&previewed), Some(json!(true)));
    // Nothing was applied.
    assert_eq!(app.events().await["events"][0]["revision"], revision);
    let (_, again) = app
        .admin(Method::POST, "/api/admin/playground", Some(body))
        .await;
    assert_eq!(enabled(&again), Some(json!(false)));
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/playground/change-request/999",
            Some(json!({"environment": "production", "context": {}})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
