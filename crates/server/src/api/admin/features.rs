//! Flags: create, read, update (PUT and JSON Patch), archive, revive, delete,
//! and switching a flag on or off in an environment.

use std::collections::HashMap;

use crate::api::routes::{delete, get, post, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::feature_json;
use super::heavy::{item, paged_json, Page, PAGE};
use crate::api::{ApiJson, ApiObject};
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    ArchiveFlag, CreateFlag, DeleteFlag, Edit, EnvironmentName, FeatureName, FlagType, ProjectId,
    ReviveFlag, SwitchEnvironment, TagInput, UpdateFlag,
};
use flagstaff_domain::wire::{FlagMetadata, FlagView};
use flagstaff_storage::{
    EnvironmentRow, FeatureEnvironmentRow, FeatureRow, FlagPage, StrategyRow, Tag,
};

pub fn router() -> Routes {
    let feature = "/api/admin/projects/{project}/features/{feature}";
    Routes::new()
        .route(
            "/api/admin/projects/{project}/features",
            get(list).post(create),
        )
        .route(feature, get(read).put(replace).patch(patch).delete(archive))
        .route(
            &format!("{feature}/environments/{{environment}}/on"),
            post(switch_on),
        )
        .route(
            &format!("{feature}/environments/{{environment}}/off"),
            post(switch_off),
        )
        .route("/api/admin/archive/features", get(list_archived))
        .route("/api/admin/features", get(list_all))
        .route("/api/admin/archive/revive/{feature}", post(revive))
        .route("/api/admin/archive/{feature}", delete(delete_archived))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    #[serde(default, rename = "type")]
    feature_type: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    impression_data: Option<bool>,
    /// Tags as `{"type", "value"}`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    tags: Vec<TagInput>,
}

#[derive(Serialize)]
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
    features: &'a [FeatureRow],
    environments: &'a [EnvironmentRow],
    rows: &'a [FeatureEnvironmentRow],
    strategies: &'a [StrategyRow],
    tags: &'a HashMap<String, Vec<Tag>>,
) -> Vec<FlagView<'a>> {
    let mut rows_of: HashMap<&str, Vec<&FeatureEnvironmentRow>> = HashMap::new();
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

/// The path's project and flag.
fn flag_path((project, feature): (String, String)) -> ApiResult<(ProjectId, FeatureName)> {
    Ok((
        ProjectId::in_path(&project)?,
        FeatureName::in_path(&feature)?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features",
    summary = "A project's flags, a page at a time with limit",
    params(ListQuery),
    responses(
        (status = 200, description = "OK", body = Object),
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
            project_page(reader.clone(), project.clone(), page, |view| item(view))
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

/// One page of a project's live flags, each serialised by `serialise`, and the
/// page after it when this one is full.
async fn project_page(
    state: AppState,
    project: String,
    page: FlagPage,
    serialise: fn(&FlagView<'_>) -> ApiResult<Vec<u8>>,
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
        .map(serialise)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((items, next))
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features",
    summary = "Creates a flag",
    request_body = CreateBody,
    responses(
        (status = 201, description = "Created", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<CreateBody>,
) -> ApiResult<Response> {
    let operation = CreateFlag {
        name: FeatureName::parse(&body.name)?,
        flag_type: FlagType::parse(body.feature_type.as_deref().unwrap_or("release"))?,
        project: ProjectId::in_path(&project)?,
        description: body.description,
        impression_data: body.impression_data.unwrap_or(false),
        tags: body.tags,
    };
    let feature = state.apply(&admin.actor(), operation).await?;
    Ok((
        StatusCode::CREATED,
        Json(feature_json(&state, &feature).await?),
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/features/{feature}",
    summary = "One flag, with its environments, strategies, tags, links and dependencies",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let feature = state.store.live_feature(&project, &name).await?;
    Ok(Json(feature_json(&state, &feature).await?))
}

async fn update(
    state: AppState,
    admin: AdminToken,
    path: (String, String),
    edit: Edit<Value>,
) -> ApiResult<Json<Value>> {
    let (project, name) = flag_path(path)?;
    let operation = UpdateFlag {
        project,
        name,
        edit,
    };
    let feature = state.apply(&admin.actor(), operation).await?;
    Ok(Json(feature_json(&state, &feature).await?))
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/features/{feature}",
    summary = "Replaces a flag's fields",
    request_body = Object,
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    update(state, admin, path, Edit::Replace(body)).await
}

#[utoipa::path(
    patch,
    path = "/api/admin/projects/{project}/features/{feature}",
    summary = "Changes a flag's fields with JSON Patch",
    request_body = [Object],
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn patch(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
    ApiJson(operations): ApiJson<json_patch::Patch>,
) -> ApiResult<Json<Value>> {
    update(state, admin, path, Edit::Patch(operations)).await
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/features/{feature}",
    summary = "Archives a flag",
    responses(
        (status = 202, description = "Accepted"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn archive(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (project, name) = flag_path(path)?;
    state
        .apply(&admin.actor(), ArchiveFlag { project, name })
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// Every live flag of every project, with its environments (Unleash's
/// deprecated flat list, which scripts still call): a bounded number of
/// queries per project.
#[utoipa::path(
    get,
    path = "/api/admin/features",
    summary = "Every live flag of every project",
    responses(
        (status = 200, description = "OK", body = Object),
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
            let (items, next) = project_page(state, project.clone(), page, |view| {
                item(&flagstaff_domain::wire::to_value(view))
            })
            .await?;
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
        (status = 200, description = "OK", body = Object),
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
                .archived_features_page(after.as_deref(), PAGE)
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

#[utoipa::path(
    post,
    path = "/api/admin/archive/revive/{feature}",
    summary = "Revives an archived flag",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn revive(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let name = FeatureName::in_path(&name)?;
    state.apply(&admin.actor(), ReviveFlag { name }).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/archive/{feature}",
    summary = "Deletes an archived flag",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn delete_archived(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let name = FeatureName::in_path(&name)?;
    state.apply(&admin.actor(), DeleteFlag { name }).await?;
    Ok(StatusCode::OK)
}

/// Answers the flag, as Unleash 8 does.
async fn switch(
    state: AppState,
    admin: AdminToken,
    (project, name, environment): (String, String, String),
    enabled: bool,
) -> ApiResult<Json<Value>> {
    let operation = SwitchEnvironment {
        project: ProjectId::in_path(&project)?,
        name: FeatureName::in_path(&name)?,
        environment: EnvironmentName::in_path(&environment)?,
        enabled,
    };
    let project = operation.project.clone();
    let name = operation.name.clone();
    state.apply(&admin.actor(), operation).await?;
    let feature = state.store.live_feature(&project, &name).await?;
    Ok(Json(feature_json(&state, &feature).await?))
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/on",
    summary = "Turns a flag on in an environment",
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn switch_on(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    switch(state, admin, path, true).await
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/environments/{environment}/off",
    summary = "Turns a flag off in an environment",
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn switch_off(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(path): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    switch(state, admin, path, false).await
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        list,
        create,
        read,
        replace,
        patch,
        archive,
        switch_on,
        switch_off,
        list_archived,
        list_all,
        revive,
        delete_archived
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: flags", "flags")
}
