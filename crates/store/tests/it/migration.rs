//! Migrations: a second run is a no-op on both backends, and the two migration
//! directories build the same schema — the same tables, the same columns with the
//! same nullability, the same indexes by name. Column types differ by dialect and
//! are not compared.

use std::collections::{BTreeMap, BTreeSet};

use cohesion_store::Store;
use cohesion_store::testing::{TestDb, postgres_or_skip, storage_test};

storage_test!(migrations_are_idempotent, |db: TestDb| async move {
    db.store.migrate().await.expect("second migration run is a no-op");
    db.store.ping().await.expect("ping");
    assert_eq!(db.store.backend(), db.backend());
});

/// The differences between the two schemas as they stand, each written as the test
/// reports it. The test fails on any difference not listed here, and on a listed one
/// that is gone (remove it then).
///
/// All of them are one SQLite quirk: a single-column `PRIMARY KEY` is not implicitly
/// `NOT NULL` there (PostgreSQL makes it so), and our SQLite migrations do not say
/// `NOT NULL` on those columns. Fixing it in SQLite means rebuilding each table (no
/// `ALTER COLUMN`), so they are listed rather than changed here. A new table should
/// write `NOT NULL` on its key, and then adds nothing to this list.
const KNOWN: &[&str] = &[
    // TEXT keys: SQLite would store NULL (even twice); the store always binds a value.
    "column account_link.token_hash: NULL on SQLite, NOT NULL on PostgreSQL",
    "column api_token.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column audit_event.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column digest_run.day: NULL on SQLite, NOT NULL on PostgreSQL",
    "column evaluation.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column france_services_place.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column indicator.code: NULL on SQLite, NOT NULL on PostgreSQL",
    "column login_attempt.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column objective.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column oidc_login.state_hash: NULL on SQLite, NOT NULL on PostgreSQL",
    "column organisation.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column pact.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column pact_comment.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column pact_proposal.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column person.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column programme.code: NULL on SQLite, NOT NULL on PostgreSQL",
    "column programme_action.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column programme_eligibility.programme: NULL on SQLite, NOT NULL on PostgreSQL",
    "column programme_membership.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column project.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column role_grant.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column session.id_hash: NULL on SQLite, NOT NULL on PostgreSQL",
    "column source_version.id: NULL on SQLite, NOT NULL on PostgreSQL",
    // INTEGER PRIMARY KEY is SQLite's rowid: a NULL written becomes the next rowid.
    "column pact_state.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column programme_state.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column project_state.id: NULL on SQLite, NOT NULL on PostgreSQL",
    "column referential_state.id: NULL on SQLite, NOT NULL on PostgreSQL",
    // sqlx's own bookkeeping table (BIGINT PRIMARY KEY on SQLite), not our migrations.
    "column _sqlx_migrations.version: NULL on SQLite, NOT NULL on PostgreSQL",
];

#[tokio::test]
async fn same_schema_on_sqlite_and_postgres() {
    let Some(postgres) = postgres_or_skip().await else { return };
    let sqlite = TestDb::sqlite().await.expect("sqlite");
    let (lite, pg) = (schema(&sqlite.store).await, schema(&postgres.store).await);
    sqlite.cleanup().await;
    postgres.cleanup().await;
    assert!(lite.len() > 20 && lite.values().all(|t| !t.columns.is_empty()), "the schema was read: {lite:?}");

    let found = differences(&lite, &pg);
    let new: Vec<&String> = found.iter().filter(|d| !KNOWN.contains(&d.as_str())).collect();
    let gone: Vec<&&str> = KNOWN.iter().filter(|k| !found.iter().any(|d| d == *k)).collect();
    assert!(new.is_empty(), "the SQLite and PostgreSQL schemas differ:\n{}", lines(&new));
    assert!(gone.is_empty(), "known differences that are gone (remove them from KNOWN):\n{}", lines(&gone));
}

#[derive(Debug, Default)]
struct Table {
    /// Column name → nullable.
    columns: BTreeMap<String, bool>,
    /// Index name → unique. Only indexes created by `CREATE INDEX`: those that back a
    /// primary key or a UNIQUE constraint are named by each database its own way.
    indexes: BTreeMap<String, bool>,
}

type Schema = BTreeMap<String, Table>;

async fn schema(store: &Store) -> Schema {
    let mut schema = Schema::new();
    match store {
        Store::Sqlite(pool) => {
            let columns: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT m.name, c.name, c.\"notnull\" FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(pool)
            .await
            .expect("sqlite columns");
            for (table, column, not_null) in columns {
                schema.entry(table).or_default().columns.insert(column, not_null == 0);
            }
            let indexes: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT m.name, i.name, i.\"unique\" FROM sqlite_master m, pragma_index_list(m.name) i \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND i.origin = 'c'",
            )
            .fetch_all(pool)
            .await
            .expect("sqlite indexes");
            for (table, index, unique) in indexes {
                schema.entry(table).or_default().indexes.insert(index, unique != 0);
            }
        }
        Store::Postgres(pool) => {
            let columns: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT c.table_name::text, c.column_name::text, c.is_nullable::text \
                 FROM information_schema.columns c JOIN information_schema.tables t \
                   ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'",
            )
            .fetch_all(pool)
            .await
            .expect("postgres columns");
            for (table, column, nullable) in columns {
                schema.entry(table).or_default().columns.insert(column, nullable == "YES");
            }
            let indexes: Vec<(String, String, bool)> = sqlx::query_as(
                "SELECT tablename::text, indexname::text, indexdef LIKE 'CREATE UNIQUE INDEX%' FROM pg_indexes \
                 WHERE schemaname = current_schema() AND indexname NOT IN \
                   (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)",
            )
            .fetch_all(pool)
            .await
            .expect("postgres indexes");
            for (table, index, unique) in indexes {
                schema.entry(table).or_default().indexes.insert(index, unique);
            }
        }
    }
    schema
}

/// Every difference, one line each, in a stable order.
fn differences(lite: &Schema, pg: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = lite.keys().chain(pg.keys()).collect();
    for name in names {
        let (Some(l), Some(p)) = (lite.get(name), pg.get(name)) else {
            let only = if lite.contains_key(name) { "SQLite" } else { "PostgreSQL" };
            out.push(format!("table {name}: only on {only}"));
            continue;
        };
        let columns: BTreeSet<&String> = l.columns.keys().chain(p.columns.keys()).collect();
        for c in columns {
            match (l.columns.get(c), p.columns.get(c)) {
                (Some(a), Some(b)) if a == b => {}
                (Some(&a), Some(_)) => {
                    let (on_lite, on_pg) = if a { ("NULL", "NOT NULL") } else { ("NOT NULL", "NULL") };
                    out.push(format!("column {name}.{c}: {on_lite} on SQLite, {on_pg} on PostgreSQL"));
                }
                (Some(_), None) => out.push(format!("column {name}.{c}: only on SQLite")),
                _ => out.push(format!("column {name}.{c}: only on PostgreSQL")),
            }
        }
        let indexes: BTreeSet<&String> = l.indexes.keys().chain(p.indexes.keys()).collect();
        for i in indexes {
            match (l.indexes.get(i), p.indexes.get(i)) {
                (Some(a), Some(b)) if a == b => {}
                (Some(&a), Some(_)) => {
                    let only = if a { "SQLite" } else { "PostgreSQL" };
                    out.push(format!("index {i} on {name}: unique only on {only}"));
                }
                (Some(_), None) => out.push(format!("index {i} on {name}: only on SQLite")),
                _ => out.push(format!("index {i} on {name}: only on PostgreSQL")),
            }
        }
    }
    out
}

fn lines<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n")
}
