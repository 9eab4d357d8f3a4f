//! Favorites: the flags and projects a user has starred (Unleash's
//! `favorite_features` and `favorite_projects`). A user's own view state:
//! no event, no revision; gone with the user, the flag or the project.

use std::collections::BTreeSet;

use super::columns::{instant_text, now};
use super::{Reader, Source, StorageResult, WriteTx};

/// What a favorite stars: a flag (by name) or a project (by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FavoriteKind {
    Flag,
    Project,
}

impl FavoriteKind {
    /// Its table and the column naming the starred thing.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            FavoriteKind::Flag => ("favorite_features", "feature_name"),
            FavoriteKind::Project => ("favorite_projects", "project_id"),
        }
    }
}

impl<S: Source> Reader<S> {
    /// The names (flags) or ids (projects) `user_id` has starred.
    pub async fn favorites(
        &self,
        kind: FavoriteKind,
        user_id: i64,
    ) -> StorageResult<BTreeSet<String>> {
        let (table, column) = kind.table();
        let names: Vec<String> =
            sqlx::query_scalar(&format!("SELECT {column} FROM {table} WHERE user_id = $1"))
                .bind(user_id)
                .fetch_all(&mut *self.conn().await?)
                .await?;
        Ok(names.into_iter().collect())
    }
}

impl WriteTx<'_> {
    /// Stars `name` for `user_id`; starring it again changes nothing.
    pub async fn add_favorite(
        &mut self,
        kind: FavoriteKind,
        user_id: i64,
        name: &str,
    ) -> StorageResult<()> {
        let (table, column) = kind.table();
        sqlx::query(&format!(
            "INSERT INTO {table} (user_id, {column}, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, {column}) DO NOTHING"
        ))
        .bind(user_id)
        .bind(name)
        .bind(instant_text(&now()))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Unstars `name` for `user_id` (nothing if it was not starred).
    pub async fn remove_favorite(
        &mut self,
        kind: FavoriteKind,
        user_id: i64,
        name: &str,
    ) -> StorageResult<()> {
        let (table, column) = kind.table();
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE user_id = $1 AND {column} = $2"
        ))
        .bind(user_id)
        .bind(name)
        .execute(self.tx())
        .await?;
        Ok(())
    }
}
