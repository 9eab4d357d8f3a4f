//! Flag search (`GET /api/admin/search/features`), the list behind a flag
//! table: text, project, type, state (stale or active), archived, sorting and
//! paging with the total. Filters use Unleash's `IS:` / `IS_ANY_OF:` forms.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::filter_values;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{FeatureRow, FlagSearch};
use crate::wire::FlagMetadata;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/search/features", get(search_features))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchQuery {
    query: Option<String>,
    project: Option<String>,
    #[serde(rename = "type")]
    flag_type: Option<String>,
    state: Option<String>,
    archived: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Found<'a> {
    #[serde(flatten)]
    metadata: FlagMetadata<'a>,
    archived_at: Option<&'a str>,
    created_by: &'a str,
}

#[derive(Serialize)]
struct SearchAnswer<'a> {
    features: Vec<Found<'a>>,
    total: i64,
}

async fn search_features(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<serde_json::Value>> {
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
    let search = FlagSearch {
        text: query.query.filter(|q| !q.trim().is_empty()),
        projects: filter_values(query.project, "project")?,
        types: filter_values(query.flag_type, "type")?,
        stale,
        archived: filter_values(query.archived, "archived")?.is_some_and(|v| v == ["true"]),
        sort_by: query.sort_by.unwrap_or_else(|| "createdAt".to_owned()),
        descending: query.sort_order.as_deref() != Some("asc"),
        offset,
        limit,
    };
    let (flags, total): (Vec<FeatureRow>, i64) = state.store.search_flags(&search).await?;
    let answer = SearchAnswer {
        features: flags
            .iter()
            .map(|f| Found {
                metadata: FlagMetadata::from(f),
                archived_at: f.archived_at.as_deref(),
                created_by: &f.created_by,
            })
            .collect(),
        total,
    };
    Ok(Json(crate::wire::to_value(&answer)))
}
