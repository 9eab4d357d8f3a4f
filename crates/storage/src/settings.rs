//! Instance settings by name (Unleash's `settings` table), each read through
//! its own typed method: maintenance mode (`maintenance.mode`); and the flag
//! types' lifetimes changed from the catalogue's.

use serde::{Deserialize, Serialize};

use super::{from_json, to_json, Reader, Source, StorageResult, WriteTx};

/// The setting maintenance mode is stored under (Unleash's name).
const MAINTENANCE: &str = "maintenance.mode";

#[derive(Serialize, Deserialize)]
struct Maintenance {
    enabled: bool,
}

impl<S: Source> Reader<S> {
    /// A setting's stored JSON text, if it was ever set.
    async fn setting(&self, name: &str) -> StorageResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *self.conn().await?)
                .await?,
        )
    }

    /// Whether maintenance mode is on (changes refused); off when never set.
    pub async fn maintenance_mode(&self) -> StorageResult<bool> {
        match self.setting(MAINTENANCE).await? {
            Some(text) => Ok(from_json::<Maintenance>(&text)?.enabled),
            None => Ok(false),
        }
    }
}

impl<S: Source> Reader<S> {
    /// The flag types whose lifetime was changed, with the days set (0: never stale).
    pub async fn feature_type_lifetimes(&self) -> StorageResult<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT feature_type, lifetime_days FROM feature_type_lifetimes ORDER BY feature_type",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }
}

impl WriteTx<'_> {
    /// Sets a flag type's lifetime in days (0: never stale).
    pub async fn set_feature_type_lifetime(
        &mut self,
        flag_type: &str,
        days: i64,
    ) -> StorageResult<()> {
        sqlx::query("DELETE FROM feature_type_lifetimes WHERE feature_type = $1")
            .bind(flag_type)
            .execute(self.tx())
            .await?;
        sqlx::query(
            "INSERT INTO feature_type_lifetimes (feature_type, lifetime_days) VALUES ($1, $2)",
        )
        .bind(flag_type)
        .bind(days)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Turns maintenance mode on or off; whether it had been set before
    /// (Unleash records `setting-updated` then, else `setting-created`).
    pub async fn set_maintenance_mode(&mut self, enabled: bool) -> StorageResult<bool> {
        let existed = self.setting(MAINTENANCE).await?.is_some();
        let value = to_json(&Maintenance { enabled });
        let sql = if existed {
            "UPDATE settings SET value = $2 WHERE name = $1"
        } else {
            "INSERT INTO settings (name, value) VALUES ($1, $2)"
        };
        sqlx::query(sql)
            .bind(MAINTENANCE)
            .bind(value)
            .execute(self.tx())
            .await?;
        Ok(existed)
    }
}
