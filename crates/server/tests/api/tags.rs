//! Tag types, tags and flag tags with Unleash 8's bodies and statuses, the
//! event log's `tags`, and the client API's `tag` filter (ETags, deltas).

use crate::helpers::*;

const TAG_TYPES: &str = "/api/admin/tag-types";
const TAGS: &str = "/api/admin/tags";

fn flag_tags(name: &str) -> String {
    format!("/api/admin/features/{name}/tags")
}

/// The types of the events recorded after `before` events, oldest first.
async fn new_event_types(app: &TestApp, before: usize) -> Vec<String> {
    let events = all_events(app).await;
    let mut types: Vec<String> = events[..events.len() - before]
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("").to_owned())
        .collect();
    types.reverse();
    types
}

pub async fn tag_routes(db: Db) {
    let app = spawn_app(db).await;
    // A fresh server has Unleash's `simple` tag type.
    let (status, body) = app.admin(Method::GET, TAG_TYPES, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["version"], 1);
    assert_eq!(body["tagTypes"][0]["name"], "simple", "{body}");

    let team =
        json!({"name": "team", "description": "Owning team", "icon": "people", "color": "#1a2b3c"});
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("{TAG_TYPES}/validate"),
            Some(team.clone()),
        )
        .await;
    assert_eq!(
        (status, body["valid"].clone()),
        (StatusCode::OK, json!(true))
    );
    assert_eq!(body["tagType"]["name"], "team");
    let response = app
        .http
        .post(format!("{}{TAG_TYPES}", app.base))
        .header("Authorization", ADMIN)
        .json(&team)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["location"], "tag-types/team");
    let created: Value = response.json().await.expect("json");
    assert_eq!(created, team);
    let (status, body) = app
        .admin(Method::GET, &format!("{TAG_TYPES}/team"), None)
        .await;
    assert_eq!((status, &body["tagType"]), (StatusCode::OK, &team));
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{TAG_TYPES}/team"),
            Some(json!({"description": "Who owns it", "icon": "people"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = app
        .admin(Method::GET, &format!("{TAG_TYPES}/team"), None)
        .await;
    assert_eq!(body["tagType"]["description"], "Who owns it");

    // Tags: created explicitly (201 with Location), listed, read, by type.
    let response = app
        .http
        .post(format!("{}{TAGS}", app.base))
        .header("Authorization", ADMIN)
        .json(&json!({"type": "simple", "value": "beta"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["location"], "tags/simple/beta");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({"version": 1, "tag": {"type": "simple", "value": "beta"}})
    );
    let (status, body) = app
        .admin(Method::GET, &format!("{TAGS}/simple/beta"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tag"], json!({"type": "simple", "value": "beta"}));

    // Flag tags: POST (201, creating the tag when new), GET, PUT, DELETE.
    create_flags(&app, &["checkout"]).await;
    let before = all_events(&app).await.len();
    let (status, body) = app
        .admin(
            Method::POST,
            &flag_tags("checkout"),
            Some(json!({"type": "team", "value": "payments"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body, json!({"type": "team", "value": "payments"}));
    assert_eq!(
        new_event_types(&app, before).await,
        ["tag-created", "feature-tagged"]
    );
    let tagged = &all_events(&app).await[0];
    assert_eq!(tagged["featureName"], "checkout");
    assert_eq!(tagged["project"], "default");
    assert_eq!(tagged["data"], json!({"type": "team", "value": "payments"}));
    assert_eq!(
        tagged["tags"],
        json!([{"type": "team", "value": "payments"}]),
        "an event carries the flag's tags"
    );
    let (status, body) = app
        .admin(
            Method::PUT,
            &flag_tags("checkout"),
            Some(json!({
                "addedTags": [{"type": "simple", "value": "beta"}, {"type": "simple", "value": "eu"}],
                "removedTags": [{"type": "team", "value": "payments"}]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"version": 1, "tags": [
            {"type": "simple", "value": "beta"}, {"type": "simple", "value": "eu"}
        ]})
    );
    let (_, body) = app.admin(Method::GET, &flag_tags("checkout"), None).await;
    assert_eq!(body["tags"].as_array().map(Vec::len), Some(2));
    let (_, flag) = app.admin(Method::GET, &format!("{F}/checkout"), None).await;
    assert_eq!(flag["tags"], body["tags"], "the flag view shows its tags");
    let (_, list) = app.admin(Method::GET, F, None).await;
    assert_eq!(
        flag_in(&list, "checkout").expect("listed")["tags"],
        body["tags"]
    );
    let untagged = all_events(&app)
        .await
        .into_iter()
        .find(|e| e["type"] == "feature-untagged")
        .expect("untagged");
    assert_eq!(
        untagged["preData"],
        json!({"type": "team", "value": "payments"})
    );
    // Switching on records the flag's tags as they are then.
    app.admin(
        Method::POST,
        &format!("{F}/checkout/environments/development/on"),
        None,
    )
    .await;
    assert_eq!(all_events(&app).await[0]["tags"], body["tags"]);
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("{}/simple/eu", flag_tags("checkout")),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = app.admin(Method::GET, &flag_tags("checkout"), None).await;
    assert_eq!(body["tags"], json!([{"type": "simple", "value": "beta"}]));

    // A flag created with tags (Unleash's create body).
    let (status, body) = app
        .admin(
            Method::POST,
            F,
            Some(json!({"name": "banner", "tags": [{"type": "simple", "value": "eu"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["tags"], json!([{"type": "simple", "value": "eu"}]));
    let (_, body) = app.admin(Method::GET, TAGS, None).await;
    let values: Vec<&str> = body["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["value"].as_str())
        .collect();
    assert_eq!(values, ["beta", "eu", "payments"]);
    let (_, body) = app.admin(Method::GET, &format!("{TAGS}/team"), None).await;
    assert_eq!(body["tags"], json!([{"type": "team", "value": "payments"}]));

    // Deleting a tag takes it off its flags; deleting a type takes its tags.
    let (status, _) = app
        .admin(Method::DELETE, &format!("{TAGS}/simple/eu"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = app.admin(Method::GET, &flag_tags("banner"), None).await;
    assert_eq!(body["tags"], json!([]));
    app.admin(
        Method::POST,
        &flag_tags("banner"),
        Some(json!({"type": "team", "value": "growth"})),
    )
    .await;
    let (status, _) = app
        .admin(Method::DELETE, &format!("{TAG_TYPES}/team"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = app.admin(Method::GET, &flag_tags("banner"), None).await;
    assert_eq!(body["tags"], json!([]));
    let (status, _) = app
        .admin(Method::GET, &format!("{TAGS}/team/growth"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .admin(Method::GET, &format!("{TAG_TYPES}/team"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// Bad input is a 4xx in Unleash's error shape and records nothing.
pub async fn bad_tag_input_changes_nothing(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["checkout"]).await;
    app.admin(
        Method::POST,
        &flag_tags("checkout"),
        Some(json!({"type": "simple", "value": "beta"})),
    )
    .await;
    let before = all_events(&app).await;
    let cases: Vec<(&str, Method, String, Value, StatusCode)> = vec![
        (
            "unknown tag type on a flag",
            Method::POST,
            flag_tags("checkout"),
            json!({"type": "nope", "value": "beta"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "unknown tag type",
            Method::POST,
            TAGS.into(),
            json!({"type": "nope", "value": "beta"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "duplicate flag tag",
            Method::POST,
            flag_tags("checkout"),
            json!({"type": "simple", "value": "beta"}),
            StatusCode::CONFLICT,
        ),
        (
            "duplicate tag",
            Method::POST,
            TAGS.into(),
            json!({"type": "simple", "value": "beta"}),
            StatusCode::CONFLICT,
        ),
        (
            "duplicate tag type",
            Method::POST,
            TAG_TYPES.into(),
            json!({"name": "simple"}),
            StatusCode::CONFLICT,
        ),
        (
            "validate a taken name",
            Method::POST,
            format!("{TAG_TYPES}/validate"),
            json!({"name": "simple"}),
            StatusCode::CONFLICT,
        ),
        (
            "tag type name not URL friendly",
            Method::POST,
            TAG_TYPES.into(),
            json!({"name": "has space"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "tag type name too short",
            Method::POST,
            TAG_TYPES.into(),
            json!({"name": "x"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "bad colour",
            Method::POST,
            TAG_TYPES.into(),
            json!({"name": "colourful", "color": "#12345g"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "tag value too short",
            Method::POST,
            flag_tags("checkout"),
            json!({"type": "simple", "value": "x"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "tag value too long",
            Method::POST,
            TAGS.into(),
            json!({"type": "simple", "value": "x".repeat(51)}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "no value",
            Method::POST,
            TAGS.into(),
            json!({"type": "simple"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "one bad tag in a PUT changes none",
            Method::PUT,
            flag_tags("checkout"),
            json!({"addedTags": [{"type": "simple", "value": "fine"}, {"type": "nope", "value": "bad"}],
                   "removedTags": [{"type": "simple", "value": "beta"}]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "PUT without removedTags",
            Method::PUT,
            flag_tags("checkout"),
            json!({"addedTags": []}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "too many tags in one change",
            Method::PUT,
            flag_tags("checkout"),
            json!({"addedTags": (0..1001).map(|i| json!({"value": format!("t{i}")})).collect::<Vec<_>>(),
                   "removedTags": []}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "tags of a flag that does not exist",
            Method::POST,
            flag_tags("missing"),
            json!({"type": "simple", "value": "beta"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "a new flag with a tag of an unknown type",
            Method::POST,
            F.into(),
            json!({"name": "tagged", "tags": [{"type": "nope", "value": "beta"}]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "update an unknown tag type",
            Method::PUT,
            format!("{TAG_TYPES}/nope"),
            json!({"description": "x"}),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (case, method, path, body, expected) in cases {
        let (status, answer) = app.admin(method, &path, Some(body)).await;
        assert_eq!(status, expected, "{case}: {answer}");
        assert!(
            answer["name"].is_string() && answer["message"].is_string(),
            "{case}: {answer}"
        );
    }
    let (status, _) = app.admin(Method::GET, &flag_tags("missing"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Deleting what is not there answers 200, as Unleash, and records nothing.
    for path in [
        format!("{TAGS}/simple/never"),
        format!("{TAG_TYPES}/never"),
        format!("{}/simple/never", flag_tags("checkout")),
    ] {
        let (status, _) = app.admin(Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    assert_eq!(all_events(&app).await, before, "nothing was recorded");
    let (_, body) = app.admin(Method::GET, &flag_tags("checkout"), None).await;
    assert_eq!(body["tags"], json!([{"type": "simple", "value": "beta"}]));
    let (_, flags) = app.admin(Method::GET, F, None).await;
    assert!(flag_in(&flags, "tagged").is_none());
    app.stop().await;
}

/// `GET /api/client/features?tag=type:value` keeps the flags with any of the
/// tags; the filter is part of the ETag, and a flag gaining the tag moves it.
pub async fn client_tag_filter(db: Db) {
    let app = spawn_app(db.clone()).await;
    create_flags(&app, &["checkout", "banner", "search"]).await;
    for (flag, tag) in [("checkout", "checkout"), ("banner", "marketing")] {
        let (status, _) = app
            .admin(
                Method::POST,
                &flag_tags(flag),
                Some(json!({"type": "simple", "value": tag})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let get = |query: &'static str, etag: Option<String>| {
        let mut request = app
            .http
            .get(format!("{}/api/client/features{query}", app.base))
            .header("Authorization", CLIENT_DEV);
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        async move {
            let response = request.send().await.expect("answered");
            let status = response.status();
            let etag = response
                .headers()
                .get("etag")
                .map(|v| v.to_str().expect("etag").to_owned());
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let names: Vec<String> = body["features"]
                .as_array()
                .map(|fs| {
                    fs.iter()
                        .map(|f| f["name"].as_str().unwrap_or("").to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (status, etag, names, body)
        }
    };
    let (_, all_etag, names, _) = get("", None).await;
    assert_eq!(names.len(), 3);
    let (_, etag, names, body) = get("?tag=simple:checkout", None).await;
    assert_eq!(names, ["checkout"]);
    assert_eq!(body["query"]["tag"], json!([["simple", "checkout"]]));
    assert!(
        body["features"][0].get("tags").is_none(),
        "tags are not part of the client document"
    );
    let etag = etag.expect("etag");
    assert_ne!(Some(&etag), all_etag.as_ref());
    let (_, _, names, _) = get("?tag=simple:checkout&tag=simple:marketing", None).await;
    assert_eq!(names, ["banner", "checkout"], "any of the tags");
    // Filters that select the same flags share one ETag.
    let (_, same, _, _) = get("?tag=simple:checkout&tag=simple:no-such-tag", None).await;
    assert_eq!(same.as_ref(), Some(&etag));
    let (_, nothing, names, _) = get("?tag=simple:no-such-tag", None).await;
    assert!(names.is_empty());
    let (_, nothing_again, _, _) = get("?tag=not-a-tag", None).await;
    assert_eq!(nothing, nothing_again);
    let (status, _, _, _) = get("?tag=simple:checkout", Some(etag.clone())).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    // A flag gaining the tag moves the ETag and appears.
    let (status, _) = app
        .admin(
            Method::PUT,
            &flag_tags("search"),
            Some(
                json!({"addedTags": [{"type": "simple", "value": "checkout"}], "removedTags": []}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, moved, names, _) = get("?tag=simple:checkout", Some(etag.clone())).await;
    assert_eq!(status, StatusCode::OK, "the ETag moved");
    assert_ne!(moved.as_ref(), Some(&etag));
    assert_eq!(names, ["checkout", "search"]);
    // A fresh start (snapshots built whole) filters the same.
    let fresh = spawn_app(db.clone()).await;
    let (_, document) = fresh
        .call(
            Method::GET,
            "/api/client/features?tag=simple:checkout",
            Some(CLIENT_DEV),
            None,
        )
        .await;
    let fresh_names: Vec<&str> = document["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(fresh_names, ["checkout", "search"]);
    fresh.stop().await;

    // The delta API honours the filter: a flag losing the tag is removed.
    let delta = |etag: Option<String>| {
        let mut request = app
            .http
            .get(format!("{}/api/client/delta?tag=simple:checkout", app.base))
            .header("Authorization", CLIENT_DEV);
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        async move {
            let response = request.send().await.expect("answered");
            let etag = response.headers()["etag"]
                .to_str()
                .expect("etag")
                .to_owned();
            (etag, response.json::<Value>().await.expect("json"))
        }
    };
    let (revision, hydration) = delta(None).await;
    let hydrated: Vec<&str> = hydration["events"][0]["features"]
        .as_array()
        .expect("hydration")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(hydrated, ["checkout", "search"]);
    app.admin(
        Method::DELETE,
        &format!("{}/simple/checkout", flag_tags("search")),
        None,
    )
    .await;
    app.admin(
        Method::POST,
        &format!("{F}/banner/environments/development/on"),
        None,
    )
    .await;
    let (_, changes) = delta(Some(revision)).await;
    let events: Vec<(String, String)> = changes["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let name = e["featureName"].as_str().or(e["feature"]["name"].as_str());
            (
                e["type"].as_str().unwrap_or("").to_owned(),
                name.unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        events.contains(&("feature-removed".to_owned(), "search".to_owned())),
        "{changes}"
    );
    assert!(
        !events.iter().any(|(kind, _)| kind == "feature-updated"),
        "banner is not tagged checkout: {changes}"
    );
    // Deleting the tag takes it off its flags: the filter selects nothing.
    let (_, before, _, _) = get("?tag=simple:checkout", None).await;
    let (status, _) = app
        .admin(Method::DELETE, "/api/admin/tags/simple/checkout", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, after, names, _) = get("?tag=simple:checkout", before.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(names.is_empty());
    assert_ne!(after, before);
    check_against_fresh_start(&app, &db, "a tag deleted").await;
    app.stop().await;
}

/// Flag search by tag (Unleash's operators) and by creator; each result has
/// its environments and tags.
pub async fn search_by_tag(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["alpha", "bravo", "charlie"]).await;
    for (flag, tags) in [("alpha", vec!["beta"]), ("bravo", vec!["beta", "eu"])] {
        let added: Vec<Value> = tags
            .iter()
            .map(|v| json!({"type": "simple", "value": v}))
            .collect();
        let (status, _) = app
            .admin(
                Method::PUT,
                &flag_tags(flag),
                Some(json!({"addedTags": added, "removedTags": []})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    app.admin(
        Method::POST,
        &format!("{F}/bravo/environments/development/on"),
        None,
    )
    .await;
    let find = |query: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app
                .admin(
                    Method::GET,
                    &format!("/api/admin/search/features?sortBy=name&sortOrder=asc&{query}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            let names: Vec<String> = body["features"]
                .as_array()
                .expect("features")
                .iter()
                .map(|f| f["name"].as_str().unwrap_or("").to_owned())
                .collect();
            (names, body)
        }
    };
    assert_eq!(find("tag=IS:simple:beta").await.0, ["alpha", "bravo"]);
    assert_eq!(find("tag=simple:beta").await.0, ["alpha", "bravo"]);
    assert_eq!(
        find("tag=IS_ANY_OF:simple:eu,simple:gamma").await.0,
        ["bravo"]
    );
    assert_eq!(
        find("tag=INCLUDE_ALL_OF:simple:beta,simple:eu").await.0,
        ["bravo"]
    );
    assert_eq!(find("tag=DO_NOT_INCLUDE:simple:beta").await.0, ["charlie"]);
    assert_eq!(
        find("tag=EXCLUDE_ALL:simple:beta,simple:eu").await.0,
        ["alpha", "charlie"]
    );
    let (names, body) = find("tag=INCLUDE_ALL_OF:simple:beta,simple:beta").await;
    assert_eq!((names.len(), body["total"].as_i64()), (2, Some(2)));
    assert_eq!(find("createdBy=IS:admin").await.0.len(), 3);
    assert!(find("createdBy=IS:somebody-else").await.0.is_empty());
    assert_eq!(
        find("createdBy=IS:admin&tag=IS:simple:eu&query=bra")
            .await
            .0,
        ["bravo"]
    );
    let (_, body) = find("tag=IS:simple:eu").await;
    let bravo = &body["features"][0];
    assert_eq!(
        bravo["tags"],
        json!([{"type": "simple", "value": "beta"}, {"type": "simple", "value": "eu"}])
    );
    assert_eq!(bravo["createdBy"]["name"], "admin");
    let environments = bravo["environments"].as_array().expect("environments");
    assert_eq!(environments.len(), 2);
    assert_eq!(
        (
            &environments[0]["name"],
            &environments[0]["type"],
            &environments[0]["enabled"],
            &environments[0]["hasStrategies"],
            &environments[0]["hasEnabledStrategies"],
        ),
        (
            &json!("development"),
            &json!("development"),
            &json!(true),
            &json!(true),
            &json!(true)
        )
    );
    assert_eq!(
        (
            &environments[1]["name"],
            &environments[1]["enabled"],
            &environments[1]["hasStrategies"]
        ),
        (&json!("production"), &json!(false), &json!(false))
    );
    for bad in ["tag=IS:beta", "tag=SOMETIMES:simple:beta"] {
        let (status, _) = app
            .admin(
                Method::GET,
                &format!("/api/admin/search/features?{bad}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    app.stop().await;
}

/// `PUT /api/admin/projects/:project/tags`: tags added to and taken off many
/// flags of a project in one change, with the events tagging each flag
/// records; an unknown flag or tag type is a 400 and changes nothing.
pub async fn project_tags_in_bulk(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["alpha", "bravo", "charlie"]).await;
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
            "/api/admin/projects/other/features",
            Some(json!({"name": "elsewhere"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.admin(
        Method::POST,
        &flag_tags("alpha"),
        Some(json!({"type": "simple", "value": "old"})),
    )
    .await;
    let tags_of = |name: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app.admin(Method::GET, &flag_tags(name), None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["tags"].clone()
        }
    };
    let bulk = "/api/admin/projects/default/tags";
    let before = all_events(&app).await;
    let (status, body) = app
        .admin(
            Method::PUT,
            bulk,
            Some(json!({"features": ["alpha", "bravo", "alpha"], "tags": {
                "addedTags": [{"type": "simple", "value": "beta"}, {"type": "simple", "value": "old"}],
                "removedTags": [{"type": "simple", "value": "old"}]}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        tags_of("alpha").await,
        json!([{"type": "simple", "value": "beta"}])
    );
    assert_eq!(
        tags_of("bravo").await,
        json!([{"type": "simple", "value": "beta"}])
    );
    assert_eq!(tags_of("charlie").await, json!([]));

    // One change: every event under the next revision; each flag its own events.
    let after = all_events(&app).await;
    let new = &after[..after.len() - before.len()];
    let revision = before[0]["revision"].as_i64().expect("revision") + 1;
    assert!(new.iter().all(|e| e["revision"] == revision), "{new:?}");
    let mut seen: Vec<(String, String)> = new
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_owned(),
                e["featureName"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("feature-tagged".to_owned(), "alpha".to_owned()),
            ("feature-tagged".to_owned(), "bravo".to_owned()),
            ("feature-untagged".to_owned(), "alpha".to_owned()),
            ("tag-created".to_owned(), String::new()),
        ]
    );
    let tagged = new
        .iter()
        .find(|e| e["type"] == "feature-tagged" && e["featureName"] == "bravo")
        .expect("bravo tagged");
    assert_eq!(tagged["data"], json!({"type": "simple", "value": "beta"}));
    assert_eq!(
        (&tagged["project"], &tagged["createdBy"]),
        (&json!("default"), &json!("admin"))
    );
    let untagged = new
        .iter()
        .find(|e| e["type"] == "feature-untagged")
        .expect("alpha untagged");
    assert_eq!(
        untagged["preData"],
        json!({"type": "simple", "value": "old"})
    );
    // The client API sees the tags at once.
    let (status, document) = app
        .call(
            Method::GET,
            "/api/client/features?tag=simple:beta",
            Some(CLIENT_DEV),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut names: Vec<&str> = document["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["alpha", "bravo"]);

    // Again: nothing to do, nothing recorded.
    let (status, _) = app
        .admin(
            Method::PUT,
            bulk,
            Some(json!({"features": ["alpha"], "tags": {
                "addedTags": [{"type": "simple", "value": "beta"}], "removedTags": [{"type": "simple", "value": "gone"}]}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all_events(&app).await.len(), after.len());

    // Refused whole: nothing tagged, no tag created, no event.
    let refused: Vec<(Value, StatusCode)> = vec![
        (
            json!({"features": ["alpha", "missing"], "tags": {"addedTags": [{"type": "simple", "value": "new-one"}], "removedTags": []}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"features": ["charlie", "elsewhere"], "tags": {"addedTags": [{"type": "simple", "value": "new-one"}], "removedTags": []}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"features": ["charlie", "alpha"], "tags": {"addedTags": [{"type": "simple", "value": "new-one"}, {"type": "nope", "value": "x1"}], "removedTags": [{"type": "simple", "value": "beta"}]}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"features": ["charlie"], "tags": {"addedTags": [{"type": "simple", "value": "x"}], "removedTags": []}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"features": [], "tags": {"addedTags": [{"type": "simple", "value": "new-one"}], "removedTags": []}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"features": ["has space"], "tags": {"addedTags": [], "removedTags": []}}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"features": ["charlie"]}), StatusCode::BAD_REQUEST),
        (
            json!({"features": "charlie", "tags": {"addedTags": [], "removedTags": []}}),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (body, expected) in refused {
        let (status, answer) = app.admin(Method::PUT, bulk, Some(body.clone())).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert!(answer["message"].is_string(), "{answer}");
    }
    let (status, _) = app
        .admin(
            Method::PUT,
            "/api/admin/projects/nowhere/tags",
            Some(json!({"features": ["alpha"], "tags": {"addedTags": [], "removedTags": []}})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        all_events(&app).await.len(),
        after.len(),
        "nothing recorded"
    );
    assert_eq!(tags_of("charlie").await, json!([]));
    assert_eq!(
        tags_of("alpha").await,
        json!([{"type": "simple", "value": "beta"}])
    );
    let (_, all) = app.admin(Method::GET, TAGS, None).await;
    assert!(!all.to_string().contains("new-one"), "{all}");
    app.stop().await;
}
