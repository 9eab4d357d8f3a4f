//! Users through Unleash's admin API (issue 23): the user-admin routes,
//! the caller's own routes, sign-in and reset links — the same users the
//! web UI signs in, with roles that apply at once to sessions and PATs, and
//! an Admin that always remains.

use crate::browser::{with_admin, Browser, ADMIN_PASSWORD, ADMIN_USER};
use crate::helpers::*;
use crate::pats::pat_on_profile;

const UA: &str = "/api/admin/user-admin";

async fn user_count(app: &TestApp) -> usize {
    let (status, body) = app.admin(Method::GET, UA, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["users"].as_array().map_or(0, Vec::len)
}

/// Signs in through `POST /auth/simple/login`: the status, body and the
/// session cookie it set.
async fn api_login(
    app: &TestApp,
    login: &str,
    password: &str,
) -> (StatusCode, Value, Option<String>) {
    let response = app
        .http
        .post(format!("{}/auth/simple/login", app.base))
        .json(&json!({"username": login, "password": password}))
        .send()
        .await
        .expect("answered");
    let status = response.status();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("flagstaff_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, cookie)
}

pub async fn users_through_the_admin_api(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let (status, list) = app.admin(Method::GET, UA, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["users"][0]["username"], ADMIN_USER);
    assert_eq!(list["users"][0]["rootRole"], 1);
    assert!(list["users"][0].get("passwordHash").is_none() && !list.to_string().contains("argon2"));
    let roles: Vec<&str> = list["rootRoles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(roles, ["Admin", "Editor", "Viewer"]);
    let alice = list["users"][0]["id"].as_i64().expect("id");

    // Create: by id or name of the role; the username defaults to the email.
    let (status, ada) = app
        .admin(
            Method::POST,
            UA,
            Some(json!({"username": "ada", "email": "ada@example.com",
            "name": "Ada", "password": "ada's password 1", "rootRole": 2})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ada}");
    assert_eq!(
        (ada["username"].as_str(), ada["rootRole"].as_i64()),
        (Some("ada"), Some(2))
    );
    let ada_id = ada["id"].as_i64().expect("id");
    let (status, bob) = app
        .admin(
            Method::POST,
            UA,
            Some(json!({"email": "bob@example.com", "rootRole": "Viewer"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{bob}");
    assert_eq!(bob["username"], "bob@example.com");
    assert_eq!(bob["rootRole"], 3);
    let bob_id = bob["id"].as_i64().expect("id");

    // Bad input: 400/409 with Unleash's error shape, and nothing stored.
    let count = user_count(&app).await;
    for (body, expected) in [
        (
            json!({"username": "ada", "rootRole": 3}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"username": "eve", "email": "ada@example.com", "rootRole": 3}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"username": "eve", "email": "not an email", "rootRole": 3}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"username": "eve", "rootRole": 9}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"username": "eve", "rootRole": "Owner"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"rootRole": 3}), StatusCode::BAD_REQUEST),
        (json!({"username": "eve"}), StatusCode::BAD_REQUEST),
        (
            json!({"username": "eve", "password": "short", "rootRole": 3}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"username": "with space", "rootRole": 3}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, answer) = app.admin(Method::POST, UA, Some(body.clone())).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert!(
            answer["name"].is_string() && answer["message"].is_string(),
            "{answer}"
        );
    }
    assert_eq!(user_count(&app).await, count, "refusals store nothing");

    // Read, search, access, counts.
    let (status, one) = app
        .admin(Method::GET, &format!("{UA}/{ada_id}"), None)
        .await;
    assert_eq!(
        (status, one["email"].as_str()),
        (StatusCode::OK, Some("ada@example.com"))
    );
    for missing in ["9999", "abc"] {
        let (status, _) = app
            .admin(Method::GET, &format!("{UA}/{missing}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
    let (_, found) = app
        .admin(Method::GET, &format!("{UA}/search?q=ADA"), None)
        .await;
    let found: Vec<&str> = found
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(found, ["ada"]);
    let (_, access) = app.admin(Method::GET, &format!("{UA}/access"), None).await;
    assert_eq!(access["users"].as_array().map(Vec::len), Some(3));
    let (_, counts) = app
        .admin(Method::GET, &format!("{UA}/admin-count"), None)
        .await;
    assert_eq!(
        counts,
        json!({"password": 1, "noPassword": 0, "service": 0})
    );

    // Update; an email another user has is a 409 and changes nothing.
    let (status, updated) = app
        .admin(
            Method::PUT,
            &format!("{UA}/{ada_id}"),
            Some(json!({"name": "Ada King"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        (updated["name"].as_str(), updated["rootRole"].as_i64()),
        (Some("Ada King"), Some(2))
    );
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{UA}/{ada_id}"),
            Some(json!({"email": "bob@example.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{UA}/{ada_id}"),
            Some(json!({"rootRole": 7})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, one) = app
        .admin(Method::GET, &format!("{UA}/{ada_id}"), None)
        .await;
    assert_eq!(
        (one["email"].as_str(), one["rootRole"].as_i64()),
        (Some("ada@example.com"), Some(2))
    );

    // The last Admin is never demoted or deleted.
    let before = all_events(&app).await.len();
    let (status, body) = app
        .admin(
            Method::PUT,
            &format!("{UA}/{alice}"),
            Some(json!({"rootRole": "Editor"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("last Admin")),
        "{body}"
    );
    let (status, _) = app
        .admin(Method::DELETE, &format!("{UA}/{alice}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        all_events(&app).await.len(),
        before,
        "refusals record nothing"
    );

    // A user made by the API signs in to the web UI, and through the API.
    let mut web = Browser::new(&app);
    let signed = web.sign_in("ada", "ada's password 1").await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let (status, me, cookie) = api_login(&app, "ada@example.com", "ada's password 1").await;
    assert_eq!(
        (status, me["username"].as_str()),
        (StatusCode::OK, Some("ada"))
    );
    let mut api_session = Browser::new(&app);
    api_session.cookie = cookie;
    assert_eq!(
        api_session.get("/profile").await.status,
        StatusCode::OK,
        "the API's sign-in is a web UI session"
    );
    let (status, wrong, _) = api_login(&app, "ada", "not her password").await;
    assert_eq!(
        (status, wrong["name"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("PasswordMismatchError"))
    );
    // A user without a password cannot sign in.
    let (status, _, _) = api_login(&app, "bob@example.com", "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Roles apply at once to sessions and PATs.
    let pat = pat_on_profile(&mut web, "ada scripts").await;
    let (status, _) = app.call(Method::GET, UA, Some(&pat), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an Editor manages no users");
    assert_eq!(web.get("/users").await.status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{UA}/{ada_id}"),
            Some(json!({"rootRole": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call(Method::GET, UA, Some(&pat), None).await;
    assert_eq!(status, StatusCode::OK, "promoted: her PAT at once");
    assert_eq!(
        web.get("/users").await.status,
        StatusCode::OK,
        "and her session"
    );
    let (_, counts) = app
        .admin(Method::GET, &format!("{UA}/admin-count"), None)
        .await;
    assert_eq!(counts["password"], 2);
    // Now alice may be demoted; ada is the last Admin.
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{UA}/{alice}"),
            Some(json!({"rootRole": 3})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{UA}/{ada_id}"),
            Some(json!({"rootRole": 3})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .admin(
            Method::PUT,
            &format!("{UA}/{alice}"),
            Some(json!({"rootRole": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // The caller's own routes, with a PAT; an API token is nobody.
    let (status, me) = app
        .call(Method::GET, "/api/admin/user", Some(&pat), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["username"], "ada");
    assert_eq!(me["permissions"], json!([{"permission": "ADMIN"}]));
    let (status, _) = app.admin(Method::GET, "/api/admin/user", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, profile) = app
        .call(Method::GET, "/api/admin/user/profile", Some(&pat), None)
        .await;
    assert_eq!(profile["rootRole"]["name"], "Admin");
    assert_eq!(profile["projects"], json!(["default"]));
    let (_, roles) = app
        .call(Method::GET, "/api/admin/user/roles", Some(&pat), None)
        .await;
    assert_eq!(roles["roles"][0]["id"], 1);
    let own = "/api/admin/user/change-password";
    let (status, _) = app
        .call(
            Method::POST,
            own,
            Some(&pat),
            Some(json!({"oldPassword": "wrong one!!", "password": "ada's password 2"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(
            Method::POST,
            own,
            Some(&pat),
            Some(json!({"oldPassword": "ada's password 1",
            "password": "ada's password 2", "confirmPassword": "something else"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(
            Method::POST,
            own,
            Some(&pat),
            Some(json!({"oldPassword": "ada's password 1", "password": "ada's password 2"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        web.get("/profile").await.status,
        StatusCode::SEE_OTHER,
        "her sessions ended"
    );
    assert_eq!(
        api_login(&app, "ada", "ada's password 2").await.0,
        StatusCode::OK
    );

    // An Admin sets a password; the rules are checked first.
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{UA}/validate-password"),
            Some(json!({"password": "short"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{UA}/{ada_id}/change-password"),
            Some(json!({"password": "short"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{UA}/{ada_id}/change-password"),
            Some(json!({"password": "ada's password 3"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api_login(&app, "ada", "ada's password 2").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api_login(&app, "ada", "ada's password 3").await.0,
        StatusCode::OK
    );

    // A reset link: validated, used once, then bob signs in.
    let (status, _) = app
        .admin(
            Method::POST,
            &format!("{UA}/reset-password"),
            Some(json!({"id": "nobody@example.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, link) = app
        .admin(
            Method::POST,
            &format!("{UA}/reset-password"),
            Some(json!({"id": "bob@example.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let url = link["resetPasswordUrl"].as_str().expect("a URL");
    // Links use the public URL, by default the address the server listens on.
    assert!(
        url.starts_with(&format!("{}/reset-password?token=", app.base)),
        "{url}"
    );
    let token = url.split_once("token=").expect("token").1.to_owned();
    let (status, whose) = app
        .call(
            Method::GET,
            &format!("/auth/reset/validate?token={token}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{whose}");
    assert_eq!(
        (whose["email"].as_str(), whose["createdBy"].as_str()),
        (Some("bob@example.com"), Some("admin"))
    );
    let reset = "/auth/reset/password";
    let (status, _) = app
        .call(
            Method::POST,
            reset,
            None,
            Some(json!({"token": token, "password": "short"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(
            Method::POST,
            reset,
            None,
            Some(json!({"token": "made-up", "password": "bob's password 1"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(
            Method::POST,
            reset,
            None,
            Some(json!({"token": token, "password": "bob's password 1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, used) = app
        .call(
            Method::POST,
            reset,
            None,
            Some(json!({"token": token, "password": "bob's password 2"})),
        )
        .await;
    assert_eq!(
        (status, used["name"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("InvalidTokenError"))
    );
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/auth/reset/validate?token={token}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        api_login(&app, "bob@example.com", "bob's password 1")
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = app
        .call(
            Method::POST,
            "/auth/reset/validate-password",
            None,
            Some(json!({"password": "tiny"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Inactive users: none yet; after 181 days everyone is.
    let (_, inactive) = app
        .admin(Method::GET, &format!("{UA}/inactive"), None)
        .await;
    assert_eq!(inactive, json!({"version": 1, "inactiveUsers": []}));
    app.advance(Duration::from_secs(181 * 24 * 3600));
    let (_, inactive) = app
        .admin(Method::GET, &format!("{UA}/inactive"), None)
        .await;
    assert_eq!(inactive["inactiveUsers"].as_array().map(Vec::len), Some(3));
    let delete_inactive = format!("{UA}/inactive/delete");
    let (status, _) = app
        .admin(
            Method::POST,
            &delete_inactive,
            Some(json!({"ids": [bob_id, 9999]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .admin(
            Method::POST,
            &delete_inactive,
            Some(json!({"ids": [bob_id, alice, ada_id]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "not every Admin");
    assert_eq!(user_count(&app).await, 3, "all or none");
    let (status, _) = app
        .admin(
            Method::POST,
            &delete_inactive,
            Some(json!({"ids": [bob_id]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user_count(&app).await, 2);

    // Deleting a user ends their PATs and sessions at once.
    let (status, _) = app
        .admin(Method::DELETE, &format!("{UA}/{ada_id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call(Method::GET, F, Some(&pat), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .admin(Method::DELETE, &format!("{UA}/{ada_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let kinds: Vec<String> = all_events(&app)
        .await
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect();
    for kind in [
        "user-created",
        "user-updated",
        "user-deleted",
        "user-password-changed",
        "user-reset-link-created",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    // The admin still signs in.
    assert_eq!(
        api_login(&app, ADMIN_USER, ADMIN_PASSWORD).await.0,
        StatusCode::OK
    );
    app.stop().await;
}
