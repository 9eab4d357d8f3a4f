//! A release plan's progressions (set, remove, resume after a safeguard
//! paused them) and safeguards, of a plan or of a flag's environment, under
//! the same environment path as `release_plans.rs`.

use crate::api::routes::{delete, post, put, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::release_plans::{place, place_and, PlacePath, BASE};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    RemoveProgression, RemoveSafeguard, ResumeProgression, SafeguardInput, SetProgression,
    SetSafeguard,
};
use flagstaff_domain::wire::release_plans::{ReleasePlanView, SafeguardView, TransitionCondition};

pub fn router() -> Routes {
    let plans = format!("{BASE}/release-plans");
    Routes::new()
        .route(
            &format!("{BASE}/progressions/{{milestone}}"),
            put(set_progression).delete(remove_progression),
        )
        .route(
            &format!("{BASE}/progressions/{{plan}}/resume"),
            post(resume),
        )
        .route(
            &format!("{plans}/{{plan}}/safeguards"),
            put(set_plan_safeguard),
        )
        .route(
            &format!("{plans}/{{plan}}/safeguards/{{safeguard}}"),
            delete(remove_plan_safeguard),
        )
        .route(&format!("{BASE}/safeguards"), put(set_safeguard))
        .route(
            &format!("{BASE}/safeguards/{{safeguard}}"),
            delete(remove_safeguard),
        )
}

/// Unleash's progression body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"targetMilestone": "7c1d0c2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f",
    "transitionCondition": {"intervalMinutes": 30}}))]
pub(crate) struct ProgressionBody {
    target_milestone: String,
    transition_condition: TransitionCondition,
}

#[utoipa::path(put, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/progressions/{milestone}",
    summary = "Sets the progression out of a milestone: the target starts `intervalMinutes` after it did",
    request_body = ProgressionBody,
    responses((status = 200, description = "The plan", body = ReleasePlanView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn set_progression(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String, String)>,
    ApiObject(body): ApiObject<ProgressionBody>,
) -> ApiResult<Response> {
    let (place, source_milestone) = place_and(path)?;
    let operation = SetProgression {
        place,
        source_milestone,
        target_milestone: body.target_milestone,
        transition_condition: body.transition_condition,
    };
    Ok(Json(state.apply(&admin.actor(), operation).await?).into_response())
}

#[utoipa::path(delete, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/progressions/{milestone}",
    summary = "Removes the progression out of a milestone",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn remove_progression(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    let (place, source_milestone) = place_and(path)?;
    state
        .apply(
            &admin.actor(),
            RemoveProgression {
                place,
                source_milestone,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/progressions/{plan}/resume",
    summary = "Resumes a plan's progressions a safeguard paused (its safeguards watch again)",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn resume(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    let (place, plan_id) = place_and(path)?;
    state
        .apply(&admin.actor(), ResumeProgression { place, plan_id })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/release-plans/{plan}/safeguards",
    summary = "Sets a plan's safeguard: when its metric crosses the threshold, the plan's progressions pause",
    request_body = SafeguardInput,
    responses((status = 200, description = "The safeguard", body = SafeguardView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn set_plan_safeguard(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String, String)>,
    ApiObject(safeguard): ApiObject<SafeguardInput>,
) -> ApiResult<Response> {
    let (place, plan_id) = place_and(path)?;
    let operation = SetSafeguard {
        place,
        plan_id: Some(plan_id),
        safeguard,
    };
    Ok(Json(state.apply(&admin.actor(), operation).await?).into_response())
}

#[utoipa::path(delete, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/release-plans/{plan}/safeguards/{safeguard}",
    summary = "Deletes a plan's safeguard",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn remove_plan_safeguard(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature, environment, plan_id, id)): Path<(
        String,
        String,
        String,
        String,
        String,
    )>,
) -> ApiResult<StatusCode> {
    let place = place(&(project, feature, environment))?;
    state
        .apply(
            &admin.actor(),
            RemoveSafeguard {
                place,
                plan_id: Some(plan_id),
                id,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/safeguards",
    summary = "Sets the environment's safeguard: it pauses every plan of the flag's environment",
    request_body = SafeguardInput,
    responses((status = 200, description = "The safeguard", body = SafeguardView),
        (status = 400, description = "Invalid input"), (status = 404, description = "Not found")))]
async fn set_safeguard(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<PlacePath>,
    ApiObject(safeguard): ApiObject<SafeguardInput>,
) -> ApiResult<Response> {
    let operation = SetSafeguard {
        place: place(&path)?,
        plan_id: None,
        safeguard,
    };
    Ok(Json(state.apply(&admin.actor(), operation).await?).into_response())
}

#[utoipa::path(delete, path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/safeguards/{safeguard}",
    summary = "Deletes a safeguard of the flag's environment",
    responses((status = 204, description = "Done"), (status = 404, description = "Not found")))]
async fn remove_safeguard(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    let (place, id) = place_and(path)?;
    state
        .apply(
            &admin.actor(),
            RemoveSafeguard {
                place,
                plan_id: None,
                id,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        set_progression,
        remove_progression,
        resume,
        set_plan_safeguard,
        remove_plan_safeguard,
        set_safeguard,
        remove_safeguard
    ))]
    struct Doc;
    crate::api::openapi::area(
        Doc::openapi(),
        "Admin: release plans",
        "release_plan_guards",
    )
}
