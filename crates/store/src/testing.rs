//! Support for tests of this crate and of the crates above it (behind the `testing`
//! feature, which only their dev-dependencies enable): a fresh, isolated database on
//! either backend, and [`storage_test!`], which writes a test once for both.
//!
//! - SQLite: a new file in a temporary directory (removed on drop).
//! - PostgreSQL: when `COHESION_TEST_DATABASE_URL` is set, a new schema in that
//!   database, dropped on [`TestDb::cleanup`] (and by [`storage_test!`] after the test,
//!   even a failed one).

use std::future::Future;
use std::io::Write;
use std::sync::Arc;

use crate::{DatabaseUrl, Result, Store, StoreOptions};

#[doc(hidden)]
pub use pastey as __pastey;

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "COHESION_TEST_DATABASE_URL";

/// Set to `1` (as CI does) to make PostgreSQL tests fail instead of skipping when
/// [`POSTGRES_ENV`] is missing.
pub const REQUIRE_POSTGRES_ENV: &str = "COHESION_REQUIRE_POSTGRES";

/// What a skipped PostgreSQL test prints (after its name); CI fails on any such line.
pub const SKIPPED: &str = "skipped: set COHESION_TEST_DATABASE_URL=postgres://… to run the PostgreSQL tests";

/// A store for one test, and what to clean up afterwards.
pub struct TestDb {
    pub store: Store,
    backend: &'static str,
    schema: Option<(DatabaseUrl, String)>,
    /// Shared with [`Cleanup`]: a test body that keeps only `store` (an `async move`
    /// block captures just the fields it uses) must not see its file deleted.
    dir: Option<Arc<tempfile::TempDir>>,
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
        Ok(TestDb { store, backend: "sqlite", schema: None, dir: Some(Arc::new(dir)) })
    }

    /// A fresh schema in the PostgreSQL database named by `url`.
    pub async fn postgres(url: &str) -> Result<TestDb> {
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        let url = DatabaseUrl::new(url);
        let mut options = StoreOptions::new(url.clone());
        options.schema = Some(schema.clone());
        options.max_connections = 4;
        let store = Store::open(&options).await?;
        Ok(TestDb { store, backend: "postgres", schema: Some((url, schema)), dir: None })
    }

    /// The backend this database was asked for (`sqlite` or `postgres`), to compare
    /// with what the store reports.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// What [`TestDb::cleanup`] does, kept apart so that it can run after the database
    /// itself has been moved into a test.
    pub fn cleanup_later(&self) -> Cleanup {
        Cleanup { store: self.store.clone(), schema: self.schema.clone(), dir: self.dir.clone() }
    }

    /// Closes the pool and drops the PostgreSQL schema.
    pub async fn cleanup(self) {
        self.cleanup_later().run().await;
    }
}

/// Closing a test database's pool and dropping its PostgreSQL schema; running it twice
/// is harmless.
pub struct Cleanup {
    store: Store,
    schema: Option<(DatabaseUrl, String)>,
    dir: Option<Arc<tempfile::TempDir>>,
}

impl Cleanup {
    pub async fn run(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.schema
            && let Ok(pool) = sqlx::PgPool::connect(url.expose()).await
        {
            let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&pool).await;
            pool.close().await;
        }
        drop(self.dir);
    }
}

/// A fresh PostgreSQL test database, or `None` (test skipped) when none is
/// configured. Panics when PostgreSQL is required but missing or unreachable: a CI
/// run must not pass without exercising it.
///
/// The skip is written straight to the process's standard error, past the test
/// harness's capture, so that it shows in every log (CI fails on it).
pub async fn postgres_or_skip() -> Option<TestDb> {
    let required = std::env::var(REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1");
    match postgres_url() {
        Some(url) => match TestDb::postgres(&url).await {
            Ok(db) => Some(db),
            Err(e) => panic!("PostgreSQL at {POSTGRES_ENV} is unreachable: {e}"),
        },
        None if required => panic!("{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_ENV} is not set"),
        None => {
            let test = std::thread::current().name().unwrap_or("a test").to_owned();
            let _ = writeln!(std::io::stderr(), "{test}: {SKIPPED}");
            None
        }
    }
}

/// Runs `test` on a fresh SQLite database, then cleans up (see [`storage_test!`]).
pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run(TestDb::sqlite().await.expect("sqlite"), test).await;
}

/// Runs `test` on a fresh PostgreSQL schema, then drops it; returns at once when
/// PostgreSQL is not configured (see [`postgres_or_skip`]).
pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = postgres_or_skip().await else { return };
    run(db, test).await;
}

/// The test runs as a task so that a failing one still has its schema dropped; its
/// panic is then passed on unchanged.
async fn run<F, Fut>(db: TestDb, test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let cleanup = db.cleanup_later();
    let outcome = tokio::spawn(test(db)).await;
    cleanup.run().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the test task did not finish: {e}"),
        }
    }
}

/// One test, two `#[tokio::test]`s: `NAME_sqlite` on a fresh SQLite database and
/// `NAME_postgres` on a fresh PostgreSQL schema ([`postgres_or_skip`]: skipped when
/// `COHESION_TEST_DATABASE_URL` is not set, failed when `COHESION_REQUIRE_POSTGRES=1`).
/// The body receives the [`TestDb`] by value; the database is cleaned up after it,
/// failed or not.
///
/// ```text
/// use cohesion_store::testing::{TestDb, storage_test};
///
/// // pact_sqlite and pact_postgres
/// storage_test!(pact, |db: TestDb| async move { pact_story(&db.store).await });
/// // on a multi-threaded runtime with 2 workers
/// storage_test!(pact_concurrent, threads = 2, |db: TestDb| async move { … });
/// // names that do not follow the pattern (kept from before the macro)
/// storage_test!(sqlite = every_change_is_allowed, postgres = access_matrix_postgres, |db: TestDb| async move { … });
/// ```
///
/// The calling crate needs `tokio` (with `macros`) among its (dev-)dependencies.
#[doc(inline)]
pub use crate::__storage_test as storage_test;

#[doc(hidden)]
#[macro_export]
macro_rules! __storage_test {
    (sqlite = $sqlite:ident, postgres = $postgres:ident, threads = $threads:literal, $test:expr $(,)?) => {
        #[::tokio::test(flavor = "multi_thread", worker_threads = $threads)]
        async fn $sqlite() {
            $crate::testing::on_sqlite($test).await;
        }

        #[::tokio::test(flavor = "multi_thread", worker_threads = $threads)]
        async fn $postgres() {
            $crate::testing::on_postgres($test).await;
        }
    };
    (sqlite = $sqlite:ident, postgres = $postgres:ident, $test:expr $(,)?) => {
        #[::tokio::test]
        async fn $sqlite() {
            $crate::testing::on_sqlite($test).await;
        }

        #[::tokio::test]
        async fn $postgres() {
            $crate::testing::on_postgres($test).await;
        }
    };
    ($name:ident, threads = $threads:literal, $test:expr $(,)?) => {
        $crate::testing::__pastey::paste! {
            $crate::__storage_test!(
                sqlite = [<$name _sqlite>],
                postgres = [<$name _postgres>],
                threads = $threads,
                $test
            );
        }
    };
    ($name:ident, $test:expr $(,)?) => {
        $crate::testing::__pastey::paste! {
            $crate::__storage_test!(sqlite = [<$name _sqlite>], postgres = [<$name _postgres>], $test);
        }
    };
}
