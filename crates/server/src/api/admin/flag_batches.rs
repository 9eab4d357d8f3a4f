//! Flag routes scripts call besides the basic ones: name validation, clone,
//! bulk on/off in one environment, bulk stale, and one environment of a flag.

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{flag_answer, FlagRows};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    validate_new_name, CloneFlag, EnvironmentName, FlagName, MarkStale, ProjectId,
    SwitchEnvironments,
};
use flagstaff_domain::wire::{FlagEnvironmentView, FlagView};

pub fn router() -> Routes {
    let feature = "/api/admin/projects/{project}/features/{feature}";
    let bulk = "/api/admin/projects/{project}/bulk_features/environments/{environment}";
    Routes::new()
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

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = FlagNameBody, example = json!({"name": "new-checkout"}))]
struct ValidateBody {
    name: String,
}

/// 200 when the name is legal and free; 400 / 409 otherwise (as Unleash).
#[utoipa::path(
    post,
    path = "/api/admin/features/validate",
    summary = "Whether a flag name is valid and free",
    request_body = ValidateBody,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn validate(
    State(state): State<AppState>,
    _admin: AdminToken,
    ApiObject(body): ApiObject<ValidateBody>,
) -> ApiResult<StatusCode> {
    validate_new_name(&state.store, &body.name).await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "new-checkout-copy", "replaceGroupId": true}))]
struct CloneBody {
    name: String,
    #[serde(default)]
    replace_group_id: Option<bool>,
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/clone",
    summary = "Copies a flag under a new name",
    request_body = CloneBody,
    responses(
        (status = 200, description = "The copy", body = FlagView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn clone(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, source)): Path<(String, String)>,
    ApiObject(body): ApiObject<CloneBody>,
) -> ApiResult<Response> {
    let operation = CloneFlag {
        project: ProjectId::in_path(&project)?,
        source: FlagName::in_path(&source)?,
        name: FlagName::parse(&body.name)?,
        replace_group_id: body.replace_group_id.unwrap_or(true),
    };
    let feature = state.apply(&admin.actor(), operation).await?;
    flag_answer(&state, feature, StatusCode::OK).await
}

/// Unleash's featureEnvironmentSchema: one environment of a flag, naming the flag.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "production", "environment": "production", "type": "production",
    "enabled": true, "sortOrder": 1, "variantCount": 0, "strategies": [], "variants": [],
    "hasStrategies": false, "hasEnabledStrategies": false, "featureName": "new-checkout"}))]
struct FlagEnvironment<'a> {
    #[serde(flatten)]
    environment: FlagEnvironmentView<'a>,
    feature_name: &'a str,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}",
    summary = "A flag in one environment",
    responses(
        (status = 200, description = "The flag's environment", body = FlagEnvironment),
    )
)]
async fn environment(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, name, environment)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let feature = state.store.live_flag(&project, &name).await?;
    let flag = FlagRows::read(&state, feature).await?;
    let mut view = flag.view();
    let at = view
        .environments
        .iter()
        .position(|e| e.name == environment)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "Could not find environment {environment} in project {project}"
            ))
        })?;
    let found = FlagEnvironment {
        environment: view.environments.swap_remove(at),
        feature_name: view.metadata.name,
    };
    Ok(Json(found).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"features": ["new-checkout", "dark-mode"]}))]
pub(super) struct FlagNamesBody {
    pub(super) features: Vec<String>,
}

pub(super) fn names(features: &[String]) -> ApiResult<Vec<FlagName>> {
    Ok(features
        .iter()
        .map(|f| FlagName::in_path(f))
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

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/bulk_features/environments/{environment}/on",
    summary = "Turns many flags on in an environment",
    request_body = FlagNamesBody,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn bulk_on(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
    ApiObject(body): ApiObject<FlagNamesBody>,
) -> ApiResult<StatusCode> {
    bulk_switch(state, admin, path, body.features, true).await
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/bulk_features/environments/{environment}/off",
    summary = "Turns many flags off in an environment",
    request_body = FlagNamesBody,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn bulk_off(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
    ApiObject(body): ApiObject<FlagNamesBody>,
) -> ApiResult<StatusCode> {
    bulk_switch(state, admin, path, body.features, false).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"features": ["new-checkout"], "stale": true}))]
struct StaleBody {
    features: Vec<String>,
    stale: bool,
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/stale",
    summary = "Marks flags stale or not",
    request_body = StaleBody,
    responses(
        (status = 202, description = "Accepted"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
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

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(validate, clone, environment, bulk_on, bulk_off, stale))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: flags", "flag_batches")
}
