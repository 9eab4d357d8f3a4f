//! A project's health report, insights and DORA lead time (all deprecated in
//! Unleash 8.2.0, and still served), from its flags and the event log.
//! Flagstaff has no project members or modes: those are 0 and `open`.

use std::collections::BTreeMap;

use crate::api::routes::{get, Routes};
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use super::facts::{
    average_days_to_production, days_to_production, ProjectFacts, ProjectStats, TypeCount,
};
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;

pub(super) fn router() -> Routes {
    let at = |tail: &str| format!("/api/admin/projects/{{project}}/{tail}");
    Routes::new()
        .route(&at("health-report"), get(health_report))
        .route(&at("insights"), get(insights))
        .route(&at("dora"), get(dora))
}

/// A live flag as the health report lists it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ReportFlag {
    name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    stale: bool,
    potentially_stale: bool,
    created_at: String,
}

/// Unleash's healthReportSchema (deprecated there). Flagstaff has no project
/// modes or members: `mode` is `open`, `members` 0.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"version": 1, "name": "Default", "description": null,
    "defaultStickiness": "default", "mode": "open", "members": 0, "health": 50,
    "technicalDebt": 50, "environments": ["development", "production"],
    "features": [{"name": "old-banner", "type": "release", "stale": true,
        "potentiallyStale": false, "createdAt": "2025-01-01T09:00:00.000Z"}],
    "potentiallyStaleCount": 0, "activeCount": 1, "staleCount": 1}))]
struct HealthReport {
    version: u8,
    name: String,
    description: Option<String>,
    default_stickiness: &'static str,
    mode: &'static str,
    members: u32,
    health: u32,
    technical_debt: u32,
    environments: Vec<String>,
    features: Vec<ReportFlag>,
    potentially_stale_count: usize,
    active_count: usize,
    stale_count: usize,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/health-report",
    summary = "A project's health report",
    params(("project" = String, Path, description = "A project's id")),
    responses(
        (status = 200, description = "Its live flags and how many are stale", body = HealthReport),
        (status = 404, description = "No such project"),
    )
)]
async fn health_report(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<HealthReport>> {
    let facts = ProjectFacts::read(&state, &project).await?;
    let environments = state.store.project_environments(&facts.id).await?;
    Ok(Json(HealthReport {
        version: 1,
        name: facts.name.clone(),
        description: facts.description.clone(),
        default_stickiness: "default",
        mode: "open",
        members: 0,
        health: facts.health(),
        technical_debt: facts.technical_debt(),
        environments: environments.into_iter().map(|e| e.name).collect(),
        features: facts
            .live
            .iter()
            .map(|f| ReportFlag {
                name: f.name.clone(),
                kind: f.feature_type.as_str(),
                stale: f.stale,
                potentially_stale: facts.potentially_stale(f),
                created_at: flagstaff_storage::instant_text(&f.created_at),
            })
            .collect(),
        potentially_stale_count: facts.potentially_stale_count(),
        active_count: facts.active_count(),
        stale_count: facts.stale_count(),
    }))
}

/// A flag's days from creation to its first enabling in production.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct LeadTimeFlag {
    name: String,
    time_to_production: i64,
}

/// Unleash's projectDoraMetricsSchema (deprecated there): lead time from
/// creation to the first enabling in a `production`-type environment, from
/// the event log; flags never enabled there are not listed.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"projectAverage": 2.5, "features": [{"name": "new-checkout",
    "timeToProduction": 2}, {"name": "dark-mode", "timeToProduction": 3}]}))]
struct Dora {
    project_average: f64,
    features: Vec<LeadTimeFlag>,
}

async fn lead_time(state: &AppState, facts: &ProjectFacts) -> ApiResult<Dora> {
    let features = days_to_production(state, facts)
        .await?
        .into_iter()
        .map(|(name, time_to_production)| LeadTimeFlag {
            name,
            time_to_production,
        })
        .collect();
    Ok(Dora {
        project_average: average_days_to_production(state, facts).await?,
        features,
    })
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/dora",
    summary = "A project's lead time to production",
    params(("project" = String, Path, description = "A project's id")),
    responses(
        (status = 200, description = "Days from creation to production per flag, and their mean", body = Dora),
        (status = 404, description = "No such project"),
    )
)]
async fn dora(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<Dora>> {
    let facts = ProjectFacts::read(&state, &project).await?;
    Ok(Json(lead_time(&state, &facts).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct HealthCounts {
    rating: u32,
    active_count: usize,
    potentially_stale_count: usize,
    stale_count: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Rating {
    rating: u32,
}

/// Flagstaff has no project members: both are 0.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Members {
    current_members: u32,
    change: i32,
}

/// Unleash's projectInsightsSchema (deprecated there).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"stats": {"avgTimeToProdCurrentWindow": 2.0, "createdCurrentWindow": 3,
    "createdPastWindow": 1, "archivedCurrentWindow": 0, "archivedPastWindow": 0,
    "projectActivityCurrentWindow": 12, "projectActivityPastWindow": 4,
    "projectMembersAddedCurrentWindow": 0},
    "health": {"rating": 100, "activeCount": 3, "potentiallyStaleCount": 0, "staleCount": 0},
    "technicalDebt": {"rating": 0}, "leadTime": {"projectAverage": 2.0,
        "features": [{"name": "new-checkout", "timeToProduction": 2}]},
    "featureTypeCounts": [{"type": "release", "count": 3}],
    "members": {"currentMembers": 0, "change": 0}}))]
struct Insights {
    stats: ProjectStats,
    health: HealthCounts,
    technical_debt: Rating,
    lead_time: Dora,
    feature_type_counts: Vec<TypeCount>,
    members: Members,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/insights",
    summary = "A project's insights",
    params(("project" = String, Path, description = "A project's id")),
    responses(
        (status = 200, description = "Stats, health, lead time and flag types", body = Insights),
        (status = 404, description = "No such project"),
    )
)]
async fn insights(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<Insights>> {
    let facts = ProjectFacts::read(&state, &project).await?;
    let mut types: BTreeMap<&str, i64> = BTreeMap::new();
    for f in &facts.live {
        *types.entry(f.feature_type.as_str()).or_default() += 1;
    }
    Ok(Json(Insights {
        stats: facts.stats(&state).await?,
        health: HealthCounts {
            rating: facts.health(),
            active_count: facts.active_count(),
            potentially_stale_count: facts.potentially_stale_count(),
            stale_count: facts.stale_count(),
        },
        technical_debt: Rating {
            rating: facts.technical_debt(),
        },
        lead_time: lead_time(&state, &facts).await?,
        feature_type_counts: types
            .into_iter()
            .map(|(kind, count)| TypeCount {
                kind: kind.to_owned(),
                count,
            })
            .collect(),
        members: Members {
            current_members: 0,
            change: 0,
        },
    }))
}

/// This part of the projects area's OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(health_report, insights, dora))]
    struct Doc;
    Doc::openapi()
}
