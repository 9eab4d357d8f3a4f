//! One environment with its use (`GET /api/admin/environments/:name`), a
//! project's environments (`GET /api/admin/environments/project/:p`), and
//! the sort order (`PUT /api/admin/environments/sort-order`), in Unleash's
//! shapes.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::api::routes::{get, put, Routes};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{ProjectId, SortEnvironments};
use flagstaff_domain::wire::EnvironmentView;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/environments/sort-order", put(sort_order))
        .route("/api/admin/environments/project/{project}", get(of_project))
        .route("/api/admin/environments/{name}", get(one))
}

/// An environment with how much uses it (Unleash's `environmentSchema`).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "production", "type": "production", "enabled": true,
    "sortOrder": 1, "protected": false, "projectCount": 2, "apiTokenCount": 3}))]
struct EnvironmentUse<'a> {
    #[serde(flatten)]
    environment: EnvironmentView<'a>,
    /// Projects it is enabled in.
    project_count: usize,
    /// API tokens scoped to it.
    api_token_count: usize,
}

#[utoipa::path(
    get,
    path = "/api/admin/environments/{name}",
    summary = "One environment, with its projects and tokens counted",
    responses(
        (status = 200, description = "The environment", body = EnvironmentUse),
        (status = 404, description = "No such environment"),
    )
)]
async fn one(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let environments = state.store.environments().await?;
    let environment = environments
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| ApiError::NotFound(format!("Could not find environment {name}")))?;
    let mut project_count = 0;
    for (project, _, _) in state.store.projects().await? {
        let enabled = state.store.project_environments(&project).await?;
        project_count += usize::from(enabled.iter().any(|e| e.name == name));
    }
    let tokens = state.store.tokens().await?;
    let answer = EnvironmentUse {
        environment: EnvironmentView::from(environment),
        project_count,
        api_token_count: tokens.iter().filter(|t| t.environment == name).count(),
    };
    Ok(Json(flagstaff_domain::wire::to_value(&answer)))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "environments": [{"name": "production",
    "type": "production", "enabled": true, "sortOrder": 1, "protected": false}]}))]
struct ProjectEnvironments<'a> {
    version: u8,
    environments: Vec<EnvironmentView<'a>>,
}

#[utoipa::path(
    get,
    path = "/api/admin/environments/project/{project}",
    summary = "The environments enabled in a project",
    responses(
        (status = 200, description = "The project's environments", body = ProjectEnvironments),
        (status = 404, description = "No such project"),
    )
)]
async fn of_project(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let project = ProjectId::in_path(&project)?;
    if !state.store.project_exists(project.as_str()).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {}",
            project.as_str()
        )));
    }
    let environments = state.store.project_environments(project.as_str()).await?;
    let answer = ProjectEnvironments {
        version: 1,
        environments: environments.iter().map(EnvironmentView::from).collect(),
    };
    Ok(Json(flagstaff_domain::wire::to_value(&answer)))
}

#[utoipa::path(
    put,
    path = "/api/admin/environments/sort-order",
    summary = "Sets environments' sort order (all or none)",
    request_body(content = BTreeMap<String, i64>, example = json!({"development": 1, "production": 2})),
    responses(
        (status = 200, description = "Sorted"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "An environment that does not exist"),
    )
)]
async fn sort_order(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(order): ApiObject<BTreeMap<String, i64>>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), SortEnvironments { order })
        .await?;
    Ok(StatusCode::OK)
}

/// This module's part of the projects' OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(one, of_project, sort_order))]
    struct Doc;
    Doc::openapi()
}
