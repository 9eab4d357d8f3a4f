//! `EdgeState`: what the handlers and the background tasks share — the
//! tokens, the scopes' flags, the metrics buffer, the upstream (none
//! offline), the backup folder — and the one way a request's token becomes a
//! scope with flags ([`EdgeState::authorise`], [`EdgeState::flags_for`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use flagstaff_server::client_address::TrustedProxies;
use ipnet::IpNet;

use crate::backup::Backup;
use crate::metrics::MetricsBuffer;
use crate::scopes::{Flags, ScopeEntry, Scopes};
use crate::tokens::{EdgeToken, Known, TokenKind, Tokens};
use crate::upstream::Upstream;

/// Plain settings the edge runs by.
#[derive(Debug, Clone)]
pub struct Settings {
    pub refresh_interval: Duration,
    pub revalidation_interval: Duration,
    pub metrics_interval: Duration,
    /// How long a request waits for a new scope's first fetch.
    pub first_fetch_wait: Duration,
    pub app_name: String,
    pub instance_id: String,
    pub token_header: String,
    pub disable_metrics_endpoint: bool,
    pub disable_features_endpoint: bool,
    pub disable_tokens_endpoint: bool,
    pub disable_metrics_batch_endpoint: bool,
    pub disable_instance_data_endpoint: bool,
    pub disable_all_endpoint: bool,
    /// Whose forwarding headers name the client (`--trust-proxy`).
    pub trusted_proxies: Arc<TrustedProxies>,
    /// `--allow-list` and `--deny-list`: empty allows everyone.
    pub allow_list: Vec<IpNet>,
    pub deny_list: Vec<IpNet>,
    pub streaming: bool,
}

#[derive(Debug)]
pub struct Inner {
    pub settings: Settings,
    pub tokens: Tokens,
    pub scopes: Scopes,
    pub metrics: MetricsBuffer,
    pub upstream: Option<Upstream>,
    pub backup: Option<Backup>,
    pub started: SystemTime,
    pub requests: crate::telemetry::RequestCounts,
    /// Places for asking the upstream about secrets seen for the first time:
    /// a flood of made-up tokens costs the upstream at most this many
    /// requests at once, and the rest a 503 without asking.
    pub validations: tokio::sync::Semaphore,
}

/// Most validations of new secrets in flight at once.
pub const MAX_VALIDATIONS: usize = 16;

#[derive(Debug, Clone)]
pub struct EdgeState(pub Arc<Inner>);

/// For the [`flagstaff_server::client_address::ClientAddress`] extractor.
impl axum::extract::FromRef<EdgeState> for Arc<TrustedProxies> {
    fn from_ref(state: &EdgeState) -> Arc<TrustedProxies> {
        state.settings.trusted_proxies.clone()
    }
}

impl std::ops::Deref for EdgeState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Why a request's token gets no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No token: 401, as Unleash.
    Missing,
    /// A token the upstream does not know: 403, as Edge.
    Unknown,
    /// A live token of another kind: 403.
    WrongKind,
    /// The upstream could not be asked about a new token, or its flags have
    /// not arrived yet: 503.
    Unavailable(String),
    /// A frontend token with no client token whose flags cover it: 511, as Edge.
    NoClientToken,
}

impl EdgeState {
    /// The token behind `secret`, if it is a live token of `kind` (asking the
    /// upstream the first time a secret is seen).
    pub async fn authorise(
        &self,
        secret: Option<&str>,
        kind: TokenKind,
    ) -> Result<Arc<EdgeToken>, Refusal> {
        let secret = secret
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(Refusal::Missing)?;
        let known = match self.tokens.get(secret) {
            Some(known) => known,
            None => self.validate_new(secret).await?,
        };
        match known {
            Known::Valid(token) if token.kind == kind => Ok(token),
            Known::Valid(_) => Err(Refusal::WrongKind),
            Known::Unknown => Err(Refusal::Unknown),
        }
    }

    async fn validate_new(&self, secret: &str) -> Result<Known, Refusal> {
        let Some(upstream) = &self.upstream else {
            return Ok(Known::Unknown);
        };
        let Ok(_place) = self.validations.try_acquire() else {
            return Err(Refusal::Unavailable(
                "too many new tokens are being validated; try again shortly".to_owned(),
            ));
        };
        let asked = [secret.to_owned()];
        let valid = upstream.validate(&asked).await.map_err(|e| {
            Refusal::Unavailable(format!("the upstream could not validate the token: {e}"))
        })?;
        self.tokens.record(&asked, &valid);
        self.save_tokens();
        Ok(self.tokens.get(secret).unwrap_or(Known::Unknown))
    }

    /// Writes the validated tokens to the backup folder, if there is one.
    pub fn save_tokens(&self) {
        if let Some(backup) = &self.backup {
            if let Err(error) = backup.save_tokens(&self.tokens.valid()) {
                tracing::warn!(%error, "could not write the tokens to the backup folder");
            }
        }
    }

    /// The flags `token` is answered from: its own scope's for a client
    /// token (fetched now if new), a covering client scope's for a frontend
    /// token. Waits up to `first_fetch_wait` for a first fetch.
    pub async fn flags_for(&self, token: &EdgeToken) -> Result<Arc<Flags>, Refusal> {
        let scope = token.scope();
        // A client token gets its own scope's document, never a wider one;
        // a frontend token's evaluation is filtered to its projects.
        let ready = match token.kind {
            TokenKind::Client => self.scopes.get(scope),
            _ => self.scopes.serving(scope),
        };
        if let Some(flags) = ready.and_then(|e| e.flags()) {
            return Ok(flags);
        }
        let client = match token.kind {
            TokenKind::Client => token.clone(),
            _ => self
                .tokens
                .client_covering(scope)
                .ok_or(Refusal::NoClientToken)?,
        };
        let entry = self.follow(&client);
        let arrived = entry.arrived.notified();
        if let Some(flags) = entry.flags() {
            return Ok(flags);
        }
        let _ = tokio::time::timeout(self.settings.first_fetch_wait, arrived).await;
        entry.flags().ok_or_else(|| {
            Refusal::Unavailable(
                entry.health().last_error.unwrap_or_else(|| {
                    "the flags have not arrived from the upstream yet".to_owned()
                }),
            )
        })
    }

    /// The entry of a client token's scope, its fetching started if it is new.
    pub fn follow(&self, client: &EdgeToken) -> Arc<ScopeEntry> {
        let (entry, new) = self.scopes.get_or_insert(client.scope(), &client.token);
        if new && self.upstream.is_some() {
            tokio::spawn(crate::follow::follow_scope(
                self.clone(),
                Arc::clone(&entry),
            ));
        }
        entry
    }
}
