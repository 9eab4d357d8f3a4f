//! Environments: list, create, enable and disable them everywhere.

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{CreateEnvironment, EnvironmentName, SetEnvironmentEnabled};
use flagstaff_domain::wire::EnvironmentView;

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/admin/environments",
            get(environments).post(create_environment),
        )
        .route("/api/admin/environments/{name}/on", post(environment_on))
        .route("/api/admin/environments/{name}/off", post(environment_off))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 1, "environments": [{"name": "production",
    "type": "production", "enabled": true, "sortOrder": 1, "protected": false}]}))]
struct EnvironmentList<'a> {
    version: u8,
    environments: Vec<EnvironmentView<'a>>,
}

#[utoipa::path(
    get,
    path = "/api/admin/environments",
    summary = "Every environment",
    responses(
        (status = 200, description = "Every environment", body = EnvironmentList),
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
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "staging", "type": "test", "sortOrder": 2}))]
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
        (status = 201, description = "The environment created", body = EnvironmentView),
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

/// This part of the projects' OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(environments, create_environment, environment_on, environment_off))]
    struct Doc;
    Doc::openapi()
}
