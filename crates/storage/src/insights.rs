//! Reads that summarise what is stored for the admin API's insight routes:
//! strategies by the segments and context fields they use, SDK versions and
//! applications per project, and a project's events per day.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::columns::instant;
use super::strategies::{strategy_from_row, StrategyRow};
use super::{Reader, Source, StorageResult};

/// A strategy with the project of its flag.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectStrategy {
    pub project: String,
    pub strategy: StrategyRow,
}

/// An application that reported metrics for a flag, in one environment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlagReport {
    pub app_name: String,
    pub environment: String,
    pub feature_name: String,
}

/// An SDK instance's application, environment and version as it registered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SdkSighting {
    pub app_name: String,
    pub environment: String,
    pub instance_id: String,
    pub sdk_version: Option<String>,
    pub last_seen: DateTime<Utc>,
}

const QUALIFIED_STRATEGY_COLUMNS: &str =
    "s.id, s.feature_name, s.environment, s.strategy_name, s.title, s.disabled, \
     s.sort_order, s.parameters, s.constraints, s.segments, s.variants";

impl<S: Source> Reader<S> {
    /// The strategies of live flags that pass `filter` (a condition on `s`,
    /// the strategy row, and `f`, its flag), with their flag's project, in
    /// flag, environment and evaluation order.
    async fn project_strategies(
        &self,
        filter: &str,
        project: Option<&str>,
    ) -> StorageResult<Vec<ProjectStrategy>> {
        let project_clause = if project.is_some() {
            " AND f.project_id = $1"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {QUALIFIED_STRATEGY_COLUMNS}, f.project_id FROM feature_strategies s \
             JOIN features f ON f.name = s.feature_name \
             WHERE f.archived_at IS NULL AND {filter}{project_clause} \
             ORDER BY s.feature_name, s.environment, s.sort_order, s.created_at, s.id"
        );
        let mut query = sqlx::query(&sql);
        if let Some(p) = project {
            query = query.bind(p);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|r| {
                Ok(ProjectStrategy {
                    project: r.try_get("project_id")?,
                    strategy: strategy_from_row(r)?,
                })
            })
            .collect()
    }

    /// The strategies of live flags that use segment `id`.
    pub async fn strategies_using_segment(&self, id: i64) -> StorageResult<Vec<ProjectStrategy>> {
        let all = self.project_strategies("s.segments <> '[]'", None).await?;
        Ok(all
            .into_iter()
            .filter(|s| s.strategy.values.segments.contains(&id))
            .collect())
    }

    /// The strategies of live flags (of `project`, if given) with a
    /// constraint on the context field `field`.
    pub async fn strategies_using_context_field(
        &self,
        field: &str,
        project: Option<&str>,
    ) -> StorageResult<Vec<ProjectStrategy>> {
        let all = self
            .project_strategies("s.constraints <> '[]'", project)
            .await?;
        Ok(all
            .into_iter()
            .filter(|s| {
                s.strategy
                    .values
                    .constraints
                    .iter()
                    .any(|c| c.context_name == field)
            })
            .collect())
    }

    /// Which applications reported metrics for which flags of `project`, and
    /// in which environments (flags archived or not), in order.
    pub async fn project_flag_reports(&self, project: &str) -> StorageResult<Vec<FlagReport>> {
        let rows = sqlx::query(
            "SELECT DISTINCT m.app_name, m.environment, m.feature_name FROM client_metrics m \
             JOIN features f ON f.name = m.feature_name WHERE f.project_id = $1 \
             ORDER BY m.app_name, m.environment, m.feature_name LIMIT 10000",
        )
        .bind(project)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FlagReport {
                    app_name: r.try_get("app_name")?,
                    environment: r.try_get("environment")?,
                    feature_name: r.try_get("feature_name")?,
                })
            })
            .collect()
    }

    /// Every SDK instance (of `app`, if given), by application, environment
    /// and instance, at most 10,000.
    pub async fn sdk_sightings(&self, app: Option<&str>) -> StorageResult<Vec<SdkSighting>> {
        let sql = format!(
            "SELECT app_name, environment, instance_id, sdk_version, last_seen FROM client_instances{} \
             ORDER BY app_name, environment, instance_id LIMIT 10000",
            if app.is_some() {
                " WHERE app_name = $1"
            } else {
                ""
            }
        );
        let mut query = sqlx::query(&sql);
        if let Some(app) = app {
            query = query.bind(app);
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|r| {
                Ok(SdkSighting {
                    app_name: r.try_get("app_name")?,
                    environment: r.try_get("environment")?,
                    instance_id: r.try_get("instance_id")?,
                    sdk_version: r.try_get("sdk_version")?,
                    last_seen: instant(r, "last_seen")?,
                })
            })
            .collect()
    }

    /// How many events `project` has per UTC day (`YYYY-MM-DD`) since
    /// `since`, oldest day first.
    pub async fn project_events_per_day(
        &self,
        project: &str,
        since: DateTime<Utc>,
    ) -> StorageResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT substr(created_at, 1, 10) AS day, COUNT(*) AS n FROM events \
             WHERE project = $1 AND created_at >= $2 GROUP BY substr(created_at, 1, 10) ORDER BY day",
        )
        .bind(project)
        .bind(super::instant_text(&since))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("day")?, r.try_get("n")?)))
            .collect()
    }

    /// The newest `limit` events of `project`, as (id, type, creator, when).
    pub async fn latest_project_events(
        &self,
        project: &str,
        limit: i64,
    ) -> StorageResult<Vec<(i64, String, String, DateTime<Utc>)>> {
        let rows = sqlx::query(
            "SELECT id, type, created_by, created_at FROM events WHERE project = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(project)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("type")?,
                    r.try_get("created_by")?,
                    instant(r, "created_at")?,
                ))
            })
            .collect()
    }

    /// Per flag of `project`, when it was first enabled in an environment of
    /// type `production` (its first `feature-environment-enabled` event there).
    pub async fn first_production_enables(
        &self,
        project: &str,
    ) -> StorageResult<Vec<(String, DateTime<Utc>)>> {
        let rows = sqlx::query(
            "SELECT feature_name, MIN(created_at) AS first_at FROM events \
             WHERE project = $1 AND type = 'feature-environment-enabled' AND feature_name IS NOT NULL \
             AND environment IN (SELECT name FROM environments WHERE type = 'production') \
             GROUP BY feature_name ORDER BY feature_name",
        )
        .bind(project)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("feature_name")?, instant(r, "first_at")?)))
            .collect()
    }
}
