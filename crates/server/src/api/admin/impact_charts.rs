//! Saved impact metric charts (Unleash's impact metrics config): the
//! instance's (`/api/admin/impact-metrics/config`) and a flag's
//! (`/api/admin/projects/{project}/features/{feature}/impact-metrics/config`):
//! list, save (a body with `id` replaces that chart), delete.

use crate::api::routes::{delete, get, Routes};
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
    DeleteImpactChart, FlagName, ImpactChartView, ProjectId, SaveImpactChart,
};
use flagstaff_storage::ImpactChart;

const GLOBAL: &str = "/api/admin/impact-metrics/config";
const OF_FLAG: &str = "/api/admin/projects/{project}/features/{feature}/impact-metrics/config";

pub fn router() -> Routes {
    Routes::new()
        .route(GLOBAL, get(list).post(save))
        .route(&format!("{GLOBAL}/{{id}}"), delete(remove))
        .route(OF_FLAG, get(list_of_flag).post(save_of_flag))
        .route(&format!("{OF_FLAG}/{{id}}"), delete(remove_of_flag))
}

/// A chart to save: what it shows, and the id of the one it replaces.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"title": "Checkout errors", "metricName": "unleash_counter_errors",
    "timeRange": "day", "aggregationMode": "count",
    "labelSelectors": {"environment": ["production"]}, "yAxisMin": "zero"}))]
pub(crate) struct ChartBody {
    #[serde(default)]
    id: Option<String>,
    #[serde(flatten)]
    chart: ImpactChart,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"configs": [{"id": "5b1e", "featureName": null,
    "title": "Checkout errors", "metricName": "unleash_counter_errors", "timeRange": "day",
    "aggregationMode": "count", "labelSelectors": {}, "yAxisMin": "zero"}]}))]
pub(crate) struct Charts {
    configs: Vec<ImpactChartView>,
}

fn flag(project: &str, feature: &str) -> ApiResult<(ProjectId, FlagName)> {
    Ok((ProjectId::in_path(project)?, FlagName::in_path(feature)?))
}

async fn charts(state: &AppState, feature: Option<&str>) -> ApiResult<Response> {
    let rows = state.store.impact_charts(feature).await?;
    let configs = rows.iter().map(ImpactChartView::from).collect();
    Ok(Json(Charts { configs }).into_response())
}

async fn apply_save(
    state: &AppState,
    admin: &AdminToken,
    flag: Option<(ProjectId, FlagName)>,
    body: ChartBody,
) -> ApiResult<Response> {
    let created = body.id.is_none();
    let operation = SaveImpactChart {
        flag,
        id: body.id,
        chart: body.chart,
    };
    let view = state.apply(&admin.actor(), operation).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)).into_response())
}

#[utoipa::path(get, path = "/api/admin/impact-metrics/config",
    summary = "The instance's saved impact metric charts",
    responses((status = 200, description = "The charts", body = Charts)))]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    charts(&state, None).await
}

#[utoipa::path(post, path = "/api/admin/impact-metrics/config",
    summary = "Saves an impact metric chart (with `id`: replaces that one)",
    request_body = ChartBody,
    responses((status = 201, description = "A new chart", body = ImpactChartView),
        (status = 200, description = "The chart replaced", body = ImpactChartView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn save(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<ChartBody>,
) -> ApiResult<Response> {
    apply_save(&state, &admin, None, body).await
}

#[utoipa::path(delete, path = "/api/admin/impact-metrics/config/{id}",
    summary = "Deletes a saved impact metric chart",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), DeleteImpactChart { flag: None, id })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/admin/projects/{project}/features/{feature}/impact-metrics/config",
    summary = "A flag's saved impact metric charts",
    responses((status = 200, description = "The charts", body = Charts),
        (status = 404, description = "Not found")))]
async fn list_of_flag(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
) -> ApiResult<Response> {
    state.store.live_flag(&project, &feature).await?;
    charts(&state, Some(&feature)).await
}

#[utoipa::path(post, path = "/api/admin/projects/{project}/features/{feature}/impact-metrics/config",
    summary = "Saves a flag's impact metric chart (with `id`: replaces that one)",
    request_body = ChartBody,
    responses((status = 201, description = "A new chart", body = ImpactChartView),
        (status = 200, description = "The chart replaced", body = ImpactChartView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn save_of_flag(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
    ApiObject(body): ApiObject<ChartBody>,
) -> ApiResult<Response> {
    apply_save(&state, &admin, Some(flag(&project, &feature)?), body).await
}

#[utoipa::path(delete, path = "/api/admin/projects/{project}/features/{feature}/impact-metrics/config/{id}",
    summary = "Deletes a flag's saved impact metric chart",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn remove_of_flag(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature, id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let flag = Some(flag(&project, &feature)?);
    state
        .apply(&admin.actor(), DeleteImpactChart { flag, id })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, save, remove, list_of_flag, save_of_flag, remove_of_flag))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: release plans", "impact_charts")
}
