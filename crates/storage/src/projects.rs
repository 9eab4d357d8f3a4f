//! Projects and environments.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{flag, now_text, Reader, Source, StorageResult, WriteTx};

impl<S: Source> Reader<S> {
    pub async fn project_exists(&self, id: &str) -> StorageResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(n > 0)
    }

    /// Environments enabled for a project, in sort order.
    pub async fn project_environments(&self, project: &str) -> StorageResult<Vec<EnvironmentRow>> {
        let rows = sqlx::query(
            "SELECT e.name, e.type, e.sort_order, e.enabled FROM environments e \
             JOIN project_environments pe ON pe.environment = e.name \
             WHERE pe.project_id = $1 ORDER BY e.sort_order, e.name",
        )
        .bind(project)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(EnvironmentRow::from_row).collect()
    }

    pub async fn environments(&self) -> StorageResult<Vec<EnvironmentRow>> {
        let rows = sqlx::query(
            "SELECT name, type, sort_order, enabled FROM environments ORDER BY sort_order, name",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(EnvironmentRow::from_row).collect()
    }

    pub async fn environment_exists(&self, name: &str) -> StorageResult<bool> {
        Ok(self.environments().await?.iter().any(|e| e.name == name))
    }

    /// Every project's id.
    pub async fn project_ids(&self) -> StorageResult<std::collections::BTreeSet<String>> {
        Ok(sqlx::query_scalar("SELECT id FROM projects")
            .fetch_all(&mut *self.conn().await?)
            .await?
            .into_iter()
            .collect())
    }

    /// Every project: (id, name, description), by id.
    pub async fn projects(&self) -> StorageResult<Vec<(String, String, Option<String>)>> {
        let rows = sqlx::query("SELECT id, name, description FROM projects ORDER BY id")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("name")?,
                    r.try_get("description")?,
                ))
            })
            .collect()
    }

    /// Project id → how many live (not archived) flags it has, from one query;
    /// projects without flags are absent.
    pub async fn live_flag_counts(&self) -> StorageResult<std::collections::HashMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT project_id, COUNT(*) AS n FROM features WHERE archived_at IS NULL GROUP BY project_id",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("project_id")?, r.try_get("n")?)))
            .collect()
    }

    /// How many flags (archived ones included) a project has.
    pub async fn project_flag_count(&self, id: &str) -> StorageResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM features WHERE project_id = $1")
                .bind(id)
                .fetch_one(&mut *self.conn().await?)
                .await?,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentRow {
    pub name: String,
    pub kind: String,
    pub sort_order: i64,
    /// Unleash's environment switch (`/api/admin/environments/:name/on|off`):
    /// a disabled environment is shown as such; SDKs are still served, as by Unleash.
    pub enabled: bool,
}

impl EnvironmentRow {
    fn from_row(row: &AnyRow) -> StorageResult<Self> {
        Ok(EnvironmentRow {
            name: row.try_get("name")?,
            kind: row.try_get("type")?,
            sort_order: row.try_get("sort_order")?,
            enabled: flag(row, "enabled")?,
        })
    }
}

impl WriteTx<'_> {
    /// A new project, with every existing environment enabled for it.
    pub async fn insert_project(
        &mut self,
        id: &str,
        name: &str,
        description: Option<&str>,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO projects (id, name, description, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(name)
        .bind(description)
        .bind(now_text())
        .execute(self.tx())
        .await?;
        sqlx::query(
            "INSERT INTO project_environments (project_id, environment) SELECT $1, name FROM environments",
        )
        .bind(id)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn insert_environment(
        &mut self,
        name: &str,
        kind: &str,
        sort_order: i64,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO environments (name, type, sort_order, enabled) VALUES ($1, $2, $3, 1)",
        )
        .bind(name)
        .bind(kind)
        .bind(sort_order)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Moves an environment in the sort order.
    pub async fn set_environment_sort_order(
        &mut self,
        name: &str,
        sort_order: i64,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE environments SET sort_order = $1 WHERE name = $2")
            .bind(sort_order)
            .bind(name)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Switches an environment on or off (for every project).
    pub async fn switch_environment(&mut self, name: &str, enabled: bool) -> StorageResult<()> {
        sqlx::query("UPDATE environments SET enabled = $1 WHERE name = $2")
            .bind(i64::from(enabled))
            .bind(name)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Enables an environment for a project; its flags get a switched-off row there.
    pub async fn link_project_environment(
        &mut self,
        project: &str,
        environment: &str,
    ) -> StorageResult<()> {
        sqlx::query("INSERT INTO project_environments (project_id, environment) VALUES ($1, $2)")
            .bind(project)
            .bind(environment)
            .execute(self.tx())
            .await?;
        sqlx::query(
            "INSERT INTO feature_environments (feature_name, environment, enabled, variants) \
             SELECT name, $1, 0, '[]' FROM features WHERE project_id = $2",
        )
        .bind(environment)
        .bind(project)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn update_project(
        &mut self,
        id: &str,
        name: &str,
        description: Option<&str>,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE projects SET name = $1, description = $2 WHERE id = $3")
            .bind(name)
            .bind(description)
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Deletes a project that has no flags.
    pub async fn delete_project(&mut self, id: &str) -> StorageResult<()> {
        for table in [
            "project_default_strategies",
            "project_environments",
            "favorite_projects",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE project_id = $1"))
                .bind(id)
                .execute(self.tx())
                .await?;
        }
        sqlx::query("DELETE FROM projects WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Takes an environment away from a project: its flags' strategies and
    /// settings there, and the project's default strategy there, go with it.
    pub async fn unlink_project_environment(
        &mut self,
        project: &str,
        environment: &str,
    ) -> StorageResult<()> {
        for table in ["feature_strategies", "feature_environments"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE environment = $1 \
                 AND feature_name IN (SELECT name FROM features WHERE project_id = $2)"
            ))
            .bind(environment)
            .bind(project)
            .execute(self.tx())
            .await?;
        }
        for table in ["project_default_strategies", "project_environments"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE project_id = $1 AND environment = $2"
            ))
            .bind(project)
            .bind(environment)
            .execute(self.tx())
            .await?;
        }
        Ok(())
    }
}
