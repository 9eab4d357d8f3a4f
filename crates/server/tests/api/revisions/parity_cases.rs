//! Write routes added for parity with Unleash's admin API (issue 23), past
//! the users' (`user_cases.rs`).

use super::{case, change, Case, Expect};
use crate::helpers::*;

pub fn parity_cases() -> Vec<Case> {
    vec![
        case(
            "POST /api/admin/projects/{project}/api-tokens",
            "project token",
            change(&["api-token-created"]),
        )
        .at("/api/admin/projects/default/api-tokens")
        .body(json!({"tokenName": "project-svc", "type": "backend", "environment": "development"}))
        .keep("project_token"),
        case(
            "POST /api/admin/projects/{project}/api-tokens",
            "project admin token",
            Expect::Refused,
        )
        .at("/api/admin/projects/default/api-tokens")
        .body(json!({"tokenName": "project-admin", "type": "admin"})),
        case(
            "DELETE /api/admin/projects/{project}/api-tokens/{token}",
            "project token delete",
            change(&["api-token-deleted"]),
        )
        .at("/api/admin/projects/default/api-tokens/{project_token}"),
        case(
            "PUT /api/admin/environments/sort-order",
            "environment order",
            change(&["environment-updated"]),
        )
        .body(json!({"staging": 7})),
        case(
            "PUT /api/admin/environments/sort-order",
            "unknown environment order",
            Expect::Refused,
        )
        .body(json!({"nowhere": 1})),
        case(
            "POST /api/admin/segments/validate",
            "segment name",
            Expect::NotAChange("checks a name"),
        )
        .body(json!({"name": "a-free-segment-name"})),
        case(
            "POST /api/admin/context/validate",
            "context name",
            Expect::NotAChange("checks a name"),
        )
        .body(json!({"name": "a-free-context-name"})),
    ]
}
