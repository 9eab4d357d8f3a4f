//! Strategies of a flag in one environment: list, add, read, replace, patch, remove.

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::check_project_environment;
use crate::api::{ApiJson, ApiObject};
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    check_constraints, AddStrategy, Edit, EnvironmentName, FlagName, ProjectId, RemoveStrategy,
    SortStrategies, StrategyInput, StrategyPlace, UpdateStrategy,
};
use flagstaff_domain::wire::StrategyView;
use flagstaff_storage::StrategyRow;

pub fn router() -> Routes {
    let base =
        "/api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies";
    Routes::new()
        .route(base, get(list).post(add))
        .route(&format!("{base}/set-sort-order"), post(set_sort_order))
        .route("/api/admin/constraints/validate", post(validate_constraint))
        .route(
            &format!("{base}/{{strategy}}"),
            get(read).put(replace).patch(patch).delete(remove),
        )
}

type PlacePath = (String, String, String);
type StrategyPath = (String, String, String, String);

fn place((project, feature, environment): PlacePath) -> ApiResult<StrategyPlace> {
    Ok(StrategyPlace {
        project: ProjectId::in_path(&project)?,
        feature: FlagName::in_path(&feature)?,
        environment: EnvironmentName::in_path(&environment)?,
    })
}

fn render(strategy: &StrategyRow) -> Json<StrategyView<'_>> {
    Json(StrategyView::from(strategy))
}

/// For reads: the project has the environment and the flag is live.
async fn check_place(
    state: &AppState,
    (project, feature, environment): &PlacePath,
) -> ApiResult<()> {
    check_project_environment(state, project, environment).await?;
    state.store.live_flag(project, feature).await?;
    Ok(())
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies",
    summary = "A flag's strategies in an environment",
    responses(
        (status = 200, description = "The strategies, in order", body = [StrategyView],
            example = json!([{"id": "6f1d1c2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f", "name": "default", "title": null,
                "disabled": false, "featureName": "new-checkout", "sortOrder": 0, "segments": [],
                "constraints": [], "parameters": {}, "variants": []}])),
    )
)]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(path): Path<PlacePath>,
) -> ApiResult<Response> {
    check_place(&state, &path).await?;
    let strategies = state.store.strategies(&path.1, Some(&path.2)).await?;
    let views: Vec<StrategyView> = strategies.iter().map(StrategyView::from).collect();
    Ok(Json(views).into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/{strategy}",
    summary = "One strategy",
    responses(
        (status = 200, description = "The strategy", body = StrategyView),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature, environment, id)): Path<StrategyPath>,
) -> ApiResult<Response> {
    let path = (project, feature, environment);
    check_place(&state, &path).await?;
    match state.store.strategy(&id).await? {
        Some(s) if s.feature_name == path.1 && s.environment == path.2 => {
            Ok(render(&s).into_response())
        }
        _ => Err(ApiError::NotFound(format!(
            "Could not find strategy with id {id}"
        ))),
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies",
    summary = "Adds a strategy",
    request_body = StrategyInput,
    responses(
        (status = 200, description = "The strategy added", body = StrategyView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn add(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<PlacePath>,
    ApiObject(strategy): ApiObject<StrategyInput>,
) -> ApiResult<Response> {
    let operation = AddStrategy {
        place: place(path)?,
        strategy,
    };
    Ok(render(&state.apply(&admin.actor(), operation).await?).into_response())
}

async fn update(
    state: AppState,
    admin: AdminToken,
    (project, feature, environment, id): StrategyPath,
    edit: Edit<StrategyInput>,
) -> ApiResult<Response> {
    let operation = UpdateStrategy {
        place: place((project, feature, environment))?,
        id,
        edit,
    };
    Ok(render(&state.apply(&admin.actor(), operation).await?).into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/{strategy}",
    summary = "Replaces a strategy",
    request_body = StrategyInput,
    responses(
        (status = 200, description = "The strategy as replaced", body = StrategyView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<StrategyPath>,
    ApiObject(strategy): ApiObject<StrategyInput>,
) -> ApiResult<Response> {
    update(state, admin, path, Edit::Replace(strategy)).await
}

#[utoipa::path(
    patch,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/{strategy}",
    summary = "Changes a strategy with JSON Patch",
    request_body(content = json_patch::Patch, description = "JSON Patch operations on the strategy as `StrategyInput` shows it",
        example = json!([{"op": "replace", "path": "/parameters/rollout", "value": "75"}])),
    responses(
        (status = 200, description = "The strategy as changed", body = StrategyView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn patch(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<StrategyPath>,
    ApiJson(operations): ApiJson<json_patch::Patch>,
) -> ApiResult<Response> {
    update(state, admin, path, Edit::Patch(operations)).await
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/{strategy}",
    summary = "Removes a strategy",
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
    Path((project, feature, environment, id)): Path<StrategyPath>,
) -> ApiResult<StatusCode> {
    let operation = RemoveStrategy {
        place: place((project, feature, environment))?,
        id,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SortOrder {
    id: String,
    sort_order: i64,
}

/// `[{id, sortOrder}]`: new positions for the flag's strategies, one change.
#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/strategies/set-sort-order",
    summary = "Orders the strategies",
    request_body(content = [SortOrder], example = json!([{"id": "6f1d1c2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f", "sortOrder": 0}])),
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn set_sort_order(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<PlacePath>,
    ApiJson(orders): ApiJson<Vec<SortOrder>>,
) -> ApiResult<StatusCode> {
    let operation = SortStrategies {
        place: place(path)?,
        orders: orders.into_iter().map(|o| (o.id, o.sort_order)).collect(),
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// 204 when the engine would use the constraint as written, 400 saying why not.
#[utoipa::path(
    post,
    path = "/api/admin/constraints/validate",
    summary = "Whether a constraint is valid",
    request_body(content = flagstaff_engine::document::Constraint,
        example = json!({"contextName": "appVersion", "operator": "SEMVER_GT", "value": "1.2.0"})),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "Invalid input"),
    )
)]
async fn validate_constraint(
    _admin: AdminToken,
    ApiObject(constraint): ApiObject<flagstaff_engine::document::Constraint>,
) -> ApiResult<StatusCode> {
    check_constraints(std::slice::from_ref(&constraint))?;
    Ok(StatusCode::NO_CONTENT)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        list,
        add,
        set_sort_order,
        validate_constraint,
        read,
        replace,
        patch,
        remove
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: strategies", "strategies")
}
