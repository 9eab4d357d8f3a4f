//! Token operations: creating, bootstrapping and revoking API tokens. The admin
//! API, the `INIT_*_API_TOKENS` variables and the first start all call these,
//! so the scope rules (Unleash's) live in one place.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Actor, Context, FieldPath, OpError, OpResult, Operation};
use crate::api_tokens::{hash_secret, TokenKind};
use flagstaff_storage::{now, stored, EventKind, NewEvent, TokenRow, WriteTx};

// The tokens a start makes live in `start_tokens.rs`; these keep their paths.
pub use super::start_tokens::{
    apply_init_tokens, ensure_admin_token, InitToken, InitTokenSecrets, BOOTSTRAP_ADMIN_NAME,
};

/// What a new token is for; the secret is generated.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub name: String,
    pub kind: TokenKind,
    /// Empty or containing `*` means all projects.
    pub projects: Vec<String>,
    /// `None`: `*` for admin tokens, `development` otherwise (as Unleash).
    pub environment: Option<String>,
    pub expires_at: Option<String>,
}

/// A stored token and its secret, which is never shown again.
#[derive(Debug)]
pub struct CreatedToken {
    pub row: TokenRow,
    pub secret: String,
}

/// Who a token is, for events: never the secret.
pub fn public_json(t: &TokenRow) -> Value {
    crate::wire::to_value(&crate::wire::tokens::TokenView::from(t))
}

/// The stored prefix, or the scope alone for tokens stored before prefixes were kept.
pub fn display_prefix(t: &TokenRow) -> String {
    t.secret_prefix.clone().unwrap_or_else(|| {
        let project = match t.projects.as_slice() {
            [one] => one.as_str(),
            _ => "[]",
        };
        format!("{project}:{}.", t.environment)
    })
}

/// The non-secret start of a secret: its scope, plus four characters of the
/// random part when that part is long enough for them to give nothing away.
pub(super) fn secret_prefix(secret: &str) -> String {
    match secret.split_once('.') {
        Some((scope, random)) if random.len() >= 24 => {
            let shown: String = random.chars().take(4).collect();
            format!("{scope}.{shown}")
        }
        Some((scope, _)) => format!("{scope}."),
        None => String::new(),
    }
}

/// Unleash's secret format: `<project|[]|*>:<environment|*>.<56 hex characters>`.
pub(super) fn generate_secret(projects: &[String], environment: &str) -> String {
    let scope = match projects {
        [one] => one.as_str(),
        _ => "[]",
    };
    let random: String = (0..2)
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect();
    format!("{scope}:{environment}.{}", &random[..56])
}

/// Normalises a scope and checks it as Unleash does: admin tokens cover
/// everything, other tokens exactly one existing environment, and every named
/// project must exist.
pub(super) async fn checked_scope(
    w: &mut WriteTx<'_>,
    kind: TokenKind,
    projects: Vec<String>,
    environment: Option<String>,
) -> OpResult<(Vec<String>, String)> {
    let projects = if projects.is_empty() || projects.iter().any(|p| p == "*") {
        vec!["*".to_owned()]
    } else {
        projects
    };
    let environment = match kind {
        TokenKind::Admin => {
            if projects != ["*"] || environment.as_deref().is_some_and(|e| e != "*") {
                return Err(OpError::invalid_input(
                    "Admin token cannot be scoped to single project or environment",
                ));
            }
            "*".to_owned()
        }
        TokenKind::Client | TokenKind::Frontend => {
            let environment = environment.unwrap_or_else(|| "development".to_owned());
            if environment == "*" {
                return Err(OpError::invalid(
                    FieldPath::root().field("environment"),
                    "Client token cannot be scoped to all environments",
                ));
            }
            if !w.environment_exists(&environment).await? {
                return Err(OpError::invalid(
                    FieldPath::root().field("environment"),
                    format!("Environment={environment} does not exist"),
                ));
            }
            environment
        }
    };
    for (i, project) in projects.iter().enumerate() {
        if project != "*" && !w.project_exists(project).await? {
            return Err(OpError::invalid(
                FieldPath::root().field("projects").index(i),
                format!("Project={project} does not exist"),
            ));
        }
    }
    Ok((projects, environment))
}

/// Stores a token with the given secret and records its event.
pub(super) async fn insert(
    w: &mut WriteTx<'_>,
    name: String,
    kind: TokenKind,
    scope: (Vec<String>, String),
    secret: &str,
    expires_at: Option<DateTime<Utc>>,
    actor: &Actor,
) -> OpResult<TokenRow> {
    let (projects, environment) = scope;
    let row = TokenRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        secret_hash: hash_secret(secret),
        secret_prefix: Some(secret_prefix(secret)),
        token_name: name,
        token_type: kind,
        projects,
        environment,
        created_at: now(),
        expires_at,
    };
    w.insert_token(&row).await?;
    w.record_event(NewEvent {
        created_by: actor.name.clone(),
        environment: Some(row.environment.clone()),
        data: Some(public_json(&row)),
        ..NewEvent::new(EventKind::ApiTokenCreated)
    })
    .await?;
    Ok(row)
}

fn expires_at() -> FieldPath {
    FieldPath::root().field("expiresAt")
}

/// `expiresAt`: an instant after `now` (RFC 3339, in any offset and
/// precision), to the millisecond in UTC, as stored.
fn parse_expiry(text: &str, now: DateTime<Utc>) -> OpResult<DateTime<Utc>> {
    let at = DateTime::parse_from_rfc3339(text.trim())
        .map_err(|e| {
            OpError::invalid(
                expires_at(),
                format!("{text:?} is not a date-time such as 2030-01-31T12:00:00Z ({e})"),
            )
        })?
        .with_timezone(&Utc);
    if at <= now {
        return Err(OpError::invalid(
            expires_at(),
            format!("{text:?} is in the past"),
        ));
    }
    Ok(stored(at))
}

/// Creates a token with a new secret (the admin API's `POST /api/admin/api-tokens`).
#[derive(Debug, Clone)]
pub struct CreateToken(pub TokenRequest);

impl Operation for CreateToken {
    type Output = CreatedToken;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<CreatedToken> {
        let actor = &cx.actor;
        let request = self.0;
        let name = request.name.trim().to_owned();
        if name.is_empty() {
            return Err(OpError::invalid(
                FieldPath::root().field("tokenName"),
                "a token needs a name",
            ));
        }
        let expires_at = request
            .expires_at
            .as_deref()
            .map(|at| parse_expiry(at, w.clock().now()))
            .transpose()?;
        let scope = checked_scope(w, request.kind, request.projects, request.environment).await?;
        let secret = generate_secret(&scope.0, &scope.1);
        let row = insert(w, name, request.kind, scope, &secret, expires_at, actor).await?;
        Ok(CreatedToken { row, secret })
    }
}

/// The stored token with this public id or secret.
pub(super) async fn find_token(w: &mut WriteTx<'_>, id_or_secret: &str) -> OpResult<TokenRow> {
    let hash = hash_secret(id_or_secret);
    w.tokens()
        .await?
        .into_iter()
        .find(|t| t.id == id_or_secret || t.secret_hash == hash)
        .ok_or_else(|| OpError::NotFound("Could not find API token".to_owned()))
}

/// Sets when a token (by public id or secret) expires (`PUT /api/admin/api-tokens/:token`).
#[derive(Debug, Clone)]
pub struct SetTokenExpiry {
    pub id_or_secret: String,
    pub expires_at: String,
}

impl Operation for SetTokenExpiry {
    type Output = TokenRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<TokenRow> {
        let expires_at = parse_expiry(&self.expires_at, w.clock().now())?;
        let before = find_token(w, &self.id_or_secret).await?;
        w.set_token_expiry(&before.id, &expires_at).await?;
        let after = TokenRow {
            expires_at: Some(expires_at),
            ..before.clone()
        };
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            environment: Some(after.environment.clone()),
            pre_data: Some(public_json(&before)),
            data: Some(public_json(&after)),
            ..NewEvent::new(EventKind::ApiTokenUpdated)
        })
        .await?;
        Ok(after)
    }
}

/// Revokes a token named by its public id or by its secret.
#[derive(Debug, Clone)]
pub struct RevokeToken {
    pub id_or_secret: String,
}

impl Operation for RevokeToken {
    type Output = TokenRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<TokenRow> {
        let actor = &cx.actor;
        let token = find_token(w, &self.id_or_secret).await?;
        w.delete_token(&token.id).await?;
        w.record_event(NewEvent {
            created_by: actor.name.clone(),
            environment: Some(token.environment.clone()),
            pre_data: Some(public_json(&token)),
            ..NewEvent::new(EventKind::ApiTokenDeleted)
        })
        .await?;
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_show_scope_and_little_else() {
        assert_eq!(
            secret_prefix("default:development.4c5a9e0d1b2c3d4e5f6a7b8c9d"),
            "default:development.4c5a"
        );
        // A short (weak) secret shows nothing of its random part.
        assert_eq!(secret_prefix("*:*.my-admin-secret"), "*:*.");
        let generated = generate_secret(&["*".to_owned()], "*");
        assert!(generated.starts_with("*:*."));
        assert_eq!(generated.len(), 4 + 56);
        assert_eq!(secret_prefix(&generated).len(), 8);
    }

    #[test]
    fn multi_project_secrets_say_so() {
        let secret = generate_secret(&["a".to_owned(), "b".to_owned()], "production");
        assert!(secret.starts_with("[]:production."), "{secret}");
        assert_ne!(secret, generate_secret(&["a".to_owned()], "production"));
    }
}
