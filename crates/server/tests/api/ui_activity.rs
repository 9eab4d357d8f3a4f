//! The web UI's flags list, new-flag form, archive and revive, metrics tab,
//! event log and playground, driven like a browser without JavaScript and
//! checked against what the admin and client APIs say.

use std::time::Instant;

use flagstaff_domain::ops::{
    self, Actor, Context, CreateFlag, CreateUser, FlagName, FlagType, HashedPassword, Limits,
    OpResult, Operation, ProjectId, RootRole,
};
use flagstaff_storage::{Store, WriteTx};

use crate::browser::*;
use crate::helpers::*;

const FLAGS: &str = "/projects/default/features";
const NEW: &str = "/projects/default/features/new";

/// Text between `start` and the next `end` after each `marker`.
fn each_after<'a>(body: &'a str, marker: &str, end: char) -> Vec<&'a str> {
    body.match_indices(marker)
        .map(|(at, _)| {
            let rest = &body[at + marker.len()..];
            &rest[..rest.find(end).unwrap_or(rest.len())]
        })
        .collect()
}

/// The flag names a flags or playground page lists, in order.
fn listed(body: &str) -> Vec<String> {
    body.split("<th scope=\"row\">")
        .skip(1)
        .filter_map(|row| {
            let at = row.find("class=\"name\"")?;
            let text = &row[at..];
            let start = text.find('>')? + 1;
            Some(text[start..start + text[start..].find('<')?].to_owned())
        })
        .collect()
}

/// What the admin search lists for `query` (names, sorted).
async fn searched(app: &TestApp, query: &str) -> Vec<String> {
    let (status, body) = app
        .admin(
            Method::GET,
            &format!("/api/admin/search/features?project=IS:default&limit=1000&sortBy=name&sortOrder=asc{query}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn flag_count(app: &TestApp) -> usize {
    searched(app, "").await.len()
}

/// A user with `role` made through the operations, signed in.
async fn browser_for(app: &TestApp, db: &Db, username: &str, role: RootRole) -> Browser {
    let store = Store::connect(&db.url()).await.expect("store");
    let cx = Context::new(Actor::named("test"), Limits::default());
    let user = CreateUser {
        username: username.to_owned(),
        email: None,
        name: None,
        password: HashedPassword::hash("their long password")
            .await
            .expect("hash"),
        root_role: role,
        only_if_first: false,
    };
    ops::apply(&store, &cx, user).await.expect("user created");
    store.close().await;
    let mut browser = Browser::new(app);
    let signed = browser.sign_in(username, "their long password").await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    browser
}

async fn post_metrics(app: &TestApp, app_name: &str, toggles: Value) {
    let now = chrono_now();
    let (status, body) = app
        .call(
            Method::POST,
            "/api/client/metrics",
            Some(CLIENT_DEV),
            Some(json!({
                "appName": app_name, "instanceId": "instance-1",
                "bucket": {"start": now, "stop": now, "toggles": toggles}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// Search and filters narrow the list exactly as the admin search does; the
/// list shows type, tags and last seen; the new-flag form creates through the
/// admin API's operation and refuses bad and taken names in place; archive
/// and revive; Viewers see everything and change nothing; CSRF is required.
pub async fn ui_flags_list_create_archive(db: Db) {
    let app = spawn_app_with(db.clone(), with_admin).await;
    let mut browser = admin_browser(&app).await;
    for (name, kind, tags) in [
        (
            "checkout-new",
            "release",
            json!([{"type": "simple", "value": "web"}]),
        ),
        ("checkout-old", "experiment", json!([])),
        (
            "search-bar",
            "operational",
            json!([{"type": "simple", "value": "web"}]),
        ),
        ("payments", "kill-switch", json!([])),
    ] {
        let (status, body) = app
            .admin(
                Method::POST,
                F,
                Some(json!({"name": name, "type": kind, "tags": tags, "description": format!("the {name} flag")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = app
        .admin(
            Method::PATCH,
            &format!("{F}/search-bar"),
            Some(json!([{"op": "replace", "path": "/stale", "value": true}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    post_metrics(&app, "shop", json!({"checkout-new": {"yes": 1, "no": 0}})).await;

    let page = browser.get(FLAGS).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(listed(&page.body), searched(&app, "").await);
    assert!(page.headers.contains_key("server-timing"));
    assert!(page.body.contains("4 flags"));
    assert!(page.body.contains("<li>simple:web</li>"));
    assert!(page.body.contains("kill-switch"));
    assert!(page.body.contains("<span class=\"badge\">stale</span>"));
    let hour = &chrono_now()[..13].replace('T', " ");
    let checkout_row = page
        .body
        .split("<tr>")
        .find(|row| row.contains("features/checkout-new\""))
        .expect("checkout-new's row");
    assert!(
        checkout_row.contains(&format!("{hour}:00")),
        "{checkout_row}"
    );
    assert!(page.body.contains("not seen"));

    // Each filter narrows the list to what the admin search finds.
    for (ui, api) in [
        ("?q=checkout", "&query=checkout"),
        ("?q=CHECKOUT-N", "&query=checkout-n"),
        ("?q=payments+flag", "&query=payments%20flag"),
        ("?type=experiment", "&type=IS:experiment"),
        ("?tag=simple%3Aweb", "&tag=IS:simple:web"),
        ("?state=stale", "&state=IS:stale"),
        ("?state=active", "&state=IS:active"),
        (
            "?q=checkout&tag=simple%3Aweb",
            "&query=checkout&tag=IS:simple:web",
        ),
    ] {
        let page = browser.get(&format!("{FLAGS}{ui}")).await;
        assert_eq!(page.status, StatusCode::OK, "{ui}");
        let expected = searched(&app, api).await;
        assert!(expected.len() < 4, "{ui} narrows");
        assert_eq!(listed(&page.body), expected, "{ui}");
    }
    assert_eq!(
        listed(&browser.get(&format!("{FLAGS}?type=experiment")).await.body),
        ["checkout-old"]
    );
    // The filters survive on the form and in the switch's way back.
    let filtered = browser
        .get(&format!("{FLAGS}?q=checkout&state=active"))
        .await;
    assert!(filtered
        .body
        .contains("id=\"q\" name=\"q\" type=\"search\" value=\"checkout\""));
    assert!(filtered.body.contains("<option value=\"active\" selected>"));
    let csrf = filtered.csrf();
    let toggle = "/projects/default/features/checkout-old/environments/development/toggle";
    let switched = browser
        .post(
            toggle,
            &[
                ("_csrf", &csrf),
                ("enabled", "true"),
                ("back", "?q=checkout&state=active"),
            ],
        )
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(
        switched.location(),
        "/projects/default/features?q=checkout&state=active"
    );
    // A tag filter that is not type:value: the message next to the field, the text kept.
    let bad = browser.get(&format!("{FLAGS}?tag=nocolon")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("id=\"tag-error\"") && bad.body.contains("value=\"nocolon\""));

    // The new-flag form: made through CreateFlag in the user's name.
    let form = browser.get(NEW).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("<label for=\"name\">") && form.body.contains("<label for=\"type\">")
    );
    let created = browser
        .post(
            NEW,
            &[
                ("_csrf", &csrf),
                ("name", "made-in-ui"),
                ("type", "experiment"),
                ("description", "Made in the web UI"),
                ("impression_data", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.location(), "/projects/default/features/made-in-ui");
    let (status, flag) = app
        .admin(Method::GET, &format!("{F}/made-in-ui"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{flag}");
    assert_eq!(flag["type"], "experiment");
    assert_eq!(flag["description"], "Made in the web UI");
    assert_eq!(flag["impressionData"], true);
    assert!(all_events(&app).await.iter().any(|e| {
        e["type"] == "feature-created"
            && e["featureName"] == "made-in-ui"
            && e["createdBy"] == ADMIN_USER
    }));

    // Taken, invalid, or of no known type: 400, the message by the field, values kept, nothing made.
    let flags_before = flag_count(&app).await;
    let events_before = all_events(&app).await.len();
    for (name, kind, field, says) in [
        ("checkout-new", "release", "name-error", "already exists"),
        ("bad name!", "release", "name-error", "URL friendly"),
        ("", "release", "name-error", "between 1 and 100"),
        (
            "fine-name",
            "nonsense",
            "type-error",
            "not a known feature type",
        ),
    ] {
        let refused = browser
            .post(
                NEW,
                &[
                    ("_csrf", &csrf),
                    ("name", name),
                    ("type", kind),
                    ("description", "kept <words>"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            refused.body.contains(&format!("id=\"{field}\"")),
            "{name}: {}",
            refused.body
        );
        assert!(refused.body.contains(says), "{name}: {}", refused.body);
        let kept = name.replace('!', "&#33;");
        assert!(
            refused.body.contains(&format!("value=\"{name}\"")) || refused.body.contains(&kept),
            "{name}"
        );
        assert!(
            refused.body.contains(">kept &#60;words&#62;</textarea>"),
            "{name}"
        );
    }
    // An archived flag's name is taken too (as the validate endpoint says).
    let (status, _) = app
        .admin(Method::DELETE, &format!("{F}/payments"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/features/validate",
            Some(json!({"name": "payments"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let refused = browser
        .post(
            NEW,
            &[("_csrf", &csrf), ("name", "payments"), ("type", "release")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused
        .body
        .contains("An archived flag with that name already exists"));
    assert_eq!(flag_count(&app).await, flags_before - 1);
    assert_eq!(
        all_events(&app).await.len(),
        events_before + 1,
        "only the archive"
    );

    // Archive behind a confirm page; the CSRF token is required.
    let confirm = browser.get(&format!("{FLAGS}/checkout-old/archive")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Archive checkout-old?"));
    let archive = format!("{FLAGS}/checkout-old/archive");
    for form in [vec![], vec![("_csrf", "wrong")]] {
        assert_eq!(
            browser.post(&archive, &form).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        app.admin(Method::GET, &format!("{F}/checkout-old"), None)
            .await
            .0,
        StatusCode::OK
    );
    let archived = browser
        .post(&archive, &[("_csrf", &csrf), ("confirmed", "yes")])
        .await;
    assert_eq!(archived.status, StatusCode::SEE_OTHER, "{}", archived.body);
    assert_eq!(
        app.admin(Method::GET, &format!("{F}/checkout-old"), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, archive_list) = app
        .admin(Method::GET, "/api/admin/archive/features", None)
        .await;
    assert!(flag_in(&archive_list, "checkout-old").is_some());
    let view = browser.get(&format!("{FLAGS}?archived=true")).await;
    assert_eq!(
        listed(&view.body),
        searched(&app, "&archived=IS:true").await
    );
    assert_eq!(listed(&view.body), ["checkout-old", "payments"]);
    // Each links its read-only page, which offers Revive.
    assert!(view
        .body
        .contains(&format!("href=\"{FLAGS}/checkout-old\">checkout-old</a>")));
    let archived_page = browser.get(&format!("{FLAGS}/checkout-old")).await;
    assert_eq!(archived_page.status, StatusCode::OK);
    assert!(archived_page.body.contains("Revive checkout-old"));
    assert!(!listed(&browser.get(FLAGS).await.body).contains(&"checkout-old".to_owned()));

    // Revive from the archived view: live again, switched off.
    let revive = format!("{FLAGS}/checkout-old/revive");
    assert_eq!(
        browser.post(&revive, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let revived = browser
        .post(&revive, &[("_csrf", &csrf), ("back", "?archived=true")])
        .await;
    assert_eq!(revived.status, StatusCode::SEE_OTHER, "{}", revived.body);
    assert_eq!(
        revived.location(),
        "/projects/default/features?archived=true"
    );
    let (status, flag) = app
        .admin(Method::GET, &format!("{F}/checkout-old"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{flag}");
    assert!(flag["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .all(|e| e["enabled"] == false));
    // A live flag, or one of another project, is not revived here.
    assert_eq!(
        browser.post(&revive, &[("_csrf", &csrf)]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser
            .post(
                "/projects/nope/features/payments/revive",
                &[("_csrf", &csrf)]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A Viewer sees the list and the activity pages, and changes nothing.
    let mut viewer = browser_for(&app, &db, "victor", RootRole::Viewer).await;
    let page = viewer.get(FLAGS).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/features/new") && !page.body.contains("/archive\""));
    for path in [
        "/events",
        "/playground?environment=development",
        "/projects/default/features/checkout-new/metrics",
        "/projects/default/features/checkout-new/events",
    ] {
        assert_eq!(viewer.get(path).await.status, StatusCode::OK, "{path}");
    }
    let viewer_csrf = page.csrf();
    let flags_before = flag_count(&app).await;
    let events_before = all_events(&app).await.len();
    assert_eq!(viewer.get(NEW).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        viewer
            .get(&format!("{FLAGS}/checkout-new/archive"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for (path, form) in [
        (
            NEW.to_owned(),
            vec![
                ("_csrf", viewer_csrf.as_str()),
                ("name", "viewer-flag"),
                ("type", "release"),
            ],
        ),
        (
            format!("{FLAGS}/checkout-new/archive"),
            vec![("_csrf", viewer_csrf.as_str())],
        ),
        (
            format!("{FLAGS}/payments/revive"),
            vec![("_csrf", viewer_csrf.as_str())],
        ),
    ] {
        assert_eq!(
            viewer.post(&path, &form).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // Without the token the new-flag form is refused too.
    assert_eq!(
        browser
            .post(NEW, &[("name", "no-token"), ("type", "release")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(flag_count(&app).await, flags_before);
    assert_eq!(all_events(&app).await.len(), events_before);
    app.stop().await;
}

/// Makes many flags in one change: each is `CreateFlag`, so they are what
/// the admin API would make, without 10,000 requests.
struct ManyFlags(Vec<CreateFlag>);

impl Operation for ManyFlags {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        for flag in self.0 {
            flag.run(w, cx).await?;
        }
        Ok(())
    }
}

/// 10,000 flags: the list is 100 a page, the search narrows it, and the page
/// time is printed (the query is a bounded, indexed page; not asserted).
pub async fn ui_flags_list_of_10000(db: Db) {
    let app = spawn_app_with(db.clone(), with_admin).await;
    let mut browser = admin_browser(&app).await;
    let started = Instant::now();
    let store = Store::connect(&db.url()).await.expect("store");
    let cx = Context::new(Actor::named("test"), Limits::default());
    let project = ProjectId::parse("default").expect("id");
    let flags = (0..10_000)
        .map(|i| CreateFlag {
            project: project.clone(),
            name: FlagName::parse(&format!("flag-{i:05}")).expect("name"),
            flag_type: if i % 10 == 0 {
                FlagType::Experiment
            } else {
                FlagType::Release
            },
            description: None,
            impression_data: false,
            tags: Vec::new(),
        })
        .collect();
    ops::apply(&store, &cx, ManyFlags(flags))
        .await
        .expect("flags made");
    store.close().await;
    println!("made 10,000 flags in {:?}", started.elapsed());

    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let page = browser.get(FLAGS).await;
        let client = started.elapsed();
        assert_eq!(page.status, StatusCode::OK);
        let server = page.headers["server-timing"]
            .to_str()
            .expect("text")
            .to_owned();
        times.push((client, server));
        let names = listed(&page.body);
        assert_eq!(names.len(), 100);
        assert_eq!(names[0], "flag-00000");
        assert!(page.body.contains("10000 flags") && page.body.contains("page 1 of 100"));
    }
    println!("flags page with 10,000 flags (client time, server time): {times:?}");
    let last = browser.get(&format!("{FLAGS}?page=99")).await;
    assert_eq!(
        listed(&last.body).last().map(String::as_str),
        Some("flag-09999")
    );
    assert!(!last.body.contains("Next page"));
    let started = Instant::now();
    let found = browser
        .get(&format!("{FLAGS}?q=flag-0999&type=experiment"))
        .await;
    println!(
        "searched 10,000 flags in {:?} ({})",
        started.elapsed(),
        found.headers["server-timing"].to_str().expect("text")
    );
    assert_eq!(listed(&found.body), ["flag-09990"]);
    assert_eq!(
        listed(&found.body),
        searched(&app, "&query=flag-0999&type=IS:experiment").await
    );
    app.stop().await;
}

/// Unescaped text of the diff lines of `kind` (`added`, `removed`).
fn diff_lines(body: &str, kind: &str) -> Vec<String> {
    each_after(body, &format!("<span class=\"line {kind}\">"), '\n')
        .into_iter()
        .map(|line| {
            let line = line.split("</span>").nth(1).unwrap_or(line);
            line.replace("&#34;", "\"")
        })
        .collect()
}

/// SDK metrics posted to the client API appear in the metrics tab: the
/// chart (with its title) and a table with the same counts, the share
/// enabled, the variant split and the application.
pub async fn ui_metrics_tab(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    create_flags(&app, &["charted", "quiet"]).await;
    post_metrics(
        &app,
        "checkout-web",
        json!({"charted": {"yes": 7, "no": 3, "variants": {"blue": 5, "red": 2}}}),
    )
    .await;
    post_metrics(
        &app,
        "checkout-ios",
        json!({"charted": {"yes": 1, "no": 1}}),
    )
    .await;
    let (_, raw) = app
        .admin(
            Method::GET,
            "/api/admin/client-metrics/features/charted/raw?hoursBack=1",
            None,
        )
        .await;
    let yes: u64 = raw["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|d| d["yes"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(yes, 8);

    for (hours, name) in [("1", "1 h"), ("24", "24 h"), ("48", "48 h")] {
        let page = browser
            .get(&format!("{FLAGS}/charted/metrics?hours={hours}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = &page.body;
        assert!(body.contains("<svg class=\"chart\""), "{body}");
        assert!(body.contains("<title id=\"chart-0-title\">Exposures of charted in development"));
        assert!(body.contains(&format!("aria-current=\"page\">Last {name}</a>")));
        // The hours end with this one; the axis says the date.
        let dated = |days: i64| {
            let day = chrono::Utc::now() - chrono::Duration::days(days);
            format!("text-anchor=\"middle\">{}", day.format("%b %-d "))
        };
        assert!((0..=2).any(|d| body.contains(&dated(d))), "{body}");
        assert!(
            !body.contains("Last 7 d"),
            "not retained (48 hours by default)"
        );
        // The hour's variants, beside its counts.
        assert!(
            body.contains("<td>66.7%</td><td>blue 5, red 2</td>"),
            "{body}"
        );
        // The table: this hour's counts (both applications), then the total.
        let hour = chrono_now()[..13].replace('T', " ");
        assert!(
            body.contains(&format!(
                "<th scope=\"row\">{hour}:00</th><td>8</td><td>4</td><td>12</td><td>66.7%</td>"
            )),
            "{body}"
        );
        assert!(body.contains(
            "<th scope=\"row\">All hours</th><td>8</td><td>4</td><td>12</td><td>66.7%</td>"
        ));
        assert!(body.contains("<th scope=\"row\">blue</th><td>5</td><td>71.4%</td>"));
        assert!(body.contains("<th scope=\"row\">red</th><td>2</td><td>28.6%</td>"));
        assert!(body.contains(">checkout-ios</span>") && body.contains(">checkout-web</span>"));
        assert!(body.contains("Nothing reported in: production."));
        // No inline script or style (the CSP allows neither): only the UI's own files.
        assert!(
            body.matches("<script").count()
                == body.matches("<script type=\"module\" src=\"/ui/").count()
                && !body.contains("style=")
        );
    }
    // One application's reports only; the window links keep the choice.
    let web = browser
        .get(&format!("{FLAGS}/charted/metrics?hours=1&app=checkout-web"))
        .await;
    assert!(
        web.body
            .contains("<option value=\"checkout-web\" selected>"),
        "{}",
        web.body
    );
    assert!(
        web.body.contains("10 exposures: 7 enabled, 3 disabled"),
        "{}",
        web.body
    );
    assert!(
        web.body.contains("?hours=24&#38;app=checkout-web"),
        "{}",
        web.body
    );
    // A window that is not retained falls back to 24 hours.
    let week = browser
        .get(&format!("{FLAGS}/charted/metrics?hours=168"))
        .await;
    assert!(week.body.contains("aria-current=\"page\">Last 24 h</a>"));
    let quiet = browser.get(&format!("{FLAGS}/quiet/metrics")).await;
    assert_eq!(quiet.status, StatusCode::OK);
    assert!(quiet
        .body
        .contains("No SDK reported this flag in the last 24 h."));
    assert_eq!(
        browser
            .get(&format!("{FLAGS}/missing/metrics"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser
            .get("/projects/nope/features/charted/metrics")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// The event log shows who changed what with a line diff, its filters
/// narrow it as the admin event search does, and it pages by keyset.
pub async fn ui_event_log(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    let (status, _) = app
        .admin(
            Method::POST,
            F,
            Some(json!({"name": "diffed", "description": "old words"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::PATCH,
            &format!("{F}/diffed"),
            Some(json!([{"op": "replace", "path": "/description", "value": "new words"}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // A change in the UI, in the user's name.
    let csrf = browser.get(FLAGS).await.csrf();
    let switched = browser
        .post(
            "/projects/default/features/diffed/environments/development/toggle",
            &[("_csrf", &csrf), ("enabled", "true")],
        )
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);

    let page = browser.get(&format!("{FLAGS}/diffed/events")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("aria-current=\"page\">Event log"));
    for kind in [
        "feature-metadata-updated",
        "feature-created",
        "feature-environment-enabled",
    ] {
        assert!(body.contains(&format!(">{kind}</h2>")), "{kind}");
    }
    let removed = diff_lines(body, "removed");
    let added = diff_lines(body, "added");
    assert!(
        removed
            .iter()
            .any(|l| l == "-   \"description\": \"old words\","),
        "{removed:?}"
    );
    assert!(
        added
            .iter()
            .any(|l| l == "+   \"description\": \"new words\","),
        "{added:?}"
    );
    // The created event is all additions, and the kind is said in words too.
    assert!(
        added
            .iter()
            .any(|l| l == "+   \"description\": \"old words\","),
        "{added:?}"
    );
    assert!(body.contains("<span class=\"visually-hidden\">removed: </span>"));
    assert!(body.contains("<dd>alice</dd>"));

    // Filters narrow it as the admin search does.
    let (_, api) = app
        .admin(
            Method::GET,
            "/api/admin/search/events?feature=diffed&createdBy=alice",
            None,
        )
        .await;
    // The switch added the default strategy, then switched on.
    assert_eq!(api["total"], 2);
    let mine = browser
        .get(&format!("{FLAGS}/diffed/events?createdBy=alice"))
        .await;
    assert!(
        mine.body.contains("2 events,") && mine.body.contains(">feature-environment-enabled</h2>")
    );
    assert!(!mine.body.contains(">feature-created</h2>"));
    let bulk: Vec<String> = (0..55).map(|i| format!("bulk-{i:02}")).collect();
    create_flags(&app, &bulk.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let (_, api) = app
        .admin(
            Method::GET,
            "/api/admin/search/events?type=feature-created",
            None,
        )
        .await;
    let total = api["total"].as_i64().expect("total");
    assert_eq!(total, 56);
    let created = browser.get("/events?type=feature-created").await;
    assert_eq!(created.status, StatusCode::OK);
    assert!(created.body.contains(&format!("{total} events,")));
    let types = each_after(&created.body, "<h2 id=\"event-", '<');
    assert_eq!(types.len(), 50, "50 a page");
    assert!(
        types.iter().all(|t| t.ends_with(">feature-created")),
        "{types:?}"
    );
    let older = each_after(&created.body, "<a href=\"/events?", '"');
    let older = older.last().expect("an older page").replace("&#38;", "&");
    let second = browser.get(&format!("/events?{older}")).await;
    let rest = each_after(&second.body, "<h2 id=\"event-", '<');
    assert_eq!(rest.len(), 6);
    assert!(second.body.contains(">diffed</a>") && second.body.contains("Newer events"));
    assert!(second.body.contains("Page 2 of 2") && !second.body.contains("Older events"));
    // Events recorded meanwhile do not shift the pages: they hang from the first page's newest.
    create_flags(&app, &["late-comer"]).await;
    let again = browser.get(&format!("/events?{older}")).await;
    assert_eq!(each_after(&again.body, "<h2 id=\"event-", '<'), rest);
    let newer = each_after(&second.body, "<a href=\"/events?", '"');
    let newer = newer.first().expect("a newer page").replace("&#38;", "&");
    let first = browser.get(&format!("/events?{newer}")).await;
    assert_eq!(each_after(&first.body, "<h2 id=\"event-", '<'), types);
    assert!(first.body.contains("Page 1 of 2") && !first.body.contains("Newer events"));
    // The filters are selects: every event kind, and the users.
    assert!(created
        .body
        .contains("<select id=\"type\" name=\"type\"><option value=\"\">Any type</option>"));
    assert!(created
        .body
        .contains("<option value=\"feature-created\" selected>feature-created</option>"));
    assert!(created
        .body
        .contains("<option value=\"segment-created\">segment-created</option>"));
    assert!(created.body.contains("<select id=\"createdBy\" name=\"createdBy\"><option value=\"\">Anyone</option><option value=\"alice\">alice</option>"));
    for (ui, api, count) in [
        ("?feature=bulk-07", "?feature=bulk-07", 1),
        (
            "?project=default&type=feature-environment-enabled",
            "?project=default&type=feature-environment-enabled",
            1,
        ),
        ("?createdBy=alice", "?createdBy=alice", 2),
        ("?createdBy=nobody", "?createdBy=nobody", 0),
    ] {
        let page = browser.get(&format!("/events{ui}")).await;
        let shown = each_after(&page.body, "<h2 id=\"event-", '<').len();
        let (_, found) = app
            .admin(Method::GET, &format!("/api/admin/search/events{api}"), None)
            .await;
        assert_eq!(found["total"], count, "{api}");
        assert_eq!(shown, count, "{ui}");
    }
    // A strategy's segments are shown by name in the diff, not by id.
    let (status, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "beta-testers", "constraints": []})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{segment}");
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("{F}/diffed/environments/production/strategies"),
            Some(json!({"name": "default", "segments": [segment["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = browser
        .get(&format!("{FLAGS}/diffed/events?type=feature-strategy-add"))
        .await;
    let added = diff_lines(&page.body, "added");
    let value = |l: &String| {
        l.trim_start_matches('+')
            .trim()
            .trim_end_matches(',')
            .to_owned()
    };
    assert!(
        added.iter().any(|l| value(l) == "\"beta-testers\""),
        "{added:?}"
    );
    let id = segment["id"].to_string();
    assert!(!added.iter().any(|l| value(l) == id), "{added:?}");
    assert_eq!(
        browser.get(&format!("{FLAGS}/missing/events")).await.status,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// The playground shows each flag's result for the context and why: the
/// strategy that decided and each constraint's outcome, as the admin
/// playground evaluates it; bad input is the form again with the message.
pub async fn ui_playground(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut browser = admin_browser(&app).await;
    create_flags(&app, &["gated", "regional", "dark"]).await;
    for (flag, constraint) in [
        (
            "gated",
            json!({"contextName": "userId", "operator": "IN", "values": ["alice", "ann"]}),
        ),
        (
            "regional",
            json!({"contextName": "region", "operator": "IN", "values": ["eu"]}),
        ),
    ] {
        let (status, body) = app
            .admin(
                Method::POST,
                &format!("{F}/{flag}/environments/development/strategies"),
                Some(json!({"name": "flexibleRollout", "parameters": {"rollout": "100"}, "constraints": [constraint]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{F}/{flag}/environments/development/on"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let form = browser.get("/playground").await;
    assert_eq!(form.status, StatusCode::OK);
    for field in [
        "environment",
        "userId",
        "sessionId",
        "remoteAddress",
        "appName",
        "currentTime",
        "properties",
    ] {
        assert!(
            form.body.contains(&format!("<label for=\"{field}\">")),
            "{field}"
        );
    }
    let row = |body: &str, flag: &str| -> String {
        let marker = format!(
            "<th scope=\"row\"><a class=\"name\" href=\"/projects/default/features/{flag}\">"
        );
        let at = body
            .find(&marker)
            .unwrap_or_else(|| panic!("{flag} in {body}"));
        body[at..at + body[at..].find("</tr>").expect("row end")].to_owned()
    };
    let api = |user: &'static str| json!({"environment": "development", "context": {"userId": user, "properties": {"region": "eu"}}});
    for (user, on) in [("alice", true), ("bob", false)] {
        let page = browser
            .get(&format!(
                "/playground?environment=development&userId={user}&properties=region%3Deu"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(listed(&page.body), ["dark", "gated", "regional"]);
        let gated = row(&page.body, "gated");
        let (_, answer) = app
            .admin(Method::POST, "/api/admin/playground", Some(api(user)))
            .await;
        let from_api = flag_in(&answer, "gated").expect("gated");
        assert_eq!(from_api["isEnabled"], on);
        assert!(gated.contains(
            &from_api["reason"]
                .as_str()
                .expect("reason")
                .replace('"', "&#34;")
        ));
        assert!(
            gated.contains("<code>userId IN [alice, ann]</code>"),
            "{gated}"
        );
        assert!(
            gated.contains(&format!("saw &#34;{user}&#34;: <strong>{on}</strong>")),
            "{gated}"
        );
        if on {
            assert!(gated.contains("<span class=\"result-on\">On</span>"));
            assert!(gated.contains("strategy 0 (flexibleRollout) matched"));
            assert!(gated.contains("this strategy switched the flag on"));
        } else {
            assert!(gated.contains("<span class=\"result-off\">Off</span>"));
            assert!(gated.contains("no strategy matched"));
        }
        // A free property decides the regional flag.
        let regional = row(&page.body, "regional");
        assert!(
            regional.contains("result-on")
                && regional.contains("saw &#34;eu&#34;: <strong>true</strong>")
        );
        assert!(row(&page.body, "dark").contains("the flag is switched off"));
        assert!(page.body.contains(&format!("value=\"{user}\"")));
    }
    let production = browser
        .get("/playground?environment=production&userId=alice")
        .await;
    assert!(row(&production.body, "gated").contains("result-off"));
    // Bad input: the form again, the message by the field, the text kept.
    let unknown = browser.get("/playground?environment=nowhere").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("id=\"environment-error\""));
    let garbled = browser
        .get("/playground?environment=development&properties=region%3Deu%0Agarbage")
        .await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    assert!(garbled.body.contains("id=\"properties-error\"") && garbled.body.contains("Line 2"));
    assert!(garbled.body.contains(">region=eu\ngarbage</textarea>"));
    app.stop().await;
}
