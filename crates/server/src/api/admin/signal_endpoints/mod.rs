//! Signal endpoints (`/api/admin/signal-endpoints`, Unleash Enterprise's
//! shapes): the endpoints, their tokens (a secret is shown once, in the create
//! answer) and the signals they received, newest first.

use crate::api::routes::{get, post, put, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::id_in_path;
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    CreateSignalEndpoint, DeleteSignalEndpoint, SignalEndpointInput, SwitchSignalEndpoint,
    UpdateSignalEndpoint,
};
use flagstaff_domain::wire::automation::{SignalEndpointView, SignalView};
use flagstaff_storage::SignalEndpointRow;

mod endpoint_tokens;

pub fn router() -> Routes {
    let endpoints = "/api/admin/signal-endpoints";
    let endpoint = "/api/admin/signal-endpoints/{id}";
    Routes::new()
        .route(endpoints, get(list).post(create))
        .route(endpoint, get(read).put(replace).delete(remove))
        .route(&format!("{endpoint}/on"), post(switch_on))
        .route(&format!("{endpoint}/off"), post(switch_off))
        .route(
            &format!("{endpoint}/tokens"),
            get(endpoint_tokens::tokens).post(endpoint_tokens::create_token),
        )
        .route(
            &format!("{endpoint}/tokens/{{token}}"),
            put(endpoint_tokens::rename_token).delete(endpoint_tokens::remove_token),
        )
        .route(&format!("{endpoint}/signals"), get(signals))
}

fn endpoint_id(text: &str) -> ApiResult<i64> {
    id_in_path(text, "signal endpoint")
}

/// An endpoint with its tokens, as one endpoint is shown.
async fn shown(state: &AppState, endpoint: &SignalEndpointRow) -> ApiResult<Response> {
    let tokens = state.store.signal_tokens(endpoint.id).await?;
    Ok(Json(SignalEndpointView::new(endpoint).with_tokens(&tokens)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"signalEndpoints": [{"id": 1, "name": "jira",
    "description": "Issue changes from Jira", "enabled": true, "url": "/api/signal-endpoint/jira",
    "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin",
    "tokens": [{"id": 1, "name": "jira-token", "signalEndpointId": 1,
        "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}]}]}))]
struct EndpointList<'a> {
    signal_endpoints: Vec<SignalEndpointView<'a>>,
}

#[utoipa::path(
    get,
    path = "/api/admin/signal-endpoints",
    summary = "Every signal endpoint",
    responses(
        (status = 200, description = "Every endpoint, with its tokens", body = EndpointList),
    )
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let endpoints = state.store.signal_endpoints().await?;
    let tokens = state.store.all_signal_tokens().await?;
    let signal_endpoints = endpoints
        .iter()
        .map(|e| SignalEndpointView::new(e).with_tokens(&tokens))
        .collect();
    Ok(Json(EndpointList { signal_endpoints }).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/signal-endpoints",
    summary = "Creates a signal endpoint",
    request_body = SignalEndpointInput,
    responses(
        (status = 201, description = "The endpoint", body = SignalEndpointView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(endpoint): ApiObject<SignalEndpointInput>,
) -> ApiResult<Response> {
    let endpoint = state
        .apply(&admin.actor(), CreateSignalEndpoint { endpoint })
        .await?;
    Ok((StatusCode::CREATED, shown(&state, &endpoint).await?).into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/signal-endpoints/{id}",
    summary = "One signal endpoint",
    responses(
        (status = 200, description = "The endpoint, with its tokens", body = SignalEndpointView),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = endpoint_id(&id)?;
    let endpoint = state
        .store
        .signal_endpoint(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Could not find signal endpoint {id}")))?;
    shown(&state, &endpoint).await
}

#[utoipa::path(
    put,
    path = "/api/admin/signal-endpoints/{id}",
    summary = "Replaces a signal endpoint",
    request_body = SignalEndpointInput,
    responses(
        (status = 200, description = "The endpoint", body = SignalEndpointView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    ApiObject(endpoint): ApiObject<SignalEndpointInput>,
) -> ApiResult<Response> {
    let id = endpoint_id(&id)?;
    let endpoint = state
        .apply(&admin.actor(), UpdateSignalEndpoint { id, endpoint })
        .await?;
    shown(&state, &endpoint).await
}

async fn switch(
    state: AppState,
    admin: AdminToken,
    id: &str,
    enabled: bool,
) -> ApiResult<Response> {
    let id = endpoint_id(id)?;
    let endpoint = state
        .apply(&admin.actor(), SwitchSignalEndpoint { id, enabled })
        .await?;
    shown(&state, &endpoint).await
}

#[utoipa::path(
    post,
    path = "/api/admin/signal-endpoints/{id}/on",
    summary = "Enables a signal endpoint",
    responses(
        (status = 200, description = "The endpoint, enabled", body = SignalEndpointView),
    )
)]
async fn switch_on(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    switch(state, admin, &id, true).await
}

#[utoipa::path(
    post,
    path = "/api/admin/signal-endpoints/{id}/off",
    summary = "Disables a signal endpoint",
    responses(
        (status = 200, description = "The endpoint, disabled", body = SignalEndpointView),
    )
)]
async fn switch_off(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    switch(state, admin, &id, false).await
}

#[utoipa::path(
    delete,
    path = "/api/admin/signal-endpoints/{id}",
    summary = "Deletes a signal endpoint",
    responses(
        (status = 204, description = "Done"),
        (status = 409, description = "An action set listens to it"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = endpoint_id(&id)?;
    state
        .apply(&admin.actor(), DeleteSignalEndpoint { id })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The endpoint exists (for reads).
async fn check_endpoint(state: &AppState, id: i64) -> ApiResult<()> {
    match state.store.signal_endpoint(id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound(format!(
            "Could not find signal endpoint {id}"
        ))),
    }
}

/// `?limit=&offset=`: a page of signals, newest first (limit 1–1000, default 50).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    limit: Option<i64>,
    offset: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> ApiResult<(i64, i64)> {
        let (limit, offset) = (self.limit.unwrap_or(50), self.offset.unwrap_or(0));
        if !(1..=1000).contains(&limit) || offset < 0 {
            return Err(ApiError::BadData(
                "limit must be 1–1000 and offset non-negative".to_owned(),
            ));
        }
        Ok((limit, offset))
    }
}

#[utoipa::path(
    get,
    path = "/api/admin/signal-endpoints/{id}/signals",
    summary = "The signals an endpoint received, newest first",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of signals", body = SignalList),
        (status = 400, description = "Invalid input"),
    )
)]
async fn signals(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Response> {
    let (limit, offset) = query.page()?;
    let id = endpoint_id(&id)?;
    check_endpoint(&state, id).await?;
    let signals = state.store.signals(id, limit, offset).await?;
    let signal_endpoint_signals = signals.iter().map(SignalView::from).collect();
    Ok(Json(SignalList {
        signal_endpoint_signals,
    })
    .into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"signalEndpointSignals": [{"id": 7, "source": "signal-endpoint",
    "sourceId": 1, "createdAt": "2025-03-01T09:00:00Z", "tokenName": "jira-token",
    "payload": {"issue": {"key": "CHK-12", "fields": {"status": {"name": "In QA"}}}}}]}))]
struct SignalList<'a> {
    signal_endpoint_signals: Vec<SignalView<'a>>,
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
        switch_on,
        switch_off,
        endpoint_tokens::tokens,
        endpoint_tokens::create_token,
        endpoint_tokens::rename_token,
        endpoint_tokens::remove_token,
        signals
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: signals", "signal_endpoints")
}
