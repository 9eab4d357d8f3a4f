//! A project's API tokens (issue 23): backend and frontend tokens of that
//! project only, listed and deleted through it; refusals change nothing.

use crate::helpers::*;

const PT: &str = "/api/admin/projects/default/api-tokens";

pub async fn project_api_tokens(db: Db) {
    let app = spawn_app(db).await;
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "other", "name": "Other"})),
        )
        .await;
    assert!(status.is_success());
    let (status, made) = app
        .admin(
            Method::POST,
            PT,
            Some(json!({"tokenName": "svc", "type": "backend", "environment": "development"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["projects"], json!(["default"]));
    let secret = made["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("default:development."), "{secret}");
    app.client_features(&secret).await;

    // Refused, storing nothing: an admin token, an unknown environment or
    // project, a token of another project through this one.
    let (_, before) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    for (path, body, expected) in [
        (
            PT,
            json!({"tokenName": "adm", "type": "admin"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            PT,
            json!({"tokenName": "x", "type": "backend", "environment": "nowhere"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            PT,
            json!({"tokenName": "x", "type": "nonsense"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/admin/projects/missing/api-tokens",
            json!({"tokenName": "x", "type": "backend"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, answer) = app.admin(Method::POST, path, Some(body.clone())).await;
        assert_eq!(status, expected, "{body}: {answer}");
    }
    let (_, after) = app.admin(Method::GET, "/api/admin/api-tokens", None).await;
    assert_eq!(before, after);

    let (status, list) = app.admin(Method::GET, PT, None).await;
    assert_eq!(status, StatusCode::OK);
    let tokens = list["tokens"].as_array().expect("tokens");
    assert!(tokens.iter().any(|t| t["tokenName"] == "svc"), "{list}");
    // The start-up tokens of `default` are listed; the `*` one is not.
    assert_eq!(tokens.len(), 3, "{list}");
    assert!(
        tokens.iter().all(|t| t["projects"] == json!(["default"])),
        "{list}"
    );
    let (status, other) = app
        .admin(Method::GET, "/api/admin/projects/other/api-tokens", None)
        .await;
    assert_eq!(
        (status, other["tokens"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0))
    );
    let (status, _) = app
        .admin(Method::GET, "/api/admin/projects/missing/api-tokens", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let id = made["id"].as_str().expect("id");
    let (status, _) = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/projects/other/api-tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not a token of that project");
    app.client_features(&secret).await;
    let (status, _) = app.admin(Method::DELETE, &format!("{PT}/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(Method::GET, "/api/client/features", Some(&secret), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "deleted at once");
    let (status, _) = app.admin(Method::DELETE, &format!("{PT}/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// One environment with its use, a project's environments, and the sort
/// order (all or none, one change).
pub async fn environments_one_project_and_order(db: Db) {
    let app = spawn_app(db).await;
    let (status, one) = app
        .admin(Method::GET, "/api/admin/environments/production", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(
        (one["name"].as_str(), one["projectCount"].as_i64()),
        (Some("production"), Some(1))
    );
    assert_eq!(one["apiTokenCount"], 1, "the start-up production token");
    let (status, _) = app
        .admin(Method::GET, "/api/admin/environments/nowhere", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, list) = app
        .admin(Method::GET, "/api/admin/environments/project/default", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["environments"].as_array().map(Vec::len), Some(2));
    let (status, _) = app
        .admin(Method::GET, "/api/admin/environments/project/missing", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let order = |list: &Value| -> Vec<String> {
        list["environments"]
            .as_array()
            .expect("environments")
            .iter()
            .filter_map(|e| e["name"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, before) = app
        .admin(Method::GET, "/api/admin/environments", None)
        .await;
    assert_eq!(order(&before), ["development", "production"]);
    let sort = "/api/admin/environments/sort-order";
    let (status, _) = app
        .admin(
            Method::PUT,
            sort,
            Some(json!({"production": 0, "nowhere": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .admin(Method::PUT, sort, Some(json!({"production": "first"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, unchanged) = app
        .admin(Method::GET, "/api/admin/environments", None)
        .await;
    assert_eq!(unchanged, before, "refusals change nothing");
    let (status, _) = app
        .admin(
            Method::PUT,
            sort,
            Some(json!({"production": 0, "development": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = app
        .admin(Method::GET, "/api/admin/environments", None)
        .await;
    assert_eq!(order(&after), ["production", "development"]);
    app.stop().await;
}

/// Name checks before creating a segment or a context field.
pub async fn segment_and_context_names(db: Db) {
    let app = spawn_app(db).await;
    let (status, _) = app
        .admin(
            Method::POST,
            "/api/admin/segments",
            Some(json!({"name": "beta", "constraints": []})),
        )
        .await;
    assert!(status.is_success());
    let segment = "/api/admin/segments/validate";
    for (name, expected) in [
        ("beta", StatusCode::CONFLICT),
        ("gamma", StatusCode::NO_CONTENT),
        ("  ", StatusCode::BAD_REQUEST),
    ] {
        let (status, answer) = app
            .admin(Method::POST, segment, Some(json!({"name": name})))
            .await;
        assert_eq!(status, expected, "{name}: {answer}");
    }
    let context = "/api/admin/context/validate";
    for (name, expected) in [
        ("userId", StatusCode::CONFLICT),
        ("region", StatusCode::OK),
        ("", StatusCode::BAD_REQUEST),
    ] {
        let (status, answer) = app
            .admin(Method::POST, context, Some(json!({"name": name})))
            .await;
        assert_eq!(status, expected, "{name}: {answer}");
    }
    let (status, _) = app.admin(Method::POST, context, Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}
