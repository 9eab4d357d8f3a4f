//! Flag links (Unleash 7's feature links): a URL and an optional title a
//! flag points to (its ticket, its dashboard). They belong to the flag and are
//! deleted with it; they are not part of any client document.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{instant, instant_text};
use super::{Reader, Source, StorageResult, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRow {
    /// Random, public.
    pub id: String,
    pub feature_name: String,
    pub url: String,
    pub title: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn link_from_row(r: &AnyRow) -> StorageResult<LinkRow> {
    Ok(LinkRow {
        id: r.try_get("id")?,
        feature_name: r.try_get("feature_name")?,
        url: r.try_get("url")?,
        title: r.try_get("title")?,
        created_at: instant(r, "created_at")?,
    })
}

impl<S: Source> Reader<S> {
    /// A flag's links, oldest first.
    pub async fn flag_links(&self, feature: &str) -> StorageResult<Vec<LinkRow>> {
        let rows = sqlx::query(
            "SELECT id, feature_name, url, title, created_at FROM feature_links \
         WHERE feature_name = $1 ORDER BY created_at, id",
        )
        .bind(feature)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// The links of the named flags, by flag and then oldest first (500 names
    /// to a statement).
    pub async fn links_of_flags(&self, names: &[String]) -> StorageResult<Vec<LinkRow>> {
        let mut links = Vec::new();
        for chunk in names.chunks(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT id, feature_name, url, title, created_at FROM feature_links \
                 WHERE feature_name IN ({list}) ORDER BY feature_name, created_at, id"
            );
            let mut query = sqlx::query(&sql);
            for name in chunk {
                query = query.bind(name);
            }
            for row in query.fetch_all(&mut *self.conn().await?).await? {
                links.push(link_from_row(&row)?);
            }
        }
        Ok(links)
    }
}

impl WriteTx<'_> {
    pub async fn insert_link(&mut self, link: &LinkRow) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO feature_links (id, feature_name, url, title, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&link.id)
        .bind(&link.feature_name)
        .bind(&link.url)
        .bind(&link.title)
        .bind(instant_text(&link.created_at))
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn update_link(&mut self, link: &LinkRow) -> StorageResult<()> {
        sqlx::query("UPDATE feature_links SET url = $1, title = $2 WHERE id = $3")
            .bind(&link.url)
            .bind(&link.title)
            .bind(&link.id)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    pub async fn delete_link(&mut self, id: &str) -> StorageResult<()> {
        sqlx::query("DELETE FROM feature_links WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
