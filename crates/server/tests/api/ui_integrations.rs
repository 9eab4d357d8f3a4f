//! The integrations, signals and actions screens driven like a browser
//! without JavaScript, against local HTTP receivers; every result checked
//! through the admin API or what the receiver got. And the public URL's
//! default: links in notifications point where the server listens.

use crate::browser::*;
use crate::helpers::*;
use crate::integrations::Receiver;

async fn addons(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.admin(Method::GET, "/api/admin/addons", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["addons"].as_array().expect("addons").clone()
}

/// The delivery log page of integration `id` once it lists `n` attempts.
async fn log_with(browser: &mut Browser, id: i64, n: usize) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let page = browser.get(&format!("/integrations/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let rows = page
            .body
            .split("<table class=\"deliveries\">")
            .nth(1)
            .map_or(0, |t| t.matches("<tr>").count().saturating_sub(1));
        if rows >= n {
            return page.body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{rows} of {n} attempts logged: {}",
            page.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Create, refuse, edit, test, disable and delete an integration on its
/// screen; the receiver gets the test, and the log shows every attempt.
pub async fn ui_integrations_screen(db: Db) {
    let app = spawn_app_with(db, |args| {
        with_admin(args);
        args.integrations_allow_private_urls = true;
    })
    .await;
    let receiver = Receiver::start(1).await;
    let mut browser = admin_browser(&app).await;

    // The list offers every provider; each form is that provider's parameters.
    let list = browser.get("/integrations").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    for provider in ["webhook", "slack", "teams", "datadog"] {
        assert!(
            list.body
                .contains(&format!("/integrations/new?provider={provider}")),
            "{}",
            list.body
        );
    }
    let datadog = browser.get("/integrations/new?provider=datadog").await;
    assert!(
        datadog.body.contains("name=\"param.apiKey\"")
            && datadog.body.contains("name=\"param.sourceTypeName\"")
    );
    assert!(!datadog.body.contains("name=\"param.bodyTemplate\""));
    let form = browser.get("/integrations/new?provider=webhook").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"param.bodyTemplate\""));
    // Event kinds are checkboxes of the kinds integrations may send.
    assert!(form
        .body
        .contains("name=\"events\" value=\"feature-environment-enabled\" checked"));
    assert!(!form.body.contains("value=\"user-created\""));
    assert!(form.body.contains("name=\"projects\" value=\"default\""));
    let csrf = form.csrf();

    // A bad URL: 400, the message by the URL field, what was typed kept, nothing stored.
    let refused = browser
        .post(
            "/integrations",
            &[
                ("_csrf", &csrf),
                ("provider", "webhook"),
                ("param.url", "ftp://example.com/x"),
                ("description", "audit <log>"),
                ("events", "feature-created"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"param-url-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("audit &#60;log&#62;"));
    let no_events = browser
        .post(
            "/integrations",
            &[
                ("_csrf", &csrf),
                ("provider", "webhook"),
                ("param.url", &receiver.url),
            ],
        )
        .await;
    assert_eq!(no_events.status, StatusCode::BAD_REQUEST);
    assert!(
        no_events.body.contains("id=\"events-error\""),
        "{}",
        no_events.body
    );
    assert!(addons(&app).await.is_empty(), "refusals store nothing");

    // Created: the page shows the signing secret once.
    let created = browser
        .post(
            "/integrations",
            &[
                ("_csrf", &csrf),
                ("provider", "webhook"),
                ("param.url", &receiver.url),
                ("param.authorization", "Bearer receiver-secret"),
                ("description", "audit log"),
                ("events", "feature-created"),
                ("events", "feature-environment-enabled"),
                ("projects", "default"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let stored = addons(&app).await;
    assert_eq!(stored.len(), 1);
    let id = stored[0]["id"].as_i64().expect("id");
    assert_eq!(stored[0]["description"], "audit log");
    assert_eq!(
        stored[0]["events"],
        json!(["feature-created", "feature-environment-enabled"])
    );
    assert_eq!(stored[0]["projects"], json!(["default"]));
    assert!(created.body.contains("id=\"signing-secret\""));
    let page = browser.get(&format!("/integrations/{id}")).await;
    assert!(!page.body.contains("id=\"signing-secret\""), "shown once");
    assert!(
        !page.body.contains("receiver-secret"),
        "secrets are never shown"
    );

    // Edited with the secret inputs left empty: the stored values are kept.
    let edited = browser
        .post(
            &format!("/integrations/{id}"),
            &[
                ("_csrf", &csrf),
                ("param.url", ""),
                ("param.authorization", ""),
                ("description", "audit trail"),
                ("events", "feature-created"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let stored = addons(&app).await;
    assert_eq!(stored[0]["description"], "audit trail");
    assert_eq!(stored[0]["events"], json!(["feature-created"]));
    assert_eq!(stored[0]["projects"], json!([]));

    // "Send a test": the first attempt fails (the receiver answers 500), the
    // log says when it is retried; the retry is delivered with the secret kept.
    let tested = browser
        .post(&format!("/integrations/{id}/test"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(tested.status, StatusCode::SEE_OTHER, "{}", tested.body);
    let got = receiver.wait_for(2).await;
    let body: Value = serde_json::from_str(&got[1].body).expect("json");
    assert_eq!(body["type"], "addon-test-sent");
    assert_eq!(body["createdBy"], ADMIN_USER);
    assert_eq!(got[1].headers["authorization"], "Bearer receiver-secret");
    let log = log_with(&mut browser, id, 2).await;
    assert!(log.contains("addon-test-sent") && log.contains("Delivered") && log.contains("Failed"));
    assert!(
        log.contains("answered HTTP 500")
            && log.contains("HTTP 500 ·")
            && log.contains("HTTP 200 ·")
    );
    // The API's log says the same, each attempt with its next retry.
    let (status, deliveries) = app
        .admin(Method::GET, &format!("/api/admin/addons/{id}/events"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let attempts = deliveries["integrationEvents"]
        .as_array()
        .expect("attempts");
    assert_eq!(attempts.len(), 2, "{deliveries}");
    assert_eq!(attempts[0]["state"], "success");
    assert_eq!(attempts[0]["nextAttemptAt"], Value::Null);
    assert_eq!(attempts[1]["details"]["status"], 500);

    // A failure still being retried shows its next retry.
    receiver.set_failing(true);
    browser
        .post(&format!("/integrations/{id}/test"), &[("_csrf", &csrf)])
        .await;
    receiver.wait_for(3).await;
    let (_, deliveries) = app
        .admin(
            Method::GET,
            &format!("/api/admin/addons/{id}/events?limit=1"),
            None,
        )
        .await;
    let latest = &deliveries["integrationEvents"][0];
    if latest["state"] == "failed" {
        assert!(latest["nextAttemptAt"].is_string(), "{latest}");
    }
    receiver.set_failing(false);

    // Disabled from the list: a flag change is not sent; the test still is.
    let off = browser
        .post(
            &format!("/integrations/{id}/switch"),
            &[("_csrf", &csrf), ("enabled", "false")],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(addons(&app).await[0]["enabled"], false);
    assert_eq!(
        addons(&app).await[0]["description"],
        "audit trail",
        "switching keeps the rest"
    );
    deliveries_settled(&app).await;
    let before = receiver.received().len();
    create_flags(&app, &["not-sent"]).await;
    deliveries_settled(&app).await;
    assert_eq!(
        receiver.received().len(),
        before,
        "a disabled integration sends nothing"
    );

    // A Viewer sees the screen and can change nothing.
    let mut viewer = viewer_browser(&app, &mut browser).await;
    let seen = viewer.get(&format!("/integrations/{id}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains("Delete integration"));
    let viewer_csrf = viewer.get("/integrations").await.csrf();
    let forbidden = viewer
        .post(
            &format!("/integrations/{id}/delete"),
            &[("_csrf", &viewer_csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    // Deleting asks first (without JavaScript, a page), and changes nothing until confirmed.
    let asked = browser
        .post(&format!("/integrations/{id}/delete"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(
        asked.body.contains("name=\"confirmed\" value=\"yes\"")
            || asked.body.contains("value=\"yes\" name=\"confirmed\""),
        "{}",
        asked.body
    );
    assert_eq!(addons(&app).await.len(), 1);
    // Deleted (confirmed), with its log.
    let deleted = browser
        .post(
            &format!("/integrations/{id}/delete"),
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert!(addons(&app).await.is_empty());
    let gone = browser.get(&format!("/integrations/{id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

/// A Viewer made by the admin on the users screen, signed in.
async fn viewer_browser(app: &TestApp, admin: &mut Browser) -> Browser {
    let csrf = admin.get("/users").await.csrf();
    let created = admin
        .post(
            "/users",
            &[
                ("_csrf", &csrf),
                ("username", "vera"),
                ("password", "vera's password 1"),
                ("role", "Viewer"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let mut viewer = Browser::new(app);
    let signed = viewer.sign_in("vera", "vera's password 1").await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    viewer
}

/// Saving or switching an integration on its screen keeps the legacy event
/// names (Unleash lists them, Flagstaff never records them) it was given
/// through the addons API; the page says they are kept.
pub async fn ui_integration_save_keeps_legacy_event_names(db: Db) {
    let app = spawn_app_with(db, |args| {
        with_admin(args);
        args.integrations_allow_private_urls = true;
    })
    .await;
    let mut browser = admin_browser(&app).await;
    let (status, created) = app
        .admin(
            Method::POST,
            "/api/admin/addons",
            Some(
                json!({"provider": "webhook", "parameters": {"url": "http://127.0.0.1:9/hook"},
                        "events": ["feature-updated", "feature-created", "drop-features"],
                        "enabled": false}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    let page = browser.get(&format!("/integrations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        !page.body.contains("value=\"feature-updated\""),
        "no checkbox"
    );
    let kept = page
        .body
        .split("id=\"kept-events\"")
        .nth(1)
        .expect("the kept events are listed");
    assert!(kept.contains("feature-updated, drop-features"), "{kept}");

    // Saved with another box ticked: the ticked ones, then the legacy names.
    let saved = browser
        .post(
            &format!("/integrations/{id}"),
            &[
                ("_csrf", &page.csrf()),
                ("param.url", "http://127.0.0.1:9/hook"),
                ("events", "feature-archived"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = addons(&app).await;
    assert_eq!(
        stored[0]["events"],
        json!(["feature-archived", "feature-updated", "drop-features"])
    );

    // Switched on: the same events.
    let switched = browser
        .post(
            &format!("/integrations/{id}/switch"),
            &[("_csrf", &page.csrf()), ("enabled", "true")],
        )
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER, "{}", switched.body);
    let stored = addons(&app).await;
    assert_eq!(stored[0]["enabled"], true);
    assert_eq!(
        stored[0]["events"],
        json!(["feature-archived", "feature-updated", "drop-features"])
    );
    app.stop().await;
}

/// Without `--public-url`, links in notifications name the address the
/// server listens on (here 127.0.0.1 and a random port), not localhost:4242.
pub async fn public_url_defaults_to_the_listening_address(db: Db) {
    let app = spawn_app_with(db, |args| args.integrations_allow_private_urls = true).await;
    let receiver = Receiver::start(0).await;
    let (status, created) = app
        .admin(
            Method::POST,
            "/api/admin/addons",
            Some(
                json!({"provider": "slack", "parameters": {"url": receiver.url},
                "events": ["feature-created"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    create_flags(&app, &["linked"]).await;
    let got = receiver.wait_for(1).await;
    let message: Value = serde_json::from_str(&got[0].body).expect("json");
    let text = message["text"].as_str().expect("text");
    assert!(
        text.contains(&format!("{}/projects/default/features/linked", app.base)),
        "{text} (server at {})",
        app.base
    );
    assert!(!text.contains("4242"), "{text}");
}

/// Posts a form whose values are owned.
async fn post(browser: &mut Browser, path: &str, form: Vec<(&'static str, String)>) -> Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post(path, &pairs).await
}

/// The value of the input with `id` on `page`.
fn input_value(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}: {page}"));
    let rest = &page[at..];
    let start = rest.find("value=\"").expect("a value") + "value=\"".len();
    rest[start..start + rest[start..].find('"').expect("end")].to_owned()
}

async fn enabled_in(app: &TestApp, flag: &str, environment: &str) -> bool {
    let (status, body) = app
        .admin(
            Method::GET,
            &format!("/api/admin/projects/default/features/{flag}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .find(|e| e["name"] == environment)
        .and_then(|e| e["enabled"].as_bool())
        .expect("the environment")
}

/// A signal endpoint and its token made on /signals, an action set made on
/// /actions that switches a flag on when a signal matches; a posted signal
/// does it, the run and the signal are listed; switch and delete.
pub async fn ui_signals_and_action_sets(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    create_flags(&app, &["auto-on"]).await;

    let empty = browser.get("/signals").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    let csrf = empty.csrf();
    let bad = browser
        .post(
            "/signals",
            &[("_csrf", &csrf), ("name", "no spaces please")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("id=\"name-error\"") && bad.body.contains("no spaces please"));
    let made = browser
        .post(
            "/signals",
            &[("_csrf", &csrf), ("name", "deploys"), ("description", "CI")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let (_, endpoints) = app
        .admin(Method::GET, "/api/admin/signal-endpoints", None)
        .await;
    let endpoint = endpoints["signalEndpoints"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{endpoints}"));

    // A token's secret is shown once, in the answer.
    let token_page = browser
        .post(
            &format!("/signals/{endpoint}/tokens"),
            &[("_csrf", &csrf), ("name", "ci")],
        )
        .await;
    assert_eq!(token_page.status, StatusCode::OK, "{}", token_page.body);
    let secret = input_value(&token_page.body, "secret");
    assert_eq!(secret.len(), 64);
    let listed = browser.get("/signals").await;
    assert!(listed.body.contains(">ci<") && !listed.body.contains(&secret));

    // The form offers the endpoints, the engine's operators and the actions.
    let form = browser.get("/actions/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form
        .body
        .contains(&format!("<option value=\"{endpoint}\">deploys</option>")));
    for operator in ["IN", "STR_CONTAINS", "NUM_GT", "SEMVER_EQ"] {
        assert!(
            form.body.contains(&format!("<option value=\"{operator}\"")),
            "{operator}"
        );
    }
    for action in ["TOGGLE_FEATURE_ON", "TOGGLE_FEATURE_OFF", "SET_ROLLOUT"] {
        assert!(
            form.body.contains(&format!("<option value=\"{action}\"")),
            "{action}"
        );
    }
    let endpoint_id = endpoint.to_string();
    let fields = |action: &'static str, rollout: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("name", "deploy-on".to_owned()),
            ("project", "default".to_owned()),
            ("source", endpoint_id.clone()),
            ("enabled", "on".to_owned()),
            ("constraint.0.context", "deployment.status".to_owned()),
            ("constraint.0.operator", "IN".to_owned()),
            ("constraint.0.values", "done\r\n".to_owned()),
            ("action.0.action", action.to_owned()),
            ("action.0.featureName", "auto-on".to_owned()),
            ("action.0.environment", "development".to_owned()),
            ("action.0.rollout", rollout.to_owned()),
        ]
    };
    let mut more = fields("TOGGLE_FEATURE_ON", "");
    more.push(("add_action", "1".to_owned()));
    let added = post(&mut browser, "/actions", more).await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(
        added.body.contains("name=\"action.1.action\""),
        "{}",
        added.body
    );
    let refused = post(&mut browser, "/actions", fields("SET_ROLLOUT", "101")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"action-0-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"deployment.status\""));
    let (_, sets) = app
        .admin(Method::GET, "/api/admin/projects/default/actions", None)
        .await;
    assert_eq!(sets["actions"], json!([]), "refusals store nothing");

    let created = post(&mut browser, "/actions", fields("TOGGLE_FEATURE_ON", "")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let (_, sets) = app
        .admin(Method::GET, "/api/admin/projects/default/actions", None)
        .await;
    let set = &sets["actions"][0];
    let set_id = set["id"].as_i64().expect("id");
    assert_eq!(created.location(), format!("/actions/default/{set_id}"));
    assert_eq!(
        set["match"]["payload"]["deployment.status"],
        json!({"operator": "IN", "values": ["done"], "caseInsensitive": false, "inverted": false})
    );
    assert_eq!(set["actions"][0]["action"], "TOGGLE_FEATURE_ON");

    // Signals: one that does not match changes nothing; one that does switches the flag on.
    let signal = |payload: Value| {
        app.http
            .post(format!("{}/api/signal-endpoint/deploys", app.base))
            .header("Authorization", format!("Bearer {secret}"))
            .json(&payload)
            .send()
    };
    let sent = signal(json!({"deployment": {"status": "started"}}))
        .await
        .expect("sent");
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    assert!(!enabled_in(&app, "auto-on", "development").await);
    let sent = signal(json!({"deployment": {"status": "done"}}))
        .await
        .expect("sent");
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    assert!(enabled_in(&app, "auto-on", "development").await);
    let page = browser.get(&format!("/actions/default/{set_id}")).await;
    assert!(
        page.body
            .contains("Switch a flag on: auto-on in development — success"),
        "{}",
        page.body
    );
    let list = browser.get("/actions").await;
    assert!(list.body.contains("deploy-on") && list.body.contains("— success"));
    let signals = browser.get("/signals").await;
    assert!(
        signals.body.contains("&#34;status&#34;:&#34;done&#34;"),
        "{}",
        signals.body
    );

    // Switched off from the list; the endpoint cannot go while the set listens to it.
    let off = browser
        .post(
            &format!("/actions/default/{set_id}/switch"),
            &[("_csrf", &csrf), ("enabled", "false")],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let (_, sets) = app
        .admin(Method::GET, "/api/admin/projects/default/actions", None)
        .await;
    assert_eq!(sets["actions"][0]["enabled"], false);
    let confirmed = [("_csrf", csrf.as_str()), ("confirmed", "yes")];
    let in_use = browser
        .post(&format!("/signals/{endpoint}/delete"), &confirmed)
        .await;
    assert_eq!(in_use.status, StatusCode::CONFLICT, "{}", in_use.body);

    // A Viewer sees the action sets, and neither the signals nor a way to change them.
    let csrf_users = browser.get("/users").await.csrf();
    browser
        .post(
            "/users",
            &[
                ("_csrf", &csrf_users),
                ("username", "vic"),
                ("password", "vic's password 1"),
                ("role", "Viewer"),
            ],
        )
        .await;
    let mut viewer = Browser::new(&app);
    viewer.sign_in("vic", "vic's password 1").await;
    assert_eq!(viewer.get("/signals").await.status, StatusCode::FORBIDDEN);
    let seen = viewer.get("/actions").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains("/delete"));

    // Deleted: the set, then the token, then the endpoint.
    for path in [
        format!("/actions/default/{set_id}/delete"),
        format!("/signals/{endpoint}/tokens/1/delete"),
        format!("/signals/{endpoint}/delete"),
    ] {
        let deleted = browser.post(&path, &confirmed).await;
        assert_eq!(
            deleted.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            deleted.body
        );
    }
    let (_, endpoints) = app
        .admin(Method::GET, "/api/admin/signal-endpoints", None)
        .await;
    assert_eq!(endpoints["signalEndpoints"], json!([]));
}
