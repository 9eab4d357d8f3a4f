//! The playground (`POST /api/admin/playground`): every flag of the chosen
//! projects evaluated in one environment for one context, with the engine's
//! explanation — each strategy's result and each constraint's — in Unleash's shape;
//! and `GET /api/admin/engine-warnings`, what the engine could not use in the
//! stored flags (Flagstaff's own: Unleash has no such list).

use crate::api::routes::{get, post, Routes};
use axum::extract::State;
use axum::Json;
use flagstaff_engine::{ConstraintExplanation, StrategyExplanation};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::frontend::context_from_pairs;
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::snapshot::ClientFlag;
use crate::state::AppState;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/playground", post(playground))
        .route("/api/admin/engine-warnings", get(engine_warnings))
}

#[utoipa::path(
    get,
    path = "/api/admin/engine-warnings",
    summary = "What the engine could not compile",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn engine_warnings(State(state): State<AppState>, _admin: AdminToken) -> Json<Value> {
    let snapshot = state.snapshots.load();
    let warnings: Vec<Value> = snapshot
        .warnings
        .iter()
        .map(|(environment, message)| json!({"environment": environment, "message": message}))
        .collect();
    Json(json!({"warnings": warnings}))
}

#[derive(Deserialize)]
struct PlaygroundBody {
    environment: String,
    #[serde(default)]
    projects: Option<Value>,
    context: serde_json::Map<String, Value>,
}

fn constraint_json(c: &ConstraintExplanation) -> Value {
    let mut v = json!({
        "contextName": c.context_name, "operator": c.operator, "values": c.values,
        "inverted": c.inverted, "caseInsensitive": c.case_insensitive, "result": c.result,
    });
    if let Some(value) = &c.value {
        v["value"] = json!(value);
    }
    v
}

fn strategy_json(
    flag: &ClientFlag,
    s: &StrategyExplanation,
    segment_names: &[(i64, Option<String>)],
) -> Value {
    let own: Vec<Value> = s
        .constraints
        .iter()
        .filter(|c| c.segment.is_none())
        .map(constraint_json)
        .collect();
    let mut segment_ids: Vec<i64> = s.constraints.iter().filter_map(|c| c.segment).collect();
    segment_ids.dedup();
    let segments: Vec<Value> = segment_ids
        .iter()
        .map(|id| {
            let constraints: Vec<&ConstraintExplanation> = s
                .constraints
                .iter()
                .filter(|c| c.segment == Some(*id))
                .collect();
            let name = segment_names
                .iter()
                .find(|(sid, _)| sid == id)
                .and_then(|(_, n)| n.clone());
            json!({
                "id": id, "name": name,
                "result": constraints.iter().all(|c| c.result),
                "constraints": constraints.iter().map(|c| constraint_json(c)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let source = flag.feature.strategies.get(s.index);
    json!({
        "name": s.name,
        "id": flag.strategy_ids.get(s.index),
        "title": null,
        "disabled": false,
        "parameters": source.map(|x| json!(x.parameters)).unwrap_or(json!({})),
        "constraints": own,
        "segments": segments,
        "result": {"enabled": s.result, "evaluationStatus": "complete"},
        "explanation": s.rule,
        "links": {"edit": format!(
            "/projects/{}/features/{}/strategies/edit?environmentId=&strategyId={}",
            flag.project, flag.feature.name, flag.strategy_ids.get(s.index).map_or("", String::as_str)
        )},
    })
}

#[utoipa::path(
    post,
    path = "/api/admin/playground",
    summary = "Evaluates every flag for a context, explained",
    request_body = Object,
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
    )
)]
async fn playground(
    State(state): State<AppState>,
    _admin: AdminToken,
    ApiObject(body): ApiObject<PlaygroundBody>,
) -> ApiResult<Json<Value>> {
    let projects: Option<Vec<String>> = match &body.projects {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "*" => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|p| p.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| {
                    ApiError::BadData("projects must be \"*\" or a list of project ids".to_owned())
                })?,
        ),
        Some(_) => {
            return Err(ApiError::BadData(
                "projects must be \"*\" or a list of project ids".to_owned(),
            ))
        }
    };
    let snapshot = state.snapshots.load();
    if !state
        .store
        .environments()
        .await?
        .iter()
        .any(|e| e.name == body.environment)
    {
        return Err(ApiError::BadData(format!(
            "Environment={} does not exist",
            body.environment
        )));
    }
    let context = context_from_pairs(body.context.clone())?.with_current_time(state.clock.now());
    let segment_names: Vec<(i64, Option<String>)> = snapshot
        .segments
        .iter()
        .map(|s| (s.id, s.name.clone()))
        .collect();
    let mut features = Vec::new();
    for (flag, explanation) in
        snapshot.playground(&body.environment, projects.as_deref(), &context, 0)
    {
        let strategies: Vec<Value> = explanation
            .strategies
            .iter()
            .map(|s| strategy_json(flag, s, &segment_names))
            .collect();
        let mut variant = json!({
            "name": explanation.variant.name, "enabled": explanation.variant.enabled,
            "feature_enabled": explanation.variant.feature_enabled,
        });
        if let Some(payload) = &explanation.variant.payload {
            variant["payload"] = json!(payload);
        }
        features.push(json!({
            "name": flag.feature.name,
            "projectId": flag.project,
            "isEnabled": explanation.enabled,
            "isEnabledInCurrentEnvironment": explanation.switched_on,
            "hasUnsatisfiedDependency": explanation.dependencies.iter().any(|d| !d.satisfied),
            "variant": variant,
            "variants": flag.feature.variants,
            "strategies": {
                "result": explanation.strategies.iter().any(|s| s.result),
                "data": strategies,
            },
            "reason": explanation.reason,
        }));
    }
    Ok(Json(json!({
        "input": {"environment": body.environment, "projects": body.projects.unwrap_or(json!("*")), "context": body.context},
        "features": features,
    })))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(playground, engine_warnings))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: playground", "playground")
}
