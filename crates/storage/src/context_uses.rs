//! Where a context field is used: the strategies of live flags whose
//! constraints name it (Unleash's "strategies using a context field", and
//! what keeps a field in use from being deleted).

use flagstaff_engine::document::Constraint;
use sqlx::Row;

use super::{from_json, Reader, Source, StorageResult};

/// A strategy of a live (not archived) flag with a constraint on the field.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextFieldUse {
    pub strategy_id: String,
    pub project: String,
    pub feature_name: String,
    pub strategy_name: String,
    pub environment: String,
}

impl<S: Source> Reader<S> {
    /// The strategies of live flags whose constraints name the context field
    /// `name`, by project, flag, environment and order.
    pub async fn context_field_uses(&self, name: &str) -> StorageResult<Vec<ContextFieldUse>> {
        // The text match only narrows the rows; each one's constraints decide.
        let rows = sqlx::query(
            "SELECT s.id, s.feature_name, s.environment, s.strategy_name, s.constraints, f.project_id \
             FROM feature_strategies s JOIN features f ON f.name = s.feature_name \
             WHERE f.archived_at IS NULL AND s.constraints LIKE $1 \
             ORDER BY f.project_id, s.feature_name, s.environment, s.sort_order, s.id",
        )
        .bind(format!("%{name}%"))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut uses = Vec::new();
        for row in &rows {
            let constraints: Vec<Constraint> =
                from_json(&row.try_get::<String, _>("constraints")?)?;
            if constraints.iter().any(|c| c.context_name == name) {
                uses.push(ContextFieldUse {
                    strategy_id: row.try_get("id")?,
                    project: row.try_get("project_id")?,
                    feature_name: row.try_get("feature_name")?,
                    strategy_name: row.try_get("strategy_name")?,
                    environment: row.try_get("environment")?,
                });
            }
        }
        Ok(uses)
    }
}
