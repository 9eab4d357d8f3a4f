//! Favorites: a personal access token's user stars and unstars projects and
//! flags for themselves (every role may); search and the project overview
//! show the caller's own stars. No event, no revision; an API token (no user)
//! is refused with 400, an unknown project or flag with 404, nothing changed.

use crate::browser::*;
use crate::helpers::*;
use crate::pats::{pat_on_profile, user_browser};

const PROJECT_STAR: &str = "/api/admin/projects/default/favorites";

fn flag_star(flag: &str) -> String {
    format!("{F}/{flag}/favorites")
}

/// `favorite` of each flag the caller's search finds, by name.
async fn starred_flags(app: &TestApp, token: &str) -> Vec<(String, bool)> {
    let (status, body) = app
        .call(Method::GET, "/api/admin/search/features", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut found: Vec<(String, bool)> = body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let favorite = f["favorite"].as_bool().expect("favorite is a boolean");
            (f["name"].as_str().expect("name").to_owned(), favorite)
        })
        .collect();
    found.sort();
    found
}

/// `favorite` of the default project's overview for the caller.
async fn project_starred(app: &TestApp, token: &str) -> bool {
    let (status, body) = app
        .call(
            Method::GET,
            "/api/admin/projects/default/overview",
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["favorite"].as_bool().expect("favorite is a boolean")
}

async fn send(app: &TestApp, method: Method, path: &str, token: &str) -> (StatusCode, Value) {
    app.call(method, path, Some(token), None).await
}

fn flags(one: bool, two: bool) -> Vec<(String, bool)> {
    vec![("one".to_owned(), one), ("two".to_owned(), two)]
}

pub async fn favorites_belong_to_their_user(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut alice = admin_browser(&app).await;
    let mut vi = user_browser(&app, &mut alice, "vi", "Viewer").await;
    let alice = pat_on_profile(&mut alice, "stars").await;
    let vi = pat_on_profile(&mut vi, "stars").await;
    create_flags(&app, &["one", "two"]).await;
    let events_before = all_events(&app).await.len();

    assert_eq!(starred_flags(&app, &alice).await, flags(false, false));
    assert!(!project_starred(&app, &alice).await);

    // Starring twice is starring once.
    for _ in 0..2 {
        let (status, body) = send(&app, Method::POST, &flag_star("one"), &alice).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = send(&app, Method::POST, PROJECT_STAR, &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A Viewer stars too: it changes only their own view.
    let (status, body) = send(&app, Method::POST, &flag_star("two"), &vi).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    assert_eq!(starred_flags(&app, &alice).await, flags(true, false));
    assert_eq!(starred_flags(&app, &vi).await, flags(false, true));
    assert_eq!(starred_flags(&app, ADMIN).await, flags(false, false));
    assert!(project_starred(&app, &alice).await);
    assert!(!project_starred(&app, &vi).await);
    assert!(!project_starred(&app, ADMIN).await);

    // Unstarring; unstarring what is not starred is no error.
    for _ in 0..2 {
        let (status, body) = send(&app, Method::DELETE, &flag_star("one"), &alice).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = send(&app, Method::DELETE, PROJECT_STAR, &alice).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(starred_flags(&app, &alice).await, flags(false, false));
    assert_eq!(starred_flags(&app, &vi).await, flags(false, true));
    assert!(!project_starred(&app, &alice).await);

    // Favorites are no change: nothing in the event log.
    assert_eq!(all_events(&app).await.len(), events_before);
}

pub async fn bad_favorites_change_nothing(db: Db) {
    let app = spawn_app_with(db, with_admin).await;
    let mut alice = admin_browser(&app).await;
    let alice = pat_on_profile(&mut alice, "stars").await;
    create_flags(&app, &["one"]).await;
    let (status, body) = app
        .admin(
            Method::POST,
            "/api/admin/projects",
            Some(json!({"id": "other", "name": "Other"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    for method in [Method::POST, Method::DELETE] {
        for path in [
            "/api/admin/projects/nowhere/favorites".to_owned(),
            flag_star("missing"),
            "/api/admin/projects/nowhere/features/one/favorites".to_owned(),
            // A flag of another project.
            "/api/admin/projects/other/features/one/favorites".to_owned(),
        ] {
            let (status, body) = send(&app, method.clone(), &path, &alice).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
            assert_eq!(body["name"], "NotFoundError", "{body}");
        }
        // An API token belongs to no user: nobody to star it for.
        for path in [PROJECT_STAR.to_owned(), flag_star("one")] {
            let (status, body) = send(&app, method.clone(), &path, ADMIN).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {body}");
            assert_eq!(body["name"], "BadDataError", "{body}");
            let message = body["message"].as_str().expect("message");
            assert!(message.contains("personal access token"), "{message}");
        }
    }
    assert_eq!(
        starred_flags(&app, &alice).await,
        vec![("one".to_owned(), false)]
    );
    assert!(!project_starred(&app, &alice).await);
}
