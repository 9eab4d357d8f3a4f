//! The users' write routes (issue 23): the user-admin API, the caller's own
//! password, and the sign-in and reset routes (no token).

use super::{case, change, Caller, Case, Expect};
use crate::browser::ADMIN_PASSWORD;
use crate::helpers::*;

const NEW_PASSWORD: &str = "a brand new password";

pub fn user_cases() -> Vec<Case> {
    vec![
        case(
            "POST /api/admin/user-admin",
            "user",
            change(&["user-created"]),
        )
        .body(json!({"username": "dave", "email": "dave@example.com",
            "password": "dave's first password", "rootRole": 2}))
        .keep("dave"),
        case("POST /api/admin/user-admin", "user again", Expect::Refused)
            .body(json!({"username": "dave", "rootRole": 2})),
        case(
            "PUT /api/admin/user-admin/{id}",
            "user update",
            change(&["user-updated"]),
        )
        .at("/api/admin/user-admin/{dave}")
        .body(json!({"name": "Dave", "rootRole": "Viewer"})),
        case(
            "POST /api/admin/user-admin/{id}/change-password",
            "user password",
            change(&["user-password-changed"]),
        )
        .at("/api/admin/user-admin/{dave}/change-password")
        .body(json!({"password": "dave's second password"})),
        case(
            "POST /api/admin/user-admin/validate-password",
            "password rules",
            Expect::NotAChange("checks a password against the rules"),
        )
        .body(json!({"password": "long enough to pass"})),
        case(
            "POST /api/admin/user-admin/reset-password",
            "reset link",
            change(&["user-reset-link-created"]),
        )
        .body(json!({"id": "dave@example.com"}))
        .keep_field("reset", "resetPasswordUrl"),
        case(
            "POST /auth/reset/password",
            "password by reset link",
            change(&["user-password-changed"]),
        )
        .body_from(|ids| {
            let url = ids["reset"].as_str().expect("a reset URL");
            let token = url.split_once("token=").expect("a token").1;
            json!({"token": token, "password": NEW_PASSWORD})
        })
        .by(Caller::Nobody),
        case(
            "POST /auth/reset/validate-password",
            "password rules (no token)",
            Expect::NotAChange("checks a password against the rules"),
        )
        .body(json!({"password": "long enough to pass"}))
        .by(Caller::Nobody),
        case(
            "POST /auth/simple/login",
            "sign-in",
            Expect::NotAChange("a sign-in starts a session, which is no change"),
        )
        .body(json!({"username": "dave", "password": NEW_PASSWORD}))
        .by(Caller::Nobody),
        case(
            "POST /api/admin/user/change-password",
            "own password",
            change(&["user-password-changed"]),
        )
        .body(json!({"oldPassword": ADMIN_PASSWORD, "password": ADMIN_PASSWORD}))
        .by_user(),
        case(
            "POST /api/admin/user-admin/inactive/delete",
            "no inactive users named",
            Expect::NotAChange("names no user, so deletes no one"),
        )
        .body(json!({"ids": []})),
        case(
            "DELETE /api/admin/user-admin/{id}",
            "user delete",
            change(&["user-deleted"]),
        )
        .at("/api/admin/user-admin/{dave}"),
        case(
            "DELETE /api/admin/user-admin/{id}",
            "the last Admin",
            Expect::Refused,
        )
        .at("/api/admin/user-admin/1"),
    ]
}
