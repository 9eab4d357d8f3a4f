//! Tag types, tags and the tags of flags. A flag tag names a stored tag, and
//! a tag a stored type; deleting a type or a tag deletes what names it.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{now_text, Reader, Source, StorageResult, WriteTx};

/// A tag: a value of a tag type (Unleash's `{type, value}`).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[schema(example = json!({"type": "simple", "value": "checkout"}))]
pub struct Tag {
    #[serde(rename = "type")]
    pub tag_type: String,
    pub value: String,
}

impl Tag {
    pub fn new(tag_type: impl Into<String>, value: impl Into<String>) -> Tag {
        Tag {
            tag_type: tag_type.into(),
            value: value.into(),
        }
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.tag_type, self.value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagTypeRow {
    pub name: String,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub color: Option<String>,
}

fn tag_type_from_row(row: &AnyRow) -> StorageResult<TagTypeRow> {
    Ok(TagTypeRow {
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        icon: row.try_get("icon")?,
        color: row.try_get("color")?,
    })
}

fn tag_from_row(row: &AnyRow) -> StorageResult<Tag> {
    Ok(Tag {
        tag_type: row.try_get("tag_type")?,
        value: row.try_get("value")?,
    })
}

/// `(flag name, tag)` rows, by flag then tag.
fn flag_tags_from_rows(rows: &[AnyRow]) -> StorageResult<Vec<(String, Tag)>> {
    rows.iter()
        .map(|r| Ok((r.try_get("feature_name")?, tag_from_row(r)?)))
        .collect()
}

const FLAG_TAG_COLUMNS: &str = "feature_name, tag_type, tag_value AS value";

impl<S: Source> Reader<S> {
    pub async fn tag_types(&self) -> StorageResult<Vec<TagTypeRow>> {
        sqlx::query("SELECT name, description, icon, color FROM tag_types ORDER BY name")
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(tag_type_from_row)
            .collect()
    }

    pub async fn tag_type(&self, name: &str) -> StorageResult<Option<TagTypeRow>> {
        let row =
            sqlx::query("SELECT name, description, icon, color FROM tag_types WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.as_ref().map(tag_type_from_row).transpose()
    }

    /// Every tag, or those of one type, by type and value.
    pub async fn tags(&self, tag_type: Option<&str>) -> StorageResult<Vec<Tag>> {
        let rows =
            match tag_type {
                Some(t) => sqlx::query(
                    "SELECT tag_type, value FROM tags WHERE tag_type = $1 ORDER BY tag_type, value",
                )
                .bind(t)
                .fetch_all(&mut *self.conn().await?)
                .await?,
                None => {
                    sqlx::query("SELECT tag_type, value FROM tags ORDER BY tag_type, value")
                        .fetch_all(&mut *self.conn().await?)
                        .await?
                }
            };
        rows.iter().map(tag_from_row).collect()
    }

    pub async fn tag_exists(&self, tag: &Tag) -> StorageResult<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM tags WHERE tag_type = $1 AND value = $2")
                .bind(&tag.tag_type)
                .bind(&tag.value)
                .fetch_one(&mut *self.conn().await?)
                .await?;
        Ok(n > 0)
    }

    /// A flag's tags, by type and value.
    pub async fn flag_tags(&self, feature: &str) -> StorageResult<Vec<Tag>> {
        sqlx::query(
            "SELECT tag_type, tag_value AS value FROM feature_tags WHERE feature_name = $1 \
             ORDER BY tag_type, tag_value",
        )
        .bind(feature)
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(tag_from_row)
        .collect()
    }

    /// The tags of the named flags, by flag: one query per 500 names.
    pub async fn tags_of_flags(
        &self,
        names: &[&str],
    ) -> StorageResult<std::collections::HashMap<String, Vec<Tag>>> {
        let mut tags: std::collections::HashMap<String, Vec<Tag>> = Default::default();
        for chunk in names.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {FLAG_TAG_COLUMNS} FROM feature_tags WHERE feature_name IN ({}) \
                 ORDER BY feature_name, tag_type, tag_value",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for name in chunk {
                query = query.bind(*name);
            }
            for (name, tag) in
                flag_tags_from_rows(&query.fetch_all(&mut *self.conn().await?).await?)?
            {
                tags.entry(name).or_default().push(tag);
            }
        }
        Ok(tags)
    }

    /// Every tag there is (what a client's `tag` filter can name).
    pub async fn tag_set(&self) -> StorageResult<std::collections::BTreeSet<Tag>> {
        sqlx::query("SELECT tag_type, value FROM tags")
            .fetch_all(&mut *self.conn().await?)
            .await?
            .iter()
            .map(tag_from_row)
            .collect()
    }

    /// The tags of live flags (of the named ones only, when `names` is given).
    pub async fn tags_by_flag(
        &self,
        names: Option<&[String]>,
    ) -> StorageResult<Vec<(String, Tag)>> {
        let live = "feature_name IN (SELECT name FROM features WHERE archived_at IS NULL)";
        let Some(names) = names else {
            let sql = format!("SELECT {FLAG_TAG_COLUMNS} FROM feature_tags WHERE {live}");
            let rows = sqlx::query(&sql)
                .fetch_all(&mut *self.conn().await?)
                .await?;
            return flag_tags_from_rows(&rows);
        };
        let mut tags = Vec::new();
        for chunk in names.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {FLAG_TAG_COLUMNS} FROM feature_tags WHERE {live} AND feature_name IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for name in chunk {
                query = query.bind(name);
            }
            tags.extend(flag_tags_from_rows(
                &query.fetch_all(&mut *self.conn().await?).await?,
            )?);
        }
        Ok(tags)
    }
}

impl WriteTx<'_> {
    pub async fn insert_tag_type(&mut self, tag_type: &TagTypeRow) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO tag_types (name, description, icon, color, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&tag_type.name)
        .bind(&tag_type.description)
        .bind(&tag_type.icon)
        .bind(&tag_type.color)
        .bind(now_text())
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn update_tag_type(&mut self, tag_type: &TagTypeRow) -> StorageResult<()> {
        sqlx::query("UPDATE tag_types SET description = $1, icon = $2, color = $3 WHERE name = $4")
            .bind(&tag_type.description)
            .bind(&tag_type.icon)
            .bind(&tag_type.color)
            .bind(&tag_type.name)
            .execute(self.tx())
            .await?;
        Ok(())
    }

    /// Deletes a tag type with its tags and every flag's tags of it.
    pub async fn delete_tag_type(&mut self, name: &str) -> StorageResult<()> {
        for sql in [
            "DELETE FROM feature_tags WHERE tag_type = $1",
            "DELETE FROM tags WHERE tag_type = $1",
            "DELETE FROM tag_types WHERE name = $1",
        ] {
            sqlx::query(sql).bind(name).execute(self.tx()).await?;
        }
        Ok(())
    }

    pub async fn insert_tag(&mut self, tag: &Tag, created_by: &str) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO tags (tag_type, value, created_at, created_by) VALUES ($1, $2, $3, $4)",
        )
        .bind(&tag.tag_type)
        .bind(&tag.value)
        .bind(now_text())
        .bind(created_by)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    /// Deletes a tag and takes it off every flag.
    pub async fn delete_tag(&mut self, tag: &Tag) -> StorageResult<()> {
        for sql in [
            "DELETE FROM feature_tags WHERE tag_type = $1 AND tag_value = $2",
            "DELETE FROM tags WHERE tag_type = $1 AND value = $2",
        ] {
            sqlx::query(sql)
                .bind(&tag.tag_type)
                .bind(&tag.value)
                .execute(self.tx())
                .await?;
        }
        Ok(())
    }

    pub async fn add_flag_tag(
        &mut self,
        feature: &str,
        tag: &Tag,
        created_by: &str,
    ) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO feature_tags (feature_name, tag_type, tag_value, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(feature)
        .bind(&tag.tag_type)
        .bind(&tag.value)
        .bind(now_text())
        .bind(created_by)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn remove_flag_tag(&mut self, feature: &str, tag: &Tag) -> StorageResult<()> {
        sqlx::query(
            "DELETE FROM feature_tags WHERE feature_name = $1 AND tag_type = $2 AND tag_value = $3",
        )
        .bind(feature)
        .bind(&tag.tag_type)
        .bind(&tag.value)
        .execute(self.tx())
        .await?;
        Ok(())
    }
}
