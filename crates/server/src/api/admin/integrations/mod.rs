//! Integrations, on Unleash's addons API: `GET|POST /api/admin/addons` (the
//! list carries the providers with their parameters and events),
//! `GET|PUT|DELETE /api/admin/addons/:id`, and the delivery log
//! `GET /api/admin/addons/:id/events`; and `POST /api/admin/addons/:id/test`
//! (Flagstaff's own: Unleash has no such route), the web UI's "Send a test".
//! Sensitive parameters are shown masked;
//! the signing secret only in the answer that creates the integration.

use crate::api::routes::{get, post, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::integrations::PROVIDERS;
use flagstaff_domain::ops::{
    CreateIntegration, DeleteIntegration, IntegrationInput, SendTestNotification, UpdateIntegration,
};
use flagstaff_storage::IntegrationRow;
use views::{CreatedIntegrationView, DeliveryList, IntegrationList, IntegrationView};

mod views;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/addons", get(list).post(create))
        .route(
            "/api/admin/addons/{id}",
            get(read).put(replace).delete(remove),
        )
        .route("/api/admin/addons/{id}/events", get(deliveries))
        .route("/api/admin/addons/{id}/test", post(send_test))
}

#[utoipa::path(
    get,
    path = "/api/admin/addons",
    summary = "Every integration and the providers",
    responses(
        (status = 200, description = "Every integration, and the providers with their parameters", body = IntegrationList),
    )
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let addons = state.store.integrations().await?;
    let addons = addons.iter().map(IntegrationView::from).collect();
    Ok(Json(IntegrationList {
        addons,
        providers: PROVIDERS,
    })
    .into_response())
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
        (status = 200, description = "The integration", body = IntegrationView),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let addon = find(&state, id).await?;
    Ok(Json(IntegrationView::from(&addon)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/addons",
    summary = "Creates an integration",
    request_body = IntegrationInput,
    responses(
        (status = 201, description = "The integration, with its signing secret (shown this once)", body = CreatedIntegrationView),
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
    let view = CreatedIntegrationView::new(&created.addon);
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/addons/{id}",
    summary = "Replaces an integration",
    params(("id" = i64, Path, description = "An integration's id")),
    request_body = IntegrationInput,
    responses(
        (status = 200, description = "The integration", body = IntegrationView),
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
) -> ApiResult<Response> {
    let addon = input.checked(state.deliverer.policy()).await?;
    let updated = state
        .apply(&admin.actor(), UpdateIntegration { id, addon })
        .await?;
    Ok(Json(IntegrationView::from(&updated)).into_response())
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

#[utoipa::path(
    post,
    path = "/api/admin/addons/{id}/test",
    summary = "Sends a test notification (Flagstaff's own; Unleash has no such route)",
    description = "Queues an `addon-test-sent` event for this integration only, whatever its \
        event filter and even while it is disabled; the delivery worker sends it as it sends \
        every event (rendered by the provider, signed, retried), and the attempt appears in \
        `GET /api/admin/addons/{id}/events`. What the web UI's \"Send a test\" does.",
    params(("id" = i64, Path, description = "An integration's id")),
    responses(
        (status = 202, description = "Queued: the attempt appears in the delivery log"),
        (status = 404, description = "Not found"),
    )
)]
async fn send_test(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), SendTestNotification { id })
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LogPage {
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/admin/addons/{id}/events",
    summary = "An integration's recent deliveries",
    params(("id" = i64, Path, description = "An integration's id"), LogPage),
    responses(
        (status = 200, description = "Its delivery attempts, newest first", body = DeliveryList),
        (status = 400, description = "Invalid input"),
    )
)]
async fn deliveries(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<i64>,
    Query(page): Query<LogPage>,
) -> ApiResult<Response> {
    find(&state, id).await?;
    let limit = page.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadData("limit must be 1–1000".to_owned()));
    }
    let attempts = state.store.integration_attempts(id, limit).await?;
    let integration_events = attempts.iter().map(Into::into).collect();
    Ok(Json(DeliveryList { integration_events }).into_response())
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, read, replace, remove, deliveries, send_test))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: integrations", "addons")
}
