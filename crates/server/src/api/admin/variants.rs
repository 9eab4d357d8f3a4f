//! Feature variants of one environment (`GET|PUT|PATCH …/environments/:env/variants`).

use crate::api::routes::{get, Routes};
use axum::extract::{Path, State};
use axum::Json;
use flagstaff_engine::document::Variant;
use serde::Serialize;

use super::check_project_environment;
use crate::api::ApiJson;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{Edit, EnvironmentName, FlagName, ProjectId, SetVariants};

pub fn router() -> Routes {
    Routes::new().route(
        "/api/admin/projects/{project}/features/{feature}/environments/{environment}/variants",
        get(read).put(replace).patch(patch),
    )
}

#[derive(Serialize)]
struct VariantList {
    version: u8,
    variants: Vec<Variant>,
}

fn render(variants: Vec<Variant>) -> Json<VariantList> {
    Json(VariantList {
        version: 1,
        variants,
    })
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/variants",
    summary = "A flag's variants in an environment",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature, environment)): Path<(String, String, String)>,
) -> ApiResult<Json<VariantList>> {
    check_project_environment(&state, &project, &environment).await?;
    state.store.live_flag(&project, &feature).await?;
    let row = state.store.flag_environment(&feature, &environment).await?;
    Ok(render(row.variants))
}

async fn set(
    state: AppState,
    admin: AdminToken,
    (project, feature, environment): (String, String, String),
    edit: Edit<Vec<Variant>>,
) -> ApiResult<Json<VariantList>> {
    let operation = SetVariants {
        project: ProjectId::in_path(&project)?,
        feature: FlagName::in_path(&feature)?,
        environment: EnvironmentName::in_path(&environment)?,
        edit,
    };
    Ok(render(state.apply(&admin.actor(), operation).await?))
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/variants",
    summary = "Replaces the variants",
    request_body = [Object],
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String)>,
    ApiJson(variants): ApiJson<Vec<Variant>>,
) -> ApiResult<Json<VariantList>> {
    set(state, admin, path, Edit::Replace(variants)).await
}

#[utoipa::path(
    patch,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/variants",
    summary = "Changes the variants with JSON Patch",
    request_body = [Object],
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn patch(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String)>,
    ApiJson(operations): ApiJson<json_patch::Patch>,
) -> ApiResult<Json<VariantList>> {
    set(state, admin, path, Edit::Patch(operations)).await
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(read, replace, patch))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: strategies", "variants")
}
