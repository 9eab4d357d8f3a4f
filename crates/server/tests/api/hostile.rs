//! What careless or hostile clients send: every answer is a bounded 4xx that
//! changes nothing, and the server stays responsive.

use crate::helpers::*;

/// A JSON Patch that doubles the document gets 413 before it grows; the
/// limits on strategies, constraints and values are refused with 400 naming
/// the limit; nothing is recorded.
pub async fn admin_input_is_bounded(db: Db) {
    let app = spawn_app_with(db, |args| {
        args.max_strategies_per_environment = 2;
        args.max_constraints = 2;
        args.max_constraint_values = 3;
        args.max_segment_values = 4;
    })
    .await;
    create_flags(&app, &["bounded"]).await;
    let flag = "/api/admin/projects/default/features/bounded";
    let events_before = all_events(&app).await.len();
    // Each copy puts the whole document into itself: 30 of them would make 2^30 copies.
    let doubling: Vec<Value> = (0..30)
        .map(|i| json!({"op": "copy", "from": "", "path": format!("/x{i}")}))
        .collect();
    let (status, body) = app.admin(Method::PATCH, flag, Some(json!(doubling))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let (status, strategy_patch) = app
        .admin(
            Method::POST,
            &format!("{flag}/environments/development/strategies"),
            Some(json!({"name": "default"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let id = strategy_patch["id"].as_str().expect("id").to_owned();
    let doubling: Vec<Value> = (0..30)
        .map(|i| json!({"op": "copy", "from": "", "path": format!("/parameters/more{i}")}))
        .collect();
    let (status, body) = app
        .admin(
            Method::PATCH,
            &format!("{flag}/environments/development/strategies/{id}"),
            Some(json!(doubling)),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    let constraint = |values: usize| {
        json!({"contextName": "userId", "operator": "IN",
            "values": (0..values).map(|i| i.to_string()).collect::<Vec<_>>()})
    };
    let strategies = format!("{flag}/environments/development/strategies");
    for (body, limit) in [
        (
            json!({"name": "default", "constraints": [constraint(1), constraint(1), constraint(1)]}),
            "constraints limit",
        ),
        (
            json!({"name": "default", "constraints": [constraint(4)]}),
            "constraint values limit",
        ),
    ] {
        let (status, answer) = app.admin(Method::POST, &strategies, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["message"].as_str().unwrap_or("").contains(limit),
            "{answer}"
        );
    }
    let (status, _) = app
        .admin(
            Method::POST,
            &strategies,
            Some(json!({"name": "default", "constraints": [constraint(3)]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "at the limits is fine");
    let (status, answer) = app
        .admin(Method::POST, &strategies, Some(json!({"name": "default"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or("")
            .contains("strategies limit"),
        "{answer}"
    );
    let (status, answer) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "big", "constraints": [constraint(3), constraint(2)]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or("")
            .contains("segment values limit"),
        "{answer}"
    );

    let events: Vec<String> = all_events(&app).await[..]
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        events.len(),
        events_before + 2,
        "only the two accepted strategies were recorded: {events:?}"
    );
    let (_, read) = app.admin(Method::GET, flag, None).await;
    assert_eq!(
        read["description"],
        Value::Null,
        "the refused patch changed nothing"
    );
    app.stop().await;
}

/// Whether the server closed `stream` within `within` (reading until EOF).
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> (bool, String) {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    (read.is_ok(), String::from_utf8_lossy(&seen).into_owned())
}

/// Slow or idle connections are closed after the header timeout, a head over
/// the size cap gets 431, and past the connection cap a new connection gets a
/// bare 503 at once — while the server keeps answering.
pub async fn connections_are_bounded(db: Db) {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    let app = spawn_app_with(db, |args| {
        args.header_timeout = 1;
        args.max_connections = 6;
    })
    .await;
    let address = app.base.trim_start_matches("http://").to_owned();
    // A slowloris: half a request head, then nothing.
    let mut slow = TcpStream::connect(&address).await.expect("connect");
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .expect("write");
    let mut idle = TcpStream::connect(&address).await.expect("connect");
    let (closed, _) = closed_within(&mut slow, Duration::from_secs(5)).await;
    assert!(closed, "a slow header was not cut off");
    let (closed, _) = closed_within(&mut idle, Duration::from_secs(5)).await;
    assert!(closed, "an idle connection stayed open");

    let mut big = TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let _ = big.write_all(head.as_bytes()).await;
    let (_, answer) = closed_within(&mut big, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:.80}");

    // Fill the cap with idle connections; the next one is refused at once.
    let mut held = Vec::new();
    for _ in 0..6 {
        held.push(TcpStream::connect(&address).await.expect("connect"));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut over = TcpStream::connect(&address).await.expect("connect");
    let (closed, answer) = closed_within(&mut over, Duration::from_millis(900)).await;
    assert!(closed && answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 1"), "{answer}");
    // Once the idle ones are cut off, new clients are served again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, _) = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    drop(held);
    app.stop().await;
}

/// Wrong tokens are budgeted per client address (then 429 with Retry-After,
/// for every request from that address until the minute is over), metrics
/// reports and registrations per token (429 for that token only).
pub async fn quotas_refuse_floods(db: Db) {
    let app = spawn_app_with(db, |args| {
        args.auth_failures_per_minute = 20;
        args.reports_per_minute = 5;
    })
    .await;
    let now = chrono_now();
    let register = json!({"appName": "svc", "instanceId": "i-1"});
    for _ in 0..5 {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/client/register",
                Some(CLIENT_DEV),
                Some(register.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let metrics = json!({"appName": "svc", "bucket": {"start": now, "stop": now, "toggles": {}}});
    let response = app
        .http
        .post(format!("{}/api/client/metrics", app.base))
        .header("Authorization", CLIENT_DEV)
        .json(&metrics)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    let (status, _) = app
        .call(
            Method::POST,
            "/api/frontend/client/metrics",
            Some(FRONTEND),
            Some(metrics),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "another token has its own budget"
    );

    for _ in 0..20 {
        let (status, _) = app
            .call(
                Method::GET,
                "/api/client/features",
                Some("*:development.wrong"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let response = app
        .http
        .get(format!("{}/api/admin/projects", app.base))
        .header("Authorization", "*:*.still-wrong")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After seconds");
    assert!((1..=61).contains(&retry), "{retry}");
    let (status, _) = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "unauthenticated routes still answer"
    );
    app.stop().await;
}

/// Filters that select the same flags share one ETag (so one cached
/// response): made-up projects, prefixes that match nothing, and prefixes
/// that match the same flags.
pub async fn made_up_filters_share_one_response(db: Db) {
    let app = spawn_app(db).await;
    create_flags(&app, &["alpha.one", "alpha.two", "beta"]).await;
    let get = |query: String| {
        let app = &app;
        async move {
            let response = app
                .http
                .get(format!("{}/api/client/features{query}", app.base))
                .header("Authorization", CLIENT_DEV)
                .send()
                .await
                .expect("answered");
            let etag = response.headers()["etag"]
                .to_str()
                .expect("etag")
                .to_owned();
            let body: Value = response.json().await.expect("json");
            let names: Vec<String> = body["features"]
                .as_array()
                .expect("features")
                .iter()
                .map(|f| f["name"].as_str().unwrap_or("").to_owned())
                .collect();
            (etag, names)
        }
    };
    let (alpha, names) = get("?namePrefix=alpha.".to_owned()).await;
    assert_eq!(names, ["alpha.one", "alpha.two"]);
    assert_eq!(get("?namePrefix=al".to_owned()).await.0, alpha);
    let (nothing, names) = get("?namePrefix=zzz-0".to_owned()).await;
    assert!(names.is_empty());
    for i in 1..5 {
        assert_eq!(get(format!("?namePrefix=zzz-{i}")).await.0, nothing);
    }
    let (nowhere, names) = get("?project=nope-0".to_owned()).await;
    assert!(names.is_empty());
    assert_eq!(
        get("?project=nope-1&project=nope-2".to_owned()).await.0,
        nowhere
    );
    let (all, names) = get(String::new()).await;
    assert_eq!(names.len(), 3);
    assert_ne!(all, alpha);
    app.stop().await;
}
