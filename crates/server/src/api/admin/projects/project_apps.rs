//! A project's applications (those whose SDKs reported metrics for its
//! flags), their outdated SDKs, and who created its flags.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::routes::{get, Routes};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::facts::ProjectFacts;
use crate::api::admin::metrics::OutdatedSdks;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(super) fn router() -> Routes {
    let at = |tail: &str| format!("/api/admin/projects/{{project}}/{tail}");
    Routes::new()
        .route(&at("applications"), get(applications))
        .route(&at("sdks/outdated"), get(outdated_sdks))
        .route(&at("flag-creators"), get(flag_creators))
}

/// `?query=&offset=&limit=&sortOrder=` (by name; default the first 50, ascending).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct AppQuery {
    /// Part of the application's name, any case.
    query: Option<String>,
    offset: Option<String>,
    limit: Option<String>,
    /// `asc` or `desc`.
    sort_order: Option<String>,
}

/// An SDK an application runs, and its versions.
#[derive(Serialize, utoipa::ToSchema)]
struct Sdk {
    name: String,
    versions: BTreeSet<String>,
}

/// An application that reported metrics for a flag of the project.
#[derive(Serialize, utoipa::ToSchema)]
struct ProjectApplication {
    name: String,
    environments: BTreeSet<String>,
    instances: BTreeSet<String>,
    sdks: Vec<Sdk>,
}

/// Unleash's projectApplicationsSchema.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"total": 1, "applications": [{"name": "checkout-service",
    "environments": ["production"], "instances": ["checkout-7f9c"],
    "sdks": [{"name": "unleash-client-node", "versions": ["6.1.0"]}]}]}))]
struct ProjectApplications {
    total: usize,
    applications: Vec<ProjectApplication>,
}

fn number(text: Option<&str>, default: usize, field: &str) -> ApiResult<usize> {
    match text {
        None => Ok(default),
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::BadData(format!("{field} must be a non-negative whole number"))),
    }
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/applications",
    summary = "The applications that use a project's flags",
    params(("project" = String, Path, description = "A project's id"), AppQuery),
    responses(
        (status = 200, description = "A page of applications, by name", body = ProjectApplications),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "No such project"),
    )
)]
async fn applications(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
    Query(query): Query<AppQuery>,
) -> ApiResult<Json<ProjectApplications>> {
    let offset = number(query.offset.as_deref(), 0, "offset")?;
    let limit = number(query.limit.as_deref(), 50, "limit")?;
    let descending = match query.sort_order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            return Err(ApiError::BadData(
                "sortOrder must be asc or desc".to_owned(),
            ))
        }
    };
    let facts = ProjectFacts::read(&state, &project).await?;
    let needle = query.query.unwrap_or_default().to_lowercase();
    let mut apps: BTreeMap<String, ProjectApplication> = BTreeMap::new();
    for report in state.store.project_flag_reports(&facts.id).await? {
        if !report.app_name.to_lowercase().contains(&needle) {
            continue;
        }
        apps.entry(report.app_name.clone())
            .or_insert_with(|| ProjectApplication {
                name: report.app_name,
                environments: BTreeSet::new(),
                instances: BTreeSet::new(),
                sdks: Vec::new(),
            })
            .environments
            .insert(report.environment);
    }
    for sighting in state.store.sdk_sightings(None).await? {
        let Some(app) = apps.get_mut(&sighting.app_name) else {
            continue;
        };
        if !app.environments.contains(&sighting.environment) {
            continue;
        }
        app.instances.insert(sighting.instance_id);
        if let Some((name, version)) = sighting
            .sdk_version
            .as_deref()
            .and_then(|v| v.split_once(':'))
        {
            match app.sdks.iter_mut().find(|s| s.name == name) {
                Some(sdk) => {
                    sdk.versions.insert(version.to_owned());
                }
                None => app.sdks.push(Sdk {
                    name: name.to_owned(),
                    versions: BTreeSet::from([version.to_owned()]),
                }),
            }
        }
    }
    let total = apps.len();
    let mut applications: Vec<ProjectApplication> = apps.into_values().collect();
    if descending {
        applications.reverse();
    }
    for app in &mut applications {
        app.sdks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let applications = applications.into_iter().skip(offset).take(limit).collect();
    Ok(Json(ProjectApplications {
        total,
        applications,
    }))
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/sdks/outdated",
    summary = "Outdated SDK versions among a project's applications",
    params(("project" = String, Path, description = "A project's id")),
    responses(
        (status = 200, description = "Each outdated SDK version that applications using the project's flags registered", body = OutdatedSdks),
        (status = 404, description = "No such project"),
    )
)]
async fn outdated_sdks(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<OutdatedSdks>> {
    let facts = ProjectFacts::read(&state, &project).await?;
    let apps: BTreeSet<String> = state
        .store
        .project_flag_reports(&facts.id)
        .await?
        .into_iter()
        .map(|r| r.app_name)
        .collect();
    let sightings = state.store.sdk_sightings(None).await?;
    Ok(Json(OutdatedSdks::of(
        sightings.iter().filter(|s| apps.contains(&s.app_name)),
    )))
}

/// A user who created a flag of the project.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": 2, "name": "Ada Lovelace"}))]
struct FlagCreator {
    id: i64,
    name: String,
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/flag-creators",
    summary = "The users who created a project's flags",
    description = "Users (by their personal access tokens or the web UI) who created its flags, \
        live or archived, by id. Flags created with API tokens have no user and are not counted.",
    params(("project" = String, Path, description = "A project's id")),
    responses(
        (status = 200, description = "The creators, by id", body = [FlagCreator],
            example = json!([{"id": 2, "name": "Ada Lovelace"}])),
        (status = 404, description = "No such project"),
    )
)]
async fn flag_creators(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<FlagCreator>>> {
    let facts = ProjectFacts::read(&state, &project).await?;
    let names: BTreeSet<&str> = facts
        .live
        .iter()
        .chain(&facts.archived)
        .map(|f| f.created_by.as_str())
        .collect();
    let mut creators: Vec<FlagCreator> = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| names.contains(u.username.as_str()))
        .map(|u| FlagCreator {
            id: u.id,
            name: u.name.clone().unwrap_or(u.username),
        })
        .collect();
    creators.sort_by_key(|c| c.id);
    Ok(Json(creators))
}

/// This part of the projects area's OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(applications, outdated_sdks, flag_creators))]
    struct Doc;
    Doc::openapi()
}
