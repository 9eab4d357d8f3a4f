//! What delta-polling and streaming SDKs ask the edge:
//! `GET /api/client/delta` and `GET /api/client/streaming` (SSE). The edge
//! holds whole documents, not a change log, so every answer is a hydration
//! of the token's scope: the delta API answers one (its `eventId` the scope's
//! document count, the ETag) unless `If-None-Match` names the current one
//! (304); a stream sends `unleash-connected` with one, then
//! `unleash-updated` with the next whenever the scope's document changes.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::authorised;
use crate::state::EdgeState;
use crate::tokens::TokenKind;

pub fn router() -> Router<EdgeState> {
    Router::new()
        .route("/api/client/delta", get(delta))
        .route("/api/client/streaming", get(streaming))
}

async fn delta(State(state): State<EdgeState>, headers: HeaderMap) -> Response {
    let token = match authorised(&state, &headers, TokenKind::Client).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    let flags = match state.flags_for(&token).await {
        Ok(flags) => flags,
        Err(refusal) => return refusal.into_response(),
    };
    let etag = format!("\"{}\"", flags.revision);
    let asked = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'));
    let mut response = if asked == Some(flags.revision.to_string().as_str()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            flags.hydration(),
        )
            .into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

async fn streaming(State(state): State<EdgeState>, headers: HeaderMap) -> Response {
    let token = match authorised(&state, &headers, TokenKind::Client).await {
        Ok(token) => token,
        Err(refusal) => return refusal.into_response(),
    };
    if let Err(refusal) = state.flags_for(&token).await {
        return refusal.into_response();
    }
    let Some(entry) = state.scopes.get(token.scope()) else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let watch = entry.watch();
    drop(entry);
    let scope = token.scope().clone();
    // (state, scope, its revision watch, whether the first event was sent)
    let events = futures_util::stream::unfold(
        (state, scope, watch, false),
        |(state, scope, mut watch, connected)| async move {
            if connected && watch.changed().await.is_err() {
                return None;
            }
            watch.borrow_and_update();
            let flags = state.scopes.get(&scope)?.flags()?;
            let name = if connected {
                "unleash-updated"
            } else {
                "unleash-connected"
            };
            let data = String::from_utf8_lossy(&flags.hydration()).into_owned();
            let event = Event::default()
                .event(name)
                .id(flags.revision.to_string())
                .data(data);
            Some((Ok::<_, Infallible>(event), (state, scope, watch, true)))
        },
    );
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
