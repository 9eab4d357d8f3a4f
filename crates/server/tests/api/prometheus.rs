//! `GET /metrics` in Prometheus's text format: who may read it, and that its
//! figures follow what the server did.

use crate::helpers::*;
use crate::push::SseReader;

/// The value of the sample `name{labels}` (labels as written in the text).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line[series.len()..].trim().parse().ok())
}

async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut request = app.http.get(format!("{}/metrics", app.base));
    if let Some(token) = token {
        request = request.header("Authorization", token);
    }
    let response = request.send().await.expect("scrape");
    let status = response.status();
    (status, response.text().await.expect("text"))
}

pub async fn prometheus_metrics(db: Db) {
    let app = spawn_app(db.clone()).await;
    // Only admin tokens, unless --metrics-public.
    assert_eq!(scrape(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, Some(CLIENT_DEV)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, before) = scrape(&app, Some(ADMIN)).await;
    assert_eq!(status, StatusCode::OK, "{before}");

    create_flags(&app, &["measured"]).await;
    for _ in 0..3 {
        app.client_features(CLIENT_DEV).await;
    }
    let (status, _) = app
        .call(
            Method::GET,
            "/api/client/features/nope",
            Some(CLIENT_DEV),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/client/metrics",
            Some(CLIENT_DEV),
            Some(
                json!({"appName": "scraped-app", "instanceId": "i-1", "bucket": {
                "start": chrono_now(), "stop": chrono_now(),
                "toggles": {"measured": {"yes": 3, "no": 1, "variants": {}}}}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mut stream = SseReader::open(&app.base, CLIENT_DEV, None).await;
    let connected = stream.next().await.expect("connected");

    let (_, text) = scrape(&app, Some(ADMIN)).await;
    let requests = |route: &str, status: u16| {
        sample(
            &text,
            &format!(
                "flagstaff_http_requests_total{{method=\"GET\",route=\"{route}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(requests("/api/client/features", 200), Some(3.0), "{text}");
    // Routes are patterns, never raw paths.
    assert_eq!(
        requests("/api/client/features/{name}", 404),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains("/api/client/features/nope"));
    assert!(text.contains(
        "flagstaff_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/client/features\",le=\"0.001\"}"
    ));
    let revision = connected.id.expect("id") as f64;
    assert_eq!(
        sample(
            &text,
            "flagstaff_environment_revision{environment=\"development\"}"
        ),
        Some(revision),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "flagstaff_client_streams{environment=\"development\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "flagstaff_client_stream_lag_revisions{environment=\"development\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "flagstaff_sdk_instances"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "flagstaff_sdk_metrics_reports_total{outcome=\"stored\"}"
        ),
        Some(1.0)
    );
    assert!(
        sample(
            &text,
            "flagstaff_sdk_metrics_batches_total{outcome=\"written\"}"
        ) >= Some(1.0)
    );
    assert!(
        sample(&text, "flagstaff_change_lock_waits_total") >= Some(1.0),
        "{text}"
    );
    assert!(sample(&text, "flagstaff_database_pool_connections{state=\"open\"}") >= Some(1.0));
    drop(stream);
    app.stop().await;

    let open = spawn_app_with(db, |args| args.metrics_public = true).await;
    let (status, text) = scrape(&open, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "--metrics-public: anyone may scrape"
    );
    assert!(text.contains("flagstaff_change_head_revision"));
    open.stop().await;
}
