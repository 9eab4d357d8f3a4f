//! The screens around the flags (segments, context fields, API tokens,
//! projects, environments, applications) driven like a browser without
//! JavaScript; every result is checked through the admin or client API.

use crate::browser::*;
use crate::helpers::*;

/// A user with `role` made on the users screen by the admin `browser`, signed in.
async fn signed_in_as(app: &TestApp, admin: &mut Browser, username: &str, role: &str) -> Browser {
    let csrf = admin.get("/users").await.csrf();
    let password = format!("{username} password");
    let created = admin
        .post(
            "/users",
            &[
                ("_csrf", &csrf),
                ("username", username),
                ("password", &password),
                ("role", role),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let mut browser = Browser::new(app);
    let signed = browser.sign_in(username, &password).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    browser
}

async fn segments(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.admin(Method::GET, "/api/admin/segments", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["segments"].as_array().expect("segments").clone()
}

/// Creates, edits and deletes segments with constraints through the forms.
pub async fn ui_segments_with_constraints(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    let new = browser.get("/segments/new").await;
    assert_eq!(new.status, StatusCode::OK);
    for operator in [
        "IN",
        "NOT_IN",
        "STR_CONTAINS",
        "NUM_GTE",
        "DATE_AFTER",
        "SEMVER_LT",
        "REGEX",
        "IN_CIDR",
    ] {
        assert!(
            new.body.contains(&format!("<option value=\"{operator}\"")),
            "{operator}: {}",
            new.body
        );
    }
    assert!(
        new.body.contains("for=\"constraint-0-context\"")
            && new.body.contains("<option value=\"userId\"")
    );
    let csrf = new.csrf();

    // "Add constraint" re-renders the form as entered, with one more row.
    let first_row = [
        ("_csrf", csrf.as_str()),
        ("name", "beta users"),
        ("description", "People <who> test"),
        ("project", "default"),
        ("constraint.0.context", "userId"),
        ("constraint.0.operator", "IN"),
        ("constraint.0.values", "alice\r\nbob\r\n"),
        ("constraint.0.case_insensitive", "on"),
    ];
    let mut more = first_row.to_vec();
    more.push(("add_constraint", "1"));
    let added = browser.post("/segments", &more).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(
        added.body.contains("name=\"constraint.1.context\"")
            && !added.body.contains("constraint.2.")
    );
    assert!(
        added.body.contains("value=\"beta users\"")
            && added.body.contains("People &#60;who&#62; test")
    );
    assert!(added.body.contains("alice\r\nbob") || added.body.contains("alice\nbob"));
    assert!(
        segments(&app).await.is_empty(),
        "adding a row stores nothing"
    );

    // A missing name and a bad constraint: 400, the message by the field, values kept.
    let mut nameless = first_row.to_vec();
    nameless[1] = ("name", "  ");
    let refused = browser.post("/segments", &nameless).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("id=\"name-error\"") && refused.body.contains("segment name"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("alice") && refused.body.contains("People &#60;who&#62; test"));
    let mut bad = first_row.to_vec();
    bad.extend([
        ("constraint.1.context", "age"),
        ("constraint.1.operator", "NUM_GT"),
        ("constraint.1.values", "many"),
    ]);
    let refused = browser.post("/segments", &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("id=\"constraint-1-error\"") && refused.body.contains("not a number"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"many\"")
            && refused.body.contains("<option value=\"NUM_GT\" selected")
    );
    assert!(
        segments(&app).await.is_empty(),
        "refused forms store nothing"
    );

    // Created: the admin API has it as entered.
    let mut good = first_row.to_vec();
    good.extend([
        ("constraint.1.context", "version"),
        ("constraint.1.operator", "SEMVER_GT"),
        ("constraint.1.values", "1.2.3"),
        ("constraint.1.inverted", "on"),
        ("constraint.2.operator", "IN"),
    ]);
    let created = browser.post("/segments", &good).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let stored = segments(&app).await;
    assert_eq!(stored.len(), 1);
    let id = stored[0]["id"].as_i64().expect("id");
    assert_eq!(created.location(), format!("/segments/{id}"));
    assert_eq!(stored[0]["name"], "beta users");
    assert_eq!(stored[0]["description"], "People <who> test");
    assert_eq!(stored[0]["project"], "default");
    assert_eq!(
        stored[0]["constraints"],
        json!([
            {"contextName": "userId", "operator": "IN", "values": ["alice", "bob"], "caseInsensitive": true, "inverted": false},
            {"contextName": "version", "operator": "SEMVER_GT", "values": [], "value": "1.2.3", "caseInsensitive": false, "inverted": true}
        ])
    );
    let events = all_events(&app).await;
    let event = events
        .iter()
        .find(|e| e["type"] == "segment-created")
        .expect("event");
    assert_eq!(event["createdBy"], ADMIN_USER);

    // Edited: renamed, the first constraint removed, a value changed.
    let edit = browser.get(&format!("/segments/{id}")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"1.2.3\"") && edit.body.contains("Delete segment"));
    let form = [
        ("_csrf", csrf.as_str()),
        ("name", "beta testers"),
        ("description", ""),
        ("project", ""),
        ("constraint.0.context", "userId"),
        ("constraint.0.operator", "IN"),
        ("constraint.0.values", "alice"),
        ("constraint.0.remove", "on"),
        ("constraint.1.context", "version"),
        ("constraint.1.operator", "SEMVER_GT"),
        ("constraint.1.values", "2.0.0"),
    ];
    let saved = browser.post(&format!("/segments/{id}"), &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = segments(&app).await;
    assert_eq!(stored[0]["name"], "beta testers");
    assert!(
        stored[0]["project"].is_null() && stored[0]["description"].is_null(),
        "{}",
        stored[0]
    );
    assert_eq!(
        stored[0]["constraints"],
        json!([{"contextName": "version", "operator": "SEMVER_GT", "values": [], "value": "2.0.0", "caseInsensitive": false, "inverted": false}])
    );

    // In use by a flag's strategy: the list says so, and delete is refused with the reason.
    create_flags(&app, &["segmented"]).await;
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/projects/default/features/segmented/environments/development/strategies",
            Some(json!({"name": "default", "segments": [id]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list = browser.get("/segments").await;
    assert!(
        list.body.contains("beta testers") && list.body.contains("1 flag<"),
        "{}",
        list.body
    );
    let refused = browser
        .post(
            &format!("/segments/{id}/delete"),
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("in use by segmented"),
        "{}",
        refused.body
    );
    assert_eq!(segments(&app).await.len(), 1);

    // An unused one is deleted.
    let spare = [("_csrf", csrf.as_str()), ("name", "spare")];
    assert_eq!(
        browser.post("/segments", &spare).await.status,
        StatusCode::SEE_OTHER
    );
    let spare_id = segments(&app)
        .await
        .iter()
        .find(|s| s["name"] == "spare")
        .expect("spare")["id"]
        .clone();
    let deleted = browser
        .post(
            &format!("/segments/{spare_id}/delete"),
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.location(), "/segments");
    let names: Vec<Value> = segments(&app)
        .await
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("beta testers")]);
    app.stop().await;
}

/// A context field with legal values and their descriptions, edited and deleted.
pub async fn ui_context_fields(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    let new = browser.get("/context/new").await;
    assert_eq!(new.status, StatusCode::OK);
    let csrf = new.csrf();
    let mut form = vec![
        ("_csrf", csrf.as_str()),
        ("name", "tenant"),
        ("description", "Who pays"),
        ("stickiness", "on"),
        ("legal.0.value", "acme"),
        ("legal.0.description", "Acme Inc"),
        ("legal.1.value", "acme"),
    ];
    let refused = browser.post("/context", &form).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("id=\"legal-error\"") && refused.body.contains("Acme Inc"),
        "{}",
        refused.body
    );
    let (status, _) = app
        .admin(Method::GET, "/api/admin/context/tenant", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing stored");

    form[6] = ("legal.1.value", "globex");
    let mut more = form.clone();
    more.push(("add_value", "1"));
    let added = browser.post("/context", &more).await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(
        added.body.contains("name=\"legal.2.value\"") && added.body.contains("value=\"globex\"")
    );

    let created = browser.post("/context", &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.location(), "/context/tenant");
    let (_, field) = app
        .admin(Method::GET, "/api/admin/context/tenant", None)
        .await;
    assert_eq!(field["description"], "Who pays");
    assert_eq!(field["stickiness"], true);
    assert_eq!(
        field["legalValues"],
        json!([{"value": "acme", "description": "Acme Inc"}, {"value": "globex"}])
    );
    let list = browser.get("/context").await;
    assert!(list.body.contains("href=\"/context/tenant\""));
    let taken = browser.post("/context", &form).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);

    // The segment editor offers the new field.
    assert!(browser
        .get("/segments/new")
        .await
        .body
        .contains("<option value=\"tenant\""));

    // Edited: a value removed, stickiness off.
    let edit = browser.get("/context/tenant").await;
    assert!(edit.body.contains("value=\"Acme Inc\""));
    let saved = browser
        .post(
            "/context/tenant",
            &[
                ("_csrf", &csrf),
                ("description", "Who pays us"),
                ("legal.0.value", "acme"),
                ("legal.0.description", "Acme Inc"),
                ("legal.0.remove", "on"),
                ("legal.1.value", "globex"),
                ("legal.2.value", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let (_, field) = app
        .admin(Method::GET, "/api/admin/context/tenant", None)
        .await;
    assert_eq!(field["stickiness"], false);
    assert_eq!(field["description"], "Who pays us");
    assert_eq!(field["legalValues"], json!([{"value": "globex"}]));

    let deleted = browser
        .post(
            "/context/tenant/delete",
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let (status, _) = app
        .admin(Method::GET, "/api/admin/context/tenant", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn client_features_status(app: &TestApp, token: &str) -> StatusCode {
    app.call(Method::GET, "/api/client/features", Some(token), None)
        .await
        .0
}

/// The value of the input with `id="secret"` on the result page.
fn shown_secret(body: &str) -> String {
    let at = body.find("id=\"secret\"").expect("the secret input");
    let rest = &body[at..];
    let value = rest.find("value=\"").expect("its value") + "value=\"".len();
    let rest = &rest[value..];
    rest[..rest.find('"').expect("end")].to_owned()
}

/// An API token made on the form: its secret is shown once and works, the
/// list never shows it, and deleting it refuses it; only Admins get here.
pub async fn ui_api_tokens(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    let page = browser.get("/api-tokens").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("href=\"/api-tokens\""));
    let csrf = page.csrf();
    let tokens_before = app
        .admin(Method::GET, "/api/admin/api-tokens", None)
        .await
        .1["tokens"]
        .as_array()
        .expect("tokens")
        .len();

    let nameless = browser
        .post(
            "/api-tokens",
            &[
                ("_csrf", &csrf),
                ("name", ""),
                ("type", "client"),
                ("environment", "development"),
            ],
        )
        .await;
    assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
    assert!(nameless.body.contains("id=\"name-error\""));
    let past = browser
        .post(
            "/api-tokens",
            &[
                ("_csrf", &csrf),
                ("name", "old"),
                ("type", "client"),
                ("environment", "development"),
                ("expires", "2001-01-01"),
            ],
        )
        .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST);
    assert!(
        past.body.contains("in the past") && past.body.contains("value=\"old\""),
        "{}",
        past.body
    );

    let created = browser
        .post(
            "/api-tokens",
            &[
                ("_csrf", &csrf),
                ("name", "checkout-backend"),
                ("type", "client"),
                ("projects", "default"),
                ("environment", "production"),
                ("expires", "2999-01-31"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let secret = shown_secret(&created.body);
    assert!(secret.starts_with("default:production."), "{secret}");
    assert_eq!(client_features_status(&app, &secret).await, StatusCode::OK);

    let (_, listed) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    let tokens = listed["tokens"].as_array().expect("tokens");
    assert_eq!(tokens.len(), tokens_before + 1);
    let token = tokens
        .iter()
        .find(|t| t["tokenName"] == "checkout-backend")
        .expect("stored");
    assert_eq!(token["environment"], "production");
    assert_eq!(token["projects"], json!(["default"]));
    assert_eq!(token["expiresAt"], "2999-01-31T00:00:00.000Z");
    let list = browser.get("/api-tokens").await;
    assert!(list.body.contains("checkout-backend") && list.body.contains("2999-01-31"));
    assert!(
        !list.body.contains(&secret),
        "the list never shows a secret"
    );
    assert!(!created.headers.contains_key("location"));

    // Editors and Viewers neither see nor make tokens.
    let mut editor = signed_in_as(&app, &mut browser, "eddie", "Editor").await;
    let mut viewer = signed_in_as(&app, &mut browser, "victor", "Viewer").await;
    for other in [&mut editor, &mut viewer] {
        let start = other.get("/segments").await;
        assert!(!start.body.contains("href=\"/api-tokens\""));
        let other_csrf = start.csrf();
        assert_eq!(other.get("/api-tokens").await.status, StatusCode::FORBIDDEN);
        let refused = other
            .post(
                "/api-tokens",
                &[
                    ("_csrf", &other_csrf),
                    ("name", "sneaky"),
                    ("type", "admin"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let id = token["id"].as_str().expect("id");
        let refused = other
            .post(
                &format!("/api-tokens/{id}/delete"),
                &[("_csrf", &other_csrf)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    let (_, listed) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    assert_eq!(
        listed["tokens"].as_array().expect("tokens").len(),
        tokens_before + 1
    );
    assert_eq!(client_features_status(&app, &secret).await, StatusCode::OK);

    // Deleted: refused from then on.
    let id = token["id"].as_str().expect("id");
    let deleted = browser
        .post(
            &format!("/api-tokens/{id}/delete"),
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        client_features_status(&app, &secret).await,
        StatusCode::UNAUTHORIZED
    );
    let list = browser.get("/api-tokens").await;
    assert!(list
        .body
        .contains("Deleted the API token “checkout-backend”."));
    assert!(!list
        .body
        .contains("<th scope=\"row\">checkout-backend</th>"));
    app.stop().await;
}

/// Projects: create, edit, environments per project, delete refused while
/// the project has flags; environments: create, switch off.
pub async fn ui_projects_and_environments(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    let list = browser.get("/projects").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("href=\"/projects/default\""));
    let csrf = list.csrf();

    let bad = browser
        .post(
            "/projects",
            &[("_csrf", &csrf), ("id", "no spaces"), ("name", "Shop")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("id=\"id-error\"") && bad.body.contains("value=\"no spaces\""));
    let created = browser
        .post(
            "/projects",
            &[
                ("_csrf", &csrf),
                ("id", "shop"),
                ("name", "Shop"),
                ("description", "The store"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.location(), "/projects/shop");
    let (status, project) = app
        .admin(Method::GET, "/api/admin/projects/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(project["name"], "Shop");
    assert_eq!(project["description"], "The store");
    let taken = browser
        .post("/projects", &[("_csrf", &csrf), ("id", "shop")])
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);

    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/projects/shop/features",
            Some(json!({"name": "cart"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(browser.get("/projects").await.body.contains("1 flag<"));

    let saved = browser
        .post(
            "/projects/shop",
            &[("_csrf", &csrf), ("name", "Web shop"), ("description", "")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let nameless = browser
        .post("/projects/shop", &[("_csrf", &csrf), ("name", " ")])
        .await;
    assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
    assert!(nameless.body.contains("id=\"name-error\""));
    let (_, project) = app
        .admin(Method::GET, "/api/admin/projects/shop", None)
        .await;
    assert_eq!(project["name"], "Web shop");

    // The project's environments: production off for it, then on again.
    let environments = |project: &Value| -> Vec<String> {
        project["environments"]
            .as_array()
            .expect("environments")
            .iter()
            .map(|e| e["environment"].as_str().expect("name").to_owned())
            .collect()
    };
    let page = browser.get("/projects/shop").await;
    assert!(page
        .body
        .contains("/projects/shop/environments/production/disable"));
    let disabled = browser
        .post(
            "/projects/shop/environments/production/disable",
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    let (_, project) = app
        .admin(Method::GET, "/api/admin/projects/shop", None)
        .await;
    assert_eq!(environments(&project), ["development"]);
    let last = browser
        .post(
            "/projects/shop/environments/development/disable",
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(
        last.status,
        StatusCode::BAD_REQUEST,
        "a project keeps one environment"
    );
    let enabled = browser
        .post(
            "/projects/shop/environments",
            &[("_csrf", &csrf), ("environment", "production")],
        )
        .await;
    assert_eq!(enabled.status, StatusCode::SEE_OTHER);
    let (_, project) = app
        .admin(Method::GET, "/api/admin/projects/shop", None)
        .await;
    assert_eq!(environments(&project), ["development", "production"]);

    // Delete: refused while the project has a flag, done once it has none.
    let refused = browser
        .post(
            "/projects/shop/delete",
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("has 1 flags"), "{}", refused.body);
    let (status, _) = app
        .admin(Method::GET, "/api/admin/projects/shop", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        browser
            .post("/projects", &[("_csrf", &csrf), ("id", "empty")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let deleted = browser
        .post(
            "/projects/empty/delete",
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let (status, _) = app
        .admin(Method::GET, "/api/admin/projects/empty", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Environments: created through the form, switched off and on.
    let page = browser.get("/environments").await;
    assert!(page.body.contains("production") && page.body.contains("Turn off"));
    let bad = browser
        .post(
            "/environments",
            &[
                ("_csrf", &csrf),
                ("name", "staging"),
                ("type", "test"),
                ("sort_order", "soon"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("id=\"sort-order-error\"") && bad.body.contains("value=\"staging\""));
    let created = browser
        .post(
            "/environments",
            &[
                ("_csrf", &csrf),
                ("name", "staging"),
                ("type", "test"),
                ("sort_order", "50"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let environment = |name: &'static str| {
        let app = &app;
        async move {
            let (_, all) = app
                .admin(Method::GET, "/api/admin/environments", None)
                .await;
            all["environments"]
                .as_array()
                .expect("environments")
                .iter()
                .find(|e| e["name"] == name)
                .cloned()
        }
    };
    let staging = environment("staging").await.expect("created");
    assert_eq!(staging["type"], "test");
    assert_eq!(staging["sortOrder"], 50);
    assert_eq!(staging["enabled"], true);
    let off = browser
        .post(
            "/environments/staging/switch",
            &[("_csrf", &csrf), ("enabled", "false")],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(
        environment("staging").await.expect("kept")["enabled"],
        false
    );
    assert!(browser
        .get("/environments")
        .await
        .body
        .contains("Turn on environment staging"));
    let (status, _) = app
        .admin(Method::POST, "/api/admin/environments/staging/on", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(environment("staging").await.expect("kept")["enabled"], true);
    let events = all_events(&app).await;
    let switched: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "environment-updated")
        .collect();
    assert_eq!(switched.len(), 2);
    assert!(switched.iter().any(|e| e["createdBy"] == ADMIN_USER));
    app.stop().await;
}

/// An SDK that registered and sent metrics shows on the applications screens.
pub async fn ui_applications(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    create_flags(&app, &["checkout-flag"]).await;
    let now = chrono_now();
    let (status, _) = app
        .call(
            Method::POST,
            "/api/client/register",
            Some(CLIENT_DEV),
            Some(json!({
                "appName": "checkout service", "instanceId": "instance-7",
                "sdkVersion": "unleash-client-node:6.1.0",
                "strategies": ["default", "flexibleRollout"], "started": now, "interval": 15000
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = app
        .call(
            Method::POST,
            "/api/client/metrics",
            Some(CLIENT_DEV),
            Some(json!({
                "appName": "checkout service", "instanceId": "instance-7",
                "bucket": {"start": now, "stop": now, "toggles": {"checkout-flag": {"yes": 3, "no": 1}}}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    let mut browser = admin_browser(&app).await;
    let list = browser.get("/applications").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body
            .contains("href=\"/applications/checkout%20service\"")
            && list.body.contains("development"),
        "{}",
        list.body
    );
    let page = browser.get("/applications/checkout%20service").await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "instance-7",
        "unleash-client-node:6.1.0",
        "flexibleRollout",
        "checkout-flag",
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    assert_eq!(
        browser.get("/applications/nobody").await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// Viewers see the screens without controls and every change of theirs is
/// refused; a form without its CSRF token is refused too. Nothing changes.
pub async fn ui_admin_screens_refuse_viewers_and_forgeries(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut admin = admin_browser(&app).await;
    let csrf = admin.get("/segments").await.csrf();
    let segment = [("_csrf", csrf.as_str()), ("name", "kept")];
    assert_eq!(
        admin.post("/segments", &segment).await.status,
        StatusCode::SEE_OTHER
    );
    let id = segments(&app).await[0]["id"].clone();
    let context = [("_csrf", csrf.as_str()), ("name", "region")];
    assert_eq!(
        admin.post("/context", &context).await.status,
        StatusCode::SEE_OTHER
    );

    // No CSRF token, or a wrong one: refused.
    for (path, form) in [
        ("/segments", vec![("name", "forged")]),
        ("/segments", vec![("name", "forged"), ("_csrf", "wrong")]),
        ("/context", vec![("name", "forged")]),
        ("/projects", vec![("id", "forged")]),
        ("/environments", vec![("name", "forged"), ("type", "test")]),
        ("/api-tokens", vec![("name", "forged"), ("type", "admin")]),
    ] {
        assert_eq!(
            admin.post(path, &form).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    let events_before = all_events(&app).await.len();
    let mut viewer = signed_in_as(&app, &mut admin, "victor", "Viewer").await;
    let events_before = events_before + 1; // the viewer's user-created event
    for (path, control) in [
        ("/segments", "href=\"/segments/new\""),
        ("/context", "href=\"/context/new\""),
        ("/projects", "action=\"/projects\""),
        ("/environments", "Turn off"),
        (
            "/applications",
            "<form method=\"post\" action=\"/applications",
        ),
    ] {
        let page = viewer.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            !page.body.contains(control),
            "{path} shows {control} to a Viewer"
        );
    }
    assert_eq!(
        viewer.get("/segments/new").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.get("/context/new").await.status,
        StatusCode::FORBIDDEN
    );
    let page = viewer.get(&format!("/segments/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("kept")
            && !page.body.contains("Delete segment")
            && !page.body.contains("constraint.0.")
    );
    let page = viewer.get("/projects/default").await;
    assert!(!page.body.contains("/disable") && !page.body.contains("Delete project"));
    assert!(!viewer
        .get("/context/region")
        .await
        .body
        .contains("Delete context field"));
    let viewer_csrf = page.csrf();
    for (path, form) in [
        ("/segments", vec![("name", "mine")]),
        (
            &format!("/segments/{id}") as &str,
            vec![("name", "renamed")],
        ),
        (&format!("/segments/{id}/delete"), vec![]),
        ("/context", vec![("name", "mine")]),
        ("/context/region", vec![("description", "mine")]),
        ("/context/region/delete", vec![]),
        ("/projects", vec![("id", "mine")]),
        ("/projects/default", vec![("name", "mine")]),
        ("/projects/default/delete", vec![]),
        ("/projects/default/environments/production/disable", vec![]),
        (
            "/projects/default/environments",
            vec![("environment", "production")],
        ),
        ("/environments", vec![("name", "mine"), ("type", "test")]),
        (
            "/environments/production/switch",
            vec![("enabled", "false")],
        ),
        ("/api-tokens", vec![("name", "mine"), ("type", "client")]),
    ] {
        let mut form = form;
        form.push(("_csrf", viewer_csrf.as_str()));
        assert_eq!(
            viewer.post(path, &form).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        all_events(&app).await.len(),
        events_before,
        "nothing changed"
    );
    let names: Vec<Value> = segments(&app)
        .await
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("kept")]);
    app.stop().await;
}
