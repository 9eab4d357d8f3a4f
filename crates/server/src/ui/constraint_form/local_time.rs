//! The editor's date-time inputs: a browser's `datetime-local` value, read
//! as UTC, to and from the RFC 3339 instants constraints store.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// `datetime-local` inputs post this (seconds and fraction optional), always UTC here.
const LOCAL_FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"];

pub(super) fn is_local_time(text: &str) -> bool {
    LOCAL_FORMATS
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(text.trim(), f).is_ok())
}

/// A `datetime-local` value (read as UTC) as RFC 3339; anything else as typed
/// (the engine's rules then say whether it is a date-time).
pub(super) fn rfc3339_utc(text: &str) -> String {
    LOCAL_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| text.to_owned())
}

/// An RFC 3339 instant as a `datetime-local` value in UTC.
pub(super) fn local_time(text: &str) -> Option<String> {
    let instant = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    let format = if instant.timestamp_subsec_nanos() == 0 {
        "%Y-%m-%dT%H:%M:%S"
    } else {
        "%Y-%m-%dT%H:%M:%S%.3f"
    };
    Some(instant.format(format).to_string())
}
