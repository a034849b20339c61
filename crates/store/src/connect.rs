//! Opening a store from a URL, with the pragmas and pool sizes we rely on.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{Result, Store, StoreError};

/// A database URL whose password never reaches logs (`Debug` and `Display` redact it).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseUrl(url.into())
    }

    /// The embedded default: a SQLite file in the data directory.
    pub fn sqlite_in(dir: &Path) -> Self {
        DatabaseUrl(format!("sqlite://{}", dir.join("cohesion.sqlite3").display()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// The URL without its password, and the password (percent-decoded), for a tool
    /// that takes the password from its environment (`PGPASSWORD`).
    pub fn split_password(&self) -> (String, Option<String>) {
        if let (Some(scheme), Some(at)) = (self.0.find("://"), self.0.rfind('@'))
            && at > scheme
            && let Some((user, password)) = self.0[scheme + 3..at].split_once(':')
        {
            let without = format!("{}{user}{}", &self.0[..scheme + 3], &self.0[at..]);
            return (without, Some(percent_decode(password)));
        }
        (self.0.clone(), None)
    }

    fn redacted(&self) -> String {
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let userinfo = &self.0[scheme + 3..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => format!("{}{user}:***{}", &self.0[..scheme + 3], &self.0[at..]),
                    None => self.0.clone(),
                }
            }
            _ => self.0.clone(),
        }
    }
}

/// `%XX` sequences decoded (a URL's userinfo); anything else kept as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: DatabaseUrl,
    pub max_connections: u32,
    /// PostgreSQL only: run in this schema (created if missing). Used by tests to get
    /// a fresh database per test.
    pub schema: Option<String>,
}

impl StoreOptions {
    pub fn new(url: DatabaseUrl) -> Self {
        StoreOptions { url, max_connections: 8, schema: None }
    }
}

impl Store {
    /// Opens (creating if needed) the database and applies pending migrations.
    pub async fn open(options: &StoreOptions) -> Result<Store> {
        let store = if options.url.is_postgres() {
            let mut connect = PgConnectOptions::from_str(options.url.expose())
                .map_err(|e| StoreError::Url(format!("{}: {e}", options.url)))?;
            if let Some(schema) = &options.schema {
                if !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                    return Err(StoreError::Url(format!("invalid schema name {schema}")));
                }
                let admin = PgPoolOptions::new().max_connections(1).connect_with(connect.clone()).await?;
                let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
                sqlx::query(sqlx::AssertSqlSafe(create)).execute(&admin).await?;
                admin.close().await;
                connect = connect.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(connect)
                .await?;
            Store::Postgres(pool)
        } else {
            let url = options.url.expose();
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            let connect = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(connect)
                .await?;
            Store::Sqlite(pool)
        };
        store.migrate().await?;
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        let url = DatabaseUrl::new("postgres://app:s3cret@db.local:5432/cohesion");
        assert_eq!(format!("{url:?}"), "DatabaseUrl(postgres://app:***@db.local:5432/cohesion)");
        assert!(!url.to_string().contains("s3cret"));
        assert_eq!(DatabaseUrl::new("sqlite://x.db").to_string(), "sqlite://x.db");
    }

    #[test]
    fn the_password_is_taken_out_for_the_client_tools() {
        let url = DatabaseUrl::new("postgres://app:s3%40cr%3At@db.local:5432/cohesion?sslmode=disable");
        assert_eq!(
            url.split_password(),
            ("postgres://app@db.local:5432/cohesion?sslmode=disable".to_owned(), Some("s3@cr:t".to_owned()))
        );
        let none = DatabaseUrl::new("postgres://postgres@127.0.0.1:5432/test");
        assert_eq!(none.split_password(), ("postgres://postgres@127.0.0.1:5432/test".to_owned(), None));
        assert_eq!(percent_decode("a%zz%4"), "a%zz%4", "broken escapes are kept");
    }
}
