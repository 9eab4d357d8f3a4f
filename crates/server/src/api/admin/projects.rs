//! Projects and environments (list, create, enable an environment for a
//! project, its default strategy there), and the feature-type catalogue.

use crate::api::routes::{delete, get, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    CreateEnvironment, CreateProject, DeleteProject, DisableEnvironment, EnableEnvironment,
    EnvironmentName, FlagType, ProjectId, SetDefaultStrategy, SetEnvironmentEnabled, StrategyInput,
    UpdateProject,
};
use flagstaff_domain::wire::{to_value, EnvironmentView, ProjectView};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/projects", get(projects).post(create_project))
        .route(
            "/api/admin/projects/{project}",
            get(project).put(update_project).delete(delete_project),
        )
        .route(
            "/api/admin/projects/{project}/environments/{environment}",
            delete(disable_environment),
        )
        .route(
            "/api/admin/environments",
            get(environments).post(create_environment),
        )
        .route("/api/admin/environments/{name}/on", post(environment_on))
        .route("/api/admin/environments/{name}/off", post(environment_off))
        .route(
            "/api/admin/projects/{project}/environments",
            post(enable_environment),
        )
        .route(
            "/api/admin/projects/{project}/environments/{environment}/default-strategy",
            post(set_default_strategy),
        )
        .route("/api/admin/feature-types", get(feature_types))
}

/// The strategy a flag gets when switched on there with none active
/// (Unleash: `flexibleRollout` only); answers it as stored.
#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/environments/{environment}/default-strategy",
    summary = "Sets a project environment's default strategy",
    request_body = Object,
    responses(
        (status = 200, description = "OK", body = Object),
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
) -> ApiResult<Json<Value>> {
    let operation = SetDefaultStrategy {
        project: ProjectId::in_path(&project)?,
        environment: EnvironmentName::in_path(&environment)?,
        strategy,
    };
    let strategy = state.apply(&admin.actor(), operation).await?;
    Ok(Json(to_value(&strategy)))
}

#[utoipa::path(
    get,
    path = "/api/admin/feature-types",
    summary = "The flag types",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn feature_types(_admin: AdminToken) -> Json<Value> {
    let types: Vec<Value> = FlagType::ALL
        .iter()
        .map(|t| {
            let (name, days) = t.catalogue();
            json!({"id": t.as_str(), "name": name, "lifetimeDays": days})
        })
        .collect();
    Json(json!({"version": 1, "types": types}))
}

#[derive(Serialize)]
struct ProjectList {
    version: u8,
    projects: Vec<ProjectView>,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects",
    summary = "Every project",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn projects(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let projects = state
        .store
        .projects()
        .await?
        .into_iter()
        .map(|(id, name, description)| ProjectView {
            id,
            name,
            description,
        })
        .collect();
    Ok(Json(ProjectList {
        version: 1,
        projects,
    })
    .into_response())
}

/// One project with its environments and how many live flags of each type it has.
#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}",
    summary = "One project",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn project(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let Some((id, name, description)) = state
        .store
        .projects()
        .await?
        .into_iter()
        .find(|(project, _, _)| *project == id)
    else {
        return Err(crate::error::ApiError::NotFound(format!(
            "Could not find project {id}"
        )));
    };
    let environments = state.store.project_environments(&id).await?;
    let defaults = state.store.default_strategies(&id).await?;
    let counts = state.store.flag_type_counts(&id).await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let type_counts: Vec<Value> = counts
        .into_iter()
        .map(|(kind, count)| json!({"type": kind, "count": count}))
        .collect();
    Ok(Json(json!({
        "version": 1, "id": id, "name": name, "description": description,
        "environments": environments.iter().map(|e| json!({
            "environment": e.name, "type": e.kind, "sortOrder": e.sort_order,
            "defaultStrategy": defaults.iter().find(|(env, _)| *env == e.name).map(|(_, s)| s),
        })).collect::<Vec<_>>(),
        "featureCount": total, "featureTypeCounts": type_counts,
    })))
}

#[derive(Serialize)]
struct EnvironmentList<'a> {
    version: u8,
    environments: Vec<EnvironmentView<'a>>,
}

#[utoipa::path(
    get,
    path = "/api/admin/environments",
    summary = "Every environment",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn environments(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let environments = state.store.environments().await?;
    Ok(Json(EnvironmentList {
        version: 1,
        environments: environments.iter().map(EnvironmentView::from).collect(),
    })
    .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ProjectBody {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/admin/projects",
    summary = "Creates a project",
    request_body = ProjectBody,
    responses(
        (status = 201, description = "Created", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create_project(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<ProjectBody>,
) -> ApiResult<Response> {
    let operation = CreateProject {
        id: ProjectId::parse(&body.id)?,
        name: body.name,
        description: body.description,
    };
    let project = state.apply(&admin.actor(), operation).await?;
    Ok((StatusCode::CREATED, Json(project)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct EnvironmentBody {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    sort_order: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/api/admin/environments",
    summary = "Creates an environment",
    request_body = EnvironmentBody,
    responses(
        (status = 201, description = "Created", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create_environment(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<EnvironmentBody>,
) -> ApiResult<Response> {
    let operation = CreateEnvironment {
        name: EnvironmentName::parse(&body.name)?,
        kind: body.kind,
        sort_order: body.sort_order,
    };
    let environment = state.apply(&admin.actor(), operation).await?;
    Ok((
        StatusCode::CREATED,
        Json(EnvironmentView::from(&environment)),
    )
        .into_response())
}

async fn switch_environment(
    state: &AppState,
    admin: &AdminToken,
    name: &str,
    enabled: bool,
) -> ApiResult<StatusCode> {
    let operation = SetEnvironmentEnabled {
        name: EnvironmentName::in_path(name)?,
        enabled,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/admin/environments/{name}/on",
    summary = "Enables an environment",
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn environment_on(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    switch_environment(&state, &admin, &name, true).await
}

#[utoipa::path(
    post,
    path = "/api/admin/environments/{name}/off",
    summary = "Disables an environment",
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn environment_off(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    switch_environment(&state, &admin, &name, false).await
}

#[derive(Deserialize, utoipa::ToSchema)]
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
    let operation = EnableEnvironment {
        project: ProjectId::in_path(&project)?,
        // A name that is not legal names no environment: 404, as for an unknown one.
        environment: EnvironmentName::in_path(&body.environment)?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct UpdateProjectBody {
    name: String,
    #[serde(default)]
    description: Option<String>,
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}",
    summary = "Changes a project",
    request_body = UpdateProjectBody,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn update_project(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    ApiObject(body): ApiObject<UpdateProjectBody>,
) -> ApiResult<StatusCode> {
    let operation = UpdateProject {
        id: ProjectId::in_path(&id)?,
        name: body.name,
        description: body.description,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}",
    summary = "Deletes an empty project",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn delete_project(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = ProjectId::in_path(&id)?;
    state.apply(&admin.actor(), DeleteProject { id }).await?;
    Ok(StatusCode::OK)
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
    let operation = DisableEnvironment {
        project: ProjectId::in_path(&project)?,
        environment: EnvironmentName::in_path(&environment)?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        projects,
        create_project,
        project,
        update_project,
        delete_project,
        disable_environment,
        environments,
        create_environment,
        enable_environment,
        set_default_strategy,
        environment_on,
        environment_off,
        feature_types
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: projects", "projects")
}
