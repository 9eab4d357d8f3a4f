//! The effective filter of a client request (`project`, `namePrefix`, `tag`
//! narrowed by what the token may see), normalised so that filters selecting
//! the same flags share one ETag and one cached response; and the filter a
//! delta client keeps, as asked, so flags that match later are sent too.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::Arc;

use axum::http::HeaderMap;
use flagstaff_engine::document::Feature;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::ApiToken;
use flagstaff_domain::snapshot::{ClientFlag, FlagMap};
use flagstaff_domain::FlagFilter;
use flagstaff_storage::Tag;

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

    pub(crate) fn etag(&self, environment: &str, revision: i64) -> String {
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

    /// Whether segments are inlined (the SDK predates segments by id).
    pub(crate) fn inline_segments(&self) -> bool {
        self.inline_segments
    }

    /// The effective filter as the document's `query` shows it.
    pub(crate) fn echo<'a>(&'a self, environment: &'a str) -> QueryEcho<'a> {
        QueryEcho {
            environment,
            inline_segment_constraints: self.inline_segments,
            name_prefix: self.name_prefix(),
            project: self
                .projects
                .clone()
                .unwrap_or_else(|| vec!["*".to_owned()]),
            tag: self.tag_echo(),
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

/// The effective filter of a client-features document (its `query`).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryEcho<'a> {
    environment: &'a str,
    inline_segment_constraints: bool,
    name_prefix: Option<&'a str>,
    /// The projects asked for and allowed, `["*"]` for all.
    project: Vec<String>,
    /// The tags asked for, as `[type, value]` pairs.
    #[schema(value_type = Option<Vec<Vec<String>>>)]
    tag: Option<Vec<[&'a str; 2]>>,
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
