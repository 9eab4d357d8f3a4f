//! Release templates and plans, progressions and safeguards: each write one
//! revision with its events (a flag of their own, `planned`).

use super::{case, change, Case, Expect, Ids};
use crate::helpers::*;

const TEMPLATES: &str = "/api/admin/release-plan-templates";
const ENV: &str = "/api/admin/projects/default/features/planned/environments/production";
const ENV_ROUTE: &str =
    "/api/admin/projects/{project}/features/{feature}/environments/{environment}";

fn id(ids: &Ids, name: &str) -> Value {
    ids.get(name).cloned().unwrap_or(Value::Null)
}

fn safeguard() -> Value {
    json!({"impactMetric": {"metricName": "errors", "timeRange": "hour",
        "aggregationMode": "count", "labelSelectors": {}},
        "triggerCondition": {"operator": ">", "threshold": 100}})
}

fn chart() -> Value {
    json!({"title": "Errors", "metricName": "unleash_counter_errors", "timeRange": "day",
        "aggregationMode": "count", "labelSelectors": {}})
}

fn rollout(percent: &str) -> Value {
    json!({"name": "flexibleRollout", "parameters": {"rollout": percent, "stickiness": "default"}})
}

pub fn plan_cases() -> Vec<Case> {
    let updated = || change(&["release-plan-template-updated"]);
    let milestone = format!("{TEMPLATES}/{{template}}/milestones/{{tm}}");
    vec![
        case("POST /api/admin/release-plan-templates", "template", change(&["release-plan-template-created"]))
            .body(json!({"name": "Gradual", "milestones": [
                {"name": "5%", "strategies": [rollout("5")]},
                {"name": "100%", "strategies": [rollout("100")]}]}))
            .keep("template"),
        case("PUT /api/admin/release-plan-templates/{template}", "template replaced", updated())
            .at(format!("{TEMPLATES}/{{template}}"))
            .body(json!({"name": "Gradual", "description": "two steps", "milestones": [
                {"name": "5%", "strategies": [rollout("5")]},
                {"name": "100%", "strategies": [rollout("100")]}]})),
        case("POST /api/admin/release-plan-templates/{template}/milestones", "template milestone", updated())
            .at(format!("{TEMPLATES}/{{template}}/milestones"))
            .body(json!({"name": "extra"}))
            .keep("tm"),
        case("PUT /api/admin/release-plan-templates/{template}/milestones/{milestone}", "template milestone replaced", updated())
            .at(milestone.clone())
            .body(json!({"name": "extra, renamed"})),
        case("POST /api/admin/release-plan-templates/{template}/milestones/{milestone}/strategies", "milestone strategy", updated())
            .at(format!("{milestone}/strategies"))
            .body(rollout("50"))
            .keep("tms"),
        case("PUT /api/admin/release-plan-templates/{template}/milestones/{milestone}/strategies/{strategy}", "milestone strategy replaced", updated())
            .at(format!("{milestone}/strategies/{{tms}}"))
            .body(rollout("60")),
        case("DELETE /api/admin/release-plan-templates/{template}/milestones/{milestone}/strategies/{strategy}", "milestone strategy removed", updated())
            .at(format!("{milestone}/strategies/{{tms}}")),
        case("DELETE /api/admin/release-plan-templates/{template}/milestones/{milestone}", "template milestone removed", updated())
            .at(milestone),
        case("POST /api/admin/projects/{project}/features", "planned flag", change(&["feature-created"]))
            .at(F)
            .body(json!({"name": "planned"})),
        case(leak(format!("POST {ENV_ROUTE}/release-plans")), "plan", change(&["release-plan-added"]))
            .at(format!("{ENV}/release-plans"))
            .body_from(|ids| json!({"templateId": id(ids, "template")}))
            .keep("plan")
            .keep_field("m0", "/milestones/0/id")
            .keep_field("m1", "/milestones/1/id")
            .keep_field("ms", "/milestones/0/strategies/0/id"),
        case(leak(format!("POST {ENV_ROUTE}/release-plans/{{plan}}/milestones/{{milestone}}/start")), "milestone started", change(&["release-plan-milestone-started"]))
            .at(format!("{ENV}/release-plans/{{plan}}/milestones/{{m0}}/start")),
        case(leak(format!("PUT {ENV_ROUTE}/progressions/{{milestone}}")), "progression refused", Expect::Refused)
            .at(format!("{ENV}/progressions/{{m0}}"))
            .body_from(|ids| json!({"targetMilestone": id(ids, "m1"),
                "transitionCondition": {"intervalMinutes": 0}})),
        case(leak(format!("PUT {ENV_ROUTE}/progressions/{{milestone}}")), "progression", change(&["milestone-progression-created"]))
            .at(format!("{ENV}/progressions/{{m0}}"))
            .body_from(|ids| json!({"targetMilestone": id(ids, "m1"),
                "transitionCondition": {"intervalMinutes": 30}})),
        case(leak(format!("DELETE {ENV_ROUTE}/progressions/{{milestone}}")), "progression removed", change(&["milestone-progression-deleted"]))
            .at(format!("{ENV}/progressions/{{m0}}")),
        case(leak(format!("PUT {ENV_ROUTE}/milestone-strategies/{{strategy}}")), "plan strategy", change(&["feature-strategy-update"]))
            .at(format!("{ENV}/milestone-strategies/{{ms}}"))
            .body(rollout("10")),
        case(leak(format!("PUT {ENV_ROUTE}/release-plans/{{plan}}/safeguards")), "plan safeguard", change(&["safeguard-changed"]))
            .at(format!("{ENV}/release-plans/{{plan}}/safeguards"))
            .body(safeguard())
            .keep("safeguard"),
        case(leak(format!("DELETE {ENV_ROUTE}/release-plans/{{plan}}/safeguards/{{safeguard}}")), "plan safeguard removed", change(&["safeguard-deleted"]))
            .at(format!("{ENV}/release-plans/{{plan}}/safeguards/{{safeguard}}")),
        case(leak(format!("PUT {ENV_ROUTE}/safeguards")), "environment safeguard", change(&["safeguard-changed"]))
            .at(format!("{ENV}/safeguards"))
            .body(safeguard())
            .keep("env_safeguard"),
        case(leak(format!("DELETE {ENV_ROUTE}/safeguards/{{safeguard}}")), "environment safeguard removed", change(&["safeguard-deleted"]))
            .at(format!("{ENV}/safeguards/{{env_safeguard}}")),
        case(leak(format!("POST {ENV_ROUTE}/progressions/{{plan}}/resume")), "plan resumed", change(&["safeguard-progressions-resumed"]))
            .at(format!("{ENV}/progressions/{{plan}}/resume")),
        case(leak(format!("DELETE {ENV_ROUTE}/release-plans/{{plan}}")), "plan removed", change(&["release-plan-removed"]))
            .at(format!("{ENV}/release-plans/{{plan}}")),
        case(leak(format!("POST {ENV_ROUTE}/release_plans")), "plan, other spelling", change(&["release-plan-added"]))
            .at(format!("{ENV}/release_plans"))
            .body_from(|ids| json!({"templateId": id(ids, "template")})),
        case("POST /api/admin/release-plan-templates/archive/{template}", "template archived", change(&["release-plan-template-archived"]))
            .at(format!("{TEMPLATES}/archive/{{template}}")),
        case("DELETE /api/admin/release-plan-templates/{template}", "template deleted", change(&["release-plan-template-deleted"]))
            .at(format!("{TEMPLATES}/{{template}}")),
        case("POST /api/admin/impact-metrics/config", "impact chart", change(&["impact-metric-created"]))
            .body(chart())
            .keep("chart"),
        case("POST /api/admin/impact-metrics/config", "impact chart replaced", change(&["impact-metric-updated"]))
            .body_from(|ids| { let mut c = chart(); c["id"] = id(ids, "chart"); c }),
        case("POST /api/admin/impact-metrics/config", "impact chart refused", Expect::Refused)
            .body(json!({"metricName": "", "timeRange": "day", "aggregationMode": "count"})),
        case("DELETE /api/admin/impact-metrics/config/{id}", "impact chart removed", change(&["impact-metric-deleted"]))
            .at("/api/admin/impact-metrics/config/{chart}"),
        case("POST /api/admin/projects/{project}/features/{feature}/impact-metrics/config", "flag impact chart", change(&["impact-metric-created"]))
            .at(format!("{F}/planned/impact-metrics/config"))
            .body(chart())
            .keep("flag_chart"),
        case("DELETE /api/admin/projects/{project}/features/{feature}/impact-metrics/config/{id}", "flag impact chart removed", change(&["impact-metric-deleted"]))
            .at(format!("{F}/planned/impact-metrics/config/{{flag_chart}}")),
    ]
}

/// A route made from the shared prefix, for the `'static` a case's route is.
fn leak(route: String) -> &'static str {
    Box::leak(route.into_boxed_str())
}
