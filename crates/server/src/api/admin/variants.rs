//! Feature variants of one environment (`GET|PUT|PATCH …/environments/:env/variants`).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use flagstaff_engine::document::Variant;
use serde::Serialize;

use super::check_project_environment;
use crate::api::ApiJson;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::ops::{Edit, EnvironmentName, FeatureName, ProjectId, SetVariants};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
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

async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature, environment)): Path<(String, String, String)>,
) -> ApiResult<Json<VariantList>> {
    check_project_environment(&state, &project, &environment).await?;
    state.store.live_feature(&project, &feature).await?;
    let row = state
        .store
        .feature_environment(&feature, &environment)
        .await?;
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
        feature: FeatureName::in_path(&feature)?,
        environment: EnvironmentName::in_path(&environment)?,
        edit,
    };
    Ok(render(state.apply(&admin.actor(), operation).await?))
}

async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String)>,
    ApiJson(variants): ApiJson<Vec<Variant>>,
) -> ApiResult<Json<VariantList>> {
    set(state, admin, path, Edit::Replace(variants)).await
}

async fn patch(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String)>,
    ApiJson(operations): ApiJson<json_patch::Patch>,
) -> ApiResult<Json<VariantList>> {
    set(state, admin, path, Edit::Patch(operations)).await
}
