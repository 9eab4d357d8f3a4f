//! Which strategies use a segment or a context field, the segments of one
//! strategy, and setting a strategy's segments by its id
//! (`/api/admin/segments/…/strategies`, `/api/admin/context/{name}/strategies`).

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{EnvironmentName, ProjectId, SetStrategySegments};
use flagstaff_domain::wire::SegmentView;
use flagstaff_storage::ProjectStrategy;

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/admin/segments/{id}/strategies",
            get(segment_strategies),
        )
        .route(
            "/api/admin/segments/strategies/{strategy}",
            get(strategy_segments),
        )
        .route(
            "/api/admin/segments/strategies",
            post(set_strategy_segments),
        )
        .route(
            "/api/admin/context/{name}/strategies",
            get(context_strategies),
        )
        .route(
            "/api/admin/projects/{project}/context/{name}/strategies",
            get(project_context_strategies),
        )
}

/// A strategy as these lists name it (Unleash's segmentStrategiesSchema items).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct StrategyRef {
    id: String,
    project_id: String,
    feature_name: String,
    strategy_name: String,
    environment: String,
}

impl From<ProjectStrategy> for StrategyRef {
    fn from(s: ProjectStrategy) -> Self {
        StrategyRef {
            id: s.strategy.id,
            project_id: s.project,
            feature_name: s.strategy.feature_name,
            strategy_name: s.strategy.values.name,
            environment: s.strategy.environment,
        }
    }
}

/// The strategies of live flags that use a segment. Flagstaff has no change
/// requests, so `changeRequestStrategies` is always empty.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"strategies": [{"id": "5b1c7b2a-1f7e-4c3e-9d59-0c1e7f8a2b11",
    "projectId": "default", "featureName": "new-checkout", "strategyName": "flexibleRollout",
    "environment": "production"}], "changeRequestStrategies": []}))]
struct SegmentStrategies {
    strategies: Vec<StrategyRef>,
    change_request_strategies: Vec<StrategyRef>,
}

#[utoipa::path(
    get,
    path = "/api/admin/segments/{id}/strategies",
    summary = "The strategies that use a segment",
    params(("id" = i64, Path, description = "A segment's id")),
    responses(
        (status = 200, description = "The strategies of live flags using the segment", body = SegmentStrategies),
        (status = 404, description = "No such segment"),
    )
)]
async fn segment_strategies(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<i64>,
) -> ApiResult<Json<SegmentStrategies>> {
    state.store.segment(id).await?;
    let strategies = state.store.strategies_using_segment(id).await?;
    Ok(Json(SegmentStrategies {
        strategies: strategies.into_iter().map(StrategyRef::from).collect(),
        change_request_strategies: Vec::new(),
    }))
}

/// The segments one strategy uses.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"segments": [{"id": 1, "name": "beta-users", "description": null,
    "project": null, "constraints": [{"contextName": "userId", "operator": "IN", "values": ["42"],
    "caseInsensitive": false, "inverted": false}], "createdAt": "2025-03-01T09:00:00Z",
    "createdBy": "admin", "usedInFeatures": 2, "usedInProjects": 0}]}))]
struct StrategySegments<'a> {
    segments: Vec<SegmentView<'a>>,
}

#[utoipa::path(
    get,
    path = "/api/admin/segments/strategies/{strategy}",
    summary = "The segments a strategy uses",
    params(("strategy" = String, Path, description = "A strategy's id")),
    responses(
        (status = 200, description = "The strategy's segments, by id", body = StrategySegments),
        (status = 404, description = "No such strategy"),
    )
)]
async fn strategy_segments(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(strategy): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse as _;
    let Some(row) = state.store.strategy(&strategy).await? else {
        return Err(ApiError::NotFound(format!(
            "Could not find strategy with id {strategy}"
        )));
    };
    let users = state.store.segment_users().await?;
    let all = state.store.segments().await?;
    let segments = all
        .iter()
        .filter(|s| row.values.segments.contains(&s.id))
        .map(|s| SegmentView::new(s, users.get(&s.id).map_or(0, |names| names.len())))
        .collect();
    Ok(Json(StrategySegments { segments }).into_response())
}

/// Unleash's upsertSegmentStrategiesSchema: the segments one strategy is to
/// use, all of them (those not listed are removed from it).
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"projectId": "default", "strategyId": "5b1c7b2a-1f7e-4c3e-9d59-0c1e7f8a2b11",
    "environmentId": "production", "segmentIds": [1, 2]}))]
struct StrategySegmentsInput {
    project_id: String,
    strategy_id: String,
    environment_id: String,
    segment_ids: Vec<i64>,
}

#[utoipa::path(
    post,
    path = "/api/admin/segments/strategies",
    summary = "Sets the segments a strategy uses",
    request_body(content = StrategySegmentsInput),
    responses(
        (status = 201, description = "The segments set (one strategy update event; none if they were already so)", body = StrategySegmentsInput),
        (status = 400, description = "Invalid input (a segment that does not exist)"),
        (status = 404, description = "No such strategy in that project and environment"),
    )
)]
async fn set_strategy_segments(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(input): ApiObject<StrategySegmentsInput>,
) -> ApiResult<(StatusCode, Json<StrategySegmentsInput>)> {
    let operation = SetStrategySegments {
        project: ProjectId::parse(&input.project_id)?,
        environment: EnvironmentName::parse(&input.environment_id)?,
        strategy_id: input.strategy_id.clone(),
        segment_ids: input.segment_ids.clone(),
    };
    state.apply(&admin.actor(), operation).await?;
    Ok((StatusCode::CREATED, Json(input)))
}

/// The strategies of live flags with a constraint on a context field.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"strategies": [{"id": "5b1c7b2a-1f7e-4c3e-9d59-0c1e7f8a2b11",
    "projectId": "default", "featureName": "new-checkout", "strategyName": "flexibleRollout",
    "environment": "production"}]}))]
struct ContextFieldStrategies {
    strategies: Vec<StrategyRef>,
}

#[utoipa::path(
    get,
    path = "/api/admin/context/{name}/strategies",
    summary = "The strategies that use a context field",
    params(("name" = String, Path, description = "A context field's name")),
    responses(
        (status = 200, description = "The strategies of live flags with a constraint on the field", body = ContextFieldStrategies),
    )
)]
async fn context_strategies(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Json<ContextFieldStrategies>> {
    let strategies = state
        .store
        .strategies_using_context_field(&name, None)
        .await?;
    Ok(Json(ContextFieldStrategies {
        strategies: strategies.into_iter().map(StrategyRef::from).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/context/{name}/strategies",
    summary = "The strategies of a project that use a context field",
    params(
        ("project" = String, Path, description = "A project's id"),
        ("name" = String, Path, description = "A context field's name"),
    ),
    responses(
        (status = 200, description = "The project's strategies with a constraint on the field", body = ContextFieldStrategies),
        (status = 404, description = "No such project"),
    )
)]
async fn project_context_strategies(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, name)): Path<(String, String)>,
) -> ApiResult<Json<ContextFieldStrategies>> {
    let project = ProjectId::in_path(&project)?;
    if !state.store.project_exists(&project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    let strategies = state
        .store
        .strategies_using_context_field(&name, Some(&project))
        .await?;
    Ok(Json(ContextFieldStrategies {
        strategies: strategies.into_iter().map(StrategyRef::from).collect(),
    }))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        segment_strategies,
        strategy_segments,
        set_strategy_segments,
        context_strategies,
        project_context_strategies
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: segments", "segments")
}
