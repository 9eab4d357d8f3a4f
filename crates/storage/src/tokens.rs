//! API tokens. Only a SHA-256 hash of each secret is stored.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::columns::{decoded, instant, instant_text, parse_instant};
use super::{from_json, to_json, Reader, Source, StorageResult, WriteTx};

/// What a token may do (the `type` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Admin,
    /// Unleash calls these `backend` (formerly `client`).
    Client,
    Frontend,
}

impl TokenKind {
    /// A type as clients write it (any case; `backend` is `client`).
    pub fn parse(text: &str) -> Option<TokenKind> {
        match text.to_ascii_lowercase().as_str() {
            "admin" => Some(TokenKind::Admin),
            "client" | "backend" => Some(TokenKind::Client),
            "frontend" => Some(TokenKind::Frontend),
            _ => None,
        }
    }

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Admin => "admin",
            TokenKind::Client => "client",
            TokenKind::Frontend => "frontend",
        }
    }

    /// As Unleash's API shows it (`backend` for client tokens).
    pub fn shown(self) -> &'static str {
        match self {
            TokenKind::Client => "backend",
            other => other.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Public, stable id: shown in lists, accepted by DELETE instead of the secret.
    pub id: String,
    pub secret_hash: String,
    /// The first characters of the secret (scope and a few random ones), safe to show.
    pub secret_prefix: Option<String>,
    pub token_name: String,
    pub token_type: TokenKind,
    pub projects: Vec<String>,
    pub environment: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

const TOKEN_SELECT: &str = "SELECT id, secret_hash, secret_prefix, token_name, type, projects, \
     environment, created_at, expires_at FROM api_tokens ORDER BY created_at, token_name";

fn token_from_row(r: &AnyRow) -> StorageResult<TokenRow> {
    Ok(TokenRow {
        id: r.try_get("id")?,
        secret_hash: r.try_get("secret_hash")?,
        secret_prefix: r.try_get("secret_prefix")?,
        token_name: r.try_get("token_name")?,
        token_type: decoded(r, "type", TokenKind::parse, "a token type")?,
        projects: from_json(&r.try_get::<String, _>("projects")?)?,
        environment: r.try_get("environment")?,
        created_at: instant(r, "created_at")?,
        expires_at: expiry(r)?,
    })
}

/// A token's expiry. One that is not an instant was stored before expiry
/// dates were checked: the token counts as expired long ago (fail closed),
/// rather than failing every read of the tokens.
fn expiry(r: &AnyRow) -> StorageResult<Option<DateTime<Utc>>> {
    let Some(text) = r.try_get::<Option<String>, _>("expires_at")? else {
        return Ok(None);
    };
    Ok(Some(parse_instant(&text).unwrap_or_else(|| {
        tracing::warn!(id = %r.try_get::<String, _>("id").unwrap_or_default(),
            "token refused: its expiry date {text:?} is not a date");
        DateTime::UNIX_EPOCH
    })))
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
        .bind(token.token_type.as_str())
        .bind(to_json(&token.projects))
        .bind(&token.environment)
        .bind(instant_text(&token.created_at))
        .bind(token.expires_at.as_ref().map(instant_text))
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

    pub async fn set_token_expiry(
        &mut self,
        id: &str,
        expires_at: &DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE id = $2")
            .bind(instant_text(expires_at))
            .bind(id)
            .execute(self.tx())
            .await?;
        Ok(())
    }
}
