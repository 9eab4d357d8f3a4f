//! What the project insight routes compute from: a project's flags, live and
//! archived, which of them are stale or potentially stale, its health, and
//! its activity in Unleash's 30-day windows.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::ProjectId;
use flagstaff_storage::FlagRow;

/// Unleash's windows: the last 30 days, and the 30 before.
pub(super) const WINDOW_DAYS: i64 = 30;

pub(crate) struct ProjectFacts {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub live: Vec<FlagRow>,
    pub archived: Vec<FlagRow>,
    pub now: DateTime<Utc>,
}

impl ProjectFacts {
    /// The project named in a path, with its flags; 404 when there is none.
    pub async fn read(state: &AppState, project: &str) -> ApiResult<ProjectFacts> {
        let project = ProjectId::in_path(project)?;
        let Some((id, name, description)) = state
            .store
            .projects()
            .await?
            .into_iter()
            .find(|(id, _, _)| id == project.as_str())
        else {
            return Err(ApiError::NotFound(format!(
                "Could not find project {project}"
            )));
        };
        let live = state.store.flags(Some(&id), false).await?;
        let archived = state.store.flags(Some(&id), true).await?;
        Ok(ProjectFacts {
            id,
            name,
            description,
            live,
            archived,
            now: state.clock.now(),
        })
    }

    /// Past its type's expected lifetime and not marked stale (Unleash's
    /// "potentially stale").
    pub fn potentially_stale(&self, flag: &FlagRow) -> bool {
        let (_, lifetime) = flag.feature_type.catalogue();
        !flag.stale
            && lifetime.is_some_and(|days| self.now - flag.created_at > Duration::days(days.into()))
    }

    pub fn stale_count(&self) -> usize {
        self.live.iter().filter(|f| f.stale).count()
    }

    pub fn potentially_stale_count(&self) -> usize {
        self.live
            .iter()
            .filter(|f| self.potentially_stale(f))
            .count()
    }

    /// Live flags neither stale nor potentially stale.
    pub fn active_count(&self) -> usize {
        self.live.len() - self.stale_count() - self.potentially_stale_count()
    }

    /// Unleash's health rating: the share of live flags that are active, in
    /// percent (100 with no flags).
    pub fn health(&self) -> u32 {
        if self.live.is_empty() {
            return 100;
        }
        ((self.active_count() as f64 / self.live.len() as f64) * 100.0).round() as u32
    }

    pub fn technical_debt(&self) -> u32 {
        100 - self.health()
    }

    /// How many of `instants` fall in the window `back` windows ago (0: now).
    fn in_window(&self, instants: impl Iterator<Item = DateTime<Utc>>, back: i64) -> usize {
        let end = self.now - Duration::days(WINDOW_DAYS * back);
        let start = end - Duration::days(WINDOW_DAYS);
        instants.filter(|at| *at > start && *at <= end).count()
    }

    /// Unleash's projectStatsSchema, from the flags and the event log.
    pub async fn stats(&self, state: &AppState) -> ApiResult<ProjectStats> {
        let all = || self.live.iter().chain(&self.archived);
        let created = |back| self.in_window(all().map(|f| f.created_at), back);
        let archived =
            |back| self.in_window(self.archived.iter().filter_map(|f| f.archived_at), back);
        let since = self.now - Duration::days(2 * WINDOW_DAYS);
        let days = state.store.project_events_per_day(&self.id, since).await?;
        let boundary = flagstaff_storage::instant_text(&(self.now - Duration::days(WINDOW_DAYS)));
        let boundary = &boundary[..10];
        let current: i64 = days
            .iter()
            .filter(|(d, _)| d.as_str() > boundary)
            .map(|(_, n)| n)
            .sum();
        let past: i64 = days
            .iter()
            .filter(|(d, _)| d.as_str() <= boundary)
            .map(|(_, n)| n)
            .sum();
        Ok(ProjectStats {
            avg_time_to_prod_current_window: average_days_to_production(state, self).await?,
            created_current_window: created(0),
            created_past_window: created(1),
            archived_current_window: archived(0),
            archived_past_window: archived(1),
            project_activity_current_window: current,
            project_activity_past_window: past,
            project_members_added_current_window: 0,
        })
    }
}

/// Unleash's projectStatsSchema. Flagstaff has no project members, so
/// `projectMembersAddedCurrentWindow` is always 0; activity is events per window.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectStats {
    avg_time_to_prod_current_window: f64,
    created_current_window: usize,
    created_past_window: usize,
    archived_current_window: usize,
    archived_past_window: usize,
    project_activity_current_window: i64,
    project_activity_past_window: i64,
    project_members_added_current_window: u32,
}

/// Each flag's days from creation to its first enabling in a
/// `production`-type environment (flags never enabled there are left out).
pub(super) async fn days_to_production(
    state: &AppState,
    facts: &ProjectFacts,
) -> ApiResult<Vec<(String, i64)>> {
    let firsts = state.store.first_production_enables(&facts.id).await?;
    Ok(firsts
        .into_iter()
        .filter_map(|(name, at)| {
            let flag = facts
                .live
                .iter()
                .chain(&facts.archived)
                .find(|f| f.name == name)?;
            Some((name, (at - flag.created_at).num_days().max(0)))
        })
        .collect())
}

/// The mean of [`days_to_production`], 0 with none.
pub(super) async fn average_days_to_production(
    state: &AppState,
    facts: &ProjectFacts,
) -> ApiResult<f64> {
    let days = days_to_production(state, facts).await?;
    Ok(if days.is_empty() {
        0.0
    } else {
        days.iter().map(|(_, d)| *d as f64).sum::<f64>() / days.len() as f64
    })
}

/// Where a project's onboarding is: `onboarding-started` (no flag yet),
/// `first-flag-created` (flags, but no SDK reported any), `onboarded`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct OnboardingStatus {
    status: &'static str,
    /// The first flag, while `first-flag-created`.
    #[serde(skip_serializing_if = "Option::is_none")]
    feature: Option<String>,
}

pub(crate) async fn onboarding(
    state: &AppState,
    facts: &ProjectFacts,
) -> ApiResult<OnboardingStatus> {
    let Some(first) = facts
        .live
        .iter()
        .chain(&facts.archived)
        .min_by_key(|f| f.created_at)
    else {
        return Ok(OnboardingStatus {
            status: "onboarding-started",
            feature: None,
        });
    };
    if state
        .store
        .project_flag_reports(&facts.id)
        .await?
        .is_empty()
    {
        return Ok(OnboardingStatus {
            status: "first-flag-created",
            feature: Some(first.name.clone()),
        });
    }
    Ok(OnboardingStatus {
        status: "onboarded",
        feature: None,
    })
}

/// A flag type and how many live flags of it the project has.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TypeCount {
    #[serde(rename = "type")]
    pub kind: String,
    pub count: i64,
}
