//! API tokens: parsing Unleash's secret format, the in-memory cache of stored
//! tokens (keyed by the SHA-256 of the secret, so a secret is never compared
//! byte by byte and never stored), and the extractors that hand each handler a
//! token of the kind its API needs — and the signal endpoints' own tokens,
//! which are looked up in the database and open nothing else.

use std::collections::HashMap;

use arc_swap::ArcSwap;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Path};
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{SignalEndpointRow, SignalTokenRow, StorageResult, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Admin,
    /// Unleash calls these `backend` (formerly `client`).
    Client,
    Frontend,
}

impl TokenKind {
    pub fn parse(text: &str) -> Option<TokenKind> {
        match text.to_ascii_lowercase().as_str() {
            "admin" => Some(TokenKind::Admin),
            "client" | "backend" => Some(TokenKind::Client),
            "frontend" => Some(TokenKind::Frontend),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Admin => "admin",
            TokenKind::Client => "client",
            TokenKind::Frontend => "frontend",
        }
    }
}

/// A stored token as a request sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// The stored token's public id.
    pub id: String,
    pub name: String,
    pub kind: TokenKind,
    /// `["*"]` for all projects.
    pub projects: Vec<String>,
    /// `*` for admin tokens.
    pub environment: String,
    /// Checked on every request: an expired token is refused like an unknown one.
    pub expires_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub fn all_projects(&self) -> bool {
        self.projects.iter().any(|p| p == "*")
    }

    pub fn sees_project(&self, project: &str) -> bool {
        self.all_projects() || self.projects.iter().any(|p| p == project)
    }
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `<project>:<environment>.<rest>`: the scope written in a v1 secret.
pub fn parse_secret_scope(secret: &str) -> Option<(&str, &str)> {
    let (project, rest) = secret.split_once(':')?;
    let (environment, random) = rest.split_once('.')?;
    (!project.is_empty() && !environment.is_empty() && !random.is_empty())
        .then_some((project, environment))
}

#[derive(Default)]
pub struct TokenCache {
    by_hash: ArcSwap<HashMap<String, ApiToken>>,
}

impl TokenCache {
    pub async fn reload(&self, store: &Store) -> StorageResult<()> {
        let map = store
            .tokens()
            .await?
            .into_iter()
            .filter_map(|t| {
                let expires_at = match t.expires_at.as_deref().map(DateTime::parse_from_rfc3339) {
                    None => None,
                    Some(Ok(at)) => Some(at.with_timezone(&Utc)),
                    // Stored before expiry dates were checked: fail closed.
                    Some(Err(_)) => {
                        tracing::warn!(token = %t.token_name, id = %t.id,
                            "token refused: its expiry date {:?} is not a date", t.expires_at);
                        return None;
                    }
                };
                Some((
                    t.secret_hash,
                    ApiToken {
                        id: t.id,
                        name: t.token_name,
                        kind: TokenKind::parse(&t.token_type)?,
                        projects: t.projects,
                        environment: t.environment,
                        expires_at,
                    },
                ))
            })
            .collect();
        self.by_hash.store(std::sync::Arc::new(map));
        Ok(())
    }

    /// Whether the token with this id is still stored and unexpired (a stream
    /// checks it whenever it wakes).
    pub fn is_live(&self, id: &str) -> bool {
        self.by_hash
            .load()
            .values()
            .any(|t| t.id == id && t.expires_at.is_none_or(|at| at > Utc::now()))
    }

    /// The live token with this secret: unknown and expired ones are `None`.
    pub fn find(&self, secret: &str) -> Option<ApiToken> {
        self.by_hash
            .load()
            .get(&hash_secret(secret))
            .filter(|t| t.expires_at.is_none_or(|at| at > Utc::now()))
            .cloned()
    }
}

/// The secret in a request's `Authorization` header (raw, or after `Bearer `).
pub(crate) fn presented_secret(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let value = match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim(),
        _ => value,
    };
    (!value.is_empty()).then_some(value)
}

/// A request authorised with an admin token.
pub struct AdminToken(pub ApiToken);

/// A request authorised with a client (backend) token.
pub struct ClientToken(pub ApiToken);

/// What a request's `Authorization` header comes to.
enum Presented {
    Token(ApiToken),
    Missing,
    Wrong,
}

/// The request's client address, unless it presented too many missing or
/// wrong tokens this minute: then it is refused (429) before its token is
/// looked at. While no address is over its budget this is one atomic load.
fn address_within_quota(parts: &Parts, state: &AppState) -> Result<Option<IpAddr>, ApiError> {
    let address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(retry_after) = address.and_then(|a| state.quotas.failed_auth.refused(&a)) {
        return Err(ApiError::TooManyRequests {
            message:
                "Too many requests with a wrong or missing token from this address; try again later"
                    .to_owned(),
            retry_after,
        });
    }
    Ok(address)
}

/// Counts a missing or wrong token against its address's quota.
fn count_failure(state: &AppState, address: Option<IpAddr>) {
    if let Some(address) = address {
        let _ = state.quotas.failed_auth.take(&address);
    }
}

/// The request's API token, within the failed-authentication quota.
fn authenticate(parts: &Parts, state: &AppState) -> Result<Presented, ApiError> {
    let address = address_within_quota(parts, state)?;
    let presented = match presented_secret(&parts.headers) {
        None => Presented::Missing,
        Some(secret) => state
            .tokens
            .find(secret)
            .map_or(Presented::Wrong, Presented::Token),
    };
    if let Presented::Missing | Presented::Wrong = presented {
        count_failure(state, address);
    }
    Ok(presented)
}

/// A request to `POST /api/signal-endpoint/:name` authorised with one of that
/// endpoint's tokens. These tokens live apart from API tokens (the token
/// cache never holds them), so they open no other route, and no API token
/// opens a signal endpoint. A missing or wrong token, a token of another
/// endpoint and an endpoint that does not exist are the same 401, counted
/// against the address's failed-authentication quota like any wrong token,
/// so the endpoint tells a guesser nothing.
pub struct SignalToken {
    pub endpoint: SignalEndpointRow,
    pub token: SignalTokenRow,
}

impl FromRequestParts<AppState> for SignalToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let address = address_within_quota(parts, state)?;
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::SignalUnauthorized)?;
        let found = match presented_secret(&parts.headers) {
            None => None,
            Some(secret) => {
                state
                    .store
                    .signal_token(&name, &hash_secret(secret))
                    .await?
            }
        };
        match found {
            Some((endpoint, token)) => Ok(SignalToken { endpoint, token }),
            None => {
                count_failure(state, address);
                Err(ApiError::SignalUnauthorized)
            }
        }
    }
}

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = match authenticate(parts, state)? {
            Presented::Token(token) => token,
            Presented::Missing => return Err(ApiError::AuthenticationRequired),
            Presented::Wrong => return Err(ApiError::Unauthorized),
        };
        match token.kind {
            TokenKind::Admin => Ok(AdminToken(token)),
            _ => Err(ApiError::Forbidden),
        }
    }
}

/// A token of one of `kinds` for the SDK-facing APIs, which answer with their
/// bare `{"message"}` 401 and 403.
fn sdk_token(parts: &Parts, state: &AppState, kinds: &[TokenKind]) -> Result<ApiToken, ApiError> {
    let Presented::Token(token) = authenticate(parts, state)? else {
        return Err(ApiError::ClientUnauthorized);
    };
    if kinds.contains(&token.kind) {
        Ok(token)
    } else {
        Err(ApiError::ClientForbidden)
    }
}

/// A request authorised with a frontend token.
pub struct FrontendToken(pub ApiToken);

/// A request authorised with a client or a frontend token (OFREP accepts both).
pub struct EvaluationToken(pub ApiToken);

impl FromRequestParts<AppState> for ClientToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        sdk_token(parts, state, &[TokenKind::Client]).map(ClientToken)
    }
}

impl FromRequestParts<AppState> for FrontendToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        sdk_token(parts, state, &[TokenKind::Frontend]).map(FrontendToken)
    }
}

impl FromRequestParts<AppState> for EvaluationToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        sdk_token(parts, state, &[TokenKind::Client, TokenKind::Frontend]).map(EvaluationToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_their_scope() {
        assert_eq!(parse_secret_scope("*:*.abc"), Some(("*", "*")));
        assert_eq!(
            parse_secret_scope("default:development.4c5a"),
            Some(("default", "development"))
        );
        assert_eq!(
            parse_secret_scope("[]:production.x.y"),
            Some(("[]", "production"))
        );
        for bad in ["", "abc", "default:development", ":dev.x", "p:.x", "p:dev."] {
            assert_eq!(parse_secret_scope(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hashes_are_stable_and_distinct() {
        assert_eq!(hash_secret("a"), hash_secret("a"));
        assert_ne!(hash_secret("a"), hash_secret("b"));
        assert_eq!(hash_secret("a").len(), 64);
    }
}
