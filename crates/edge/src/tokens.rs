//! Tokens as the edge knows them: the secret an SDK presents, its kind and
//! its scope (an environment and projects), learnt from the upstream's
//! `POST /edge/validate`, from `--pretrusted-tokens`, or (offline) from the
//! token's own text. Validated once, cached, and re-validated every
//! `--token-revalidation-interval-seconds`; a secret the upstream does not
//! know is remembered as unknown until then.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use serde::{Deserialize, Serialize};

/// A token's kind: what it may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Backend SDKs: `/api/client/*` (Unleash's `client` or `backend`).
    #[serde(alias = "backend")]
    Client,
    /// Frontend SDKs: `/api/frontend`, `/api/proxy`.
    Frontend,
    /// An admin token: refused by every edge route.
    Admin,
}

/// The flags a token sees: one environment, all (`["*"]`) or some projects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    pub environment: String,
    /// Sorted, without duplicates; `["*"]` for every project.
    pub projects: Vec<String>,
}

impl Scope {
    pub fn new(environment: &str, projects: &[String]) -> Scope {
        let mut projects: Vec<String> = if projects.is_empty() || projects.iter().any(|p| p == "*")
        {
            vec!["*".to_owned()]
        } else {
            projects.to_vec()
        };
        projects.sort();
        projects.dedup();
        Scope {
            environment: environment.to_owned(),
            projects,
        }
    }

    pub fn all_projects(&self) -> bool {
        self.projects.iter().any(|p| p == "*")
    }

    pub fn sees_project(&self, project: &str) -> bool {
        self.all_projects() || self.projects.iter().any(|p| p == project)
    }

    /// Whether every flag `other` sees is in this scope.
    pub fn covers(&self, other: &Scope) -> bool {
        self.environment == other.environment
            && (self.all_projects() || other.projects.iter().all(|p| self.sees_project(p)))
    }

    /// A name for files and logs that does not show the projects' names.
    pub fn key(&self) -> String {
        use sha2::{Digest, Sha256};
        let text = format!("{}\n{}", self.environment, self.projects.join(","));
        format!(
            "{}-{}",
            sanitized(&self.environment),
            hex::encode(&Sha256::digest(text.as_bytes())[..8])
        )
    }
}

fn sanitized(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(40)
        .collect()
}

/// A live token: the upstream's `/edge/validate` answer for one secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EdgeToken {
    pub token: String,
    #[serde(rename = "type")]
    pub kind: TokenKind,
    pub environment: String,
    #[serde(default)]
    pub projects: Vec<String>,
    /// The scope, made from the two fields above on first use (every
    /// request asks for it).
    #[serde(skip)]
    scope: OnceLock<Scope>,
}

/// Equal when the upstream's fields are (whether the scope was made yet
/// does not count).
impl PartialEq for EdgeToken {
    fn eq(&self, other: &EdgeToken) -> bool {
        (&self.token, self.kind, &self.environment, &self.projects)
            == (
                &other.token,
                other.kind,
                &other.environment,
                &other.projects,
            )
    }
}

impl Eq for EdgeToken {}

impl EdgeToken {
    pub fn scope(&self) -> &Scope {
        self.scope
            .get_or_init(|| Scope::new(&self.environment, &self.projects))
    }

    /// A token read from its own text (`project:environment.secret`, or
    /// `secret@environment` for a pretrusted frontend token): what offline
    /// mode and `--pretrusted-tokens` know without an upstream. `[]:` (several
    /// projects, named only upstream) and admin tokens are not readable so.
    pub fn from_text(text: &str, kind: TokenKind) -> Option<EdgeToken> {
        let text = text.trim();
        let (project, environment) = if let Some((project, rest)) = text.split_once(':') {
            let (environment, secret) = rest.split_once('.')?;
            if secret.is_empty() || project == "[]" || environment == "*" {
                return None;
            }
            (project, environment)
        } else {
            let (secret, environment) = text.rsplit_once('@')?;
            if secret.is_empty() || environment.is_empty() {
                return None;
            }
            ("*", environment)
        };
        Some(EdgeToken {
            token: text.to_owned(),
            kind,
            environment: environment.to_owned(),
            projects: vec![project.to_owned()],
            scope: OnceLock::new(),
        })
    }

    /// The secret with all but its scope and first characters hidden (for
    /// `/internal-backstage/tokens` and logs).
    pub fn masked(&self) -> String {
        masked(&self.token)
    }
}

pub fn masked(secret: &str) -> String {
    let visible = secret.find('.').map_or(6, |dot| dot + 5).min(secret.len());
    let cut = (0..=visible)
        .rev()
        .find(|&i| secret.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}…", &secret[..cut])
}

/// What the edge knows of a secret.
#[derive(Debug, Clone)]
pub enum Known {
    /// Shared, so a request's look-up copies a pointer, not the token.
    Valid(Arc<EdgeToken>),
    /// The upstream said it is not a live token.
    Unknown,
}

/// Every secret the edge has seen, valid or not (bounded: unknown secrets are
/// forgotten past [`MAX_UNKNOWN`]).
#[derive(Debug, Default)]
pub struct Tokens {
    known: RwLock<HashMap<String, Known>>,
    /// Trusted without asking (never re-validated, never forgotten).
    pretrusted: HashMap<String, Arc<EdgeToken>>,
}

/// Most unknown secrets remembered.
pub const MAX_UNKNOWN: usize = 10_000;

impl Tokens {
    pub fn new(pretrusted: impl IntoIterator<Item = EdgeToken>) -> Tokens {
        Tokens {
            known: RwLock::default(),
            pretrusted: pretrusted
                .into_iter()
                .map(|t| (t.token.clone(), Arc::new(t)))
                .collect(),
        }
    }

    pub fn get(&self, secret: &str) -> Option<Known> {
        if let Some(token) = self.pretrusted.get(secret) {
            return Some(Known::Valid(token.clone()));
        }
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        known.get(secret).cloned()
    }

    /// Records the upstream's verdict on `asked`: the `valid` ones, and the
    /// rest as unknown.
    pub fn record(&self, asked: &[String], valid: &[EdgeToken]) {
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        let unknown = known
            .values()
            .filter(|k| matches!(k, Known::Unknown))
            .count();
        if unknown + asked.len() > MAX_UNKNOWN {
            known.retain(|_, k| matches!(k, Known::Valid(_)));
        }
        for secret in asked {
            match valid.iter().find(|t| &t.token == secret) {
                Some(token) => known.insert(secret.clone(), Known::Valid(Arc::new(token.clone()))),
                None => known.insert(secret.clone(), Known::Unknown),
            };
        }
    }

    /// Every valid token (pretrusted ones included).
    pub fn valid(&self) -> Vec<EdgeToken> {
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        let mut tokens: Vec<EdgeToken> = known
            .values()
            .filter_map(|k| match k {
                Known::Valid(t) => Some(EdgeToken::clone(t)),
                Known::Unknown => None,
            })
            .chain(self.pretrusted.values().map(|t| EdgeToken::clone(t)))
            .collect();
        tokens.sort_by(|a, b| a.token.cmp(&b.token));
        tokens
    }

    /// The secrets to re-validate: every one that is not pretrusted.
    pub fn to_revalidate(&self) -> Vec<String> {
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        known.keys().cloned().collect()
    }

    /// A client token whose scope covers `scope` (to fetch a frontend
    /// token's flags with).
    pub fn client_covering(&self, scope: &Scope) -> Option<EdgeToken> {
        self.valid()
            .into_iter()
            .filter(|t| t.kind == TokenKind::Client && t.scope().covers(scope))
            .min_by_key(|t| t.projects.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_read_from_their_text() {
        let token = EdgeToken::from_text("default:development.abc", TokenKind::Client);
        assert_eq!(
            token.map(|t| t.scope().clone()),
            Some(Scope::new("development", &["default".to_owned()]))
        );
        let pretrusted = EdgeToken::from_text("secret-123@production", TokenKind::Frontend);
        assert_eq!(
            pretrusted.map(|t| t.scope().clone()),
            Some(Scope::new("production", &[]))
        );
        assert!(EdgeToken::from_text("[]:development.abc", TokenKind::Client).is_none());
        assert!(EdgeToken::from_text("*:*.abc", TokenKind::Client).is_none());
        assert_eq!(masked("*:development.0123456789"), "*:development.0123…");
    }

    #[test]
    fn scopes_cover_narrower_ones() {
        let all = Scope::new("dev", &["*".to_owned()]);
        let some = Scope::new("dev", &["b".to_owned(), "a".to_owned()]);
        let one = Scope::new("dev", &["a".to_owned()]);
        assert!(all.covers(&some) && some.covers(&one) && !one.covers(&some));
        assert!(!Scope::new("prod", &[]).covers(&one));
        assert_eq!(some.projects, ["a", "b"]);
    }
}
