//! Checking a username (or email) and password: the one path both the web
//! UI's `POST /login` and the API's `POST /auth/simple/login` take, so they
//! share the sign-in throttle (`quota::SignIns`: per address and login, per
//! login, and the address's failed-authentication budget, counted *before*
//! the password is hashed), the hashing permits (`ops::passwords`), and the
//! rule that a deactivated user or one without a password cannot sign in.
//! A success is noted in the user's sign-ins (not a change).

use std::net::IpAddr;

use flagstaff_domain::ops::passwords::{self, HashPermit};
use flagstaff_storage::{StorageError, UserRow};

use crate::state::AppState;

/// Why a sign-in did not happen.
pub enum SignInRefusal {
    /// Too many failures lately: try again after these seconds (nothing hashed).
    Throttled(u64),
    /// Every hashing permit is taken (try again in a second).
    Busy(String),
    /// No such user, a wrong password, no password set, or deactivated.
    Wrong,
    Storage(StorageError),
}

/// The user these credentials are, counted by the throttle; `via` names the
/// door in the user's list of sign-ins (`web UI`, `API`).
pub async fn sign_in(
    state: &AppState,
    address: Option<IpAddr>,
    login: &str,
    password: &str,
    via: &str,
) -> Result<UserRow, SignInRefusal> {
    let login = login.trim();
    let address = address.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let quotas = &state.quotas;
    // Refused without waiting for a permit, counting or hashing anything.
    if let Some(retry_after) = quotas.sign_ins.refused(&quotas.failed_auth, address, login) {
        return Err(SignInRefusal::Throttled(retry_after));
    }
    let permit = HashPermit::acquire()
        .await
        .map_err(|refused| SignInRefusal::Busy(refused.to_string()))?;
    let attempt = quotas
        .sign_ins
        .begin(&quotas.failed_auth, address, login)
        .map_err(SignInRefusal::Throttled)?;
    let user = state
        .store
        .user_by_login(login)
        .await
        .map_err(SignInRefusal::Storage)?;
    let hash = user.as_ref().map(|u| u.password_hash.as_str());
    let verified = passwords::verify_sign_in(permit, hash, password).await;
    let Some(user) = user.filter(|u| verified && u.active()) else {
        return Err(SignInRefusal::Wrong);
    };
    attempt.succeeded(quotas);
    let now = state.clock.now();
    if let Err(e) = state
        .domain()
        .record_sign_in(user.id, &now, Some(&address.to_string()), via)
        .await
    {
        tracing::warn!(error = %e, user = user.id, "could not note a sign-in");
    }
    Ok(user)
}
