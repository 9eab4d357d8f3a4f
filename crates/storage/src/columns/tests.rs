use chrono::{TimeZone, Utc};

use super::*;

#[test]
fn instants_read_in_any_offset_and_precision_and_show_as_stored() {
    let at = Utc
        .with_ymd_and_hms(2025, 3, 1, 9, 0, 0)
        .single()
        .expect("instant");
    for text in [
        "2025-03-01T09:00:00.000Z",
        "2025-03-01T09:00:00Z",
        "2025-03-01T09:00:00+00:00",
        "2025-03-01T10:00:00+01:00",
        "2025-03-01T04:00:00.000000000-05:00",
        "2025-03-01 09:00:00Z",
    ] {
        assert_eq!(parse_instant(text), Some(at), "{text}");
    }
    assert_eq!(instant_text(&at), "2025-03-01T09:00:00.000Z");
    let precise = parse_instant("2025-03-01T10:00:00.123456789+01:00").expect("instant");
    assert_eq!(instant_text(&precise), "2025-03-01T09:00:00.123Z");
    assert_eq!(
        stored(precise),
        parse_instant("2025-03-01T09:00:00.123Z").expect("ms")
    );
    for text in [
        "",
        "2025-03-01",
        "yesterday",
        "2025-03-01T09:00:00",
        " 2025-03-01T09:00:00.000Z",
    ] {
        assert_eq!(parse_instant(text), None, "{text}");
    }
    let now = now();
    assert_eq!(now, stored(now), "now is to the millisecond");
}

/// A connection to an in-memory SQLite, and to PostgreSQL when the tests
/// are given one (no migration: the rows below are made by the query).
async fn connections() -> Vec<sqlx::AnyConnection> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut urls = vec!["sqlite::memory:".to_owned()];
    urls.extend(std::env::var("FLAGSTAFF_TEST_POSTGRES_URL"));
    let mut connections = Vec::new();
    for url in urls {
        connections.push(sqlx::AnyConnection::connect(&url).await.expect("connect"));
    }
    connections
}

#[tokio::test]
async fn a_value_a_column_cannot_hold_is_a_storage_error_naming_it() {
    fn role(text: &str) -> Option<u8> {
        (text == "Admin").then_some(1)
    }
    for mut connection in connections().await {
        let row = sqlx::query(
            "SELECT CAST('2025-03-01T10:00:00+01:00' AS TEXT) AS good, \
             CAST('soon' AS TEXT) AS bad, CAST(NULL AS TEXT) AS absent, \
             CAST('Admin' AS TEXT) AS known, CAST('Root' AS TEXT) AS unknown",
        )
        .fetch_one(&mut connection)
        .await
        .expect("row");
        assert_eq!(
            instant(&row, "good")
                .map(|at| instant_text(&at))
                .expect("read"),
            "2025-03-01T09:00:00.000Z"
        );
        assert_eq!(optional_instant(&row, "absent").expect("read"), None);
        let shown = |e: StorageError| match e {
            StorageError::Database(sqlx::Error::ColumnDecode { index, source }) => {
                format!("{index}: {source}")
            }
            other => panic!("not a decode error: {other:?}"),
        };
        assert_eq!(
            shown(instant(&row, "bad").expect_err("not an instant")),
            "bad: \"soon\" is not an instant"
        );
        assert_eq!(
            shown(optional_instant(&row, "bad").expect_err("not an instant")),
            "bad: \"soon\" is not an instant"
        );
        assert_eq!(decoded(&row, "known", role, "a role").expect("read"), 1);
        assert_eq!(
            shown(decoded(&row, "unknown", role, "a role").expect_err("unknown")),
            "unknown: \"Root\" is not a role"
        );
    }
}
