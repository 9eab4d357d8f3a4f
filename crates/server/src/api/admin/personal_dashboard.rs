//! The caller's personal dashboard (`/api/admin/personal-dashboard[/:project]`):
//! the flags they created, the projects those are in, the instance's admins,
//! and one project's health, onboarding and latest events. The caller is the
//! personal access token's user, or the API token (by the name the event log
//! gives it). Flagstaff has no project members, owners or roles, and no favourites here:
//! those are answered empty, with owners as Unleash's `system` owner.

use std::collections::BTreeMap;

use crate::api::routes::{get, Routes};
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use super::projects::facts::{onboarding, OnboardingStatus, ProjectFacts};
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_storage::RootRole;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/personal-dashboard", get(dashboard))
        .route(
            "/api/admin/personal-dashboard/{project}",
            get(project_dashboard),
        )
}

/// An owner: Flagstaff has no project owners, so always Unleash's `system`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Owner {
    owner_type: &'static str,
}

fn system_owner() -> Vec<Owner> {
    vec![Owner {
        owner_type: "system",
    }]
}

/// A user with the Admin root role.
#[derive(Serialize, utoipa::ToSchema)]
struct Admin {
    id: i64,
    name: Option<String>,
    username: String,
    email: Option<String>,
}

/// A project with one of the caller's flags.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct DashboardProject {
    id: String,
    name: String,
    health: u32,
    /// Flagstaff has no project members: always 0.
    member_count: u32,
    feature_count: usize,
    owners: Vec<Owner>,
}

/// A live flag the caller created.
#[derive(Serialize, utoipa::ToSchema)]
struct DashboardFlag {
    name: String,
    project: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// Unleash's personalDashboardSchema.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"admins": [{"id": 1, "name": "Ada Lovelace", "username": "ada",
    "email": "ada@example.com"}], "projectOwners": [],
    "projects": [{"id": "default", "name": "Default", "health": 100, "memberCount": 0,
        "featureCount": 3, "owners": [{"ownerType": "system"}]}],
    "flags": [{"name": "new-checkout", "project": "default", "type": "release"}]}))]
struct PersonalDashboard {
    admins: Vec<Admin>,
    /// Flagstaff has no project owners: always empty.
    project_owners: Vec<Owner>,
    projects: Vec<DashboardProject>,
    flags: Vec<DashboardFlag>,
}

#[utoipa::path(
    get,
    path = "/api/admin/personal-dashboard",
    summary = "The caller's flags and projects",
    description = "The live flags the caller (the personal access token's user, or the API token) \
        created, the projects they are in, and the instance's admins.",
    responses(
        (status = 200, description = "The caller's dashboard", body = PersonalDashboard),
    )
)]
async fn dashboard(
    State(state): State<AppState>,
    admin: AdminToken,
) -> ApiResult<Json<PersonalDashboard>> {
    let flags: Vec<DashboardFlag> = state
        .store
        .flags(None, false)
        .await?
        .into_iter()
        .filter(|f| f.created_by == admin.name)
        .map(|f| DashboardFlag {
            name: f.name,
            project: f.project,
            kind: f.feature_type.as_str(),
        })
        .collect();
    let mut projects = BTreeMap::new();
    for flag in &flags {
        if !projects.contains_key(&flag.project) {
            let facts = ProjectFacts::read(&state, &flag.project).await?;
            projects.insert(
                flag.project.clone(),
                DashboardProject {
                    health: facts.health(),
                    member_count: 0,
                    feature_count: facts.live.len(),
                    owners: system_owner(),
                    id: facts.id,
                    name: facts.name,
                },
            );
        }
    }
    let admins = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.root_role == RootRole::Admin && u.deactivated_at.is_none())
        .map(|u| Admin {
            id: u.id,
            name: u.name,
            username: u.username,
            email: u.email,
        })
        .collect();
    Ok(Json(PersonalDashboard {
        admins,
        project_owners: Vec::new(),
        projects: projects.into_values().collect(),
        flags,
    }))
}

/// A project's flags and health now; Flagstaff keeps no health history, so
/// the 30-day windows' averages are null.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct DashboardInsights {
    avg_health_current_window: Option<f64>,
    avg_health_past_window: Option<f64>,
    total_flags: usize,
    potentially_stale_flags: usize,
    stale_flags: usize,
    health: u32,
}

/// One of the project's latest events.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct LatestEvent {
    id: i64,
    summary: String,
    created_by: String,
    /// Flagstaff keeps no images: always null.
    created_by_image_url: Option<String>,
    created_at: String,
}

/// Unleash's personalDashboardProjectDetailsSchema.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"insights": {"avgHealthCurrentWindow": null, "avgHealthPastWindow": null,
    "totalFlags": 3, "potentiallyStaleFlags": 0, "staleFlags": 1, "health": 67},
    "onboardingStatus": {"status": "onboarded"},
    "latestEvents": [{"id": 42, "summary": "feature-created by admin: new-checkout",
        "createdBy": "admin", "createdByImageUrl": null, "createdAt": "2025-03-01T09:00:00.000Z"}],
    "owners": [{"ownerType": "system"}], "roles": []}))]
struct ProjectDashboard {
    insights: DashboardInsights,
    onboarding_status: OnboardingStatus,
    latest_events: Vec<LatestEvent>,
    owners: Vec<Owner>,
    /// Flagstaff has no project roles: always empty.
    roles: Vec<String>,
}

/// How many of the newest events a project's dashboard shows.
const LATEST_EVENTS: i64 = 10;

#[utoipa::path(
    get,
    path = "/api/admin/personal-dashboard/{project}",
    summary = "One project on the caller's dashboard",
    params(("project" = String, Path, description = "A project's id")),
    responses(
        (status = 200, description = "Its health, onboarding and latest events", body = ProjectDashboard),
        (status = 404, description = "No such project"),
    )
)]
async fn project_dashboard(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<ProjectDashboard>> {
    let facts = ProjectFacts::read(&state, &project).await?;
    let latest_events = state
        .store
        .latest_project_events(&facts.id, LATEST_EVENTS)
        .await?
        .into_iter()
        .map(|(id, kind, created_by, at)| LatestEvent {
            id,
            summary: format!("{kind} by {created_by}"),
            created_by,
            created_by_image_url: None,
            created_at: flagstaff_storage::instant_text(&at),
        })
        .collect();
    Ok(Json(ProjectDashboard {
        insights: DashboardInsights {
            avg_health_current_window: None,
            avg_health_past_window: None,
            total_flags: facts.live.len(),
            potentially_stale_flags: facts.potentially_stale_count(),
            stale_flags: facts.stale_count(),
            health: facts.health(),
        },
        onboarding_status: onboarding(&state, &facts).await?,
        latest_events,
        owners: system_owner(),
        roles: Vec::new(),
    }))
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(dashboard, project_dashboard))]
    struct Doc;
    crate::api::openapi::area(
        Doc::openapi(),
        "Admin: personal dashboard",
        "personal_dashboard",
    )
}
