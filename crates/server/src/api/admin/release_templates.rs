//! Release plan templates (Unleash Enterprise's `/api/admin/release-plan-templates`):
//! list, create, read, replace, delete, archive; a template's milestones and
//! their strategies. Every write is `ChangeTemplate`/`CreateTemplate`.

use crate::api::routes::{get, post, put, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    ChangeTemplate, CreateTemplate, MilestoneInput, MilestoneStrategyInput, TemplateChange,
    TemplateChanged, TemplateInput,
};
use flagstaff_domain::wire::release_plans::{
    plan_view, MilestoneStrategyView, MilestoneView, ReleasePlanView,
};

const BASE: &str = "/api/admin/release-plan-templates";

pub fn router() -> Routes {
    let one = format!("{BASE}/{{template}}");
    let milestone = format!("{one}/milestones/{{milestone}}");
    Routes::new()
        .route(BASE, get(list).post(create))
        .route(&one, get(read).put(replace).delete(remove))
        .route(&format!("{BASE}/archive/{{template}}"), post(archive))
        .route(&format!("{one}/milestones"), post(add_milestone))
        .route(&milestone, put(update_milestone).delete(remove_milestone))
        .route(&format!("{milestone}/strategies"), post(add_strategy))
        .route(
            &format!("{milestone}/strategies/{{strategy}}"),
            put(update_strategy).delete(remove_strategy),
        )
}

async fn change(
    state: &AppState,
    admin: &AdminToken,
    id: String,
    change: TemplateChange,
) -> ApiResult<TemplateChanged> {
    Ok(state
        .apply(&admin.actor(), ChangeTemplate { id, change })
        .await?)
}

fn changed_template(changed: TemplateChanged) -> ApiResult<ReleasePlanView> {
    changed
        .template
        .ok_or_else(|| ApiError::NotFound("the template is gone".to_owned()))
}

fn changed_milestone(changed: TemplateChanged) -> ApiResult<MilestoneView> {
    changed
        .milestone
        .ok_or_else(|| ApiError::NotFound("the milestone is gone".to_owned()))
}

fn changed_strategy(changed: TemplateChanged) -> ApiResult<MilestoneStrategyView> {
    let id = changed.strategy_id.clone();
    let milestone = changed_milestone(changed)?;
    milestone
        .strategies
        .into_iter()
        .find(|s| Some(&s.id) == id.as_ref())
        .ok_or_else(|| ApiError::NotFound("the strategy is gone".to_owned()))
}

#[utoipa::path(get, path = "/api/admin/release-plan-templates",
    summary = "Release plan templates (archived ones too, with `archivedAt`)",
    responses((status = 200, description = "The templates, oldest first", body = [ReleasePlanView],
            example = json!([{"id": "0e9c5f0a-1b2c-4d3e-8f40-5a6b7c8d9e0f", "discriminator": "template",
                "name": "Gradual", "featureName": "new-checkout", "environment": "production",
                "createdBy": "admin", "createdAt": "2025-03-01T09:00:00.000Z",
                "activeMilestoneId": null, "milestones": [], "safeguards": []}]))))]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let mut views = Vec::new();
    for t in state.store.plan_definitions("template", None).await? {
        views.push(plan_view(&*state.store, &t).await?);
    }
    Ok(Json(views).into_response())
}

#[utoipa::path(post, path = "/api/admin/release-plan-templates",
    summary = "Creates a release plan template with its milestones",
    request_body = TemplateInput,
    responses((status = 201, description = "The template", body = ReleasePlanView),
        (status = 400, description = "Invalid input"),
        (status = 409, description = "A template has this name")))]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(template): ApiObject<TemplateInput>,
) -> ApiResult<Response> {
    let view = state
        .apply(&admin.actor(), CreateTemplate { template })
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(get, path = "/api/admin/release-plan-templates/{template}",
    summary = "A release plan template",
    responses((status = 200, description = "The template", body = ReleasePlanView),
        (status = 404, description = "Not found")))]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    match state.store.plan_definition(&id).await? {
        Some(t) if t.discriminator == "template" => {
            Ok(Json(plan_view(&*state.store, &t).await?).into_response())
        }
        _ => Err(ApiError::NotFound(format!(
            "Could not find release plan template with id {id}"
        ))),
    }
}

#[utoipa::path(put, path = "/api/admin/release-plan-templates/{template}",
    summary = "Replaces a template's name, description and milestones",
    request_body = TemplateInput,
    responses((status = 200, description = "The template", body = ReleasePlanView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found"),
        (status = 409, description = "A template has this name")))]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    ApiObject(template): ApiObject<TemplateInput>,
) -> ApiResult<Response> {
    let changed = change(&state, &admin, id, TemplateChange::Replace(template)).await?;
    Ok(Json(changed_template(changed)?).into_response())
}

#[utoipa::path(delete, path = "/api/admin/release-plan-templates/{template}",
    summary = "Deletes a template (plans made from it stay)",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    change(&state, &admin, id, TemplateChange::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/admin/release-plan-templates/archive/{template}",
    summary = "Archives a template: no new plan is made from it",
    responses((status = 200, description = "The template", body = ReleasePlanView),
        (status = 404, description = "Not found")))]
async fn archive(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let changed = change(&state, &admin, id, TemplateChange::Archive).await?;
    Ok(Json(changed_template(changed)?).into_response())
}

#[utoipa::path(post, path = "/api/admin/release-plan-templates/{template}/milestones",
    summary = "Adds a milestone to a template (last unless `sortOrder` says)",
    request_body = MilestoneInput,
    responses((status = 201, description = "The milestone", body = MilestoneView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn add_milestone(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    ApiObject(milestone): ApiObject<MilestoneInput>,
) -> ApiResult<Response> {
    let changed = change(&state, &admin, id, TemplateChange::AddMilestone(milestone)).await?;
    Ok((StatusCode::CREATED, Json(changed_milestone(changed)?)).into_response())
}

#[utoipa::path(put, path = "/api/admin/release-plan-templates/{template}/milestones/{milestone}",
    summary = "Replaces a template milestone's name, place and strategies",
    request_body = MilestoneInput,
    responses((status = 200, description = "The milestone", body = MilestoneView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn update_milestone(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((id, milestone_id)): Path<(String, String)>,
    ApiObject(milestone): ApiObject<MilestoneInput>,
) -> ApiResult<Response> {
    let update = TemplateChange::UpdateMilestone {
        milestone_id,
        milestone,
    };
    let changed = change(&state, &admin, id, update).await?;
    Ok(Json(changed_milestone(changed)?).into_response())
}

#[utoipa::path(delete, path = "/api/admin/release-plan-templates/{template}/milestones/{milestone}",
    summary = "Deletes a template milestone",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn remove_milestone(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((id, milestone_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    change(
        &state,
        &admin,
        id,
        TemplateChange::DeleteMilestone { milestone_id },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post,
    path = "/api/admin/release-plan-templates/{template}/milestones/{milestone}/strategies",
    summary = "Adds a strategy to a template milestone",
    request_body = MilestoneStrategyInput,
    responses((status = 201, description = "The strategy", body = MilestoneStrategyView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn add_strategy(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((id, milestone_id)): Path<(String, String)>,
    ApiObject(strategy): ApiObject<MilestoneStrategyInput>,
) -> ApiResult<Response> {
    let add = TemplateChange::AddStrategy {
        milestone_id,
        strategy,
    };
    let changed = change(&state, &admin, id, add).await?;
    Ok((StatusCode::CREATED, Json(changed_strategy(changed)?)).into_response())
}

#[utoipa::path(put,
    path = "/api/admin/release-plan-templates/{template}/milestones/{milestone}/strategies/{strategy}",
    summary = "Replaces a template milestone's strategy",
    request_body = MilestoneStrategyInput,
    responses((status = 200, description = "The strategy", body = MilestoneStrategyView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn update_strategy(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((id, milestone_id, strategy_id)): Path<(String, String, String)>,
    ApiObject(strategy): ApiObject<MilestoneStrategyInput>,
) -> ApiResult<Response> {
    let update = TemplateChange::UpdateStrategy {
        milestone_id,
        strategy_id,
        strategy,
    };
    let changed = change(&state, &admin, id, update).await?;
    Ok(Json(changed_strategy(changed)?).into_response())
}

#[utoipa::path(delete,
    path = "/api/admin/release-plan-templates/{template}/milestones/{milestone}/strategies/{strategy}",
    summary = "Deletes a template milestone's strategy",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn remove_strategy(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((id, milestone_id, strategy_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let delete = TemplateChange::DeleteStrategy {
        milestone_id,
        strategy_id,
    };
    change(&state, &admin, id, delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        list,
        create,
        read,
        replace,
        remove,
        archive,
        add_milestone,
        update_milestone,
        remove_milestone,
        add_strategy,
        update_strategy,
        remove_strategy
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: release plans", "release_templates")
}
