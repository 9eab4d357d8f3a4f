//! API tokens. Only a SHA-256 hash of each secret is stored.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{from_json, to_json, Reader, Source, StorageResult, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Public, stable id: shown in lists, accepted by DELETE instead of the secret.
    pub id: String,
    pub secret_hash: String,
    /// The first characters of the secret (scope and a few random ones), safe to show.
    pub secret_prefix: Option<String>,
    pub token_name: String,
    pub token_type: String,
    pub projects: Vec<String>,
    pub environment: String,
    pub created_at: String,
    pub expires_at: Option<String>,
}

const TOKEN_SELECT: &str = "SELECT id, secret_hash, secret_prefix, token_name, type, projects, \
     environment, created_at, expires_at FROM api_tokens ORDER BY created_at, token_name";

fn token_from_row(r: &AnyRow) -> StorageResult<TokenRow> {
    Ok(TokenRow {
        id: r.try_get("id")?,
        secret_hash: r.try_get("secret_hash")?,
        secret_prefix: r.try_get("secret_prefix")?,
        token_name: r.try_get("token_name")?,
        token_type: r.try_get("type")?,
        projects: from_json(&r.try_get::<String, _>("projects")?)?,
        environment: r.try_get("environment")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

impl<S: Source> Reader<S> {
    pub async fn tokens(&self) -> StorageResult<Vec<TokenRow>> {
        let rows = sqlx::query(TOKEN_SELECT)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Whether a token with this secret hash is stored.
    pub async fn token_exists(&self, secret_hash: &str) -> StorageResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE secret_hash = $1")
            .bind(secret_hash)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(n > 0)
    }

    /// Whether any admin token is stored (expired ones included).
    pub async fn admin_token_exists(&self) -> StorageResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE type = 'admin'")
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(n > 0)
    }
}

impl WriteTx<'_> {
    pub async fn insert_token(&mut self, token: &TokenRow) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO api_tokens (id, secret_hash, secret_prefix, token_name, type, projects, \
             environment, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&token.id)
        .bind(&token.secret_hash)
        .bind(&token.secret_prefix)
        .bind(&token.token_name)
        .bind(&token.token_type)
        .bind(to_json(&token.projects))
        .bind(&token.environment)
        .bind(&token.created_at)
        .bind(&token.expires_at)
        .execute(self.tx())
        .await?;
        Ok(())
    }

    pub async fn delete_token(&mut self, id: &str) -> StorageResult<bool> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn set_token_expiry(&mut self, id: &str, expires_at: &str) -> StorageResult<()> {
        sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE id = $2")
            .bind(expires_at)
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
