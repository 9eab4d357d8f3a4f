//! API tokens: who may call what, ids and revocation, expiry.

use crate::helpers::*;

/// Each route group against each token kind.
pub async fn tokens_guard_every_route(db: Db) {
    let app = spawn_app(db).await;
    let admin_route = (Method::GET, F.to_owned());
    let client_route = (Method::GET, "/api/client/features".to_owned());
    for (method, path) in [
        admin_route.clone(),
        (Method::GET, "/api/admin/events".to_owned()),
    ] {
        let (status, body) = app.call(method.clone(), &path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["name"], "AuthenticationRequired");
        assert!(!body.to_string().contains("/auth/simple/login"), "{body}");
        let (status, body) = app
            .call(method.clone(), &path, Some("*:*.unknown"), None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(body["id"].is_string() && body["message"].is_string());
        for token in [CLIENT_DEV, FRONTEND] {
            let (status, body) = app.call(method.clone(), &path, Some(token), None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} with {token}");
            assert_eq!(body["name"], "PermissionError");
        }
        let (status, _) = app
            .call(
                method.clone(),
                &path,
                Some(&format!("Bearer {ADMIN}")),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: Bearer prefix accepted");
    }
    let (method, path) = client_route;
    let (status, body) = app.call(method.clone(), &path, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"message": "This endpoint requires an API token. Please add an authorization header to your request with a valid token"})
    );
    for token in [ADMIN, FRONTEND] {
        let (status, body) = app.call(method.clone(), &path, Some(token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            body,
            json!({"message": "invalid token: expected a different token type for this endpoint"})
        );
    }

    // A created token works at once; a deleted one stops at once.
    let (status, created) = app
        .admin(Method::POST, "/api/admin/api-tokens",
               Some(json!({"tokenName": "svc", "type": "client", "environment": "development", "projects": ["default"]})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"]
        .as_str()
        .expect("secret shown once")
        .to_owned();
    assert!(secret.starts_with("default:development."));
    app.client_features(&secret).await;
    let (status, listed) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !listed.to_string().contains(&secret),
        "secrets are never listed"
    );
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/admin/api-tokens/{secret}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(Method::GET, "/api/client/features", Some(&secret), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revocation is immediate");
    app.stop().await;
}

/// Tokens have public ids and non-secret prefixes; DELETE takes the id (or
/// the secret, as Unleash); a deleted token stops working at once.
pub async fn tokens_by_id(db: Db) {
    let app = spawn_app(db).await;
    let mut secrets = Vec::new();
    for name in ["svc-a", "svc-b"] {
        let (status, created) = app
            .admin(Method::POST, "/api/admin/api-tokens",
                   Some(json!({"tokenName": name, "type": "backend", "environment": "development", "projects": ["default"]})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let secret = created["secret"].as_str().expect("secret").to_owned();
        assert!(created["id"].is_string(), "{created}");
        assert_eq!(
            created["secretPrefix"].as_str(),
            Some(&secret[.."default:development.".len() + 4])
        );
        secrets.push((created["id"].as_str().expect("id").to_owned(), secret));
    }
    let (_, listed) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    let tokens = listed["tokens"].as_array().expect("tokens").clone();
    // The three INIT_* kinds, the admin one, and the two made here: ids all different.
    let mut ids: Vec<&str> = tokens
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), tokens.len(), "{listed}");
    for (_, secret) in &secrets {
        assert!(
            !listed.to_string().contains(&secret[24..]),
            "secrets are never listed"
        );
    }
    let names: Vec<&str> = tokens
        .iter()
        .map(|t| t["tokenName"].as_str().expect("name"))
        .collect();
    assert!(
        names.contains(&"admin") && names.contains(&"backend") && names.contains(&"frontend"),
        "{names:?}"
    );

    // Delete by id: that token stops, the other goes on.
    let (first_id, first_secret) = &secrets[0];
    let (second_id, second_secret) = &secrets[1];
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/api-tokens/{first_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(
            Method::GET,
            "/api/client/features",
            Some(first_secret),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "revocation by id is immediate"
    );
    app.client_features(second_secret).await;
    let (status, body) = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/api-tokens/{first_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["name"], "NotFoundError");
    // By secret still works; the event names the token by id, never by secret.
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/api-tokens/{second_secret}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(
            Method::GET,
            "/api/client/features",
            Some(second_secret),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let events = app.events().await;
    let deleted: Vec<&Value> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "api-token-deleted")
        .collect();
    assert_eq!(deleted.len(), 2, "{events}");
    assert!(deleted
        .iter()
        .any(|e| e["preData"]["id"] == second_id.as_str()));
    assert!(!events.to_string().contains(&second_secret[24..]));
    app.stop().await;
}

/// `expiresAt` is a date-time in the future, and an expired token is refused
/// like an unknown one.
pub async fn token_expiry(db: Db) {
    let app = spawn_app(db).await;
    for (bad, why) in [
        ("next tuesday", "not a date-time"),
        ("2001-01-01T00:00:00Z", "in the past"),
    ] {
        let (status, body) = app
            .admin(Method::POST, "/api/admin/api-tokens", Some(json!({
                "tokenName": "short", "type": "backend", "environment": "development", "expiresAt": bad
            })))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains(why)),
            "{body}"
        );
    }
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (status, created) = app
        .admin(Method::POST, "/api/admin/api-tokens", Some(json!({
            "tokenName": "short", "type": "backend", "environment": "development", "expiresAt": soon
        })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["expiresAt"], soon.as_str());
    let secret = created["secret"].as_str().expect("secret").to_owned();
    app.client_features(&secret).await;
    app.advance(Duration::from_secs(3540));
    app.client_features(&secret).await;
    app.advance(Duration::from_secs(61));
    let (status, body) = app
        .call(Method::GET, "/api/client/features", Some(&secret), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    app.stop().await;
}

/// An `expiresAt` a client writes in another offset or precision is the same
/// instant stored once, as every instant is: UTC to the millisecond, shown
/// as stored (`2030-01-31T12:00:00.123Z`) when the token is created, listed
/// and changed.
pub async fn token_expiry_is_stored_normalised(db: Db) {
    let app = spawn_app(db).await;
    let (status, created) = app
        .admin(
            Method::POST,
            "/api/admin/api-tokens",
            Some(json!({
                "tokenName": "offset", "type": "backend", "environment": "development",
                "expiresAt": "2030-01-31T13:00:00.123456789+01:00"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["expiresAt"], "2030-01-31T12:00:00.123Z");
    let created_at = created["createdAt"].as_str().expect("createdAt").to_owned();
    assert!(
        chrono::NaiveDateTime::parse_from_str(&created_at, "%Y-%m-%dT%H:%M:%S%.3fZ").is_ok()
            && created_at.len() == "2030-01-31T12:00:00.123Z".len(),
        "{created_at}"
    );
    let id = created["id"].as_str().expect("id").to_owned();
    let (status, body) = app
        .admin(
            Method::PUT,
            &format!("/api/admin/api-tokens/{id}"),
            Some(json!({"expiresAt": "2031-06-01T00:00:00-07:00"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, listed) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    let token = listed["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["id"] == id.as_str())
        .expect("listed")
        .clone();
    assert_eq!(token["expiresAt"], "2031-06-01T07:00:00.000Z", "{token}");
    assert_eq!(token["createdAt"], created_at.as_str(), "{token}");
    if !matches!(app.db, Db::Memory) {
        use sqlx::Connection;
        let mut connection = sqlx::AnyConnection::connect(&app.db.url())
            .await
            .expect("connect to the test database");
        let stored: String = sqlx::query_scalar("SELECT expires_at FROM api_tokens WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut connection)
            .await
            .expect("stored");
        assert_eq!(stored, "2031-06-01T07:00:00.000Z");
        let _ = connection.close().await;
    }
    app.stop().await;
}
