//! The playground (`POST /api/admin/playground`): every flag of the chosen
//! projects evaluated in one environment for one context, with the engine's
//! explanation — each strategy's result and each constraint's — in Unleash's shape
//! (`views.rs`); and `GET /api/admin/engine-warnings`, what the engine could not
//! use in the stored flags (Flagstaff's own: Unleash has no such list);
//! `POST /api/admin/playground/change-request/:id`, the same as if a change
//! request were applied (its operations run in a transaction that is dropped).

mod views;

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use flagstaff_engine::Context;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::request_context::context_from_pairs;
use crate::state::AppState;
use views::{PlaygroundAnswer, PlaygroundFlag, PlaygroundInput};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/playground", post(playground))
        .route("/api/admin/engine-warnings", get(engine_warnings))
        .route(
            "/api/admin/playground/change-request/{id}",
            post(playground_change_request),
        )
}

/// What the engine could not use, per environment.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"warnings": [{"environment": "production",
    "message": "new-checkout: strategy 0 names segment 7, which does not exist"}]}))]
struct EngineWarnings<'a> {
    warnings: Vec<EngineWarning<'a>>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct EngineWarning<'a> {
    environment: &'a str,
    message: &'a str,
}

#[utoipa::path(
    get,
    path = "/api/admin/engine-warnings",
    summary = "What the engine could not compile",
    responses(
        (status = 200, description = "The warnings, per environment", body = EngineWarnings),
    )
)]
async fn engine_warnings(State(state): State<AppState>, _admin: AdminToken) -> Response {
    let snapshot = state.snapshots.load();
    let warnings = snapshot
        .warnings
        .iter()
        .map(|(environment, message)| EngineWarning {
            environment,
            message,
        })
        .collect();
    Json(EngineWarnings { warnings }).into_response()
}

/// Unleash's playgroundRequestSchema.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"environment": "development", "projects": "*",
    "context": {"appName": "checkout-service", "userId": "42", "properties": {"region": "eu"}}}))]
struct PlaygroundBody {
    environment: String,
    /// Absent or null: every project.
    #[serde(default)]
    projects: Option<PlaygroundProjects>,
    /// Unleash's context fields, and any other name as a property.
    #[schema(value_type = Context)]
    context: Map<String, Value>,
}

/// `"*"` for every project, or a list of project ids.
#[derive(Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum PlaygroundProjects {
    All(AllProjects),
    Listed(Vec<String>),
}

#[derive(Clone, Serialize, utoipa::ToSchema)]
enum AllProjects {
    #[serde(rename = "*")]
    All,
}

impl<'de> Deserialize<'de> for PlaygroundProjects {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let refused =
            || serde::de::Error::custom("projects must be \"*\" or a list of project ids");
        match Value::deserialize(deserializer)? {
            Value::String(all) if all == "*" => Ok(PlaygroundProjects::All(AllProjects::All)),
            Value::Array(list) => list
                .into_iter()
                .map(|p| match p {
                    Value::String(id) => Some(id),
                    _ => None,
                })
                .collect::<Option<_>>()
                .map(PlaygroundProjects::Listed)
                .ok_or_else(refused),
            _ => Err(refused()),
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/playground",
    summary = "Evaluates every flag for a context, explained",
    request_body = PlaygroundBody,
    responses(
        (status = 200, description = "Every flag of the projects, explained", body = PlaygroundAnswer),
        (status = 400, description = "Invalid input"),
    )
)]
async fn playground(
    State(state): State<AppState>,
    _admin: AdminToken,
    ApiObject(body): ApiObject<PlaygroundBody>,
) -> ApiResult<Response> {
    let snapshot = state.snapshots.load();
    answer(&state, &snapshot, body).await
}

#[utoipa::path(
    post,
    path = "/api/admin/playground/change-request/{id}",
    summary = "Evaluates every flag for a context as if a change request were applied",
    request_body = PlaygroundBody,
    responses(
        (status = 200, description = "Every flag of the projects, explained, with the request's changes", body = PlaygroundAnswer),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "The request could not apply (a flag changed since)"),
    )
)]
async fn playground_change_request(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    ApiObject(body): ApiObject<PlaygroundBody>,
) -> ApiResult<Response> {
    let id = super::id_in_path(&id, "change request")?;
    let (_, snapshot) = state
        .domain()
        .preview_change_request(&admin.actor(), id)
        .await?;
    answer(&state, &snapshot, body).await
}

/// The playground's answer for `body` from `snapshot`.
async fn answer(
    state: &AppState,
    snapshot: &flagstaff_domain::snapshot::Snapshot,
    body: PlaygroundBody,
) -> ApiResult<Response> {
    let projects = body
        .projects
        .unwrap_or(PlaygroundProjects::All(AllProjects::All));
    let listed = match &projects {
        PlaygroundProjects::All(_) => None,
        PlaygroundProjects::Listed(ids) => Some(ids.as_slice()),
    };
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
    let features = snapshot
        .playground(&body.environment, listed, &context, 0)
        .map(|(flag, explanation)| PlaygroundFlag::new(flag, explanation, &segment_names))
        .collect();
    let answer = PlaygroundAnswer {
        input: PlaygroundInput {
            environment: body.environment.clone(),
            projects: projects.clone(),
            context: body.context,
        },
        features,
    };
    Ok(Json(answer).into_response())
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(playground, playground_change_request, engine_warnings))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: playground", "playground")
}
