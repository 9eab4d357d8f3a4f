//! `POST /api/signal-endpoint/:name`: an external system (Jira, CI, a
//! monitor) sends any JSON object with one of the endpoint's tokens. 202 means
//! the signal is stored; the action sets it matches have run by then (in a task
//! of their own, so a caller that hangs up does not cut a run short), but what
//! they did is in their run log, not in this answer. A wrong token is a 401
//! that stores nothing (see [`SignalToken`]); a disabled endpoint is a 403:
//! the caller proved it holds a token of that endpoint, so it may learn that
//! the endpoint is switched off rather than be told it does not exist. A body
//! over `--max-signal-bytes` is a 413 that stores nothing. A signal sent by an
//! integration for a change an action set made carries that change's depth in
//! a chain of runs ([`ACTION_DEPTH_HEADER`]), which the signal keeps: the loop
//! guard of [`flagstaff_domain::actions`].

use crate::api::routes::{post, Routes};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde_json::Value;

use crate::auth::SignalToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::actions;
use flagstaff_domain::integrations::ACTION_DEPTH_HEADER;

pub fn router() -> Routes {
    Routes::new().route("/api/signal-endpoint/{name}", post(receive))
}

/// How deep in a chain of action runs the change this signal was sent for
/// was made: the largest [`ACTION_DEPTH_HEADER`] value, 0 without one (a value
/// that is not a small number counts as absent: the header only ever stops
/// runs, so a sender gains nothing by garbling it).
struct ActionDepth(i64);

impl<S: Send + Sync> FromRequestParts<S> for ActionDepth {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let depth = parts
            .headers
            .get_all(ACTION_DEPTH_HEADER)
            .iter()
            .filter_map(|value| value.to_str().ok()?.trim().parse::<u16>().ok())
            .max()
            .unwrap_or(0);
        Ok(ActionDepth(i64::from(depth)))
    }
}

/// The body as a JSON object; an empty body is `{}` (Unleash: the payload is
/// optional). Any content type is read as JSON: webhook senders vary.
fn payload(body: Result<Bytes, BytesRejection>, max_bytes: usize) -> ApiResult<Value> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadData(format!(
                "Could not read the body: {}",
                rejection.body_text()
            ))
        }
    })?;
    if body.len() > max_bytes {
        return Err(ApiError::TooLarge(format!(
            "A signal may be at most {max_bytes} bytes (MAX_SIGNAL_BYTES, --max-signal-bytes); \
             this one is {} bytes. Nothing was stored.",
            body.len()
        )));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(object @ Value::Object(_)) => Ok(object),
        Ok(_) => Err(ApiError::BadData(
            "Request validation failed: a signal must be a JSON object".to_owned(),
        )),
        Err(e) => Err(ApiError::BadData(format!(
            "Request validation failed: the body is not JSON: {e}"
        ))),
    }
}

#[utoipa::path(
    post,
    path = "/api/signal-endpoint/{name}",
    summary = "Sends a signal to an endpoint (with one of that endpoint's tokens)",
    request_body(content = Object, description = "The signal: any JSON object (an empty body is `{}`), matched by the endpoint's action sets",
        example = json!({"source": "ci", "pipeline": "deploy", "status": "failed"})),
    responses(
        (status = 202, description = "Accepted"),
        (status = 400, description = "Invalid input"),
        (status = 403, description = "Refused"),
        (status = 413, description = "Too large"),
        (status = 429, description = "Too many requests"),
    )
)]
async fn receive(
    State(state): State<AppState>,
    SignalToken { endpoint, token }: SignalToken,
    ActionDepth(action_depth): ActionDepth,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    let payload = payload(body, state.automation.max_signal_bytes)?;
    // Each token's signals share the per-token report budget.
    if let Err(retry_after) = state
        .quotas
        .reports
        .take(&format!("signal-token:{}", token.id))
    {
        return Err(ApiError::TooManyRequests {
            message: "Too many signals with this token; try again later".to_owned(),
            retry_after,
        });
    }
    let disabled = || {
        ApiError::OperationDenied(format!(
            "Signal endpoint {} is disabled; nothing was stored",
            endpoint.name
        ))
    };
    if !endpoint.enabled {
        return Err(disabled());
    }
    let signal = state
        .domain()
        .store_signal(
            endpoint.id,
            &token.name,
            &payload,
            action_depth,
            state.automation.kept,
        )
        .await?
        .ok_or_else(disabled)?;
    if let Err(e) = tokio::spawn(actions::run_action_sets(state.domain().clone(), signal)).await {
        tracing::error!(error = %e, "running the action sets of a signal failed");
    }
    Ok(StatusCode::ACCEPTED)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(receive))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Signals", "signal")
}
