//! Flag dependencies (Unleash's "Dependencies" routes): add or replace a
//! child's parent, remove one or all of its dependencies (200, empty, as
//! Unleash), the parents a flag could have, the variants a parent offers,
//! and whether any dependency exists. The rules are the operations'
//! (`ops::AddDependency`); a flag's view shows `dependencies` and `children`.

use std::collections::BTreeSet;

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    AddDependency, FlagName, ProjectId, RemoveDependencies, RemoveDependency,
};

pub fn router() -> Routes {
    let feature = "/api/admin/projects/{project}/features/{feature}";
    Routes::new()
        .route(
            &format!("{feature}/dependencies"),
            post(add).delete(remove_all),
        )
        .route(
            &format!("{feature}/dependencies/{{parent}}"),
            crate::api::routes::delete(remove),
        )
        .route(&format!("{feature}/parents"), get(possible_parents))
        .route(&format!("{feature}/parent-variants"), get(parent_variants))
        .route(
            "/api/admin/projects/{project}/dependencies",
            get(any_dependencies),
        )
}

/// Unleash's createDependentFeatureSchema: the parent, whether it must be
/// on (default) or off, and the parent variants that satisfy it (any when absent).
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"feature": "new-cart", "enabled": true, "variants": ["blue"]}))]
struct DependencyBody {
    feature: String,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    variants: Option<Vec<String>>,
}

fn flag_path(project: &str, feature: &str) -> ApiResult<(ProjectId, FlagName)> {
    Ok((ProjectId::in_path(project)?, FlagName::in_path(feature)?))
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/dependencies",
    summary = "Adds or replaces a flag's parent",
    request_body = DependencyBody,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn add(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, child)): Path<(String, String)>,
    ApiObject(body): ApiObject<DependencyBody>,
) -> ApiResult<StatusCode> {
    let (project, child) = flag_path(&project, &child)?;
    let operation = AddDependency {
        project,
        child,
        parent: FlagName::parse(&body.feature)?,
        enabled: body.enabled.unwrap_or(true),
        variants: body.variants,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/features/{feature}/dependencies/{parent}",
    summary = "Removes one dependency",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, child, parent)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (project, child) = flag_path(&project, &child)?;
    let operation = RemoveDependency {
        project,
        child,
        parent: FlagName::in_path(&parent)?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/features/{feature}/dependencies",
    summary = "Removes all of a flag's dependencies",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn remove_all(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, child)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (project, child) = flag_path(&project, &child)?;
    state
        .apply(&admin.actor(), RemoveDependencies { project, child })
        .await?;
    Ok(StatusCode::OK)
}

/// The flags `feature` could depend on: live flags of its project, not itself,
/// that depend on nothing themselves, by name.
#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features/{feature}/parents",
    summary = "The flags that could be this flag's parent",
    responses(
        (status = 200, description = "The names of the flags it could depend on", body = Vec<String>,
            example = json!(["new-cart", "dark-mode"])),
    )
)]
async fn possible_parents(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
) -> ApiResult<Json<Vec<String>>> {
    let child = state.store.live_flag(&project, &feature).await?;
    let children: BTreeSet<String> = state
        .store
        .project_dependencies(&child.project)
        .await?
        .into_iter()
        .map(|d| d.child)
        .collect();
    let options = state
        .store
        .flags(Some(&child.project), false)
        .await?
        .into_iter()
        .map(|f| f.name)
        .filter(|name| *name != child.name && !children.contains(name))
        .collect();
    Ok(Json(options))
}

/// The variant names a parent can give: its strategies' and its
/// environments' variants, each once, sorted.
#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features/{feature}/parent-variants",
    summary = "The variants a parent flag offers",
    responses(
        (status = 200, description = "The variant names, sorted", body = Vec<String>,
            example = json!(["blue", "green"])),
    )
)]
async fn parent_variants(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, parent)): Path<(String, String)>,
) -> ApiResult<Json<Vec<String>>> {
    let parent = state.store.live_flag(&project, &parent).await?;
    let mut names = BTreeSet::new();
    for strategy in state.store.strategies(&parent.name, None).await? {
        names.extend(strategy.values.variants.into_iter().map(|v| v.name));
    }
    for environment in state.store.flag_environments(&parent.name).await? {
        names.extend(environment.variants.into_iter().map(|v| v.name));
    }
    Ok(Json(names.into_iter().collect()))
}

/// Whether any flag of the instance depends on another (Unleash answers a
/// bare `true` or `false`, whatever the project).
#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/dependencies",
    summary = "Whether any dependency exists",
    responses(
        (status = 200, description = "Whether any flag depends on another", content_type = "application/json",
            body = bool, example = json!(true)),
    )
)]
async fn any_dependencies(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(_project): Path<String>,
) -> ApiResult<Json<bool>> {
    Ok(Json(state.store.any_dependencies().await?))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        add,
        remove_all,
        remove,
        possible_parents,
        parent_variants,
        any_dependencies
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: dependencies", "dependencies")
}
