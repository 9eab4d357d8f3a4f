//! The storage story: one sequence of operations applied straight to the
//! store (no HTTP — as the web UI, scheduled changes and import will), read
//! back through the store's own reads, with keyset paging. It runs on each
//! database; on PostgreSQL its transcript must equal the same story's on a
//! fresh SQLite database: one storage layer, the same behaviour on both.

use flagstaff_domain::ops::{self, *};
use flagstaff_storage::{EventFilter, FlagPage, Store};

use super::helpers::*;

pub async fn storage_story(db: Db) {
    let transcript = story(&db.url()).await;
    let flags: Vec<&str> = transcript["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(
        flags,
        ["alpha", "bravo", "charlie", "delta"],
        "{transcript}"
    );
    assert_eq!(transcript["flagPages"], json!([2, 2, 0]));
    let alpha = &transcript["flags"][0]["environments"];
    assert_eq!(
        alpha["staging"],
        json!({
            "enabled": true,
            "strategies": [{"name": "flexibleRollout", "rollout": "50", "constraints": 1, "segments": [1]}],
            "variants": [["blue", 500], ["green", 500]],
        })
    );
    assert_eq!(alpha["development"]["enabled"], json!(false));
    // Every change is one revision, gapless, refused ones none.
    let revisions: Vec<i64> = transcript["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e[0].as_i64().expect("revision"))
        .collect();
    let mut distinct = revisions.clone();
    distinct.dedup();
    assert_eq!(
        distinct,
        (1..=distinct.len() as i64).rev().collect::<Vec<_>>()
    );
    assert_eq!(transcript["refusedLeftRevision"], json!(true));
    if matches!(db, Db::Postgres(_)) {
        assert_eq!(transcript, story(&Db::sqlite().url()).await);
    }
}

fn name<T: TryFrom<String, Error = OpError>>(text: &str) -> T {
    T::try_from(text.to_owned()).expect("a legal name")
}

/// A JSON value as a typed value (operations' inputs are serde types).
fn from<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("valid input")
}

async fn story(url: &str) -> Value {
    let store = Store::connect(url).await.expect("open the store");
    let actor = Context::new(Actor::named("story"), Limits::default());
    macro_rules! apply {
        ($op:expr) => {
            ops::apply(&store, &actor, $op)
                .await
                .expect(stringify!($op))
                .output
        };
    }
    apply!(CreateProject {
        id: name("shop"),
        name: Some("Shop".to_owned()),
        description: None,
    });
    apply!(CreateEnvironment {
        name: name("staging"),
        kind: "test".to_owned(),
        sort_order: Some(150),
    });
    apply!(AddEnvironmentToProject {
        project: name("shop"),
        environment: name("staging"),
    });
    for flag in ["delta", "alpha", "echo", "charlie", "bravo"] {
        apply!(CreateFlag {
            project: name("shop"),
            name: name(flag),
            flag_type: FlagType::Release,
            description: None,
            impression_data: false,
            tags: Vec::new(),
        });
    }
    let segment = apply!(CreateSegment {
        segment: from(json!({"name": "beta-users", "constraints": [
            {"contextName": "userId", "operator": "IN", "values": ["1", "2"]}
        ]})),
    });
    let place: StrategyPlace = from(json!({
        "project": "shop", "feature": "alpha", "environment": "staging"
    }));
    let strategy = apply!(AddStrategy {
        place: place.clone(),
        strategy: from(json!({
            "name": "flexibleRollout", "parameters": {"rollout": 25},
            "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}],
            "segments": [segment.id],
        })),
    });
    apply!(UpdateStrategy {
        place: place.clone(),
        id: strategy.id.clone(),
        edit: from(json!({"patch": [
            {"op": "replace", "path": "/parameters/rollout", "value": "50"}
        ]})),
    });
    apply!(SetVariants {
        project: name("shop"),
        feature: name("alpha"),
        environment: name("staging"),
        edit: from(json!({"patch": [
            {"op": "add", "path": "/-", "value": {"name": "green", "weight": 0}},
            {"op": "add", "path": "/-", "value": {"name": "blue", "weight": 0}}
        ]})),
    });
    apply!(SwitchEnvironment {
        project: name("shop"),
        name: name("alpha"),
        environment: name("staging"),
        enabled: true,
    });
    apply!(UpdateFlag {
        project: name("shop"),
        name: name("bravo"),
        edit: from(json!({"patch": [{"op": "replace", "path": "/description", "value": "B"}]})),
    });
    apply!(ArchiveFlag {
        project: name("shop"),
        name: name("echo"),
    });
    apply!(ReviveFlag { name: name("echo") });
    apply!(ArchiveFlag {
        project: name("shop"),
        name: name("echo"),
    });
    apply!(DeleteFlag { name: name("echo") });

    // Refused operations change nothing, not even the revision.
    let head = store.current_revision().await.expect("revision");
    let duplicate = CreateFlag {
        project: name("shop"),
        name: name("alpha"),
        flag_type: FlagType::Release,
        description: None,
        impression_data: false,
        tags: Vec::new(),
    };
    let in_use = DeleteSegment { id: segment.id };
    let bad_constraint = AddStrategy {
        place,
        strategy: from(json!({"name": "default", "constraints": [
            {"contextName": "age", "operator": "NUM_GT", "values": []}
        ]})),
    };
    let refused = [
        ops::apply(&store, &actor, duplicate).await.err(),
        ops::apply(&store, &actor, in_use).await.err(),
        ops::apply(&store, &actor, bad_constraint).await.err(),
    ];
    let kinds: Vec<String> = refused
        .iter()
        .map(|e| match e {
            Some(OpError::Conflict(_)) => "conflict".to_owned(),
            Some(OpError::Invalid { .. }) => "invalid".to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["conflict", "conflict", "invalid"]);
    let refused_left_revision = store.current_revision().await.expect("revision") == head;

    // Read back: flags a page of two at a time, events three at a time.
    let mut flags = Vec::new();
    let mut pages = Vec::new();
    let mut page = FlagPage {
        limit: Some(2),
        ..FlagPage::default()
    };
    loop {
        let (features, rows, strategies) = store
            .project_flag_page("shop", &page)
            .await
            .expect("a page");
        pages.push(features.len());
        for feature in &features {
            let mut environments = serde_json::Map::new();
            for row in rows.iter().filter(|r| r.feature_name == feature.name) {
                let own: Vec<Value> = strategies
                    .iter()
                    .filter(|s| s.feature_name == feature.name && s.environment == row.environment)
                    .map(|s| {
                        json!({
                            "name": s.values.name, "rollout": s.values.parameters.get("rollout"),
                            "constraints": s.values.constraints.len(), "segments": s.values.segments,
                        })
                    })
                    .collect();
                let variants: Vec<Value> = row
                    .variants
                    .iter()
                    .map(|v| json!([v.name, v.weight]))
                    .collect();
                environments.insert(
                    row.environment.clone(),
                    json!({"enabled": row.enabled, "strategies": own, "variants": variants}),
                );
            }
            flags.push(json!({
                "name": feature.name, "description": feature.description,
                "archived": feature.archived_at.is_some(), "environments": environments,
            }));
        }
        match features.last() {
            Some(last) => page.after = Some(last.name.clone()),
            None => break,
        }
    }
    let mut events = Vec::new();
    let mut filter = EventFilter {
        limit: 3,
        ..EventFilter::default()
    };
    loop {
        let (batch, _total) = store.events(&filter).await.expect("events");
        for e in &batch {
            events.push(json!([
                e.revision,
                e.event_type,
                e.feature_name,
                e.environment
            ]));
        }
        match batch.last() {
            Some(last) => filter.before = Some(last.id),
            None => break,
        }
    }
    store.close().await;
    json!({
        "flags": flags, "flagPages": pages, "events": events,
        "refusedLeftRevision": refused_left_revision,
    })
}

/// The admin lists page by keyset over HTTP: `limit` + `after` for flags
/// (`nextAfter`), `limit` + `before` for events (`nextBefore`); walking the
/// pages gives every item once, even while new events arrive; Unleash's
/// unpaged list and `offset` still work.
pub async fn lists_page_by_keyset(db: Db) {
    let app = spawn_app(db).await;
    let names = ["k-e", "k-a", "k-d", "k-c", "k-b"];
    for name in names {
        let (status, _) = app
            .admin(
                Method::POST,
                "/api/admin/projects/default/features",
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let base = "/api/admin/projects/default/features";
    let mut seen = Vec::new();
    let mut next = format!("{base}?limit=2");
    loop {
        let (status, page) = app.admin(Method::GET, &next, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let batch = page["features"].as_array().expect("features").clone();
        assert!(batch.len() <= 2);
        seen.extend(
            batch
                .iter()
                .map(|f| f["name"].as_str().expect("name").to_owned()),
        );
        match page["nextAfter"].as_str() {
            Some(after) => next = format!("{base}?limit=2&after={after}"),
            None => break,
        }
    }
    assert_eq!(seen, ["k-a", "k-b", "k-c", "k-d", "k-e"]);
    let (_, all) = app.admin(Method::GET, base, None).await;
    assert_eq!(all["features"].as_array().map(Vec::len), Some(5));
    assert!(all.get("nextAfter").is_none());
    let (_, skipped) = app
        .admin(Method::GET, &format!("{base}?limit=2&offset=3"), None)
        .await;
    assert_eq!(skipped["features"][0]["name"], "k-d");
    let (status, _) = app
        .admin(Method::GET, &format!("{base}?limit=0"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Events, newest first, two at a time; a change made mid-walk does not
    // shift the pages (it is newer than the cursor).
    let (_, first) = app
        .admin(Method::GET, "/api/admin/events?limit=2", None)
        .await;
    let total = first["totalEvents"].as_i64().expect("total");
    let mut ids: Vec<i64> = first["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    app.admin(
        Method::POST,
        "/api/admin/projects/default/features/k-a/environments/development/on",
        None,
    )
    .await;
    let mut before = first["nextBefore"].as_i64();
    while let Some(cursor) = before {
        let (status, page) = app
            .admin(
                Method::GET,
                &format!("/api/admin/events?limit=2&before={cursor}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        ids.extend(
            page["events"]
                .as_array()
                .expect("events")
                .iter()
                .map(|e| e["id"].as_i64().expect("id")),
        );
        before = page["nextBefore"].as_i64();
    }
    assert_eq!(ids.len() as i64, total, "{ids:?}");
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    app.stop().await;
}
