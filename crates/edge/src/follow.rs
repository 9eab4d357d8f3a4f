//! The edge's background work: following each scope's flags upstream
//! (`If-None-Match` every `--features-refresh-interval-seconds`, backing off
//! while the upstream fails, keeping the last good flags), re-validating
//! tokens, sending metrics, and the start: backup first, then `--tokens`.

use std::sync::Arc;
use std::time::Duration;

use crate::backup::ScopeBackup;
use crate::scopes::{Flags, ScopeEntry};
use crate::state::EdgeState;
use crate::tokens::{Known, TokenKind};
use crate::upstream::Fetched;

/// Longest wait between fetches while the upstream fails.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The wait after `failures` failed fetches in a row: the interval, doubled
/// per failure up to [`MAX_BACKOFF`] (never below the interval).
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let doubled = interval.saturating_mul(1 << failures.min(8));
    doubled.min(MAX_BACKOFF.max(interval))
}

/// Fetches `entry`'s flags until its scope is gone (no live token left):
/// every refresh interval, and at once when the upstream's stream (with
/// `--streaming`) announces a change.
pub async fn follow_scope(state: EdgeState, entry: Arc<ScopeEntry>) {
    if state.settings.streaming {
        tokio::spawn(crate::stream::listen(state.clone(), Arc::clone(&entry)));
    }
    loop {
        if !state
            .scopes
            .get(&entry.scope)
            .is_some_and(|current| Arc::ptr_eq(&current, &entry))
        {
            return;
        }
        if !refresh(&state, &entry).await {
            return;
        }
        let failures = entry.health().failures_in_a_row;
        tokio::select! {
            () = tokio::time::sleep(backoff(state.settings.refresh_interval, failures)) => {}
            () = entry.wake.notified() => {}
        }
    }
}

/// One fetch of `entry`'s flags; false when the scope is gone.
pub async fn refresh(state: &EdgeState, entry: &ScopeEntry) -> bool {
    let Some(upstream) = &state.upstream else {
        return false;
    };
    let token = entry.token();
    let current = entry.flags();
    let interval_ms = state.settings.refresh_interval.as_millis() as u64;
    let failed_before = entry.health().failures_in_a_row > 0;
    let outcome = match upstream
        .features(
            &token,
            current.as_ref().map(|f| f.etag.as_str()),
            interval_ms,
        )
        .await
    {
        Fetched::Unchanged => Ok(false),
        Fetched::Changed { body, etag } => match Flags::parse(body.clone(), etag) {
            Ok(flags) => {
                save_scope(state, entry, &token, &flags, &body);
                entry.set_flags(flags);
                Ok(true)
            }
            Err(error) => Err(error),
        },
        Fetched::Refused => {
            tracing::info!(scope = %entry.scope.key(), "the upstream refused this scope's token");
            state.tokens.record(std::slice::from_ref(&token), &[]);
            state.save_tokens();
            return replace_token(state, entry);
        }
        Fetched::Failed(error) => Err(error),
    };
    match &outcome {
        Err(error) if !failed_before => {
            tracing::warn!(scope = %entry.scope.key(), %error, "fetching flags from the upstream failed; serving the last good flags");
        }
        Ok(_) if failed_before => {
            tracing::info!(scope = %entry.scope.key(), "the upstream answers again");
        }
        _ => {}
    }
    entry.note(outcome);
    true
}

fn save_scope(state: &EdgeState, entry: &ScopeEntry, token: &str, flags: &Flags, body: &[u8]) {
    let Some(backup) = &state.backup else { return };
    let saved = backup.save_scope(&ScopeBackup {
        scope: entry.scope.clone(),
        token: token.to_owned(),
        etag: flags.etag.clone(),
        document: String::from_utf8_lossy(body).into_owned(),
    });
    if let Err(error) = saved {
        tracing::warn!(%error, "could not write the flags to the backup folder");
    }
}

/// After its token was refused: fetch `entry` with another live client token
/// of the same scope, or drop the scope (false).
fn replace_token(state: &EdgeState, entry: &ScopeEntry) -> bool {
    let replacement = state
        .tokens
        .valid()
        .into_iter()
        .find(|t| t.kind == TokenKind::Client && *t.scope() == entry.scope);
    match replacement {
        Some(token) => {
            entry.set_token(token.token);
            true
        }
        None => {
            state.scopes.remove(&entry.scope);
            if let Some(backup) = &state.backup {
                backup.remove_scope(&entry.scope);
            }
            false
        }
    }
}

/// Asks the upstream about every known token every revalidation interval
/// (`/edge/validate`, then one request of each token's kind).
pub async fn revalidate_tokens(state: EdgeState) {
    let Some(upstream) = state.upstream.clone() else {
        return;
    };
    loop {
        tokio::time::sleep(state.settings.revalidation_interval).await;
        let secrets = state.tokens.to_revalidate();
        for chunk in secrets.chunks(500) {
            match upstream.validate(chunk).await {
                Ok(valid) => state.tokens.record(chunk, &valid),
                Err(error) => {
                    tracing::warn!(%error, "re-validating tokens failed; keeping what is known");
                    break;
                }
            }
        }
        for secret in &secrets {
            if let Some(Known::Valid(token)) = state.tokens.get(secret) {
                if upstream.refuses(&token).await {
                    tracing::info!(token = %token.masked(), "the upstream refuses this token now");
                    state.tokens.record(std::slice::from_ref(secret), &[]);
                }
            }
        }
        state.save_tokens();
        for entry in state.scopes.all() {
            if matches!(state.tokens.get(&entry.token()), Some(Known::Unknown)) {
                replace_token(&state, &entry);
            }
        }
    }
}

/// Sends the buffered metrics every metrics interval, and once more when
/// `shutdown` resolves.
pub async fn send_metrics_every(state: EdgeState, shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut shutdown = shutdown;
    loop {
        tokio::select! {
            () = tokio::time::sleep(state.settings.metrics_interval) => send_metrics(&state).await,
            _ = shutdown.changed() => {
                send_metrics(&state).await;
                return;
            }
        }
    }
}

/// One bulk post per environment, with a client token of that environment;
/// what fails (or has no token yet) is kept for the next time.
pub async fn send_metrics(state: &EdgeState) {
    let Some(upstream) = &state.upstream else {
        let _ = state.metrics.take();
        return;
    };
    let mut pending = state.metrics.take();
    let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    for environment in pending.environments() {
        let part = pending.split_off(&environment);
        let token = state
            .tokens
            .valid()
            .into_iter()
            .find(|t| t.kind == TokenKind::Client && t.environment == environment);
        let Some(token) = token else {
            state.metrics.restore(part);
            continue;
        };
        let body = part.bulk_body(
            &state.settings.app_name,
            &state.settings.instance_id,
            &timestamp,
        );
        match upstream
            .post("/api/client/metrics/bulk", &token.token, body)
            .await
        {
            Ok(()) => {
                state
                    .metrics
                    .sent
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(error) => {
                state
                    .metrics
                    .failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::warn!(%environment, %error, "sending metrics upstream failed; keeping them for the next time");
                state.metrics.restore(part);
            }
        }
    }
}

/// The start: the backup's tokens and flags (served at once), then
/// `--tokens` validated (retried in the background while the upstream
/// cannot be reached) and their scopes followed.
pub async fn start(state: &EdgeState, tokens: Vec<String>) {
    if let Some(backup) = &state.backup {
        let saved = backup.tokens();
        if !saved.is_empty() {
            let secrets: Vec<String> = saved.iter().map(|t| t.token.clone()).collect();
            state.tokens.record(&secrets, &saved);
        }
        for scope in backup.scopes() {
            match Flags::parse(scope.document.into_bytes().into(), Some(scope.etag)) {
                Ok(flags) => {
                    let (entry, new) = state.scopes.get_or_insert(&scope.scope, &scope.token);
                    entry.set_flags(flags);
                    if new && state.upstream.is_some() {
                        tokio::spawn(follow_scope(state.clone(), entry));
                    }
                }
                Err(error) => tracing::warn!(%error, "skipping a backup that does not parse"),
            }
        }
    }
    let tokens: Vec<String> = tokens
        .into_iter()
        .filter(|t| !t.trim().is_empty())
        .collect();
    if tokens.is_empty() || state.upstream.is_none() {
        return;
    }
    tokio::spawn(validate_start_tokens(state.clone(), tokens));
}

async fn validate_start_tokens(state: EdgeState, tokens: Vec<String>) {
    let Some(upstream) = state.upstream.clone() else {
        return;
    };
    let mut failures = 0;
    loop {
        match upstream.validate(&tokens).await {
            Ok(valid) => {
                state.tokens.record(&tokens, &valid);
                state.save_tokens();
                for token in valid.iter().filter(|t| t.kind == TokenKind::Client) {
                    state.follow(token);
                }
                for secret in tokens
                    .iter()
                    .filter(|s| !valid.iter().any(|t| &t.token == *s))
                {
                    tracing::warn!(token = %crate::tokens::masked(secret), "the upstream does not know this --tokens token");
                }
                return;
            }
            Err(error) => {
                if failures == 0 {
                    tracing::warn!(%error, "validating --tokens failed; retrying");
                }
                failures += 1;
                tokio::time::sleep(backoff(Duration::from_secs(1), failures)).await;
            }
        }
    }
}
