//! What operators and other edges ask: `/internal-backstage/health` (alive),
//! `/ready` (every scope has flags; the upstream's state), `/metrics`
//! (Prometheus), `/tokens` (masked secrets and their scopes) and `/features`
//! (each scope's document), `/metricsbatch` (the metrics waiting to go
//! upstream) and `/instancedata` (this edge and the edges that report to
//! it) — all but the first two can be switched off as in Edge —
//! and `POST /edge/validate`, so an edge can be another edge's upstream.

use std::time::SystemTime;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::message;
use crate::state::EdgeState;
use crate::tokens::{EdgeToken, Known};

pub fn router() -> Router<EdgeState> {
    Router::new()
        .route("/internal-backstage/health", get(health))
        .route("/internal-backstage/ready", get(ready))
        .route("/internal-backstage/metrics", get(metrics))
        .route("/internal-backstage/tokens", get(tokens))
        .route("/internal-backstage/features", get(features))
        .route("/internal-backstage/metricsbatch", get(metrics_batch))
        .route("/internal-backstage/instancedata", get(instance_data))
        .route("/edge/validate", post(validate))
}

async fn health() -> Json<Value> {
    Json(json!({"status": "OK"}))
}

fn seconds_since(time: Option<SystemTime>) -> Option<u64> {
    time.and_then(|t| t.elapsed().ok()).map(|d| d.as_secs())
}

/// 200 `READY` once every scope has flags (a scope served from the backup
/// counts); the body says how the upstream answered each scope lately, so an
/// upstream outage shows here while the edge keeps serving.
async fn ready(State(state): State<EdgeState>) -> Response {
    let scopes = state.scopes.all();
    let waiting = scopes.iter().filter(|e| e.flags().is_none()).count();
    let failing = scopes
        .iter()
        .filter(|e| e.health().failures_in_a_row > 0)
        .count();
    let details: Vec<Value> = scopes
        .iter()
        .map(|entry| {
            let health = entry.health();
            json!({
                "environment": entry.scope.environment,
                "projects": entry.scope.projects,
                "hasFlags": entry.flags().is_some(),
                "secondsSinceUpstreamAnswered": seconds_since(health.last_success),
                "failuresInARow": health.failures_in_a_row,
                "lastError": health.last_error,
            })
        })
        .collect();
    let upstream = match (&state.upstream, failing) {
        (None, _) => "offline",
        (Some(_), 0) => "ok",
        (Some(_), _) => "failing",
    };
    let status = if waiting == 0 {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let label = if waiting == 0 { "READY" } else { "NOT_READY" };
    (
        status,
        Json(json!({"status": label, "upstream": upstream, "scopes": details})),
    )
        .into_response()
}

async fn metrics(State(state): State<EdgeState>) -> Response {
    if state.settings.disable_metrics_endpoint {
        return message(StatusCode::NOT_FOUND, "Not found");
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        crate::telemetry::render(&state),
    )
        .into_response()
}

async fn tokens(State(state): State<EdgeState>) -> Response {
    if state.settings.disable_tokens_endpoint {
        return message(StatusCode::NOT_FOUND, "Not found");
    }
    let tokens: Vec<Value> = state
        .tokens
        .valid()
        .iter()
        .map(|t| json!({"token": t.masked(), "type": t.kind, "environment": t.environment, "projects": t.projects}))
        .collect();
    let refreshes: Vec<Value> = state
        .scopes
        .all()
        .iter()
        .map(|entry| {
            let health = entry.health();
            json!({
                "token": crate::tokens::masked(&entry.token()),
                "environment": entry.scope.environment,
                "projects": entry.scope.projects,
                "etag": entry.flags().map(|f| f.etag.clone()),
                "secondsSinceUpdate": seconds_since(health.last_update),
                "failuresInARow": health.failures_in_a_row,
            })
        })
        .collect();
    Json(json!({"tokens": tokens, "tokenRefreshes": refreshes})).into_response()
}

async fn features(State(state): State<EdgeState>) -> Response {
    if state.settings.disable_features_endpoint {
        return message(StatusCode::NOT_FOUND, "Not found");
    }
    let mut scopes = serde_json::Map::new();
    for entry in state.scopes.all() {
        let Some(flags) = entry.flags() else { continue };
        let document: Value = serde_json::from_slice(&flags.body.plain).unwrap_or(Value::Null);
        let name = format!(
            "{}:{}",
            entry.scope.environment,
            entry.scope.projects.join(",")
        );
        scopes.insert(name, document);
    }
    Json(Value::Object(scopes)).into_response()
}

#[derive(Deserialize)]
struct ValidateBody {
    tokens: Vec<String>,
}

/// Most secrets one validation may ask about (as `flagstaff serve`).
const MAX_TOKENS: usize = 1_000;

/// The live tokens among those asked about: what this edge knows, and what
/// its upstream says of the rest (none offline).
async fn validate(State(state): State<EdgeState>, body: axum::body::Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<ValidateBody>(&body) else {
        return message(StatusCode::BAD_REQUEST, "expected {\"tokens\": [\"…\"]}");
    };
    if body.tokens.len() > MAX_TOKENS {
        return message(
            StatusCode::BAD_REQUEST,
            &format!("at most {MAX_TOKENS} tokens in one validation"),
        );
    }
    let mut valid = Vec::new();
    let mut ask = Vec::new();
    for secret in body.tokens {
        match state.tokens.get(&secret) {
            Some(Known::Valid(token)) => valid.push(EdgeToken::clone(&token)),
            Some(Known::Unknown) => {}
            None => ask.push(secret),
        }
    }
    if let (Some(upstream), false) = (&state.upstream, ask.is_empty()) {
        match upstream.validate(&ask).await {
            Ok(answered) => {
                state.tokens.record(&ask, &answered);
                state.save_tokens();
                valid.extend(answered);
            }
            Err(error) => {
                return message(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &format!("the upstream could not validate the tokens: {error}"),
                )
            }
        }
    }
    Json(json!({ "tokens": valid })).into_response()
}

/// The metrics waiting to be sent upstream, in the bulk body's shape.
async fn metrics_batch(State(state): State<EdgeState>) -> Response {
    if state.settings.disable_metrics_batch_endpoint {
        return message(StatusCode::NOT_FOUND, "Not found");
    }
    let body = state.metrics.pending_bulk_body(
        &state.settings.app_name,
        &state.settings.instance_id,
        &chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// This edge, and the last report of each edge that posts its own to
/// `/api/client/metrics/edge` (Edge's field names).
async fn instance_data(State(state): State<EdgeState>) -> Response {
    if state.settings.disable_instance_data_endpoint {
        return message(StatusCode::NOT_FOUND, "Not found");
    }
    let started: chrono::DateTime<chrono::Utc> = state.started.into();
    let connected = state.metrics.connected_edges();
    Json(json!({
        "this_instance": {
            "identifier": state.settings.instance_id,
            "appName": state.settings.app_name,
            "edgeVersion": format!("flagstaff-{}", env!("CARGO_PKG_VERSION")),
            "started": started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "connectedEdges": connected,
        },
        "connected_instances": connected,
    }))
    .into_response()
}
