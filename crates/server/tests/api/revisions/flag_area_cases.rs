//! Write routes of the flag area added for parity with Unleash (issue 23):
//! bulk archive, revive and delete, variants in several environments,
//! maintenance mode (and a change it refuses).

use super::{case, change, Case, Expect};
use crate::helpers::*;

const PROJECT: &str = "/api/admin/projects/default";

pub fn flag_area_cases() -> Vec<Case> {
    vec![
        case(
            "POST /api/admin/projects/{project}/features",
            "flag to archive in bulk",
            change(&["feature-created"]),
        )
        .at(F)
        .body(json!({"name": "bulk-one"})),
        case(
            "PUT /api/admin/projects/{project}/features/{feature}/variants-batch",
            "variants in two environments",
            change(&[
                "feature-environment-variants-updated",
                "feature-environment-variants-updated",
            ]),
        )
        .at(format!("{F}/bulk-one/variants-batch"))
        .body(json!({"variants": [{"name": "blue", "weight": 1000}],
            "environments": ["development", "production"]})),
        case(
            "PUT /api/admin/projects/{project}/features/{feature}/variants-batch",
            "variants in an unknown environment",
            Expect::Refused,
        )
        .at(format!("{F}/bulk-one/variants-batch"))
        .body(json!({"variants": [], "environments": ["development", "nowhere"]})),
        case(
            "POST /api/admin/projects/{project}/archive/validate",
            "archive check",
            Expect::NotAChange("reads what archiving would do to dependencies"),
        )
        .at(format!("{PROJECT}/archive/validate"))
        .body(json!({"features": ["bulk-one"]})),
        case(
            "POST /api/admin/projects/{project}/archive",
            "archive missing",
            Expect::Refused,
        )
        .at(format!("{PROJECT}/archive"))
        .body(json!({"features": ["bulk-one", "missing"]})),
        case(
            "POST /api/admin/projects/{project}/archive",
            "bulk archive",
            change(&["feature-archived"]),
        )
        .at(format!("{PROJECT}/archive"))
        .body(json!({"features": ["bulk-one"]})),
        case(
            "POST /api/admin/projects/{project}/revive",
            "bulk revive",
            change(&["feature-revived"]),
        )
        .at(format!("{PROJECT}/revive"))
        .body(json!({"features": ["bulk-one"]})),
        case(
            "POST /api/admin/projects/{project}/delete",
            "bulk delete of a live flag",
            Expect::Refused,
        )
        .at(format!("{PROJECT}/delete"))
        .body(json!({"features": ["bulk-one"]})),
        case(
            "POST /api/admin/projects/{project}/archive",
            "bulk archive again",
            change(&["feature-archived"]),
        )
        .at(format!("{PROJECT}/archive"))
        .body(json!({"features": ["bulk-one"]})),
        case(
            "POST /api/admin/projects/{project}/delete",
            "bulk delete",
            change(&["feature-deleted"]),
        )
        .at(format!("{PROJECT}/delete"))
        .body(json!({"features": ["bulk-one"]})),
        case(
            "PUT /api/admin/feature-types/{id}/lifetime",
            "flag type lifetime",
            change(&["feature-type-updated"]),
        )
        .at("/api/admin/feature-types/release/lifetime")
        .body(json!({"lifetimeDays": 60})),
        case(
            "PUT /api/admin/feature-types/{id}/lifetime",
            "unknown flag type lifetime",
            Expect::Refused,
        )
        .at("/api/admin/feature-types/nonsense/lifetime")
        .body(json!({"lifetimeDays": 60})),
        case(
            "POST /api/admin/maintenance",
            "maintenance on",
            change(&["setting-created"]),
        )
        .body(json!({"enabled": true})),
        case(
            "POST /api/admin/projects/{project}/features",
            "refused in maintenance",
            Expect::Refused,
        )
        .at(F)
        .body(json!({"name": "in-maintenance"})),
        case(
            "POST /api/admin/maintenance",
            "maintenance off",
            change(&["setting-updated"]),
        )
        .body(json!({"enabled": false})),
    ]
}
