//! API tokens. Only a SHA-256 hash of each secret is stored.

use sqlx::Row;

use super::{from_json, to_json, StorageResult, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub secret_hash: String,
    pub token_name: String,
    pub token_type: String,
    pub projects: Vec<String>,
    pub environment: String,
    pub created_at: String,
    pub expires_at: Option<String>,
}

impl Store {
    pub async fn tokens(&self) -> StorageResult<Vec<TokenRow>> {
        let rows = sqlx::query(
            "SELECT secret_hash, token_name, type, projects, environment, created_at, expires_at \
             FROM api_tokens ORDER BY created_at, token_name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenRow {
                    secret_hash: r.try_get("secret_hash")?,
                    token_name: r.try_get("token_name")?,
                    token_type: r.try_get("type")?,
                    projects: from_json(&r.try_get::<String, _>("projects")?)?,
                    environment: r.try_get("environment")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .collect()
    }
}

impl WriteTx<'_> {
    pub async fn insert_token(&mut self, token: &TokenRow) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO api_tokens (secret_hash, token_name, type, projects, environment, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&token.secret_hash)
        .bind(&token.token_name)
        .bind(&token.token_type)
        .bind(to_json(&token.projects))
        .bind(&token.environment)
        .bind(&token.created_at)
        .bind(&token.expires_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn delete_token(&mut self, secret_hash: &str) -> StorageResult<bool> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE secret_hash = $1")
            .bind(secret_hash)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn token_count(&mut self) -> StorageResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens")
            .fetch_one(&mut *self.tx)
            .await?)
    }
}
