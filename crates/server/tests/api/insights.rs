//! Issue 23's insight routes: strategies by segment and context field,
//! setting a strategy's segments, applications and SDKs, project insights
//! and the personal dashboard.

use crate::helpers::*;

const DEV_STRATEGIES: &str =
    "/api/admin/projects/default/features/{flag}/environments/development/strategies";

async fn add_strategy(app: &TestApp, flag: &str, body: Value) -> String {
    let (status, created) = app
        .admin(
            Method::POST,
            &DEV_STRATEGIES.replace("{flag}", flag),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    created["id"].as_str().expect("a strategy id").to_owned()
}

/// Strategies are found by the segments and context fields they use, and a
/// strategy's segments are set by its id: one update event, refusals change nothing.
pub async fn strategies_by_segment_and_context_field(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["checkout", "banner"]).await;
    let (status, segment) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "beta", "constraints": []})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{segment}");
    let segment = segment["id"].as_i64().expect("segment id");
    let region = json!([{"contextName": "region", "operator": "IN", "values": ["eu"]}]);
    let with_both = add_strategy(
        &app,
        "checkout",
        json!({"name": "default", "constraints": region, "segments": [segment]}),
    )
    .await;
    let plain = add_strategy(&app, "banner", json!({"name": "default"})).await;

    let (status, users) = app
        .admin(
            Method::GET,
            &format!("/api/admin/segments/{segment}/strategies"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{users}");
    assert_eq!(
        users["strategies"],
        json!([{"id": with_both, "projectId": "default",
        "featureName": "checkout", "strategyName": "default", "environment": "development"}])
    );
    assert_eq!(users["changeRequestStrategies"], json!([]));
    let (status, _) = app
        .admin(Method::GET, "/api/admin/segments/999999/strategies", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, of_strategy) = app
        .admin(
            Method::GET,
            &format!("/api/admin/segments/strategies/{with_both}"),
            None,
        )
        .await;
    let ids: Vec<i64> = of_strategy["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| s["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![segment]);
    let (_, of_plain) = app
        .admin(
            Method::GET,
            &format!("/api/admin/segments/strategies/{plain}"),
            None,
        )
        .await;
    assert_eq!(of_plain["segments"], json!([]));
    let (status, _) = app
        .admin(
            Method::GET,
            "/api/admin/segments/strategies/no-such-strategy",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for path in [
        "/api/admin/context/region/strategies",
        "/api/admin/projects/default/context/region/strategies",
    ] {
        let (status, found) = app.admin(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let found: Vec<&str> = found["strategies"]
            .as_array()
            .expect("list")
            .iter()
            .map(|s| s["featureName"].as_str().expect("name"))
            .collect();
        assert_eq!(found, vec!["checkout"], "{path}");
    }
    let (_, none) = app
        .admin(Method::GET, "/api/admin/context/userId/strategies", None)
        .await;
    assert_eq!(none["strategies"], json!([]));
    let (status, _) = app
        .admin(
            Method::GET,
            "/api/admin/projects/nowhere/context/region/strategies",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Setting: the plain strategy gets the segment, one event.
    let before = all_events(&app).await.len();
    let body = json!({"projectId": "default", "strategyId": plain, "environmentId": "development", "segmentIds": [segment]});
    let (status, echoed) = app
        .admin(
            Method::POST,
            "/api/admin/segments/strategies",
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{echoed}");
    assert_eq!(echoed, body);
    let events = all_events(&app).await;
    assert_eq!(events.len(), before + 1);
    assert!(events
        .iter()
        .any(|e| e["type"] == "feature-strategy-update" && e["featureName"] == "banner"));
    let (_, of_plain) = app
        .admin(
            Method::GET,
            &format!("/api/admin/segments/strategies/{plain}"),
            None,
        )
        .await;
    assert_eq!(of_plain["segments"].as_array().expect("list").len(), 1);
    // The same again is no change.
    let (status, _) = app
        .admin(Method::POST, "/api/admin/segments/strategies", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(all_events(&app).await.len(), before + 1);

    // Refusals change nothing.
    let refusals = [
        (
            json!({"projectId": "default", "strategyId": with_both, "environmentId": "development", "segmentIds": [999999]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"projectId": "default", "strategyId": with_both, "environmentId": "production", "segmentIds": []}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"projectId": "default", "strategyId": "no-such", "environmentId": "development", "segmentIds": []}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"projectId": "default", "strategyId": with_both, "environmentId": "development"}),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (body, expected) in refusals {
        let (status, error) = app
            .admin(
                Method::POST,
                "/api/admin/segments/strategies",
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, expected, "{body}: {error}");
    }
    assert_eq!(all_events(&app).await.len(), before + 1);
    let (_, of_strategy) = app
        .admin(
            Method::GET,
            &format!("/api/admin/segments/strategies/{with_both}"),
            None,
        )
        .await;
    assert_eq!(of_strategy["segments"].as_array().expect("list").len(), 1);
}

async fn register(app: &TestApp, token: &str, app_name: &str, instance: &str, sdk: &str) {
    let (status, body) = app
        .call(
            Method::POST,
            "/api/client/register",
            Some(token),
            Some(json!({
                "appName": app_name, "instanceId": instance, "sdkVersion": sdk,
                "strategies": ["default"], "started": chrono_now(), "interval": 15000
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

async fn report(app: &TestApp, token: &str, app_name: &str, flags: &[&str]) {
    let now = chrono_now();
    let toggles: serde_json::Map<String, Value> = flags
        .iter()
        .map(|f| (f.to_string(), json!({"yes": 1, "no": 0})))
        .collect();
    let (status, body) = app
        .call(
            Method::POST,
            "/api/client/metrics",
            Some(token),
            Some(json!({
                "appName": app_name, "instanceId": "i-1",
                "bucket": {"start": now, "stop": now, "toggles": toggles}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// Applications' overviews, instances per environment and outdated SDKs,
/// overall and per project, from what SDKs registered and reported.
pub async fn applications_and_outdated_sdks(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["checkout"]).await;
    register(&app, CLIENT_DEV, "shop", "i-1", "unleash-client-node:4.0.0").await;
    register(
        &app,
        CLIENT_PROD,
        "shop",
        "i-2",
        "unleash-client-node:6.1.0",
    )
    .await;
    register(
        &app,
        CLIENT_DEV,
        "other",
        "o-1",
        "unleash-client-python:6.9.1",
    )
    .await;
    report(&app, CLIENT_DEV, "shop", &["checkout", "missing-flag"]).await;

    let (status, outdated) = app
        .admin(Method::GET, "/api/admin/metrics/sdks/outdated", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{outdated}");
    assert_eq!(
        outdated,
        json!({"sdks": [{"sdkVersion": "unleash-client-node:4.0.0", "applications": ["shop"]}]})
    );
    let (_, project_outdated) = app
        .admin(
            Method::GET,
            "/api/admin/projects/default/sdks/outdated",
            None,
        )
        .await;
    assert_eq!(project_outdated, outdated);

    let (status, instances) = app
        .admin(
            Method::GET,
            "/api/admin/metrics/instances/shop/environment/production",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{instances}");
    let list = instances["instances"].as_array().expect("instances");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["instanceId"], "i-2");
    assert_eq!(list[0]["sdkVersion"], "unleash-client-node:6.1.0");
    let (status, _) = app
        .admin(
            Method::GET,
            "/api/admin/metrics/instances/nobody/environment/production",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, overview) = app
        .admin(
            Method::GET,
            "/api/admin/metrics/applications/shop/overview",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(overview["projects"], json!(["default"]));
    assert_eq!(overview["featureCount"], 1);
    assert_eq!(
        overview["issues"]["missingFeatures"],
        json!(["missing-flag"])
    );
    assert_eq!(
        overview["issues"]["outdatedSdks"],
        json!(["unleash-client-node:4.0.0"])
    );
    let envs: Vec<&str> = overview["environments"]
        .as_array()
        .expect("envs")
        .iter()
        .map(|e| e["name"].as_str().expect("name"))
        .collect();
    assert_eq!(envs, vec!["development", "production"]);
    let (status, _) = app
        .admin(
            Method::GET,
            "/api/admin/metrics/applications/nobody/overview",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, apps) = app
        .admin(
            Method::GET,
            "/api/admin/projects/default/applications",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{apps}");
    assert_eq!(
        apps,
        json!({"total": 1, "applications": [{"name": "shop", "environments": ["development"],
        "instances": ["i-1"], "sdks": [{"name": "unleash-client-node", "versions": ["4.0.0"]}]}]})
    );
    let (_, none) = app
        .admin(
            Method::GET,
            "/api/admin/projects/default/applications?query=zzz",
            None,
        )
        .await;
    assert_eq!(none["total"], 0);
    let (status, _) = app
        .admin(
            Method::GET,
            "/api/admin/projects/default/applications?limit=x",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .admin(
            Method::GET,
            "/api/admin/projects/nowhere/applications",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A project's overview, status, health report, insights and lead time follow
/// its flags: one of two stale is 50% health; enabling in production is lead time.
pub async fn project_insights_follow_the_flags(db: Db) {
    let app = spawn_app(db).await;
    let (status, overview) = app
        .admin(Method::GET, "/api/admin/projects/default/overview", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(overview["health"], 100);
    assert_eq!(overview["onboardingStatus"]["status"], "onboarding-started");
    create_flags(&app, &["fresh", "old"]).await;
    let (status, body) = app
        .admin(
            Method::PATCH,
            &format!("{F}/old"),
            Some(json!([{"op": "replace", "path": "/stale", "value": true}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for environment in ["production", "development"] {
        let (status, body) = app
            .admin(
                Method::POST,
                &format!("{F}/fresh/environments/{environment}/on"),
                None,
            )
            .await;
        assert!(status.is_success(), "{body}");
    }

    let (_, overview) = app
        .admin(Method::GET, "/api/admin/projects/default/overview", None)
        .await;
    assert_eq!(overview["health"], 50);
    assert_eq!(overview["technicalDebt"], 50);
    assert_eq!(overview["stats"]["createdCurrentWindow"], 2);
    assert!(
        overview["stats"]["projectActivityCurrentWindow"]
            .as_i64()
            .expect("activity")
            >= 4
    );
    assert_eq!(overview["onboardingStatus"]["status"], "first-flag-created");

    let (status, project_status) = app
        .admin(Method::GET, "/api/admin/projects/default/status", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{project_status}");
    assert_eq!(project_status["health"]["current"], 50);
    assert_eq!(project_status["staleFlags"]["total"], 1);
    assert_eq!(
        project_status["lifecycleSummary"]["preLive"]["currentFlags"],
        1
    );
    assert_eq!(
        project_status["lifecycleSummary"]["initial"]["currentFlags"],
        1
    );
    let today: i64 = project_status["activityCountByDate"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| d["count"].as_i64().expect("count"))
        .sum();
    assert!(today >= 4, "{project_status}");

    let (_, report) = app
        .admin(
            Method::GET,
            "/api/admin/projects/default/health-report",
            None,
        )
        .await;
    assert_eq!(
        (
            report["staleCount"].clone(),
            report["activeCount"].clone(),
            report["health"].clone()
        ),
        (json!(1), json!(1), json!(50))
    );
    assert_eq!(report["features"].as_array().expect("flags").len(), 2);

    let (_, dora) = app
        .admin(Method::GET, "/api/admin/projects/default/dora", None)
        .await;
    assert_eq!(
        dora,
        json!({"projectAverage": 0.0, "features": [{"name": "fresh", "timeToProduction": 0}]})
    );
    let (_, insights) = app
        .admin(Method::GET, "/api/admin/projects/default/insights", None)
        .await;
    assert_eq!(insights["health"]["staleCount"], 1);
    assert_eq!(insights["leadTime"], dora);
    assert_eq!(
        insights["featureTypeCounts"],
        json!([{"type": "release", "count": 2}])
    );

    // A flag past its type's lifetime is potentially stale.
    app.advance(std::time::Duration::from_secs(41 * 24 * 3600));
    let (_, report) = app
        .admin(
            Method::GET,
            "/api/admin/projects/default/health-report",
            None,
        )
        .await;
    assert_eq!(report["potentiallyStaleCount"], 1);
    assert_eq!(report["health"], 0);

    let (_, creators) = app
        .admin(
            Method::GET,
            "/api/admin/projects/default/flag-creators",
            None,
        )
        .await;
    assert_eq!(
        creators,
        json!([]),
        "flags made with an API token have no user"
    );
    for tail in [
        "overview",
        "status",
        "health-report",
        "insights",
        "dora",
        "flag-creators",
        "sdks/outdated",
    ] {
        let (status, _) = app
            .admin(
                Method::GET,
                &format!("/api/admin/projects/nowhere/{tail}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{tail}");
    }
}

/// The personal dashboard lists the caller's flags and their projects.
pub async fn personal_dashboard_is_the_callers(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["mine"]).await;
    let (status, dashboard) = app
        .admin(Method::GET, "/api/admin/personal-dashboard", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{dashboard}");
    assert_eq!(
        dashboard["flags"],
        json!([{"name": "mine", "project": "default", "type": "release"}])
    );
    assert_eq!(dashboard["projects"][0]["id"], "default");
    assert_eq!(dashboard["projects"][0]["featureCount"], 1);
    assert_eq!(dashboard["projectOwners"], json!([]));

    let (status, project) = app
        .admin(Method::GET, "/api/admin/personal-dashboard/default", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{project}");
    assert_eq!(project["insights"]["totalFlags"], 1);
    assert_eq!(
        project["latestEvents"][0]["summary"]
            .as_str()
            .map(|s| s.starts_with("feature-created")),
        Some(true)
    );
    assert_eq!(project["owners"], json!([{"ownerType": "system"}]));
    let (status, _) = app
        .admin(Method::GET, "/api/admin/personal-dashboard/nowhere", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
