//! Persistence for Cohésion: one [`Store`], two backends (SQLite and PostgreSQL).
//!
//! The backend is chosen once, when the store is opened, and every operation is a
//! `match` over two concrete sqlx pools (static dispatch; no `Any` driver, which
//! cannot bind times or JSON). SQL is written once in the dialect both accept
//! (`$1` placeholders, `RETURNING`, `ON CONFLICT`); what differs (column types) lives
//! in the per-backend migrations under `migrations/`.
//!
//! Every mutation writes its [`audit`] event in the same transaction.

pub mod access;
pub mod audit;
pub mod backup;
pub mod change;
mod connect;
pub mod engineering;
pub mod evaluation;
pub mod indicator;
mod migrate;
pub mod pact;
pub mod programme;
pub mod project;
pub mod space;
pub mod territory;
#[cfg(feature = "testing")]
pub mod testing;

use sqlx::{PgPool, SqlitePool};

pub use connect::{DatabaseUrl, StoreOptions};

/// The database behind the platform.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same body against whichever pool this store holds. The body is compiled
/// once per backend, so both arms are statically typed.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite($pool) => $body,
            $crate::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Tells `event` to each of `recipients` once, never to its `actor` (one notification
/// row per person; the digest mails them): the one way pacts and engineering notify.
macro_rules! notify {
    ($tx:expr, $event:expr, $actor:expr, $recipients:expr) => {{
        let actor: uuid::Uuid = $actor;
        let mut recipients: Vec<&uuid::Uuid> = $recipients.iter().filter(|r| **r != actor).collect();
        recipients.sort();
        recipients.dedup();
        for chunk in recipients.chunks(500) {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO notification (person_id, event_id) ");
            qb.push_values(chunk, |mut b, person| {
                b.push_bind(person.to_string()).push_bind($event);
            });
            qb.push(" ON CONFLICT DO NOTHING");
            qb.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use notify;

/// Errors of this crate. Database failures are not the client's fault; the web layer
/// maps them to 500 without leaking their text.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("invalid database URL: {0}")]
    Url(String),
    /// The change collides with stored data (a unique email or SIRET, a stale
    /// version): the client's fault, answered 409.
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// A backup or a restore could not be made (the file, the tool, the content).
    #[error("backup: {0}")]
    Backup(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`] with `message`.
    pub(crate) fn unique(e: sqlx::Error, message: impl Into<String>) -> StoreError {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(message.into()),
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl Store {
    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}
