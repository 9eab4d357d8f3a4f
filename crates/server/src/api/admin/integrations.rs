//! Integrations, on Unleash's addons API: `GET|POST /api/admin/addons` (the
//! list carries the providers with their parameters and events),
//! `GET|PUT|DELETE /api/admin/addons/:id`, and the delivery log
//! `GET /api/admin/addons/:id/events`. Sensitive parameters are shown masked;
//! the signing secret only in the answer that creates the integration.

use crate::api::routes::{get, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::integrations::{self, PROVIDERS, SIGNATURE_HEADER};
use flagstaff_domain::ops::{
    CreateIntegration, DeleteIntegration, IntegrationInput, UpdateIntegration,
};
use flagstaff_storage::{instant_text, AttemptRow, IntegrationRow};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/addons", get(list).post(create))
        .route(
            "/api/admin/addons/{id}",
            get(read).put(replace).delete(remove),
        )
        .route("/api/admin/addons/{id}/events", get(deliveries))
}

/// An integration as the API shows it (Unleash's addon schema), with how its
/// deliveries go: `"ok"`, or `"paused"` after failing too often in a row
/// (`pausedUntil`: when one is tried again; the first that succeeds resumes it).
fn integration_view(addon: &IntegrationRow) -> Value {
    let circuit = &addon.circuit;
    json!({
        "id": addon.id,
        "provider": addon.provider,
        "description": addon.description,
        "enabled": addon.enabled,
        "parameters": integrations::masked(&addon.provider, &addon.parameters),
        "events": addon.events,
        "projects": addon.projects,
        "environments": addon.environments,
        "createdAt": instant_text(&addon.created_at),
        "delivery": {
            "state": if circuit.paused_until.is_some() { "paused" } else { "ok" },
            "consecutiveFailures": circuit.failures,
            "pausedUntil": circuit.paused_until.as_ref().map(instant_text),
        },
    })
}

#[utoipa::path(
    get,
    path = "/api/admin/addons",
    summary = "Every integration and the providers",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let addons: Vec<Value> = state
        .store
        .integrations()
        .await?
        .iter()
        .map(integration_view)
        .collect();
    Ok(Json(json!({"addons": addons, "providers": PROVIDERS})))
}

async fn find(state: &AppState, id: i64) -> ApiResult<IntegrationRow> {
    state
        .store
        .integrations()
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("Could not find addon with id {id}")))
}

#[utoipa::path(
    get,
    path = "/api/admin/addons/{id}",
    summary = "One integration",
    params(("id" = i64, Path, description = "An integration's id")),
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(integration_view(&find(&state, id).await?)))
}

#[utoipa::path(
    post,
    path = "/api/admin/addons",
    summary = "Creates an integration",
    request_body = Object,
    responses(
        (status = 201, description = "Created", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(input): ApiObject<IntegrationInput>,
) -> ApiResult<Response> {
    let addon = input.checked(state.deliverer.policy()).await?;
    let created = state
        .apply(&admin.actor(), CreateIntegration { addon })
        .await?;
    let mut view = integration_view(&created.addon);
    // Shown this once: receivers check X-Flagstaff-Signature with it.
    view["signingSecret"] = json!(created.addon.signing_secret);
    view["signatureHeader"] = json!(SIGNATURE_HEADER);
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/addons/{id}",
    summary = "Replaces an integration",
    params(("id" = i64, Path, description = "An integration's id")),
    request_body = Object,
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<i64>,
    ApiObject(input): ApiObject<IntegrationInput>,
) -> ApiResult<Json<Value>> {
    let addon = input.checked(state.deliverer.policy()).await?;
    let updated = state
        .apply(&admin.actor(), UpdateIntegration { id, addon })
        .await?;
    Ok(Json(integration_view(&updated)))
}

#[utoipa::path(
    delete,
    path = "/api/admin/addons/{id}",
    summary = "Deletes an integration",
    params(("id" = i64, Path, description = "An integration's id")),
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
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), DeleteIntegration { id })
        .await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LogPage {
    limit: Option<i64>,
}

/// One attempt as Unleash's integration events show deliveries.
fn attempt_view(a: &AttemptRow) -> Value {
    json!({
        "id": a.id,
        "integrationId": a.addon_id,
        "createdAt": instant_text(&a.created_at),
        "state": if a.succeeded { "success" } else { "failed" },
        "stateDetails": a.details,
        "event": {"id": a.event_id, "type": a.event_type, "featureName": a.feature_name},
        "details": {"attempt": a.attempt, "status": a.status, "latencyMs": a.latency_ms},
    })
}

#[utoipa::path(
    get,
    path = "/api/admin/addons/{id}/events",
    summary = "An integration's recent deliveries",
    params(("id" = i64, Path, description = "An integration's id"), LogPage),
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
    )
)]
async fn deliveries(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<i64>,
    Query(page): Query<LogPage>,
) -> ApiResult<Json<Value>> {
    find(&state, id).await?;
    let limit = page.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadData("limit must be 1–1000".to_owned()));
    }
    let attempts = state.store.integration_attempts(id, limit).await?;
    let events: Vec<Value> = attempts.iter().map(attempt_view).collect();
    Ok(Json(json!({"integrationEvents": events})))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, read, replace, remove, deliveries))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: integrations", "addons")
}
