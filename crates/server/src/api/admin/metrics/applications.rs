//! The applications seen through register and metrics
//! (`/api/admin/metrics/applications[/:app]`), and the flags SDKs reported
//! that do not exist (`/api/admin/metrics/unknown-flags`).

use std::collections::{BTreeMap, BTreeSet};

use crate::api::routes::{get, Routes};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(super) fn router() -> Routes {
    Routes::new()
        .route("/api/admin/metrics/applications", get(applications))
        .route("/api/admin/metrics/applications/{app}", get(application))
        .route("/api/admin/metrics/unknown-flags", get(unknown_flags))
}

/// `?offset=&limit=` (default: the first 1,000).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Paging {
    offset: Option<i64>,
    limit: Option<i64>,
}

impl Paging {
    fn bounds(&self) -> ApiResult<(i64, i64)> {
        let (offset, limit) = (self.offset.unwrap_or(0), self.limit.unwrap_or(1000));
        if offset < 0 || !(1..=1000).contains(&limit) {
            return Err(ApiError::BadData(
                "limit must be 1–1000 and offset non-negative".to_owned(),
            ));
        }
        Ok((offset, limit))
    }
}

/// Unleash's applicationsSchema: a page of applications, and how many there are.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"total": 1, "applications": [{"appName": "checkout-service",
    "description": null, "url": null, "color": null, "icon": null,
    "usage": [{"project": "default", "environments": ["development", "production"]}]}]}))]
struct Applications {
    total: i64,
    applications: Vec<ApplicationSummary>,
}

/// An application in the list. Flagstaff keeps no description, URL, colour
/// or icon: they are always null.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ApplicationSummary {
    app_name: String,
    description: Option<String>,
    url: Option<String>,
    color: Option<String>,
    icon: Option<String>,
    usage: Vec<ApplicationUsage>,
}

/// Where an application was seen: every environment, under the default project.
#[derive(Serialize, utoipa::ToSchema)]
struct ApplicationUsage {
    project: &'static str,
    environments: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/api/admin/metrics/applications",
    summary = "The applications seen",
    params(Paging),
    responses(
        (status = 200, description = "A page of applications, by name", body = Applications),
        (status = 400, description = "Invalid input"),
    )
)]
async fn applications(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(paging): Query<Paging>,
) -> ApiResult<Json<Applications>> {
    let (offset, limit) = paging.bounds()?;
    let (apps, total) = state.store.applications(offset, limit).await?;
    let applications = apps
        .into_iter()
        .map(|(app_name, environments)| ApplicationSummary {
            app_name,
            description: None,
            url: None,
            color: None,
            icon: None,
            usage: vec![ApplicationUsage {
                project: "default",
                environments,
            }],
        })
        .collect();
    Ok(Json(Applications {
        total,
        applications,
    }))
}

/// Most instances one application's page lists.
const MAX_INSTANCES_SHOWN: i64 = 1000;

/// One application: its instances (most recently seen first), the strategies
/// they implement and the flags it reported.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"appName": "checkout-service", "description": null, "url": null,
    "color": null, "icon": null, "strategies": ["default", "flexibleRollout"],
    "instances": [{"instanceId": "checkout-7f9c", "environment": "production",
        "sdkVersion": "unleash-client-node:6.1.0", "started": "2025-03-01T09:00:00.000Z",
        "interval": 15000, "lastSeen": "2025-03-01T09:14:00.000Z",
        "strategies": ["default", "flexibleRollout"]}],
    "seenToggles": ["new-checkout"], "links": {}}))]
struct Application {
    app_name: String,
    description: Option<String>,
    url: Option<String>,
    color: Option<String>,
    icon: Option<String>,
    strategies: BTreeSet<String>,
    instances: Vec<Instance>,
    seen_toggles: Vec<String>,
    /// Links by name (Flagstaff has none).
    links: BTreeMap<String, String>,
}

/// An SDK instance as it registered, and when it was last heard from.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Instance {
    instance_id: String,
    environment: String,
    sdk_version: Option<String>,
    started: Option<String>,
    /// Its metrics interval in milliseconds.
    interval: Option<i64>,
    last_seen: String,
    strategies: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/api/admin/metrics/applications/{app}",
    summary = "One application and its instances",
    responses(
        (status = 200, description = "The application", body = Application),
    )
)]
async fn application(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(app): Path<String>,
) -> ApiResult<Json<Application>> {
    let instances: Vec<Instance> = state
        .store
        .instances_of(&app, MAX_INSTANCES_SHOWN)
        .await?
        .into_iter()
        .map(|(i, last_seen)| Instance {
            instance_id: i.instance_id,
            environment: i.environment,
            sdk_version: i.sdk_version,
            started: i.started.as_ref().map(flagstaff_storage::instant_text),
            interval: i.interval_ms,
            last_seen: flagstaff_storage::instant_text(&last_seen),
            strategies: i.strategies,
        })
        .collect();
    if instances.is_empty() {
        return Err(ApiError::NotFound(format!(
            "Could not find application {app}"
        )));
    }
    let strategies = instances
        .iter()
        .flat_map(|i| i.strategies.iter().cloned())
        .collect();
    let seen_toggles = state.store.flags_seen_by(&app).await?;
    Ok(Json(Application {
        app_name: app,
        description: None,
        url: None,
        color: None,
        icon: None,
        strategies,
        instances,
        seen_toggles,
        links: BTreeMap::new(),
    }))
}

/// Flags SDKs reported that do not exist, most recently seen first.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"unknownFlags": [{"name": "new-chekout", "appName": "checkout-service",
    "environment": "production", "seenAt": "2025-03-01T09:14:00.000Z"}]}))]
struct UnknownFlags {
    unknown_flags: Vec<UnknownFlagView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct UnknownFlagView {
    name: String,
    app_name: String,
    environment: String,
    seen_at: String,
}

/// Flags SDKs reported but that do not exist (Unleash 7's unknown flags),
/// most recently seen first; the list is capped in size.
#[utoipa::path(
    get,
    path = "/api/admin/metrics/unknown-flags",
    summary = "Flags SDKs asked about that do not exist",
    responses(
        (status = 200, description = "At most 1,000, most recently seen first", body = UnknownFlags),
    )
)]
async fn unknown_flags(
    State(state): State<AppState>,
    _admin: AdminToken,
) -> ApiResult<Json<UnknownFlags>> {
    let unknown_flags = state
        .store
        .unknown_flags(1000)
        .await?
        .into_iter()
        .map(|f| UnknownFlagView {
            name: f.name,
            app_name: f.app_name,
            environment: f.environment,
            seen_at: flagstaff_storage::instant_text(&f.last_seen),
        })
        .collect();
    Ok(Json(UnknownFlags { unknown_flags }))
}

/// This part of the metrics area's OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(applications, application, unknown_flags))]
    struct Doc;
    Doc::openapi()
}
