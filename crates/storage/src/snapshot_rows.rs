//! What client snapshots (and exports) are read from: every live flag's rows,
//! or the rows of named flags only, in a bounded number of queries (one
//! statement per table, per 500 names).

use sqlx::any::AnyRow;

use super::dependencies::{dependency_from_row, DEPENDENCY_COLUMNS};
use super::flags::{environment_from_row, flag_from_row, FLAG_COLUMNS};
use super::strategies::{strategy_from_row, STRATEGY_COLUMNS};
use super::{
    DependencyRow, FlagEnvironmentRow, FlagRow, Reader, Source, StorageResult, StrategyRow,
};

/// Live flags with their environment rows, strategies (in evaluation order)
/// and the dependencies they have as children.
#[derive(Debug, Default)]
pub struct FlagRows {
    pub features: Vec<FlagRow>,
    pub environments: Vec<FlagEnvironmentRow>,
    pub strategies: Vec<StrategyRow>,
    pub dependencies: Vec<DependencyRow>,
}

impl FlagRows {
    fn extend(&mut self, more: FlagRows) {
        self.features.extend(more.features);
        self.environments.extend(more.environments);
        self.strategies.extend(more.strategies);
        self.dependencies.extend(more.dependencies);
    }
}

/// Rows of `sql`, whose `$1…$n` are `names`.
async fn rows_named(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    names: &[String],
) -> StorageResult<Vec<AnyRow>> {
    let mut query = sqlx::query(sql);
    for name in names {
        query = query.bind(name);
    }
    Ok(query.fetch_all(conn).await?)
}

/// The rows of the named flags only (live ones: archived and deleted flags
/// return nothing), 500 names to a statement.
async fn rows_of(conn: &mut sqlx::AnyConnection, names: &[String]) -> StorageResult<FlagRows> {
    let mut all = FlagRows::default();
    for chunk in names.chunks(500) {
        let list = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = rows_where(
            conn,
            &format!("AND name IN ({list})"),
            &format!("WHERE feature_name IN ({list})"),
            &format!("WHERE child IN ({list})"),
            chunk,
        )
        .await?;
        all.extend(rows);
    }
    Ok(all)
}

impl<S: Source> Reader<S> {
    /// Everything the client snapshots are built from.
    pub async fn snapshot_rows(&self) -> StorageResult<FlagRows> {
        rows_where(&mut *self.conn().await?, "", "", "", &[]).await
    }

    /// The snapshot rows of the named flags only (an export, or what a change
    /// touched), in a bounded number of queries.
    pub async fn snapshot_rows_of(&self, names: &[String]) -> StorageResult<FlagRows> {
        rows_of(&mut *self.conn().await?, names).await
    }

    /// The names of the live flags, of one project or all, in name order.
    pub async fn flag_names(&self, project: Option<&str>) -> StorageResult<Vec<String>> {
        let names = match project {
            Some(p) => {
                sqlx::query_scalar(
                    "SELECT name FROM features WHERE project_id = $1 AND archived_at IS NULL ORDER BY name",
                )
                .bind(p)
                .fetch_all(&mut *self.conn().await?)
                .await?
            }
            None => {
                sqlx::query_scalar("SELECT name FROM features WHERE archived_at IS NULL ORDER BY name")
                    .fetch_all(&mut *self.conn().await?)
                    .await?
            }
        };
        Ok(names)
    }
}

/// Live flags, environment rows, strategies and dependencies, narrowed by the
/// clauses (whose `$1…$n` are `names`).
async fn rows_where(
    conn: &mut sqlx::AnyConnection,
    feature_clause: &str,
    rows_clause: &str,
    child_clause: &str,
    names: &[String],
) -> StorageResult<FlagRows> {
    let features = rows_named(
        &mut *conn,
        &format!(
            "SELECT {FLAG_COLUMNS} FROM features WHERE archived_at IS NULL {feature_clause} ORDER BY name"
        ),
        names,
    )
    .await?
    .iter()
    .map(flag_from_row)
    .collect::<StorageResult<Vec<_>>>()?;
    let environments = rows_named(
        &mut *conn,
        &format!(
            "SELECT feature_name, environment, enabled, variants FROM feature_environments {rows_clause}"
        ),
        names,
    )
    .await?
    .iter()
    .map(environment_from_row)
    .collect::<StorageResult<Vec<_>>>()?;
    let strategies = rows_named(
        &mut *conn,
        &format!(
            "SELECT {STRATEGY_COLUMNS} FROM feature_strategies {rows_clause} \
             ORDER BY feature_name, environment, sort_order, created_at, id"
        ),
        names,
    )
    .await?
    .iter()
    .map(strategy_from_row)
    .collect::<StorageResult<Vec<_>>>()?;
    let dependencies = rows_named(
        &mut *conn,
        &format!(
            "SELECT {DEPENDENCY_COLUMNS} FROM feature_dependencies {child_clause} ORDER BY child, parent"
        ),
        names,
    )
    .await?
    .iter()
    .map(dependency_from_row)
    .collect::<StorageResult<Vec<_>>>()?;
    Ok(FlagRows {
        features,
        environments,
        strategies,
        dependencies,
    })
}
