//! Frontend SDKs and OpenFeature providers: `GET`/`POST /api/frontend` (and
//! the `/api/proxy` alias), their metrics and registration, and OFREP —
//! evaluated by the engine compiled from the covering client scope's
//! document, through the same functions `flagstaff serve` answers with
//! (`flagstaff_domain::evaluation`).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use flagstaff_domain::evaluation::{
    context_from_pairs, frontend_body, ofrep_bulk_body, ofrep_context, ofrep_single_body,
};
use flagstaff_engine::Context;
use flagstaff_server::api::json_with_etag;
use flagstaff_server::api::openapi::OfrepError;
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
            .route(base, get(from_query).post(from_body))
            .route(&format!("{base}/client/metrics"), post(metrics))
            .route(&format!("{base}/client/register"), post(register));
    }
    router
        .route("/ofrep/v1/evaluate/flags", post(ofrep_bulk))
        .route("/ofrep/v1/evaluate/flags/{key}", post(ofrep_single))
        .layer(cors)
}

type Address = Option<axum::Extension<ConnectInfo<SocketAddr>>>;

fn address(connected: &Address) -> Option<std::net::IpAddr> {
    connected.as_ref().map(|c| c.0 .0.ip().to_canonical())
}

async fn evaluate(
    state: &EdgeState,
    token: &EdgeToken,
    context: Context,
    headers: &HeaderMap,
) -> Response {
    let flags = match state.flags_for(token).await {
        Ok(flags) => flags,
        Err(refusal) => return refusal.into_response(),
    };
    let context = context.with_current_time(chrono::Utc::now());
    let scope = token.scope();
    let body = frontend_body(Some(&flags.engine), &context, |p| scope.sees_project(p));
    json_with_etag(headers, body)
}

async fn from_query(
    State(state): State<EdgeState>,
    connected: Address,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let token = match authorised(&state, &headers, TokenKind::Frontend).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let mut context =
        match context_from_pairs(params.into_iter().map(|(k, v)| (k, Value::String(v)))) {
            Ok(context) => context,
            Err(error) => return message(StatusCode::BAD_REQUEST, &error),
        };
    if context.remote_address.is_none() {
        context.remote_address = address(&connected).map(|a| a.to_string());
    }
    evaluate(&state, &token, context, &headers).await
}

async fn from_body(
    State(state): State<EdgeState>,
    connected: Address,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = match authorised(&state, &headers, TokenKind::Frontend).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let fields = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(mut body)) => match body.remove("context") {
            Some(Value::Object(context)) => context,
            Some(_) => {
                return message(StatusCode::BAD_REQUEST, "\"context\" must be a JSON object")
            }
            None => body,
        },
        _ if body.is_empty() => serde_json::Map::new(),
        _ => return message(StatusCode::BAD_REQUEST, "the body must be a JSON object"),
    };
    let mut context = match context_from_pairs(fields) {
        Ok(context) => context,
        Err(error) => return message(StatusCode::BAD_REQUEST, &error),
    };
    if context.remote_address.is_none() {
        context.remote_address = address(&connected).map(|a| a.to_string());
    }
    evaluate(&state, &token, context, &headers).await
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
async fn evaluation_token(state: &EdgeState, headers: &HeaderMap) -> Result<EdgeToken, Refusal> {
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
    connected: Address,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = match evaluation_token(&state, &headers).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let context = match ofrep_context(&body, address(&connected)) {
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
    connected: Address,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = match evaluation_token(&state, &headers).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let context = match ofrep_context(&body, address(&connected)) {
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
