//! Typed columns, decoded once when a row is read. An instant is stored as
//! RFC 3339 text in UTC with milliseconds (`2025-03-01T09:00:00.000Z`,
//! [`instant_text`]) in a text column on both databases, so instants sort and
//! compare as text; rows carry `DateTime<Utc>`, read with [`instant`] (any
//! RFC 3339 text: other offsets and precisions read as the same instant), and
//! writes take a `DateTime<Utc>` and store [`instant_text`] of it. The API and
//! the UI show the same text. A column with a closed set of values (a user's
//! role, a token's type, a flag's type, a run's state) is read into its enum
//! with [`decoded`]; a value that is not one is a storage error naming the
//! column, never a panic.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{StorageError, StorageResult};

/// The one text form of an instant: what is stored, and what the API and the
/// UI show (`2025-03-01T09:00:00.000Z`).
pub fn instant_text(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An RFC 3339 instant in any offset and precision, in UTC; `None` when the
/// text is not one.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// `at` as it is stored: to the millisecond (so a row made in memory equals
/// the same row read back).
pub fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(3)
}

/// Now, as stored (the system's clock: the time records are stamped with).
pub fn now() -> DateTime<Utc> {
    stored(Utc::now())
}

/// [`now`] as stored, for statements that stamp a row.
pub(crate) fn now_text() -> String {
    instant_text(&now())
}

/// A stored value that is not what its column holds.
#[derive(Debug, thiserror::Error)]
#[error("{value:?} is not {what}")]
struct Unreadable {
    what: &'static str,
    value: String,
}

fn unreadable(column: &str, what: &'static str, value: String) -> StorageError {
    StorageError::Database(sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(Unreadable { what, value }),
    })
}

/// An instant column.
pub(crate) fn instant(row: &AnyRow, column: &str) -> StorageResult<DateTime<Utc>> {
    let text: String = row.try_get(column)?;
    parse_instant(&text).ok_or_else(|| unreadable(column, "an instant", text))
}

/// An instant column that may be null.
pub(crate) fn optional_instant(row: &AnyRow, column: &str) -> StorageResult<Option<DateTime<Utc>>> {
    match row.try_get::<Option<String>, _>(column)? {
        None => Ok(None),
        Some(text) => match parse_instant(&text) {
            Some(at) => Ok(Some(at)),
            None => Err(unreadable(column, "an instant", text)),
        },
    }
}

/// A column of a closed set of values, read with `parse` (`what` names the
/// set in the error when the stored value is not one of them).
pub(crate) fn decoded<T>(
    row: &AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
    what: &'static str,
) -> StorageResult<T> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| unreadable(column, what, text))
}

#[cfg(test)]
mod tests;
