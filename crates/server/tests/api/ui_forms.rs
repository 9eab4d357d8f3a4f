//! The live forms' server side, driven like a browser without JavaScript:
//! one rollout field (a slider value that disagrees with it is refused beside
//! it), the strategy type's fields redrawn by the same post forms.js makes,
//! the constraints editor offering a context field's legal values, and the
//! new flag's name checked while it is typed. What the script does in a real
//! browser is tests/browser/forms_steps.mjs.

use crate::browser::*;
use crate::helpers::*;

const FLAG: &str = "delete_survey_flag";
const DEV: &str = "/projects/default/features/delete_survey_flag/environments/development";

pub async fn ui_forms_rollout_strategy_type_and_legal_values(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let (status, body) = app
        .admin(Method::POST, F, Some(json!({"name": FLAG})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/context",
            Some(json!({"name": "region", "legalValues": [
                {"value": "eu-west", "description": "Europe"}, {"value": "us-east"}
            ]})),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let mut browser = admin_browser(&app).await;

    // The script is served by the binary, as a module the CSP allows.
    let script = browser.get("/ui/forms.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.headers["content-type"]
        .to_str()
        .expect("text")
        .starts_with("text/javascript"));
    assert!(script.body.contains("data-sync"));

    let form = browser.get(&format!("{DEV}/strategies/new")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = form.csrf();
    // The round-trip button is for forms without the script, which hides it.
    assert!(form
        .body
        .contains("name=\"redraw\" value=\"1\" formnovalidate class=\"secondary\" data-nojs>"));
    let base = |rollout: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("shown", "flexibleRollout".to_owned()),
            ("name", "flexibleRollout".to_owned()),
            ("rollout", rollout.to_owned()),
            ("stickiness", "default".to_owned()),
            ("groupId", FLAG.to_owned()),
            ("save", "1".to_owned()),
        ]
    };
    let pairs = |form: &[(&'static str, String)]| -> Vec<(&'static str, String)> { form.to_vec() };

    // A slider value that disagrees with the number is refused beside the
    // rollout field, not silently resolved; nothing is stored.
    let mut disagreeing = pairs(&base("100"));
    disagreeing.push(("rollout_range", "50".to_owned()));
    let refused = post(&mut browser, &format!("{DEV}/strategies/new"), &disagreeing).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("id=\"rollout\" name=\"rollout\" type=\"number\" min=\"0\" max=\"100\" step=\"1\" value=\"100\" aria-invalid=\"true\" aria-describedby=\"rollout-error\""));
    assert!(refused.body.contains(
        "<p class=\"error\" id=\"rollout-error\">The slider says 50% and the number 100%"
    ));
    let (_, stored) = app
        .admin(Method::GET, &format!("/api/admin{DEV}/strategies"), None)
        .await;
    assert_eq!(stored, json!([]), "nothing stored");

    // The number alone is the rollout.
    let saved = post(&mut browser, &format!("{DEV}/strategies/new"), &base("50")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let (_, stored) = app
        .admin(Method::GET, &format!("/api/admin{DEV}/strategies"), None)
        .await;
    assert_eq!(stored[0]["parameters"]["rollout"], "50", "{stored}");

    // Another strategy type: the post forms.js makes (redraw) answers its
    // fields, and marks them as shown so that saving next saves them.
    let mut switched = pairs(&base("50"));
    switched.retain(|(k, _)| *k != "save" && *k != "name");
    switched.push(("name", "userWithId".to_owned()));
    switched.push(("redraw", "1".to_owned()));
    let drawn = post(&mut browser, &format!("{DEV}/strategies/new"), &switched).await;
    assert_eq!(drawn.status, StatusCode::OK, "{}", drawn.body);
    let fields = &drawn.body[drawn
        .body
        .find("<div id=\"strategy-fields\">")
        .expect("the block")..];
    assert!(
        fields.contains("name=\"shown\" value=\"userWithId\""),
        "{fields}"
    );
    assert!(fields.contains("name=\"p_userIds\""), "{fields}");
    assert!(!fields.contains("name=\"rollout\""), "{fields}");

    // The constraints editor offers a field's legal values in a datalist,
    // tied to the field's option and the row's input.
    let segment = browser.get("/segments/new").await;
    assert_eq!(segment.status, StatusCode::OK, "{}", segment.body);
    let list = "<datalist id=\"legal-values-";
    let at = segment.body.find(list).expect("a datalist");
    let id_end = segment.body[at + 14..].find('"').expect("id end") + at + 14;
    let id = &segment.body[at + 14..id_end];
    assert!(segment.body[at..].starts_with(&format!(
        "<datalist id=\"{id}\"><option value=\"eu-west\"></option><option value=\"us-east\"></option></datalist>"
    )));
    assert!(segment.body.contains(&format!(
        "<option value=\"region\" data-legal=\"{id}\">region</option>"
    )));
    assert!(segment
        .body
        .contains("<option value=\"userId\" data-legal=\"\">"));
    app.stop().await;
}

pub async fn ui_new_flag_name_is_checked_while_typed(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let (status, body) = app
        .admin(Method::POST, F, Some(json!({"name": "taken"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut browser = admin_browser(&app).await;
    let form = browser.get("/projects/default/features/new").await;
    assert!(form.body.contains(
        "data-check-url=\"/projects/default/features/new/name\" data-check-out=\"name-check\""
    ));
    assert!(form.body.contains(
        "<p class=\"error\" id=\"name-check\" role=\"status\" aria-live=\"polite\" hidden></p>"
    ));
    let check = |name: &str| {
        format!(
            "/projects/default/features/new/name?name={}",
            url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        )
    };
    for (name, problem) in [
        ("fresh-name", None),
        ("taken", Some("already")),
        ("not a valid name!", Some("URL friendly")),
        ("", Some("")),
    ] {
        let answer = browser.get(&check(name)).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}: {}", answer.body);
        let answer: Value = serde_json::from_str(&answer.body).expect("JSON");
        match problem {
            None => assert_eq!(answer, json!({"problem": null}), "{name}"),
            Some(words) => assert!(
                answer["problem"]
                    .as_str()
                    .is_some_and(|p| p.contains(words)),
                "{name}: {answer}"
            ),
        }
    }
    // Not signed in: the sign-in page, never the answer.
    let mut stranger = Browser::new(&app);
    let refused = stranger.get(&check("fresh-name")).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(refused.location(), "/login");
    app.stop().await;
}

async fn post(browser: &mut Browser, path: &str, form: &[(&'static str, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post(path, &pairs).await
}

/// An archived flag's pages open read-only (strategies, variants, event
/// log) with a Revive button that brings it back to its page.
pub async fn ui_archived_flag_reads_and_revives(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let page = format!("/projects/default/features/{FLAG}");
    let (status, body) = app
        .admin(Method::POST, F, Some(json!({"name": FLAG})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("{F}/{FLAG}/environments/development/strategies"),
            Some(json!({"name": "flexibleRollout",
                        "parameters": {"rollout": "50", "stickiness": "sessionId", "groupId": FLAG}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .admin(
            Method::PUT,
            &format!("{F}/{FLAG}/environments/development/variants"),
            Some(json!([{"name": "blue", "weight": 1000, "weightType": "variable", "stickiness": "default"}])),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let (status, body) = app
        .admin(Method::DELETE, &format!("{F}/{FLAG}"), None)
        .await;
    assert!(status.is_success(), "{status} {body}");
    let mut browser = admin_browser(&app).await;

    let archived = browser
        .get(&format!("{page}?environment=development"))
        .await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.body);
    let body = &archived.body;
    assert!(body.contains("<strong>Archived</strong> on "), "{body}");
    assert!(
        body.contains("50%") && body.contains("sessionId"),
        "its strategy is shown"
    );
    assert!(
        !body.contains("Edit strategy") && !body.contains("Turn on in"),
        "read-only"
    );
    assert!(!body.contains("Add strategy"));
    assert!(body.contains(&format!("action=\"{page}/revive\"")));
    assert!(body.contains(&format!("<button type=\"submit\">Revive {FLAG}</button>")));
    let variants = browser
        .get(&format!("{page}/variants?environment=development"))
        .await;
    assert_eq!(variants.status, StatusCode::OK, "{}", variants.body);
    assert!(variants.body.contains("<td>blue</td>") && !variants.body.contains("Save variants"));
    assert!(variants.body.contains("<strong>Archived</strong>"));
    let events = browser.get(&format!("{page}/events")).await;
    assert_eq!(events.status, StatusCode::OK);
    assert!(events.body.contains(">feature-archived</h2>"));
    assert!(events
        .body
        .contains(&format!("<button type=\"submit\">Revive {FLAG}</button>")));
    // Nothing can be changed while it is archived.
    let form = browser
        .get(&format!("{page}/environments/development/strategies/new"))
        .await;
    assert_eq!(form.status, StatusCode::NOT_FOUND);

    let csrf = archived.csrf();
    let revived = browser
        .post(
            &format!("{page}/revive"),
            &[("_csrf", csrf.as_str()), ("back", "page")],
        )
        .await;
    assert_eq!(revived.status, StatusCode::SEE_OTHER, "{}", revived.body);
    assert_eq!(revived.location(), page);
    let live = browser
        .get(&format!("{page}?environment=development"))
        .await;
    assert!(!live.body.contains("<strong>Archived</strong>"));
    assert!(live.body.contains("Edit strategy"));
    app.stop().await;
}
