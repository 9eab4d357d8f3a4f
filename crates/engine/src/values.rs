//! How values are read from documents and contexts: constraint numbers and
//! instants with the strict grammar Unleash's engine accepts, networks, and
//! context instants.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;

/// A constraint's number: digits with an optional sign, fraction and exponent
/// (`18`, `-1.5`, `2e3`); anything else does not compile.
pub(crate) fn parse_constraint_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(at) => (&digits[..at], Some(&digits[at + 1..])),
        None => (digits, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || !exponent_ok {
        return None;
    }
    text.parse().ok()
}

/// A constraint's instant: `YYYY-MM-DDTHH:MM:SS[.mmm](Z|±HH:MM)`, strictly.
pub(crate) fn parse_constraint_instant(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let head_ok = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !head_ok {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        if !fraction
            .get(..3)
            .is_some_and(|f| f.bytes().all(|c| c.is_ascii_digit()))
        {
            return None;
        }
        rest = &fraction[3..];
    }
    let zone_ok = rest == "Z"
        || (rest.len() == 6
            && rest.starts_with(['+', '-'])
            && rest.as_bytes()[3] == b':'
            && rest[1..3]
                .bytes()
                .chain(rest[4..].bytes())
                .all(|c| c.is_ascii_digit()));
    if !zone_ok {
        return None;
    }
    parse_instant(text)
}

/// A network: CIDR notation or a bare address (a one-address network).
pub(crate) fn parse_net(text: &str) -> Option<IpNet> {
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// An instant in a context (`currentTime` or a date-valued field): RFC 3339, as
/// chrono reads `DateTime<Utc>`.
pub(crate) fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    text.parse::<DateTime<Utc>>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_numbers_follow_the_unleash_grammar() {
        for ok in ["18", "-1", "+2", "18.5", "5.", "1e3", "2.5E-2"] {
            assert!(parse_constraint_number(ok).is_some(), "{ok}");
        }
        for bad in ["", ".5", "abc", "1,5", "NaN", "inf", "1e", "--1", "1 2"] {
            assert!(parse_constraint_number(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn constraint_instants_are_strict_rfc3339() {
        for ok in [
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.123Z",
            "2024-01-01T10:00:00+02:00",
        ] {
            assert!(parse_constraint_instant(ok).is_some(), "{ok}");
        }
        for bad in [
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00.1Z",
        ] {
            assert!(parse_constraint_instant(bad).is_none(), "{bad}");
        }
    }
}
