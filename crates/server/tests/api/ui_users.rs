//! The users screen (issue 23): create a user without a password and hand
//! them the reset link shown once, change a role, deactivate, delete — the
//! operations the admin API applies, so the last Admin stays — and each
//! user's sign-ins listed.

use crate::browser::{admin_browser, with_admin, Browser, ADMIN_USER};
use crate::helpers::*;

/// The users as the API lists them: username → (id, rootRole, isActive).
async fn api_users(app: &TestApp) -> Vec<(String, i64, i64, bool)> {
    let (_, list) = app.admin(Method::GET, "/api/admin/user-admin", None).await;
    list["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| {
            (
                u["username"].as_str().unwrap_or_default().to_owned(),
                u["id"].as_i64().unwrap_or_default(),
                u["rootRole"].as_i64().unwrap_or_default(),
                u["isActive"].as_bool().unwrap_or_default(),
            )
        })
        .collect()
}

async fn id_of(app: &TestApp, username: &str) -> i64 {
    api_users(app)
        .await
        .into_iter()
        .find(|u| u.0 == username)
        .map(|u| u.1)
        .expect("the user exists")
}

/// The reset link a users page shows.
fn shown_link(body: &str) -> String {
    let marker = "<code class=\"secret\">";
    let at = body.find(marker).expect("a link on the page") + marker.len();
    let rest = &body[at..];
    rest[..rest.find('<').expect("end of the link")]
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
}

pub async fn ui_manages_users(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut admin = admin_browser(&app).await;
    let page = admin.get("/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(ADMIN_USER) && page.body.contains("via web UI"),
        "her sign-in is listed"
    );
    let csrf = page.csrf();

    // A user without a password: the page shows a reset link, once.
    let made = admin
        .post(
            "/users",
            &[
                ("_csrf", &csrf),
                ("username", "erin"),
                ("email", ""),
                ("name", "Erin"),
                ("password", ""),
                ("role", "Viewer"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let link = shown_link(&made.body);
    // Links use the public URL, by default the address the server listens on.
    assert!(
        link.starts_with(&format!("{}/reset-password?token=", app.base)),
        "{link}"
    );
    assert!(
        !admin.get("/users").await.body.contains(&link),
        "shown once"
    );
    let path = link.trim_start_matches(&app.base);
    let token = path.split_once("token=").expect("token").1.to_owned();
    let mut erin = Browser::new(&app);
    let form = erin.get(path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("erin"));
    let differ = erin
        .post(
            "/reset-password",
            &[
                ("token", &token),
                ("password", "erin's password"),
                ("confirm", "another one!"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::BAD_REQUEST);
    let set = erin
        .post(
            "/reset-password",
            &[
                ("token", &token),
                ("password", "erin's password"),
                ("confirm", "erin's password"),
            ],
        )
        .await;
    assert_eq!(
        (set.status, set.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    assert_eq!(
        erin.get(path).await.status,
        StatusCode::UNAUTHORIZED,
        "used up"
    );
    assert_eq!(
        erin.sign_in("erin", "erin's password").await.status,
        StatusCode::SEE_OTHER
    );
    assert!(admin.get("/users").await.body.matches("via web UI").count() >= 2);

    // Roles: applied at once to her session; never the last Admin's.
    let erin_id = id_of(&app, "erin").await;
    let alice_id = id_of(&app, ADMIN_USER).await;
    assert_eq!(erin.get("/users").await.status, StatusCode::FORBIDDEN);
    let promoted = admin
        .post(
            &format!("/users/{erin_id}/role"),
            &[("_csrf", &csrf), ("role", "Admin")],
        )
        .await;
    assert_eq!(promoted.status, StatusCode::SEE_OTHER, "{}", promoted.body);
    assert_eq!(erin.get("/users").await.status, StatusCode::OK);
    let demoted = admin
        .post(
            &format!("/users/{erin_id}/role"),
            &[("_csrf", &csrf), ("role", "Viewer")],
        )
        .await;
    assert_eq!(demoted.status, StatusCode::SEE_OTHER);
    let last = admin
        .post(
            &format!("/users/{alice_id}/role"),
            &[("_csrf", &csrf), ("role", "Editor")],
        )
        .await;
    assert_eq!(last.status, StatusCode::CONFLICT);
    assert!(last.body.contains("last Admin"), "{}", last.body);
    for (action, form) in [
        ("active", ("active", "no")),
        ("delete", ("confirmed", "yes")),
    ] {
        let refused = admin
            .post(
                &format!("/users/{alice_id}/{action}"),
                &[("_csrf", &csrf), form],
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{action}");
    }
    assert!(api_users(&app)
        .await
        .iter()
        .any(|u| u.0 == ADMIN_USER && u.2 == 1 && u.3));

    // A Viewer, and a form without the token, change nothing.
    let erin_csrf = erin.get("/profile").await.csrf();
    let viewer = erin
        .post(
            &format!("/users/{alice_id}/role"),
            &[("_csrf", &erin_csrf), ("role", "Viewer")],
        )
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    let forged = admin
        .post(&format!("/users/{erin_id}/delete"), &[("confirmed", "yes")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let unknown = admin
        .post(
            "/users/9999/delete",
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Deactivated: her session ends and she cannot sign in; reactivated, she can.
    let off = admin
        .post(
            &format!("/users/{erin_id}/active"),
            &[("_csrf", &csrf), ("active", "no")],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert!(admin.get("/users").await.body.contains("Deactivated"));
    assert_eq!(erin.get("/profile").await.location(), "/login");
    assert_eq!(
        erin.sign_in("erin", "erin's password").await.status,
        StatusCode::UNAUTHORIZED
    );
    let on = admin
        .post(
            &format!("/users/{erin_id}/active"),
            &[("_csrf", &csrf), ("active", "yes")],
        )
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    assert_eq!(
        erin.sign_in("erin", "erin's password").await.status,
        StatusCode::SEE_OTHER
    );

    // Deleted: gone from the API's list, and her session with her.
    let gone = admin
        .post(
            &format!("/users/{erin_id}/delete"),
            &[("_csrf", &csrf), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(!api_users(&app).await.iter().any(|u| u.0 == "erin"));
    assert_eq!(erin.get("/profile").await.location(), "/login");
    let page = admin.get("/users").await;
    assert!(
        page.body.contains("data-confirm=\"Delete user"),
        "delete asks first"
    );
    app.stop().await;
}
