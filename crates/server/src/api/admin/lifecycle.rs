//! Flag lifecycle (Unleash's feature lifecycle,
//! `/api/admin/projects/:p/features/:f/lifecycle` and
//! `/api/admin/lifecycle/count`): the stages a flag went through, marking it
//! completed (kept or discarded) and back, and how many flags are in each
//! stage. Only "completed" is recorded; the other stages are derived from
//! what Flagstaff knows (`storage::Lifecycle`, as the flag search does), so
//! a stage without a known date has `enteredStageAt: null` (pre-live only
//! because it is enabled somewhere).

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{CompleteFlag, Completion, FlagName, ProjectId, UncompleteFlag};

pub fn router() -> Routes {
    let lifecycle = "/api/admin/projects/{project}/features/{feature}/lifecycle";
    Routes::new()
        .route(lifecycle, get(stages))
        .route(&format!("{lifecycle}/complete"), post(complete))
        .route(&format!("{lifecycle}/uncomplete"), post(uncomplete))
        .route("/api/admin/lifecycle/count", get(count))
}

fn flag_path(project: &str, feature: &str) -> ApiResult<(ProjectId, FlagName)> {
    Ok((ProjectId::in_path(project)?, FlagName::in_path(feature)?))
}

/// One stage a flag reached (featureLifecycleSchema's item).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"stage": "completed", "status": "kept",
    "enteredStageAt": "2025-03-02T10:00:00Z"}))]
struct StageView {
    /// `initial`, `pre-live`, `live`, `completed` or `archived`.
    stage: &'static str,
    /// `kept` or `discarded`, for `completed` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    /// When it entered the stage; null when Flagstaff does not know.
    entered_stage_at: Option<String>,
}

/// The stages a flag went through, in order.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!([{"stage": "initial", "enteredStageAt": "2025-03-01T09:00:00Z"},
    {"stage": "live", "enteredStageAt": "2025-03-02T10:00:00Z"}]))]
#[serde(transparent)]
struct Stages(Vec<StageView>);

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features/{feature}/lifecycle",
    summary = "The lifecycle stages a flag went through",
    responses(
        (status = 200, description = "Its stages, oldest first", body = Stages),
        (status = 404, description = "Not found"),
    )
)]
async fn stages(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
) -> ApiResult<Json<Stages>> {
    let (project, feature) = flag_path(&project, &feature)?;
    let stages = state
        .store
        .flag_lifecycle(&project, &feature)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Could not find feature {feature}")))?;
    Ok(Json(Stages(
        stages
            .into_iter()
            .map(|s| StageView {
                stage: s.stage.as_str(),
                status: s.status,
                entered_stage_at: s.entered,
            })
            .collect(),
    )))
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/lifecycle/complete",
    summary = "Marks a flag completed, kept or discarded",
    request_body = Completion,
    responses(
        (status = 200, description = "Done"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn complete(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
    ApiObject(completion): ApiObject<Completion>,
) -> ApiResult<StatusCode> {
    let (project, name) = flag_path(&project, &feature)?;
    let operation = CompleteFlag {
        project,
        name,
        completion,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/lifecycle/uncomplete",
    summary = "Removes a flag's completed mark",
    responses(
        (status = 200, description = "Done"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn uncomplete(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (project, name) = flag_path(&project, &feature)?;
    state
        .apply(&admin.actor(), UncompleteFlag { project, name })
        .await?;
    Ok(StatusCode::OK)
}

/// How many flags, live and archived, are in each stage now.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"initial": 3, "preLive": 2, "live": 5, "completed": 1, "archived": 4}))]
struct StageCounts {
    initial: i64,
    pre_live: i64,
    live: i64,
    completed: i64,
    archived: i64,
}

#[utoipa::path(
    get,
    path = "/api/admin/lifecycle/count",
    summary = "How many flags are in each lifecycle stage",
    responses((status = 200, description = "Flags per stage", body = StageCounts))
)]
async fn count(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<StageCounts>> {
    let c = state.store.lifecycle_counts().await?;
    Ok(Json(StageCounts {
        initial: c.initial,
        pre_live: c.pre_live,
        live: c.live,
        completed: c.completed,
        archived: c.archived,
    }))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(stages, complete, uncomplete, count))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: flags", "lifecycle")
}
