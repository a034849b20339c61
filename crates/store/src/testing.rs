//! Support for tests of this crate and of the crates above it: a fresh, isolated
//! database on either backend.
//!
//! - SQLite: a new file in a temporary directory (removed on drop).
//! - PostgreSQL: when `COHESION_TEST_DATABASE_URL` is set, a new schema in that
//!   database, dropped on [`TestDb::cleanup`].

use crate::{DatabaseUrl, Result, Store, StoreOptions};

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "COHESION_TEST_DATABASE_URL";

/// A store for one test, and what to clean up afterwards.
pub struct TestDb {
    pub store: Store,
    schema: Option<(DatabaseUrl, String)>,
    _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL URL for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|s| !s.is_empty())
}

impl TestDb {
    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> Result<TestDb> {
        let dir = tempfile::tempdir().map_err(|e| crate::StoreError::Url(e.to_string()))?;
        let store = Store::open(&StoreOptions::new(DatabaseUrl::sqlite_in(dir.path()))).await?;
        Ok(TestDb { store, schema: None, _dir: Some(dir) })
    }

    /// A fresh schema in the PostgreSQL database named by `url`.
    pub async fn postgres(url: &str) -> Result<TestDb> {
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        let url = DatabaseUrl::new(url);
        let mut options = StoreOptions::new(url.clone());
        options.schema = Some(schema.clone());
        options.max_connections = 4;
        let store = Store::open(&options).await?;
        Ok(TestDb { store, schema: Some((url, schema)), _dir: None })
    }

    /// Closes the pool and drops the PostgreSQL schema.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.schema
            && let Ok(pool) = sqlx::PgPool::connect(url.expose()).await
        {
            let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&pool).await;
            pool.close().await;
        }
    }
}

/// Set to `1` (as CI does) to make PostgreSQL tests fail instead of skipping when
/// [`POSTGRES_ENV`] is missing.
pub const REQUIRE_POSTGRES_ENV: &str = "COHESION_REQUIRE_POSTGRES";

/// A fresh PostgreSQL test database, or `None` (test skipped) when none is
/// configured. Panics when PostgreSQL is required but missing or unreachable: a CI
/// run must not pass without exercising it.
pub async fn postgres_or_skip() -> Option<TestDb> {
    let required = std::env::var(REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1");
    match postgres_url() {
        Some(url) => match TestDb::postgres(&url).await {
            Ok(db) => Some(db),
            Err(e) => panic!("PostgreSQL at {POSTGRES_ENV} is unreachable: {e}"),
        },
        None if required => panic!("{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_ENV} is not set"),
        None => {
            eprintln!("skipped: set {POSTGRES_ENV}=postgres://… to run the PostgreSQL tests");
            None
        }
    }
}
