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

/// A connection the server has accepted and counted: it answered a request
/// on it, and keeps it open (HTTP/1.1 keep-alive) until its idle timeout.
async fn answered_connection(address: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let answered = tokio::time::timeout(Duration::from_secs(5), async {
        while !String::from_utf8_lossy(&seen).contains("GOOD") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let seen = String::from_utf8_lossy(&seen);
    assert!(
        answered.is_ok() && seen.starts_with("HTTP/1.1 200"),
        "{seen}"
    );
    stream
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

    // Fill the cap with idle connections (5: one address may hold all but an
    // eighth of the 6, at least one, for others); the next one is refused at once.
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(answered_connection(&address).await);
    }
    let mut over = TcpStream::connect(&address).await.expect("connect");
    let (closed, answer) = closed_within(&mut over, Duration::from_millis(900)).await;
    assert!(closed && answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 1"), "{answer}");
    // Once the idle ones are cut off (after the 1 s idle timeout), new
    // clients are served again.
    eventually("the idle connections are cut off", || async {
        let healthy = app.http.get(format!("{}/health", app.base)).send().await;
        healthy.is_ok_and(|r| r.status() == StatusCode::OK)
    })
    .await;
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

/// Only failures are budgeted (issue 20, finding 3): once anonymous requests
/// put an address over its failed-authentication budget, missing and wrong
/// credentials from it get 429 — made-up PATs too, without a database query
/// each — while valid client, frontend and admin tokens, a PAT, a web UI
/// session and the right password from that same address are answered.
pub async fn valid_credentials_pass_an_anonymous_flood(db: Db) {
    use crate::browser::{admin_browser, with_admin, ADMIN_PASSWORD, ADMIN_USER};
    let app = spawn_app_with(db, |args| {
        with_admin(args);
        args.auth_failures_per_minute = 20;
    })
    .await;
    let mut browser = admin_browser(&app).await;
    let pat = crate::pats::pat_on_profile(&mut browser, "deploys").await;
    let mut flood = Vec::new();
    for _ in 0..30 {
        flood.push(
            app.call(Method::GET, "/api/client/features", None, None)
                .await
                .0,
        );
    }
    assert_eq!(
        flood
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        20
    );
    assert_eq!(
        flood
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        10
    );
    // Missing or wrong credentials: refused.
    let made_up_pat = format!("user:{}", "0".repeat(56));
    for token in [
        None,
        Some("*:development.wrong"),
        Some(made_up_pat.as_str()),
    ] {
        let (status, _) = app
            .call(Method::GET, "/api/admin/projects", token, None)
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{token:?}");
    }
    // Valid ones: answered.
    let (status, _) = app
        .call(Method::GET, "/api/client/features", Some(CLIENT_DEV), None)
        .await;
    assert_eq!(status, StatusCode::OK, "client token");
    let (status, _) = app
        .call(Method::GET, "/api/frontend", Some(FRONTEND), None)
        .await;
    assert_eq!(status, StatusCode::OK, "frontend token");
    let (status, _) = app.admin(Method::GET, "/api/admin/projects", None).await;
    assert_eq!(status, StatusCode::OK, "admin token");
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/projects/default/features",
            Some(json!({"name": "during-the-flood"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "admin write: {body}");
    let (status, _) = app
        .call(Method::GET, "/api/admin/projects", Some(&pat), None)
        .await;
    assert_eq!(status, StatusCode::OK, "personal access token");
    let page = browser.get("/projects/default/features").await;
    assert_eq!(page.status, StatusCode::OK, "web UI session");
    assert!(page.body.contains("during-the-flood"));
    // The right password from this address: this login never failed here.
    let mut again = crate::browser::Browser::new(&app);
    let signed = again.sign_in(ADMIN_USER, ADMIN_PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    // A wrong one gets its answer once, then the address's budget applies to it.
    assert_eq!(
        again.sign_in("mallory", "a wrong guess").await.status,
        StatusCode::UNAUTHORIZED
    );
    let refused = again.sign_in("mallory", "another guess").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.contains_key("retry-after"));
    app.stop().await;
}

/// Sign-ins are counted before the password is hashed, so parallel wrong
/// attempts cannot all slip under the budget, and one login is backed off
/// after 5 consecutive failures from an address, for a doubling delay —
/// without touching other logins, or the same login from another address.
pub async fn sign_ins_back_off_per_account(db: Db) {
    use crate::browser::{with_admin, Browser, ADMIN_PASSWORD, ADMIN_USER};
    let app = spawn_app_with(db, |args| {
        with_admin(args);
        args.trusted_proxies = vec!["127.0.0.1/32".parse().expect("network")];
    })
    .await;
    let attempt = |from: &'static str, login: &'static str, password: &'static str| {
        let request = app
            .http
            .post(format!("{}/login", app.base))
            .header("X-Forwarded-For", from)
            .form(&[("login", login), ("password", password)]);
        async move {
            let response = request.send().await.expect("answered");
            let retry_after: Option<u64> = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok());
            (response.status(), retry_after)
        }
    };
    let answers = futures_util::future::join_all(
        (0..40).map(|_| attempt("203.0.113.1", ADMIN_USER, "wrong")),
    )
    .await;
    let checked = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        (1..=5).contains(&checked),
        "{checked} of 40 parallel attempts were checked"
    );
    assert!(answers.iter().all(|(s, r)| *s == StatusCode::UNAUTHORIZED
        || (*s == StatusCode::TOO_MANY_REQUESTS && r.is_some())));
    for _ in checked..5 {
        let (status, _) = attempt("203.0.113.1", ADMIN_USER, "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Five failures: the login is refused from there, right password or not, for 1 s …
    let (status, retry_after) = attempt("203.0.113.1", ADMIN_USER, ADMIN_PASSWORD).await;
    assert_eq!(
        (status, retry_after),
        (StatusCode::TOO_MANY_REQUESTS, Some(1))
    );
    // … while another login from there, and this login from elsewhere, are not.
    assert_eq!(
        attempt("203.0.113.1", "bob", "wrong").await.0,
        StatusCode::UNAUTHORIZED
    );
    let mut elsewhere = Browser::new(&app);
    let signed = elsewhere
        .send(
            elsewhere
                .http
                .post(format!("{}/login", app.base))
                .header("X-Forwarded-For", "198.51.100.2")
                .form(&[("login", ADMIN_USER), ("password", ADMIN_PASSWORD)]),
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    // The next failure after the delay doubles it.
    app.advance(Duration::from_secs(1));
    assert_eq!(
        attempt("203.0.113.1", ADMIN_USER, "wrong").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, retry_after) = attempt("203.0.113.1", ADMIN_USER, ADMIN_PASSWORD).await;
    assert_eq!(
        (status, retry_after),
        (StatusCode::TOO_MANY_REQUESTS, Some(2))
    );
    app.stop().await;
}

/// `--trusted-proxies`: the forwarded address counts only when the TCP peer
/// is a trusted proxy, and then the rightmost hop that is not one.
pub async fn trusted_proxies_name_the_client(db: Db) {
    let wrong_from = |app: &TestApp, forwarded: &'static str| {
        let request = app
            .http
            .get(format!("{}/api/client/features", app.base))
            .header("Authorization", "*:development.wrong")
            .header("X-Forwarded-For", forwarded);
        async move { request.send().await.expect("answered").status() }
    };
    let behind = spawn_app_with(db, |args| {
        args.auth_failures_per_minute = 3;
        args.trusted_proxies = vec!["127.0.0.1/32".parse().expect("network")];
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            wrong_from(&behind, "203.0.113.1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        wrong_from(&behind, "203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // What the client wrote to the left of its own address changes nothing.
    assert_eq!(
        wrong_from(&behind, "198.51.100.9, 203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        wrong_from(&behind, "203.0.113.2").await,
        StatusCode::UNAUTHORIZED
    );
    let db = behind.stop().await;

    let exposed = spawn_app_with(db, |args| args.auth_failures_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(
            wrong_from(&exposed, "203.0.113.1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Not behind a trusted proxy: the header is ignored, the peer is over its budget.
    assert_eq!(
        wrong_from(&exposed, "203.0.113.2").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    exposed.stop().await;
}

/// One address cannot take every connection (issue 20, finding 10): past
/// `--max-connections-per-address` its next connection gets the bare 503,
/// while another address is answered.
pub async fn one_address_cannot_take_every_connection(db: Db) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpSocket, TcpStream};
    let app = spawn_app_with(db, |args| args.max_connections_per_address = 20).await;
    let address: std::net::SocketAddr = app
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(answered_connection(&address.to_string()).await);
    }
    let mut over = TcpStream::connect(address).await.expect("connect");
    let (closed, answer) = closed_within(&mut over, Duration::from_millis(900)).await;
    assert!(closed && answer.starts_with("HTTP/1.1 503"), "{answer}");
    // Another loopback address (Linux routes all of 127/8) is served.
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.2:0".parse().expect("address"))
        .expect("bind 127.0.0.2");
    let mut other = socket
        .connect(address)
        .await
        .expect("connect from 127.0.0.2");
    other
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), other.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Closing some gives the address its places back.
    held.truncate(10);
    eventually("a place for 127.0.0.1 again", || async {
        app.call(Method::GET, "/health", None, None).await.0 == StatusCode::OK
    })
    .await;
    drop(held);
    app.stop().await;
}

/// The web UI's origin check compares with the public URL (issue 20,
/// finding 11): a named `Host` that posts to itself but is not `UNLEASH_URL`
/// — the shape of DNS rebinding — is refused with a 403 that says to set it.
pub async fn ui_origin_is_the_public_url(db: Db) {
    use crate::browser::{with_admin, ADMIN_PASSWORD, ADMIN_USER};
    let app = spawn_app_with(db, |args| {
        with_admin(args);
        args.public_url = Some("https://flags.example.com".to_owned());
    })
    .await;
    let login = |host: &str, origin: &str| {
        let request = app
            .http
            .post(format!("{}/login", app.base))
            .header("Host", host)
            .header("Origin", origin)
            .form(&[("login", ADMIN_USER), ("password", ADMIN_PASSWORD)]);
        async move {
            let response = request.send().await.expect("answered");
            (response.status(), response.text().await.expect("body"))
        }
    };
    let (status, page) = login("evil.example", "http://evil.example").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("UNLEASH_URL"), "{page}");
    let (status, page) = login("flags.example.com", "http://evil.example").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("another site"), "{page}");
    let ip_host = app.base.trim_start_matches("http://").to_owned();
    for (host, origin) in [
        ("flags.example.com", "https://flags.example.com".to_owned()),
        (ip_host.as_str(), app.base.clone()),
    ] {
        let (status, page) = login(host, &origin).await;
        // Not refused by the origin check (the redirect is not followed).
        assert!(
            status == StatusCode::OK || status == StatusCode::SEE_OTHER,
            "{host}: {status} {page:.200}"
        );
    }
    app.stop().await;
}

/// `count` flags named `{prefix}-{i}` put straight into the database (not
/// through the server: quick, and no events); archived when `archived`.
async fn insert_flags(db: &Db, prefix: &str, count: usize, archived: bool) {
    let archived_at = if archived {
        "'2024-01-02T00:00:00Z'"
    } else {
        "NULL"
    };
    execute_on(
        db,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
             INSERT INTO features (name, project_id, type, archived_at, created_at, created_by) \
             SELECT '{prefix}-' || i, 'default', 'release', {archived_at}, \
             '2024-01-01T00:00:00Z', 'test' FROM n"
        ),
    )
    .await;
}

/// A GET answered as raw bytes, with its headers.
async fn get_raw(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app
        .http
        .get(format!("{}{path}", app.base))
        .header("Authorization", ADMIN)
        .send()
        .await
        .expect("answered");
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.bytes().await.expect("whole body").to_vec();
    (status, headers, body)
}

/// The unpaged admin lists answer every flag however many there are: one that
/// fits a page as before (with its length), a longer one streamed page by page
/// — the same flags, byte for byte, as the paged list. Streamed lists take a
/// place among `--max-heavy-reads`: past it another gets 503 with
/// `Retry-After` at once, while small lists and admin writes still succeed.
pub async fn unpaged_lists_stream_and_heavy_reads_are_bounded(db: Db) {
    let app = spawn_app_with(db.clone(), |args| args.max_heavy_reads = 1).await;
    create_flags(&app, &["small-a", "small-b"]).await;
    let (status, headers, small) = get_raw(&app, F).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains_key("content-length"), "{headers:?}");
    let small: Value = serde_json::from_slice(&small).expect("JSON");
    assert_eq!(small["version"], 2);
    assert_eq!(small["features"].as_array().map(Vec::len), Some(2));

    insert_flags(&db, "many", 4000, false).await;
    insert_flags(&db, "gone", 1200, true).await;
    let (status, headers, body) = get_raw(&app, F).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !headers.contains_key("content-length"),
        "streamed: {headers:?}"
    );
    let list: Value = serde_json::from_slice(&body).expect("one JSON document");
    let features = list["features"].as_array().expect("features");
    assert_eq!(features.len(), 4002);
    // The same flags, byte for byte, as the paged list's pages.
    let mut paged = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = app
            .admin(Method::GET, &format!("{F}?limit=1000&after={after}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        paged.extend(page["features"].as_array().cloned().unwrap_or_default());
        match page["nextAfter"].as_str() {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(&paged, features);
    let (status, all) = app.admin(Method::GET, "/api/admin/features", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["features"].as_array().map(Vec::len), Some(4002));
    let (status, archived) = app
        .admin(Method::GET, "/api/admin/archive/features", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let archived = archived["features"].as_array().expect("archived");
    assert_eq!(archived.len(), 1200);
    assert!(archived
        .iter()
        .all(|f| f["name"].as_str().is_some_and(|n| n.starts_with("gone-"))));

    // A client that reads one byte and stops holds the only place. The list
    // must be larger than the kernel's socket buffers (up to 4 MiB on the
    // server's side), or the server finishes writing it into them and gives
    // the place back before the client has read anything.
    insert_flags(&db, "bulk", 30_000, false).await;
    let stalled = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = app
            .base
            .trim_start_matches("http://")
            .parse()
            .expect("address");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("small buffer");
        let mut stream = socket.connect(address).await.expect("connect");
        let request = format!(
            "GET /api/admin/features HTTP/1.1\r\nHost: x\r\nAuthorization: {ADMIN}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("sent");
        let mut first = [0u8; 12];
        stream.read_exact(&mut first).await.expect("answered");
        assert_eq!(&first, b"HTTP/1.1 200");
        stream
    };
    for path in ["/api/admin/features", F, "/api/admin/archive/features"] {
        let response = app
            .http
            .get(format!("{}{path}", app.base))
            .header("Authorization", ADMIN)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(response.headers().contains_key("retry-after"));
        let body: Value = response.json().await.expect("JSON error");
        assert!(
            body["message"].as_str().is_some_and(
                |m| m.contains("MAX_HEAVY_READS") && m.contains("/api/admin/search/features")
            ),
            "{body}"
        );
    }
    // Small writes and small lists are not heavy reads.
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "tiny"})),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/projects/tiny/features",
            Some(json!({"name": "tiny-one"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, tiny) = app
        .admin(Method::GET, "/api/admin/projects/tiny/features", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{tiny}");
    assert_eq!(tiny["features"].as_array().map(Vec::len), Some(1));
    // Closed, the stalled read gives its place back.
    drop(stalled);
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..50 {
        (status, _, _) = get_raw(&app, "/api/admin/archive/features").await;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, StatusCode::OK, "the place is given back");
    app.stop().await;
}

/// Tags per flag, projects and environments are capped: past a cap the
/// change is refused with 400 naming the setting, from every way in, and
/// nothing is recorded.
pub async fn counts_are_capped(db: Db) {
    let app = spawn_app(db.clone()).await;
    let (_, environments) = app
        .admin(Method::GET, "/api/admin/environments", None)
        .await;
    let environments = environments["environments"].as_array().map_or(0, Vec::len);
    app.stop().await;
    let app = spawn_app_with(db, move |args| {
        args.max_tags_per_flag = 2;
        args.max_projects = 2;
        args.max_environments = environments + 1;
    })
    .await;
    create_flags(&app, &["tagged"]).await;
    let tags = "/api/admin/features/tagged/tags";
    for value in ["aa", "bb"] {
        let (status, body) = app
            .admin(
                Method::POST,
                tags,
                Some(json!({"type": "simple", "value": value})),
            )
            .await;
        assert!(status.is_success(), "{body}");
    }
    let (status, _) = app
        .admin(
            Method::POST,
            tags,
            Some(json!({"type": "simple", "value": "aa"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a tag it has is still a 409");
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "second"})),
        )
        .await;
    assert!(status.is_success());
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/environments",
            Some(json!({"name": "one-more", "type": "test"})),
        )
        .await;
    assert!(status.is_success());
    let before = all_events(&app).await.len();
    for (method, path, body, setting) in [
        (
            Method::POST,
            tags.to_owned(),
            json!({"type": "simple", "value": "cc"}),
            "MAX_TAGS_PER_FLAG",
        ),
        (
            Method::PUT,
            tags.to_owned(),
            json!({"addedTags": [{"type": "simple", "value": "cc"}], "removedTags": []}),
            "MAX_TAGS_PER_FLAG",
        ),
        (
            Method::POST,
            F.to_owned(),
            json!({"name": "born-tagged", "tags": [
                {"type": "simple", "value": "xx"}, {"type": "simple", "value": "yy"},
                {"type": "simple", "value": "zz"}]}),
            "MAX_TAGS_PER_FLAG",
        ),
        (
            Method::POST,
            "/api/admin/projects".to_owned(),
            json!({"id": "third"}),
            "MAX_PROJECTS",
        ),
        (
            Method::POST,
            "/api/admin/environments".to_owned(),
            json!({"name": "two-more", "type": "test"}),
            "MAX_ENVIRONMENTS",
        ),
    ] {
        let (status, answer) = app.admin(method, &path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains(setting)),
            "{answer}"
        );
    }
    assert_eq!(all_events(&app).await.len(), before, "nothing recorded");
    let (status, _) = app
        .admin(Method::GET, &format!("{F}/born-tagged"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, tagged) = app.admin(Method::GET, tags, None).await;
    assert_eq!(tagged["tags"].as_array().map(Vec::len), Some(2), "{tagged}");
    app.stop().await;
}

/// An import of more flags than `--max-import-flags` is refused with 400
/// naming the setting, by validate too, and changes nothing; one at the cap
/// applies whole, with one `features-imported`.
pub async fn imports_are_capped(db: Db) {
    let app = spawn_app_with(db, |args| args.max_import_flags = 3).await;
    let file = |count: usize| {
        let names: Vec<String> = (0..count).map(|i| format!("imported-{i}")).collect();
        json!({"project": "default", "environment": "development", "data": {
            "features": names.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
            "featureStrategies": names.iter()
                .map(|n| json!({"name": "default", "featureName": n})).collect::<Vec<_>>(),
            "featureEnvironments": names.iter()
                .map(|n| json!({"featureName": n, "enabled": true})).collect::<Vec<_>>(),
        }})
    };
    let before = all_events(&app).await.len();
    for route in ["validate", "import"] {
        let (status, answer) = app
            .admin(
                Method::POST,
                &format!("/api/admin/features-batch/{route}"),
                Some(file(4)),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{route}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains("MAX_IMPORT_FLAGS")),
            "{answer}"
        );
    }
    assert_eq!(all_events(&app).await.len(), before, "nothing recorded");
    assert!(flag_in(&app.client_features(CLIENT_DEV).await, "imported-0").is_none());

    let (status, answer) = app
        .admin(
            Method::POST,
            "/api/admin/features-batch/import",
            Some(file(3)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let events = all_events(&app).await;
    let imported: Vec<&Value> = events[..events.len() - before]
        .iter()
        .filter(|e| e["type"] == "features-imported")
        .collect();
    assert_eq!(imported.len(), 1);
    let document = app.client_features(CLIENT_DEV).await;
    for i in 0..3 {
        let flag = flag_in(&document, &format!("imported-{i}")).expect("imported");
        assert_eq!(flag["enabled"], true);
    }
    app.stop().await;
}
