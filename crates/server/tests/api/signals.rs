//! Flag links, signal endpoints and action sets (parts of issue 13), over
//! HTTP: links are changes with events and are shown with their flag; a
//! signal posted with an endpoint's token is stored and runs the action sets
//! it matches, whose steps are ordinary changes named after the action set;
//! signal tokens open nothing else, and wrong ones count as failed logins.

use crate::helpers::*;

const ENDPOINTS: &str = "/api/admin/signal-endpoints";
const ACTIONS: &str = "/api/admin/projects/default/actions";

fn jira(status: &str, labels: &[&str]) -> Value {
    json!({"issue": {"key": "CHK-12", "fields": {"status": {"name": status}, "labels": labels}}})
}

/// A new signal endpoint and a token for it: (endpoint id, secret).
async fn endpoint_with_token(app: &TestApp, name: &str) -> (i64, String) {
    let (status, endpoint) = app
        .admin(Method::POST, ENDPOINTS, Some(json!({"name": name})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    let id = endpoint["id"].as_i64().expect("endpoint id");
    let (status, token) = app
        .admin(
            Method::POST,
            &format!("{ENDPOINTS}/{id}/tokens"),
            Some(json!({"name": format!("{name}-token")})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    (id, token["token"].as_str().expect("secret").to_owned())
}

async fn send(app: &TestApp, name: &str, token: Option<&str>, payload: Value) -> StatusCode {
    app.call(
        Method::POST,
        &format!("/api/signal-endpoint/{name}"),
        token,
        Some(payload),
    )
    .await
    .0
}

async fn stored_signals(app: &TestApp, endpoint: i64) -> Vec<Value> {
    let (status, body) = app
        .admin(
            Method::GET,
            &format!("{ENDPOINTS}/{endpoint}/signals?limit=1000"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["signalEndpointSignals"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn runs(app: &TestApp, set: i64) -> Vec<Value> {
    let (status, body) = app
        .admin(Method::GET, &format!("{ACTIONS}/{set}/events"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["actionSetEvents"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn enabled_in_development(app: &TestApp, flag: &str) -> bool {
    let document = app.client_features(CLIENT_DEV).await;
    flag_in(&document, flag).is_some_and(|f| f["enabled"] == true)
}

fn step(action: &str, params: Value, sort_order: i64) -> Value {
    json!({"action": action, "sortOrder": sort_order, "executionParams": params})
}

fn action_set(name: &str, endpoint: i64, payload: Value, actions: Vec<Value>) -> Value {
    json!({
        "name": name, "enabled": true, "actorId": 7,
        "match": {"source": "signal-endpoint", "sourceId": endpoint, "payload": payload},
        "actions": actions
    })
}

async fn create_action_set(app: &TestApp, body: Value) -> i64 {
    let (status, set) = app.admin(Method::POST, ACTIONS, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{set}");
    set["id"].as_i64().expect("action set id")
}

pub async fn flag_links(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["new-checkout"]).await;
    let flag = format!("{F}/new-checkout");
    let (status, link) = app
        .admin(
            Method::POST,
            &format!("{flag}/link"),
            Some(json!({"url": "https://jira.example.com/browse/CHK-12", "title": "CHK-12"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let id = link["id"].as_str().expect("link id").to_owned();
    assert_eq!(link["url"], "https://jira.example.com/browse/CHK-12");
    assert_eq!(link["title"], "CHK-12");
    let (_, shown) = app.admin(Method::GET, &flag, None).await;
    assert_eq!(shown["links"], json!([link]), "shown with the flag");

    let (status, changed) = app
        .admin(
            Method::PUT,
            &format!("{flag}/link/{id}"),
            Some(json!({"url": "grafana.example.com/d/checkout"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["url"], "https://grafana.example.com/d/checkout");
    assert_eq!(changed["title"], Value::Null);
    let events = all_events(&app).await;
    let updated = events
        .iter()
        .find(|e| e["type"] == "feature-link-updated")
        .expect("update event");
    assert_eq!(updated["featureName"], "new-checkout");
    assert_eq!(updated["project"], "default");
    assert_eq!(updated["preData"]["title"], "CHK-12");
    assert_eq!(
        updated["data"]["url"],
        "https://grafana.example.com/d/checkout"
    );
    let added = events
        .iter()
        .find(|e| e["type"] == "feature-link-added")
        .expect("add event");
    assert_eq!(added["data"]["id"], id.as_str());

    // Bad input is a 400 that stores nothing; unknown flags and links are 404s.
    let before = all_events(&app).await.len();
    for bad in [
        json!({"url": "javascript:alert(1)"}),
        json!({"url": "ftp://files.example.com"}),
        json!({"url": ""}),
        json!({"url": "https://example.com", "title": "t".repeat(101)}),
        json!({"title": "no url"}),
        json!(["https://example.com"]),
    ] {
        let (status, body) = app
            .admin(Method::POST, &format!("{flag}/link"), Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    for (method, path) in [
        (Method::POST, format!("{F}/missing/link")),
        (Method::PUT, format!("{flag}/link/no-such-link")),
        (Method::DELETE, format!("{flag}/link/no-such-link")),
        (
            Method::POST,
            "/api/admin/projects/other/features/new-checkout/link".to_owned(),
        ),
    ] {
        let (status, body) = app
            .admin(
                method.clone(),
                &path,
                Some(json!({"url": "https://example.com"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    assert_eq!(
        all_events(&app).await.len(),
        before,
        "refusals record nothing"
    );

    // At most 10 links per flag, and the refusal names the limit.
    for n in 1..10 {
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{flag}/link"),
                Some(json!({"url": format!("https://example.com/{n}")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("{flag}/link"),
            Some(json!({"url": "https://example.com/11"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("links limit")),
        "{body}"
    );

    let (status, _) = app
        .admin(Method::DELETE, &format!("{flag}/link/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let removed = all_events(&app).await;
    assert_eq!(removed[0]["type"], "feature-link-removed");
    assert_eq!(removed[0]["preData"]["id"], id.as_str());
    let (_, shown) = app.admin(Method::GET, &flag, None).await;
    assert_eq!(shown["links"].as_array().map(Vec::len), Some(9));

    // Archived: links stay out of reach; deleted: they go with the flag.
    let (status, _) = app.admin(Method::DELETE, &flag, None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{flag}/link"),
            Some(json!({"url": "https://a.b"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .admin(Method::DELETE, "/api/admin/archive/new-checkout", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    create_flags(&app, &["new-checkout"]).await;
    let (_, fresh) = app.admin(Method::GET, &flag, None).await;
    assert_eq!(
        fresh["links"],
        json!([]),
        "a new flag of that name has none"
    );
    app.stop().await;
}

pub async fn signals_run_action_sets(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["new-checkout"]).await;
    let (endpoint, secret) = endpoint_with_token(&app, "jira").await;
    let (_, listed) = app.admin(Method::GET, ENDPOINTS, None).await;
    let shown = &listed["signalEndpoints"][0];
    assert_eq!(shown["name"], "jira");
    assert_eq!(shown["url"], "/api/signal-endpoint/jira");
    assert_eq!(shown["tokens"][0]["name"], "jira-token");
    assert!(
        shown["tokens"][0].get("token").is_none(),
        "no secret in lists"
    );
    assert!(!listed.to_string().contains(&secret));
    assert!(!all_events(&app)
        .await
        .iter()
        .any(|e| e.to_string().contains(&secret)));

    let set = create_action_set(
        &app,
        action_set(
            "qa-enables-checkout",
            endpoint,
            json!({
                "issue.fields.status.name": {"operator": "IN", "values": ["In QA"]},
                "issue.fields.labels": {"operator": "IN", "values": ["flag:new-checkout"]}
            }),
            vec![step(
                "TOGGLE_FEATURE_ON",
                json!({"featureName": "new-checkout", "environment": "development"}),
                1,
            )],
        ),
    )
    .await;
    let (status, read) = app
        .admin(Method::GET, &format!("{ACTIONS}/{set}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["match"]["sourceId"], endpoint);
    assert_eq!(read["actorId"], 7);
    assert_eq!(read["actions"][0]["executionParams"]["project"], "default");

    // Matching neither filter, or only one: stored, nothing changes.
    let before = all_events(&app).await.len();
    for payload in [
        jira("In Progress", &["flag:new-checkout"]),
        jira("In QA", &["flag:other"]),
        json!({}),
    ] {
        assert_eq!(
            send(&app, "jira", Some(&secret), payload).await,
            StatusCode::ACCEPTED
        );
    }
    assert!(!enabled_in_development(&app, "new-checkout").await);
    assert_eq!(all_events(&app).await.len(), before);
    assert_eq!(stored_signals(&app, endpoint).await.len(), 3);
    assert!(runs(&app, set).await.is_empty());

    // A Jira-shaped payload that matches, with a Bearer token: the flag is on.
    let status = send(
        &app,
        "jira",
        Some(&format!("Bearer {secret}")),
        jira("In QA", &["team:web", "flag:new-checkout"]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(enabled_in_development(&app, "new-checkout").await);
    let events = all_events(&app).await;
    let enabled = events
        .iter()
        .find(|e| e["type"] == "feature-environment-enabled")
        .expect("enabled event");
    assert_eq!(enabled["createdBy"], "action:qa-enables-checkout");
    assert_eq!(enabled["featureName"], "new-checkout");
    assert_eq!(enabled["environment"], "development");
    let logged = runs(&app, set).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["state"], "success");
    assert_eq!(logged[0]["actionSet"]["actions"][0]["state"], "success");
    assert_eq!(logged[0]["signal"]["payload"]["issue"]["key"], "CHK-12");
    let signals = stored_signals(&app, endpoint).await;
    assert_eq!(signals.len(), 4);
    assert_eq!(signals[0]["id"], logged[0]["signalId"], "newest first");
    assert_eq!(signals[0]["tokenName"], "jira-token");
    assert_eq!(signals[0]["source"], "signal-endpoint");
    let (_, page) = app
        .admin(
            Method::GET,
            &format!("{ENDPOINTS}/{endpoint}/signals?limit=1"),
            None,
        )
        .await;
    assert_eq!(
        page["signalEndpointSignals"].as_array().map(Vec::len),
        Some(1)
    );

    // A disabled action set does not run; switched back on, it does again.
    let (status, _) = app
        .admin(Method::POST, &format!("{ACTIONS}/{set}/off"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, read) = app
        .admin(Method::GET, &format!("{ACTIONS}/{set}"), None)
        .await;
    assert_eq!(read["enabled"], false);
    let off = step(
        "TOGGLE_FEATURE_OFF",
        json!({"featureName": "new-checkout", "environment": "development"}),
        1,
    );
    let done = create_action_set(
        &app,
        action_set(
            "done-disables-checkout",
            endpoint,
            json!({"issue.fields.status.name": {"operator": "IN", "values": ["Done"]}}),
            vec![off],
        ),
    )
    .await;
    assert_eq!(
        send(&app, "jira", Some(&secret), jira("Done", &[])).await,
        StatusCode::ACCEPTED
    );
    assert!(!enabled_in_development(&app, "new-checkout").await);
    assert_eq!(
        runs(&app, set).await.len(),
        1,
        "the disabled set did not run"
    );
    assert_eq!(runs(&app, done).await.len(), 1);
    let (_, list) = app.admin(Method::GET, ACTIONS, None).await;
    assert_eq!(list["actions"].as_array().map(Vec::len), Some(2));

    // Replace, then delete an action set.
    let (status, replaced) = app
        .admin(
            Method::PUT,
            &format!("{ACTIONS}/{done}"),
            Some(action_set(
                "done-disables",
                endpoint,
                json!({}),
                vec![step(
                    "TOGGLE_FEATURE_OFF",
                    json!({"featureName": "new-checkout", "environment": "production"}),
                    1,
                )],
            )),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["name"], "done-disables");
    assert_eq!(replaced["match"]["payload"], json!({}));
    let (status, _) = app
        .admin(Method::DELETE, &format!("{ACTIONS}/{done}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .admin(Method::GET, &format!("{ACTIONS}/{done}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

pub async fn signal_tokens_open_nothing_else(db: Db) {
    let app = spawn_app_with(db, |args| args.body_limit = 4096).await;
    let (jira, secret) = endpoint_with_token(&app, "jira").await;
    let (_, other_secret) = endpoint_with_token(&app, "ci").await;
    let good = jira_payload();
    for (token, name) in [
        (None, "jira"),
        (Some("wrong"), "jira"),
        (Some(other_secret.as_str()), "jira"),
        (Some(secret.as_str()), "nowhere"),
        (Some(ADMIN), "jira"),
        (Some(CLIENT_DEV), "jira"),
    ] {
        let status = send(&app, name, token, good.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?} on {name}");
    }
    assert!(
        stored_signals(&app, jira).await.is_empty(),
        "nothing stored"
    );

    // A signal token is not an API token.
    for (method, path) in [
        (Method::GET, "/api/admin/projects"),
        (Method::GET, "/api/admin/signal-endpoints"),
        (Method::GET, "/api/client/features"),
        (Method::POST, "/api/frontend"),
    ] {
        let (status, body) = app
            .call(method.clone(), path, Some(&secret), Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
    }

    // Bodies: a JSON object, an empty one, or a 400/413 that stores nothing.
    let post_raw = |body: &'static str| {
        let request = app
            .http
            .post(format!("{}/api/signal-endpoint/jira", app.base))
            .header("Authorization", secret.clone())
            .body(body);
        async move { request.send().await.expect("answered").status() }
    };
    assert_eq!(post_raw("[1, 2]").await, StatusCode::BAD_REQUEST);
    assert_eq!(post_raw("{not json").await, StatusCode::BAD_REQUEST);
    assert_eq!(post_raw("").await, StatusCode::ACCEPTED);
    let big = json!({"blob": "x".repeat(5000)});
    assert_eq!(
        send(&app, "jira", Some(&secret), big).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let stored = stored_signals(&app, jira).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["payload"], json!({}));

    // A disabled endpoint answers 403 and stores nothing.
    let (status, _) = app
        .admin(Method::POST, &format!("{ENDPOINTS}/{jira}/off"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        send(&app, "jira", Some(&secret), good.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(stored_signals(&app, jira).await.len(), 1);
    let (_, _) = app
        .admin(Method::POST, &format!("{ENDPOINTS}/{jira}/on"), None)
        .await;
    assert_eq!(
        send(&app, "jira", Some(&secret), good.clone()).await,
        StatusCode::ACCEPTED
    );

    // A deleted token opens nothing; the list never shows secrets.
    let (_, tokens) = app
        .admin(Method::GET, &format!("{ENDPOINTS}/{jira}/tokens"), None)
        .await;
    let token_id = tokens["signalEndpointTokens"][0]["id"]
        .as_i64()
        .expect("token id");
    assert!(!tokens.to_string().contains(&secret));
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("{ENDPOINTS}/{jira}/tokens/{token_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&app, "jira", Some(&secret), good).await,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

fn jira_payload() -> Value {
    jira("In QA", &["flag:new-checkout"])
}

/// Wrong signal tokens count against the address's failed-authentication
/// quota, shared with the other APIs: the endpoint is no guessing oracle; a
/// valid token from that address is still taken.
pub async fn wrong_signal_tokens_use_the_auth_quota(db: Db) {
    let app = spawn_app_with(db, |args| args.auth_failures_per_minute = 5).await;
    let (_, secret) = endpoint_with_token(&app, "jira").await;
    for guess in 0..5 {
        let status = send(&app, "jira", Some(&format!("guess-{guess}")), json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        send(&app, "jira", Some("guess-5"), json!({})).await,
        StatusCode::TOO_MANY_REQUESTS,
        "refused before the token is looked at"
    );
    // Only failures are refused: the endpoint's own token is still taken.
    assert_eq!(
        send(&app, "jira", Some(&secret), json!({})).await,
        StatusCode::ACCEPTED
    );
    let (status, _) = app
        .call(Method::GET, "/api/admin/projects", Some("*:*.wrong"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "one quota per address"
    );
    // Only failures are refused: a valid admin token still opens the admin API.
    let (status, _) = app.admin(Method::GET, "/api/admin/projects", None).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

pub async fn failing_steps_are_logged(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["new-checkout", "plain"]).await;
    let (endpoint, secret) = endpoint_with_token(&app, "jira").await;
    let dev = |flag: &str| json!({"featureName": flag, "environment": "development"});
    let set = create_action_set(
        &app,
        action_set(
            "broken",
            endpoint,
            json!({}),
            vec![
                step("TOGGLE_FEATURE_ON", dev("new-checkout"), 3),
                step("TOGGLE_FEATURE_ON", dev("missing"), 2),
                step("TOGGLE_FEATURE_ON", dev("plain"), 1),
            ],
        ),
    )
    .await;
    assert_eq!(
        send(&app, "jira", Some(&secret), json!({})).await,
        StatusCode::ACCEPTED
    );
    let logged = runs(&app, set).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["state"], "failed");
    let actions = &logged[0]["actionSet"]["actions"];
    assert_eq!(
        actions[0]["executionParams"]["featureName"], "plain",
        "in sortOrder"
    );
    assert_eq!(actions[0]["state"], "success");
    assert_eq!(actions[1]["state"], "failed");
    assert!(
        actions[1]["details"]
            .as_str()
            .is_some_and(|d| d.contains("missing")),
        "{actions}"
    );
    assert_eq!(actions[2]["state"], "not started");
    assert!(
        enabled_in_development(&app, "plain").await,
        "steps before a failure stay"
    );
    assert!(!enabled_in_development(&app, "new-checkout").await);

    // No flexibleRollout strategy to set: logged with its reason.
    let rollout = create_action_set(
        &app,
        action_set(
            "no-rollout",
            endpoint,
            json!({"kind": {"operator": "IN", "values": ["rollout"]}}),
            vec![step(
                "SET_ROLLOUT",
                json!({"featureName": "new-checkout", "environment": "production", "rollout": 50}),
                1,
            )],
        ),
    )
    .await;
    let status = send(&app, "jira", Some(&secret), json!({"kind": "rollout"})).await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "a failed step does not fail the signal"
    );
    let logged = runs(&app, rollout).await;
    assert_eq!(logged[0]["state"], "failed");
    let details = logged[0]["actionSet"]["actions"][0]["details"]
        .as_str()
        .unwrap_or("");
    assert!(details.contains("no flexibleRollout strategy"), "{details}");
    app.stop().await;
}

pub async fn set_rollout_changes_the_strategy(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["new-checkout"]).await;
    let strategies = format!("{F}/new-checkout/environments/development/strategies");
    let mut ids = Vec::new();
    for rollout in ["10", "20"] {
        let (status, strategy) = app
            .admin(
                Method::POST,
                &strategies,
                Some(json!({"name": "flexibleRollout", "parameters": {
                    "rollout": rollout, "stickiness": "default", "groupId": "new-checkout"}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{strategy}");
        ids.push(strategy["id"].as_str().expect("id").to_owned());
    }
    let (endpoint, secret) = endpoint_with_token(&app, "deploys").await;
    let params = |rollout: Value, strategy: Option<&str>| {
        let mut p = json!({"featureName": "new-checkout", "environment": "development", "rollout": rollout});
        if let Some(id) = strategy {
            p["strategyId"] = json!(id);
        }
        p
    };
    let by_stage = |stage: &str| json!({"stage": {"operator": "IN", "values": [stage]}});
    create_action_set(
        &app,
        action_set(
            "canary",
            endpoint,
            by_stage("canary"),
            vec![step("SET_ROLLOUT", params(json!(75), None), 1)],
        ),
    )
    .await;
    create_action_set(
        &app,
        action_set(
            "second",
            endpoint,
            by_stage("second"),
            vec![step("SET_ROLLOUT", params(json!("35"), Some(&ids[1])), 1)],
        ),
    )
    .await;
    let rollouts = || async {
        let (_, listed) = app.admin(Method::GET, &strategies, None).await;
        listed
            .as_array()
            .expect("strategies")
            .iter()
            .map(|s| s["parameters"]["rollout"].as_str().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        send(&app, "deploys", Some(&secret), json!({"stage": "canary"})).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(rollouts().await, ["75", "20"], "the first flexibleRollout");
    let events = all_events(&app).await;
    assert_eq!(events[0]["type"], "feature-strategy-update");
    assert_eq!(events[0]["createdBy"], "action:canary");
    assert_eq!(events[0]["data"]["parameters"]["rollout"], "75");
    assert_eq!(
        send(&app, "deploys", Some(&secret), json!({"stage": "second"})).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(rollouts().await, ["75", "35"], "the named strategy");
    // Already at 75%: the step succeeds and records nothing.
    let before = all_events(&app).await.len();
    assert_eq!(
        send(&app, "deploys", Some(&secret), json!({"stage": "canary"})).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(all_events(&app).await.len(), before);
    app.stop().await;
}

pub async fn bad_automation_input_changes_nothing(db: Db) {
    let app = spawn_app(db).await;
    let (endpoint, _) = endpoint_with_token(&app, "jira").await;
    let on = |params: Value| vec![step("TOGGLE_FEATURE_ON", params, 1)];
    let dev = json!({"featureName": "new-checkout", "environment": "development"});
    let events = all_events(&app).await.len();
    for (what, body) in [
        (
            "unknown endpoint",
            action_set("a", 999_999, json!({}), on(dev.clone())),
        ),
        (
            "unknown action",
            action_set(
                "a",
                endpoint,
                json!({}),
                vec![step("DELETE_FLAG", dev.clone(), 1)],
            ),
        ),
        (
            "missing params",
            action_set("a", endpoint, json!({}), on(json!({"featureName": "x"}))),
        ),
        (
            "unknown param",
            action_set(
                "a",
                endpoint,
                json!({}),
                on(json!({"featureName": "x", "environment": "development", "colour": "red"})),
            ),
        ),
        (
            "other project",
            action_set(
                "a",
                endpoint,
                json!({}),
                on(json!({"featureName": "x", "environment": "development", "project": "other"})),
            ),
        ),
        (
            "rollout above 100",
            action_set(
                "a",
                endpoint,
                json!({}),
                vec![step(
                    "SET_ROLLOUT",
                    json!({"featureName": "x", "environment": "development", "rollout": 101}),
                    1,
                )],
            ),
        ),
        (
            "rollout below 0",
            action_set(
                "a",
                endpoint,
                json!({}),
                vec![step(
                    "SET_ROLLOUT",
                    json!({"featureName": "x", "environment": "development", "rollout": -5}),
                    1,
                )],
            ),
        ),
        ("no actions", action_set("a", endpoint, json!({}), vec![])),
        (
            "bad operator",
            action_set(
                "a",
                endpoint,
                json!({"x": {"operator": "LIKE", "values": ["y"]}}),
                on(dev.clone()),
            ),
        ),
        (
            "no name",
            action_set("", endpoint, json!({}), on(dev.clone())),
        ),
        (
            "other source",
            json!({"name": "a", "match": {"source": "webhook", "sourceId": endpoint}, "actions": on(dev.clone())}),
        ),
        ("no match", json!({"name": "a", "actions": on(dev.clone())})),
        ("not an object", json!([1])),
    ] {
        let (status, body) = app.admin(Method::POST, ACTIONS, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
    }
    for (what, body) in [
        ("name with a space", json!({"name": "has space"})),
        ("no name", json!({"description": "x"})),
    ] {
        let (status, body) = app.admin(Method::POST, ENDPOINTS, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
    }
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{ENDPOINTS}/{endpoint}/tokens"),
            Some(json!({"name": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .admin(Method::POST, ENDPOINTS, Some(json!({"name": "jira"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    for path in [
        format!("{ENDPOINTS}/999"),
        format!("{ENDPOINTS}/abc"),
        format!("{ACTIONS}/999"),
        "/api/admin/projects/nowhere/actions".to_owned(),
    ] {
        let (status, _) = app.admin(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/nowhere/actions",
            Some(action_set("a", endpoint, json!({}), on(dev.clone()))),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, sets) = app.admin(Method::GET, ACTIONS, None).await;
    assert_eq!(sets["actions"], json!([]), "nothing stored");
    assert_eq!(all_events(&app).await.len(), events, "nothing recorded");

    // An endpoint an action set listens to, and a project with action sets, stay.
    let set = create_action_set(&app, action_set("a", endpoint, json!({}), on(dev.clone()))).await;
    let (status, _) = app
        .admin(Method::DELETE, &format!("{ENDPOINTS}/{endpoint}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .admin(
            Method::POST,
            ACTIONS,
            Some(action_set("a", endpoint, json!({}), on(dev.clone()))),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "names are unique in a project"
    );
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "other", "name": "Other"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects/other/actions",
            Some(action_set("b", endpoint, json!({}), on(dev.clone()))),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(Method::DELETE, "/api/admin/projects/other", None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = app
        .admin(
            Method::PUT,
            &format!("{ACTIONS}/{set}"),
            Some(action_set("a", endpoint, json!({}), vec![])),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, read) = app
        .admin(Method::GET, &format!("{ACTIONS}/{set}"), None)
        .await;
    assert_eq!(
        read["actions"].as_array().map(Vec::len),
        Some(1),
        "unchanged"
    );

    // Unleash's bounds: 5 endpoints.
    for n in 0..4 {
        let (status, _) = app
            .admin(
                Method::POST,
                ENDPOINTS,
                Some(json!({"name": format!("e{n}")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, body) = app
        .admin(Method::POST, ENDPOINTS, Some(json!({"name": "sixth"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("limit")),
        "{body}"
    );
    app.stop().await;
}

/// The store keeps the newest signals per endpoint (by count and by bytes) and
/// runs per action set, pruning in the write that adds one (small bounds
/// here); a run names its signal, which stays (without its payload) while a
/// kept run names it.
pub async fn signals_and_runs_are_bounded(db: Db) {
    use flagstaff_domain::ops::{self, Actor, Context, Limits};
    use flagstaff_storage::{ActionRunRow, RunState, SignalsKept, Store};
    let store = Store::connect(&db.url()).await.expect("store");
    let cx = Context::new(Actor::named("story"), Limits::default());
    let create = |name: &str| ops::CreateSignalEndpoint {
        endpoint: serde_json::from_value(json!({"name": name})).expect("input"),
    };
    let jira = ops::apply(&store, &cx, create("jira"))
        .await
        .expect("endpoint")
        .output;
    let ci = ops::apply(&store, &cx, create("ci"))
        .await
        .expect("endpoint")
        .output;
    let revision = store.current_revision().await.expect("revision");
    let three = SignalsKept {
        count: 3,
        bytes: 1_000_000,
    };
    let mut ids = Vec::new();
    for n in 0..5 {
        let signal = store
            .store_signal(jira.id, "t", &json!({"n": n}), 0, three)
            .await
            .expect("stored")
            .expect("enabled");
        ids.push(signal.id);
    }
    store
        .store_signal(ci.id, "t", &json!({}), 2, three)
        .await
        .expect("stored");
    let kept: Vec<i64> = store
        .signals(jira.id, 100, 0)
        .await
        .expect("signals")
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(kept, [ids[4], ids[3], ids[2]]);
    let from_ci = store.signals(ci.id, 100, 0).await.expect("signals");
    assert_eq!(from_ci.len(), 1, "per endpoint");
    assert_eq!(from_ci[0].action_depth, 2, "the depth is kept");
    assert_eq!(
        store.current_revision().await.expect("revision"),
        revision,
        "signals are not changes"
    );

    let set: ops::ActionSetInput = serde_json::from_value(json!({
        "name": "s", "match": {"source": "signal-endpoint", "sourceId": jira.id},
        "actions": [{"action": "TOGGLE_FEATURE_ON", "executionParams": {"featureName": "f", "environment": "development"}}]
    }))
    .expect("input");
    let project = ops::ProjectId::parse("default").expect("id");
    let set = ops::apply(&store, &cx, ops::CreateActionSet { project, set })
        .await
        .expect("set")
        .output;
    let run = |signal_id: i64| ActionRunRow {
        id: 0,
        action_set_id: set.id,
        signal_id,
        state: RunState::Success,
        signal: None,
        action_set: json!({}),
        created_at: flagstaff_storage::now(),
    };
    for id in [ids[2], ids[3], ids[4], ids[4]] {
        assert!(store.log_action_run(&run(id), 3).await.expect("logged"));
    }
    let runs = store.action_runs(set.id, 100, 0).await.expect("runs");
    let named: Vec<i64> = runs.iter().map(|r| r.signal_id).collect();
    assert_eq!(named, [ids[4], ids[4], ids[3]], "the newest runs");
    let shown = runs[0].signal.as_ref().expect("read with its signal");
    assert_eq!(shown.payload, json!({"n": 4}));
    assert_eq!(shown.token_name, "t");

    // Two more signals: the run's signal ids[3] is no longer among the newest
    // three, so it stays without its payload; ids[2] (no run) goes.
    for n in 5..7 {
        store
            .store_signal(jira.id, "t", &json!({"n": n}), 0, three)
            .await
            .expect("stored");
    }
    let signals = store.signals(jira.id, 100, 0).await.expect("signals");
    let payloads: Vec<Value> = signals.iter().map(|s| s.payload.clone()).collect();
    assert_eq!(
        payloads,
        [
            json!({"n": 6}),
            json!({"n": 5}),
            json!({"n": 4}),
            Value::Null
        ]
    );
    assert_eq!(signals[3].id, ids[3]);
    let runs = store.action_runs(set.id, 100, 0).await.expect("runs");
    let oldest = runs[2].signal.as_ref().expect("still named");
    assert_eq!((oldest.id, &oldest.payload), (ids[3], &Value::Null));

    // A byte budget: the newest signals whose payloads fit (always the newest).
    let small = SignalsKept {
        count: 3,
        bytes: 30,
    };
    for blob in ["a".repeat(10), "b".repeat(10), "c".repeat(40)] {
        store
            .store_signal(ci.id, "t", &json!({ "blob": blob }), 0, small)
            .await
            .expect("stored");
    }
    let kept = store.signals(ci.id, 100, 0).await.expect("signals");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].payload["blob"], "c".repeat(40));

    let off = ops::SwitchSignalEndpoint {
        id: jira.id,
        enabled: false,
    };
    ops::apply(&store, &cx, off).await.expect("switched off");
    assert!(store
        .store_signal(jira.id, "t", &json!({}), 0, three)
        .await
        .expect("answered")
        .is_none());
    store.close().await;
}

/// A number from the test's database (from outside the server).
async fn scalar_on(db: &Db, query: &str) -> i64 {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(&db.url())
        .await
        .expect("connect to the test database");
    let value: i64 = sqlx::query_scalar(query)
        .fetch_one(&mut connection)
        .await
        .expect(query);
    let _ = connection.close().await;
    value
}

/// Issue 20, finding 5: a signal body over `--max-signal-bytes` is a 413 in
/// Unleash's error shape that names the limit and stores nothing.
pub async fn oversize_signals_are_refused(db: Db) {
    let app = spawn_app(db).await;
    let (endpoint, secret) = endpoint_with_token(&app, "jira").await;
    // `{"blob":"…"}` is 11 bytes around the blob.
    let sized = |bytes: usize| json!({"blob": "x".repeat(bytes - 11)});
    let response = app
        .http
        .post(format!("{}/api/signal-endpoint/jira", app.base))
        .header("Authorization", &secret)
        .json(&sized(64 * 1024 + 1))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.expect("JSON error");
    assert_eq!(body["name"], "ContentTooLargeError", "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("65536") && message.contains("MAX_SIGNAL_BYTES"),
        "{body}"
    );
    assert_eq!(body["details"][0]["message"], message);
    assert!(body["id"].is_string());
    assert!(
        stored_signals(&app, endpoint).await.is_empty(),
        "nothing stored"
    );
    assert_eq!(
        send(&app, "jira", Some(&secret), sized(64 * 1024)).await,
        StatusCode::ACCEPTED,
        "at the limit"
    );
    assert_eq!(stored_signals(&app, endpoint).await.len(), 1);
    app.stop().await;
}

/// Issue 20, finding 5: 296 signals of 900 KB took a database from 6 MB to
/// 551 MB (each kept signal, and a copy in each kept run). Now a run names
/// its signal, still shows it, and an endpoint keeps at most its byte budget
/// of payloads however many signals come.
pub async fn signal_storage_is_bounded(db: Db) {
    const BUDGET: usize = 256 * 1024;
    let app = spawn_app_with(db.clone(), |args| {
        args.signal_bytes_per_endpoint = BUDGET;
    })
    .await;
    create_flags(&app, &["new-checkout"]).await;
    let (endpoint, secret) = endpoint_with_token(&app, "jira").await;
    let set = create_action_set(
        &app,
        action_set(
            "every-signal",
            endpoint,
            json!({}),
            vec![step(
                "TOGGLE_FEATURE_ON",
                json!({"featureName": "new-checkout", "environment": "development"}),
                1,
            )],
        ),
    )
    .await;
    let blob = "x".repeat(60 * 1024);
    for n in 0..24 {
        let status = send(&app, "jira", Some(&secret), json!({"n": n, "blob": blob})).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    // 24 runs and 24 signals (each run names one), but only about the budget
    // of payload bytes, and runs hold no copy.
    let logged = runs(&app, set).await;
    assert_eq!(logged.len(), 24);
    assert_eq!(logged[0]["state"], "success");
    assert_eq!(
        logged[0]["signal"]["payload"]["n"], 23,
        "the newest run shows its signal"
    );
    assert_eq!(logged[0]["signal"]["payload"]["blob"], blob.as_str());
    assert_eq!(logged[0]["signal"]["tokenName"], "jira-token");
    assert_eq!(logged[0]["signal"]["id"], logged[0]["signalId"]);
    assert_eq!(logged[23]["signal"]["id"], logged[23]["signalId"]);
    assert_eq!(
        logged[23]["signal"]["payload"],
        Value::Null,
        "an old run's signal is kept without its payload"
    );
    let payload_bytes = scalar_on(
        &db,
        "SELECT CAST(COALESCE(SUM(LENGTH(payload)), 0) AS BIGINT) FROM signals",
    )
    .await;
    assert!(
        payload_bytes <= i64::try_from(BUDGET).unwrap_or(i64::MAX),
        "{payload_bytes} bytes of signals kept"
    );
    assert!(payload_bytes >= 3 * 60 * 1024, "the newest are kept whole");
    let run_bytes = scalar_on(
        &db,
        "SELECT CAST(COALESCE(SUM(LENGTH(action_set)), 0) AS BIGINT) FROM action_set_runs",
    )
    .await;
    assert!(
        run_bytes < 24 * 2048,
        "{run_bytes} bytes of runs: no copies"
    );
    let shown = stored_signals(&app, endpoint).await;
    assert_eq!(shown.len(), 24);
    assert_eq!(shown[0]["payload"]["n"], 23);
    app.stop().await;
}

/// Two action sets that undo each other, fed by an integration that sends the
/// flag's switches to this server's own signal endpoint: toggles for ever
/// without a guard (issue 20, finding 6: 2,854 events in 54 s). Each run is
/// one deeper in the chain than the change whose signal set it off, and the
/// run a depth-3 change's signal would set off is logged as skipped.
pub async fn action_loops_stop(db: Db) {
    let app = spawn_app_with(db, |args| args.integrations_allow_private_urls = true).await;
    create_flags(&app, &["looping"]).await;
    let (endpoint, secret) = endpoint_with_token(&app, "self").await;
    let (status, addon) = app
        .admin(
            Method::POST,
            "/api/admin/addons",
            Some(json!({
                "provider": "webhook", "enabled": true,
                "parameters": {"url": format!("{}/api/signal-endpoint/self", app.base),
                    "authorization": secret},
                "events": ["feature-environment-enabled", "feature-environment-disabled"],
                "projects": ["default"], "environments": ["development"]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{addon}");
    let dev = json!({"featureName": "looping", "environment": "development"});
    let when = |event: &str| json!({"type": {"operator": "IN", "values": [event]}});
    let off = create_action_set(
        &app,
        action_set(
            "off-when-on",
            endpoint,
            when("feature-environment-enabled"),
            vec![step("TOGGLE_FEATURE_OFF", dev.clone(), 1)],
        ),
    )
    .await;
    let on = create_action_set(
        &app,
        action_set(
            "on-when-off",
            endpoint,
            when("feature-environment-disabled"),
            vec![step("TOGGLE_FEATURE_ON", dev.clone(), 1)],
        ),
    )
    .await;
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/looping/environments/development/on"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // on (a person) → off (depth 1) → on (2) → off (3) → the next is skipped.
    eventually("a run is skipped", || async {
        runs(&app, on).await.iter().any(|r| r["state"] == "skipped")
    })
    .await;
    let skipped = runs(&app, on).await[0].clone();
    let details = skipped["actionSet"]["actions"][0]["details"]
        .as_str()
        .unwrap_or_default();
    assert!(
        details.contains("3 deep in a chain") && details.contains("X-Flagstaff-Action-Depth"),
        "{skipped}"
    );
    assert_eq!(skipped["actionSet"]["actions"][0]["state"], "not started");
    assert_eq!(
        skipped["signal"]["payload"]["type"],
        "feature-environment-disabled"
    );
    let switches = || async {
        all_events(&app)
            .await
            .iter()
            .filter(|e| {
                e["featureName"] == "looping"
                    && (e["type"] == "feature-environment-enabled"
                        || e["type"] == "feature-environment-disabled")
            })
            .map(|e| e["createdBy"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    let made = switches().await;
    assert_eq!(made.len(), 4, "{made:?}");
    assert_eq!(
        made[..3],
        [
            "action:off-when-on",
            "action:on-when-off",
            "action:off-when-on"
        ],
        "newest first, after the person's switch"
    );
    assert_eq!(runs(&app, off).await.len(), 2);
    assert_eq!(
        runs(&app, on)
            .await
            .iter()
            .map(|r| r["state"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>(),
        ["skipped", "success"]
    );
    // And it stays stopped: with every delivery settled no signal is on its
    // way, so nothing can set off another run.
    deliveries_settled(&app).await;
    assert_eq!(switches().await.len(), 4);
    app.stop().await;
}

/// The backstop for loops through systems that drop the depth header: each
/// action set runs at most `--action-runs-per-minute` times a minute; the
/// runs past it are logged as skipped, with the setting named.
pub async fn action_runs_are_rate_limited(db: Db) {
    let app = spawn_app_with(db, |args| args.action_runs_per_minute = 2).await;
    create_flags(&app, &["new-checkout"]).await;
    let (endpoint, secret) = endpoint_with_token(&app, "jira").await;
    let dev = json!({"featureName": "new-checkout", "environment": "development"});
    let set = create_action_set(
        &app,
        action_set(
            "busy",
            endpoint,
            json!({}),
            vec![step("TOGGLE_FEATURE_ON", dev, 1)],
        ),
    )
    .await;
    for _ in 0..4 {
        assert_eq!(
            send(&app, "jira", Some(&secret), json!({})).await,
            StatusCode::ACCEPTED
        );
    }
    let logged = runs(&app, set).await;
    let states: Vec<&str> = logged
        .iter()
        .map(|r| r["state"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(states, ["skipped", "skipped", "success", "success"]);
    let details = logged[0]["actionSet"]["actions"][0]["details"]
        .as_str()
        .unwrap_or_default();
    assert!(details.contains("ACTION_RUNS_PER_MINUTE"), "{details}");
    assert_eq!(stored_signals(&app, endpoint).await.len(), 4, "all stored");
    app.stop().await;
}
