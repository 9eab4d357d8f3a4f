//! Backend SDKs: `GET /api/client/features` (the upstream's document for the
//! token's scope, as it sent it, plain or gzipped, 304 on its ETag),
//! `GET /api/client/features/{name}`, and `POST /api/client/register` and
//! `/api/client/metrics` (and a downstream edge's `/metrics/bulk`),
//! buffered and sent upstream in bulk.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use flagstaff_server::api::client::cached_json;

use super::{authorised, message};
use crate::filter::Filter;
use crate::metrics::{Registration, Report};
use crate::state::EdgeState;
use crate::tokens::TokenKind;

pub fn router() -> Router<EdgeState> {
    Router::new()
        .route("/api/client/features", get(features))
        .route("/api/client/features/{name}", get(feature))
        .route("/api/client/register", post(register))
        .route("/api/client/metrics", post(metrics))
        .route("/api/client/metrics/bulk", post(bulk))
        .route("/api/client/metrics/edge", post(accepted))
}

/// A downstream edge's metrics, relayed with this edge's own.
async fn bulk(
    State(state): State<EdgeState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = match authorised(&state, &headers, TokenKind::Client).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    keep_json(&body, "a bulk metrics body", |bulk| {
        state.metrics.add_bulk(&token.environment, bulk);
    })
}

/// A downstream edge's report about itself: kept (the last per edge) for
/// `/internal-backstage/instancedata`.
async fn accepted(
    State(state): State<EdgeState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(refusal) = authorised(&state, &headers, TokenKind::Client).await {
        return refusal.into_response();
    }
    keep_json(&body, "an edge instance report", |report| {
        state.metrics.add_edge_report(report);
    })
}

async fn features(
    State(state): State<EdgeState>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let token = match authorised(&state, &headers, TokenKind::Client).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let flags = match state.flags_for(&token).await {
        Ok(flags) => flags,
        Err(refusal) => return refusal.into_response(),
    };
    let filter = Filter::from_query(&params);
    let etag = match &filter {
        Some(filter) => filter.etag(&flags.etag),
        None => flags.etag.clone(),
    };
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(value) = etag.parse() {
            response.headers_mut().insert(header::ETAG, value);
        }
        return response;
    }
    let body = match &filter {
        Some(filter) => {
            flags
                .filtered
                .get_or_build("", &etag, || filter.apply(&flags.body.plain))
                .await
        }
        None => flags.body.clone(),
    };
    cached_json(&headers, body, &etag)
}

async fn feature(
    State(state): State<EdgeState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = match authorised(&state, &headers, TokenKind::Client).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let flags = match state.flags_for(&token).await {
        Ok(flags) => flags,
        Err(refusal) => return refusal.into_response(),
    };
    let document: Result<flagstaff_engine::ClientFeatures, _> =
        serde_json::from_slice(&flags.body.plain);
    match document
        .ok()
        .and_then(|d| d.features.into_iter().find(|f| f.name == name))
    {
        Some(feature) => Json(feature).into_response(),
        None => message(
            StatusCode::NOT_FOUND,
            &format!("Could not find feature flag {name}"),
        ),
    }
}

async fn register(
    State(state): State<EdgeState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = match authorised(&state, &headers, TokenKind::Client).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    record_registration(&state, &token.environment, &body)
}

async fn metrics(
    State(state): State<EdgeState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = match authorised(&state, &headers, TokenKind::Client).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    record_report(&state, &token.environment, &body)
}

/// A registration body kept for the next bulk post: 202, or 400.
pub fn record_registration(state: &EdgeState, environment: &str, body: &[u8]) -> Response {
    match serde_json::from_slice::<Registration>(body) {
        Ok(registration) if registration.get("appName").is_some_and(|a| a.is_string()) => {
            state.metrics.add_registration(environment, registration);
            StatusCode::ACCEPTED.into_response()
        }
        _ => message(StatusCode::BAD_REQUEST, "appName is required"),
    }
}

/// A metrics report added to the buffer: 202, or 400.
pub fn record_report(state: &EdgeState, environment: &str, body: &[u8]) -> Response {
    keep_json(body, "a metrics report", |report: Report| {
        state.metrics.add_report(environment, &report);
    })
}

/// `body` read as a `T` and handed to `keep`: 202, or 400 saying it is not `what`.
fn keep_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &str,
    keep: impl FnOnce(T),
) -> Response {
    match serde_json::from_slice::<T>(body) {
        Ok(value) => {
            keep(value);
            StatusCode::ACCEPTED.into_response()
        }
        Err(error) => message(StatusCode::BAD_REQUEST, &format!("not {what}: {error}")),
    }
}
