//! Flag search (`GET /api/admin/search/features`), the list behind a flag
//! table: text, project, type, creator, tags, state (stale or active),
//! lifecycle stage, archived, sorting and paging with the total. Filters use
//! Unleash's `IS:` / `IS_ANY_OF:` forms (tags also `INCLUDE_ALL_OF:`,
//! `DO_NOT_INCLUDE:`, …). Each result has its environments, tags and
//! lifecycle stage: seven queries whatever the page.
//!
//! Flagstaff records no lifecycle: a flag's stage is derived from what it
//! knows, in SQL (`storage::Lifecycle`): `archived` if archived; else
//! `completed` if marked completed (`…/lifecycle/complete`); else `live`
//! if SDKs reported evaluating it in a `production`-type environment; else
//! `pre-live` if they did in another environment or it is enabled in one;
//! else `initial`. Reports count while the
//! metrics are kept (48 hours by default). `lifecycle=IS:archived` finds
//! archived flags without `archived=IS:true`.

use crate::api::routes::{get, Routes};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use super::filter_values;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::wire::{CreatedBy, FlagMetadata};
use flagstaff_storage::{
    FavoriteKind, FlagEnvironmentRow, FlagRow, FlagSearch, Lifecycle, Tag, TagMatch,
};

pub fn router() -> Routes {
    Routes::new().route("/api/admin/search/features", get(search_features))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct SearchQuery {
    query: Option<String>,
    project: Option<String>,
    #[serde(rename = "type")]
    flag_type: Option<String>,
    state: Option<String>,
    lifecycle: Option<String>,
    archived: Option<String>,
    created_by: Option<String>,
    tag: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

/// One result (Unleash's featureSearchResponseSchema, the parts Flagstaff has).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Found<'a> {
    #[serde(flatten)]
    metadata: FlagMetadata<'a>,
    archived_at: Option<String>,
    created_by: CreatedBy<'a>,
    /// Whether the caller (a personal access token's user) starred it.
    favorite: bool,
    environments: Vec<FoundEnvironment<'a>>,
    tags: &'a [Tag],
    lifecycle: Option<FoundLifecycle<'a>>,
}

/// Unleash's `lifecycle` of a search result: `initial`, `pre-live`, `live`
/// or `archived`, derived from what Flagstaff knows (see the module's comment).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct FoundLifecycle<'a> {
    stage: &'static str,
    entered_stage_at: Option<&'a str>,
}

/// The flag in one environment.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct FoundEnvironment<'a> {
    name: &'a str,
    environment: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    enabled: bool,
    sort_order: i64,
    variant_count: usize,
    has_strategies: bool,
    has_enabled_strategies: bool,
}

/// `tag=OPERATOR:type:value,type:value` (a bare `type:value` is `IS`).
fn tag_filter(text: Option<String>) -> ApiResult<Option<(TagMatch, Vec<Tag>)>> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => TagMatch::parse_filter(&text)
            .map(Some)
            .map_err(ApiError::BadData),
    }
}

/// A page of results and how many flags match in all.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"features": [{"name": "new-checkout", "type": "release",
    "description": "The new checkout flow", "project": "default", "stale": false,
    "impressionData": false, "archived": false, "createdAt": "2025-03-01T09:00:00Z",
    "archivedAt": null, "createdBy": {"name": "admin"}, "favorite": false,
    "environments": [{"name": "production", "environment": "production", "type": "production",
        "enabled": true, "sortOrder": 1, "variantCount": 0, "hasStrategies": true,
        "hasEnabledStrategies": true}],
    "tags": [{"type": "simple", "value": "checkout"}],
    "lifecycle": {"stage": "live", "enteredStageAt": "2025-03-02T10:00:00Z"}}], "total": 1}))]
struct SearchAnswer<'a> {
    features: Vec<Found<'a>>,
    total: i64,
}

#[utoipa::path(
    get,
    path = "/api/admin/search/features",
    summary = "Searches flags by name, project, type, state, tags",
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of the flags that match, and their number", body = SearchAnswer),
        (status = 400, description = "Invalid input"),
    )
)]
async fn search_features(
    State(state): State<AppState>,
    admin: AdminToken,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Response> {
    let (offset, limit) = (query.offset.unwrap_or(0), query.limit.unwrap_or(50));
    if offset < 0 || !(1..=1000).contains(&limit) {
        return Err(ApiError::BadData(
            "limit must be 1–1000 and offset non-negative".to_owned(),
        ));
    }
    let stale = match filter_values(query.state, "state")?.as_deref() {
        None => None,
        Some([one]) if one == "stale" => Some(true),
        Some([one]) if one == "active" => Some(false),
        Some(other) => {
            return Err(ApiError::BadData(format!(
                "state: {other:?} is not stale or active"
            )))
        }
    };
    let lifecycle = filter_values(query.lifecycle, "lifecycle")?
        .map(|stages| {
            stages
                .iter()
                .map(|stage| {
                    Lifecycle::parse(stage).ok_or_else(|| {
                        ApiError::BadData(format!(
                            "lifecycle: {stage:?} is not initial, pre-live, live, completed or archived"
                        ))
                    })
                })
                .collect::<ApiResult<Vec<_>>>()
        })
        .transpose()?;
    let search = FlagSearch {
        text: query.query.filter(|q| !q.trim().is_empty()),
        projects: filter_values(query.project, "project")?,
        types: filter_values(query.flag_type, "type")?,
        created_by: filter_values(query.created_by, "createdBy")?,
        tags: tag_filter(query.tag)?,
        stale,
        lifecycle,
        archived: filter_values(query.archived, "archived")?.is_some_and(|v| v == ["true"]),
        sort_by: query.sort_by.unwrap_or_else(|| "createdAt".to_owned()),
        descending: query.sort_order.as_deref() != Some("asc"),
        offset,
        limit,
    };
    let (flags, total): (Vec<FlagRow>, i64) = state.store.search_flags(&search).await?;
    let names: Vec<&str> = flags.iter().map(|f| f.name.as_str()).collect();
    let environments = state.store.environments().await?;
    let (rows, counts) = state.store.search_details(&names).await?;
    let tags = state.store.tags_of_flags(&names).await?;
    let stages = state.store.lifecycle_stages(&names).await?;
    let favorites = super::favorites::starred(&state, &admin, FavoriteKind::Flag).await?;
    let stages: HashMap<&str, (Lifecycle, Option<&str>)> = stages
        .iter()
        .map(|(name, stage, at)| (name.as_str(), (*stage, at.as_deref())))
        .collect();
    let counts: HashMap<(&str, &str), (i64, i64)> = counts
        .iter()
        .map(|(f, e, all, on)| ((f.as_str(), e.as_str()), (*all, *on)))
        .collect();
    let rows: HashMap<(&str, &str), &FlagEnvironmentRow> = rows
        .iter()
        .map(|r| ((r.feature_name.as_str(), r.environment.as_str()), r))
        .collect();
    let answer = SearchAnswer {
        features: flags
            .iter()
            .map(|f| Found {
                metadata: FlagMetadata::from(f),
                archived_at: f.archived_at.as_ref().map(flagstaff_storage::instant_text),
                created_by: CreatedBy {
                    name: &f.created_by,
                },
                favorite: favorites.contains(&f.name),
                // In the environments' sort order (the order of `environments`).
                environments: environments
                    .iter()
                    .filter_map(|env| {
                        let row = rows.get(&(f.name.as_str(), env.name.as_str()))?;
                        let (all, on) = counts
                            .get(&(f.name.as_str(), env.name.as_str()))
                            .copied()
                            .unwrap_or((0, 0));
                        Some(FoundEnvironment {
                            name: &env.name,
                            environment: &env.name,
                            kind: &env.kind,
                            enabled: row.enabled,
                            sort_order: env.sort_order,
                            variant_count: row.variants.len(),
                            has_strategies: all > 0,
                            has_enabled_strategies: on > 0,
                        })
                    })
                    .collect(),
                tags: tags.get(&f.name).map_or(&[], Vec::as_slice),
                lifecycle: stages
                    .get(f.name.as_str())
                    .map(|(stage, at)| FoundLifecycle {
                        stage: stage.as_str(),
                        entered_stage_at: *at,
                    }),
            })
            .collect(),
        total,
    };
    Ok(Json(answer).into_response())
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(search_features))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: flags", "search")
}
