//! What Unleash's UI asks about change requests: counts, the open, the
//! caller's pending, the actionable, the scheduled, those pending for a
//! flag, who may review, and the search across projects.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::views;
use crate::api::admin::filter_value;
use crate::api::routes::{get, Routes};
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::RootRole;
use flagstaff_domain::wire::change_requests::ChangeRequestView;
use flagstaff_storage::{ChangeRequestRow, ChangeRequestState};

const BASE: &str = "/api/admin/projects/{project}/change-requests";

pub fn router() -> Routes {
    Routes::new()
        .route(&format!("{BASE}/count"), get(count))
        .route(&format!("{BASE}/open"), get(open))
        .route(&format!("{BASE}/pending"), get(pending))
        .route(&format!("{BASE}/actionable"), get(actionable))
        .route(&format!("{BASE}/scheduled"), get(scheduled))
        .route(
            &format!("{BASE}/pending/{{feature}}"),
            get(pending_for_flag),
        )
        .route(
            &format!("{BASE}/available-reviewers/{{environment}}"),
            get(available_reviewers),
        )
        .route("/api/admin/search/change-requests", get(search))
}

/// How many requests a project has in each state (Unleash's changeRequestsCountSchema).
#[derive(Serialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"total": 3, "draft": 0, "reviewRequired": 1, "approved": 1,
    "scheduled": 0, "applied": 1, "rejected": 0, "cancelled": 0}))]
struct ChangeRequestCounts {
    total: usize,
    draft: usize,
    review_required: usize,
    approved: usize,
    scheduled: usize,
    applied: usize,
    rejected: usize,
    cancelled: usize,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/count",
    summary = "How many change requests a project has in each state",
    responses((status = 200, description = "The counts", body = ChangeRequestCounts))
)]
async fn count(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<ChangeRequestCounts>> {
    let mut counts = ChangeRequestCounts::default();
    for row in state.store.change_requests(Some(&project)).await? {
        counts.total += 1;
        *match row.state {
            ChangeRequestState::Draft => &mut counts.draft,
            ChangeRequestState::InReview => &mut counts.review_required,
            ChangeRequestState::Approved => &mut counts.approved,
            ChangeRequestState::Scheduled => &mut counts.scheduled,
            ChangeRequestState::Applied => &mut counts.applied,
            ChangeRequestState::Rejected => &mut counts.rejected,
            ChangeRequestState::Cancelled => &mut counts.cancelled,
        } += 1;
    }
    Ok(Json(counts))
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/open",
    summary = "A project's change requests that are not applied, cancelled or rejected",
    responses((status = 200, description = "The open change requests", body = Vec<ChangeRequestView>,
            example = json!([{"id": 1, "title": "Change request #1", "environment": "production", "project": "default", "state": "In review", "minApprovals": 1, "createdBy": {"id": 2, "username": "alice", "imageUrl": null}, "createdAt": "2026-12-07T10:00:00.000Z", "features": [], "approvals": [], "rejections": [], "comments": [], "requestedApprovers": []}])))
)]
async fn open(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<ChangeRequestView>>> {
    Ok(Json(
        views(&state, Some(&project), |r| !r.state.is_closed()).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/pending",
    summary = "The caller's open change requests in a project",
    responses((status = 200, description = "The caller's open change requests", body = Vec<ChangeRequestView>,
            example = json!([{"id": 1, "title": "Change request #1", "environment": "production", "project": "default", "state": "In review", "minApprovals": 1, "createdBy": {"id": 2, "username": "alice", "imageUrl": null}, "createdAt": "2026-12-07T10:00:00.000Z", "features": [], "approvals": [], "rejections": [], "comments": [], "requestedApprovers": []}])))
)]
async fn pending(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<ChangeRequestView>>> {
    let mine = |r: &ChangeRequestRow| !r.state.is_closed() && r.created_by == admin.name;
    Ok(Json(views(&state, Some(&project), mine).await?))
}

/// How many requests wait for the caller (Unleash's actionable count).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"total": 2}))]
struct ActionableCount {
    total: usize,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/actionable",
    summary = "How many change requests the caller can act on: others' to review, approved ones to apply",
    responses((status = 200, description = "The count", body = ActionableCount))
)]
async fn actionable(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<ActionableCount>> {
    let total = state
        .store
        .change_requests(Some(&project))
        .await?
        .iter()
        .filter(|r| match r.state {
            ChangeRequestState::InReview => r.created_by != admin.name,
            ChangeRequestState::Approved => true,
            _ => false,
        })
        .count();
    Ok(Json(ActionableCount { total }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct ScheduledQuery {
    /// Only requests changing this flag.
    #[serde(default)]
    feature: Option<String>,
    /// Only requests changing this strategy.
    #[serde(default)]
    strategy_id: Option<String>,
}

/// A scheduled request (Unleash's changeRequestScheduledResultSchema item).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ScheduledRequest {
    id: i64,
    environment: String,
    title: String,
    scheduled_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/scheduled",
    summary = "A project's scheduled change requests, optionally those changing a flag or strategy",
    params(ScheduledQuery),
    responses((status = 200, description = "The scheduled requests", body = Vec<ScheduledRequest>,
        example = json!([{"id": 4, "environment": "production", "title": "Launch", "scheduledAt": "2026-12-24T08:00:00.000Z"}])))
)]
async fn scheduled(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
    Query(query): Query<ScheduledQuery>,
) -> ApiResult<Json<Vec<ScheduledRequest>>> {
    let mut list = Vec::new();
    for row in state.store.change_requests(Some(&project)).await? {
        if row.state != ChangeRequestState::Scheduled {
            continue;
        }
        let changes = state.store.change_request_changes(row.id).await?;
        let matches = changes.iter().any(|c| {
            query.feature.as_ref().is_none_or(|f| *f == c.feature_name)
                && query
                    .strategy_id
                    .as_ref()
                    .is_none_or(|id| c.payload.get("id").and_then(|v| v.as_str()) == Some(id))
        });
        if matches {
            list.push(ScheduledRequest {
                id: row.id,
                environment: row.environment,
                title: row.title,
                scheduled_at: row.scheduled_at,
            });
        }
    }
    Ok(Json(list))
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/pending/{feature}",
    summary = "A project's open change requests that change a flag",
    responses((status = 200, description = "The open change requests changing the flag", body = Vec<ChangeRequestView>,
            example = json!([{"id": 1, "title": "Change request #1", "environment": "production", "project": "default", "state": "In review", "minApprovals": 1, "createdBy": {"id": 2, "username": "alice", "imageUrl": null}, "createdAt": "2026-12-07T10:00:00.000Z", "features": [], "approvals": [], "rejections": [], "comments": [], "requestedApprovers": []}])))
)]
async fn pending_for_flag(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
) -> ApiResult<Json<Vec<ChangeRequestView>>> {
    let mut list = views(&state, Some(&project), |r| !r.state.is_closed()).await?;
    list.retain(|r| r.features.iter().any(|f| f.name == feature));
    Ok(Json(list))
}

/// A user who may review (Unleash's userSchema, in part).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Reviewer {
    id: i64,
    username: String,
    name: Option<String>,
    email: Option<String>,
    image_url: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/change-requests/available-reviewers/{environment}",
    summary = "The users who may review change requests (active Admins and Editors)",
    responses((status = 200, description = "The users", body = Vec<Reviewer>,
        example = json!([{"id": 3, "username": "bob", "name": "Bob", "email": "bob@example.com", "imageUrl": null}])))
)]
async fn available_reviewers(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((project, environment)): Path<(String, String)>,
) -> ApiResult<Json<Vec<Reviewer>>> {
    crate::api::admin::check_project_environment(&state, &project, &environment).await?;
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.deactivated_at.is_none() && u.root_role != RootRole::Viewer)
        .map(|u| Reviewer {
            id: u.id,
            username: u.username,
            name: u.name,
            email: u.email,
            image_url: None,
        })
        .collect();
    Ok(Json(users))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct SearchQuery {
    /// `IS:<username>`: requests made by this user.
    #[serde(default)]
    created_by: Option<String>,
    /// `IS:<state>`: requests in this state (e.g. `In review`).
    #[serde(default)]
    state: Option<String>,
    /// `IS:<project>`.
    #[serde(default)]
    project: Option<String>,
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    limit: Option<usize>,
}

/// A page of change requests and how many match in all.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"changeRequests": [], "total": 0}))]
struct ChangeRequestSearch {
    change_requests: Vec<ChangeRequestView>,
    total: usize,
}

#[utoipa::path(
    get,
    path = "/api/admin/search/change-requests",
    summary = "Searches change requests across projects",
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of matching change requests, newest first", body = ChangeRequestSearch),
        (status = 400, description = "Invalid filter"),
    )
)]
async fn search(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<ChangeRequestSearch>> {
    let created_by = filter_value(query.created_by, "createdBy")?;
    let wanted_state = filter_value(query.state, "state")?;
    let project = filter_value(query.project, "project")?;
    let matching: Vec<ChangeRequestRow> = state
        .store
        .change_requests(project.as_deref())
        .await?
        .into_iter()
        .filter(|r| created_by.as_ref().is_none_or(|c| *c == r.created_by))
        .filter(|r| wanted_state.as_ref().is_none_or(|s| s == r.state.as_str()))
        .collect();
    let total = matching.len();
    let limit = query.limit.unwrap_or(50).min(1000);
    let mut change_requests = Vec::new();
    for row in matching
        .into_iter()
        .skip(query.offset.unwrap_or(0))
        .take(limit)
    {
        change_requests.push(super::view(&state, row).await?);
    }
    Ok(Json(ChangeRequestSearch {
        change_requests,
        total,
    }))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        count,
        open,
        pending,
        actionable,
        scheduled,
        pending_for_flag,
        available_reviewers,
        search
    ))]
    struct Doc;
    crate::api::openapi::area(
        Doc::openapi(),
        "Admin: change requests",
        "change_request_lists",
    )
}
