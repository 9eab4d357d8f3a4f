//! `OpError`: why an operation was refused, in the domain's words; the HTTP
//! status of each kind is decided once, by `error::op_status`.

use flagstaff_storage::StorageError;

use super::FieldPath;

/// Why an operation was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The input breaks a rule: `message` says which, for people; `field` is
    /// where in the input (the root where no single field is at fault).
    #[error("{message}")]
    Invalid { field: FieldPath, message: String },
    #[error("{0}")]
    NotFound(String),
    /// The name is taken, or the thing is in use.
    #[error("{0}")]
    Conflict(String),
    /// Not allowed this way (the message says which way is).
    #[error("{0}")]
    Denied(String),
    /// Not allowed in the current state (Unleash's InvalidOperationError:
    /// a dependency breaking the one-level rule, archiving a flag others need).
    #[error("{0}")]
    InvalidOperation(String),
    /// The change would make a document larger than the limit (413).
    #[error("{0}")]
    TooLarge(String),
    /// The server is too busy to do this now (429 with `Retry-After`): every
    /// password-hashing permit is taken.
    #[error("{0}")]
    Busy(String),
    /// Maintenance mode is on: no change but turning it off (503, as Unleash).
    #[error("{0}")]
    Maintenance(String),
    /// The environment needs change requests: this change goes through one
    /// (403, Unleash's `PermissionError` for `SKIP_CHANGE_REQUEST`).
    #[error("{0}")]
    ChangeRequestRequired(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub type OpResult<T> = Result<T, OpError>;

impl OpError {
    /// The input breaks a rule at `field`.
    pub fn invalid(field: FieldPath, message: impl Into<String>) -> OpError {
        OpError::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The input as a whole breaks a rule (no single field is at fault).
    pub fn invalid_input(message: impl Into<String>) -> OpError {
        OpError::invalid(FieldPath::root(), message)
    }

    /// This refusal as seen from the input that holds the checked part at
    /// `parent`: an `Invalid`'s path gets `parent` in front; others are unchanged.
    pub fn within(self, parent: &FieldPath) -> OpError {
        match self {
            OpError::Invalid { field, message } => OpError::Invalid {
                field: parent.join(&field),
                message,
            },
            other => other,
        }
    }
}
