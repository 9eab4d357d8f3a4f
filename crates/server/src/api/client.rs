//! The client API that backend SDKs poll: `GET /api/client/features` and
//! `GET /api/client/features/:featureName`, served from the snapshot of the
//! token's environment, filtered to its projects (and the query's `project`,
//! `namePrefix` and `tag`). `If-None-Match` with the
//! current ETag is answered with 304 before any flag is looked at, and each
//! distinct response is serialised once per revision.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use flagstaff_engine::document::{Feature, Segment};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::{ApiToken, ClientToken};
use crate::delta::FlagFilter;
use crate::error::{ApiError, ApiResult};
use crate::response_cache::CachedBody;
use crate::snapshot::{ClientFlag, FlagMap};
use crate::state::AppState;
use crate::storage::Tag;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/client/features", get(features))
        .route("/api/client/features/{name}", get(feature))
}

/// The effective filter of a request: what the token may see, narrowed by the
/// query, and normalised to what can make a difference, so that filters that
/// select the same flags share one ETag and one cached response: projects
/// that do not exist are dropped, and a name prefix is replaced by the
/// longest prefix common to the flags it matches (or "matches nothing").
pub(crate) struct ClientQuery {
    projects: Option<Vec<String>>,
    prefix: Prefix,
    /// The `namePrefix` as asked (what a flag created later must match).
    asked_prefix: Option<String>,
    tags: Tags,
    /// The `tag`s as asked (what a flag tagged later must match).
    asked_tags: Option<Vec<Tag>>,
    /// For SDKs older than client specification 4.2.0 (or that do not say):
    /// each segment's constraints inlined into the strategies, as Unleash does.
    inline_segments: bool,
}

/// Whether the SDK predates segments by id: its `Unleash-Client-Spec` header
/// is absent, unreadable, or below 4.2.0 (Unleash's rule).
pub(crate) fn wants_inline_segments(headers: &HeaderMap) -> bool {
    headers
        .get("unleash-client-spec")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| semver::Version::parse(v.trim()).ok())
        .is_none_or(|v| v < semver::Version::new(4, 2, 0))
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

/// The `tag` filter (`tag=type:value`, repeatable): flags with any of them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tags {
    /// No `tag`.
    Any,
    /// The tags asked that exist, sorted (one that does not exist selects nothing).
    Some(Vec<Tag>),
    /// No tag asked exists: nothing is selected.
    Nothing,
}

/// The `tag` values of a query as tags (`None` without any); one that is not
/// `type:value` names no tag.
fn asked_tags(params: &[(String, String)]) -> Option<Vec<Tag>> {
    let mut asked = params.iter().filter(|(k, _)| k == "tag").peekable();
    asked.peek()?;
    Some(
        asked
            .filter_map(|(_, v)| v.split_once(':'))
            .map(|(t, v)| Tag::new(t, v))
            .collect(),
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Prefix {
    /// No `namePrefix`.
    Any,
    /// The flags whose names start with this, which is the longest prefix
    /// common to them all (so it names exactly that set).
    Common(String),
    /// The prefix matches no flag.
    Nothing,
}

/// The first string after every string that starts with `prefix`, if any.
fn past_prefix(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The flags of `flags` whose names start with `prefix`, in name order.
fn starting_with<'a>(
    flags: &'a FlagMap,
    prefix: &str,
) -> impl DoubleEndedIterator<Item = &'a Arc<ClientFlag>> + 'a {
    let upper = match past_prefix(prefix) {
        Some(end) => Bound::Excluded(end),
        None => Bound::Unbounded,
    };
    flags
        .range::<(Bound<String>, Bound<String>), String>((
            Bound::Included(prefix.to_owned()),
            upper,
        ))
        .map(|(_, flag)| flag)
}

impl ClientQuery {
    pub(crate) fn new(
        token: &ApiToken,
        params: &[(String, String)],
        flags: Option<&FlagMap>,
        existing: &BTreeSet<String>,
        existing_tags: &BTreeSet<Tag>,
        inline_segments: bool,
    ) -> Self {
        let asked: Vec<String> = params
            .iter()
            .filter(|(k, _)| k == "project" || k == "project[]")
            .map(|(_, v)| v.clone())
            .filter(|p| existing.contains(p))
            .collect();
        let named_any = params
            .iter()
            .any(|(k, _)| k == "project" || k == "project[]");
        let mut projects = match (token.all_projects(), named_any) {
            (true, false) => None,
            (true, true) => Some(asked),
            (false, false) => Some(token.projects.clone()),
            // A query cannot widen a scoped token.
            (false, true) => Some(
                asked
                    .into_iter()
                    .filter(|p| token.sees_project(p))
                    .collect(),
            ),
        };
        if let Some(p) = projects.as_mut() {
            p.sort();
            p.dedup();
        }
        let asked_prefix = params
            .iter()
            .find(|(k, v)| k == "namePrefix" && !v.is_empty())
            .map(|(_, v)| v.clone());
        let prefix = match params.iter().find(|(k, _)| k == "namePrefix") {
            Some((_, asked)) if !asked.is_empty() => {
                let mut matched = flags.into_iter().flat_map(|f| starting_with(f, asked));
                match (matched.next(), matched.next_back()) {
                    (Some(first), last) => {
                        let (a, b) = (&first.feature.name, &last.unwrap_or(first).feature.name);
                        let common = a
                            .char_indices()
                            .zip(b.chars())
                            .find(|((_, x), y)| x != y)
                            .map_or(a.len().min(b.len()), |((at, _), _)| at);
                        Prefix::Common(a[..common].to_owned())
                    }
                    (None, _) => Prefix::Nothing,
                }
            }
            _ => Prefix::Any,
        };
        let asked_tags = asked_tags(params);
        let tags = match &asked_tags {
            None => Tags::Any,
            Some(asked) => {
                let mut known: Vec<Tag> = asked
                    .iter()
                    .filter(|t| existing_tags.contains(*t))
                    .cloned()
                    .collect();
                known.sort();
                known.dedup();
                if known.is_empty() {
                    Tags::Nothing
                } else {
                    Tags::Some(known)
                }
            }
        };
        ClientQuery {
            projects,
            prefix,
            asked_prefix,
            tags,
            asked_tags,
            inline_segments,
        }
    }

    fn admits(&self, flag: &ClientFlag) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|ps| ps.contains(&flag.project))
            && match &self.tags {
                Tags::Any => true,
                Tags::Some(tags) => flag.has_any_tag(tags),
                Tags::Nothing => false,
            }
    }

    /// The flags this filter selects, in name order; the work is
    /// proportional to the flags the prefix matches.
    pub(crate) fn select<'a>(&'a self, flags: Option<&'a FlagMap>) -> Vec<&'a Feature> {
        let Some(flags) = flags else {
            return Vec::new();
        };
        let candidates: Box<dyn Iterator<Item = &Arc<ClientFlag>>> = match &self.prefix {
            Prefix::Any => Box::new(flags.values()),
            Prefix::Common(prefix) => Box::new(starting_with(flags, prefix)),
            Prefix::Nothing => Box::new(std::iter::empty()),
        };
        candidates
            .filter(|f| self.admits(f))
            .map(|f| &f.feature)
            .collect()
    }

    fn name_prefix(&self) -> Option<&str> {
        match &self.prefix {
            Prefix::Common(p) => Some(p),
            Prefix::Any | Prefix::Nothing => None,
        }
    }

    /// A short digest of the environment and this filter: responses that
    /// differ only in revision share it.
    pub(crate) fn digest(&self, environment: &str) -> String {
        let key = format!(
            "{environment}|{:?}|{:?}|{:?}|{}",
            self.projects, self.prefix, self.tags, self.inline_segments
        );
        hex::encode(&Sha256::digest(key.as_bytes())[..8])
    }

    fn etag(&self, environment: &str, revision: i64) -> String {
        format!("\"{}:{revision}:v1\"", self.digest(environment))
    }

    /// The filter as it was asked, for the delta API and streams.
    pub(crate) fn delta_filter(&self) -> DeltaFilter {
        DeltaFilter {
            projects: self.projects.clone(),
            prefix: self.asked_prefix.clone(),
            tags: self.asked_tags.clone(),
        }
    }

    /// The tag filter as the document's `query` echoes it: `[[type, value]]`.
    fn tag_echo(&self) -> Option<Vec<[&str; 2]>> {
        match &self.tags {
            Tags::Any => None,
            Tags::Some(tags) => Some(
                tags.iter()
                    .map(|t| [t.tag_type.as_str(), t.value.as_str()])
                    .collect(),
            ),
            Tags::Nothing => Some(Vec::new()),
        }
    }
}

/// Which flags a delta client sees: its projects, its `namePrefix` and its
/// tags as asked, so a flag created (or tagged) later that matches is sent too.
#[derive(Debug, Clone)]
pub(crate) struct DeltaFilter {
    projects: Option<Vec<String>>,
    prefix: Option<String>,
    tags: Option<Vec<Tag>>,
}

impl FlagFilter for DeltaFilter {
    fn admits(&self, name: &str, project: &str) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|ps| ps.iter().any(|p| p == project))
            && self
                .prefix
                .as_ref()
                .is_none_or(|p| name.starts_with(p.as_str()))
    }

    fn admits_tags(&self, flag: &ClientFlag) -> bool {
        self.tags.as_ref().is_none_or(|tags| flag.has_any_tag(tags))
    }
}

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
                features: if query.inline_segments {
                    let segments: HashMap<i64, &Segment> =
                        snapshot.segments.iter().map(|s| (s.id, s)).collect();
                    selected
                        .into_iter()
                        .map(|f| Cow::Owned(inlined(f, &segments)))
                        .collect()
                } else {
                    selected.into_iter().map(Cow::Borrowed).collect()
                },
                segments: (!query.inline_segments).then_some(&snapshot.segments[..]),
                query: json!({
                    "project": query.projects.clone().unwrap_or_else(|| vec!["*".to_owned()]),
                    "namePrefix": query.name_prefix(),
                    "tag": query.tag_echo(),
                    "environment": token.environment,
                    "inlineSegmentConstraints": query.inline_segments
                }),
                meta: json!({"revisionId": revision, "etag": etag}),
            };
            Bytes::from(serde_json::to_vec(&document).unwrap_or_default())
        })
        .await;
    Ok(cached_json(&headers, body, &etag))
}

/// A cached JSON body with its ETag, gzipped when the client accepts it (the
/// gzipped form was made once, with the plain one).
pub(crate) fn cached_json(headers: &HeaderMap, body: CachedBody, etag: &str) -> Response {
    let wants_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
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
#[derive(Serialize)]
struct ClientDocument<'a> {
    version: u32,
    features: Vec<Cow<'a, Feature>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    segments: Option<&'a [Segment]>,
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
