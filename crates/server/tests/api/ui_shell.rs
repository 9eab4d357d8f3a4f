//! The UI's shell, driven like a browser without JavaScript (and, for the
//! switches, like `flagstaff.js`): destructive forms ask first and change
//! nothing until confirmed, a change leaves a notice shown once on the next
//! page, an environment switch works as a form and in place, and `/` sends a
//! browser that is not signed in to the sign-in page.

use crate::browser::*;
use crate::helpers::*;

const FLAGS: &str = "/projects/default/features";

/// The text of the page's `role="status"` region.
fn notice_of(page: &Page) -> String {
    let start =
        page.body.find("role=\"status\">").expect("a status region") + "role=\"status\">".len();
    let rest = &page.body[start..];
    rest[..rest.find("</div>").expect("end of the region")].to_owned()
}

async fn dev_strategy_count(app: &TestApp, flag: &str) -> usize {
    let path = format!("/api/admin{FLAGS}/{flag}/environments/development/strategies");
    let (_, listed) = app.admin(Method::GET, &path, None).await;
    listed.as_array().map_or(0, Vec::len)
}

async fn switchy_on(app: &TestApp) -> bool {
    let document = app.client_features(CLIENT_DEV).await;
    flag_in(&document, "switchy").expect("flag")["enabled"] == true
}

async fn token_names(app: &TestApp) -> Vec<String> {
    let (_, listed) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    listed["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| t["tokenName"].as_str().expect("name").to_owned())
        .collect()
}

pub async fn ui_confirms_before_destroying(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    let (status, token) = app
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(json!({"tokenName": "ci", "type": "client", "environment": "development", "projects": ["default"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let id = token["id"].as_str().expect("id").to_owned();
    let list = browser.get("/api-tokens").await;
    assert!(
        list.body
            .contains("data-confirm=\"Delete the API token “ci”?\""),
        "{}",
        list.body
    );
    let csrf = list.csrf();
    let events_before = all_events(&app).await.len();

    // Unconfirmed: a page that asks, re-posts the same fields, and changes nothing.
    let delete = format!("/api-tokens/{id}/delete");
    let asked = browser.post(&delete, &[("_csrf", &csrf)]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    for part in [
        "Delete the API token “ci”?",
        &format!("action=\"{delete}\""),
        &format!("name=\"_csrf\" value=\"{csrf}\""),
        "name=\"confirmed\" value=\"yes\"",
        "href=\"/api-tokens\" class=\"button secondary\">Cancel",
    ] {
        assert!(asked.body.contains(part), "{part}: {}", asked.body);
    }
    assert!(token_names(&app).await.contains(&"ci".to_owned()));
    assert_eq!(all_events(&app).await.len(), events_before);
    // Any other value of `confirmed` is no confirmation.
    let not_yes = browser
        .post(&delete, &[("_csrf", &csrf), ("confirmed", "no")])
        .await;
    assert_eq!(not_yes.status, StatusCode::OK);
    assert!(token_names(&app).await.contains(&"ci".to_owned()));

    // Confirmed: deleted, and the next page says so once.
    let done = browser
        .post(&delete, &[("_csrf", &csrf), ("confirmed", "yes")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/api-tokens");
    assert!(!token_names(&app).await.contains(&"ci".to_owned()));
    assert_eq!(all_events(&app).await.len(), events_before + 1);
    let next = browser.get("/api-tokens").await;
    assert_eq!(notice_of(&next), "<p>Deleted the API token “ci”.</p>");
    assert!(
        browser.notice.is_none(),
        "the page that showed it cleared it"
    );
    assert_eq!(notice_of(&browser.get("/api-tokens").await), "");

    // A segment and a strategy: the same, asked first.
    let created = browser
        .post("/segments", &[("_csrf", &csrf), ("name", "staff")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let segment = created.location().to_owned();
    assert!(notice_of(&browser.get(&segment).await).contains("Saved the segment “staff”."));
    let asked = browser
        .post(&format!("{segment}/delete"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Delete the segment “staff”?"));
    let (_, segments) = app.admin(Method::GET, "/api/admin/segments", None).await;
    assert_eq!(segments["segments"].as_array().expect("list").len(), 1);

    create_flags(&app, &["doomed"]).await;
    let dev = format!("{FLAGS}/doomed/environments/development");
    let (status, strategy) = app
        .admin(
            Method::POST,
            &format!("/api/admin{dev}/strategies"),
            Some(json!({"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "sessionId", "groupId": "doomed"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{strategy}");
    let strategy_id = strategy["id"].as_str().expect("id");
    let page = browser.get(&format!("{FLAGS}/doomed")).await;
    assert!(
        page.body
            .contains("Gradual rollout: 50% of sessionId, group doomed"),
        "{}",
        page.body
    );
    // The snippets point at this server as the page was opened.
    assert!(page.body.contains(&format!("{}/api/frontend", app.base)));
    assert!(page.body.contains("pip install UnleashClient"));
    let remove = format!("{dev}/strategies/{strategy_id}/delete");
    let asked = browser.post(&remove, &[("_csrf", &csrf)]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(
        asked
            .body
            .contains("Delete strategy 1 (Gradual rollout) of doomed in development?"),
        "{}",
        asked.body
    );
    assert_eq!(dev_strategy_count(&app, "doomed").await, 1);
    let removed = browser
        .post(&remove, &[("_csrf", &csrf), ("confirmed", "yes")])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(dev_strategy_count(&app, "doomed").await, 0);

    // Archiving without its confirmation page asks too.
    let archive = format!("{FLAGS}/doomed/archive");
    let asked = browser.post(&archive, &[("_csrf", &csrf)]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Archive doomed?"));
    assert_eq!(
        app.admin(Method::GET, &format!("/api/admin{FLAGS}/doomed"), None)
            .await
            .0,
        StatusCode::OK
    );
    let archived = browser
        .post(&archive, &[("_csrf", &csrf), ("confirmed", "yes")])
        .await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER);
    assert!(notice_of(&browser.get(FLAGS).await).contains("Archived doomed."));
    app.stop().await;
}

pub async fn ui_switches_by_form_and_in_place(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    create_flags(&app, &["switchy"]).await;
    let list = browser.get(FLAGS).await;
    assert!(
        list.body.contains(
            "role=\"switch\" aria-checked=\"false\" aria-label=\"switchy in development\""
        ),
        "{}",
        list.body
    );
    let csrf = list.csrf();
    let toggle = format!("{FLAGS}/switchy/environments/development/toggle");

    // Without JavaScript: the form posts, back to the list with a notice.
    let switched = browser
        .post(
            &toggle,
            &[("_csrf", &csrf), ("enabled", "true"), ("back", "?q=sw")],
        )
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.location(), format!("{FLAGS}?q=sw"));
    assert!(switchy_on(&app).await);
    let list = browser.get(&format!("{FLAGS}?q=sw")).await;
    assert_eq!(
        notice_of(&list),
        "<p>Switched switchy on in development.</p>"
    );
    assert!(list
        .body
        .contains("role=\"switch\" aria-checked=\"true\" aria-label=\"switchy in development\""));

    // In place (what flagstaff.js sends): JSON, no redirect, no notice cookie.
    let request = browser
        .http
        .post(format!("{}{toggle}", browser.base))
        .header("Accept", "application/json")
        .form(&[("_csrf", csrf.as_str()), ("enabled", "false")]);
    let answer = browser.send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body: Value = serde_json::from_str(&answer.body).expect("json");
    assert_eq!(
        body,
        json!({"enabled": false, "notice": "Switched switchy off in development."})
    );
    assert!(browser.notice.is_none());
    assert!(!switchy_on(&app).await);

    // The flag page's switch: the same both ways.
    let page = browser.get(&format!("{FLAGS}/switchy")).await;
    assert!(page.body.contains("aria-label=\"switchy in development\""));
    let switch = format!("{FLAGS}/switchy/environments/development/switch");
    let request = browser
        .http
        .post(format!("{}{switch}", browser.base))
        .header("Accept", "application/json")
        .form(&[("_csrf", csrf.as_str()), ("enabled", "true")]);
    let answer = browser.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(switchy_on(&app).await);
    let by_form = browser
        .post(&switch, &[("_csrf", &csrf), ("enabled", "false")])
        .await;
    assert_eq!(by_form.status, StatusCode::SEE_OTHER);
    assert!(!switchy_on(&app).await);
    let page = browser.get(by_form.location()).await;
    assert_eq!(
        notice_of(&page),
        "<p>Switched switchy off in development.</p>"
    );
    // A refused switch in place is not JSON: the script shows the page's reason.
    let request = browser
        .http
        .post(format!("{}{switch}", browser.base))
        .header("Accept", "application/json")
        .form(&[("_csrf", "wrong"), ("enabled", "true")]);
    assert_eq!(browser.send(request).await.status, StatusCode::FORBIDDEN);
    assert!(!switchy_on(&app).await);
    app.stop().await;
}

pub async fn ui_start_page_and_scripts(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = Browser::new(&app);
    // A browser asks for HTML: not signed in, it goes to the sign-in page.
    let request = browser
        .http
        .get(format!("{}/", browser.base))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    let start = browser.send(request).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    assert_eq!(start.location(), "/login");
    // API clients and scripts get what the server is, as before, and at /about.
    for path in ["/", "/about"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("/health") && page.body.contains("/api/admin/"));
    }
    let login = browser.get("/login").await;
    assert!(login.body.contains("href=\"/about\""));
    // The scripts are served by the binary, and allowed by the CSP as 'self'.
    let script = browser.get("/ui/flagstaff.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.headers["content-type"]
        .to_str()
        .expect("text")
        .starts_with("text/javascript"));
    assert!(script.body.contains("data-confirm") || script.body.contains("dataset.confirm"));
    assert!(login
        .body
        .contains("<script type=\"module\" src=\"/ui/flagstaff.js\">"));
    assert_eq!(
        browser.get("/ui/nothing.js").await.status,
        StatusCode::NOT_FOUND
    );
    // Signed in, `/` is the flags, and the navigation marks where one is.
    let mut browser = admin_browser(&app).await;
    assert_eq!(browser.get("/").await.location(), FLAGS);
    let segments = browser.get("/segments").await;
    assert!(segments
        .body
        .contains("<a href=\"/segments\" aria-current=\"page\">Segments</a>"));
    for link in [
        "/integrations",
        "/signals",
        "/actions",
        "/users",
        "/api-tokens",
    ] {
        assert!(
            segments.body.contains(&format!("href=\"{link}\"")),
            "{link}"
        );
    }
    app.stop().await;
}
