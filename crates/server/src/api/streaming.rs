//! Changes pushed to SDKs: `GET /api/client/delta` (polling for what changed
//! since a revision) and `GET /api/client/streaming` (Server-Sent Events: an
//! `unleash-connected` event, then an `unleash-updated` event per change), in
//! Unleash's delta-event shape, for the token's projects and `namePrefix`.
//!
//! Both answer from the snapshot and its delta history, never the database.
//! A client's revision is the environment revision of the last document it
//! was sent (the `ETag` of a delta answer, the `id:` of an event); anything
//! that is not a revision, or older than the history, gets a hydration — an
//! SDK is never answered with an error it would stop on. Each distinct answer
//! (filter, from-revision, to-revision) is serialised once and shared by every
//! client that needs it, so a change announced to a thousand streams is
//! serialised once.
//!
//! The SSE framing is written here rather than with axum's `Sse`: a frame is
//! three chunks around the shared, already serialised body, so a hydration
//! sent to many streams at once is one buffer, not one copy per stream.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use crate::api::routes::{get, Routes};
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use flagstaff_engine::document::DeltaEvent;
use serde::Serialize;
use tokio::sync::watch;

use super::client::cached_json;
use super::client_query::ClientQuery;
use crate::auth::{ApiToken, ClientToken};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::snapshot::Snapshot;
use flagstaff_domain::CachedBody;
use flagstaff_domain::StreamSlot;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/client/delta", get(delta))
        .route("/api/client/streaming", get(streaming))
}

const NO_EVENTS: &[u8] = br#"{"events":[]}"#;

/// The revision in `If-None-Match` or `Last-Event-ID` (quoted or not, weak or
/// not); `None` when absent or not a revision.
fn presented_revision(headers: &HeaderMap, name: HeaderName) -> Option<i64> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    let value = value.strip_prefix("W/").unwrap_or(value);
    value.trim_matches('"').parse().ok().filter(|r| *r >= 0)
}

/// The delta API's body: a hydration, or what changed since a revision.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"events": [
    {"type": "feature-updated", "eventId": 13, "feature": {"name": "new-checkout", "type": "release",
        "description": null, "enabled": false, "stale": false, "impressionData": false,
        "project": "default", "strategies": [], "variants": []}},
    {"type": "segment-removed", "eventId": 14, "segmentId": 3}
]}))]
struct Events<'a> {
    #[schema(value_type = Vec<DeltaEvent>)]
    events: &'a [DeltaEvent],
}

/// What a client at `has` needs: `None` when it is up to date, else the
/// environment revision it is brought to and the events body.
async fn update_for(
    snapshot: &Snapshot,
    token: &ApiToken,
    params: &[(String, String)],
    has: Option<i64>,
) -> Option<(i64, CachedBody)> {
    let environment = token.environment.as_str();
    let current = snapshot.revision_of(environment);
    // A revision ahead of this snapshot comes from a replica further on: its
    // client is at least as new as this one can make it.
    match has {
        Some(r) if r >= current && r <= snapshot.revision => return None,
        _ => {}
    }
    let flags = snapshot.environments.get(environment);
    let query = ClientQuery::new(
        token,
        params,
        flags,
        &snapshot.projects,
        &snapshot.tags,
        false,
    );
    let digest = query.digest(environment);
    let filter = query.delta_filter();
    let body = match has.filter(|r| *r <= snapshot.revision && snapshot.history.reaches(*r)) {
        Some(r) => {
            let key = format!("delta|{digest}|{filter:?}|{r}|{current}");
            snapshot
                .responses
                .get_or_build(environment, &key, || {
                    let events = snapshot
                        .history
                        .events_since(r, environment, &filter)
                        .unwrap_or_default();
                    to_bytes(&events)
                })
                .await
        }
        None => {
            // The document is the same at every revision from `current` on, so
            // a hydration may name the oldest one the history reaches from: a
            // client hydrated while its environment had no change yet is then
            // sent deltas, not another hydration, when the first change comes.
            let current = current.max(snapshot.history.complete_from());
            let key = format!("hydration|{digest}|{current}");
            let body = snapshot
                .responses
                .get_or_build(environment, &key, || {
                    let hydration = DeltaEvent::Hydration {
                        event_id: current,
                        features: query.select(flags).into_iter().cloned().collect(),
                        segments: snapshot.segments.to_vec(),
                    };
                    to_bytes(&[hydration])
                })
                .await;
            return Some((current, body));
        }
    };
    Some((current, body))
}

fn to_bytes(events: &[DeltaEvent]) -> Bytes {
    Bytes::from(serde_json::to_vec(&Events { events }).unwrap_or_default())
}

#[utoipa::path(
    get,
    path = "/api/client/delta",
    summary = "What changed since the revision in If-None-Match (delta events)",
    params(("If-None-Match" = Option<String>, Header, description = "The revision the SDK has"), ("namePrefix" = Option<String>, Query, description = "Only flags whose name starts with this"), ("project" = Option<Vec<String>>, Query, description = "Only these projects")),
    responses(
        (status = 200, description = "The events that bring the SDK up to date; its ETag is the revision they bring it to", body = Events),
        (status = 304, description = "Not modified since the ETag given"),
    )
)]
async fn delta(
    State(state): State<AppState>,
    ClientToken(token): ClientToken,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let snapshot = state.snapshots.load();
    let has = presented_revision(&headers, header::IF_NONE_MATCH);
    match update_for(&snapshot, &token, &params, has).await {
        None => Ok(StatusCode::NOT_MODIFIED.into_response()),
        Some((revision, body)) => Ok(cached_json(&headers, body, &format!("\"{revision}\""))),
    }
}

#[utoipa::path(
    get,
    path = "/api/client/streaming",
    summary = "Server-Sent Events: the document, then each change",
    params(("Last-Event-ID" = Option<String>, Header, description = "The revision the SDK has"), ("namePrefix" = Option<String>, Query, description = "Only flags whose name starts with this"), ("project" = Option<Vec<String>>, Query, description = "Only these projects")),
    responses(
        (status = 200, description = "OK", content_type = "text/event-stream", body = String),
        (status = 429, description = "Too many requests"),
        (status = 503, description = "Not stored: try again"),
    )
)]
async fn streaming(
    State(state): State<AppState>,
    ClientToken(token): ClientToken,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Some(slot) = state.streams.join(&token) else {
        return Err(ApiError::TooManyRequests {
            message: format!(
                "This token already has {} open streams, the most it may have; \
                 poll /api/client/features or /api/client/delta instead",
                state.streams.limits().per_token
            ),
            retry_after: 30,
        });
    };
    let has = headers
        .get("last-event-id")
        .and_then(|_| presented_revision(&headers, HeaderName::from_static("last-event-id")));
    let subscriber = Subscriber {
        changes: state.streams.changes(),
        closing: state.streams.closing(),
        keep_alive: state.streams.limits().keep_alive,
        quiet_until: Box::pin(tokio::time::sleep(state.streams.limits().keep_alive)),
        state,
        token,
        params,
        slot,
        has,
        connected: false,
        pending: VecDeque::new(),
    };
    let stream = futures_util::stream::unfold(subscriber, Subscriber::next);
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// One open stream: what it has been sent, and what wakes it.
struct Subscriber {
    state: AppState,
    token: ApiToken,
    params: Vec<(String, String)>,
    slot: StreamSlot,
    /// The environment revision of the last event sent, or the client's
    /// `Last-Event-ID` before the first.
    has: Option<i64>,
    connected: bool,
    changes: watch::Receiver<i64>,
    closing: watch::Receiver<bool>,
    keep_alive: Duration,
    /// When the next keep-alive is due: one timer per stream, moved on after
    /// each frame rather than made anew at every wake-up.
    quiet_until: std::pin::Pin<Box<tokio::time::Sleep>>,
    /// Chunks of the frame being sent.
    pending: VecDeque<Bytes>,
}

impl Subscriber {
    /// The next chunk to send; `None` ends the stream (shutdown, or the token
    /// was revoked or expired).
    async fn next(mut self) -> Option<(Result<Bytes, Infallible>, Subscriber)> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                if self.pending.is_empty() {
                    let next = tokio::time::Instant::now() + self.keep_alive;
                    self.quiet_until.as_mut().reset(next);
                }
                return Some((Ok(chunk), self));
            }
            if *self.closing.borrow() || !self.state.tokens.is_live(&self.token.id) {
                return None;
            }
            if !self.connected {
                self.connected = true;
                // Mark everything announced so far as seen: the first event covers it.
                let _seen = *self.changes.borrow_and_update();
                self.send("unleash-connected").await;
                continue;
            }
            tokio::select! {
                closed = self.closing.changed() => if closed.is_err() || *self.closing.borrow() {
                    return None;
                },
                changed = self.changes.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    self.send("unleash-updated").await;
                }
                () = self.quiet_until.as_mut() => {
                    self.pending.push_back(Bytes::from_static(b": keep-alive\n\n"));
                }
            }
        }
    }

    /// Queues the event that brings the client up to date, if any; the first
    /// event (`unleash-connected`) is sent even when there is nothing new.
    async fn send(&mut self, event: &'static str) {
        let snapshot = self.state.snapshots.load();
        let first = event == "unleash-connected";
        let (revision, body) =
            match update_for(&snapshot, &self.token, &self.params, self.has).await {
                Some(update) => update,
                None if first => (
                    self.has.unwrap_or_default(),
                    CachedBody::new(Bytes::from_static(NO_EVENTS)),
                ),
                None => return,
            };
        self.has = Some(revision);
        self.slot
            .info
            .sent
            .store(revision, std::sync::atomic::Ordering::Relaxed);
        if !first && body.plain == NO_EVENTS {
            return; // changes this client does not see
        }
        self.pending.push_back(Bytes::from(format!(
            "event: {event}\nid: {revision}\ndata: "
        )));
        self.pending.push_back(body.plain);
        self.pending.push_back(Bytes::from_static(b"\n\n"));
    }
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(delta, streaming))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Client API", "client_streaming")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_are_read_leniently() {
        let read = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(value).expect("header"),
            );
            presented_revision(&headers, header::IF_NONE_MATCH)
        };
        assert_eq!(read("42"), Some(42));
        assert_eq!(read("\"42\""), Some(42));
        assert_eq!(read("W/\"42\""), Some(42));
        assert_eq!(read(" 7 "), Some(7));
        for bad in ["", "abc", "\"a1:2:v1\"", "-1", "1.5"] {
            assert_eq!(read(bad), None, "{bad:?}");
        }
        assert_eq!(
            presented_revision(&HeaderMap::new(), header::IF_NONE_MATCH),
            None
        );
    }
}
