//! Migrations, embedded in the binary: one directory per backend, same numbering.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::{Result, Store, with_pool};

/// (version, description, SQLite SQL, PostgreSQL SQL)
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "referential",
        include_str!("../migrations/sqlite/0001_referential.sql"),
        include_str!("../migrations/postgres/0001_referential.sql"),
    ),
    (
        2,
        "referential snapshot",
        include_str!("../migrations/sqlite/0002_referential_snapshot.sql"),
        include_str!("../migrations/postgres/0002_referential_snapshot.sql"),
    ),
    (
        3,
        "access",
        include_str!("../migrations/sqlite/0003_access.sql"),
        include_str!("../migrations/postgres/0003_access.sql"),
    ),
    (
        4,
        "programme",
        include_str!("../migrations/sqlite/0004_programme.sql"),
        include_str!("../migrations/postgres/0004_programme.sql"),
    ),
    (
        5,
        "indicators, measurements, objectives, evaluations",
        include_str!("../migrations/sqlite/0005_indicator.sql"),
        include_str!("../migrations/postgres/0005_indicator.sql"),
    ),
    (
        6,
        "project",
        include_str!("../migrations/sqlite/0006_project.sql"),
        include_str!("../migrations/postgres/0006_project.sql"),
    ),
    (
        7,
        "pact",
        include_str!("../migrations/sqlite/0007_pact.sql"),
        include_str!("../migrations/postgres/0007_pact.sql"),
    ),
    (
        8,
        "token_lineage",
        include_str!("../migrations/sqlite/0008_token_lineage.sql"),
        include_str!("../migrations/postgres/0008_token_lineage.sql"),
    ),
    (
        9,
        "engineering; pact events become the one event table",
        include_str!("../migrations/sqlite/0009_engineering.sql"),
        include_str!("../migrations/postgres/0009_engineering.sql"),
    ),
    (
        10,
        "change_notify",
        include_str!("../migrations/sqlite/0010_change_notify.sql"),
        include_str!("../migrations/postgres/0010_change_notify.sql"),
    ),
    (
        11,
        "indicator_state",
        include_str!("../migrations/sqlite/0011_indicator_state.sql"),
        include_str!("../migrations/postgres/0011_indicator_state.sql"),
    ),
    (
        12,
        "space: notifications read, notification preferences",
        include_str!("../migrations/sqlite/0012_space.sql"),
        include_str!("../migrations/postgres/0012_space.sql"),
    ),
    (
        13,
        "pending work: member-list previews not applied, digests that failed",
        include_str!("../migrations/sqlite/0013_pending_work.sql"),
        include_str!("../migrations/postgres/0013_pending_work.sql"),
    ),
    (
        14,
        "engineering: indexes of the last writes (the dashboard's fingerprint)",
        include_str!("../migrations/sqlite/0014_engineering_updated.sql"),
        include_str!("../migrations/postgres/0014_engineering_updated.sql"),
    ),
    (
        15,
        "engineering: the revision every engineering write bumps, and the case it touched",
        include_str!("../migrations/sqlite/0015_engineering_state.sql"),
        include_str!("../migrations/postgres/0015_engineering_state.sql"),
    ),
    (
        16,
        "person: the name folded for search",
        include_str!("../migrations/sqlite/0016_person_name_key.sql"),
        include_str!("../migrations/postgres/0016_person_name_key.sql"),
    ),
    (
        17,
        "project: phase and status may be unknown",
        include_str!("../migrations/sqlite/0017_project_phase_optional.sql"),
        include_str!("../migrations/postgres/0017_project_phase_optional.sql"),
    ),
    (
        18,
        "evaluation: the evaluation a re-run re-runs",
        include_str!("../migrations/sqlite/0018_evaluation_rerun.sql"),
        include_str!("../migrations/postgres/0018_evaluation_rerun.sql"),
    ),
];

fn migrator(postgres: bool) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sqlite, pg)| {
                let sql = if postgres { pg } else { sqlite };
                Migration::new(version, Cow::Borrowed(description), MigrationType::Simple, sql.into_sql_str(), false)
            })
            .collect(),
    )
}

impl Store {
    /// Applies the migrations not yet applied; idempotent.
    pub async fn migrate(&self) -> Result<()> {
        let postgres = matches!(self, Store::Postgres(_));
        with_pool!(self, pool => migrator(postgres).run(pool).await?);
        self.fill_person_name_keys().await
    }

    /// Fills the folded names of people written before migration 16 (a no-op once
    /// done: one indexed-free count of the rows left, usually none).
    async fn fill_person_name_keys(&self) -> Result<()> {
        const LEFT: &str = "SELECT id, given_name, usual_name FROM person \
             WHERE name_key = '' AND (given_name <> '' OR usual_name <> '')";
        with_pool!(self, pool => {
            let left: Vec<(String, String, String)> = sqlx::query_as(LEFT).fetch_all(pool).await?;
            if left.is_empty() {
                return Ok(());
            }
            let mut tx = pool.begin().await?;
            for (id, given, usual) in &left {
                sqlx::query("UPDATE person SET name_key = $2 WHERE id = $1")
                    .bind(id)
                    .bind(crate::access::name_key(given, usual))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            tracing::info!(people = left.len(), "folded names filled");
        });
        Ok(())
    }
}
