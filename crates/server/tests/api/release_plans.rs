//! Release templates and plans, progressions on a moved clock (once, with two
//! servers on one database too), and a safeguard that pauses a plan when the
//! real Python SDK reports an error counter above its threshold.

use crate::helpers::*;

const PROD: &str = "/api/admin/projects/default/features";

fn env_path(flag: &str) -> String {
    format!("{PROD}/{flag}/environments/production")
}

/// A 5 → 25 → 50 → 100 template (flexibleRollout milestones); its id.
pub async fn gradual_template(app: &TestApp, name: &str) -> String {
    let milestone = |n: &str, i: i64| {
        json!({"name": format!("{n}%"), "sortOrder": i, "strategies": [{"name": "flexibleRollout",
            "parameters": {"rollout": n, "stickiness": "default"}, "constraints": []}]})
    };
    let (status, template) = app
        .admin(
            Method::POST,
            "/api/admin/release-plan-templates",
            Some(
                json!({"name": name, "description": "5% to 100%", "milestones": [
                milestone("5", 0), milestone("25", 1), milestone("50", 2), milestone("100", 3)]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{template}");
    assert_eq!(template["discriminator"], "template");
    assert_eq!(template["milestones"].as_array().map(Vec::len), Some(4));
    template["id"].as_str().expect("id").to_owned()
}

/// A flag with a user strategy in production and a plan from the template,
/// its first milestone started and progressions of `minutes` between each;
/// the plan.
async fn planned_flag(app: &TestApp, flag: &str, template: &str, minutes: i64) -> Value {
    let (status, body) = app
        .admin(Method::POST, PROD, Some(json!({"name": flag})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("{}/strategies", env_path(flag)),
            Some(json!({"name": "default", "constraints": [
                {"contextName": "userId", "operator": "IN", "values": ["qa"]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, plan) = app
        .admin(
            Method::POST,
            &format!("{}/release-plans", env_path(flag)),
            Some(json!({"templateId": template})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let ids = milestone_ids(&plan);
    for pair in ids.windows(2) {
        let (status, body) = app
            .admin(
                Method::PUT,
                &format!("{}/progressions/{}", env_path(flag), pair[0]),
                Some(json!({"targetMilestone": pair[1],
                    "transitionCondition": {"intervalMinutes": minutes}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, plan) = app
        .admin(
            Method::POST,
            &format!(
                "{}/release-plans/{}/milestones/{}/start",
                env_path(flag),
                plan["id"].as_str().expect("id"),
                ids[0]
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    plan
}

fn milestone_ids(plan: &Value) -> Vec<String> {
    plan["milestones"]
        .as_array()
        .expect("milestones")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The production strategies of `flag`: the plan's rollouts, and how many others.
async fn rollouts(app: &TestApp, flag: &str) -> (Vec<String>, usize) {
    let (status, strategies) = app
        .admin(Method::GET, &format!("{}/strategies", env_path(flag)), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{strategies}");
    let all = strategies.as_array().cloned().unwrap_or_default();
    let plan: Vec<String> = all
        .iter()
        .filter(|s| s["name"] == "flexibleRollout")
        .map(|s| s["parameters"]["rollout"].as_str().unwrap_or("").to_owned())
        .collect();
    (plan.clone(), all.len() - plan.len())
}

async fn active(app: &TestApp, flag: &str) -> Value {
    let (status, plans) = app
        .admin(
            Method::GET,
            &format!("{}/release_plans", env_path(flag)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plans}");
    plans[0].clone()
}

async fn started_events(app: &TestApp, flag: &str) -> usize {
    all_events(app)
        .await
        .iter()
        .filter(|e| e["type"] == "release-plan-milestone-started" && e["featureName"] == flag)
        .count()
}

/// A plan goes 5 → 25 → 50 → 100 as the clock moves, each milestone started
/// once, each start one revision that leaves the user's strategy alone.
pub async fn release_plans_progress_on_a_moved_clock(db: Db) {
    let app = spawn_app(db).await;
    // A milestone strategy is checked as a flag's: an unknown type is refused.
    let (status, refused) = app
        .admin(
            Method::POST,
            "/api/admin/release-plan-templates",
            Some(json!({"name": "Bad", "milestones": [{"name": "one",
                "strategies": [{"name": "no-such-strategy"}]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["details"][0]["path"], "milestones[0].strategies[0].name",
        "{refused}"
    );
    let template = gradual_template(&app, "Gradual").await;
    let plan = planned_flag(&app, "checkout", &template, 30).await;
    let ids = milestone_ids(&plan);
    assert_eq!(plan["activeMilestoneId"], ids[0].as_str());
    assert_eq!(rollouts(&app, "checkout").await, (vec!["5".to_owned()], 1));
    let events = all_events(&app).await;
    let started = events
        .iter()
        .find(|e| e["type"] == "release-plan-milestone-started")
        .expect("started event");
    let same_revision = events
        .iter()
        .filter(|e| e["revision"] == started["revision"])
        .count();
    assert_eq!(
        same_revision, 1,
        "starting a milestone is one revision of one event"
    );

    // Not due yet.
    app.advance(Duration::from_secs(29 * 60));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rollouts(&app, "checkout").await, (vec!["5".to_owned()], 1));
    for (step, rollout) in [(1, "25"), (2, "50"), (3, "100")] {
        app.advance(Duration::from_secs(31 * 60));
        eventually(&format!("the plan moves to {rollout}%"), || async {
            active(&app, "checkout").await["activeMilestoneId"] == ids[step].as_str()
        })
        .await;
        assert_eq!(
            rollouts(&app, "checkout").await,
            (vec![rollout.to_owned()], 1)
        );
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        started_events(&app, "checkout").await,
        4,
        "each milestone once"
    );
    let document = app.client_features(CLIENT_PROD).await;
    let strategies = flag_in(&document, "checkout").expect("flag")["strategies"].clone();
    assert_eq!(strategies.as_array().map(Vec::len), Some(2), "{strategies}");

    // Removing the plan takes its strategy off and leaves the user's.
    let plan_id = plan["id"].as_str().expect("id");
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("{}/release-plans/{plan_id}", env_path("checkout")),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(rollouts(&app, "checkout").await, (Vec::new(), 1));
    app.stop().await;
}

/// Two servers on one database, both clocks moved: the progression is made once.
pub async fn release_plans_progress_once_across_replicas(db: Db) {
    let a = spawn_app(db.clone()).await;
    assert_eq!(
        a.call(Method::GET, "/health", None, None).await.0,
        StatusCode::OK
    );
    let b = spawn_app(db.clone()).await;
    assert_eq!(
        b.call(Method::GET, "/health", None, None).await.0,
        StatusCode::OK
    );
    let template = gradual_template(&a, "Gradual").await;
    let plan = planned_flag(&a, "shared", &template, 10).await;
    let ids = milestone_ids(&plan);
    a.advance(Duration::from_secs(11 * 60));
    b.advance(Duration::from_secs(11 * 60));
    eventually("a replica moves the plan on", || async {
        active(&b, "shared").await["activeMilestoneId"] == ids[1].as_str()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        started_events(&a, "shared").await,
        2,
        "the first start and one progression"
    );
    assert_eq!(rollouts(&b, "shared").await, (vec!["25".to_owned()], 1));
    a.stop().await;
    b.stop().await;
}

/// The Python with the SDK: `FLAGSTAFF_TEST_PYTHON`, else the project's `.venv`.
fn python() -> String {
    if let Ok(python) = std::env::var("FLAGSTAFF_TEST_PYTHON") {
        return python;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = root.join(".venv/bin/python");
    if venv.exists() {
        return venv.display().to_string();
    }
    "python3".to_owned()
}

/// The real Python SDK reports an error counter above a plan's safeguard:
/// the progression pauses (event recorded) and stays paused while the clock
/// moves; once the errors are out of the window, resuming lets it go on.
pub async fn safeguards_pause_a_plan_until_resumed(db: Db) {
    let app = spawn_app(db).await;
    let template = gradual_template(&app, "Guarded").await;
    let plan = planned_flag(&app, "guarded", &template, 30).await;
    let ids = milestone_ids(&plan);
    let plan_id = plan["id"].as_str().expect("id").to_owned();
    let (status, safeguard) = app
        .admin(
            Method::PUT,
            &format!("{}/release-plans/{plan_id}/safeguards", env_path("guarded")),
            Some(
                json!({"impactMetric": {"metricName": "unleash_counter_errors",
                "timeRange": "hour", "aggregationMode": "count",
                "labelSelectors": {"environment": ["production"]}},
                "triggerCondition": {"operator": ">", "threshold": 5}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{safeguard}");
    // Bad input is refused, naming the field, and changes nothing.
    let (status, refused) = app
        .admin(
            Method::PUT,
            &format!("{}/release-plans/{plan_id}/safeguards", env_path("guarded")),
            Some(json!({"impactMetric": {"metricName": "", "timeRange": "hour",
                "aggregationMode": "count"}, "triggerCondition": {"operator": ">", "threshold": 5}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");

    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let base = app.base.clone();
    let cache = dir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python())
            .arg("python_impact.py")
            .args([base.as_str(), CLIENT_PROD])
            .arg(cache)
            .arg("8")
            .current_dir(root.join("tests/sdk"))
            .output()
    })
    .await
    .expect("joined")
    .expect("python runs (scripts/test installs the SDK in .venv)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (status, metadata) = app
        .admin(Method::GET, "/api/admin/impact-metrics/metadata", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        metadata["series"][0]["name"], "unleash_counter_errors",
        "{metadata}"
    );
    let (status, series) = app
        .admin(
            Method::GET,
            "/api/admin/impact-metrics?series=errors&range=hour",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{series}");
    assert_eq!(series["series"][0]["data"][0][1], 8.0, "{series}");

    eventually("the safeguard pauses the plan", || async {
        !active(&app, "guarded").await["pausedAt"].is_null()
    })
    .await;
    let paused: Vec<Value> = all_events(&app)
        .await
        .into_iter()
        .filter(|e| e["type"] == "safeguard-progressions-paused")
        .collect();
    assert_eq!(paused.len(), 1, "{paused:?}");
    assert_eq!(paused[0]["data"]["value"], 8.0);
    assert_eq!(paused[0]["featureName"], "guarded");

    // Paused: the progression waits though it is due.
    app.advance(Duration::from_secs(40 * 60));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        active(&app, "guarded").await["activeMilestoneId"],
        ids[0].as_str()
    );

    // The errors leave the hour's window; resumed, the plan goes on.
    app.advance(Duration::from_secs(30 * 60));
    let (status, body) = app
        .admin(
            Method::POST,
            &format!("{}/progressions/{plan_id}/resume", env_path("guarded")),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    eventually("the resumed plan moves on", || async {
        active(&app, "guarded").await["activeMilestoneId"] == ids[1].as_str()
    })
    .await;
    assert!(active(&app, "guarded").await["pausedAt"].is_null());
    app.stop().await;
}

/// Saved impact metric charts: the instance's and a flag's, replaced by id,
/// refused when bad, deleted.
pub async fn impact_charts_are_saved(db: Db) {
    let app = spawn_app(db).await;
    const GLOBAL: &str = "/api/admin/impact-metrics/config";
    let chart = json!({"title": "Errors", "metricName": "unleash_counter_errors",
        "timeRange": "day", "aggregationMode": "count", "labelSelectors": {}});
    let (status, saved) = app.admin(Method::POST, GLOBAL, Some(chart.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let mut renamed = chart.clone();
    renamed["id"] = saved["id"].clone();
    renamed["title"] = json!("Renamed");
    let (status, body) = app.admin(Method::POST, GLOBAL, Some(renamed)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, list) = app.admin(Method::GET, GLOBAL, None).await;
    assert_eq!(list["configs"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["configs"][0]["title"], "Renamed");

    let (status, _) = app
        .admin(Method::POST, PROD, Some(json!({"name": "charted"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let of_flag = format!("{PROD}/charted/impact-metrics/config");
    let (status, body) = app.admin(Method::POST, &of_flag, Some(chart.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, list) = app.admin(Method::GET, &of_flag, None).await;
    assert_eq!(list["configs"][0]["featureName"], "charted", "{list}");
    let mut bad = chart;
    bad["yAxisMin"] = json!("sideways");
    let (status, refused) = app.admin(Method::POST, GLOBAL, Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");

    let id = saved["id"].as_str().expect("id");
    let (status, _) = app
        .admin(Method::DELETE, &format!("{GLOBAL}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = app.admin(Method::GET, GLOBAL, None).await;
    assert_eq!(list["configs"].as_array().map(Vec::len), Some(0), "{list}");
    let (status, _) = app
        .admin(Method::DELETE, &format!("{GLOBAL}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
