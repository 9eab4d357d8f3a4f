//! The web UI driven like a browser without JavaScript: forms posted with
//! the cookie the server set and the `_csrf` token read from the page.

use crate::browser::*;
use crate::helpers::*;
use flagstaff_domain::ops::{self, Actor, Context, CreateUser, HashedPassword, Limits, RootRole};
use flagstaff_server::config::SetupCode;

async fn flag_enabled_in_development(app: &TestApp, name: &str) -> bool {
    let document = app.client_features(CLIENT_DEV).await;
    flag_in(&document, name).is_some_and(|f| f["enabled"] == true)
}

const FLAGS: &str = "/projects/default/features";
const TOGGLE: &str = "/projects/default/features/ui-flag/environments/development/toggle";

pub async fn ui_signs_in_and_switches_flags(db: Db) {
    let setup_code = SetupCode::default();
    let cell = setup_code.clone();
    let app = spawn_app_with(db.clone(), move |args| {
        with_admin(args);
        args.setup_code = cell;
    })
    .await;
    let mut browser = Browser::new(&app);

    // Not signed in: the start page (with a link to sign in); UI pages redirect.
    let start = browser.get("/").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(start.body.contains("/health") && start.body.contains("href=\"/login\""));
    assert_eq!(
        start.headers["content-security-policy"]
            .to_str()
            .expect("text")
            .split(';')
            .next(),
        Some("default-src 'self'")
    );
    // Answering means started: INIT_ADMIN_USER made a user, so no setup link.
    assert_eq!(*setup_code.lock().expect("lock"), None);
    let page = browser.get(FLAGS).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login");
    let css = browser.get("/ui/flagstaff.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.body.contains("@media"));

    // A wrong password: the form again, with the error and the username kept.
    let wrong = browser.sign_in(ADMIN_USER, "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.body.contains("Wrong username or password"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("value=\"alice\""), "{}", wrong.body);
    assert!(browser.cookie.is_none());
    let unknown = browser.sign_in("nobody", "not the password").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(unknown.body.contains("Wrong username or password"));
    assert!(browser.cookie.is_none());
    let signed = browser.sign_in(ADMIN_USER, ADMIN_PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert!(browser.cookie.is_some());
    let first_cookie = browser.cookie.clone();
    assert_eq!(browser.get("/").await.location(), FLAGS);

    // A flag made through the admin API is listed, its description escaped.
    let (status, body) = app
        .admin(
            Method::POST,
            F,
            Some(json!({"name": "ui-flag", "description": "<script>alert(1)</script>"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let page = browser.get(FLAGS).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ui-flag"));
    assert!(page
        .body
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(page.headers.contains_key("content-security-policy"));
    assert!(page.body.contains("role=\"switch\" aria-checked=\"false\""));
    let csrf = page.csrf();

    // Without the CSRF token, with a wrong one, or from another site: 403, nothing changes.
    let events_before = all_events(&app).await.len();
    for form in [
        vec![("enabled", "true")],
        vec![("enabled", "true"), ("_csrf", "wrong")],
    ] {
        let refused = browser.post(TOGGLE, &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{form:?}");
    }
    let cross_site = browser
        .http
        .post(format!("{}{TOGGLE}", browser.base))
        .header("Origin", "http://evil.example")
        .form(&[("enabled", "true"), ("_csrf", csrf.as_str())]);
    assert_eq!(browser.send(cross_site).await.status, StatusCode::FORBIDDEN);
    assert!(!flag_enabled_in_development(&app, "ui-flag").await);
    assert_eq!(all_events(&app).await.len(), events_before);

    // The form switches it on, in the user's name.
    let switched = browser
        .post(TOGGLE, &[("enabled", "true"), ("_csrf", &csrf)])
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER, "{}", switched.body);
    assert_eq!(switched.location(), FLAGS);
    assert!(flag_enabled_in_development(&app, "ui-flag").await);
    let events = all_events(&app).await;
    let enabled = events
        .iter()
        .find(|e| e["type"] == "feature-environment-enabled")
        .expect("an enabled event");
    assert_eq!(enabled["createdBy"], ADMIN_USER);
    assert_eq!(enabled["featureName"], "ui-flag");
    let created = events
        .iter()
        .find(|e| e["type"] == "user-created")
        .expect("a user-created event");
    assert_eq!(created["data"]["username"], ADMIN_USER);
    assert_eq!(created["data"]["rootRole"], "Admin");
    let shown = serde_json::to_string(&events).expect("json");
    assert!(!shown.contains("argon2") && !shown.contains(ADMIN_PASSWORD));
    assert!(browser
        .get(FLAGS)
        .await
        .body
        .contains("role=\"switch\" aria-checked=\"true\""));

    // An Admin creates a Viewer on the users screen (a mistake: the error next to the field).
    let users = browser.get("/users").await;
    assert_eq!(users.status, StatusCode::OK);
    assert!(users.body.contains("alice"));
    let short = browser
        .post(
            "/users",
            &[
                ("_csrf", &csrf),
                ("username", "victor"),
                ("password", "short"),
                ("role", "Viewer"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(
        short.body.contains("id=\"password-error\"") && short.body.contains("value=\"victor\"")
    );
    let form = [
        ("_csrf", csrf.as_str()),
        ("username", "victor"),
        ("email", "victor@example.com"),
        ("name", "Victor <b>"),
        ("password", "viewer password"),
        ("role", "Viewer"),
    ];
    let created = browser.post("/users", &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let users = browser.get("/users").await;
    assert!(users.body.contains("victor@example.com") && users.body.contains("Victor &#60;b&#62;"));
    assert_eq!(
        browser.post("/users", &form).await.status,
        StatusCode::CONFLICT
    );

    // An Editor made through the operations (the library's API) can switch too.
    let store = flagstaff_storage::Store::connect(&db.url())
        .await
        .expect("store");
    let cx = Context::new(Actor::named("test"), Limits::default());
    let editor = CreateUser {
        username: "eddie".to_owned(),
        email: None,
        name: None,
        password: HashedPassword::hash("editor password").await.expect("hash"),
        root_role: RootRole::Editor,
        only_if_first: false,
    };
    ops::apply(&store, &cx, editor)
        .await
        .expect("editor created");
    store.close().await;
    let mut editor = Browser::new(&app);
    assert_eq!(
        editor.sign_in("eddie", "editor password").await.status,
        StatusCode::SEE_OTHER
    );
    let page = editor.get(FLAGS).await;
    assert!(
        page.body.contains("role=\"switch\" aria-checked=\"true\"")
            && !page.body.contains("href=\"/users\"")
    );
    assert_eq!(editor.get("/users").await.status, StatusCode::FORBIDDEN);

    // A Viewer sees the states but no buttons, and cannot switch.
    let mut viewer = Browser::new(&app);
    let signed = viewer
        .sign_in("victor@example.com", "viewer password")
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let page = viewer.get(FLAGS).await;
    assert!(page.body.contains("ui-flag") && page.body.contains("On"));
    assert!(!page.body.contains("role=\"switch\"") && !page.body.contains("/toggle"));
    let viewer_csrf = page.csrf();
    let events_before = all_events(&app).await.len();
    let refused = viewer
        .post(TOGGLE, &[("enabled", "false"), ("_csrf", &viewer_csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = viewer
        .post(
            "/users",
            &[
                ("_csrf", &viewer_csrf),
                ("username", "mallory"),
                ("password", "mallory password"),
                ("role", "Admin"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(flag_enabled_in_development(&app, "ui-flag").await);
    assert_eq!(all_events(&app).await.len(), events_before);

    // A password change: errors next to the field, then the old password stops working
    // and the user's other sessions end.
    let mut elsewhere = Browser::new(&app);
    assert_eq!(
        elsewhere.sign_in(ADMIN_USER, ADMIN_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(elsewhere.get("/profile").await.status, StatusCode::OK);
    let profile = browser.get("/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.body.contains("Admin"));
    let wrong_old = browser
        .post(
            "/profile/password",
            &[
                ("_csrf", &csrf),
                ("old", "not it at all"),
                ("new", "a new long password"),
                ("confirm", "a new long password"),
            ],
        )
        .await;
    assert_eq!(wrong_old.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong_old.body.contains("id=\"old-error\""),
        "{}",
        wrong_old.body
    );
    let changed = browser
        .post(
            "/profile/password",
            &[
                ("_csrf", &csrf),
                ("old", ADMIN_PASSWORD),
                ("new", "a new long password"),
                ("confirm", "a new long password"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(changed.body.contains("Your password was changed"));
    assert_eq!(
        elsewhere.get("/profile").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(browser.get("/profile").await.status, StatusCode::OK);
    let mut other = Browser::new(&app);
    assert_eq!(
        other.sign_in(ADMIN_USER, ADMIN_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        other
            .sign_in(ADMIN_USER, "a new long password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_ne!(
        other.cookie, first_cookie,
        "a new session id at every sign-in"
    );
    assert!(all_events(&app)
        .await
        .iter()
        .any(|e| e["type"] == "user-password-changed" && e["createdBy"] == ADMIN_USER));

    // Signing out ends the session: the old cookie no longer opens anything.
    let old_cookie = browser.cookie.clone();
    let out = browser.post("/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.cookie, None);
    browser.cookie = old_cookie;
    let page = browser.get("/profile").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login");
    app.stop().await;
}

pub async fn ui_first_run_setup(db: Db) {
    let setup_code = SetupCode::default();
    let cell = setup_code.clone();
    let app = spawn_app_with(db.clone(), move |args| args.setup_code = cell).await;
    let mut browser = Browser::new(&app);
    // Answering means started, the setup code made.
    assert_eq!(browser.get("/health").await.status, StatusCode::OK);
    let code = setup_code
        .lock()
        .expect("lock")
        .clone()
        .expect("a setup code while no user exists");
    assert_eq!(
        browser.get("/setup?code=wrong").await.status,
        StatusCode::FORBIDDEN
    );
    let form = browser.get(&format!("/setup?code={code}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"username\""));
    let wrong = browser
        .post(
            "/setup",
            &[
                ("code", "wrong"),
                ("username", "root"),
                ("password", "first password"),
                ("confirm", "first password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let differ = browser
        .post(
            "/setup",
            &[
                ("code", &code),
                ("username", "root"),
                ("password", "first password"),
                ("confirm", "second password"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::BAD_REQUEST);
    assert!(differ.body.contains("id=\"confirm-error\""));
    let form = [
        ("code", code.as_str()),
        ("username", "root"),
        ("password", "first password"),
        ("confirm", "first password"),
    ];
    let created = browser.post("/setup", &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let profile = browser.get("/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.body.contains("root") && profile.body.contains("Admin"));
    // The code is used.
    let mut again = Browser::new(&app);
    assert_eq!(
        again.post("/setup", &form).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(again.cookie.is_none());
    let db = app.stop().await;
    // A user exists: no new setup link at the next start.
    let next = SetupCode::default();
    let cell = next.clone();
    let app = spawn_app_with(db, move |args| args.setup_code = cell).await;
    let mut browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in("root", "first password").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(*next.lock().expect("lock"), None);
    app.stop().await;
}

pub async fn ui_sign_in_uses_the_auth_quota(db: Db) {
    let app = spawn_app_with(db, |args| {
        with_admin(args);
        args.auth_failures_per_minute = 2;
    })
    .await;
    let mut browser = Browser::new(&app);
    for _ in 0..2 {
        let wrong = browser.sign_in(ADMIN_USER, "wrong password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let refused = browser.sign_in(ADMIN_USER, ADMIN_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.contains_key("retry-after"));
    assert!(browser.cookie.is_none());
    app.stop().await;
}
