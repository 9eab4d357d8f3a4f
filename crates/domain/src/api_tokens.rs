//! API tokens as the domain knows them: Unleash's secret format, the hash a
//! secret is stored and looked up by, and the in-memory cache of stored tokens
//! (keyed by the SHA-256 of the secret, so a secret is never compared byte by
//! byte and never stored). The HTTP layer's extractors read it.

use std::collections::{HashMap, HashSet};

use arc_swap::ArcSwap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::ops::pats::PAT_PREFIX;
use flagstaff_storage::{Clock, StorageResult, Store};

/// A token's type, as stored (the storage crate's, so its rows carry it).
pub use flagstaff_storage::TokenKind;

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
    /// The hashes of the stored personal access tokens: PATs are looked up in
    /// the database, but only those named here while an address is over its
    /// failed-authentication budget.
    pat_hashes: ArcSwap<HashSet<String>>,
    /// The hashes of the stored signal endpoint tokens, for the same reason.
    signal_hashes: ArcSwap<HashSet<String>>,
    /// What decides whether a token has expired.
    clock: Clock,
}

impl TokenCache {
    /// An empty cache whose tokens expire by `clock`.
    pub fn new(clock: Clock) -> TokenCache {
        TokenCache {
            clock,
            ..TokenCache::default()
        }
    }

    pub async fn reload(&self, store: &Store) -> StorageResult<()> {
        let map = store
            .tokens()
            .await?
            .into_iter()
            .map(|t| {
                (
                    t.secret_hash,
                    ApiToken {
                        id: t.id,
                        name: t.token_name,
                        kind: t.token_type,
                        projects: t.projects,
                        environment: t.environment,
                        expires_at: t.expires_at,
                    },
                )
            })
            .collect();
        self.by_hash.store(std::sync::Arc::new(map));
        let pats = store.pat_hashes().await?.into_iter().collect();
        self.pat_hashes.store(std::sync::Arc::new(pats));
        let signal_tokens = store.signal_token_hashes().await?.into_iter().collect();
        self.signal_hashes.store(std::sync::Arc::new(signal_tokens));
        Ok(())
    }

    /// Whether `secret` may be a stored signal endpoint token.
    pub fn may_be_signal_token(&self, secret: &str) -> bool {
        self.signal_hashes.load().contains(&hash_secret(secret))
    }

    /// Whether `secret` may be a stored PAT (its hash is a stored PAT's).
    pub fn may_be_pat(&self, secret: &str) -> bool {
        secret.starts_with(PAT_PREFIX) && self.pat_hashes.load().contains(&hash_secret(secret))
    }

    /// Whether the token with this id is still stored and unexpired (a stream
    /// checks it whenever it wakes).
    pub fn is_live(&self, id: &str) -> bool {
        self.by_hash
            .load()
            .values()
            .any(|t| t.id == id && t.expires_at.is_none_or(|at| at > self.clock.now()))
    }

    /// The live token with this secret: unknown and expired ones are `None`.
    pub fn find(&self, secret: &str) -> Option<ApiToken> {
        self.by_hash
            .load()
            .get(&hash_secret(secret))
            .filter(|t| t.expires_at.is_none_or(|at| at > self.clock.now()))
            .cloned()
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
