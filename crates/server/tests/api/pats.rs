//! Personal access tokens: the first made on the profile page by a signed-in
//! user, then `/api/admin/user/tokens`; a PAT on the admin API acts with its
//! user's role of that moment (Admin, Editor, Viewer), in the user's name.

use crate::browser::*;
use crate::helpers::*;

const PATS: &str = "/api/admin/user/tokens";

/// A day a month ahead, as the profile page's date field sends it.
fn in_a_month() -> String {
    (chrono::Utc::now().date_naive() + chrono::Days::new(30))
        .format("%Y-%m-%d")
        .to_string()
}

/// The one-time secret on a page the profile form answered.
fn shown_secret(page: &Page) -> String {
    let marker = "<code class=\"secret\">";
    let at = page.body.find(marker).expect("a secret on the page") + marker.len();
    let rest = &page.body[at..];
    rest[..rest.find('<').expect("end of the secret")].to_owned()
}

/// Creates a PAT on the profile page of a signed-in browser; its secret.
pub async fn pat_on_profile(browser: &mut Browser, description: &str) -> String {
    let csrf = browser.get("/profile").await.csrf();
    let expires = in_a_month();
    let page = browser
        .post(
            "/profile/tokens",
            &[
                ("_csrf", &csrf),
                ("description", description),
                ("expires_at", &expires),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
    let secret = shown_secret(&page);
    assert!(
        secret.starts_with("user:") && secret.len() == 61,
        "{secret}"
    );
    assert!(page.body.contains(description));
    // Shown once: the profile page never shows it again.
    assert!(!browser.get("/profile").await.body.contains(&secret));
    secret
}

/// A user made on the users screen by the admin, signed in.
pub(crate) async fn user_browser(
    app: &TestApp,
    admin: &mut Browser,
    username: &str,
    role: &str,
) -> Browser {
    let csrf = admin.get("/users").await.csrf();
    let password = "a long enough password";
    let created = admin
        .post(
            "/users",
            &[
                ("_csrf", &csrf),
                ("username", username),
                ("email", ""),
                ("name", ""),
                ("password", password),
                ("role", role),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let mut browser = Browser::new(app);
    let signed = browser.sign_in(username, password).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    browser
}

fn future_instant() -> String {
    (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339()
}

/// The caller's PATs as the API lists them.
async fn listed(app: &TestApp, secret: &str) -> Vec<Value> {
    let (status, body) = app.call(Method::GET, PATS, Some(secret), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["pats"].as_array().cloned().expect("pats")
}

pub async fn pats_act_with_their_users_role(db: Db) {
    let app = spawn_app_with(db.clone(), with_admin).await;
    let mut alice = admin_browser(&app).await;
    let mut ed = user_browser(&app, &mut alice, "ed", "Editor").await;
    let mut vi = user_browser(&app, &mut alice, "vi", "Viewer").await;

    // The first PAT comes from the profile page; then the API makes more.
    let from_ui = pat_on_profile(&mut alice, "laptop").await;
    let (status, created) = app
        .call(
            Method::POST,
            PATS,
            Some(&from_ui),
            Some(json!({"description": "deploys", "expiresAt": future_instant()})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let deploys = created["secret"]
        .as_str()
        .expect("the secret, once")
        .to_owned();
    assert!(deploys.starts_with("user:") && deploys != from_ui);
    assert!(
        created["id"].is_i64() && created["userId"].is_i64(),
        "{created}"
    );
    assert_eq!(created["description"], "deploys");
    assert!(created["createdAt"].is_string() && created["expiresAt"].is_string());
    let mine = listed(&app, &deploys).await;
    assert_eq!(mine.len(), 2);
    let text = serde_json::to_string(&mine).expect("json");
    assert!(!text.contains(&deploys) && !text.contains(&from_ui) && !text.contains("secret"));
    for pat in &mine {
        for field in ["id", "description", "expiresAt", "createdAt", "seenAt"] {
            assert!(pat.get(field).is_some(), "{field} in {pat}");
        }
    }
    // A PAT that was used says when.
    assert!(mine
        .iter()
        .any(|p| p["description"] == "laptop" && p["seenAt"].is_string()));

    // An Admin's PAT does everything, in Alice's name.
    let (status, body) = app
        .call(
            Method::POST,
            F,
            Some(&deploys),
            Some(json!({"name": "by-alice"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = app
        .call(Method::GET, "/api/admin/api-tokens", Some(&deploys), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, token) = app
        .call(
            Method::POST,
            "/api/admin/api-tokens",
            Some(&format!("Bearer {deploys}")),
            Some(
                json!({"tokenName": "from-a-pat", "type": "backend", "environment": "development"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");

    // An Editor's changes flags but not tokens or users.
    let ed_pat = pat_on_profile(&mut ed, "scripts").await;
    let (status, body) = app
        .call(
            Method::POST,
            F,
            Some(&ed_pat),
            Some(json!({"name": "by-ed"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{F}/by-ed/environments/development/on"),
            Some(&ed_pat),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (method, path, body) in [
        (Method::GET, "/api/admin/api-tokens".to_owned(), None),
        (
            Method::POST,
            "/api/admin/api-tokens".to_owned(),
            Some(json!({"tokenName": "sneaky", "type": "admin"})),
        ),
        (
            Method::DELETE,
            format!(
                "/api/admin/api-tokens/{}",
                token["id"].as_str().expect("id")
            ),
            None,
        ),
        (Method::GET, "/api/admin/signal-endpoints".to_owned(), None),
    ] {
        let (status, answer) = app.call(method, &path, Some(&ed_pat), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
        assert_eq!(answer["name"], "PermissionError");
    }

    // A Viewer's only reads (the playground is a read).
    let vi_pat = pat_on_profile(&mut vi, "reading").await;
    let (status, body) = app.call(Method::GET, F, Some(&vi_pat), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/admin/playground",
            Some(&vi_pat),
            Some(json!({"environment": "development", "context": {}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (method, path, body) in [
        (Method::POST, F.to_owned(), Some(json!({"name": "by-vi"}))),
        (
            Method::POST,
            format!("{F}/by-ed/environments/development/off"),
            None,
        ),
        (Method::DELETE, format!("{F}/by-ed"), None),
        (
            Method::PUT,
            "/api/admin/projects/default/tags".to_owned(),
            Some(
                json!({"features": ["by-ed"], "tags": {"addedTags": [{"type": "simple", "value": "vi"}], "removedTags": []}}),
            ),
        ),
        (Method::GET, "/api/admin/api-tokens".to_owned(), None),
    ] {
        let (status, answer) = app.call(method, &path, Some(&vi_pat), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
    }
    // … but manages its own PATs.
    let (status, body) = app
        .call(
            Method::POST,
            PATS,
            Some(&vi_pat),
            Some(json!({"description": "second", "expiresAt": future_instant()})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(listed(&app, &vi_pat).await.len(), 2);

    // Nothing the Viewer tried changed anything; the changes name their users.
    let document = app.client_features(CLIENT_DEV).await;
    assert!(flag_in(&document, "by-vi").is_none());
    assert_eq!(flag_in(&document, "by-ed").expect("by-ed")["enabled"], true);
    let events = all_events(&app).await;
    let by = |kind: &str, flag: &str| {
        events
            .iter()
            .find(|e| e["type"] == kind && e["featureName"] == flag)
            .map(|e| e["createdBy"].clone())
    };
    assert_eq!(by("feature-created", "by-alice"), Some(json!("alice")));
    assert_eq!(by("feature-created", "by-ed"), Some(json!("ed")));
    assert_eq!(
        by("feature-environment-enabled", "by-ed"),
        Some(json!("ed"))
    );
    let pat_events: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "pat-created")
        .collect();
    assert_eq!(pat_events.len(), 5, "{pat_events:?}");
    assert!(pat_events.iter().any(|e| e["createdBy"] == "vi"));
    let all = serde_json::to_string(&events).expect("json");
    for secret in [&from_ui, &deploys, &ed_pat, &vi_pat] {
        assert!(!all.contains(secret.as_str()), "a secret in the events");
    }

    // A PAT is no SDK token, and an API token has no PATs.
    let (status, _) = app
        .call(Method::GET, "/api/client/features", Some(&deploys), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app.admin(Method::GET, PATS, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Deleting: one's own (at once), never another user's.
    let laptop = mine
        .iter()
        .find(|p| p["description"] == "laptop")
        .expect("laptop")["id"]
        .clone();
    let ed_id = listed(&app, &ed_pat).await[0]["id"].clone();
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("{PATS}/{ed_id}"),
            Some(&deploys),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(listed(&app, &ed_pat).await.len(), 1, "Ed's PAT stays");
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("{PATS}/{laptop}"),
            Some(&deploys),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call(Method::GET, F, Some(&from_ui), None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a deleted PAT stops at once"
    );
    for missing in [laptop.to_string(), "x".to_owned()] {
        let (status, _) = app
            .call(
                Method::DELETE,
                &format!("{PATS}/{missing}"),
                Some(&deploys),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
    let deleted: Vec<Value> = all_events(&app)
        .await
        .into_iter()
        .filter(|e| e["type"] == "pat-deleted")
        .collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["createdBy"], "alice");
    assert_eq!(deleted[0]["preData"]["description"], "laptop");

    // Demoting a user, or deleting them, takes effect at once.
    execute_on(
        &db,
        "UPDATE users SET root_role = 'Viewer' WHERE username = 'ed'",
    )
    .await;
    let (status, _) = app
        .call(
            Method::POST,
            F,
            Some(&ed_pat),
            Some(json!({"name": "ed-again"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call(Method::GET, F, Some(&ed_pat), None).await;
    assert_eq!(status, StatusCode::OK);
    execute_on(&db, "DELETE FROM users WHERE username = 'vi'").await;
    let (status, _) = app.call(Method::GET, F, Some(&vi_pat), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An expired PAT is refused like an unknown one.
    execute_on(
        &db,
        "UPDATE personal_access_tokens SET expires_at = '2001-01-01T00:00:00.000Z' WHERE description = 'deploys'",
    )
    .await;
    let (status, body) = app.call(Method::GET, F, Some(&deploys), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["name"], "UnauthorizedError");
    app.stop().await;
}

pub async fn bad_pat_input_changes_nothing(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut alice = admin_browser(&app).await;
    let secret = pat_on_profile(&mut alice, "first").await;
    let events_before = all_events(&app).await.len();
    let past = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    for (body, status, message) in [
        (
            json!({"description": "", "expiresAt": future_instant()}),
            StatusCode::BAD_REQUEST,
            "description cannot be empty",
        ),
        (
            json!({"description": "  ", "expiresAt": future_instant()}),
            StatusCode::BAD_REQUEST,
            "description cannot be empty",
        ),
        (
            json!({"expiresAt": future_instant()}),
            StatusCode::BAD_REQUEST,
            "description cannot be empty",
        ),
        (
            json!({"description": "x".repeat(256), "expiresAt": future_instant()}),
            StatusCode::BAD_REQUEST,
            "at most 255",
        ),
        (
            json!({"description": "late", "expiresAt": past}),
            StatusCode::BAD_REQUEST,
            "should be in future",
        ),
        (
            json!({"description": "late", "expiresAt": "2001-01-01"}),
            StatusCode::BAD_REQUEST,
            "should be in future",
        ),
        (
            json!({"description": "soon", "expiresAt": "soon"}),
            StatusCode::BAD_REQUEST,
            "is not a date",
        ),
        (
            json!({"description": "never"}),
            StatusCode::BAD_REQUEST,
            "is not a date",
        ),
        (
            json!({"description": "first", "expiresAt": future_instant()}),
            StatusCode::CONFLICT,
            "already exists",
        ),
        (
            json!({"description": 7, "expiresAt": future_instant()}),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (json!(["description"]), StatusCode::BAD_REQUEST, ""),
    ] {
        let (got, answer) = app
            .call(Method::POST, PATS, Some(&secret), Some(body.clone()))
            .await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            "{body}: {answer}"
        );
    }
    assert_eq!(listed(&app, &secret).await.len(), 1);
    assert_eq!(
        all_events(&app).await.len(),
        events_before,
        "nothing recorded"
    );

    // At most ten per user (Unleash's limit): the eleventh is refused.
    for n in 2..=10 {
        let (status, body) = app
            .call(
                Method::POST,
                PATS,
                Some(&secret),
                Some(json!({"description": format!("pat {n}"), "expiresAt": future_instant()})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = app
        .call(
            Method::POST,
            PATS,
            Some(&secret),
            Some(json!({"description": "eleventh", "expiresAt": future_instant()})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("Too many PATs (10)")));
    assert_eq!(listed(&app, &secret).await.len(), 10);

    // Wrong secrets that look like PATs are refused like any wrong token.
    for wrong in ["user:", "user:nope", "user:0123456789abcdef"] {
        let (status, _) = app.call(Method::GET, F, Some(wrong), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}");
    }
    app.stop().await;
}

pub async fn ui_manages_pats(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut alice = admin_browser(&app).await;
    let profile = alice.get("/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.body.contains("You have no personal access tokens"));
    assert!(
        profile.body.contains("<label for=\"description\">")
            && profile.body.contains("<label for=\"expires_at\">")
    );
    let csrf = profile.csrf();

    // Mistakes: the form again (400), the message by its field, values kept.
    let page = alice
        .post(
            "/profile/tokens",
            &[
                ("_csrf", &csrf),
                ("description", " "),
                ("expires_at", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("id=\"description-error\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"2999-01-01\""));
    let page = alice
        .post(
            "/profile/tokens",
            &[
                ("_csrf", &csrf),
                ("description", "old"),
                ("expires_at", "2001-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("The expiry date should be in future."),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"expires-error\"") && page.body.contains("value=\"old\""));
    // Without the CSRF token nothing is made.
    let page = alice
        .post(
            "/profile/tokens",
            &[("description", "forged"), ("expires_at", "2999-01-01")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    let secret = pat_on_profile(&mut alice, "laptop").await;
    let second = pat_on_profile(&mut alice, "desktop").await;
    let mine = listed(&app, &secret).await;
    assert_eq!(
        mine.iter()
            .map(|p| p["description"].clone())
            .collect::<Vec<_>>(),
        [json!("laptop"), json!("desktop")],
        "the forged one was not made"
    );
    let page = alice
        .post(
            "/profile/tokens",
            &[
                ("_csrf", &csrf),
                ("description", "laptop"),
                ("expires_at", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("PAT description already exists."));
    let profile = alice.get("/profile").await;
    assert!(profile.body.contains("laptop") && profile.body.contains("desktop"));
    assert!(!profile.body.contains(&secret) && !profile.body.contains(&second));

    // Delete: CSRF-protected, then gone at once.
    let laptop = mine[0]["id"].to_string();
    let delete = format!("/profile/tokens/{laptop}/delete");
    assert_eq!(alice.post(&delete, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(listed(&app, &secret).await.len(), 2);
    let page = alice
        .post(&delete, &[("_csrf", &csrf), ("confirmed", "yes")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/profile");
    let (status, _) = app.call(Method::GET, PATS, Some(&secret), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(listed(&app, &second).await.len(), 1);
    assert_eq!(
        alice.post(&delete, &[("_csrf", &csrf)]).await.status,
        StatusCode::NOT_FOUND
    );
    let events = all_events(&app).await;
    let deleted = events
        .iter()
        .find(|e| e["type"] == "pat-deleted")
        .expect("pat-deleted");
    assert_eq!(deleted["createdBy"], ADMIN_USER);

    // Another user cannot delete Alice's PAT from their profile.
    let mut vi = {
        let csrf = alice.get("/users").await.csrf();
        let password = "a long enough password";
        alice
            .post(
                "/users",
                &[
                    ("_csrf", &csrf),
                    ("username", "vi"),
                    ("email", ""),
                    ("name", ""),
                    ("password", password),
                    ("role", "Viewer"),
                ],
            )
            .await;
        let mut vi = Browser::new(&app);
        vi.sign_in("vi", password).await;
        vi
    };
    let vi_csrf = vi.get("/profile").await.csrf();
    let desktop = listed(&app, &second).await[0]["id"].to_string();
    let page = vi
        .post(
            &format!("/profile/tokens/{desktop}/delete"),
            &[("_csrf", &vi_csrf)],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(listed(&app, &second).await.len(), 1);
    app.stop().await;
}
