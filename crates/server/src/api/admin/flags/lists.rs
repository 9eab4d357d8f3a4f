//! The lists of flags: a project's (a page at a time with `limit`), every
//! project's, and the archived ones. Unpaged lists are read and sent a page
//! at a time (`heavy`).

use std::collections::HashMap;

use crate::api::routes::{get, Routes};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::super::heavy::{item, paged_json, Page, PAGE};
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::wire::{FlagMetadata, FlagView};
use flagstaff_storage::{EnvironmentRow, FlagEnvironmentRow, FlagPage, FlagRow, StrategyRow, Tag};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/projects/{project}/features", get(list))
        .route("/api/admin/archive/features", get(list_archived))
        .route("/api/admin/features", get(list_all))
}

/// A list of flags (live ones as [`FlagView`], archived ones as [`FlagMetadata`]).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct FlagList<T> {
    version: u8,
    features: Vec<T>,
    /// With `limit`: the `after` that asks for the next page, when this one is full.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_after: Option<String>,
}

/// `?limit=&offset=&after=`: without `limit`, every flag (as Unleash answers).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    after: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

impl ListQuery {
    fn page(self) -> ApiResult<FlagPage> {
        let offset = self.offset.unwrap_or(0);
        if offset < 0 || self.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
            return Err(ApiError::BadData(
                "limit must be 1–1000 and offset non-negative".to_owned(),
            ));
        }
        Ok(FlagPage {
            after: self.after,
            offset,
            limit: self.limit,
        })
    }
}

/// Views of `features` from the rows of a flag page (grouped by flag, by reference).
fn flag_views<'a>(
    features: &'a [FlagRow],
    environments: &'a [EnvironmentRow],
    rows: &'a [FlagEnvironmentRow],
    strategies: &'a [StrategyRow],
    tags: &'a HashMap<String, Vec<Tag>>,
) -> Vec<FlagView<'a>> {
    let mut rows_of: HashMap<&str, Vec<&FlagEnvironmentRow>> = HashMap::new();
    for row in rows {
        rows_of.entry(&row.feature_name).or_default().push(row);
    }
    let mut strategies_of: HashMap<&str, Vec<&StrategyRow>> = HashMap::new();
    for strategy in strategies {
        strategies_of
            .entry(&strategy.feature_name)
            .or_default()
            .push(strategy);
    }
    features
        .iter()
        .map(|feature| {
            let name = feature.name.as_str();
            FlagView::new(
                feature,
                environments,
                rows_of.get(name).map_or(&[], Vec::as_slice),
                strategies_of.get(name).map_or(&[], Vec::as_slice),
            )
            .with_tags(tags.get(name).map_or(&[], Vec::as_slice))
        })
        .collect()
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features",
    summary = "A project's flags, a page at a time with limit",
    params(ListQuery),
    responses(
        (status = 200, description = "The project's live flags", body = FlagList<FlagView>,
            example = json!({"version": 2, "features": [{"name": "new-checkout", "type": "release",
            "description": null, "project": "default", "stale": false, "impressionData": false,
            "archived": false, "createdAt": "2025-03-01T09:00:00Z", "enabled": false, "archivedAt": null,
            "createdBy": {"name": "admin"}, "environments": [{"name": "production",
            "environment": "production", "type": "production", "enabled": true, "sortOrder": 1,
            "variantCount": 0, "strategies": [], "variants": [], "hasStrategies": false,
            "hasEnabledStrategies": false}], "variants": [], "tags": [], "children": [],
            "dependencies": []}]})),
        (status = 503, description = "Too many long lists are being answered; retry after Retry-After"),
        (status = 400, description = "Invalid input"),
    )
)]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Response> {
    let page = query.page()?;
    if !state.store.project_exists(&project).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {project}"
        )));
    }
    if page.limit.is_none() {
        // Every flag (as Unleash answers): a page at a time, streamed when long.
        let first = FlagPage {
            limit: Some(PAGE),
            ..page
        };
        let reader = state.clone();
        return paged_json(&state, HEAD, TAIL, first, move |page| {
            project_page(reader.clone(), project.clone(), page)
        })
        .await;
    }
    // Six queries whatever the number of flags (tags: one per 500).
    let environments = state.store.project_environments(&project).await?;
    let (features, rows, strategies) = state.store.project_flag_page(&project, &page).await?;
    let names: Vec<&str> = features.iter().map(|f| f.name.as_str()).collect();
    let tags = state.store.tags_of_flags(&names).await?;
    let next_after = match (page.limit, features.last()) {
        (Some(limit), Some(last)) if features.len() as i64 == limit => Some(last.name.clone()),
        _ => None,
    };
    let features = flag_views(&features, &environments, &rows, &strategies, &tags);
    Ok(Json(FlagList {
        version: 2,
        features,
        next_after,
    })
    .into_response())
}

/// What the unpaged flag lists answer around their flags.
const HEAD: &str = r#"{"version":2,"features":["#;
const TAIL: &str = "]}";

/// One page of a project's live flags, each serialised, and the page after it
/// when this one is full.
async fn project_page(
    state: AppState,
    project: String,
    page: FlagPage,
) -> ApiResult<Page<FlagPage>> {
    let environments = state.store.project_environments(&project).await?;
    let (features, rows, strategies) = state.store.project_flag_page(&project, &page).await?;
    let names: Vec<&str> = features.iter().map(|f| f.name.as_str()).collect();
    let tags = state.store.tags_of_flags(&names).await?;
    let next = match (page.limit, features.last()) {
        (Some(limit), Some(last)) if features.len() as i64 == limit => Some(FlagPage {
            after: Some(last.name.clone()),
            offset: 0,
            limit: page.limit,
        }),
        _ => None,
    };
    let items = flag_views(&features, &environments, &rows, &strategies, &tags)
        .iter()
        .map(item)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((items, next))
}

/// Every live flag of every project, with its environments (Unleash's
/// deprecated flat list, which scripts still call): a bounded number of
/// queries per project.
#[utoipa::path(
    get,
    path = "/api/admin/features",
    summary = "Every live flag of every project",
    responses(
        (status = 200, description = "Every live flag", body = FlagList<FlagView>,
            example = json!({"version": 2, "features": [{"name": "new-checkout", "type": "release",
            "description": null, "project": "default", "stale": false, "impressionData": false,
            "archived": false, "createdAt": "2025-03-01T09:00:00Z", "enabled": false, "archivedAt": null,
            "createdBy": {"name": "admin"}, "environments": [{"name": "production",
            "environment": "production", "type": "production", "enabled": true, "sortOrder": 1,
            "variantCount": 0, "strategies": [], "variants": [], "hasStrategies": false,
            "hasEnabledStrategies": false}], "variants": [], "tags": [], "children": [],
            "dependencies": []}]})),
        (status = 503, description = "Too many long lists are being answered; retry after Retry-After"),
    )
)]
async fn list_all(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let projects: Vec<String> = state
        .store
        .projects()
        .await?
        .into_iter()
        .map(|(project, _, _)| project)
        .collect();
    let first_page = || FlagPage {
        limit: Some(PAGE),
        ..FlagPage::default()
    };
    let reader = state.clone();
    // Project by project, a page at a time.
    paged_json(&state, HEAD, TAIL, (0, first_page()), move |(at, page)| {
        let (state, projects) = (reader.clone(), projects.clone());
        async move {
            let Some(project) = projects.get(at) else {
                return Ok((Vec::new(), None));
            };
            let (items, next) = project_page(state, project.clone(), page).await?;
            let next = match next {
                Some(page) => Some((at, page)),
                None if at + 1 < projects.len() => Some((at + 1, first_page())),
                None => None,
            };
            Ok((items, next))
        }
    })
    .await
}

#[utoipa::path(
    get,
    path = "/api/admin/archive/features",
    summary = "The archived flags",
    responses(
        (status = 200, description = "The archived flags", body = FlagList<FlagMetadata>,
            example = json!({"version": 2, "features": [{"name": "old-checkout", "type": "release",
                "description": null, "project": "default", "stale": false, "impressionData": false,
                "archived": true, "createdAt": "2024-11-02T10:00:00Z"}]})),
        (status = 503, description = "Too many long lists are being answered; retry after Retry-After"),
    )
)]
async fn list_archived(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let reader = state.clone();
    paged_json(&state, HEAD, TAIL, None, move |after: Option<String>| {
        let state = reader.clone();
        async move {
            let archived = state
                .store
                .archived_flags_page(after.as_deref(), PAGE)
                .await?;
            let next = match archived.last() {
                Some(last) if archived.len() as i64 == PAGE => Some(Some(last.name.clone())),
                _ => None,
            };
            let items = archived
                .iter()
                .map(|f| item(&FlagMetadata::from(f)))
                .collect::<ApiResult<Vec<_>>>()?;
            Ok((items, next))
        }
    })
    .await
}

/// This part of the flags' OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, list_all, list_archived))]
    struct Doc;
    Doc::openapi()
}
