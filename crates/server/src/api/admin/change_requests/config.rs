//! Which environments of a project need change requests
//! (`GET …/change-requests/config`, `PUT …/environments/:env/change-requests/config`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::routes::{get, put, Routes};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{EnvironmentName, ProjectId, SetChangeRequestConfig};

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/admin/projects/{project}/change-requests/config",
            get(read),
        )
        .route(
            "/api/admin/projects/{project}/environments/{environment}/change-requests/config",
            put(set),
        )
}

/// One environment's configuration (Unleash's changeRequestEnvironmentConfigSchema).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"environment": "production", "type": "production",
    "changeRequestEnabled": true, "requiredApprovals": 2}))]
struct EnvironmentConfig {
    environment: String,
    #[serde(rename = "type")]
    environment_type: String,
    change_request_enabled: bool,
    required_approvals: i64,
}

/// Unleash's body for an environment's configuration.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"changeRequestsEnabled": true, "requiredApprovals": 2}))]
struct ConfigInput {
    change_requests_enabled: bool,
    /// 1 to 10 (absent: 1).
    #[serde(default)]
    required_approvals: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/config",
    summary = "Which of a project's environments need change requests",
    responses(
        (status = 200, description = "Each environment of the project", body = Vec<EnvironmentConfig>,
            example = json!([{"environment": "production", "type": "production",
                "changeRequestEnabled": true, "requiredApprovals": 2}])),
        (status = 404, description = "Not found"),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<EnvironmentConfig>>> {
    if !state.store.project_exists(&project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    let settings = state.store.change_request_settings(&project).await?;
    let list = state
        .store
        .project_environments(&project)
        .await?
        .into_iter()
        .map(|e| {
            let setting = settings.iter().find(|(name, _)| *name == e.name);
            EnvironmentConfig {
                change_request_enabled: setting.is_some(),
                required_approvals: setting.map_or(1, |(_, n)| *n),
                environment_type: e.kind.clone(),
                environment: e.name,
            }
        })
        .collect();
    Ok(Json(list))
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/environments/{environment}/change-requests/config",
    summary = "Turns change requests on or off for one environment of a project",
    request_body = ConfigInput,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn set(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, environment)): Path<(String, String)>,
    ApiObject(body): ApiObject<ConfigInput>,
) -> ApiResult<StatusCode> {
    let operation = SetChangeRequestConfig {
        project: ProjectId::in_path(&project)?,
        environment: EnvironmentName::in_path(&environment)?,
        enabled: body.change_requests_enabled,
        required_approvals: body.required_approvals,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(read, set))]
    struct Doc;
    crate::api::openapi::area(
        Doc::openapi(),
        "Admin: change requests",
        "change_request_config",
    )
}
