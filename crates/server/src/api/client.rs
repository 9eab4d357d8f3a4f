//! The client API that backend SDKs poll: `GET /api/client/features` and
//! `GET /api/client/features/:featureName`, served from the snapshot of the
//! token's environment, filtered to its projects. `If-None-Match` with the
//! current ETag is answered with 304 before any flag is looked at, and each
//! distinct response is serialised once per revision.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use flagstaff_engine::document::Feature;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::{ApiToken, ClientToken};
use crate::error::{ApiError, ApiResult};
use crate::snapshot::ClientFlag;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/client/features", get(features))
        .route("/api/client/features/{name}", get(feature))
}

/// The effective filter of a request: what the token may see, narrowed by the query.
struct ClientQuery {
    projects: Option<Vec<String>>,
    name_prefix: Option<String>,
}

impl ClientQuery {
    fn new(token: &ApiToken, params: &[(String, String)]) -> Self {
        let mut asked: Vec<String> = params
            .iter()
            .filter(|(k, _)| k == "project" || k == "project[]")
            .map(|(_, v)| v.clone())
            .collect();
        let name_prefix = params
            .iter()
            .find(|(k, _)| k == "namePrefix")
            .map(|(_, v)| v.clone())
            .filter(|p| !p.is_empty());
        let projects = match (token.all_projects(), asked.is_empty()) {
            (true, true) => None,
            (true, false) => Some(asked),
            (false, true) => Some(token.projects.clone()),
            // A query cannot widen a scoped token.
            (false, false) => {
                asked.retain(|p| token.sees_project(p));
                Some(asked)
            }
        };
        let mut query = ClientQuery {
            projects,
            name_prefix,
        };
        if let Some(p) = query.projects.as_mut() {
            p.sort();
            p.dedup();
        }
        query
    }

    fn admits(&self, flag: &ClientFlag) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|ps| ps.contains(&flag.project))
            && self
                .name_prefix
                .as_ref()
                .is_none_or(|prefix| flag.feature.name.starts_with(prefix.as_str()))
    }

    fn etag(&self, environment: &str, revision: i64) -> String {
        let key = format!("{environment}|{:?}|{:?}", self.projects, self.name_prefix);
        let digest = hex::encode(&Sha256::digest(key.as_bytes())[..8]);
        format!("\"{digest}:{revision}:v1\"")
    }
}

async fn features(
    State(state): State<AppState>,
    ClientToken(token): ClientToken,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let snapshot = state.snapshots.load();
    let query = ClientQuery::new(&token, &params);
    let revision = snapshot.revision_of(&token.environment);
    let etag = query.etag(&token.environment, revision);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let body = snapshot.body(&token.environment, &etag, || {
        let document = ClientDocument {
            version: 2,
            features: snapshot
                .environments
                .get(&token.environment)
                .into_iter()
                .flat_map(|flags| flags.values())
                .filter(|f| query.admits(f))
                .map(|f| &f.feature)
                .collect(),
            segments: &snapshot.segments,
            query: json!({
                "project": query.projects.clone().unwrap_or_else(|| vec!["*".to_owned()]),
                "namePrefix": query.name_prefix,
                "environment": token.environment,
                "inlineSegmentConstraints": false
            }),
            meta: json!({"revisionId": revision, "etag": etag}),
        };
        Bytes::from(serde_json::to_vec(&document).unwrap_or_default())
    });
    // SDKs ask for gzip; the gzipped body was made once, with the plain one.
    let wants_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut response = if wants_gzip {
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
            ],
            body.gzip,
        )
            .into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body.plain,
        )
            .into_response()
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// The client-features document, borrowing from the snapshot.
#[derive(Serialize)]
struct ClientDocument<'a> {
    version: u32,
    features: Vec<&'a Feature>,
    segments: &'a [flagstaff_engine::document::Segment],
    query: serde_json::Value,
    meta: serde_json::Value,
}

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
