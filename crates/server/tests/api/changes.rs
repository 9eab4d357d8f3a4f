//! The change pipeline: one revision per write, incremental snapshots equal
//! to a fresh start, replicas on one database, restarts.

use crate::helpers::*;

/// Each change updates only what it touched in the running server's
/// snapshots; a server started afresh on the same database (which builds them
/// whole) must show exactly the same.
pub async fn incremental_snapshots_match_a_fresh_start(db: Db) {
    let app = spawn_app(db.clone()).await;
    let (_, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "eu",
            "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]})),
        )
        .await;
    let segment_id = segment["id"].as_i64().expect("segment id");
    for name in ["a", "b", "c", "d"] {
        let (status, _) = app
            .admin(
                Method::POST,
                F,
                Some(json!({"name": name, "impressionData": name == "b"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    for (name, env, body) in [
        (
            "a",
            "development",
            json!({"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "userId"}, "segments": [segment_id]}),
        ),
        (
            "b",
            "development",
            json!({"name": "userWithId", "parameters": {"userIds": "1,7"}}),
        ),
        (
            "b",
            "production",
            json!({"name": "default", "constraints": [{"contextName": "userId", "operator": "IN", "values": ["42"]}]}),
        ),
        (
            "c",
            "development",
            json!({"name": "default", "segments": [segment_id],
            "variants": [{"name": "blue", "weight": 1000, "weightType": "variable", "stickiness": "default"}]}),
        ),
    ] {
        let (status, body) = app
            .admin(
                Method::POST,
                &format!("{F}/{name}/environments/{env}/strategies"),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for (name, env) in [
        ("a", "development"),
        ("b", "development"),
        ("b", "production"),
        ("c", "development"),
        ("d", "production"),
    ] {
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{F}/{name}/environments/{env}/on"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = app
        .admin(Method::PATCH, &format!("{F}/d/environments/production/variants"), Some(json!([
            {"op": "add", "path": "/-", "value": {"name": "x", "weightType": "variable", "weight": 0, "stickiness": "default"}}
        ])))
        .await;
    assert_eq!(status, StatusCode::OK);
    check_against_fresh_start(&app, &db, "flags, strategies, variants").await;

    // A segment change reaches the flags that use it, in every environment.
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("/api/admin/segments/{segment_id}"),
            Some(json!({"name": "eu",
            "constraints": [{"contextName": "region", "operator": "IN", "values": ["us"]}]})),
        )
        .await;
    assert!(status.is_success(), "{status}");
    check_against_fresh_start(&app, &db, "a segment update").await;

    // Metadata, archive, revive, delete, a new environment for the project.
    let (status, _) = app
        .admin(
            Method::PATCH,
            &format!("{F}/c"),
            Some(json!([{"op": "replace", "path": "/description", "value": "changed"}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.admin(Method::DELETE, &format!("{F}/a"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app.admin(Method::DELETE, &format!("{F}/b"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = app
        .admin(Method::POST, "/api/admin/archive/revive/b", None)
        .await;
    assert!(status.is_success(), "{status}");
    let (status, _) = app
        .admin(Method::DELETE, "/api/admin/archive/a", None)
        .await;
    assert!(status.is_success(), "{status}");
    check_against_fresh_start(&app, &db, "archive, revive, delete").await;
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/environments",
            Some(json!({"name": "staging", "type": "test"})),
        )
        .await;
    assert!(status.is_success(), "{body}");
    check_against_fresh_start(&app, &db, "a new environment").await;
    app.stop().await;
}

/// Every admin write is one change: its events, all tagged with the next
/// revision (gapless); a refused write records nothing.
pub async fn every_write_is_one_revision(db: Db) {
    let app = spawn_app(db).await;
    let strategies = format!("{F}/one/environments/development/strategies");
    let variants = format!("{F}/one/environments/development/variants");
    let mut strategy_id = String::new();
    let mut segment_id = 0;
    let mut token_id = String::new();
    let mut addon_id = 0;
    let mut link_id = String::new();
    let mut endpoint_id = 0;
    let mut signal_token_id = 0;
    let mut action_set_id = 0;
    let steps: Vec<WriteStep> = vec![
        (
            "project",
            Method::POST,
            "/api/admin/projects".into(),
            Some(json!({"id": "other", "name": "Other"})),
            vec!["project-created"],
        ),
        (
            "environment",
            Method::POST,
            "/api/admin/environments".into(),
            Some(json!({"name": "staging", "type": "test"})),
            vec!["environment-created"],
        ),
        (
            "environment off",
            Method::POST,
            "/api/admin/environments/staging/off".into(),
            None,
            vec!["environment-updated"],
        ),
        (
            "environment on",
            Method::POST,
            "/api/admin/environments/staging/on".into(),
            None,
            vec!["environment-updated"],
        ),
        (
            "link",
            Method::POST,
            "/api/admin/projects/default/environments".into(),
            Some(json!({"environment": "staging"})),
            vec!["project-environment-added"],
        ),
        (
            "context",
            Method::POST,
            "/api/admin/context".into(),
            Some(json!({"name": "region"})),
            vec!["context-field-created"],
        ),
        (
            "context update",
            Method::PUT,
            "/api/admin/context/region".into(),
            Some(json!({"name": "region", "description": "where"})),
            vec!["context-field-updated"],
        ),
        (
            "segment",
            Method::POST,
            "/api/admin/segments".into(),
            Some(json!({"name": "eu", "constraints": []})),
            vec!["segment-created"],
        ),
        (
            "flag",
            Method::POST,
            F.into(),
            Some(json!({"name": "one"})),
            vec!["feature-created"],
        ),
        (
            "flag link",
            Method::POST,
            format!("{F}/one/link"),
            Some(json!({"url": "https://jira.example.com/browse/CHK-1", "title": "ticket"})),
            vec!["feature-link-added"],
        ),
        (
            "flag link update",
            Method::PUT,
            String::new(),
            Some(json!({"url": "https://jira.example.com/browse/CHK-2"})),
            vec!["feature-link-updated"],
        ),
        (
            "flag link remove",
            Method::DELETE,
            String::new(),
            None,
            vec!["feature-link-removed"],
        ),
        (
            "tag type",
            Method::POST,
            "/api/admin/tag-types".into(),
            Some(json!({"name": "team"})),
            vec!["tag-type-created"],
        ),
        (
            "tag type update",
            Method::PUT,
            "/api/admin/tag-types/team".into(),
            Some(json!({"description": "Owning team"})),
            vec!["tag-type-updated"],
        ),
        (
            "tag",
            Method::POST,
            "/api/admin/tags".into(),
            Some(json!({"type": "team", "value": "payments"})),
            vec!["tag-created"],
        ),
        (
            "flag tag",
            Method::POST,
            "/api/admin/features/one/tags".into(),
            Some(json!({"type": "simple", "value": "beta"})),
            vec!["tag-created", "feature-tagged"],
        ),
        (
            "flag tags",
            Method::PUT,
            "/api/admin/features/one/tags".into(),
            Some(json!({"addedTags": [{"type": "team", "value": "payments"}],
                        "removedTags": [{"type": "simple", "value": "beta"}]})),
            vec!["feature-tagged", "feature-untagged"],
        ),
        (
            "flag untag",
            Method::DELETE,
            "/api/admin/features/one/tags/team/payments".into(),
            None,
            vec!["feature-untagged"],
        ),
        (
            "tag delete",
            Method::DELETE,
            "/api/admin/tags/simple/beta".into(),
            None,
            vec!["tag-deleted"],
        ),
        (
            "tag type delete",
            Method::DELETE,
            "/api/admin/tag-types/team".into(),
            None,
            vec!["tag-type-deleted"],
        ),
        (
            "refused tag",
            Method::POST,
            "/api/admin/tags".into(),
            Some(json!({"type": "team", "value": "gone"})),
            vec![],
        ),
        (
            "flag with tags",
            Method::POST,
            F.into(),
            Some(json!({"name": "tagged", "tags": [{"type": "simple", "value": "new"}]})),
            vec!["feature-created", "tag-created", "feature-tagged"],
        ),
        (
            "project tags",
            Method::PUT,
            "/api/admin/projects/default/tags".into(),
            Some(json!({"features": ["one", "tagged"], "tags": {
                "addedTags": [{"type": "simple", "value": "bulk"}],
                "removedTags": [{"type": "simple", "value": "new"}]}})),
            vec![
                "tag-created",
                "feature-tagged",
                "feature-tagged",
                "feature-untagged",
            ],
        ),
        (
            "refused project tags",
            Method::PUT,
            "/api/admin/projects/default/tags".into(),
            Some(json!({"features": ["one", "missing"], "tags": {
                "addedTags": [{"type": "simple", "value": "never"}], "removedTags": []}})),
            vec![],
        ),
        (
            "custom strategy",
            Method::POST,
            "/api/admin/strategies".into(),
            Some(json!({"name": "country", "parameters": [{"name": "countries", "type": "list"}]})),
            vec!["strategy-created"],
        ),
        (
            "custom strategy update",
            Method::PUT,
            "/api/admin/strategies/country".into(),
            Some(json!({"description": "By country", "parameters": []})),
            vec!["strategy-updated"],
        ),
        (
            "custom strategy deprecate",
            Method::POST,
            "/api/admin/strategies/country/deprecate".into(),
            None,
            vec!["strategy-deprecated"],
        ),
        (
            "custom strategy reactivate",
            Method::POST,
            "/api/admin/strategies/country/reactivate".into(),
            None,
            vec!["strategy-reactivated"],
        ),
        (
            "custom strategy delete",
            Method::DELETE,
            "/api/admin/strategies/country".into(),
            None,
            vec!["strategy-deleted"],
        ),
        (
            "refused built-in change",
            Method::DELETE,
            "/api/admin/strategies/default".into(),
            None,
            vec![],
        ),
        (
            "default strategy",
            Method::POST,
            "/api/admin/projects/default/environments/development/default-strategy".into(),
            Some(json!({"name": "flexibleRollout", "parameters": {"rollout": "25"}})),
            vec!["default-strategy-updated"],
        ),
        (
            "stale",
            Method::PATCH,
            format!("{F}/one"),
            Some(json!([{"op": "replace", "path": "/stale", "value": true}])),
            vec!["feature-metadata-updated", "feature-stale-on"],
        ),
        (
            "on",
            Method::POST,
            format!("{F}/one/environments/development/on"),
            None,
            vec!["feature-strategy-add", "feature-environment-enabled"],
        ),
        (
            "strategy",
            Method::POST,
            strategies.clone(),
            Some(json!({"name": "default"})),
            vec!["feature-strategy-add"],
        ),
        (
            "strategy update",
            Method::PUT,
            String::new(),
            Some(
                json!({"name": "default", "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu"]}]}),
            ),
            vec!["feature-strategy-update"],
        ),
        (
            "strategy patch",
            Method::PATCH,
            String::new(),
            Some(json!([{"op": "replace", "path": "/disabled", "value": true}])),
            vec!["feature-strategy-update"],
        ),
        (
            "sort",
            Method::POST,
            format!("{strategies}/set-sort-order"),
            None,
            vec!["feature-strategy-update"],
        ),
        (
            "strategy delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["feature-strategy-remove"],
        ),
        (
            "variants",
            Method::PUT,
            variants.clone(),
            Some(json!([{"name": "a", "weight": 1000, "weightType": "variable"}])),
            vec!["feature-environment-variants-updated"],
        ),
        (
            "variants patch",
            Method::PATCH,
            variants.clone(),
            Some(
                json!([{"op": "add", "path": "/-", "value": {"name": "b", "weightType": "variable", "weight": 0}}]),
            ),
            vec!["feature-environment-variants-updated"],
        ),
        (
            "clone",
            Method::POST,
            format!("{F}/one/clone"),
            Some(json!({"name": "two"})),
            vec![
                "feature-created",
                "feature-strategy-add",
                "feature-environment-variants-updated",
            ],
        ),
        (
            "bulk on",
            Method::POST,
            "/api/admin/projects/default/bulk_features/environments/production/on".into(),
            Some(json!({"features": ["one", "two"]})),
            vec![
                "feature-strategy-add",
                "feature-environment-enabled",
                "feature-strategy-add",
                "feature-environment-enabled",
            ],
        ),
        (
            "bulk stale",
            Method::POST,
            "/api/admin/projects/default/stale".into(),
            Some(json!({"features": ["one", "two"], "stale": true})),
            vec!["feature-metadata-updated", "feature-stale-on"],
        ),
        (
            "dependency",
            Method::POST,
            format!("{F}/two/dependencies"),
            Some(json!({"feature": "one", "variants": ["a"]})),
            vec!["feature-dependency-added"],
        ),
        (
            "dependency remove",
            Method::DELETE,
            format!("{F}/two/dependencies/one"),
            None,
            vec!["feature-dependency-removed"],
        ),
        (
            "dependency again",
            Method::POST,
            format!("{F}/two/dependencies"),
            Some(json!({"feature": "one", "enabled": false})),
            vec!["feature-dependency-added"],
        ),
        (
            "refused dependency",
            Method::POST,
            format!("{F}/one/dependencies"),
            Some(json!({"feature": "two"})),
            vec![],
        ),
        (
            "dependencies remove",
            Method::DELETE,
            format!("{F}/two/dependencies"),
            None,
            vec!["feature-dependencies-removed"],
        ),
        (
            "export",
            Method::POST,
            "/api/admin/features-batch/export".into(),
            Some(json!({"environment": "development", "features": ["one"]})),
            vec!["features-exported"],
        ),
        (
            "import",
            Method::POST,
            "/api/admin/features-batch/import".into(),
            Some(
                json!({"project": "default", "environment": "development", "data": {
                    "features": [{"name": "imported", "type": "operational"}],
                    "featureStrategies": [{"name": "default", "featureName": "imported"}],
                    "featureEnvironments": [{"featureName": "imported", "enabled": true}]
                }}),
            ),
            vec![
                "feature-created",
                "feature-strategy-add",
                "feature-environment-enabled",
                "features-imported",
            ],
        ),
        (
            "refused import",
            Method::POST,
            "/api/admin/features-batch/import".into(),
            Some(json!({"project": "default", "environment": "development",
                        "data": {"features": [{"name": "one"}]}})),
            vec![],
        ),
        (
            "off",
            Method::POST,
            format!("{F}/one/environments/development/off"),
            None,
            vec!["feature-environment-disabled"],
        ),
        (
            "segment update",
            Method::PUT,
            String::new(),
            Some(json!({"name": "eu", "constraints": []})),
            vec!["segment-updated"],
        ),
        (
            "segment delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["segment-deleted"],
        ),
        (
            "context delete",
            Method::DELETE,
            "/api/admin/context/region".into(),
            None,
            vec!["context-field-deleted"],
        ),
        (
            "archive",
            Method::DELETE,
            format!("{F}/one"),
            None,
            vec!["feature-archived"],
        ),
        (
            "revive",
            Method::POST,
            "/api/admin/archive/revive/one".into(),
            None,
            vec!["feature-revived"],
        ),
        (
            "archive again",
            Method::DELETE,
            format!("{F}/one"),
            None,
            vec!["feature-archived"],
        ),
        (
            "delete",
            Method::DELETE,
            "/api/admin/archive/one".into(),
            None,
            vec!["feature-deleted"],
        ),
        (
            "project update",
            Method::PUT,
            "/api/admin/projects/other".into(),
            Some(json!({"name": "Other things"})),
            vec!["project-updated"],
        ),
        (
            "project environment removed",
            Method::DELETE,
            "/api/admin/projects/other/environments/development".into(),
            None,
            vec!["project-environment-removed"],
        ),
        (
            "project delete",
            Method::DELETE,
            "/api/admin/projects/other".into(),
            None,
            vec!["project-deleted"],
        ),
        (
            "signal endpoint",
            Method::POST,
            "/api/admin/signal-endpoints".into(),
            Some(json!({"name": "jira"})),
            vec!["signal-endpoint-created"],
        ),
        (
            "signal endpoint update",
            Method::PUT,
            String::new(),
            Some(json!({"name": "jira", "description": "Jira webhooks"})),
            vec!["signal-endpoint-updated"],
        ),
        (
            "signal endpoint off",
            Method::POST,
            String::new(),
            None,
            vec!["signal-endpoint-updated"],
        ),
        (
            "signal endpoint on",
            Method::POST,
            String::new(),
            None,
            vec!["signal-endpoint-updated"],
        ),
        (
            "signal token",
            Method::POST,
            String::new(),
            Some(json!({"name": "jira-cloud"})),
            vec!["signal-endpoint-token-created"],
        ),
        (
            "signal token rename",
            Method::PUT,
            String::new(),
            Some(json!({"name": "jira-server"})),
            vec!["signal-endpoint-token-updated"],
        ),
        (
            "signal token delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["signal-endpoint-token-deleted"],
        ),
        (
            "action set",
            Method::POST,
            "/api/admin/projects/default/actions".into(),
            None,
            vec!["actions-created"],
        ),
        (
            "action set update",
            Method::PUT,
            String::new(),
            None,
            vec!["actions-updated"],
        ),
        (
            "action set off",
            Method::POST,
            String::new(),
            None,
            vec!["actions-updated"],
        ),
        (
            "action set on",
            Method::POST,
            String::new(),
            None,
            vec!["actions-updated"],
        ),
        (
            "refused action set",
            Method::POST,
            "/api/admin/projects/default/actions".into(),
            Some(json!({
                "name": "nowhere", "match": {"source": "signal-endpoint", "sourceId": 999_999},
                "actions": [{"action": "TOGGLE_FEATURE_ON", "sortOrder": 1,
                    "executionParams": {"featureName": "two", "environment": "development"}}]
            })),
            vec![],
        ),
        (
            "action set delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["actions-deleted"],
        ),
        (
            "signal endpoint delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["signal-endpoint-deleted"],
        ),
        (
            "token",
            Method::POST,
            "/api/admin/api-tokens".into(),
            Some(json!({"tokenName": "t", "type": "backend", "environment": "development"})),
            vec!["api-token-created"],
        ),
        (
            "token expiry",
            Method::PUT,
            String::new(),
            Some(json!({"expiresAt": "2099-01-01T00:00:00Z"})),
            vec!["api-token-updated"],
        ),
        (
            "token delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["api-token-deleted"],
        ),
        (
            "addon",
            Method::POST,
            "/api/admin/addons".into(),
            // Disabled, so nothing is ever sent to this public address.
            Some(
                json!({"provider": "webhook", "parameters": {"url": "https://93.184.215.14/hook"},
                        "events": ["feature-stale-on"], "enabled": false}),
            ),
            vec!["addon-config-created"],
        ),
        (
            "addon update",
            Method::PUT,
            String::new(),
            Some(
                json!({"provider": "webhook", "parameters": {"url": "*****"},
                        "events": ["feature-stale-on"], "enabled": false}),
            ),
            vec!["addon-config-updated"],
        ),
        (
            "addon delete",
            Method::DELETE,
            String::new(),
            None,
            vec!["addon-config-deleted"],
        ),
        // Refused: nothing recorded.
        (
            "refused",
            Method::POST,
            F.into(),
            Some(json!({"name": "has space"})),
            vec![],
        ),
        (
            "refused on",
            Method::POST,
            format!("{F}/missing/environments/development/on"),
            None,
            vec![],
        ),
    ];
    let mut before = all_events(&app).await;
    for (step, method, path, body, expected) in steps {
        let path = match step {
            "strategy update" | "strategy patch" | "strategy delete" => {
                format!("{strategies}/{strategy_id}")
            }
            "segment update" | "segment delete" => format!("/api/admin/segments/{segment_id}"),
            "token expiry" | "token delete" => format!("/api/admin/api-tokens/{token_id}"),
            "addon update" | "addon delete" => format!("/api/admin/addons/{addon_id}"),
            "flag link update" | "flag link remove" => format!("{F}/one/link/{link_id}"),
            "signal endpoint update" | "signal endpoint delete" => {
                format!("/api/admin/signal-endpoints/{endpoint_id}")
            }
            "signal endpoint off" => format!("/api/admin/signal-endpoints/{endpoint_id}/off"),
            "signal endpoint on" => format!("/api/admin/signal-endpoints/{endpoint_id}/on"),
            "signal token" => format!("/api/admin/signal-endpoints/{endpoint_id}/tokens"),
            "signal token rename" | "signal token delete" => {
                format!("/api/admin/signal-endpoints/{endpoint_id}/tokens/{signal_token_id}")
            }
            "action set update" | "action set delete" => {
                format!("/api/admin/projects/default/actions/{action_set_id}")
            }
            "action set off" => format!("/api/admin/projects/default/actions/{action_set_id}/off"),
            "action set on" => format!("/api/admin/projects/default/actions/{action_set_id}/on"),
            _ => path,
        };
        let action_set = |name: &str| {
            json!({
                "name": name, "enabled": true,
                "match": {"source": "signal-endpoint", "sourceId": endpoint_id,
                    "payload": {"issue.key": {"operator": "IN", "values": ["CHK-1"]}}},
                "actions": [{"action": "TOGGLE_FEATURE_ON", "sortOrder": 1,
                    "executionParams": {"featureName": "two", "environment": "development"}}]
            })
        };
        let body = match step {
            "sort" => Some(json!([{"id": strategy_id, "sortOrder": 5}])),
            "action set" => Some(action_set("enable two")),
            "action set update" => Some(action_set("switch two on")),
            _ => body,
        };
        let (status, answer) = app.admin(method, &path, body).await;
        assert_eq!(
            status.is_success(),
            !expected.is_empty(),
            "{step}: {status} {answer}"
        );
        match step {
            "strategy" => strategy_id = answer["id"].as_str().expect("strategy id").to_owned(),
            "segment" => segment_id = answer["id"].as_i64().expect("segment id"),
            "token" => token_id = answer["id"].as_str().expect("token id").to_owned(),
            "addon" => addon_id = answer["id"].as_i64().expect("addon id"),
            "flag link" => link_id = answer["id"].as_str().expect("link id").to_owned(),
            "signal endpoint" => endpoint_id = answer["id"].as_i64().expect("endpoint id"),
            "signal token" => signal_token_id = answer["id"].as_i64().expect("token id"),
            "action set" => action_set_id = answer["id"].as_i64().expect("action set id"),
            _ => {}
        }
        let after = all_events(&app).await;
        let last = before
            .iter()
            .filter_map(|e| e["revision"].as_i64())
            .max()
            .unwrap_or(0);
        let known: Vec<i64> = before.iter().filter_map(|e| e["id"].as_i64()).collect();
        let new: Vec<&Value> = after
            .iter()
            .filter(|e| !known.contains(&e["id"].as_i64().unwrap_or(-1)))
            .collect();
        let mut types: Vec<&str> = new.iter().filter_map(|e| e["type"].as_str()).collect();
        types.sort_unstable();
        let mut expected = expected.clone();
        expected.sort_unstable();
        assert_eq!(types, expected, "{step}");
        for event in &new {
            assert_eq!(
                event["revision"].as_i64(),
                Some(last + 1),
                "{step}: {event}"
            );
        }
        before = after;
    }
    app.stop().await;
}

/// Two servers on one database are interchangeable: what one commits, the
/// other serves — flags, tokens (and their revocation) — and metrics sent to
/// both add up exactly.
pub async fn replicas_follow_each_other(db: Db) {
    let a = spawn_app(db.clone()).await;
    // B starts once A has created and migrated the database.
    assert_eq!(
        a.call(Method::GET, "/health", None, None).await.0,
        StatusCode::OK
    );
    let b = spawn_app(db.clone()).await;
    assert_eq!(
        b.call(Method::GET, "/health", None, None).await.0,
        StatusCode::OK
    );

    let (status, _) = a
        .admin(Method::POST, F, Some(json!({"name": "replicated"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = a
        .admin(
            Method::POST,
            &format!("{F}/replicated/environments/development/on"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("B's client API shows A's flag switched on", || async {
        let (_, document) = b
            .call(Method::GET, "/api/client/features", Some(CLIENT_DEV), None)
            .await;
        flag_in(&document, "replicated").is_some_and(|f| f["enabled"] == true)
    })
    .await;
    eventually("B's frontend API shows A's flag", || async {
        let (_, toggles) = b
            .call(Method::GET, "/api/frontend", Some(FRONTEND), None)
            .await;
        toggles["toggles"]
            .as_array()
            .is_some_and(|t| t.iter().any(|f| f["name"] == "replicated"))
    })
    .await;
    // Both answer the same document with the same ETag.
    let etag_of = |app: &TestApp| {
        let request = app
            .http
            .get(format!("{}/api/client/features", app.base))
            .header("Authorization", CLIENT_DEV);
        async move {
            request.send().await.expect("answered").headers()["etag"]
                .to_str()
                .expect("etag")
                .to_owned()
        }
    };
    assert_eq!(etag_of(&a).await, etag_of(&b).await);

    // A token made through A works on B; revoked through A, B refuses it.
    let (status, created) = a
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(json!({"tokenName": "svc", "type": "backend", "environment": "development"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["secret"].as_str().expect("secret").to_owned();
    eventually("B accepts the token made through A", || async {
        b.call(Method::GET, "/api/client/features", Some(&secret), None)
            .await
            .0
            == StatusCode::OK
    })
    .await;
    let (status, _) = a
        .admin(
            Method::DELETE,
            &format!(
                "/api/admin/api-tokens/{}",
                created["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("B refuses the token revoked through A", || async {
        b.call(Method::GET, "/api/client/features", Some(&secret), None)
            .await
            .0
            == StatusCode::UNAUTHORIZED
    })
    .await;

    // PostgreSQL: cut every change listener; the next change still reaches B.
    if let Db::Postgres(url) = &db {
        use sqlx::Connection;
        let mut admin = sqlx::AnyConnection::connect(url).await.expect("connect");
        let cut: i64 = sqlx::query_scalar(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .fetch_one(&mut admin)
        .await
        .expect("terminate listeners");
        assert!(cut >= 2, "both replicas listen ({cut} listeners found)");
    }
    let (status, _) = a
        .admin(
            Method::POST,
            &format!("{F}/replicated/environments/development/off"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually(
        "B sees the flag switched off after its listener was cut",
        || async {
            let (_, document) = b
                .call(Method::GET, "/api/client/features", Some(CLIENT_DEV), None)
                .await;
            flag_in(&document, "replicated").is_some_and(|f| f["enabled"] == false)
        },
    )
    .await;

    // Metrics: half through A, half through B, counted exactly once.
    let report = |yes: u64| {
        json!({"appName": "replicated-app", "instanceId": "i1", "bucket": {
            "start": chrono_now(), "stop": chrono_now(),
            "toggles": {"replicated": {"yes": yes, "no": 1, "variants": {}}}}})
    };
    for (i, app) in [&a, &b, &a, &b].into_iter().enumerate() {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/client/metrics",
                Some(CLIENT_DEV),
                Some(report(i as u64 + 1)),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (_, raw) = b
        .admin(
            Method::GET,
            "/api/admin/client-metrics/features/replicated/raw?hoursBack=1",
            None,
        )
        .await;
    let (yes, no) = raw["data"]
        .as_array()
        .expect("rows")
        .iter()
        .fold((0, 0), |(y, n), r| {
            (
                y + r["yes"].as_u64().unwrap_or(0),
                n + r["no"].as_u64().unwrap_or(0),
            )
        });
    assert_eq!((yes, no), (1 + 2 + 3 + 4, 4), "{raw}");
    b.stop().await;
    a.stop().await;
}

/// Stop the server, start it on the same database: everything is still there.
pub async fn restart_keeps_everything(db: Db) {
    let app = spawn_app(db).await;
    let (status, _) = app
        .admin(
            Method::POST,
            F,
            Some(json!({"name": "survivor", "impressionData": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/survivor/environments/development/strategies"),
            Some(json!({"name": "userWithId", "parameters": {"userIds": "1,2"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let before_events = app.events().await;
    let before_client = app.client_features(CLIENT_DEV).await["features"].clone();
    let db = app.stop().await;

    let app = spawn_app(db).await;
    assert_eq!(app.events().await, before_events);
    assert_eq!(
        app.client_features(CLIENT_DEV).await["features"],
        before_client
    );
    app.stop().await;
}
