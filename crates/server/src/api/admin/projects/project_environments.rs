//! A project's environments: adding one to the project, removing it, and the
//! strategy a flag gets there when switched on with none.

use crate::api::routes::{delete, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    AddEnvironmentToProject, EnvironmentName, ProjectId, RemoveEnvironmentFromProject,
    SetDefaultStrategy, StrategyInput,
};
use flagstaff_storage::StrategyValues;

pub fn router() -> Routes {
    let environments = "/api/admin/projects/{project}/environments";
    Routes::new()
        .route(environments, post(enable_environment))
        .route(
            &format!("{environments}/{{environment}}"),
            delete(disable_environment),
        )
        .route(
            &format!("{environments}/{{environment}}/default-strategy"),
            post(set_default_strategy),
        )
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"environment": "staging"}))]
struct EnableBody {
    environment: String,
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/environments",
    summary = "Adds an environment to a project",
    request_body = EnableBody,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn enable_environment(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<EnableBody>,
) -> ApiResult<StatusCode> {
    let operation = AddEnvironmentToProject {
        project: ProjectId::in_path(&project)?,
        // A name that is not legal names no environment: 404, as for an unknown one.
        environment: EnvironmentName::in_path(&body.environment)?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// The strategy a flag gets when switched on there with none active
/// (Unleash: `flexibleRollout` only); answers it as stored.
#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/environments/{environment}/default-strategy",
    summary = "Sets a project environment's default strategy",
    request_body = StrategyInput,
    responses(
        (status = 200, description = "The default strategy as stored", body = StrategyValues),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn set_default_strategy(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, environment)): Path<(String, String)>,
    ApiObject(strategy): ApiObject<StrategyInput>,
) -> ApiResult<Json<StrategyValues>> {
    let operation = SetDefaultStrategy {
        project: ProjectId::in_path(&project)?,
        environment: EnvironmentName::in_path(&environment)?,
        strategy,
    };
    let strategy = state.apply(&admin.actor(), operation).await?;
    Ok(Json(strategy))
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/environments/{environment}",
    summary = "Removes an environment from a project",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn disable_environment(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, environment)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let operation = RemoveEnvironmentFromProject {
        project: ProjectId::in_path(&project)?,
        environment: EnvironmentName::in_path(&environment)?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// This part of the projects' OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(enable_environment, disable_environment, set_default_strategy))]
    struct Doc;
    Doc::openapi()
}
