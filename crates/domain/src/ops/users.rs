//! Web UI users: creating one and changing a password, each with its event
//! (`user-created`, `user-password-changed`) — never a password or a hash in
//! an event. Passwords are hashed with argon2id *before* the operation runs
//! ([`HashedPassword::hash`], through [`passwords`]), so no hashing happens
//! under the change lock; `INIT_ADMIN_USER` is applied here at start.

use serde_json::json;

use super::{passwords, Actor, Context, FieldPath, Limits, OpError, OpResult, Operation};
use flagstaff_storage::{now, EventKind, NewEvent, NewUser, Store, UserRow, WriteTx};

/// A user's role across the server, as stored (the storage crate's, so its
/// rows carry it).
pub use flagstaff_storage::RootRole;

/// Fewest characters a password may have.
pub const MIN_PASSWORD: usize = 10;
/// Most characters a password may have (hashing stays cheap).
pub const MAX_PASSWORD: usize = 256;

/// An argon2id hash of a password that met the length rules.
#[derive(Clone)]
pub struct HashedPassword(String);

impl std::fmt::Debug for HashedPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashedPassword(..)")
    }
}

impl HashedPassword {
    /// Checks the length rules, then hashes ([`passwords::hash`]: refused
    /// with [`OpError::Busy`] while the server is busy hashing others).
    pub async fn hash(password: &str) -> OpResult<HashedPassword> {
        check_password(password)?;
        match passwords::hash(password).await {
            Ok(Ok(hash)) => Ok(HashedPassword(hash)),
            Ok(Err(why)) => Err(OpError::invalid(password_at(), why)),
            Err(busy) => Err(OpError::Busy(busy.to_string())),
        }
    }
}

impl HashedPassword {
    /// No password: the user cannot sign in until they set one through a
    /// reset link (an empty hash verifies nothing).
    pub fn unset() -> HashedPassword {
        HashedPassword(String::new())
    }

    /// The PHC string, as stored.
    pub(crate) fn as_stored(&self) -> &str {
        &self.0
    }
}

/// The length rules every password meets (Unleash's `validate-password`).
pub fn check_password(password: &str) -> OpResult<()> {
    let length = password.chars().count();
    if length < MIN_PASSWORD {
        return Err(OpError::invalid(
            password_at(),
            format!("The password must have at least {MIN_PASSWORD} characters"),
        ));
    }
    if length > MAX_PASSWORD {
        return Err(OpError::invalid(
            password_at(),
            format!("The password may have at most {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// What an event says about a user.
pub(crate) fn user_data(user: &UserRow) -> serde_json::Value {
    json!({
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "name": user.name,
        "rootRole": user.root_role.as_str(),
    })
}

/// Creates a user. `only_if_first` (the setup link) refuses when any user exists.
#[derive(Debug, Clone)]
pub struct CreateUser {
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: HashedPassword,
    pub root_role: RootRole,
    pub only_if_first: bool,
}

fn password_at() -> FieldPath {
    FieldPath::root().field("password")
}

fn username_at() -> FieldPath {
    FieldPath::root().field("username")
}

/// An email (when given): at most 255 characters, one `@` with text on both
/// sides, no spaces. Blank means none.
pub fn check_email(email: &str) -> OpResult<()> {
    let email = email.trim();
    if email.is_empty() {
        return Ok(());
    }
    let valid = email.chars().count() <= 255
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if valid {
        Ok(())
    } else {
        Err(OpError::invalid(
            FieldPath::root().field("email"),
            "Not a valid email address",
        ))
    }
}

/// A username: 1 to 100 characters, no spaces or control characters.
pub fn check_username(username: &str) -> OpResult<()> {
    if username.is_empty() || username.chars().count() > 100 {
        return Err(OpError::invalid(
            username_at(),
            "A username has 1 to 100 characters",
        ));
    }
    if username
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(OpError::invalid(
            username_at(),
            "A username has no spaces or control characters",
        ));
    }
    Ok(())
}

impl Operation for CreateUser {
    type Output = UserRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<UserRow> {
        check_username(&self.username)?;
        if let Some(email) = &self.email {
            check_email(email)?;
        }
        if self.only_if_first && w.user_count().await? > 0 {
            return Err(OpError::Denied("A user exists already".to_owned()));
        }
        if w.user_by_username(&self.username).await?.is_some() {
            return Err(OpError::Conflict(format!(
                "A user named {} exists already",
                self.username
            )));
        }
        let user = w
            .insert_user(
                &NewUser {
                    username: self.username,
                    email: self.email.filter(|e| !e.trim().is_empty()),
                    name: self.name.filter(|n| !n.trim().is_empty()),
                    password_hash: self.password.0,
                    root_role: self.root_role,
                },
                &now(),
            )
            .await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            data: Some(user_data(&user)),
            ..NewEvent::new(EventKind::UserCreated)
        })
        .await?;
        Ok(user)
    }
}

/// Replaces a user's password (the caller has checked the old one).
#[derive(Debug, Clone)]
pub struct ChangePassword {
    pub user_id: i64,
    pub password: HashedPassword,
}

impl Operation for ChangePassword {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let user = w
            .user_by_id(self.user_id)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("Could not find user {}", self.user_id)))?;
        w.set_password_hash(user.id, &self.password.0).await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            data: Some(json!({"id": user.id, "username": user.username})),
            ..NewEvent::new(EventKind::UserPasswordChanged)
        })
        .await?;
        Ok(())
    }
}

/// What `INIT_ADMIN_USER` came to at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitAdmin {
    Created,
    Present,
}

/// Creates the `INIT_ADMIN_USER` admin unless a user of that name exists.
pub async fn apply_init_admin(
    store: &Store,
    username: &str,
    password: Option<&str>,
) -> OpResult<InitAdmin> {
    if store.user_by_username(username).await?.is_some() {
        return Ok(InitAdmin::Present);
    }
    let Some(password) = password else {
        return Err(OpError::invalid_input(
            "INIT_ADMIN_USER needs INIT_ADMIN_PASSWORD to create the user",
        ));
    };
    let operation = CreateUser {
        username: username.to_owned(),
        email: None,
        name: None,
        password: HashedPassword::hash(password).await?,
        root_role: RootRole::Admin,
        only_if_first: false,
    };
    let cx = Context::new(Actor::system(), Limits::default());
    match super::apply(store, &cx, operation).await {
        Ok(_) => Ok(InitAdmin::Created),
        // Another replica created it first.
        Err(OpError::Conflict(_)) => Ok(InitAdmin::Present),
        Err(e) => Err(e),
    }
}
