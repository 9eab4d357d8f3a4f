//! The storage layer's one error type, and the one place that decides whether
//! a database error means "unreachable" (503) rather than a refusal or a fault.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The database could not be reached ([`unreachable`]): the transaction
    /// was rolled back, so nothing of it is stored — unless `committing`: the
    /// connection failed while the commit itself was under way, and the
    /// change may or may not have been stored.
    #[error("the database is unreachable: {source}")]
    Unreachable {
        source: sqlx::Error,
        committing: bool,
    },
    #[error(transparent)]
    Database(sqlx::Error),
}

impl StorageError {
    /// The database could not be reached (see [`unreachable`]).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StorageError::Unreachable { .. })
    }
}

impl From<sqlx::Error> for StorageError {
    /// A unique violation is a conflict (409), never an internal error: two
    /// writers raced to create the same thing. A database that cannot be
    /// reached is [`StorageError::Unreachable`] (503), not an internal error.
    fn from(error: sqlx::Error) -> Self {
        match error.as_database_error() {
            Some(db) if db.is_unique_violation() => {
                StorageError::Conflict("A resource with that name already exists".to_owned())
            }
            _ if unreachable(&error) => StorageError::Unreachable {
                source: error,
                committing: false,
            },
            _ => StorageError::Database(error),
        }
    }
}

/// Whether `error` says the database could not be reached, rather than that
/// it refused or failed the statement: no connection within the pool's
/// timeout, a closed pool, a socket or TLS failure, or PostgreSQL's own
/// "connection exception" (SQLSTATE class 08) and "the server is shutting
/// down" (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect
/// now). The one place that decides it; everything else stays an internal error.
pub fn unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::{unreachable, StorageError};

    /// A database error with a given SQLSTATE, as a driver reports one.
    #[derive(Debug)]
    struct Coded(&'static str);

    impl std::fmt::Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "SQLSTATE {}", self.0)
        }
    }

    impl std::error::Error for Coded {}

    impl sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            match self.0 {
                "23505" => sqlx::error::ErrorKind::UniqueViolation,
                _ => sqlx::error::ErrorKind::Other,
            }
        }
    }

    fn coded(code: &'static str) -> sqlx::Error {
        sqlx::Error::Database(Box::new(Coded(code)))
    }

    fn io(kind: std::io::ErrorKind) -> sqlx::Error {
        sqlx::Error::Io(std::io::Error::from(kind))
    }

    #[test]
    fn connection_failures_are_unreachable_and_nothing_else_is() {
        for error in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            io(std::io::ErrorKind::ConnectionRefused),
            io(std::io::ErrorKind::ConnectionReset),
            io(std::io::ErrorKind::UnexpectedEof),
            sqlx::Error::Tls("handshake failed".into()),
            coded("08000"), // connection exception
            coded("08001"), // cannot establish a connection
            coded("08006"), // connection failure
            coded("57P01"), // admin shutdown
            coded("57P02"), // crash shutdown
            coded("57P03"), // cannot connect now
        ] {
            let shown = error.to_string();
            assert!(unreachable(&error), "{shown}");
            assert!(
                matches!(
                    StorageError::from(error),
                    StorageError::Unreachable {
                        committing: false,
                        ..
                    }
                ),
                "{shown}"
            );
        }
        for error in [
            sqlx::Error::RowNotFound,
            sqlx::Error::ColumnNotFound("name".to_owned()),
            sqlx::Error::Protocol("unexpected message".to_owned()),
            coded("42P01"), // undefined table
            coded("57014"), // query cancelled (a statement timeout): the database answered
            coded("40001"), // serialization failure
            coded("5"),     // SQLite: busy
        ] {
            let shown = error.to_string();
            assert!(!unreachable(&error), "{shown}");
            assert!(
                matches!(StorageError::from(error), StorageError::Database(_)),
                "{shown}"
            );
        }
        assert!(matches!(
            StorageError::from(coded("23505")),
            StorageError::Conflict(_)
        ));
    }
}
