//! What client snapshots are read from: every live flag's rows, or the rows
//! of named flags only, in a bounded number of queries (one statement per table).

use sqlx::any::AnyRow;

use super::features::{
    environment_from_row, feature_from_row, strategy_from_row, FEATURE_COLUMNS, STRATEGY_COLUMNS,
};
use super::{FeatureEnvironmentRow, FeatureRow, ReadTx, StorageResult, Store, StrategyRow};

impl Store {
    /// Everything the client snapshots are built from: live flags, their
    /// environment rows and strategies.
    pub async fn snapshot_rows(
        &self,
    ) -> StorageResult<(
        Vec<FeatureRow>,
        Vec<FeatureEnvironmentRow>,
        Vec<StrategyRow>,
    )> {
        let mut conn = self.pool().acquire().await?;
        snapshot_rows_where(&mut conn, "", "", &[]).await
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

impl ReadTx {
    /// The snapshot rows of the named flags only (live ones; archived and
    /// deleted flags return nothing), in a bounded number of queries.
    pub async fn snapshot_rows_of(
        &mut self,
        names: &[String],
    ) -> StorageResult<(
        Vec<FeatureRow>,
        Vec<FeatureEnvironmentRow>,
        Vec<StrategyRow>,
    )> {
        let (mut features, mut envs, mut strategies) = (Vec::new(), Vec::new(), Vec::new());
        for chunk in names.chunks(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let (f, e, s) = snapshot_rows_where(
                &mut self.tx,
                &format!("AND name IN ({list})"),
                &format!("WHERE feature_name IN ({list})"),
                chunk,
            )
            .await?;
            features.extend(f);
            envs.extend(e);
            strategies.extend(s);
        }
        Ok((features, envs, strategies))
    }

    /// Everything the client snapshots are built from, as this transaction sees it.
    pub async fn snapshot_rows(
        &mut self,
    ) -> StorageResult<(
        Vec<FeatureRow>,
        Vec<FeatureEnvironmentRow>,
        Vec<StrategyRow>,
    )> {
        snapshot_rows_where(&mut self.tx, "", "", &[]).await
    }
}

/// Live flags, environment rows and strategies, narrowed by the two clauses
/// (whose `$1…$n` are `names`).
async fn snapshot_rows_where(
    conn: &mut sqlx::AnyConnection,
    feature_clause: &str,
    rows_clause: &str,
    names: &[String],
) -> StorageResult<(
    Vec<FeatureRow>,
    Vec<FeatureEnvironmentRow>,
    Vec<StrategyRow>,
)> {
    let features = rows_named(
        &mut *conn,
        &format!(
            "SELECT {FEATURE_COLUMNS} FROM features WHERE archived_at IS NULL {feature_clause} ORDER BY name"
        ),
        names,
    )
    .await?
    .iter()
    .map(feature_from_row)
    .collect::<StorageResult<Vec<_>>>()?;
    let envs = rows_named(
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
    Ok((features, envs, strategies))
}
