//! Feature variants of one environment (`GET|PUT|PATCH …/environments/:env/variants`).

use crate::api::routes::{get, put, Routes};
use axum::extract::{Path, State};
use axum::Json;
use flagstaff_engine::document::Variant;
use serde::{Deserialize, Serialize};

use super::check_project_environment;
use crate::api::{ApiJson, ApiObject};
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    Edit, EnvironmentName, FlagName, ProjectId, SetVariants, SetVariantsInEnvironments,
};

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/admin/projects/{project}/features/{feature}/environments/{environment}/variants",
            get(read).put(replace).patch(patch),
        )
        .route(
            "/api/admin/projects/{project}/features/{feature}/variants-batch",
            put(batch),
        )
}

/// Unleash's featureVariantsSchema: the flag's variants in one environment.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "variants": [
    {"name": "blue", "weight": 500, "weightType": "variable", "stickiness": "default",
        "payload": {"type": "string", "value": "#0000ff"}},
    {"name": "green", "weight": 500, "weightType": "variable", "stickiness": "default",
        "overrides": [{"contextName": "userId", "values": ["42"]}]}]}))]
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
        (status = 200, description = "The variants", body = VariantList),
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
    request_body(content = [Variant], description = "The new variants; `weight` is in thousandths, shared by the `variable` ones",
        example = json!([{"name": "blue", "weight": 500, "weightType": "variable", "stickiness": "default",
            "payload": {"type": "string", "value": "#0000ff"}},
            {"name": "green", "weight": 500, "weightType": "variable", "stickiness": "default"}])),
    responses(
        (status = 200, description = "The variants as stored", body = VariantList),
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
    request_body(content = json_patch::Patch, description = "JSON Patch operations on the list of variants",
        example = json!([{"op": "replace", "path": "/0/weight", "value": 300}])),
    responses(
        (status = 200, description = "The variants as stored", body = VariantList),
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

/// Unleash's pushVariantsSchema: the variants, and the environments to set them in.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"variants": [
    {"name": "blue", "weight": 1000, "weightType": "variable", "stickiness": "default"}],
    "environments": ["development", "production"]}))]
struct VariantsBatch {
    #[serde(default)]
    variants: Vec<Variant>,
    #[serde(default)]
    environments: Vec<String>,
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/features/{feature}/variants-batch",
    summary = "Sets the same variants in several environments",
    request_body = VariantsBatch,
    responses(
        (status = 200, description = "The variants as stored", body = VariantList),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn batch(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
    ApiObject(body): ApiObject<VariantsBatch>,
) -> ApiResult<Json<VariantList>> {
    let operation = SetVariantsInEnvironments {
        project: ProjectId::in_path(&project)?,
        feature: FlagName::in_path(&feature)?,
        environments: body
            .environments
            .iter()
            .map(|e| EnvironmentName::in_path(e))
            .collect::<Result<_, _>>()?,
        variants: body.variants,
    };
    Ok(render(state.apply(&admin.actor(), operation).await?))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(read, replace, patch, batch))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: strategies", "variants")
}
