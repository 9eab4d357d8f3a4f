//! Flag routes scripts call besides the basic ones: name validation, clone,
//! bulk on/off in one environment, bulk stale, and one environment of a flag.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::feature_json;
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::ops::{
    validate_new_name, CloneFlag, EnvironmentName, FeatureName, MarkStale, ProjectId,
    SwitchEnvironments,
};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let feature = "/api/admin/projects/{project}/features/{feature}";
    let bulk = "/api/admin/projects/{project}/bulk_features/environments/{environment}";
    Router::new()
        .route("/api/admin/features/validate", post(validate))
        .route(&format!("{feature}/clone"), post(clone))
        .route(
            &format!("{feature}/environments/{{environment}}"),
            get(environment),
        )
        .route(&format!("{bulk}/on"), post(bulk_on))
        .route(&format!("{bulk}/off"), post(bulk_off))
        .route("/api/admin/projects/{project}/stale", post(stale))
}

#[derive(Deserialize)]
struct ValidateBody {
    name: String,
}

/// 200 when the name is legal and free; 400 / 409 otherwise (as Unleash).
async fn validate(
    State(state): State<AppState>,
    _admin: AdminToken,
    ApiObject(body): ApiObject<ValidateBody>,
) -> ApiResult<StatusCode> {
    validate_new_name(&state.store, &body.name).await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CloneBody {
    name: String,
    #[serde(default)]
    replace_group_id: Option<bool>,
}

async fn clone(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, source)): Path<(String, String)>,
    ApiObject(body): ApiObject<CloneBody>,
) -> ApiResult<Json<Value>> {
    let operation = CloneFlag {
        project: ProjectId::in_path(&project)?,
        source: FeatureName::in_path(&source)?,
        name: FeatureName::parse(&body.name)?,
        replace_group_id: body.replace_group_id.unwrap_or(true),
    };
    let feature = state.apply(&admin.actor(), operation).await?;
    Ok(Json(feature_json(&state, &feature).await?))
}

/// Unleash's featureEnvironmentSchema: one environment of a flag.
async fn environment(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, name, environment)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let feature = state.store.live_feature(&project, &name).await?;
    let mut view = feature_json(&state, &feature).await?;
    let mut found = view["environments"]
        .as_array_mut()
        .and_then(|list| {
            let at = list
                .iter()
                .position(|e| e["name"] == environment.as_str())?;
            Some(list.swap_remove(at))
        })
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "Could not find environment {environment} in project {project}"
            ))
        })?;
    found["featureName"] = Value::String(feature.name);
    Ok(Json(found))
}

#[derive(Deserialize)]
struct FeaturesBody {
    features: Vec<String>,
}

fn names(features: &[String]) -> ApiResult<Vec<FeatureName>> {
    Ok(features
        .iter()
        .map(|f| FeatureName::in_path(f))
        .collect::<Result<_, _>>()?)
}

async fn bulk_switch(
    state: AppState,
    admin: AdminToken,
    (project, environment): (String, String),
    features: Vec<String>,
    enabled: bool,
) -> ApiResult<StatusCode> {
    let operation = SwitchEnvironments {
        project: ProjectId::in_path(&project)?,
        names: names(&features)?,
        environment: EnvironmentName::in_path(&environment)?,
        enabled,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

async fn bulk_on(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
    ApiObject(body): ApiObject<FeaturesBody>,
) -> ApiResult<StatusCode> {
    bulk_switch(state, admin, path, body.features, true).await
}

async fn bulk_off(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
    ApiObject(body): ApiObject<FeaturesBody>,
) -> ApiResult<StatusCode> {
    bulk_switch(state, admin, path, body.features, false).await
}

#[derive(Deserialize)]
struct StaleBody {
    features: Vec<String>,
    stale: bool,
}

async fn stale(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<StaleBody>,
) -> ApiResult<StatusCode> {
    let operation = MarkStale {
        project: ProjectId::in_path(&project)?,
        names: names(&body.features)?,
        stale: body.stale,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::ACCEPTED)
}
