//! Projects (list, read, create, change, delete) and the flag-type catalogue
//! (with the lifetimes set);
//! environments, and a project's environments, are in their own modules.

mod environment_order;
mod environments;
pub(crate) mod facts;
mod health;
mod insights;
mod project_apps;
mod project_environments;
mod project_tokens;

use crate::api::routes::{get, put, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    flag_type_lifetimes, CreateProject, DeleteProject, FlagType, ProjectId, SetFlagTypeLifetime,
    UpdateProject,
};
use flagstaff_domain::wire::ProjectView;
use flagstaff_storage::StrategyValues;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/projects", get(projects).post(create_project))
        .route(
            "/api/admin/projects/{project}",
            get(project).put(update_project).delete(delete_project),
        )
        .route("/api/admin/feature-types", get(feature_types))
        .route(
            "/api/admin/feature-types/{id}/lifetime",
            put(feature_type_lifetime),
        )
        .merge(environments::router())
        .merge(project_environments::router())
        .merge(project_tokens::router())
        .merge(environment_order::router())
        .merge(insights::router())
        .merge(health::router())
        .merge(project_apps::router())
}

/// A flag type of the catalogue, with the days after which a flag of it is
/// potentially stale (none: never).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct FeatureType {
    id: &'static str,
    name: &'static str,
    lifetime_days: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "types": [{"id": "release", "name": "Release",
    "lifetimeDays": 40}, {"id": "kill-switch", "name": "Kill switch", "lifetimeDays": null}]}))]
struct FeatureTypes {
    version: u8,
    types: Vec<FeatureType>,
}

#[utoipa::path(
    get,
    path = "/api/admin/feature-types",
    summary = "The flag types",
    responses(
        (status = 200, description = "The flag types", body = FeatureTypes),
    )
)]
async fn feature_types(
    State(state): State<AppState>,
    _admin: AdminToken,
) -> ApiResult<Json<FeatureTypes>> {
    let types = flag_type_lifetimes(&state.store)
        .await?
        .into_iter()
        .map(|(t, lifetime_days)| FeatureType::of(t, lifetime_days))
        .collect();
    Ok(Json(FeatureTypes { version: 1, types }))
}

impl FeatureType {
    fn of(flag_type: FlagType, lifetime_days: Option<u32>) -> FeatureType {
        FeatureType {
            id: flag_type.as_str(),
            name: flag_type.catalogue().0,
            lifetime_days,
        }
    }
}

/// Unleash's updateFeatureTypeLifetimeSchema.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"lifetimeDays": 60}))]
struct LifetimeBody {
    /// Days after which a flag of the type is potentially stale; 0: never.
    lifetime_days: i64,
}

#[utoipa::path(
    put,
    path = "/api/admin/feature-types/{id}/lifetime",
    summary = "Sets a flag type's expected lifetime",
    request_body = LifetimeBody,
    responses(
        (status = 200, description = "The flag type", body = FeatureType,
            example = json!({"id": "release", "name": "Release", "lifetimeDays": 60})),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn feature_type_lifetime(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    ApiObject(body): ApiObject<LifetimeBody>,
) -> ApiResult<Json<FeatureType>> {
    let operation = SetFlagTypeLifetime {
        flag_type: id,
        lifetime_days: body.lifetime_days,
    };
    let (flag_type, days) = state.apply(&admin.actor(), operation).await?;
    Ok(Json(FeatureType::of(flag_type, days)))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "projects": [{"id": "default", "name": "Default",
    "description": "Default project"}]}))]
struct ProjectList {
    version: u8,
    projects: Vec<ProjectView>,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects",
    summary = "Every project",
    responses(
        (status = 200, description = "Every project", body = ProjectList),
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
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"version": 1, "id": "default", "name": "Default",
    "description": "Default project", "environments": [{"environment": "production",
        "type": "production", "sortOrder": 1, "defaultStrategy": {"name": "flexibleRollout",
            "title": null, "disabled": false, "sortOrder": 0,
            "parameters": {"groupId": "", "rollout": "100", "stickiness": "default"},
            "constraints": [], "segments": [], "variants": []}},
        {"environment": "development", "type": "development", "sortOrder": 0,
            "defaultStrategy": null}],
    "featureCount": 3, "featureTypeCounts": [{"type": "release", "count": 3}]}))]
struct ProjectDetails<'a> {
    version: u8,
    id: String,
    name: String,
    description: Option<String>,
    environments: Vec<ProjectEnvironment<'a>>,
    feature_count: i64,
    feature_type_counts: Vec<TypeCount>,
}

/// An environment of a project, with the strategy a flag gets there when
/// switched on with none.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ProjectEnvironment<'a> {
    environment: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    sort_order: i64,
    default_strategy: Option<&'a StrategyValues>,
}

/// How many live flags of a type a project has.
#[derive(Serialize, utoipa::ToSchema)]
struct TypeCount {
    #[serde(rename = "type")]
    kind: String,
    count: i64,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}",
    summary = "One project",
    responses(
        (status = 200, description = "The project", body = ProjectDetails),
    )
)]
async fn project(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Response> {
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
    let details = ProjectDetails {
        version: 1,
        id,
        name,
        description,
        environments: environments
            .iter()
            .map(|e| ProjectEnvironment {
                environment: &e.name,
                kind: &e.kind,
                sort_order: e.sort_order,
                default_strategy: defaults
                    .iter()
                    .find(|(env, _)| *env == e.name)
                    .map(|(_, s)| s),
            })
            .collect(),
        feature_count: counts.iter().map(|(_, n)| n).sum(),
        feature_type_counts: counts
            .into_iter()
            .map(|(kind, count)| TypeCount { kind, count })
            .collect(),
    };
    Ok(Json(details).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "checkout", "name": "Checkout", "description": "The shop's checkout"}))]
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
        (status = 201, description = "The project created", body = ProjectView),
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
#[schema(example = json!({"name": "Checkout", "description": "The shop's checkout"}))]
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
        feature_types,
        feature_type_lifetime
    ))]
    struct Doc;
    let mut openapi = Doc::openapi();
    openapi.merge(environments::doc());
    openapi.merge(project_environments::doc());
    openapi.merge(project_tokens::doc());
    openapi.merge(environment_order::doc());
    openapi.merge(insights::doc());
    openapi.merge(health::doc());
    openapi.merge(project_apps::doc());
    crate::api::openapi::area(openapi, "Admin: projects", "projects")
}
