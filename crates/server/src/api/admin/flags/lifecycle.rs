//! A flag's lifecycle: switching it on or off in an environment, and reviving
//! or deleting it once archived (archiving is the flag's DELETE).

use crate::api::routes::{delete, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::super::flag_answer;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    DeleteFlag, EnvironmentName, FlagName, ProjectId, ReviveFlag, SwitchEnvironment,
};
use flagstaff_domain::wire::FlagView;

pub fn router() -> Routes {
    let environment = "/api/admin/projects/{project}/features/{feature}/environments/{environment}";
    Routes::new()
        .route(&format!("{environment}/on"), post(switch_on))
        .route(&format!("{environment}/off"), post(switch_off))
        .route("/api/admin/archive/revive/{feature}", post(revive))
        .route("/api/admin/archive/{feature}", delete(delete_archived))
}

#[utoipa::path(
    post,
    path = "/api/admin/archive/revive/{feature}",
    summary = "Revives an archived flag",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn revive(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let name = FlagName::in_path(&name)?;
    state.apply(&admin.actor(), ReviveFlag { name }).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/archive/{feature}",
    summary = "Deletes an archived flag",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn delete_archived(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let name = FlagName::in_path(&name)?;
    state.apply(&admin.actor(), DeleteFlag { name }).await?;
    Ok(StatusCode::OK)
}

/// Answers the flag, as Unleash 8 does.
async fn switch(
    state: AppState,
    admin: AdminToken,
    (project, name, environment): (String, String, String),
    enabled: bool,
) -> ApiResult<Response> {
    let operation = SwitchEnvironment {
        project: ProjectId::in_path(&project)?,
        name: FlagName::in_path(&name)?,
        environment: EnvironmentName::in_path(&environment)?,
        enabled,
    };
    let project = operation.project.clone();
    let name = operation.name.clone();
    state.apply(&admin.actor(), operation).await?;
    let feature = state.store.live_flag(&project, &name).await?;
    flag_answer(&state, feature, StatusCode::OK).await
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/on",
    summary = "Turns a flag on in an environment",
    responses(
        (status = 200, description = "The flag as switched", body = FlagView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn switch_on(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String)>,
) -> ApiResult<Response> {
    switch(state, admin, path, true).await
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/off",
    summary = "Turns a flag off in an environment",
    responses(
        (status = 200, description = "The flag as switched", body = FlagView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn switch_off(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String)>,
) -> ApiResult<Response> {
    switch(state, admin, path, false).await
}

/// This part of the flags' OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(switch_on, switch_off, revive, delete_archived))]
    struct Doc;
    Doc::openapi()
}
