//! Frontend SDKs and OpenFeature providers: `GET`/`POST /api/frontend` (and
//! the `/api/proxy` alias), `…/all` (every flag, off ones too, unless
//! `--disable-all-endpoint`), their metrics and registration, and OFREP —
//! evaluated by the engine compiled from the covering client scope's
//! document, through the same functions `flagstaff serve` answers with
//! (`flagstaff_domain::evaluation`).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use flagstaff_domain::evaluation::{
    context_from_body, context_from_pairs, frontend_all_body, frontend_body, ofrep_bulk_body,
    ofrep_context, ofrep_single_body,
};
use flagstaff_engine::Context;
use flagstaff_server::api::json_with_etag;
use flagstaff_server::api::openapi::OfrepError;
use flagstaff_server::client_address::ClientAddress;
use serde_json::Value;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use super::client::{record_registration, record_report};
use super::{authorised, message};
use crate::state::{EdgeState, Refusal};
use crate::tokens::{EdgeToken, TokenKind};

pub fn router(cors_origins: &[String]) -> Router<EdgeState> {
    let origins = if cors_origins.is_empty() || cors_origins.iter().any(|o| o.trim() == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            cors_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim()).ok()),
        )
    };
    let cors = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(Any)
        .allow_headers(Any)
        .expose_headers([header::ETAG]);
    let mut router = Router::new();
    for base in ["/api/frontend", "/api/proxy"] {
        router = router
            .route(base, get(from_query::<false>).post(from_body::<false>))
            .route(
                &format!("{base}/all"),
                get(from_query::<true>).post(from_body::<true>),
            );
        for flags in [base.to_owned(), format!("{base}/all")] {
            router = router
                .route(&format!("{flags}/client/metrics"), post(metrics))
                .route(&format!("{flags}/client/register"), post(register));
        }
    }
    router
        .route("/ofrep/v1/evaluate/flags", post(ofrep_bulk))
        .route("/ofrep/v1/evaluate/flags/{key}", post(ofrep_single))
        .layer(cors)
}

/// Which flags an evaluation answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// The flags on for the context (`/api/frontend`).
    Enabled,
    /// Every flag, off ones with `enabled: false` (`/api/frontend/all`).
    All,
}

impl Which {
    fn of(all: bool) -> Which {
        if all {
            Which::All
        } else {
            Which::Enabled
        }
    }
}

/// Authorises, then answers the flags for the request's context (with the
/// client's address as `remoteAddress` unless given), or why it has none.
async fn answer(
    state: &EdgeState,
    address: ClientAddress,
    headers: &HeaderMap,
    context: Result<Context, String>,
    which: Which,
) -> Response {
    if which == Which::All && state.settings.disable_all_endpoint {
        return message(StatusCode::NOT_FOUND, "Not found");
    }
    let token = match authorised(state, headers, TokenKind::Frontend).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let mut context = match context {
        Ok(context) => context,
        Err(error) => return message(StatusCode::BAD_REQUEST, &error),
    };
    if context.remote_address.is_none() {
        context.remote_address = address.0.map(|a| a.to_string());
    }
    evaluate(state, &token, context, headers, which).await
}

async fn evaluate(
    state: &EdgeState,
    token: &EdgeToken,
    context: Context,
    headers: &HeaderMap,
    which: Which,
) -> Response {
    let flags = match state.flags_for(token).await {
        Ok(flags) => flags,
        Err(refusal) => return refusal.into_response(),
    };
    let context = context.with_current_time(chrono::Utc::now());
    let scope = token.scope();
    let sees = |p: &str| scope.sees_project(p);
    let body = match which {
        Which::Enabled => frontend_body(Some(&flags.engine), &context, sees),
        Which::All => frontend_all_body(Some(&flags.engine), &context, sees),
    };
    json_with_etag(headers, body)
}

/// The context of a `GET`: the query's name/value pairs.
fn query_fields(params: Vec<(String, String)>) -> serde_json::Map<String, Value> {
    params
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

/// `GET`: the context from the query; `/all` when `ALL`.
async fn from_query<const ALL: bool>(
    State(state): State<EdgeState>,
    address: ClientAddress,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let context = context_from_pairs(query_fields(params));
    answer(&state, address, &headers, context, Which::of(ALL)).await
}

/// `POST`: the context from the body; `/all` when `ALL`.
async fn from_body<const ALL: bool>(
    State(state): State<EdgeState>,
    address: ClientAddress,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    answer(
        &state,
        address,
        &headers,
        context_from_body(&body).map_err(|e| e.to_string()),
        Which::of(ALL),
    )
    .await
}

async fn metrics(
    State(state): State<EdgeState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    match authorised(&state, &headers, TokenKind::Frontend).await {
        Ok(token) => record_report(&state, &token.environment, &body),
        Err(refusal) => refusal.into_response(),
    }
}

async fn register(
    State(state): State<EdgeState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    match authorised(&state, &headers, TokenKind::Frontend).await {
        Ok(token) => record_registration(&state, &token.environment, &body),
        Err(refusal) => refusal.into_response(),
    }
}

/// OFREP takes a client or a frontend token.
async fn evaluation_token(
    state: &EdgeState,
    headers: &HeaderMap,
) -> Result<std::sync::Arc<EdgeToken>, Refusal> {
    match authorised(state, headers, TokenKind::Client).await {
        Err(Refusal::WrongKind) => authorised(state, headers, TokenKind::Frontend).await,
        other => other,
    }
}

fn ofrep_error(status: StatusCode, key: Option<&str>, code: &str, details: String) -> Response {
    let body = OfrepError {
        error_code: code,
        error_details: details,
        key,
    };
    (status, axum::Json(body)).into_response()
}

async fn ofrep_single(
    State(state): State<EdgeState>,
    address: ClientAddress,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = match evaluation_token(&state, &headers).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let context = match ofrep_context(&body, address.0) {
        Ok(context) => context.with_current_time(chrono::Utc::now()),
        Err(details) => {
            return ofrep_error(
                StatusCode::BAD_REQUEST,
                Some(&key),
                "INVALID_CONTEXT",
                details,
            )
        }
    };
    let flags = match state.flags_for(&token).await {
        Ok(flags) => flags,
        Err(refusal) => return refusal.into_response(),
    };
    let scope = token.scope();
    match ofrep_single_body(Some(&flags.engine), &key, &context, |p| {
        scope.sees_project(p)
    }) {
        Some(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        None => ofrep_error(
            StatusCode::NOT_FOUND,
            Some(&key),
            "FLAG_NOT_FOUND",
            format!("flag {key} was not found"),
        ),
    }
}

async fn ofrep_bulk(
    State(state): State<EdgeState>,
    address: ClientAddress,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = match evaluation_token(&state, &headers).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let context = match ofrep_context(&body, address.0) {
        Ok(context) => context.with_current_time(chrono::Utc::now()),
        Err(details) => {
            return ofrep_error(StatusCode::BAD_REQUEST, None, "INVALID_CONTEXT", details)
        }
    };
    let flags = match state.flags_for(&token).await {
        Ok(flags) => flags,
        Err(refusal) => return refusal.into_response(),
    };
    let scope = token.scope();
    let body = ofrep_bulk_body(Some(&flags.engine), &context, |p| scope.sees_project(p));
    json_with_etag(&headers, body)
}
