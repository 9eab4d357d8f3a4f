//! Turning a client's registration or metrics report into stored rows: the
//! instance, and per flag and hour the yes/no/variant counts (counts for flags
//! the environment does not have only noted, a few per report). The parent
//! module has the bodies and their bounds; the frontend API records through
//! the same functions.

use chrono::{DateTime, Utc};

use axum::http::StatusCode;
use flagstaff_domain::ops::FlagName;
use flagstaff_domain::Report;
use flagstaff_storage::{hour_bucket, InstanceRow, MetricCounts, MetricKey, UnknownFlag};

use super::{
    app_name, bounded, instance_id, instant, sdk_version, within_quota, BulkBody, MetricsBody,
    RegisterBody, ToggleCounts, MAX_APPLICATIONS, MAX_NAME, MAX_STRATEGIES, MAX_TOGGLES,
    MAX_UNKNOWN_PER_REPORT, MAX_VARIANTS,
};
use crate::auth::ApiToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
/// Stores an SDK instance's registration for `environment`; 202 once stored.
pub(crate) async fn record_registration(
    state: &AppState,
    token: ApiToken,
    body: RegisterBody,
) -> ApiResult<StatusCode> {
    let environment = within_quota(state, token)?;
    if body.strategies.len() > MAX_STRATEGIES {
        return Err(ApiError::BadData(format!(
            "at most {MAX_STRATEGIES} strategies"
        )));
    }
    let strategies = body
        .strategies
        .into_iter()
        .map(|s| bounded("strategies[]", s))
        .collect::<ApiResult<_>>()?;
    let instance = InstanceRow {
        app_name: app_name(&body.app_name)?,
        instance_id: instance_id(body.instance_id)?,
        environment,
        sdk_version: sdk_version(body.sdk_version)?,
        strategies,
        started: body.started.as_ref().and_then(instant),
        interval_ms: body.interval,
    };
    let report = Report {
        instances: vec![instance],
        ..Report::default()
    };
    state.metrics.record(report).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Stores a metrics report for `environment`; 202 once stored.
pub(crate) async fn record_metrics(
    state: &AppState,
    token: ApiToken,
    body: MetricsBody,
) -> ApiResult<StatusCode> {
    let environment = within_quota(state, token)?;
    let app = app_name(&body.app_name)?;
    let impact = super::impact::samples(body.impact_metrics.unwrap_or_default())?;
    let Some(bucket) = body.bucket else {
        super::impact::store(state, &impact).await?;
        return Ok(StatusCode::ACCEPTED);
    };
    let (Some(start), Some(stop)) = (instant(&bucket.start), instant(&bucket.stop)) else {
        return Err(ApiError::BadData(
            "bucket.start and bucket.stop must be dates".to_owned(),
        ));
    };
    let now = state.clock.now();
    if start > stop
        || stop > now + chrono::Duration::hours(1)
        || start < now - chrono::Duration::days(2)
    {
        return Err(ApiError::BadData(
            "the bucket must start before it stops, within the last 48 hours".to_owned(),
        ));
    }
    if bucket.toggles.len() > MAX_TOGGLES
        || bucket
            .toggles
            .values()
            .any(|t| t.variants.as_ref().is_some_and(|v| v.len() > MAX_VARIANTS))
    {
        return Err(ApiError::BadData(format!(
            "at most {MAX_TOGGLES} flags and {MAX_VARIANTS} variants per flag in one report"
        )));
    }
    if let Some(long) = bucket
        .toggles
        .values()
        .flat_map(|t| t.variants.iter().flat_map(|v| v.keys()))
        .find(|name| name.len() > MAX_NAME)
    {
        return Err(ApiError::BadData(format!(
            "variant names must be at most {MAX_NAME} characters: {:?}…",
            long.chars().take(20).collect::<String>()
        )));
    }
    let instance_id = instance_id(body.instance_id)?;
    let sdk_version = sdk_version(body.sdk_version)?;
    let mut report = Report::default();
    add_counts(
        state,
        &mut report,
        &environment,
        &app,
        start,
        bucket.toggles.into_iter(),
    );
    let instance = InstanceRow {
        app_name: app,
        instance_id,
        environment,
        sdk_version,
        strategies: Vec::new(),
        started: None,
        interval_ms: None,
    };
    report.instances.push(instance);
    super::impact::store(state, &impact).await?;
    state.metrics.record(report).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Stores a relay's report: its SDK instances and their counts, all in the
/// token's environment (entries naming another environment are left out, as
/// a token of one environment cannot report for another); 202 once stored.
pub(crate) async fn record_bulk(
    state: &AppState,
    token: ApiToken,
    body: BulkBody,
) -> ApiResult<StatusCode> {
    let environment = within_quota(state, token)?;
    if body.applications.len() > MAX_APPLICATIONS || body.metrics.len() > MAX_TOGGLES {
        return Err(ApiError::BadData(format!(
            "at most {MAX_APPLICATIONS} applications and {MAX_TOGGLES} metrics in one bulk report"
        )));
    }
    let ours = |named: &Option<String>| named.as_ref().is_none_or(|e| *e == environment);
    let mut report = Report::default();
    for application in body
        .applications
        .into_iter()
        .filter(|a| ours(&a.environment))
    {
        let registration = application.registration;
        if registration.strategies.len() > MAX_STRATEGIES {
            return Err(ApiError::BadData(format!(
                "at most {MAX_STRATEGIES} strategies"
            )));
        }
        report.instances.push(InstanceRow {
            app_name: app_name(&registration.app_name)?,
            instance_id: instance_id(registration.instance_id)?,
            environment: environment.clone(),
            sdk_version: sdk_version(registration.sdk_version)?,
            strategies: registration
                .strategies
                .into_iter()
                .map(|s| bounded("strategies[]", s))
                .collect::<ApiResult<_>>()?,
            started: registration.started.as_ref().and_then(instant),
            interval_ms: registration.interval,
        });
    }
    let now = state.clock.now();
    for metric in body.metrics.into_iter().filter(|m| ours(&m.environment)) {
        let app = app_name(&metric.app_name)?;
        let Some(at) = instant(&metric.timestamp).filter(|t| {
            *t <= now + chrono::Duration::hours(1) && *t >= now - chrono::Duration::days(2)
        }) else {
            return Err(ApiError::BadData(
                "each metric's timestamp must be a date within the last 48 hours".to_owned(),
            ));
        };
        if let Some(variants) = &metric.counts.variants {
            if variants.len() > MAX_VARIANTS || variants.keys().any(|v| v.len() > MAX_NAME) {
                return Err(ApiError::BadData(format!(
                    "at most {MAX_VARIANTS} variants per flag, names of at most {MAX_NAME} characters"
                )));
            }
        }
        add_counts(
            state,
            &mut report,
            &environment,
            &app,
            at,
            std::iter::once((metric.feature_name, metric.counts)),
        );
    }
    state.metrics.record(report).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Adds `app`'s counts for the hour of `at` to `report`: counts for flags the
/// environment has; the others only noted (a few per report).
fn add_counts(
    state: &AppState,
    report: &mut Report,
    environment: &str,
    app: &str,
    at: DateTime<Utc>,
    toggles: impl Iterator<Item = (String, ToggleCounts)>,
) {
    let hour = hour_bucket(at);
    let snapshot = state.snapshots.load();
    let flags = snapshot.environments.get(environment);
    let seen = state.clock.now();
    for (name, c) in toggles {
        if flags.is_some_and(|f| f.contains_key(&name)) {
            report.counts.push((
                MetricKey {
                    feature_name: name,
                    environment: environment.to_owned(),
                    app_name: app.to_owned(),
                    hour,
                },
                MetricCounts {
                    yes: c.yes,
                    no: c.no,
                    variants: c.variants.unwrap_or_default().into_iter().collect(),
                },
            ));
        } else if report.unknown.len() < MAX_UNKNOWN_PER_REPORT
            && FlagName::parse(&name).is_ok_and(|n| n.as_str() == name)
        {
            report.unknown.push(UnknownFlag {
                name,
                app_name: app.to_owned(),
                environment: environment.to_owned(),
                last_seen: seen,
            });
        }
    }
}
