//! Issue 23's flag lifecycle routes: a flag's stages (derived, but for the
//! completed mark), marking it completed and back, and the count per stage.

use crate::helpers::*;

async fn stages(app: &TestApp, flag: &str) -> Vec<Value> {
    let (status, body) = app
        .admin(Method::GET, &format!("{F}/{flag}/lifecycle"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{flag}: {body}");
    body.as_array().expect("a list of stages").clone()
}

fn names(stages: &[Value]) -> Vec<&str> {
    stages
        .iter()
        .map(|s| s["stage"].as_str().expect("a stage"))
        .collect()
}

async fn count(app: &TestApp) -> Value {
    let (status, body) = app
        .admin(Method::GET, "/api/admin/lifecycle/count", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Stages follow what the server knows; completing is recorded, refused
/// input changes nothing, uncompleting goes back to the derived stage.
pub async fn lifecycle_stages_and_completion(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["fresh", "staged", "shipped", "done", "old"]).await;
    for name in ["staged", "shipped"] {
        let (status, _) = app
            .admin(
                Method::POST,
                &format!("{F}/{name}/environments/development/on"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let now = chrono_now();
    let (status, body) = app
        .call(
            Method::POST,
            "/api/client/metrics",
            Some(CLIENT_PROD),
            Some(json!({"appName": "shop", "instanceId": "i-1", "bucket": {
                "start": now, "stop": now, "toggles": {"shipped": {"yes": 3, "no": 1}}}})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, _) = app.admin(Method::DELETE, &format!("{F}/old"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let complete = format!("{F}/done/lifecycle/complete");
    let (status, body) = app
        .admin(
            Method::POST,
            &complete,
            Some(json!({"status": "kept", "statusValue": "variant-b"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let fresh = stages(&app, "fresh").await;
    assert_eq!(names(&fresh), ["initial"]);
    assert!(fresh[0]["enteredStageAt"].is_string(), "{fresh:?}");
    assert!(fresh[0].get("status").is_none(), "{fresh:?}");
    assert_eq!(
        names(&stages(&app, "staged").await),
        ["initial", "pre-live"]
    );
    let shipped = stages(&app, "shipped").await;
    assert_eq!(names(&shipped), ["initial", "pre-live", "live"]);
    assert!(shipped[2]["enteredStageAt"].is_string(), "{shipped:?}");
    let done = stages(&app, "done").await;
    assert_eq!(names(&done), ["initial", "completed"]);
    assert_eq!(done[1]["status"], "kept");
    assert!(done[1]["enteredStageAt"].is_string(), "{done:?}");
    assert_eq!(names(&stages(&app, "old").await), ["initial", "archived"]);
    let counts = json!({"initial": 1, "preLive": 1, "live": 1, "completed": 1, "archived": 1});
    assert_eq!(count(&app).await, counts);
    let (status, body) = app
        .admin(
            Method::GET,
            "/api/admin/search/features?lifecycle=IS:completed",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["features"][0]["name"], "done", "{body}");
    assert_eq!(body["total"], 1, "{body}");

    // Refusals: a bad status, an unknown flag, another project, an archived flag.
    for (path, body, expected) in [
        (
            complete.clone(),
            json!({"status": "maybe"}),
            StatusCode::BAD_REQUEST,
        ),
        (complete.clone(), json!({}), StatusCode::BAD_REQUEST),
        (
            format!("{F}/nope/lifecycle/complete"),
            json!({"status": "discarded"}),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("{F}/old/lifecycle/complete"),
            json!({"status": "discarded"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/admin/projects/elsewhere/features/fresh/lifecycle/complete".to_owned(),
            json!({"status": "discarded"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, answer) = app.admin(Method::POST, &path, Some(body)).await;
        assert_eq!(status, expected, "{path}: {answer}");
        assert!(answer["message"].is_string(), "{path}: {answer}");
    }
    assert_eq!(count(&app).await, counts);
    let (status, _) = app
        .admin(Method::GET, &format!("{F}/nope/lifecycle"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Completing again replaces the mark; uncompleting removes it.
    let (status, _) = app
        .admin(
            Method::POST,
            &complete,
            Some(json!({"status": "discarded"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stages(&app, "done").await[1]["status"], "discarded");
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{F}/done/lifecycle/uncomplete"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&stages(&app, "done").await), ["initial"]);
    assert_eq!(
        count(&app).await,
        json!({"initial": 2, "preLive": 1, "live": 1, "completed": 0, "archived": 1})
    );
    app.stop().await;
}
