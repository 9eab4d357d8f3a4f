//! The client API that backend SDKs poll: `GET /api/client/features` and
//! `GET /api/client/features/:featureName`, served from the snapshot of the
//! token's environment, filtered to its projects (and the query's `project`,
//! `namePrefix` and `tag`). `If-None-Match` with the
//! current ETag is answered with 304 before any flag is looked at, and each
//! distinct response is serialised once per revision.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::api::routes::{get, Routes};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use flagstaff_engine::document::{Feature, Segment};
use serde::Serialize;

use super::client_query::{wants_inline_segments, ClientQuery, QueryEcho};
use crate::auth::ClientToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::CachedBody;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/client/features", get(features))
        .route("/api/client/features/{name}", get(feature))
}

/// A flag with each strategy's segments replaced by their constraints.
fn inlined(feature: &Feature, segments: &HashMap<i64, &Segment>) -> Feature {
    let mut feature = feature.clone();
    for strategy in &mut feature.strategies {
        for id in std::mem::take(&mut strategy.segments) {
            match segments.get(&id) {
                Some(segment) => strategy
                    .constraints
                    .extend(segment.constraints.iter().cloned()),
                // Cannot happen (a strategy names only stored segments); keep
                // the reference so the SDK turns the flag off as it should.
                None => strategy.segments.push(id),
            }
        }
    }
    feature
}

#[utoipa::path(
    get,
    path = "/api/client/features",
    summary = "The client-features document of the token's environment and projects",
    params(
        ("project" = Option<Vec<String>>, Query, description = "Only these projects"),
        ("namePrefix" = Option<String>, Query, description = "Only flags whose name starts with this"),
        ("tag" = Option<Vec<String>>, Query, description = "Only flags with one of these tags (`type:value`)"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of the document the SDK has"),
    ),
    responses(
        (status = 200, description = "Flags and segments", body = ClientDocument),
        (status = 304, description = "Unchanged since the ETag given"),
    )
)]
async fn features(
    State(state): State<AppState>,
    ClientToken(token): ClientToken,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let snapshot = state.snapshots.load();
    let flags = snapshot.environments.get(&token.environment);
    let query = ClientQuery::new(
        &token,
        &params,
        flags,
        &snapshot.projects,
        &snapshot.tags,
        wants_inline_segments(&headers),
    );
    let revision = snapshot.revision_of(&token.environment);
    let etag = query.etag(&token.environment, revision);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let body = snapshot
        .responses
        .get_or_build(&token.environment, &etag, || {
            let selected = query.select(flags);
            let document = ClientDocument {
                version: 2,
                features: if query.inline_segments() {
                    let segments: HashMap<i64, &Segment> =
                        snapshot.segments.iter().map(|s| (s.id, s)).collect();
                    selected
                        .into_iter()
                        .map(|f| Cow::Owned(inlined(f, &segments)))
                        .collect()
                } else {
                    selected.into_iter().map(Cow::Borrowed).collect()
                },
                segments: (!query.inline_segments()).then_some(&snapshot.segments[..]),
                query: query.echo(&token.environment),
                meta: DocumentMeta {
                    etag: &etag,
                    revision_id: revision,
                },
            };
            Bytes::from(serde_json::to_vec(&document).unwrap_or_default())
        })
        .await;
    Ok(cached_json(&headers, body, &etag))
}

/// A cached JSON body with its ETag, gzipped when the client accepts it (the
/// gzipped form was made once, with the plain one).
pub fn cached_json(headers: &HeaderMap, body: CachedBody, etag: &str) -> Response {
    let wants_gzip = flagstaff_domain::evaluation::accepts_gzip(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    let json = (
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let mut response = if wants_gzip {
        (
            [
                json,
                (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
            ],
            body.gzip,
        )
            .into_response()
    } else {
        ([json], body.plain).into_response()
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The client-features document, borrowing from the snapshot.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "version": 2,
    "features": [{"name": "new-checkout", "type": "release", "description": null, "enabled": true,
        "stale": false, "impressionData": false, "project": "default",
        "strategies": [{"name": "flexibleRollout",
            "parameters": {"rollout": "50", "stickiness": "default", "groupId": "new-checkout"},
            "constraints": [], "segments": [1], "variants": []}],
        "variants": []}],
    "segments": [{"id": 1, "name": "beta-users", "constraints": [
        {"contextName": "userId", "operator": "IN", "values": ["42"], "caseInsensitive": false, "inverted": false}]}],
    "query": {"environment": "development", "inlineSegmentConstraints": false, "namePrefix": null,
        "project": ["*"], "tag": null},
    "meta": {"etag": "\"3b4a8e0c5d1f2a67:12:v1\"", "revisionId": 12}
}))]
struct ClientDocument<'a> {
    version: u32,
    #[schema(value_type = Vec<Feature>)]
    features: Vec<Cow<'a, Feature>>,
    /// Absent when segments are inlined into the strategies' constraints.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Segment>>)]
    segments: Option<&'a [Segment]>,
    query: QueryEcho<'a>,
    meta: DocumentMeta<'a>,
}

/// The document's revision: its ETag and the environment revision it shows.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct DocumentMeta<'a> {
    etag: &'a str,
    revision_id: i64,
}

#[utoipa::path(
    get,
    path = "/api/client/features/{name}",
    summary = "One flag of the token's environment",
    params(("name" = String, Path, description = "A flag's name", min_length = 1)),
    responses(
        (status = 200, description = "The flag, as in the client-features document", body = Feature,
            example = json!({"name": "new-checkout", "type": "release", "description": null, "enabled": true,
                "stale": false, "impressionData": false, "project": "default",
                "strategies": [{"name": "default", "parameters": {}, "constraints": [], "variants": []}],
                "variants": []})),
        (status = 404, description = "No such flag for this token"),
    )
)]
async fn feature(
    State(state): State<AppState>,
    ClientToken(token): ClientToken,
    Path(name): Path<String>,
) -> ApiResult<Json<Feature>> {
    let snapshot = state.snapshots.load();
    snapshot
        .environments
        .get(&token.environment)
        .and_then(|flags| flags.get(&name))
        .filter(|f| token.sees_project(&f.project))
        .map(|f| Json(f.feature.clone()))
        .ok_or_else(|| ApiError::NotFound(format!("Could not find feature flag {name}")))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(features, feature))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Client API", "client")
}
