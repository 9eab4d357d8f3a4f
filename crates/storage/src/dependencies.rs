//! Flag dependencies (Unleash's dependent features): a row says a child flag
//! needs its parent on (or off), optionally with one of some variants. The
//! rules — one level, same project, live parent — are the operations'
//! (`ops/dependencies.rs`); this file only reads and writes rows.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{flag, from_json, to_json, Reader, Source, StorageResult, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyRow {
    pub child: String,
    pub parent: String,
    /// The parent must be on (`true`) or off (`false`).
    pub enabled: bool,
    /// When not empty, the parent's variant must be one of these (only with `enabled`).
    pub variants: Vec<String>,
}

pub(super) const DEPENDENCY_COLUMNS: &str = "child, parent, enabled, variants";

pub(super) fn dependency_from_row(row: &AnyRow) -> StorageResult<DependencyRow> {
    Ok(DependencyRow {
        child: row.try_get("child")?,
        parent: row.try_get("parent")?,
        enabled: flag(row, "enabled")?,
        variants: from_json(&row.try_get::<String, _>("variants")?)?,
    })
}

impl<S: Source> Reader<S> {
    /// Rows where `column` (`child` or `parent`) is `name`, in (child, parent) order.
    async fn dependency_rows_where(
        &self,
        column: &str,
        name: &str,
    ) -> StorageResult<Vec<DependencyRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {DEPENDENCY_COLUMNS} FROM feature_dependencies WHERE {column} = $1 \
         ORDER BY child, parent"
        ))
        .bind(name)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(dependency_from_row).collect()
    }

    /// The parents `child` depends on.
    pub async fn parents_of(&self, child: &str) -> StorageResult<Vec<DependencyRow>> {
        self.dependency_rows_where("child", child).await
    }

    /// The flags that depend on `parent`.
    pub async fn children_of(&self, parent: &str) -> StorageResult<Vec<DependencyRow>> {
        self.dependency_rows_where("parent", parent).await
    }

    /// Every dependency between flags of `project` (both ends are in one project).
    pub async fn project_dependencies(&self, project: &str) -> StorageResult<Vec<DependencyRow>> {
        let rows = sqlx::query(
            "SELECT d.child, d.parent, d.enabled, d.variants FROM feature_dependencies d \
             JOIN features f ON f.name = d.child WHERE f.project_id = $1 ORDER BY d.child, d.parent",
        )
        .bind(project)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(dependency_from_row).collect()
    }

    /// Whether any flag depends on another.
    pub async fn any_dependencies(&self) -> StorageResult<bool> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM feature_dependencies")
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(count > 0)
    }
}

impl WriteTx<'_> {
    /// Makes `row` the child's only dependency (Unleash keeps one parent per child).
    pub async fn set_dependency(&mut self, row: &DependencyRow) -> StorageResult<()> {
        sqlx::query("DELETE FROM feature_dependencies WHERE child = $1")
            .bind(&row.child)
            .execute(self.tx())
            .await?;
        sqlx::query(&format!(
            "INSERT INTO feature_dependencies ({DEPENDENCY_COLUMNS}) VALUES ($1, $2, $3, $4)"
        ))
        .bind(&row.child)
        .bind(&row.parent)
        .bind(i64::from(row.enabled))
        .bind(to_json(&row.variants))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Removes one dependency; whether there was one.
    pub async fn delete_dependency(&mut self, child: &str, parent: &str) -> StorageResult<bool> {
        let done = sqlx::query("DELETE FROM feature_dependencies WHERE child = $1 AND parent = $2")
            .bind(child)
            .bind(parent)
            .execute(self.tx())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes every dependency of `child`; how many there were.
    pub async fn delete_dependencies(&mut self, child: &str) -> StorageResult<u64> {
        let done = sqlx::query("DELETE FROM feature_dependencies WHERE child = $1")
            .bind(child)
            .execute(self.tx())
            .await?;
        Ok(done.rows_affected())
    }
}
