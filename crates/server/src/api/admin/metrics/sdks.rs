//! What the SDK instances of an application tell: its overview (projects,
//! environments, instances, SDKs and what looks wrong), its instances in one
//! environment, and the SDK versions in use that Unleash calls outdated.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::routes::{get, Routes};
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_storage::SdkSighting;

pub(super) fn router() -> Routes {
    Routes::new()
        .route(
            "/api/admin/metrics/applications/{app}/overview",
            get(application_overview),
        )
        .route(
            "/api/admin/metrics/instances/{app}/environment/{environment}",
            get(environment_instances),
        )
        .route("/api/admin/metrics/sdks/outdated", get(outdated_sdks))
}

/// The oldest version of each SDK that Unleash does not call outdated (its
/// list as of 8.2.0, by the name the SDK registers with).
const MINIMUM_SDK_VERSIONS: &[(&str, &str)] = &[
    ("unleash-client-node", "5.3.2"),
    ("unleash-client-nextjs", "1.6.2"),
    ("unleash-client-java", "9.2.0"),
    ("unleash-client-go", "4.1.0"),
    ("unleash-client-python", "5.11.0"),
    ("unleash-client-ruby", "5.0.0"),
    ("unleash-client-dotnet", "4.1.3"),
    ("unleash-client-php", "2.3.0"),
    ("unleash-node-sdk", "6.6.0"),
    ("unleash-nextjs-sdk", "1.6.2"),
    ("unleash-java-sdk", "11.0.2"),
    ("unleash-go-sdk", "5.0.3"),
    ("unleash-python-sdk", "6.3.0"),
    ("unleash-ruby-sdk", "6.3.1"),
    ("unleash-dotnet-sdk", "5.3.0"),
];

/// Whether an SDK's `name:version` is older than the minimum for its name.
/// Unknown SDKs, and versions that are not semantic versions, are not outdated.
pub(crate) fn is_outdated(sdk_version: &str) -> bool {
    let Some((name, version)) = sdk_version.split_once(':') else {
        return false;
    };
    let Some((_, minimum)) = MINIMUM_SDK_VERSIONS.iter().find(|(n, _)| *n == name) else {
        return false;
    };
    match (
        semver::Version::parse(version),
        semver::Version::parse(minimum),
    ) {
        (Ok(version), Ok(minimum)) => version < minimum,
        _ => false,
    }
}

/// An outdated SDK version and the applications running it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutdatedSdk {
    sdk_version: String,
    applications: BTreeSet<String>,
}

/// Unleash's outdatedSdksSchema.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"sdks": [{"sdkVersion": "unleash-client-node:4.0.0",
    "applications": ["checkout-service"]}]}))]
pub(crate) struct OutdatedSdks {
    sdks: Vec<OutdatedSdk>,
}

impl OutdatedSdks {
    /// The outdated versions among these sightings, by version.
    pub(crate) fn of<'a>(sightings: impl IntoIterator<Item = &'a SdkSighting>) -> OutdatedSdks {
        let mut by_version: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for s in sightings {
            if let Some(version) = s.sdk_version.as_deref().filter(|v| is_outdated(v)) {
                by_version
                    .entry(version.to_owned())
                    .or_default()
                    .insert(s.app_name.clone());
            }
        }
        OutdatedSdks {
            sdks: by_version
                .into_iter()
                .map(|(sdk_version, applications)| OutdatedSdk {
                    sdk_version,
                    applications,
                })
                .collect(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/admin/metrics/sdks/outdated",
    summary = "SDK versions in use that are outdated",
    responses(
        (status = 200, description = "Each outdated SDK version registered, with the applications running it", body = OutdatedSdks),
    )
)]
async fn outdated_sdks(
    State(state): State<AppState>,
    _admin: AdminToken,
) -> ApiResult<Json<OutdatedSdks>> {
    let sightings = state.store.sdk_sightings(None).await?;
    Ok(Json(OutdatedSdks::of(&sightings)))
}

/// An instance in one environment.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct EnvironmentInstance {
    instance_id: String,
    sdk_version: Option<String>,
    /// Flagstaff does not keep instances' addresses: always null.
    client_ip: Option<String>,
    last_seen: String,
}

/// Unleash's applicationEnvironmentInstancesSchema.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"instances": [{"instanceId": "checkout-7f9c",
    "sdkVersion": "unleash-client-node:6.1.0", "clientIp": null,
    "lastSeen": "2025-03-01T09:14:00.000Z"}]}))]
struct EnvironmentInstances {
    instances: Vec<EnvironmentInstance>,
}

#[utoipa::path(
    get,
    path = "/api/admin/metrics/instances/{app}/environment/{environment}",
    summary = "An application's instances in one environment",
    params(
        ("app" = String, Path, description = "An application's name"),
        ("environment" = String, Path, description = "An environment's name"),
    ),
    responses(
        (status = 200, description = "The instances, by id", body = EnvironmentInstances),
        (status = 404, description = "No instance of that application was seen"),
    )
)]
async fn environment_instances(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((app, environment)): Path<(String, String)>,
) -> ApiResult<Json<EnvironmentInstances>> {
    let sightings = state.store.sdk_sightings(Some(&app)).await?;
    if sightings.is_empty() {
        return Err(ApiError::NotFound(format!(
            "Could not find application {app}"
        )));
    }
    let instances = sightings
        .into_iter()
        .filter(|s| s.environment == environment)
        .map(|s| EnvironmentInstance {
            instance_id: s.instance_id,
            sdk_version: s.sdk_version,
            client_ip: None,
            last_seen: flagstaff_storage::instant_text(&s.last_seen),
        })
        .collect();
    Ok(Json(EnvironmentInstances { instances }))
}

/// What looks wrong with an application or one of its environments.
#[derive(Serialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "camelCase")]
struct Issues {
    /// Flags it reported that do not exist.
    missing_features: BTreeSet<String>,
    /// Flagstaff does not compare strategies with what instances implement: always empty.
    missing_strategies: Vec<String>,
    /// Its outdated SDK versions.
    outdated_sdks: BTreeSet<String>,
}

/// One environment of an application.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct OverviewEnvironment {
    name: String,
    instance_count: usize,
    sdks: BTreeSet<String>,
    last_seen: String,
    issues: Issues,
}

/// Unleash's applicationOverviewSchema.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"projects": ["default"], "featureCount": 2,
    "environments": [{"name": "production", "instanceCount": 1,
        "sdks": ["unleash-client-node:6.1.0"], "lastSeen": "2025-03-01T09:14:00.000Z",
        "issues": {"missingFeatures": [], "missingStrategies": [], "outdatedSdks": []}}],
    "issues": {"missingFeatures": ["new-chekout"], "missingStrategies": [], "outdatedSdks": []}}))]
struct ApplicationOverview {
    projects: BTreeSet<String>,
    feature_count: usize,
    environments: Vec<OverviewEnvironment>,
    issues: Issues,
}

#[utoipa::path(
    get,
    path = "/api/admin/metrics/applications/{app}/overview",
    summary = "An application's overview",
    params(("app" = String, Path, description = "An application's name")),
    responses(
        (status = 200, description = "Its projects, flags, environments and issues", body = ApplicationOverview),
        (status = 404, description = "No instance of that application was seen"),
    )
)]
async fn application_overview(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(app): Path<String>,
) -> ApiResult<Json<ApplicationOverview>> {
    let sightings = state.store.sdk_sightings(Some(&app)).await?;
    if sightings.is_empty() {
        return Err(ApiError::NotFound(format!(
            "Could not find application {app}"
        )));
    }
    let seen = state.store.flags_seen_by(&app).await?;
    let flags: BTreeMap<String, String> = state
        .store
        .flags(None, false)
        .await?
        .into_iter()
        .map(|f| (f.name, f.project))
        .collect();
    let projects = seen.iter().filter_map(|n| flags.get(n).cloned()).collect();
    let unknown: Vec<_> = state
        .store
        .unknown_flags(1000)
        .await?
        .into_iter()
        .filter(|f| f.app_name == app)
        .collect();
    let mut environments: BTreeMap<String, OverviewEnvironment> = BTreeMap::new();
    for s in &sightings {
        let env = environments
            .entry(s.environment.clone())
            .or_insert_with(|| OverviewEnvironment {
                name: s.environment.clone(),
                instance_count: 0,
                sdks: BTreeSet::new(),
                last_seen: String::new(),
                issues: Issues::default(),
            });
        env.instance_count += 1;
        env.last_seen = env
            .last_seen
            .clone()
            .max(flagstaff_storage::instant_text(&s.last_seen));
        if let Some(version) = &s.sdk_version {
            env.sdks.insert(version.clone());
            if is_outdated(version) {
                env.issues.outdated_sdks.insert(version.clone());
            }
        }
    }
    for f in &unknown {
        if let Some(env) = environments.get_mut(&f.environment) {
            env.issues.missing_features.insert(f.name.clone());
        }
    }
    let issues = Issues {
        missing_features: unknown.iter().map(|f| f.name.clone()).collect(),
        missing_strategies: Vec::new(),
        outdated_sdks: environments
            .values()
            .flat_map(|e| e.issues.outdated_sdks.iter().cloned())
            .collect(),
    };
    Ok(Json(ApplicationOverview {
        projects,
        feature_count: seen.iter().filter(|n| flags.contains_key(*n)).count(),
        environments: environments.into_values().collect(),
        issues,
    }))
}

/// This part of the metrics area's OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(outdated_sdks, environment_instances, application_overview))]
    struct Doc;
    Doc::openapi()
}

#[cfg(test)]
mod tests {
    use super::is_outdated;

    #[test]
    fn outdated_is_older_than_the_minimum_of_a_known_sdk() {
        assert!(is_outdated("unleash-client-node:5.3.1"));
        assert!(!is_outdated("unleash-client-node:5.3.2"));
        assert!(!is_outdated("unleash-client-node:6.0.0"));
        assert!(is_outdated("unleash-python-sdk:6.2.9"));
        assert!(!is_outdated("some-other-sdk:0.0.1"));
        assert!(!is_outdated("unleash-client-node:not-a-version"));
        assert!(!is_outdated("unleash-client-node"));
    }
}
