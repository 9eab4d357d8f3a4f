//! A project's overview and status, computed from its flags, events and SDK
//! reports (its health report, insights and lead time are in `health.rs`). What
//! Unleash reports and Flagstaff cannot know (members, owners, change
//! requests, favourites) is answered empty or zero, as each schema says.

use crate::api::routes::{get, Routes};
use axum::extract::{Path, State};
use axum::Json;
use chrono::Duration;
use serde::Serialize;

use super::facts::{onboarding, OnboardingStatus, ProjectFacts, ProjectStats, TypeCount};
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_storage::FavoriteKind;

pub(super) fn router() -> Routes {
    let at = |tail: &str| format!("/api/admin/projects/{{project}}/{tail}");
    Routes::new()
        .route(&at("overview"), get(overview))
        .route(&at("status"), get(status))
}

/// An environment of the project. Flagstaff has no change requests:
/// `changeRequestEnabled` is always false.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct OverviewEnvironment {
    environment: String,
    change_request_enabled: bool,
}

/// Unleash's projectOverviewSchema. Flagstaff has no project modes, flag
/// limits, naming patterns, link templates, members or favourites: `mode` is
/// `open`, the others null, empty, 0 or false.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"stats": {"avgTimeToProdCurrentWindow": 2.0, "createdCurrentWindow": 3,
    "createdPastWindow": 1, "archivedCurrentWindow": 0, "archivedPastWindow": 0,
    "projectActivityCurrentWindow": 12, "projectActivityPastWindow": 4,
    "projectMembersAddedCurrentWindow": 0}, "version": 1, "name": "Default",
    "description": "Default project", "defaultStickiness": "default", "mode": "open",
    "featureLimit": null, "linkTemplates": [], "members": 0, "health": 100, "technicalDebt": 0,
    "environments": [{"environment": "production", "changeRequestEnabled": false}],
    "featureTypeCounts": [{"type": "release", "count": 3}], "favorite": false,
    "onboardingStatus": {"status": "onboarded"}}))]
struct ProjectOverview {
    stats: ProjectStats,
    version: u8,
    name: String,
    description: Option<String>,
    default_stickiness: &'static str,
    mode: &'static str,
    feature_limit: Option<u32>,
    link_templates: Vec<String>,
    members: u32,
    health: u32,
    technical_debt: u32,
    environments: Vec<OverviewEnvironment>,
    feature_type_counts: Vec<TypeCount>,
    /// Whether the caller (a personal access token's user) starred it.
    favorite: bool,
    onboarding_status: OnboardingStatus,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/overview",
    summary = "A project's overview",
    params(("project" = String, Path, description = "A project's id")),
    responses(
        (status = 200, description = "Its stats, health, environments and flag types", body = ProjectOverview),
        (status = 404, description = "No such project"),
    )
)]
async fn overview(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<ProjectOverview>> {
    let facts = ProjectFacts::read(&state, &project).await?;
    let environments = state.store.project_environments(&facts.id).await?;
    let counts = state.store.flag_type_counts(&facts.id).await?;
    Ok(Json(ProjectOverview {
        stats: facts.stats(&state).await?,
        version: 1,
        name: facts.name.clone(),
        description: facts.description.clone(),
        default_stickiness: "default",
        mode: "open",
        feature_limit: None,
        link_templates: Vec::new(),
        members: 0,
        health: facts.health(),
        technical_debt: facts.technical_debt(),
        environments: environments
            .into_iter()
            .map(|e| OverviewEnvironment {
                environment: e.name,
                change_request_enabled: false,
            })
            .collect(),
        feature_type_counts: counts
            .into_iter()
            .map(|(kind, count)| TypeCount { kind, count })
            .collect(),
        favorite: super::super::favorites::starred(&state, &admin, FavoriteKind::Project)
            .await?
            .contains(&facts.id),
        onboarding_status: onboarding(&state, &facts).await?,
    }))
}

/// A day and how many events the project had on it.
#[derive(Serialize, utoipa::ToSchema)]
struct DayCount {
    date: String,
    count: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Current {
    current: u32,
}

/// What the project holds. Flagstaff has no project members: `members` is 0.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Resources {
    members: u32,
    api_tokens: usize,
    segments: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Total {
    total: usize,
}

/// How many flags are in a lifecycle stage. Flagstaff derives stages rather
/// than recording when flags entered them: `averageDays` is always null.
#[derive(Serialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "camelCase")]
struct Stage {
    average_days: Option<f64>,
    current_flags: usize,
}

#[derive(Serialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "camelCase")]
struct LifecycleSummary {
    initial: Stage,
    pre_live: Stage,
    live: Stage,
    completed: Stage,
    archived: Stage,
}

/// Unleash's projectStatusSchema: events per day over the last year, health,
/// resources, stale flags and the lifecycle stages of its flags.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"activityCountByDate": [{"date": "2025-03-01", "count": 4}],
    "health": {"current": 100}, "technicalDebt": {"current": 0},
    "resources": {"members": 0, "apiTokens": 1, "segments": 0}, "staleFlags": {"total": 0},
    "lifecycleSummary": {"initial": {"averageDays": null, "currentFlags": 1},
        "preLive": {"averageDays": null, "currentFlags": 0},
        "live": {"averageDays": null, "currentFlags": 2},
        "completed": {"averageDays": null, "currentFlags": 0},
        "archived": {"averageDays": null, "currentFlags": 0}}}))]
struct ProjectStatus {
    activity_count_by_date: Vec<DayCount>,
    health: Current,
    technical_debt: Current,
    resources: Resources,
    stale_flags: Total,
    lifecycle_summary: LifecycleSummary,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/status",
    summary = "A project's status",
    params(("project" = String, Path, description = "A project's id")),
    responses(
        (status = 200, description = "Activity, health, resources and lifecycle", body = ProjectStatus),
        (status = 404, description = "No such project"),
    )
)]
async fn status(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<ProjectStatus>> {
    use flagstaff_storage::Lifecycle;
    let facts = ProjectFacts::read(&state, &project).await?;
    let since = facts.now - Duration::days(365);
    let activity = state.store.project_events_per_day(&facts.id, since).await?;
    let api_tokens = state
        .store
        .tokens()
        .await?
        .iter()
        .filter(|t| t.projects.contains(&facts.id))
        .count();
    let segments = state
        .store
        .segments()
        .await?
        .iter()
        .filter(|s| s.project.as_deref() == Some(facts.id.as_str()))
        .count();
    let names: Vec<&str> = facts
        .live
        .iter()
        .chain(&facts.archived)
        .map(|f| f.name.as_str())
        .collect();
    let mut lifecycle = LifecycleSummary::default();
    for (_, stage, _) in state.store.lifecycle_stages(&names).await? {
        let counted = match stage {
            Lifecycle::Initial => &mut lifecycle.initial,
            Lifecycle::PreLive => &mut lifecycle.pre_live,
            Lifecycle::Live => &mut lifecycle.live,
            Lifecycle::Completed => &mut lifecycle.completed,
            Lifecycle::Archived => &mut lifecycle.archived,
        };
        counted.current_flags += 1;
    }
    Ok(Json(ProjectStatus {
        activity_count_by_date: activity
            .into_iter()
            .map(|(date, count)| DayCount { date, count })
            .collect(),
        health: Current {
            current: facts.health(),
        },
        technical_debt: Current {
            current: facts.technical_debt(),
        },
        resources: Resources {
            members: 0,
            api_tokens,
            segments,
        },
        stale_flags: Total {
            total: facts.stale_count(),
        },
        lifecycle_summary: lifecycle,
    }))
}

/// This part of the projects area's OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(overview, status))]
    struct Doc;
    Doc::openapi()
}
