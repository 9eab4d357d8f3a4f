//! The two migration trees (`migrations/sqlite`, `migrations/postgres`) must
//! build the same schema; nothing but this test keeps them together. Each
//! backend is migrated and described from its own catalog as lines that mean
//! the same on both (a column's comparable type, whether it may be null, its
//! place in the primary key; each index's columns and uniqueness; each foreign
//! key and what deleting its target does; each trigram search index, and the
//! table it indexes), and the two descriptions must match.

use std::collections::BTreeSet;

use sqlx::Row;

use super::{DatabaseLocation, Store};

/// The normalised schema: one line a column, index or foreign key.
type Schema = BTreeSet<String>;

/// A column's type as both backends can agree on it: SQLite's `INTEGER` and
/// `BIGINT` are both 64 bits, so only PostgreSQL's `bigint` matches them (an
/// `integer` column there is 32 bits); anything else stays as the backend named it.
fn comparable_type(backend: &str, declared: &str) -> String {
    match (backend, declared.to_ascii_lowercase().as_str()) {
        ("sqlite", "integer" | "bigint") | ("postgres", "bigint") => "integer".to_owned(),
        ("sqlite", "text") | ("postgres", "text") => "text".to_owned(),
        (_, other) => format!("{backend} {other}"),
    }
}

fn column_line(table: &str, column: &str, kind: &str, not_null: bool, pk: i64) -> String {
    // A primary key column is never null, whatever SQLite's catalog says of it.
    let null = if not_null || pk > 0 {
        "not null"
    } else {
        "null"
    };
    let key = if pk > 0 {
        format!(" primary key #{pk}")
    } else {
        String::new()
    };
    format!("column {table}.{column}: {kind}, {null}{key}")
}

/// An index made by `CREATE INDEX` is named by the migration; one made by a
/// `UNIQUE` constraint is named by each backend its own way, so by its columns.
fn index_line(
    table: &str,
    name: Option<&str>,
    unique: bool,
    partial: bool,
    columns: &str,
) -> String {
    let unique = if unique { "unique " } else { "" };
    let partial = if partial { " partial" } else { "" };
    match name {
        Some(name) => format!("index {name} on {table} ({columns}): {unique}index{partial}"),
        None => format!("constraint on {table} ({columns}): {unique}index{partial}"),
    }
}

/// A trigram index over `columns` of `table`: PostgreSQL's `pg_trgm` GIN
/// index, or SQLite's FTS5 table (`tokenize = 'trigram'`) whose rows
/// triggers on `table` keep in step — `table` is `?` unless triggers feed it
/// on insert, update and delete.
fn search_index_line(name: &str, table: &str, columns: &str) -> String {
    format!("search index {name} on {table} ({columns}): trigram")
}

fn foreign_key_line(table: &str, from: &str, target: &str, to: &str, on_delete: &str) -> String {
    format!("foreign key {table} ({from}) -> {target} ({to}), on delete {on_delete}")
}

async fn describe_sqlite(store: &Store) -> Schema {
    let pool = store.pool();
    // Plain tables: not virtual ones (FTS5), nor their shadow tables.
    let tables = "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' \
                  AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'";
    let mut schema = Schema::new();
    let columns = sqlx::query(&format!(
        "SELECT t.name AS tbl, c.name AS col, c.type AS kind, c.\"notnull\" AS not_null, c.pk AS pk \
         FROM ({tables}) t JOIN pragma_table_info(t.name) c"
    ))
    .fetch_all(pool)
    .await
    .expect("SQLite columns");
    for row in &columns {
        let kind: String = row.get("kind");
        schema.insert(column_line(
            row.get("tbl"),
            row.get("col"),
            &comparable_type("sqlite", &kind),
            row.get::<i64, _>("not_null") != 0,
            row.get("pk"),
        ));
    }
    let indexes = sqlx::query(&format!(
        "SELECT t.name AS tbl, l.name AS idx, l.\"unique\" AS uniq, l.origin AS origin, \
                l.partial AS partial, group_concat(i.name, ', ' ORDER BY i.seqno) AS cols \
         FROM ({tables}) t JOIN pragma_index_list(t.name) l JOIN pragma_index_info(l.name) i \
         WHERE l.origin <> 'pk' GROUP BY t.name, l.name"
    ))
    .fetch_all(pool)
    .await
    .expect("SQLite indexes");
    for row in &indexes {
        let origin: String = row.get("origin");
        let name: String = row.get("idx");
        schema.insert(index_line(
            row.get("tbl"),
            (origin == "c").then_some(name.as_str()),
            row.get::<i64, _>("uniq") != 0,
            row.get::<i64, _>("partial") != 0,
            row.get("cols"),
        ));
    }
    let searches = sqlx::query(
        "SELECT v.name AS name, (SELECT group_concat(c.name, ', ' ORDER BY c.cid) \
                  FROM pragma_table_info(v.name) c) AS cols, \
                (SELECT t.tbl_name FROM sqlite_master t WHERE t.type = 'trigger' \
                  AND (t.sql LIKE '%INTO ' || v.name || ' %' \
                    OR t.sql LIKE '%DELETE FROM ' || v.name || ' %') GROUP BY t.tbl_name \
                  HAVING SUM(t.sql LIKE '%AFTER INSERT%') > 0 AND SUM(t.sql LIKE '%AFTER UPDATE%') > 0 \
                  AND SUM(t.sql LIKE '%AFTER DELETE%' AND t.sql LIKE '%DELETE FROM ' || v.name || ' %') > 0) \
                  AS tbl \
         FROM sqlite_master v WHERE v.type = 'table' \
           AND v.sql LIKE 'CREATE VIRTUAL TABLE % USING fts5(%' AND v.sql LIKE '%tokenize = ''trigram''%'",
    )
    .fetch_all(pool)
    .await
    .expect("SQLite search indexes");
    for row in &searches {
        let table: Option<String> = row.get("tbl");
        schema.insert(search_index_line(
            row.get("name"),
            table.as_deref().unwrap_or("?"),
            row.get("cols"),
        ));
    }
    let keys = sqlx::query(&format!(
        "SELECT t.name AS tbl, k.\"table\" AS target, k.on_delete AS on_delete, \
                group_concat(k.\"from\", ', ' ORDER BY k.seq) AS from_cols, \
                group_concat(k.\"to\", ', ' ORDER BY k.seq) AS to_cols \
         FROM ({tables}) t JOIN pragma_foreign_key_list(t.name) k \
         GROUP BY t.name, k.id"
    ))
    .fetch_all(pool)
    .await
    .expect("SQLite foreign keys");
    for row in &keys {
        let on_delete: String = row.get("on_delete");
        schema.insert(foreign_key_line(
            row.get("tbl"),
            row.get("from_cols"),
            row.get("target"),
            row.get("to_cols"),
            &on_delete.to_ascii_lowercase(),
        ));
    }
    schema
}

async fn describe_postgres(store: &Store) -> Schema {
    let pool = store.pool();
    let mut schema = Schema::new();
    let columns = sqlx::query(
        "SELECT c.table_name::text AS tbl, c.column_name::text AS col, c.data_type::text AS kind, \
                CASE WHEN c.is_nullable = 'NO' THEN 1 ELSE 0 END::bigint AS not_null, \
                COALESCE(k.ordinal_position, 0)::bigint AS pk \
         FROM information_schema.columns c \
         LEFT JOIN information_schema.table_constraints tc \
           ON tc.table_schema = c.table_schema AND tc.table_name = c.table_name \
          AND tc.constraint_type = 'PRIMARY KEY' \
         LEFT JOIN information_schema.key_column_usage k \
           ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name \
          AND k.column_name = c.column_name \
         WHERE c.table_schema = current_schema() AND c.table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("PostgreSQL columns");
    for row in &columns {
        let kind: String = row.get("kind");
        schema.insert(column_line(
            row.get("tbl"),
            row.get("col"),
            &comparable_type("postgres", &kind),
            row.get::<i64, _>("not_null") != 0,
            row.get("pk"),
        ));
    }
    let indexes = sqlx::query(
        "SELECT t.relname::text AS tbl, i.relname::text AS idx, \
                CASE WHEN x.indisunique THEN 1 ELSE 0 END::bigint AS uniq, \
                CASE WHEN x.indpred IS NOT NULL THEN 1 ELSE 0 END::bigint AS partial, \
                CASE WHEN EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
                     THEN 1 ELSE 0 END::bigint AS by_constraint, \
                CASE WHEN bool_and(o.opcname = 'gin_trgm_ops') THEN 1 ELSE 0 END::bigint AS trigram, \
                string_agg(a.attname::text, ', ' ORDER BY k.ord) AS cols \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(x.indkey, x.indclass) WITH ORDINALITY AS k(attnum, opclass, ord) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         JOIN pg_opclass o ON o.oid = k.opclass \
         WHERE n.nspname = current_schema() AND NOT x.indisprimary \
           AND t.relname <> '_sqlx_migrations' \
         GROUP BY t.relname, i.relname, x.indisunique, x.indpred, x.indexrelid",
    )
    .fetch_all(pool)
    .await
    .expect("PostgreSQL indexes");
    for row in &indexes {
        let name: String = row.get("idx");
        if row.get::<i64, _>("trigram") != 0 {
            schema.insert(search_index_line(&name, row.get("tbl"), row.get("cols")));
            continue;
        }
        schema.insert(index_line(
            row.get("tbl"),
            (row.get::<i64, _>("by_constraint") == 0).then_some(name.as_str()),
            row.get::<i64, _>("uniq") != 0,
            row.get::<i64, _>("partial") != 0,
            row.get("cols"),
        ));
    }
    let keys = sqlx::query(
        "SELECT t.relname::text AS tbl, r.relname::text AS target, \
                CASE c.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' \
                  WHEN 'd' THEN 'set default' WHEN 'r' THEN 'restrict' ELSE 'no action' END AS on_delete, \
                string_agg(fa.attname::text, ', ' ORDER BY k.ord) AS from_cols, \
                string_agg(ta.attname::text, ', ' ORDER BY k.ord) AS to_cols \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(from_num, to_num, ord) \
         JOIN pg_attribute fa ON fa.attrelid = c.conrelid AND fa.attnum = k.from_num \
         JOIN pg_attribute ta ON ta.attrelid = c.confrelid AND ta.attnum = k.to_num \
         WHERE c.contype = 'f' AND n.nspname = current_schema() \
         GROUP BY c.oid, t.relname, r.relname, c.confdeltype",
    )
    .fetch_all(pool)
    .await
    .expect("PostgreSQL foreign keys");
    for row in &keys {
        schema.insert(foreign_key_line(
            row.get("tbl"),
            row.get("from_cols"),
            row.get("target"),
            row.get("to_cols"),
            row.get("on_delete"),
        ));
    }
    schema
}

async fn migrated_sqlite() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("schema.db").display());
    let store = Store::open(&DatabaseLocation::parse(&url).expect("SQLite URL"))
        .await
        .expect("migrate SQLite");
    (dir, store)
}

/// A fresh database on the server `FLAGSTAFF_TEST_POSTGRES_URL` names, migrated.
pub(crate) async fn migrated_postgres(url: &str) -> Store {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(url)
        .await
        .expect("connect to PostgreSQL");
    let name = format!("flagstaff_schema_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a database");
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    Store::connect(&format!("{base}/{name}"))
        .await
        .expect("migrate PostgreSQL")
}

/// Lines one schema has and the other lacks, for the failure message.
fn difference(sqlite: &Schema, postgres: &Schema) -> String {
    let only = |a: &Schema, b: &Schema, who: &str| {
        a.difference(b)
            .map(|line| format!("only on {who}: {line}\n"))
            .collect::<String>()
    };
    only(sqlite, postgres, "SQLite") + &only(postgres, sqlite, "PostgreSQL")
}

#[tokio::test]
async fn the_description_sees_columns_indexes_and_keys() {
    let (_dir, store) = migrated_sqlite().await;
    let schema = describe_sqlite(&store).await;
    for line in [
        "column features.name: text, not null primary key #1",
        "column events.id: integer, not null primary key #1",
        "column features.description: text, null",
        "index features_by_project on features (project_id, name): index",
        "index api_tokens_by_id on api_tokens (id): unique index",
        "constraint on users (username): unique index",
        "foreign key sessions (user_id) -> users (id), on delete cascade",
        "search index features_search on features (name, description): trigram",
    ] {
        assert!(schema.contains(line), "missing {line:?} in {schema:#?}");
    }
    // An index added to one backend alone is a difference.
    sqlx::query("CREATE INDEX drift ON features (created_at)")
        .execute(store.pool())
        .await
        .expect("add an index");
    let drifted = describe_sqlite(&store).await;
    assert_eq!(
        difference(&drifted, &schema),
        "only on SQLite: index drift on features (created_at): index\n"
    );
    // The search index's shadow tables are no tables of the schema; a search
    // index no trigger keeps in step is a difference.
    assert!(!schema.iter().any(|line| line.contains("features_search_")));
    sqlx::query("DROP TRIGGER features_search_delete")
        .execute(store.pool())
        .await
        .expect("drop a trigger");
    let unkept = describe_sqlite(&store).await;
    assert!(
        unkept.contains("search index features_search on ? (name, description): trigram"),
        "{unkept:#?}"
    );
}

#[tokio::test]
async fn both_migration_trees_build_the_same_schema() {
    let Ok(url) = std::env::var("FLAGSTAFF_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("CI must compare the schemas: FLAGSTAFF_TEST_POSTGRES_URL is not set");
        }
        eprintln!(
            "skipped comparing the SQLite and PostgreSQL schemas: \
             set FLAGSTAFF_TEST_POSTGRES_URL to run it"
        );
        return;
    };
    let (_dir, sqlite) = migrated_sqlite().await;
    let postgres = migrated_postgres(&url).await;
    let (sqlite, postgres) = (
        describe_sqlite(&sqlite).await,
        describe_postgres(&postgres).await,
    );
    assert!(sqlite.len() > 100, "{sqlite:#?}");
    assert_eq!(difference(&sqlite, &postgres), "", "the schemas differ");
}
