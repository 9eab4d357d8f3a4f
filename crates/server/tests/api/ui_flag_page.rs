//! The flag's own pages driven like a browser without JavaScript: the
//! strategy form (what the client API then serves must be exactly what was
//! entered), reordering and deleting strategies, the variants and settings
//! tabs, refusals that keep what was entered and change nothing, and
//! Viewers and forged forms refused.

use crate::browser::*;
use crate::helpers::*;
use flagstaff_domain::ops::{self, Actor, Context, CreateUser, HashedPassword, Limits, RootRole};

const FLAG: &str = "delete_survey_flag";
const PAGE: &str = "/projects/default/features/delete_survey_flag";
const DEV: &str = "/projects/default/features/delete_survey_flag/environments/development";

/// The client document (as an SDK that knows segments asks for it).
async fn client_document(app: &TestApp) -> Value {
    let response = app
        .http
        .get(format!("{}/api/client/features", app.base))
        .header("Authorization", CLIENT_DEV)
        .header("Unleash-Client-Spec", "5.2.0")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a document")
}

/// The client document's strategies of the guide's flag in development.
async fn dev_strategies(app: &TestApp) -> Vec<Value> {
    let document = client_document(app).await;
    flag_in(&document, FLAG).expect("the flag is served")["strategies"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn event_count(app: &TestApp) -> usize {
    all_events(app).await.len()
}

/// The guide's flag and a segment; returns the segment's id.
async fn guide_flag(app: &TestApp) -> i64 {
    let (status, body) = app
        .admin(Method::POST, F, Some(json!({"name": FLAG})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "beta-testers", "constraints": [
                {"contextName": "userId", "operator": "IN", "values": ["7", "42"]}
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{segment}");
    segment["id"].as_i64().expect("segment id")
}

/// The strategy form as the guide fills it in: 50% sticky on sessionId,
/// grouped by the flag's name, the canary constraint, one segment, and the
/// two strategy variants (with payloads).
fn guide_strategy<'a>(csrf: &'a str, segment: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("shown", "flexibleRollout"),
        ("name", "flexibleRollout"),
        ("rollout", "50"),
        ("stickiness", "sessionId"),
        ("groupId", FLAG),
        ("title", ""),
        ("constraints", "1"),
        ("constraint.0.context", "environment"),
        ("constraint.0.operator", "NOT_IN"),
        ("constraint.0.values", "production"),
        ("segment", segment),
        ("variants", "2"),
        ("v0_name", "store_deleted_surveys"),
        ("v0_weight_type", "variable"),
        ("v0_weight", ""),
        ("v0_stickiness", "default"),
        ("v0_payload_type", "json"),
        ("v0_payload", "{\"restore\": true}"),
        ("v1_name", "permanently_delete_surveys"),
        ("v1_weight_type", "variable"),
        ("v1_weight", ""),
        ("v1_stickiness", "default"),
        ("v1_payload_type", "string"),
        ("v1_payload", "delete for good"),
        ("save", "1"),
    ]
}

/// `form` with some fields changed or added.
fn with<'a>(
    form: &[(&'a str, &'a str)],
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut form = form.to_vec();
    for (key, value) in changes {
        match form.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => form.push((key, value)),
        }
    }
    form
}

pub async fn ui_strategy_form_stores_what_was_entered(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let segment = guide_flag(&app).await;
    let mut browser = admin_browser(&app).await;

    // The flags list links the flag's page; the page offers to add a strategy.
    let list = browser.get("/projects/default/features").await;
    assert!(
        list.body.contains(&format!("href=\"{PAGE}\"")),
        "{}",
        list.body
    );
    let page = browser.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("No strategies in development"));
    assert!(page
        .body
        .contains(&format!("href=\"{DEV}/strategies/new\"")));
    let csrf = page.csrf();

    // The form: a 100% flexible rollout grouped by the flag's name, every
    // operator, a labelled slider and number.
    let form = browser.get(&format!("{DEV}/strategies/new")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    // The number is the one rollout field posted; the slider (shown and kept
    // in step by forms.js) has no name.
    assert!(
        form.body.contains("type=\"range\"") && form.body.contains("<label for=\"rollout_range\">")
    );
    assert!(!form.body.contains("name=\"rollout_range\""));
    assert!(form.body.contains("<div class=\"slider\" hidden>"));
    assert!(form
        .body
        .contains("<script type=\"module\" src=\"/ui/forms.js\"></script>"));
    assert!(form
        .body
        .contains(&format!("name=\"groupId\" value=\"{FLAG}\"")));
    assert!(form.body.contains("value=\"flexibleRollout\" selected"));
    // Enter in a field presses the form's first submit button: Save.
    let in_form = &form.body[form.body.find("class=\"wide\"").expect("the form")..];
    assert!(
        in_form[in_form.find("type=\"submit\"").expect("a button")..]
            .starts_with("type=\"submit\" name=\"save\"")
    );
    // "Add constraint" and "add variant" post the form back with one more row.
    let segment_id = segment.to_string();
    let guide = guide_strategy(&csrf, &segment_id);
    let csrf = csrf.as_str();
    let one_more = browser
        .post(
            &format!("{DEV}/strategies/new"),
            &with(&guide, &[("add_constraint", "1"), ("save", "")]),
        )
        .await;
    assert_eq!(one_more.status, StatusCode::OK, "{}", one_more.body);
    assert!(
        one_more.body.contains("name=\"constraint.1.operator\"")
            && !one_more.body.contains("name=\"constraint.2.operator\"")
    );
    for operator in flagstaff_engine::OPERATORS.iter().map(|op| op.name) {
        assert!(
            one_more
                .body
                .contains(&format!("<option value=\"{operator}\"")),
            "{operator}"
        );
    }
    assert!(
        one_more.body.contains("production") && one_more.body.contains("store_deleted_surveys")
    );
    let more_variants = browser
        .post(
            &format!("{DEV}/strategies/new"),
            &with(&guide, &[("add_variant", "1")]),
        )
        .await;
    assert_eq!(more_variants.status, StatusCode::OK);
    assert!(more_variants.body.contains("name=\"v2_name\""));
    assert!(dev_strategies(&app).await.is_empty(), "nothing saved yet");

    // Saved: the client API serves exactly what was entered.
    let saved = browser.post(&format!("{DEV}/strategies/new"), &guide).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), format!("{PAGE}?environment=development"));
    let guide_variants = json!([
        {"name": "permanently_delete_surveys", "weight": 500, "weightType": "variable",
         "stickiness": "default", "payload": {"type": "string", "value": "delete for good"}},
        {"name": "store_deleted_surveys", "weight": 500, "weightType": "variable",
         "stickiness": "default", "payload": {"type": "json", "value": "{\"restore\": true}"}},
    ]);
    let expected = json!({
        "name": "flexibleRollout",
        "parameters": {"groupId": FLAG, "rollout": "50", "stickiness": "sessionId"},
        "constraints": [{"contextName": "environment", "operator": "NOT_IN",
                         "values": ["production"], "inverted": false, "caseInsensitive": false}],
        "segments": [segment],
        "variants": guide_variants,
    });
    assert_eq!(dev_strategies(&app).await, std::slice::from_ref(&expected));
    assert_eq!(
        client_document(&app).await["segments"][0]["name"],
        "beta-testers"
    );
    let (_, strategies) = app
        .admin(Method::GET, &format!("/api/admin{DEV}/strategies"), None)
        .await;
    let id = strategies[0]["id"]
        .as_str()
        .expect("strategy id")
        .to_owned();

    // The page shows it readably, with the pencil to edit it.
    let page = browser
        .get(&format!("{PAGE}?environment=development"))
        .await;
    for shown in [
        "environment is not one of production",
        "50%",
        "sessionId",
        "beta-testers",
        "store_deleted_surveys",
        "permanently_delete_surveys",
        "Edit strategy",
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    let edit_url = format!("{DEV}/strategies/{id}/edit");
    assert!(page.body.contains(&edit_url));
    // Production is another environment, still empty.
    let production = browser.get(&format!("{PAGE}?environment=production")).await;
    assert!(production.body.contains("No strategies in production"));

    // The edit form shows what is stored; an edit is stored as entered.
    let form = browser.get(&edit_url).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains(
        "name=\"rollout\" type=\"number\" min=\"0\" max=\"100\" step=\"1\" value=\"50\""
    ));
    assert!(
        form.body.contains("production\n</textarea>")
            && form.body.contains("{&#34;restore&#34;: true}"),
        "{}",
        form.body
    );
    assert!(form
        .body
        .contains(&format!("name=\"segment\" value=\"{segment}\" checked")));
    let edited = with(
        &guide,
        &[
            ("rollout", "75"),
            ("constraints", "2"),
            ("constraint.1.context", "appName"),
            ("constraint.1.operator", "STR_STARTS_WITH"),
            ("constraint.1.values", "survey-,\nweb-app"),
            ("constraint.1.case_insensitive", "on"),
            ("v0_weight_type", "fix"),
            ("v0_weight", "33.3"),
            ("title", "Canary"),
        ],
    );
    let saved = browser.post(&edit_url, &edited).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let mut expected = expected;
    expected["parameters"]["rollout"] = json!("75");
    expected["constraints"]
        .as_array_mut()
        .expect("list")
        .push(json!({
        "contextName": "appName", "operator": "STR_STARTS_WITH",
        "values": ["survey-,", "web-app"], "inverted": false, "caseInsensitive": true}));
    expected["variants"][1]["weightType"] = json!("fix");
    expected["variants"][1]["weight"] = json!(333);
    expected["variants"][0]["weight"] = json!(667);
    assert_eq!(dev_strategies(&app).await, std::slice::from_ref(&expected));
    let (_, stored) = app
        .admin(
            Method::GET,
            &format!("/api/admin{DEV}/strategies/{id}"),
            None,
        )
        .await;
    assert_eq!(stored["title"], "Canary");

    // Refusals keep what was entered and change nothing.
    let before = event_count(&app).await;
    let bad_json = browser
        .post(
            &edit_url,
            &with(
                &edited,
                &[("v0_payload", "{restore: yes"), ("rollout", "20")],
            ),
        )
        .await;
    assert_eq!(
        bad_json.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_json.body
    );
    assert!(
        bad_json
            .body
            .contains("the payload of &#34;store_deleted_surveys&#34; is not valid JSON"),
        "{}",
        bad_json.body
    );
    assert!(
        bad_json.body.contains("id=\"v0-error\""),
        "the message is next to the variant"
    );
    // It marks the payload it is about (the operation's path
    // `variants[0].payload.value`), not the variant's name.
    assert!(
        bad_json.body.contains(
            "name=\"v0_payload\" rows=\"2\" aria-invalid=\"true\" aria-describedby=\"v0-error\""
        ),
        "{}",
        bad_json.body
    );
    assert!(
        !bad_json
            .body
            .contains("name=\"v0_name\" value=\"store_deleted_surveys\" aria-invalid"),
        "{}",
        bad_json.body
    );
    assert!(
        bad_json.body.contains("{restore: yes</textarea>")
            && bad_json.body.contains("value=\"20\"")
    );
    assert!(bad_json.body.contains("value=\"33.3\"") && bad_json.body.contains("web-app"));
    let bad_number = browser
        .post(
            &edit_url,
            &with(
                &edited,
                &[("v1_payload_type", "number"), ("v1_payload", "many")],
            ),
        )
        .await;
    assert_eq!(bad_number.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_number.body.contains("&#34;many&#34; is not a number"),
        "{}",
        bad_number.body
    );
    let bad_constraint = browser
        .post(
            &edit_url,
            &with(
                &edited,
                &[
                    ("constraint.1.operator", "NUM_GT"),
                    ("constraint.1.values", "lots"),
                ],
            ),
        )
        .await;
    assert_eq!(bad_constraint.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_constraint.body.contains("id=\"constraint-1-error\"")
            && bad_constraint.body.contains("not a number"),
        "{}",
        bad_constraint.body
    );
    let bad_rollout = browser
        .post(&edit_url, &with(&edited, &[("rollout", "101")]))
        .await;
    assert_eq!(bad_rollout.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_rollout.body.contains("id=\"rollout-error\"")
            && bad_rollout.body.contains("value=\"101\"")
    );
    let bad_weight = browser
        .post(&edit_url, &with(&edited, &[("v0_weight", "33.33")]))
        .await;
    assert_eq!(bad_weight.status, StatusCode::BAD_REQUEST);
    assert!(bad_weight.body.contains("is not a percentage"));
    assert_eq!(event_count(&app).await, before, "refusals record nothing");
    assert_eq!(dev_strategies(&app).await, std::slice::from_ref(&expected));

    // Every operator's value is stored as the engine reads it: a number, a
    // date-time (a datetime-local value is UTC), a version, a CIDR list.
    let mut operators = with(
        &edited,
        &[
            ("constraints", "4"),
            ("constraint.0.context", "userId"),
            ("constraint.0.operator", "NUM_GTE"),
            ("constraint.0.values", "10.5"),
            ("constraint.1.context", "currentTime"),
            ("constraint.1.operator", "DATE_AFTER"),
            ("constraint.1.values", "2025-01-31T12:00"),
            ("constraint.2.context", "appName"),
            ("constraint.2.operator", "SEMVER_LT"),
            ("constraint.2.values", "2.0.0-beta.1"),
            ("constraint.3.context", "remoteAddress"),
            ("constraint.3.operator", "IN_CIDR"),
            ("constraint.3.values", "10.0.0.0/8\n192.168.1.1"),
        ],
    );
    operators.retain(|(key, _)| *key != "constraint.1.case_insensitive");
    let saved = browser.post(&edit_url, &operators).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let served = dev_strategies(&app).await;
    assert_eq!(
        served[0]["constraints"],
        json!([
            {"contextName": "userId", "operator": "NUM_GTE", "values": [], "value": "10.5", "inverted": false, "caseInsensitive": false},
            {"contextName": "currentTime", "operator": "DATE_AFTER", "values": [], "value": "2025-01-31T12:00:00Z", "inverted": false, "caseInsensitive": false},
            {"contextName": "appName", "operator": "SEMVER_LT", "values": [], "value": "2.0.0-beta.1", "inverted": false, "caseInsensitive": false},
            {"contextName": "remoteAddress", "operator": "IN_CIDR", "values": ["10.0.0.0/8", "192.168.1.1"], "inverted": false, "caseInsensitive": false},
        ])
    );
    let form = browser.get(&edit_url).await;
    assert!(
        form.body
            .contains("type=\"number\" step=\"any\" placeholder=\"e.g. 42 or 3.5\" value=\"10.5\""),
        "{}",
        form.body
    );
    assert!(form
        .body
        .contains("type=\"datetime-local\" step=\"any\" value=\"2025-01-31T12:00:00\""));
    // Back to the edited strategy, through the same form.
    assert_eq!(
        browser.post(&edit_url, &edited).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(dev_strategies(&app).await, std::slice::from_ref(&expected));

    // A second strategy goes last; move it up, then delete the first.
    let form = browser
        .post(
            &format!("{DEV}/strategies/new"),
            &[
                ("_csrf", csrf),
                ("shown", "flexibleRollout"),
                ("name", "userWithId"),
                ("save", "1"),
            ],
        )
        .await;
    assert_eq!(
        form.status,
        StatusCode::OK,
        "another type re-draws the form first"
    );
    assert!(form.body.contains("name=\"p_userIds\""), "{}", form.body);
    // And back: the other type's fields go with it (none is saved as an extra parameter).
    let back = browser
        .post(
            &format!("{DEV}/strategies/new"),
            &[
                ("_csrf", csrf),
                ("shown", "userWithId"),
                ("name", "flexibleRollout"),
                ("p_userIds", "alice"),
                ("redraw", "1"),
            ],
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert!(back.body.contains("name=\"rollout\""), "{}", back.body);
    assert!(!back.body.contains("p_userIds"), "{}", back.body);
    let saved = browser
        .post(
            &format!("{DEV}/strategies/new"),
            &[
                ("_csrf", csrf),
                ("shown", "userWithId"),
                ("name", "userWithId"),
                ("p_userIds", "alice\nbob"),
                ("constraints", "0"),
                ("variants", "0"),
                ("save", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let served = dev_strategies(&app).await;
    assert_eq!(served.len(), 2);
    assert_eq!(served[0], expected);
    assert_eq!(
        served[1],
        json!({"name": "userWithId", "parameters": {"userIds": "alice,bob"}, "constraints": [], "variants": []})
    );
    let (_, strategies) = app
        .admin(Method::GET, &format!("/api/admin{DEV}/strategies"), None)
        .await;
    let second = strategies[1]["id"].as_str().expect("id").to_owned();
    let page = browser
        .get(&format!("{PAGE}?environment=development"))
        .await;
    assert!(page.body.contains("Move up strategy 2") && !page.body.contains("Move up strategy 1"));
    let before = event_count(&app).await;
    let moved = browser
        .post(
            &format!("{DEV}/strategies/{second}/move"),
            &[("_csrf", csrf), ("direction", "up")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let served = dev_strategies(&app).await;
    assert_eq!(served[0]["name"], "userWithId");
    assert_eq!(served[1], expected);
    let events = all_events(&app).await;
    assert_eq!(events.len(), before + 2, "both strategies renumbered");
    assert!(events
        .iter()
        .take(2)
        .all(|e| e["type"] == "feature-strategy-update" && e["createdBy"] == ADMIN_USER));
    let deleted = browser
        .post(
            &format!("{DEV}/strategies/{id}/delete"),
            &[("_csrf", csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    let served = dev_strategies(&app).await;
    assert_eq!(served.len(), 1);
    assert_eq!(served[0]["name"], "userWithId");
    assert_eq!(all_events(&app).await[0]["type"], "feature-strategy-remove");

    // The switch on the page turns the flag on in that environment.
    let switched = browser
        .post(
            &format!("{DEV}/switch"),
            &[("_csrf", csrf), ("enabled", "true")],
        )
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let document = app.client_features(CLIENT_DEV).await;
    assert_eq!(flag_in(&document, FLAG).expect("flag")["enabled"], true);
    let page = browser.get(PAGE).await;
    assert!(page.body.contains("role=\"switch\" aria-checked=\"true\""));
}

pub async fn ui_flag_variants_and_settings(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    guide_flag(&app).await;
    let mut browser = admin_browser(&app).await;
    let variants_url = format!("{PAGE}/variants?environment=development");

    let page = browser.get(&variants_url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("No variants.") && page.body.contains("aria-current=\"page\">Variants")
    );
    let csrf = page.csrf();
    let more = browser
        .post(
            &variants_url,
            &[("_csrf", &csrf), ("variants", "0"), ("add_variant", "1")],
        )
        .await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.body.contains("name=\"v0_name\""));
    let form = [
        ("_csrf", csrf.as_str()),
        ("variants", "2"),
        ("v0_name", "store_deleted_surveys"),
        ("v0_weight_type", "fix"),
        ("v0_weight", "12.5"),
        ("v0_stickiness", "userId"),
        ("v0_payload_type", "number"),
        ("v0_payload", "7"),
        ("v1_name", "permanently_delete_surveys"),
        ("v1_weight_type", "variable"),
        ("v1_weight", ""),
        ("v1_stickiness", "default"),
        ("v1_payload_type", "csv"),
        ("v1_payload", "a,b"),
        ("save", "1"),
    ];
    let saved = browser.post(&variants_url, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let expected = json!([
        {"name": "permanently_delete_surveys", "weight": 875, "weightType": "variable",
         "stickiness": "default", "payload": {"type": "csv", "value": "a,b"}},
        {"name": "store_deleted_surveys", "weight": 125, "weightType": "fix",
         "stickiness": "userId", "payload": {"type": "number", "value": "7"}},
    ]);
    let (_, stored) = app
        .admin(
            Method::GET,
            &format!("/api/admin{PAGE}/environments/development/variants"),
            None,
        )
        .await;
    assert_eq!(stored["variants"], expected);
    let document = app.client_features(CLIENT_DEV).await;
    assert_eq!(
        flag_in(&document, FLAG).expect("flag")["variants"],
        expected
    );
    let (_, production) = app
        .admin(
            Method::GET,
            &format!("/api/admin{PAGE}/environments/production/variants"),
            None,
        )
        .await;
    assert_eq!(production["variants"], json!([]));
    // Overrides set through the API survive a save from the page.
    let mut with_override = expected.clone();
    with_override[0]["overrides"] = json!([{"contextName": "userId", "values": ["7"]}]);
    let (status, body) = app
        .admin(
            Method::PUT,
            &format!("/api/admin{PAGE}/environments/development/variants"),
            Some(with_override.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = browser.get(&variants_url).await;
    assert!(
        page.body.contains("Overrides (kept): userId: 7") && page.body.contains("value=\"12.5\""),
        "{}",
        page.body
    );
    let mut again = form.to_vec();
    again.push((
        "v1_overrides",
        "[{\"contextName\":\"userId\",\"values\":[\"7\"]}]",
    ));
    let saved = browser.post(&variants_url, &again).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // Rows were posted in the other order: v1 is permanently_delete_surveys.
    let (_, stored) = app
        .admin(
            Method::GET,
            &format!("/api/admin{PAGE}/environments/development/variants"),
            None,
        )
        .await;
    assert_eq!(stored["variants"], with_override);
    // Refused: the operation's message, the rows kept, nothing changed.
    let before = event_count(&app).await;
    let mut bad = form.to_vec();
    bad.retain(|(k, _)| !k.starts_with("v1_"));
    bad.retain(|(k, _)| *k != "variants");
    bad.push(("variants", "1"));
    let refused = browser.post(&variants_url, &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("There must be at least one &#34;variable&#34; variant"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"store_deleted_surveys\""));
    let bad_json = browser
        .post(
            &variants_url,
            &with(&form, &[("v1_payload_type", "json"), ("v1_payload", "[1,")]),
        )
        .await;
    assert_eq!(bad_json.status, StatusCode::BAD_REQUEST);
    // The message is beside the payload it is about, right after it.
    assert!(
        bad_json
            .body
            .contains("[1,</textarea>\n<p class=\"error\" id=\"v1-error\">"),
        "{}",
        bad_json.body
    );
    assert!(bad_json
        .body
        .contains("name=\"v1_payload\" rows=\"2\" aria-invalid=\"true\""));
    assert_eq!(event_count(&app).await, before);

    // Settings: the guide turns on impression data; the client document shows it.
    let settings_url = format!("{PAGE}/settings");
    let page = browser.get(&settings_url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"release\" selected"));
    let saved = browser
        .post(
            &settings_url,
            &[
                ("_csrf", &csrf),
                ("description", "Lets users delete surveys"),
                ("type", "experiment"),
                ("impression_data", "on"),
                ("stale", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let document = app.client_features(CLIENT_DEV).await;
    let flag = flag_in(&document, FLAG).expect("flag");
    assert_eq!(flag["impressionData"], true);
    assert_eq!(flag["type"], "experiment");
    assert_eq!(flag["stale"], true);
    assert_eq!(flag["description"], "Lets users delete surveys");
    let types: Vec<Value> = all_events(&app)
        .await
        .iter()
        .take(2)
        .map(|e| e["type"].clone())
        .collect();
    assert_eq!(types, ["feature-stale-on", "feature-metadata-updated"]);
    let page = browser.get(&settings_url).await;
    assert!(
        page.body.contains("value=\"experiment\" selected")
            && page.body.contains("name=\"stale\" value=\"on\" checked")
    );
    let before = event_count(&app).await;
    let refused = browser
        .post(
            &settings_url,
            &[
                ("_csrf", &csrf),
                ("description", "kept"),
                ("type", "forever"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("id=\"type-error\"") && refused.body.contains(">kept</textarea>")
    );
    assert_eq!(event_count(&app).await, before);
    let saved = browser
        .post(
            &settings_url,
            &[
                ("_csrf", &csrf),
                ("description", ""),
                ("type", "experiment"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let document = app.client_features(CLIENT_DEV).await;
    let flag = flag_in(&document, FLAG).expect("flag");
    assert_eq!(
        (flag["impressionData"].clone(), flag["stale"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!(all_events(&app).await[0]["type"], "feature-stale-off");
}

pub async fn ui_flag_pages_refuse_viewers_and_forged_forms(db: Db) {
    let app = spawn_app_with(db.clone(), with_admin).await;
    let segment = guide_flag(&app).await;
    let (status, body) = app
        .admin(Method::POST, &format!("/api/admin{DEV}/strategies"), Some(json!({
            "name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "sessionId", "groupId": FLAG},
            "segments": [segment]
        })))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["id"].as_str().expect("id").to_owned();
    let store = flagstaff_storage::Store::connect(&db.url())
        .await
        .expect("store");
    let viewer = CreateUser {
        username: "victor".to_owned(),
        email: None,
        name: None,
        password: HashedPassword::hash("viewer password").await.expect("hash"),
        root_role: RootRole::Viewer,
        only_if_first: false,
    };
    ops::apply(
        &store,
        &Context::new(Actor::named("test"), Limits::default()),
        viewer,
    )
    .await
    .expect("viewer created");
    store.close().await;
    let mut viewer = Browser::new(&app);
    assert_eq!(
        viewer.sign_in("victor", "viewer password").await.status,
        StatusCode::SEE_OTHER
    );

    // A Viewer sees every page, and nothing that changes the flag.
    let page = viewer.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("50%") && page.body.contains("beta-testers"));
    for control in [
        "/switch\"",
        "Edit strategy",
        "Add strategy",
        "/move\"",
        "/delete\"",
    ] {
        assert!(!page.body.contains(control), "{control}");
    }
    let csrf = page.csrf();
    let variants = viewer.get(&format!("{PAGE}/variants")).await;
    assert_eq!(variants.status, StatusCode::OK);
    assert!(!variants
        .body
        .contains("<form method=\"post\" action=\"/projects"));
    let settings = viewer.get(&format!("{PAGE}/settings")).await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(settings.body.contains("Impression data") && !settings.body.contains("name=\"type\""));
    assert_eq!(
        viewer.get(&format!("{DEV}/strategies/new")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer
            .get(&format!("{DEV}/strategies/{id}/edit"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Their posts, and an Admin's without the CSRF token, are refused.
    let before = event_count(&app).await;
    let documents = app.client_features(CLIENT_DEV).await;
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("{DEV}/strategies/new"),
            vec![("shown", "default"), ("name", "default"), ("save", "1")],
        ),
        (
            format!("{DEV}/strategies/{id}/edit"),
            vec![("shown", "default"), ("name", "default"), ("save", "1")],
        ),
        (format!("{DEV}/strategies/{id}/delete"), vec![]),
        (
            format!("{DEV}/strategies/{id}/move"),
            vec![("direction", "down")],
        ),
        (format!("{DEV}/switch"), vec![("enabled", "true")]),
        (
            format!("{PAGE}/variants?environment=development"),
            vec![("variants", "1"), ("v0_name", "a"), ("save", "1")],
        ),
        (
            format!("{PAGE}/settings"),
            vec![("type", "experiment"), ("impression_data", "on")],
        ),
    ];
    let mut admin = admin_browser(&app).await;
    let admin_csrf = admin.get(PAGE).await.csrf();
    for (url, form) in &posts {
        let mut as_viewer = form.clone();
        as_viewer.push(("_csrf", &csrf));
        let refused = viewer.post(url, &as_viewer).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "viewer {url}");
        assert!(refused.body.contains("Viewers cannot"), "{url}");
        let forged = admin.post(url, form).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF {url}");
        let mut wrong = form.clone();
        wrong.push(("_csrf", &csrf));
        assert_eq!(
            admin.post(url, &wrong).await.status,
            StatusCode::FORBIDDEN,
            "another session's CSRF {url}"
        );
    }
    assert_eq!(event_count(&app).await, before);
    assert_eq!(app.client_features(CLIENT_DEV).await, documents);
    // The same post with the Admin's own token goes through.
    let switched = admin
        .post(
            &format!("{DEV}/switch"),
            &[("_csrf", &admin_csrf), ("enabled", "true")],
        )
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    // Unknown flags and environments are 404 pages.
    assert_eq!(
        admin.get("/projects/default/features/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .get(&format!("{PAGE}/environments/nowhere/strategies/new"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .get(&format!("{DEV}/strategies/not-an-id/edit"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// A strategy added without a sort order goes after the others, through the
/// admin API and through the strategy form alike: the operation decides it
/// under the change lock (Unleash: the largest sort order + 1).
pub async fn new_strategies_go_last(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let (status, body) = app
        .admin(Method::POST, F, Some(json!({"name": FLAG})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let api = format!("/api/admin{DEV}/strategies");
    let add = |body: Value| {
        let app = &app;
        let api = &api;
        async move {
            let (status, strategy) = app.admin(Method::POST, api, Some(body)).await;
            assert_eq!(status, StatusCode::OK, "{strategy}");
            strategy["sortOrder"].clone()
        }
    };
    assert_eq!(add(json!({"name": "default"})).await, 0, "the first is 0");
    assert_eq!(add(json!({"name": "default", "sortOrder": 5})).await, 5);
    assert_eq!(add(json!({"name": "default"})).await, 6);

    let mut browser = admin_browser(&app).await;
    let csrf = browser.get(PAGE).await.csrf();
    let saved = browser
        .post(
            &format!("{DEV}/strategies/new"),
            &[
                ("_csrf", csrf.as_str()),
                ("shown", "userWithId"),
                ("name", "userWithId"),
                ("p_userIds", "alice"),
                ("constraints", "0"),
                ("variants", "0"),
                ("save", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(add(json!({"name": "default", "sortOrder": 0})).await, 0);
    assert_eq!(add(json!({"name": "default"})).await, 8);

    let (_, listed) = app.admin(Method::GET, &api, None).await;
    let orders: Vec<(String, i64)> = listed
        .as_array()
        .expect("strategies")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_owned(),
                s["sortOrder"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert!(
        orders.contains(&("userWithId".to_owned(), 7)),
        "the form's strategy went last: {orders:?}"
    );
    let served: Vec<Value> = dev_strategies(&app).await;
    assert_eq!(served.len(), 6);
    assert_eq!(served[4]["name"], "userWithId", "{served:?}");
    app.stop().await;
}

/// One constraints editor: the same rows posted through the strategy form
/// and the segment form store the same constraints (one value per line, a
/// comma kept inside its value; inputs as the engine's operator table says).
pub async fn one_constraint_editor_for_strategies_and_segments(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let (status, body) = app
        .admin(Method::POST, F, Some(json!({"name": FLAG})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut browser = admin_browser(&app).await;
    let csrf = browser.get(PAGE).await.csrf();
    let rows = [
        ("constraint.0.context", "userId"),
        ("constraint.0.operator", "IN"),
        ("constraint.0.values", "a,b\r\n c \r\n"),
        ("constraint.0.case_insensitive", "on"),
        ("constraint.1.context", "currentTime"),
        ("constraint.1.operator", "DATE_AFTER"),
        ("constraint.1.values", "2025-01-31T12:00"),
        ("constraint.2.context", "appName"),
        ("constraint.2.operator", "SEMVER_GTE"),
        ("constraint.2.values", " 1.2.3 "),
        ("constraint.2.inverted", "on"),
        ("constraint.3.context", "userId"),
        ("constraint.3.operator", "NUM_LT"),
        ("constraint.3.values", "18"),
    ];
    let mut strategy = vec![
        ("_csrf", csrf.as_str()),
        ("shown", "default"),
        ("name", "default"),
        ("save", "1"),
    ];
    strategy.extend(rows);
    let saved = browser
        .post(&format!("{DEV}/strategies/new"), &strategy)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let mut segment = vec![
        ("_csrf", csrf.as_str()),
        ("name", "same-rows"),
        ("description", ""),
        ("project", ""),
    ];
    segment.extend(rows);
    let saved = browser.post("/segments", &segment).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    let expected = json!([
        {"contextName": "userId", "operator": "IN", "values": ["a,b", "c"],
         "inverted": false, "caseInsensitive": true},
        {"contextName": "currentTime", "operator": "DATE_AFTER", "values": [],
         "value": "2025-01-31T12:00:00Z", "inverted": false, "caseInsensitive": false},
        {"contextName": "appName", "operator": "SEMVER_GTE", "values": [], "value": "1.2.3",
         "inverted": true, "caseInsensitive": false},
        {"contextName": "userId", "operator": "NUM_LT", "values": [], "value": "18",
         "inverted": false, "caseInsensitive": false},
    ]);
    let (_, strategies) = app
        .admin(Method::GET, &format!("/api/admin{DEV}/strategies"), None)
        .await;
    assert_eq!(strategies[0]["constraints"], expected, "{strategies}");
    let (_, segments) = app.admin(Method::GET, "/api/admin/segments", None).await;
    assert_eq!(
        segments["segments"][0]["constraints"], expected,
        "{segments}"
    );

    // Both forms draw the rows with the same inputs: a textarea for a list,
    // an input typed by the operator's value kind.
    let segment_id = segments["segments"][0]["id"].as_i64().expect("id");
    let strategy_id = strategies[0]["id"].as_str().expect("id");
    for page in [
        format!("/segments/{segment_id}"),
        format!("{DEV}/strategies/{strategy_id}/edit"),
    ] {
        let form = browser.get(&page).await;
        assert_eq!(form.status, StatusCode::OK, "{page}: {}", form.body);
        for drawn in [
            "<textarea id=\"constraint-0-values\" name=\"constraint.0.values\" rows=\"3\">a,b\nc\n</textarea>",
            "name=\"constraint.1.values\" type=\"datetime-local\" step=\"any\" value=\"2025-01-31T12:00:00\"",
            "name=\"constraint.2.values\" type=\"text\" placeholder=\"e.g. 1.2.3\" value=\"1.2.3\"",
            "name=\"constraint.3.values\" type=\"number\" step=\"any\" placeholder=\"e.g. 42 or 3.5\" value=\"18\"",
            // What forms.js redraws a row's input from when its operator changes.
            "<option value=\"IN\" data-list=\"true\" data-kind=\"text\" selected>IN</option>",
            "<option value=\"SEMVER_GTE\" data-list=\"false\" data-kind=\"semver\" selected>",
            "<option value=\"NUM_LT\" data-list=\"false\" data-kind=\"number\">",
            "<script type=\"module\" src=\"/ui/forms.js\"></script>",
        ] {
            assert!(form.body.contains(drawn), "{page}: {drawn} in {}", form.body);
        }
    }

    // Without JavaScript, "Update the value inputs" re-draws each row's
    // input for the operator chosen since, adds no row and saves nothing.
    let before = all_events(&app).await.len();
    for (page, extra) in [
        (format!("/segments/{segment_id}"), ("name", "same-rows")),
        (
            format!("{DEV}/strategies/{strategy_id}/edit"),
            ("shown", "default"),
        ),
        (format!("{DEV}/strategies/new"), ("name", "default")),
    ] {
        let redrawn = browser
            .post(
                &page,
                &[
                    ("_csrf", csrf.as_str()),
                    extra,
                    ("constraint.0.context", "currentTime"),
                    ("constraint.0.operator", "DATE_BEFORE"),
                    ("constraint.0.values", ""),
                    ("add_constraint", "redraw"),
                ],
            )
            .await;
        assert_eq!(redrawn.status, StatusCode::OK, "{page}: {}", redrawn.body);
        assert!(
            redrawn
                .body
                .contains("name=\"constraint.0.values\" type=\"datetime-local\"")
                && !redrawn.body.contains("name=\"constraint.1.operator\""),
            "{page}: {}",
            redrawn.body
        );
        assert!(redrawn
            .body
            .contains("name=\"add_constraint\" value=\"redraw\" formnovalidate class=\"secondary\" data-nojs>"));
    }
    assert_eq!(all_events(&app).await.len(), before, "nothing saved");
    app.stop().await;
}
