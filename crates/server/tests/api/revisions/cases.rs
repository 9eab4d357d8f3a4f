//! The scenario: one case per write route (and some refusals), in an order
//! where each finds what it needs made by the ones before.

use super::{case, change, Caller, Case, Expect, Ids};
use crate::helpers::*;

const STRATEGIES: &str =
    "/api/admin/projects/default/features/one/environments/development/strategies";
/// Why a favorite is no change.
const FAVORITE: &str = "the caller's own star: per-user view state that Unleash records no event \
for and no flag document or snapshot reads";
const VARIANTS: &str = "/api/admin/projects/default/features/one/environments/development/variants";

pub fn cases() -> Vec<Case> {
    [
        projects_and_environments(),
        context_and_segments(),
        flags_links_and_tags(),
        strategy_types(),
        flag_changes(),
        favorites(),
        transfers(),
        removals(),
        automation(),
        tokens_and_integrations(),
        not_changes(),
        super::user_cases::user_cases(),
        super::parity_cases::parity_cases(),
        super::flag_area_cases::flag_area_cases(),
        super::sdk_cases::sdk_writes(),
        super::change_request_cases::change_request_cases(),
        super::plan_cases::plan_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn projects_and_environments() -> Vec<Case> {
    vec![
        case(
            "POST /api/admin/projects",
            "project",
            change(&["project-created"]),
        )
        .body(json!({"id": "other", "name": "Other"})),
        case(
            "POST /api/admin/environments",
            "environment",
            change(&["environment-created"]),
        )
        .body(json!({"name": "staging", "type": "test"})),
        case(
            "POST /api/admin/environments/{name}/off",
            "environment off",
            change(&["environment-updated"]),
        )
        .at("/api/admin/environments/staging/off"),
        case(
            "POST /api/admin/environments/{name}/on",
            "environment on",
            change(&["environment-updated"]),
        )
        .at("/api/admin/environments/staging/on"),
        case(
            "POST /api/admin/projects/{project}/environments",
            "project environment",
            change(&["project-environment-added"]),
        )
        .at("/api/admin/projects/default/environments")
        .body(json!({"environment": "staging"})),
    ]
}

fn context_and_segments() -> Vec<Case> {
    vec![
        case(
            "POST /api/admin/context",
            "context",
            change(&["context-field-created"]),
        )
        .body(json!({"name": "region"})),
        case(
            "PUT /api/admin/context/{name}",
            "context update",
            change(&["context-field-updated"]),
        )
        .at("/api/admin/context/region")
        .body(json!({"name": "region", "description": "where"})),
        case(
            "POST /api/admin/context/{name}/legal-values",
            "legal value",
            change(&["context-field-updated"]),
        )
        .at("/api/admin/context/region/legal-values")
        .body(json!({"value": "eu", "description": "Europe"})),
        case(
            "POST /api/admin/context/{name}/legal-values",
            "second legal value",
            change(&["context-field-updated"]),
        )
        .at("/api/admin/context/region/legal-values")
        .body(json!({"value": "us"})),
        case(
            "DELETE /api/admin/context/{name}/legal-values/{value}",
            "legal value removed",
            change(&["context-field-updated"]),
        )
        .at("/api/admin/context/region/legal-values/us"),
        case(
            "DELETE /api/admin/context/{name}/legal-values/{value}",
            "legal value the field does not have",
            Expect::NotAChange("the field has no such legal value: nothing to remove"),
        )
        .at("/api/admin/context/region/legal-values/us"),
        case(
            "POST /api/admin/projects/{project}/context",
            "project context",
            change(&["context-field-created"]),
        )
        .at("/api/admin/projects/other/context")
        .body(json!({"name": "tenant"})),
        case(
            "POST /api/admin/projects/{project}/context/validate",
            "project context name",
            Expect::NotAChange("checks a name"),
        )
        .at("/api/admin/projects/other/context/validate")
        .body(json!({"name": "a-free-context-name"})),
        case(
            "PUT /api/admin/projects/{project}/context/{name}",
            "project context update",
            change(&["context-field-updated"]),
        )
        .at("/api/admin/projects/other/context/tenant")
        .body(json!({"description": "The customer's tenant"})),
        case(
            "PUT /api/admin/projects/{project}/context/{name}",
            "another project's context field",
            Expect::Refused,
        )
        .at("/api/admin/projects/default/context/tenant")
        .body(json!({"description": "not here"})),
        case(
            "POST /api/admin/projects/{project}/context/{name}/legal-values",
            "project legal value",
            change(&["context-field-updated"]),
        )
        .at("/api/admin/projects/other/context/tenant/legal-values")
        .body(json!({"value": "acme"})),
        case(
            "POST /api/admin/segments",
            "segment with a value the field does not allow",
            Expect::Refused,
        )
        .body(json!({"name": "tenants", "constraints": [
            {"contextName": "tenant", "operator": "IN", "values": ["globex"]}]})),
        case(
            "DELETE /api/admin/projects/{project}/context/{name}/legal-values/{value}",
            "project legal value removed",
            change(&["context-field-updated"]),
        )
        .at("/api/admin/projects/other/context/tenant/legal-values/acme"),
        case(
            "DELETE /api/admin/projects/{project}/context/{name}",
            "project context delete",
            change(&["context-field-deleted"]),
        )
        .at("/api/admin/projects/other/context/tenant"),
        case(
            "POST /api/admin/segments",
            "segment",
            change(&["segment-created"]),
        )
        .body(json!({"name": "eu", "constraints": []}))
        .keep("segment"),
    ]
}

fn flags_links_and_tags() -> Vec<Case> {
    let link = "/api/admin/projects/default/features/one/link";
    vec![
        case(
            "POST /api/admin/projects/{project}/features",
            "flag",
            change(&["feature-created"]),
        )
        .at(F)
        .body(json!({"name": "one"})),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/link",
            "flag link",
            change(&["feature-link-added"]),
        )
        .at(link)
        .body(json!({"url": "https://jira.example.com/browse/CHK-1", "title": "ticket"}))
        .keep("link"),
        case(
            "PUT /api/admin/projects/{project}/features/{feature}/link/{id}",
            "flag link update",
            change(&["feature-link-updated"]),
        )
        .at(format!("{link}/{{link}}"))
        .body(json!({"url": "https://jira.example.com/browse/CHK-2"})),
        case(
            "DELETE /api/admin/projects/{project}/features/{feature}/link/{id}",
            "flag link remove",
            change(&["feature-link-removed"]),
        )
        .at(format!("{link}/{{link}}")),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/lifecycle/complete",
            "flag completed",
            change(&["feature-completed"]),
        )
        .at(format!("{F}/one/lifecycle/complete"))
        .body(json!({"status": "kept"})),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/lifecycle/uncomplete",
            "flag uncompleted",
            change(&["feature-uncompleted"]),
        )
        .at(format!("{F}/one/lifecycle/uncomplete")),
        case(
            "POST /api/admin/tag-types",
            "tag type",
            change(&["tag-type-created"]),
        )
        .body(json!({"name": "team"})),
        case(
            "PUT /api/admin/tag-types/{name}",
            "tag type update",
            change(&["tag-type-updated"]),
        )
        .at("/api/admin/tag-types/team")
        .body(json!({"description": "Owning team"})),
        case("POST /api/admin/tags", "tag", change(&["tag-created"]))
            .body(json!({"type": "team", "value": "payments"})),
        case(
            "POST /api/admin/features/{feature}/tags",
            "flag tag",
            change(&["tag-created", "feature-tagged"]),
        )
        .at("/api/admin/features/one/tags")
        .body(json!({"type": "simple", "value": "beta"})),
        case(
            "PUT /api/admin/features/{feature}/tags",
            "flag tags",
            change(&["feature-tagged", "feature-untagged"]),
        )
        .at("/api/admin/features/one/tags")
        .body(json!({"addedTags": [{"type": "team", "value": "payments"}],
                     "removedTags": [{"type": "simple", "value": "beta"}]})),
        case(
            "DELETE /api/admin/features/{feature}/tags/{type}/{value}",
            "flag untag",
            change(&["feature-untagged"]),
        )
        .at("/api/admin/features/one/tags/team/payments"),
        case(
            "DELETE /api/admin/tags/{type}/{value}",
            "tag delete",
            change(&["tag-deleted"]),
        )
        .at("/api/admin/tags/simple/beta"),
        case(
            "DELETE /api/admin/tag-types/{name}",
            "tag type delete",
            change(&["tag-type-deleted"]),
        )
        .at("/api/admin/tag-types/team"),
        case("POST /api/admin/tags", "refused tag", Expect::Refused)
            .body(json!({"type": "team", "value": "gone"})),
        case(
            "POST /api/admin/projects/{project}/features",
            "flag with tags",
            change(&["feature-created", "tag-created", "feature-tagged"]),
        )
        .at(F)
        .body(json!({"name": "tagged", "tags": [{"type": "simple", "value": "new"}]})),
        case(
            "PUT /api/admin/projects/{project}/tags",
            "project tags",
            change(&[
                "tag-created",
                "feature-tagged",
                "feature-tagged",
                "feature-untagged",
            ]),
        )
        .at("/api/admin/projects/default/tags")
        .body(json!({"features": ["one", "tagged"], "tags": {
            "addedTags": [{"type": "simple", "value": "bulk"}],
            "removedTags": [{"type": "simple", "value": "new"}]}})),
        case(
            "PUT /api/admin/projects/{project}/tags",
            "refused project tags",
            Expect::Refused,
        )
        .at("/api/admin/projects/default/tags")
        .body(json!({"features": ["one", "missing"], "tags": {
            "addedTags": [{"type": "simple", "value": "never"}], "removedTags": []}})),
    ]
}

fn strategy_types() -> Vec<Case> {
    vec![
        case(
            "POST /api/admin/strategies",
            "custom strategy",
            change(&["strategy-created"]),
        )
        .body(json!({"name": "country", "parameters": [{"name": "countries", "type": "list"}]})),
        case(
            "PUT /api/admin/strategies/{name}",
            "custom strategy update",
            change(&["strategy-updated"]),
        )
        .at("/api/admin/strategies/country")
        .body(json!({"description": "By country", "parameters": []})),
        case(
            "POST /api/admin/strategies/{name}/deprecate",
            "custom strategy deprecate",
            change(&["strategy-deprecated"]),
        )
        .at("/api/admin/strategies/country/deprecate"),
        case(
            "POST /api/admin/strategies/{name}/reactivate",
            "custom strategy reactivate",
            change(&["strategy-reactivated"]),
        )
        .at("/api/admin/strategies/country/reactivate"),
        case(
            "DELETE /api/admin/strategies/{name}",
            "custom strategy delete",
            change(&["strategy-deleted"]),
        )
        .at("/api/admin/strategies/country"),
        case(
            "DELETE /api/admin/strategies/{name}",
            "refused built-in change",
            Expect::Refused,
        )
        .at("/api/admin/strategies/default"),
        case(
            "POST /api/admin/projects/{project}/environments/{environment}/default-strategy",
            "default strategy",
            change(&["default-strategy-updated"]),
        )
        .at("/api/admin/projects/default/environments/development/default-strategy")
        .body(json!({"name": "flexibleRollout", "parameters": {"rollout": "25"}})),
    ]
}

fn flag_changes() -> Vec<Case> {
    let one = format!("{F}/one");
    let strategy = format!("{STRATEGIES}/{{strategy}}");
    let bulk = "/api/admin/projects/default/bulk_features/environments/production";
    vec![
        case(
            "PATCH /api/admin/projects/{project}/features/{feature}",
            "stale",
            change(&["feature-metadata-updated", "feature-stale-on"]),
        )
        .at(one.clone())
        .body(json!([{"op": "replace", "path": "/stale", "value": true}])),
        case(
            "PUT /api/admin/projects/{project}/features/{feature}",
            "flag replace",
            change(&["feature-metadata-updated"]),
        )
        .at(one.clone())
        .body(json!({"name": "one", "description": "replaced", "type": "release", "stale": true})),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/environments/{environment}/on",
            "on",
            change(&["feature-strategy-add", "feature-environment-enabled"]),
        )
        .at(format!("{one}/environments/development/on")),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies",
            "strategy",
            change(&["feature-strategy-add"]),
        )
        .at(STRATEGIES)
        .body(json!({"name": "default"}))
        .keep("strategy"),
        case(
            "PUT /api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/{strategy}",
            "strategy update",
            change(&["feature-strategy-update"]),
        )
        .at(strategy.clone())
        .body(json!({"name": "default", "constraints": [
            {"contextName": "region", "operator": "IN", "values": ["eu"]}]})),
        case(
            "PATCH /api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/{strategy}",
            "strategy patch",
            change(&["feature-strategy-update"]),
        )
        .at(strategy.clone())
        .body(json!([{"op": "replace", "path": "/disabled", "value": true}])),
        case(
            "PUT /api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/{strategy}",
            "strategy on a value that is not legal",
            Expect::Refused,
        )
        .at(strategy.clone())
        .body(json!({"name": "default", "constraints": [
            {"contextName": "region", "operator": "IN", "values": ["mars"]}]})),
        case(
            "DELETE /api/admin/context/{name}",
            "context delete while a strategy uses it",
            Expect::Refused,
        )
        .at("/api/admin/context/region"),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/set-sort-order",
            "sort",
            change(&["feature-strategy-update"]),
        )
        .at(format!("{STRATEGIES}/set-sort-order"))
        .body_from(|ids: &Ids| json!([{"id": ids["strategy"], "sortOrder": 5}])),
        case(
            "POST /api/admin/segments/strategies",
            "strategy segments",
            change(&["feature-strategy-update"]),
        )
        .body_from(|ids: &Ids| json!({"projectId": "default", "strategyId": ids["strategy"],
            "environmentId": "development", "segmentIds": [ids["segment"]]})),
        case(
            "POST /api/admin/segments/strategies",
            "refused strategy segments",
            Expect::Refused,
        )
        .body_from(|ids: &Ids| json!({"projectId": "default", "strategyId": ids["strategy"],
            "environmentId": "development", "segmentIds": [999999]})),
        case(
            "DELETE /api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/{strategy}",
            "strategy delete",
            change(&["feature-strategy-remove"]),
        )
        .at(strategy),
        case(
            "PUT /api/admin/projects/{project}/features/{feature}/environments/{environment}/variants",
            "variants",
            change(&["feature-environment-variants-updated"]),
        )
        .at(VARIANTS)
        .body(json!([{"name": "a", "weight": 1000, "weightType": "variable"}])),
        case(
            "PATCH /api/admin/projects/{project}/features/{feature}/environments/{environment}/variants",
            "variants patch",
            change(&["feature-environment-variants-updated"]),
        )
        .at(VARIANTS)
        .body(json!([{"op": "add", "path": "/-", "value":
            {"name": "b", "weightType": "variable", "weight": 0}}])),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/clone",
            "clone",
            change(&[
                "feature-created",
                "feature-strategy-add",
                "feature-environment-variants-updated",
            ]),
        )
        .at(format!("{one}/clone"))
        .body(json!({"name": "two"})),
        case(
            "POST /api/admin/projects/{project}/bulk_features/environments/{environment}/on",
            "bulk on",
            change(&[
                "feature-strategy-add",
                "feature-environment-enabled",
                "feature-strategy-add",
                "feature-environment-enabled",
            ]),
        )
        .at(format!("{bulk}/on"))
        .body(json!({"features": ["one", "two"]})),
        case(
            "POST /api/admin/projects/{project}/bulk_features/environments/{environment}/off",
            "bulk off",
            change(&["feature-environment-disabled", "feature-environment-disabled"]),
        )
        .at(format!("{bulk}/off"))
        .body(json!({"features": ["one", "two"]})),
        case(
            "POST /api/admin/projects/{project}/stale",
            "bulk stale",
            change(&["feature-metadata-updated", "feature-stale-on"]),
        )
        .at("/api/admin/projects/default/stale")
        .body(json!({"features": ["one", "two"], "stale": true})),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/dependencies",
            "dependency",
            change(&["feature-dependency-added"]),
        )
        .at(format!("{F}/two/dependencies"))
        .body(json!({"feature": "one", "variants": ["a"]})),
        case(
            "DELETE /api/admin/projects/{project}/features/{feature}/dependencies/{parent}",
            "dependency remove",
            change(&["feature-dependency-removed"]),
        )
        .at(format!("{F}/two/dependencies/one")),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/dependencies",
            "dependency again",
            change(&["feature-dependency-added"]),
        )
        .at(format!("{F}/two/dependencies"))
        .body(json!({"feature": "one", "enabled": false})),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/dependencies",
            "refused dependency",
            Expect::Refused,
        )
        .at(format!("{one}/dependencies"))
        .body(json!({"feature": "two"})),
        case(
            "DELETE /api/admin/projects/{project}/features/{feature}/dependencies",
            "dependencies remove",
            change(&["feature-dependencies-removed"]),
        )
        .at(format!("{F}/two/dependencies")),
    ]
}

/// A user's own stars, while flag `one` is live.
fn favorites() -> Vec<Case> {
    vec![
        case(
            "POST /api/admin/projects/{project}/favorites",
            "project favorite",
            Expect::NotAChange(FAVORITE),
        )
        .at("/api/admin/projects/default/favorites")
        .by_user(),
        case(
            "DELETE /api/admin/projects/{project}/favorites",
            "project favorite removed",
            Expect::NotAChange(FAVORITE),
        )
        .at("/api/admin/projects/default/favorites")
        .by_user(),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/favorites",
            "flag favorite",
            Expect::NotAChange(FAVORITE),
        )
        .at("/api/admin/projects/default/features/one/favorites")
        .by_user(),
        case(
            "DELETE /api/admin/projects/{project}/features/{feature}/favorites",
            "flag favorite removed",
            Expect::NotAChange(FAVORITE),
        )
        .at("/api/admin/projects/default/features/one/favorites")
        .by_user(),
    ]
}

fn transfers() -> Vec<Case> {
    vec![
        case(
            "POST /api/admin/features-batch/export",
            "export",
            change(&["features-exported"]),
        )
        .body(json!({"environment": "development", "features": ["one"]})),
        case(
            "POST /api/admin/features-batch/import",
            "import",
            change(&[
                "feature-created",
                "feature-strategy-add",
                "feature-environment-enabled",
                "features-imported",
            ]),
        )
        .body(
            json!({"project": "default", "environment": "development", "data": {
                "features": [{"name": "imported", "type": "operational"}],
                "featureStrategies": [{"name": "default", "featureName": "imported"}],
                "featureEnvironments": [{"featureName": "imported", "enabled": true}]
            }}),
        ),
        case(
            "POST /api/admin/features-batch/import",
            "refused import",
            Expect::Refused,
        )
        .body(json!({"project": "default", "environment": "development",
                     "data": {"features": [{"name": "one"}]}})),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/environments/{environment}/off",
            "off",
            change(&["feature-environment-disabled"]),
        )
        .at(format!("{F}/one/environments/development/off")),
    ]
}

fn removals() -> Vec<Case> {
    vec![
        case(
            "PUT /api/admin/segments/{id}",
            "segment update",
            change(&["segment-updated"]),
        )
        .at("/api/admin/segments/{segment}")
        .body(json!({"name": "eu", "constraints": []})),
        case(
            "DELETE /api/admin/segments/{id}",
            "segment delete",
            change(&["segment-deleted"]),
        )
        .at("/api/admin/segments/{segment}"),
        case(
            "DELETE /api/admin/context/{name}",
            "context delete",
            change(&["context-field-deleted"]),
        )
        .at("/api/admin/context/region"),
        case(
            "DELETE /api/admin/projects/{project}/features/{feature}",
            "archive",
            change(&["feature-archived"]),
        )
        .at(format!("{F}/one")),
        case(
            "POST /api/admin/archive/revive/{feature}",
            "revive",
            change(&["feature-revived"]),
        )
        .at("/api/admin/archive/revive/one"),
        case(
            "DELETE /api/admin/projects/{project}/features/{feature}",
            "archive again",
            change(&["feature-archived"]),
        )
        .at(format!("{F}/one")),
        case(
            "DELETE /api/admin/archive/{feature}",
            "delete",
            change(&["feature-deleted"]),
        )
        .at("/api/admin/archive/one"),
        case(
            "PUT /api/admin/projects/{project}",
            "project update",
            change(&["project-updated"]),
        )
        .at("/api/admin/projects/other")
        .body(json!({"name": "Other things"})),
        case(
            "DELETE /api/admin/projects/{project}/environments/{environment}",
            "project environment removed",
            change(&["project-environment-removed"]),
        )
        .at("/api/admin/projects/other/environments/development"),
        case(
            "DELETE /api/admin/projects/{project}",
            "project delete",
            change(&["project-deleted"]),
        )
        .at("/api/admin/projects/other"),
    ]
}

/// An action set on the kept signal endpoint that switches `two` on.
fn action_set(ids: &Ids, name: &str) -> Value {
    json!({
        "name": name, "enabled": true,
        "match": {"source": "signal-endpoint", "sourceId": ids["endpoint"],
            "payload": {"issue.key": {"operator": "IN", "values": ["CHK-1"]}}},
        "actions": [{"action": "TOGGLE_FEATURE_ON", "sortOrder": 1,
            "executionParams": {"featureName": "two", "environment": "development"}}]
    })
}

fn automation() -> Vec<Case> {
    let endpoint = "/api/admin/signal-endpoints/{endpoint}";
    let token = "/api/admin/signal-endpoints/{endpoint}/tokens/{signal-token}";
    let actions = "/api/admin/projects/default/actions";
    let set = "/api/admin/projects/default/actions/{action-set}";
    vec![
        case(
            "POST /api/admin/signal-endpoints",
            "signal endpoint",
            change(&["signal-endpoint-created"]),
        )
        .body(json!({"name": "jira"}))
        .keep("endpoint"),
        case(
            "PUT /api/admin/signal-endpoints/{id}",
            "signal endpoint update",
            change(&["signal-endpoint-updated"]),
        )
        .at(endpoint)
        .body(json!({"name": "jira", "description": "Jira webhooks"})),
        case(
            "POST /api/admin/signal-endpoints/{id}/off",
            "signal endpoint off",
            change(&["signal-endpoint-updated"]),
        )
        .at(format!("{endpoint}/off")),
        case(
            "POST /api/admin/signal-endpoints/{id}/on",
            "signal endpoint on",
            change(&["signal-endpoint-updated"]),
        )
        .at(format!("{endpoint}/on")),
        case(
            "POST /api/admin/signal-endpoints/{id}/tokens",
            "signal token",
            change(&["signal-endpoint-token-created"]),
        )
        .at(format!("{endpoint}/tokens"))
        .body(json!({"name": "jira-cloud"}))
        .keep("signal-token"),
        case(
            "PUT /api/admin/signal-endpoints/{id}/tokens/{token}",
            "signal token rename",
            change(&["signal-endpoint-token-updated"]),
        )
        .at(token)
        .body(json!({"name": "jira-server"})),
        case(
            "DELETE /api/admin/signal-endpoints/{id}/tokens/{token}",
            "signal token delete",
            change(&["signal-endpoint-token-deleted"]),
        )
        .at(token),
        case(
            "POST /api/admin/signal-endpoints/{id}/tokens",
            "signal token to send with",
            change(&["signal-endpoint-token-created"]),
        )
        .at(format!("{endpoint}/tokens"))
        .body(json!({"name": "jira-webhook"}))
        .keep_field("signal-secret", "token"),
        case(
            "POST /api/admin/projects/{project}/actions",
            "action set",
            change(&["actions-created"]),
        )
        .at(actions)
        .body_from(|ids| action_set(ids, "enable two"))
        .keep("action-set"),
        case(
            "PUT /api/admin/projects/{project}/actions/{id}",
            "action set update",
            change(&["actions-updated"]),
        )
        .at(set)
        .body_from(|ids| action_set(ids, "switch two on")),
        case(
            "POST /api/admin/projects/{project}/actions/{id}/off",
            "action set off",
            change(&["actions-updated"]),
        )
        .at(format!("{set}/off")),
        case(
            "POST /api/admin/projects/{project}/actions/{id}/on",
            "action set on",
            change(&["actions-updated"]),
        )
        .at(format!("{set}/on")),
        // The signal is stored, not a change; the action set it sets off
        // switches `two` on: one change, by the action set.
        case(
            "POST /api/signal-endpoint/{name}",
            "signal",
            change(&["feature-environment-enabled"]),
        )
        .at("/api/signal-endpoint/jira")
        .by(Caller::Kept("signal-secret"))
        .body(json!({"issue": {"key": "CHK-1"}})),
        case(
            "POST /api/admin/projects/{project}/actions",
            "refused action set",
            Expect::Refused,
        )
        .at(actions)
        .body(json!({
            "name": "nowhere", "match": {"source": "signal-endpoint", "sourceId": 999_999},
            "actions": [{"action": "TOGGLE_FEATURE_ON", "sortOrder": 1,
                "executionParams": {"featureName": "two", "environment": "development"}}]
        })),
        case(
            "DELETE /api/admin/projects/{project}/actions/{id}",
            "action set delete",
            change(&["actions-deleted"]),
        )
        .at(set),
        case(
            "DELETE /api/admin/signal-endpoints/{id}",
            "signal endpoint delete",
            change(&["signal-endpoint-deleted"]),
        )
        .at(endpoint),
    ]
}

fn tokens_and_integrations() -> Vec<Case> {
    let in_a_month = (chrono::Utc::now().date_naive() + chrono::Days::new(30))
        .format("%Y-%m-%d")
        .to_string();
    vec![
        case(
            "POST /api/admin/api-tokens",
            "token",
            change(&["api-token-created"]),
        )
        .body(json!({"tokenName": "t", "type": "backend", "environment": "development"}))
        .keep("token"),
        case(
            "PUT /api/admin/api-tokens/{token}",
            "token expiry",
            change(&["api-token-updated"]),
        )
        .at("/api/admin/api-tokens/{token}")
        .body(json!({"expiresAt": "2099-01-01T00:00:00Z"})),
        case(
            "DELETE /api/admin/api-tokens/{token}",
            "token delete",
            change(&["api-token-deleted"]),
        )
        .at("/api/admin/api-tokens/{token}"),
        case(
            "POST /api/admin/user/tokens",
            "personal access token",
            change(&["pat-created"]),
        )
        .body(json!({"description": "ci", "expiresAt": in_a_month}))
        .by_user()
        .keep("pat"),
        case(
            "DELETE /api/admin/user/tokens/{id}",
            "personal access token delete",
            change(&["pat-deleted"]),
        )
        .at("/api/admin/user/tokens/{pat}")
        .by_user(),
        case(
            "POST /api/admin/addons",
            "addon",
            change(&["addon-config-created"]),
        )
        // Disabled; only the test below is sent, to a closed local port.
        .body(
            json!({"provider": "webhook", "parameters": {"url": "http://127.0.0.1:9/hook"},
                   "events": ["feature-stale-on"], "enabled": false}),
        )
        .keep("addon"),
        case(
            "PUT /api/admin/addons/{id}",
            "addon update",
            change(&["addon-config-updated"]),
        )
        .at("/api/admin/addons/{addon}")
        .body(
            json!({"provider": "webhook", "parameters": {"url": "*****"},
                   "events": ["feature-stale-on"], "enabled": false}),
        ),
        // Queued for this integration alone, disabled as it is.
        case(
            "POST /api/admin/addons/{id}/test",
            "addon test",
            change(&["addon-test-sent"]),
        )
        .at("/api/admin/addons/{addon}/test"),
        case(
            "DELETE /api/admin/addons/{id}",
            "addon delete",
            change(&["addon-config-deleted"]),
        )
        .at("/api/admin/addons/{addon}"),
        // Refused: nothing recorded.
        case(
            "POST /api/admin/projects/{project}/features",
            "refused",
            Expect::Refused,
        )
        .at(F)
        .body(json!({"name": "has space"})),
        case(
            "POST /api/admin/projects/{project}/features/{feature}/environments/{environment}/on",
            "refused on",
            Expect::Refused,
        )
        .at(format!("{F}/missing/environments/development/on")),
    ]
}

/// Write routes that change nothing: called, they answer and record nothing.
fn not_changes() -> Vec<Case> {
    let checks = "checks its input and stores nothing";
    vec![
        case(
            "POST /api/admin/constraints/validate",
            "constraint check",
            Expect::NotAChange(checks),
        )
        .body(json!({"contextName": "userId", "operator": "IN", "values": ["1"]})),
        case(
            "POST /api/admin/features/validate",
            "flag name check",
            Expect::NotAChange(checks),
        )
        .body(json!({"name": "not-yet"})),
        case(
            "POST /api/admin/tag-types/validate",
            "tag type check",
            Expect::NotAChange(checks),
        )
        .body(json!({"name": "not-yet"})),
        case(
            "POST /api/admin/features-batch/validate",
            "import check",
            Expect::NotAChange("runs the import in a change transaction it drops uncommitted"),
        )
        .body(
            json!({"project": "default", "environment": "development", "data": {
            "features": [{"name": "validated", "type": "release"}]}}),
        ),
        case(
            "POST /api/admin/playground",
            "playground",
            Expect::NotAChange("evaluates flags for a context; stores nothing"),
        )
        .body(json!({"environment": "development", "context": {"userId": "1"}})),
    ]
}
