//! Release plans on a flag's environment (Unleash Enterprise's paths, under
//! `/api/admin/projects/{project}/features/{feature}/environments/{environment}`):
//! list and add (`release-plans`, also spelled `release_plans`), remove, start
//! a milestone, and a plan milestone's strategy (progressions and safeguards:
//! `release_plan_guards.rs`).

use crate::api::routes::{delete, get, post, put, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::check_project_environment;
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    AddReleasePlan, EnvironmentName, FlagName, MilestoneStrategyInput, ProjectId,
    RemoveReleasePlan, StartMilestone, StrategyPlace, UpdatePlanStrategy,
};
use flagstaff_domain::wire::release_plans::{plan_view, MilestoneStrategyView, ReleasePlanView};

pub(super) const BASE: &str =
    "/api/admin/projects/{project}/features/{feature}/environments/{environment}";

pub fn router() -> Routes {
    let plans = format!("{BASE}/release-plans");
    Routes::new()
        .route(&plans, get(list).post(add))
        .route(
            &format!("{BASE}/release_plans"),
            get(list_underscored).post(add_underscored),
        )
        .route(&format!("{plans}/{{plan}}"), delete(remove))
        .route(
            &format!("{plans}/{{plan}}/milestones/{{milestone}}/start"),
            post(start),
        )
        .route(
            &format!("{BASE}/milestone-strategies/{{strategy}}"),
            put(update_strategy),
        )
}

pub(super) type PlacePath = (String, String, String);

pub(super) fn place((project, feature, environment): &PlacePath) -> ApiResult<StrategyPlace> {
    Ok(StrategyPlace {
        project: ProjectId::in_path(project)?,
        feature: FlagName::in_path(feature)?,
        environment: EnvironmentName::in_path(environment)?,
    })
}

/// `(project, feature, environment, id)`: the place and one id.
pub(super) fn place_and(
    (project, feature, environment, id): (String, String, String, String),
) -> ApiResult<(StrategyPlace, String)> {
    Ok((place(&(project, feature, environment))?, id))
}

/// Unleash's body for a new plan.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"templateId": "4a1f0c2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f"}))]
pub(crate) struct NewPlan {
    template_id: String,
}

async fn plans_of(state: &AppState, path: &PlacePath) -> ApiResult<Response> {
    check_project_environment(state, &path.0, &path.2).await?;
    state.store.live_flag(&path.0, &path.1).await?;
    let mut views = Vec::new();
    for plan in state
        .store
        .plan_definitions("plan", Some((path.1.as_str(), path.2.as_str())))
        .await?
    {
        views.push(plan_view(&*state.store, &plan).await?);
    }
    Ok(Json(views).into_response())
}

async fn add_plan(
    state: &AppState,
    admin: &AdminToken,
    path: &PlacePath,
    body: NewPlan,
) -> ApiResult<Response> {
    let operation = AddReleasePlan {
        place: place(path)?,
        template_id: body.template_id,
    };
    let view = state.apply(&admin.actor(), operation).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(get, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/release-plans",
    summary = "The release plans of a flag's environment",
    responses((status = 200, description = "The plans", body = [ReleasePlanView],
            example = json!([{"id": "0e9c5f0a-1b2c-4d3e-8f40-5a6b7c8d9e0f", "discriminator": "plan",
                "name": "Gradual", "featureName": "new-checkout", "environment": "production",
                "createdBy": "admin", "createdAt": "2025-03-01T09:00:00.000Z",
                "activeMilestoneId": null, "milestones": [], "safeguards": []}])),
        (status = 404, description = "Not found")))]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(path): Path<PlacePath>,
) -> ApiResult<Response> {
    plans_of(&state, &path).await
}

#[utoipa::path(get, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/release_plans",
    summary = "The release plans of a flag's environment (Unleash's other spelling)",
    responses((status = 200, description = "The plans", body = [ReleasePlanView],
            example = json!([{"id": "0e9c5f0a-1b2c-4d3e-8f40-5a6b7c8d9e0f", "discriminator": "plan",
                "name": "Gradual", "featureName": "new-checkout", "environment": "production",
                "createdBy": "admin", "createdAt": "2025-03-01T09:00:00.000Z",
                "activeMilestoneId": null, "milestones": [], "safeguards": []}])),
        (status = 404, description = "Not found")))]
async fn list_underscored(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(path): Path<PlacePath>,
) -> ApiResult<Response> {
    plans_of(&state, &path).await
}

#[utoipa::path(post, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/release-plans",
    summary = "Adds a release plan to a flag's environment from a template (its milestones copied)",
    request_body = NewPlan,
    responses((status = 201, description = "The plan", body = ReleasePlanView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found"),
        (status = 409, description = "The environment has a plan")))]
async fn add(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<PlacePath>,
    ApiObject(body): ApiObject<NewPlan>,
) -> ApiResult<Response> {
    add_plan(&state, &admin, &path, body).await
}

#[utoipa::path(post, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/release_plans",
    summary = "Adds a release plan from a template (Unleash's other spelling)",
    request_body = NewPlan,
    responses((status = 201, description = "The plan", body = ReleasePlanView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found"),
        (status = 409, description = "The environment has a plan")))]
async fn add_underscored(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<PlacePath>,
    ApiObject(body): ApiObject<NewPlan>,
) -> ApiResult<Response> {
    add_plan(&state, &admin, &path, body).await
}

#[utoipa::path(delete, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/release-plans/{plan}",
    summary = "Removes a release plan and the strategies its milestone put on the flag",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    let (place, plan_id) = place_and(path)?;
    state
        .apply(&admin.actor(), RemoveReleasePlan { place, plan_id })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/release-plans/{plan}/milestones/{milestone}/start",
    summary = "Starts a milestone: its strategies replace the plan's on the flag, in one change",
    responses((status = 200, description = "The plan", body = ReleasePlanView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn start(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature, environment, plan_id, milestone_id)): Path<(
        String,
        String,
        String,
        String,
        String,
    )>,
) -> ApiResult<Response> {
    let place = place(&(project, feature, environment))?;
    let view = state
        .apply(
            &admin.actor(),
            StartMilestone {
                place,
                plan_id,
                milestone_id,
            },
        )
        .await?;
    Ok(Json(view).into_response())
}

#[utoipa::path(put, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/milestone-strategies/{strategy}",
    summary = "Replaces a plan milestone's strategy (and the flag's copy while it is active)",
    request_body = MilestoneStrategyInput,
    responses((status = 200, description = "The strategy", body = MilestoneStrategyView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn update_strategy(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String, String)>,
    ApiObject(strategy): ApiObject<MilestoneStrategyInput>,
) -> ApiResult<Response> {
    let (place, id) = place_and(path)?;
    let operation = UpdatePlanStrategy {
        place,
        id,
        strategy,
    };
    Ok(Json(state.apply(&admin.actor(), operation).await?).into_response())
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        list,
        list_underscored,
        add,
        add_underscored,
        remove,
        start,
        update_strategy
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: release plans", "release_plans")
}
