//! What `--database-url` may say: a SQLite file (as a URL or a plain path), an
//! in-memory SQLite database, or a PostgreSQL URL. Every mistake is explained
//! here, naming what was given (password hidden) and what to write instead.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;

/// Why the database cannot be used: a sentence for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OpenError(pub String);

const FORMS: &str = "write a SQLite file path (./flagstaff.db, created if missing), \
    sqlite:///absolute/path/flagstaff.db, sqlite::memory: (kept in memory, lost on exit) \
    or postgres://user:password@host:5432/database";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file; `url` is the form sqlx is given.
    SqliteFile {
        path: PathBuf,
        url: String,
    },
    /// A SQLite database in memory (one connection; gone when the server stops).
    SqliteMemory,
    Postgres {
        url: String,
    },
}

impl DatabaseLocation {
    pub fn parse(text: &str) -> Result<DatabaseLocation, OpenError> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return match url::Url::parse(text) {
                Ok(parsed) if parsed.host_str().is_some_and(|h| !h.is_empty()) => {
                    Ok(DatabaseLocation::Postgres {
                        url: text.to_owned(),
                    })
                }
                Ok(_) => Err(OpenError(format!(
                    "database URL {} names no host; write postgres://user:password@host:5432/database",
                    redact(text)
                ))),
                Err(e) => Err(OpenError(format!(
                    "database URL {} is not a valid PostgreSQL URL ({e}); write \
                     postgres://user:password@host:5432/database",
                    redact(text)
                ))),
            };
        }
        if matches!(
            lower.as_str(),
            "sqlite::memory:" | "sqlite://:memory:" | ":memory:"
        ) {
            return Ok(DatabaseLocation::SqliteMemory);
        }
        let options = if lower.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(text).map_err(|e| {
                OpenError(format!(
                    "database URL {text} is not a valid SQLite URL ({e}); {FORMS}"
                ))
            })?;
            // Created if missing, unless the URL chose a mode itself.
            if lower.contains("mode=") {
                options
            } else {
                options.create_if_missing(true)
            }
        } else if let Some((scheme, _)) = text.split_once("://") {
            return Err(OpenError(format!(
                "database URL {} uses {scheme:?}, which Flagstaff does not support; {FORMS}",
                redact(text)
            )));
        } else if looks_like_path(text) {
            SqliteConnectOptions::new()
                .filename(text)
                .create_if_missing(true)
        } else {
            return Err(OpenError(format!(
                "database URL {text:?} is neither a URL nor a SQLite file path \
                 (a path contains a / or ends in .db, .sqlite or .sqlite3); {FORMS}"
            )));
        };
        Ok(DatabaseLocation::SqliteFile {
            path: options.get_filename().to_path_buf(),
            url: options.to_url_lossy().to_string(),
        })
    }

    /// For logs and errors: the URL with its password hidden.
    pub fn display(&self) -> String {
        match self {
            DatabaseLocation::SqliteFile { path, .. } => {
                format!("SQLite file {}", absolute(path).display())
            }
            DatabaseLocation::SqliteMemory => {
                "SQLite in memory (lost when the server stops)".to_owned()
            }
            DatabaseLocation::Postgres { url } => format!("PostgreSQL {}", redact(url)),
        }
    }

    /// The URL sqlx's `Any` driver is given.
    pub(crate) fn sqlx_url(&self) -> &str {
        match self {
            DatabaseLocation::SqliteFile { url, .. } | DatabaseLocation::Postgres { url } => url,
            DatabaseLocation::SqliteMemory => "sqlite::memory:",
        }
    }

    /// Checks what can be checked before connecting: a SQLite file's directory exists.
    pub(crate) fn precheck(&self) -> Result<(), OpenError> {
        if let DatabaseLocation::SqliteFile { path, .. } = self {
            let directory = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if !directory.is_dir() {
                let what = if directory.exists() {
                    "is not a directory"
                } else {
                    "does not exist"
                };
                return Err(OpenError(format!(
                    "cannot create SQLite database {}: {} {what}; \
                     create the directory or choose another --database-url",
                    path.display(),
                    absolute(&directory).display()
                )));
            }
        }
        Ok(())
    }

    /// Explains a failure to connect.
    pub(crate) fn connect_failed(&self, cause: impl std::fmt::Display) -> OpenError {
        match self {
            DatabaseLocation::SqliteFile { path, .. } => OpenError(format!(
                "cannot open SQLite database {}: {cause}; check that the file and its directory \
                 are writable by this user, or choose another --database-url",
                absolute(path).display()
            )),
            DatabaseLocation::SqliteMemory => {
                OpenError(format!("cannot open an in-memory SQLite database: {cause}"))
            }
            DatabaseLocation::Postgres { url } => OpenError(format!(
                "cannot connect to PostgreSQL at {}: {cause}; check the host, port, user, \
                 password and database name, and that the server is running",
                redact(url)
            )),
        }
    }
}

fn looks_like_path(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.contains('/')
        || text.contains('\\')
        || [".db", ".sqlite", ".sqlite3", ".db3"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `scheme://user:password@host/…` → `scheme://user:***@host/…`; other text as is.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://flag:s3cret@db.example:5432/flags?sslmode=require"),
            "postgres://flag:***@db.example:5432/flags?sslmode=require"
        );
        assert_eq!(
            redact("postgres://flag@db/flags"),
            "postgres://flag@db/flags"
        );
        assert_eq!(redact("postgres://db/flags"), "postgres://db/flags");
        assert_eq!(redact("./plain.db"), "./plain.db");
        let location = DatabaseLocation::parse("postgres://u:pw@127.0.0.1:1/x").expect("valid");
        assert!(!location.display().contains("pw"), "{}", location.display());
    }

    #[test]
    fn paths_and_urls() {
        for (text, path) in [
            ("./plain.db", "./plain.db"),
            ("plain.db", "plain.db"),
            ("/abs/dir/flags.sqlite", "/abs/dir/flags.sqlite"),
            ("data/flags", "data/flags"),
            ("sqlite://flagstaff.db", "flagstaff.db"),
            ("sqlite:///abs/flagstaff.db", "/abs/flagstaff.db"),
        ] {
            match DatabaseLocation::parse(text) {
                Ok(DatabaseLocation::SqliteFile { path: p, url }) => {
                    assert_eq!(p, PathBuf::from(path), "{text}");
                    assert!(url.contains("mode=rwc"), "{text}: {url}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(
            DatabaseLocation::parse("sqlite::memory:").ok(),
            Some(DatabaseLocation::SqliteMemory)
        );
        assert!(matches!(
            DatabaseLocation::parse("postgresql://u@h/db"),
            Ok(DatabaseLocation::Postgres { .. })
        ));
    }

    #[test]
    fn mistakes_say_what_to_write() {
        for text in [
            "not a url",
            "mysql://u:pw@h/db",
            "postgres://",
            "sqlite://x.db?bogus=1",
        ] {
            let error = DatabaseLocation::parse(text).expect_err(text).to_string();
            assert!(error.contains("write"), "{text}: {error}");
            assert!(!error.contains("pw"), "{text}: {error}");
        }
    }
}
