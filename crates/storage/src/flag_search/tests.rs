use super::*;
use crate::schema_parity::migrated_postgres;

/// Thousands of flags written at once, then a name search: once the flag
/// tables' statistics are refreshed (what a bulk change does), PostgreSQL
/// reads the search from the trigram index rather than scanning the project's
/// flags (which it does while it still has the empty table's statistics).
#[tokio::test]
async fn a_name_search_after_a_bulk_write_reads_the_trigram_index_on_postgres() {
    let Ok(url) = std::env::var("FLAGSTAFF_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!(
                "CI must check the PostgreSQL search plan: FLAGSTAFF_TEST_POSTGRES_URL is not set"
            );
        }
        eprintln!("skipped the PostgreSQL search plan: set FLAGSTAFF_TEST_POSTGRES_URL to run it");
        return;
    };
    let store = migrated_postgres(&url).await;
    sqlx::query(
        "INSERT INTO features (name, project_id, description, type, created_at, created_by) \
         SELECT 'flag-' || LPAD(i::text, 5, '0'), 'default', 'benchmark flag ' || i, 'release', \
                '2026-12-07T00:00:00.000Z', 'test' \
         FROM generate_series(0, 4999) AS i",
    )
    .execute(store.pool())
    .await
    .expect("insert flags");
    store
        .refresh_flag_statistics()
        .await
        .expect("refresh the statistics");
    let mut binds = Vec::new();
    let (condition, _) = store.text_condition("flag-0499", &mut binds);
    let explain = format!(
        "EXPLAIN SELECT name FROM features WHERE archived_at IS NULL AND {condition} \
         AND project_id IN ('default') ORDER BY name ASC LIMIT 100"
    );
    let mut query = sqlx::query_scalar::<_, String>(&explain);
    for value in &binds {
        query = query.bind(value);
    }
    let plan = query
        .fetch_all(store.pool())
        .await
        .expect("explain")
        .join("\n");
    assert!(plan.contains("features_search"), "{plan}");
    let (flags, total) = store
        .search_flags(&FlagSearch {
            text: Some("flag-0499".to_owned()),
            limit: 100,
            ..FlagSearch::default()
        })
        .await
        .expect("search");
    assert_eq!(total, 10);
    assert_eq!(flags.first().map(|f| f.name.as_str()), Some("flag-04990"));
}
