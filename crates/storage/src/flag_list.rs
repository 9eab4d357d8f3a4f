//! The admin flag list of a project, a page at a time (keyset on the flag
//! name, or Unleash's offset), with each flag's environment rows and
//! strategies. The flag search is in `flag_search.rs`.

use super::flags::{environment_from_row, flag_from_row, FLAG_COLUMNS};
use super::strategies::{strategy_from_row, STRATEGY_COLUMNS};
use sqlx::Row;

use super::{
    FlagEnvironmentRow, FlagRow, Reader, Source, StorageError, StorageResult, StrategyRow,
};

/// Which flags of a list: those named after `after` (a keyset cursor: the
/// last name of the previous page), then `offset` skipped, at most `limit`.
#[derive(Debug, Clone, Default)]
pub struct FlagPage {
    pub after: Option<String>,
    pub offset: i64,
    pub limit: Option<i64>,
}

impl<S: Source> Reader<S> {
    /// How many live flags of each type a project has, by type.
    pub async fn flag_type_counts(&self, project: &str) -> StorageResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT type, COUNT(*) AS n FROM features WHERE project_id = $1 AND archived_at IS NULL \
             GROUP BY type ORDER BY type",
        )
        .bind(project)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("type")?, r.try_get("n")?)))
            .collect()
    }

    /// A page of a project's live flags, ordered by name, with their
    /// environment rows and strategies: three queries whatever the page size.
    pub async fn project_flag_page(
        &self,
        project: &str,
        page: &FlagPage,
    ) -> StorageResult<(Vec<FlagRow>, Vec<FlagEnvironmentRow>, Vec<StrategyRow>)> {
        let features = sqlx::query(&format!(
            "SELECT {FLAG_COLUMNS} FROM features \
             WHERE project_id = $1 AND archived_at IS NULL AND name > $2 \
             ORDER BY name LIMIT $3 OFFSET $4"
        ))
        .bind(project)
        .bind(page.after.as_deref().unwrap_or(""))
        .bind(page.limit.unwrap_or(i64::MAX))
        .bind(page.offset)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(flag_from_row)
        .collect::<StorageResult<Vec<_>>>()?;
        let (Some(first), Some(last)) = (features.first(), features.last()) else {
            return Ok((features, Vec::new(), Vec::new()));
        };
        // The page is exactly the project's live flags from `first` to `last`.
        let range = "f.project_id = $1 AND f.archived_at IS NULL AND f.name >= $2 AND f.name <= $3";
        let in_range = |sql: String| async move {
            Ok::<_, StorageError>(
                sqlx::query(&sql)
                    .bind(project)
                    .bind(&first.name)
                    .bind(&last.name)
                    .fetch_all(&mut *self.conn().await?)
                    .await?,
            )
        };
        let envs = in_range(format!(
            "SELECT fe.feature_name, fe.environment, fe.enabled, fe.variants \
             FROM feature_environments fe JOIN features f ON f.name = fe.feature_name \
             WHERE {range}"
        ))
        .await?
        .iter()
        .map(environment_from_row)
        .collect::<StorageResult<Vec<_>>>()?;
        let columns = STRATEGY_COLUMNS
            .split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let strategies = in_range(format!(
            "SELECT {columns} FROM feature_strategies s JOIN features f ON f.name = s.feature_name \
             WHERE {range} \
             ORDER BY s.feature_name, s.environment, s.sort_order, s.created_at, s.id"
        ))
        .await?
        .iter()
        .map(strategy_from_row)
        .collect::<StorageResult<Vec<_>>>()?;
        Ok((features, envs, strategies))
    }
}
