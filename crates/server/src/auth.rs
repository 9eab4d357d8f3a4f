//! The extractors that hand each handler a token of the kind its API needs,
//! read from the domain's token cache ([`flagstaff_domain::TokenCache`]) —
//! and the signal endpoints' own tokens, which are looked up in the database
//! and open nothing else. The admin API
//! also takes users' personal access tokens: looked up in the database with
//! their user at every request (never cached), so a PAT acts with its user's
//! root role of that moment, and a deleted user's PAT opens nothing.

use axum::extract::{FromRequestParts, MatchedPath, Path};
use axum::http::request::Parts;
use axum::http::Method;
use flagstaff_domain::hash_secret;
use flagstaff_domain::ops::pats::PAT_PREFIX;
use flagstaff_domain::ops::RootRole;
pub use flagstaff_domain::{ApiToken, TokenKind};
use flagstaff_storage::{SignalEndpointRow, SignalTokenRow};

use crate::client_address::ClientAddress;
use crate::error::ApiError;
use crate::state::AppState;

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

/// A request authorised for the admin API: with an admin API token, or with
/// a user's personal access token whose role allows this route
/// ([`role_allows`]).
pub struct AdminToken {
    /// Who the event log names for this request's changes: the token's name,
    /// or the PAT's user's username (as the web UI names them).
    pub name: String,
    /// The PAT's user; `None` for an API token.
    pub user: Option<PatUser>,
}

/// Who a personal access token acts for, as stored at this request.
#[derive(Debug, Clone)]
pub struct PatUser {
    pub user_id: i64,
    pub username: String,
    pub role: RootRole,
}

/// Routes only an Admin's PAT may call, whatever the method: API tokens
/// (which open everything), users, and signal endpoints (which make tokens).
const ADMIN_ONLY: &[&str] = &[
    "/api/admin/user-admin",
    "/api/admin/users",
    "/api/admin/signal-endpoints",
];
/// A user's own PATs, which every role manages.
const OWN_PATS: &str = "/api/admin/user/tokens";
/// A user's own password, which every role changes.
const OWN_PASSWORD: &str = "/api/admin/user/change-password";
/// A user's own favorites (a project's or a flag's), which every role stars.
const OWN_FAVORITES: [&str; 2] = [
    "/api/admin/projects/{project}/favorites",
    "/api/admin/projects/{project}/features/{feature}/favorites",
];

/// `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// What a PAT of a user with `role` may call (`path` is the matched route):
/// an Admin everything; an Editor everything but users, API tokens and
/// signal endpoints; a Viewer only reads (`GET`, and the playground, which
/// changes nothing). Every role manages its own PATs and favorites.
pub fn role_allows(role: RootRole, method: &Method, path: &str) -> bool {
    if under(path, OWN_PATS) || path == OWN_PASSWORD || OWN_FAVORITES.contains(&path) {
        return true;
    }
    let admin_only = path.split('/').any(|segment| segment == "api-tokens")
        || ADMIN_ONLY.iter().any(|prefix| under(path, prefix));
    match role {
        RootRole::Admin => true,
        RootRole::Editor => !admin_only,
        RootRole::Viewer => {
            !admin_only
                && (matches!(*method, Method::GET | Method::HEAD)
                    || under(path, "/api/admin/playground"))
        }
    }
}

/// How long a PAT's `seenAt` may lag: it is written at most once a minute.
const SEEN_EVERY_SECONDS: i64 = 60;

/// The user a live PAT with this secret acts for, as stored now; `None` for
/// anything else (not a PAT, unknown, expired, or a user with no known role).
async fn pat_user(state: &AppState, secret: &str) -> Result<Option<PatUser>, ApiError> {
    if !secret.starts_with(PAT_PREFIX) {
        return Ok(None);
    }
    let Some((pat, user)) = state.store.pat_by_hash(&hash_secret(secret)).await? else {
        return Ok(None);
    };
    let now = state.clock.now();
    if pat.expires_at <= now || !user.active() {
        return Ok(None);
    }
    let seen_lately = pat
        .seen_at
        .is_some_and(|at| (now - at).num_seconds() < SEEN_EVERY_SECONDS);
    if !seen_lately {
        if let Err(e) = state.domain().touch_pat(pat.id, &now).await {
            tracing::warn!(error = %e, pat = pat.id, "could not note when a PAT was used");
        }
    }
    Ok(Some(PatUser {
        user_id: user.id,
        username: user.username,
        role: user.root_role,
    }))
}

/// A request to the admin API with a user's personal access token (the PAT
/// routes: an API token belongs to no user).
pub struct AdminUser(pub PatUser);

/// A request authorised with a client (backend) token.
pub struct ClientToken(pub ApiToken);

/// The refusal of a missing or wrong credential from `address`: it is
/// counted against the address's failed-authentication quota, and once the
/// address is over it the answer is 429 rather than `refusal`. Only failures
/// are counted and refused: a valid token is never looked at here.
pub(crate) fn failed(state: &AppState, address: ClientAddress, refusal: ApiError) -> ApiError {
    match address.0.map(|a| state.quotas.failed_auth.take(&a)) {
        Some(Err(retry_after)) => ApiError::TooManyRequests {
            message:
                "Too many requests with a wrong or missing token from this address; try again later"
                    .to_owned(),
            retry_after,
        },
        _ => refusal,
    }
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
        // Signal tokens are looked up in the database: while this address is
        // over its budget, only a secret the token cache knows is looked up
        // (a flood of wrong ones costs no query, a valid one is answered).
        let address = ClientAddress::of(parts, &state.trusted_proxies);
        if let Some(retry_after) = address.0.and_then(|a| state.quotas.failed_auth.refused(&a)) {
            let known = presented_secret(&parts.headers)
                .is_some_and(|secret| state.tokens.may_be_signal_token(secret));
            if !known {
                return Err(ApiError::TooManyRequests {
                    message: "Too many requests with a wrong or missing token from this address; try again later".to_owned(),
                    retry_after,
                });
            }
        }
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
            None => Err(failed(state, address, ApiError::SignalUnauthorized)),
        }
    }
}

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let address = ClientAddress::of(parts, &state.trusted_proxies);
        let Some(secret) = presented_secret(&parts.headers) else {
            return Err(failed(state, address, ApiError::AuthenticationRequired));
        };
        if let Some(token) = state.tokens.find(secret) {
            return match token.kind {
                TokenKind::Admin => Ok(AdminToken {
                    name: token.name,
                    user: None,
                }),
                _ => Err(ApiError::Forbidden),
            };
        }
        // A PAT is looked up in the database. While this address is over its
        // budget, only a secret whose hash the token cache knows as a PAT's is
        // (so a flood of made-up PATs costs no query, and a real one still opens).
        let over_budget = address
            .0
            .is_some_and(|a| state.quotas.failed_auth.refused(&a).is_some());
        let user = if over_budget && !state.tokens.may_be_pat(secret) {
            None
        } else {
            pat_user(state, secret).await?
        };
        let Some(user) = user else {
            return Err(failed(state, address, ApiError::Unauthorized));
        };
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or(parts.uri.path(), MatchedPath::as_str);
        if !role_allows(user.role, &parts.method, route) {
            return Err(ApiError::Forbidden);
        }
        Ok(AdminToken {
            name: user.username.clone(),
            user: Some(user),
        })
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match AdminToken::from_request_parts(parts, state).await?.user {
            Some(user) => Ok(AdminUser(user)),
            None => Err(ApiError::OperationDenied(
                "Personal access tokens belong to users: use a personal access token, or the profile page of the web UI, not an API token".to_owned(),
            )),
        }
    }
}

/// A token of one of `kinds` for the SDK-facing APIs, which answer with their
/// bare `{"message"}` 401 and 403.
fn sdk_token(parts: &Parts, state: &AppState, kinds: &[TokenKind]) -> Result<ApiToken, ApiError> {
    let found = presented_secret(&parts.headers).and_then(|secret| state.tokens.find(secret));
    let Some(token) = found else {
        return Err(failed(
            state,
            ClientAddress::of(parts, &state.trusted_proxies),
            ApiError::ClientUnauthorized,
        ));
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
    fn roles_open_their_routes() {
        use RootRole::{Admin, Editor, Viewer};
        let allowed = |role, method: Method, path| role_allows(role, &method, path);
        for path in [
            "/api/admin/api-tokens",
            "/api/admin/api-tokens/{token}",
            "/api/admin/projects/{project}/api-tokens",
            "/api/admin/user-admin",
            "/api/admin/signal-endpoints/{id}",
        ] {
            assert!(allowed(Admin, Method::POST, path), "{path}");
            assert!(!allowed(Editor, Method::GET, path), "{path}");
            assert!(!allowed(Viewer, Method::GET, path), "{path}");
        }
        let flags = "/api/admin/projects/{project}/features";
        assert!(allowed(Editor, Method::POST, flags));
        assert!(allowed(Viewer, Method::GET, flags));
        assert!(!allowed(Viewer, Method::POST, flags));
        assert!(!allowed(Viewer, Method::DELETE, flags));
        assert!(allowed(Viewer, Method::POST, "/api/admin/playground"));
        assert!(!allowed(Viewer, Method::POST, "/api/admin/playgrounds"));
        for role in [Admin, Editor, Viewer] {
            assert!(allowed(role, Method::POST, "/api/admin/user/tokens"));
            assert!(allowed(role, Method::DELETE, "/api/admin/user/tokens/{id}"));
        }
        // A prefix is a whole path segment.
        assert!(allowed(Editor, Method::GET, "/api/admin/users-and-more"));
    }
}
