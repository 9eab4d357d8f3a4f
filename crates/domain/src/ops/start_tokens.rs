//! The tokens a start makes: those of the `INIT_*_API_TOKENS` variables
//! (stored on every start when new, refusing the start when one breaks a
//! scope rule) and the bootstrap admin token of a first start without them.
//! They keep the scope rules of `tokens.rs`, which they call.

use super::tokens::{checked_scope, generate_secret, insert, secret_prefix, CreatedToken};
use super::{apply, Actor, Context, Limits, OpError, OpResult, Operation};
use crate::api_tokens::{hash_secret, parse_secret_scope, TokenKind};
use flagstaff_storage::{Store, WriteTx};

/// What became of one `INIT_*` token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitToken {
    /// The variable it came from.
    pub variable: &'static str,
    pub name: String,
    /// Its non-secret prefix.
    pub prefix: String,
    pub created: bool,
}

/// The secrets of the `INIT_*` variables, as `flagstaff serve` read them.
#[derive(Debug, Clone, Default)]
pub struct InitTokenSecrets {
    pub admin: Vec<String>,
    pub backend: Vec<String>,
    pub client: Vec<String>,
    pub frontend: Vec<String>,
}

/// The `INIT_*` variables' tokens, each with the variable it came from, the
/// kind it creates and the name it is stored under.
fn init_entries(args: &InitTokenSecrets) -> Vec<(&'static str, TokenKind, &str)> {
    let sources: [(&'static str, TokenKind, &Vec<String>); 4] = [
        ("INIT_ADMIN_API_TOKENS", TokenKind::Admin, &args.admin),
        ("INIT_BACKEND_API_TOKENS", TokenKind::Client, &args.backend),
        ("INIT_CLIENT_API_TOKENS", TokenKind::Client, &args.client),
        (
            "INIT_FRONTEND_API_TOKENS",
            TokenKind::Frontend,
            &args.frontend,
        ),
    ];
    sources
        .into_iter()
        .flat_map(|(variable, kind, secrets)| {
            secrets
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(move |secret| (variable, kind, secret))
        })
        .collect()
}

/// The name an `INIT_*` token is stored under: its kind, as the list shows it
/// (Unleash names them all `admin`; the admin one keeps that name).
fn init_token_name(kind: TokenKind) -> String {
    match kind {
        TokenKind::Admin => "admin",
        TokenKind::Client => "backend",
        TokenKind::Frontend => "frontend",
    }
    .to_owned()
}

/// Stores every `INIT_*` token whose secret is not stored yet (on every start,
/// so adding one to the variables and restarting creates it). A token that
/// breaks a scope rule, or names a project or environment that does not exist,
/// stops the start: nothing is stored, and the error names the variable and scope
/// (never the secret).
pub async fn apply_init_tokens(store: &Store, args: &InitTokenSecrets) -> OpResult<Vec<InitToken>> {
    let entries = init_entries(args);
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    Ok(apply(
        store,
        &Context::new(Actor::system(), Limits::default()),
        InitTokens(entries),
    )
    .await?
    .output)
}

/// The `INIT_*` tokens: (variable, kind, secret).
struct InitTokens<'a>(Vec<(&'static str, TokenKind, &'a str)>);

impl Operation for InitTokens<'_> {
    type Output = Vec<InitToken>;

    /// The server's own start-up, not an admin's change.
    fn allowed_in_maintenance(&self) -> bool {
        true
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<Vec<InitToken>> {
        let actor = &cx.actor;
        let mut outcomes = Vec::with_capacity(self.0.len());
        for (variable, kind, secret) in self.0 {
            let prefix = secret_prefix(secret);
            // Not a request body: the message names the variable.
            let invalid =
                |why: String| OpError::invalid_input(format!("{variable}: token {prefix}…: {why}"));
            let (project, environment) = parse_secret_scope(secret).ok_or_else(|| {
                invalid("is not in the form <project>:<environment>.<secret>".to_owned())
            })?;
            if kind == TokenKind::Admin && (project, environment) != ("*", "*") {
                return Err(invalid("an admin token must start with *:*.".to_owned()));
            }
            let scope = checked_scope(
                w,
                kind,
                vec![project.to_owned()],
                Some(environment.to_owned()),
            )
            .await
            .map_err(|e| match e {
                OpError::Invalid { message, .. } => invalid(message),
                other => other,
            })?;
            let name = init_token_name(kind);
            let created = !w.token_exists(&hash_secret(secret)).await?;
            if created {
                insert(w, name.clone(), kind, scope, secret, None, actor).await?;
            }
            outcomes.push(InitToken {
                variable,
                name,
                prefix,
                created,
            });
        }
        Ok(outcomes)
    }
}

/// The name of the admin token made on a start that finds none.
pub const BOOTSTRAP_ADMIN_NAME: &str = "bootstrap-admin";

/// When no admin token is stored (a first start without `INIT_ADMIN_API_TOKENS`),
/// creates one so that somebody can get in, and returns it with its secret for
/// the caller to show once. Returns `None` when an admin token exists.
pub async fn ensure_admin_token(store: &Store) -> OpResult<Option<CreatedToken>> {
    Ok(apply(
        store,
        &Context::new(Actor::system(), Limits::default()),
        EnsureAdminToken,
    )
    .await?
    .output)
}

struct EnsureAdminToken;

impl Operation for EnsureAdminToken {
    type Output = Option<CreatedToken>;

    /// The server's own start-up, not an admin's change.
    fn allowed_in_maintenance(&self) -> bool {
        true
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<Option<CreatedToken>> {
        let actor = &cx.actor;
        if w.admin_token_exists().await? {
            return Ok(None);
        }
        let scope = checked_scope(w, TokenKind::Admin, Vec::new(), None).await?;
        let secret = generate_secret(&scope.0, &scope.1);
        let row = insert(
            w,
            BOOTSTRAP_ADMIN_NAME.to_owned(),
            TokenKind::Admin,
            scope,
            &secret,
            None,
            actor,
        )
        .await?;
        Ok(Some(CreatedToken { row, secret }))
    }
}
