//! Change requests (issue 26): configuring a protected environment, the
//! refused direct change, a request's life up to applying it as one revision,
//! and the routes that record nothing.

use super::{case, change, Case, Expect};
use crate::helpers::*;

const CR: &str = "/api/admin/projects/default/change-requests";

pub fn change_request_cases() -> Vec<Case> {
    vec![
        case(
            "POST /api/admin/environments",
            "guarded environment",
            change(&["environment-created"]),
        )
        .body(json!({"name": "guarded", "type": "production"})),
        case(
            "POST /api/admin/projects/{project}/environments",
            "guarded in default",
            change(&["project-environment-added"]),
        )
        .at("/api/admin/projects/default/environments")
        .body(json!({"environment": "guarded"})),
        case(
            "POST /api/admin/projects/{project}/features",
            "guarded flag",
            change(&["feature-created"]),
        )
        .at(F)
        .body(json!({"name": "guarded-flag"})),
        case(
            "PUT /api/admin/projects/{project}/environments/{environment}/change-requests/config",
            "protect guarded",
            change(&["change-request-configuration-updated"]),
        )
        .at("/api/admin/projects/default/environments/guarded/change-requests/config")
        .body(json!({"changeRequestsEnabled": true, "requiredApprovals": 1})),
        case(
            "PUT /api/admin/projects/{project}/environments/{environment}/change-requests/config",
            "too many approvals",
            Expect::Refused,
        )
        .at("/api/admin/projects/default/environments/guarded/change-requests/config")
        .body(json!({"changeRequestsEnabled": true, "requiredApprovals": 11})),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/environments/{environment}/on",
            "direct change to a protected environment",
            Expect::Refused,
        )
        .at(format!("{F}/guarded-flag/environments/guarded/on")),
        case(
            "POST /api/admin/projects/{project}/environments/{environment}/change-requests",
            "bad payload",
            Expect::Refused,
        )
        .at("/api/admin/projects/default/environments/guarded/change-requests")
        .body(json!({"action": "updateEnabled", "feature": "guarded-flag", "payload": {"enabled": "yes"}})),
        case(
            "POST /api/admin/projects/{project}/environments/{environment}/change-requests",
            "draft",
            change(&["change-request-created", "change-added"]),
        )
        .at("/api/admin/projects/default/environments/guarded/change-requests")
        .body(json!({"action": "updateEnabled", "feature": "guarded-flag", "payload": {"enabled": true}}))
        .keep("cr"),
        case(
            "POST /api/admin/projects/{project}/environments/{environment}/change-requests",
            "second change",
            change(&["change-added"]),
        )
        .at("/api/admin/projects/default/environments/guarded/change-requests")
        .body(json!([{"action": "addStrategy", "feature": "guarded-flag",
            "payload": {"name": "default", "parameters": {}, "constraints": []}}]))
        .keep_field("cr_change", "/features/0/changes/1/id"),
        case(
            "PUT /api/admin/projects/{project}/change-requests/{id}/changes/{change}",
            "edit a change",
            change(&["change-edited"]),
        )
        .at(format!("{CR}/{{cr}}/changes/{{cr_change}}"))
        .body(json!({"action": "addStrategy", "feature": "guarded-flag",
            "payload": {"name": "flexibleRollout", "parameters": {"rollout": "50"}}})),
        case(
            "PUT /api/admin/projects/{project}/change-requests/{id}/title",
            "title",
            Expect::NotAChange("renames the request: Unleash records no event and no flag changes"),
        )
        .at(format!("{CR}/{{cr}}/title"))
        .body(json!({"title": "Turn on guarded-flag"})),
        case(
            "POST /api/admin/projects/{project}/change-requests/{id}/comments",
            "comment",
            Expect::NotAChange("a comment: Unleash records no event and no flag changes"),
        )
        .at(format!("{CR}/{{cr}}/comments"))
        .body(json!({"text": "Please review"})),
        case(
            "PUT /api/admin/projects/{project}/change-requests/{id}/approvers",
            "approvers",
            change(&["change-request-requested-approvers-updated"]),
        )
        .at(format!("{CR}/{{cr}}/approvers"))
        .body(json!({"approvers": []})),
        case(
            "PUT /api/admin/projects/{project}/change-requests/{id}/state",
            "to review",
            change(&["change-request-sent-to-review"]),
        )
        .at(format!("{CR}/{{cr}}/state"))
        .body(json!({"state": "In review"})),
        case(
            "PUT /api/admin/projects/{project}/change-requests/{id}/state",
            "self-approval",
            Expect::Refused,
        )
        .at(format!("{CR}/{{cr}}/state"))
        .body(json!({"state": "Approved"})),
        case(
            "PUT /api/admin/projects/{project}/change-requests/{id}/state",
            "approval by another user",
            change(&["change-request-approval-added", "change-request-approved"]),
        )
        .at(format!("{CR}/{{cr}}/state"))
        .body(json!({"state": "Approved"}))
        .by_user(),
        case(
            "POST /api/admin/playground/change-request/{id}",
            "playground as if applied",
            Expect::NotAChange("runs the request in a change transaction it drops uncommitted"),
        )
        .at("/api/admin/playground/change-request/{cr}")
        .body(json!({"environment": "guarded", "context": {}})),
        case(
            "PUT /api/admin/projects/{project}/change-requests/{id}/state",
            "apply",
            change(&[
                "change-request-applied",
                "feature-environment-enabled",
                "feature-strategy-add",
                "feature-strategy-add",
            ]),
        )
        .at(format!("{CR}/{{cr}}/state"))
        .body(json!({"state": "Applied"})),
        case(
            "POST /api/admin/projects/{project}/environments/{environment}/change-requests",
            "another draft",
            change(&["change-request-created", "change-added"]),
        )
        .at("/api/admin/projects/default/environments/guarded/change-requests")
        .body(json!({"action": "updateEnabled", "feature": "guarded-flag", "payload": {"enabled": false}}))
        .keep_field("cr2_change", "/features/0/changes/0/id")
        .keep("cr2"),
        case(
            "DELETE /api/admin/projects/{project}/change-requests/{id}/changes/{change}",
            "discard the last change",
            change(&["change-discarded", "change-request-discarded"]),
        )
        .at(format!("{CR}/{{cr2}}/changes/{{cr2_change}}")),
        case(
            "POST /api/admin/projects/{project}/environments/{environment}/change-requests",
            "a third draft",
            change(&["change-request-created", "change-added"]),
        )
        .at("/api/admin/projects/default/environments/guarded/change-requests")
        .body(json!({"action": "archiveFeature", "feature": "guarded-flag"}))
        .keep("cr3"),
        case(
            "DELETE /api/admin/projects/{project}/change-requests/{id}",
            "delete a draft",
            change(&["change-request-discarded"]),
        )
        .at(format!("{CR}/{{cr3}}")),
        case(
            "PUT /api/admin/projects/{project}/environments/{environment}/change-requests/config",
            "unprotect guarded",
            change(&["change-request-configuration-updated"]),
        )
        .at("/api/admin/projects/default/environments/guarded/change-requests/config")
        .body(json!({"changeRequestsEnabled": false})),
    ]
}
