//! Backup and restore of the whole database, online and consistent.
//!
//! - SQLite: `VACUUM INTO` writes a consistent copy while the platform keeps serving
//!   (it reads one snapshot of the database). A restore brings the copy to this
//!   version's migrations, then replaces the content of every table in one
//!   transaction: all or nothing, whether or not a server has the file open.
//! - PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, online) and
//!   `pg_restore --clean --if-exists --single-transaction`, the PostgreSQL client tools
//!   of the machine; the password goes to them through `PGPASSWORD`, never on their
//!   command line.
//!
//! Servers keep in memory what they loaded: restart them after a restore.

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::Row;

use crate::{DatabaseUrl, Result, Store, StoreError, StoreOptions};

/// What a backup or a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub file: PathBuf,
    pub bytes: u64,
    /// Tables copied (SQLite restore), 0 when the tool does not say.
    pub tables: usize,
}

fn failed(what: impl Into<String>) -> StoreError {
    StoreError::Backup(what.into())
}

/// A name of our own schema, safe to put in SQL between double quotes.
fn plain_name(name: &str) -> Result<&str> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        Ok(name)
    } else {
        Err(failed(format!("unexpected table name {name:?}")))
    }
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// A path next to `path` for a file being written, renamed into place once whole.
fn partial(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

impl Store {
    /// Writes a consistent copy of the database to `to` (which must not exist), while
    /// the platform keeps serving. `url` is this store's URL (PostgreSQL needs it for
    /// `pg_dump`).
    pub async fn backup(&self, url: &DatabaseUrl, to: &Path) -> Result<BackupReport> {
        if to.exists() {
            return Err(failed(format!("{} exists already: choose a new file", to.display())));
        }
        let tmp = partial(to);
        let _ = std::fs::remove_file(&tmp);
        match self {
            Store::Sqlite(pool) => {
                let path = tmp.to_str().ok_or_else(|| failed("the backup path is not valid UTF-8"))?;
                sqlx::query("VACUUM INTO $1").bind(path).execute(pool).await?;
            }
            Store::Postgres(_) => {
                let mut dump = pg_command("pg_dump", url)?;
                dump.arg("--format=custom").arg("--no-owner").arg("--file").arg(&tmp);
                run(dump)?;
            }
        }
        std::fs::rename(&tmp, to).map_err(|e| failed(format!("{}: {e}", to.display())))?;
        Ok(BackupReport { file: to.to_owned(), bytes: size(to), tables: 0 })
    }

    /// Replaces the whole content of the database by the backup `from` (made by
    /// [`Store::backup`], by this version or an older one), in one transaction.
    pub async fn restore(&self, url: &DatabaseUrl, from: &Path) -> Result<BackupReport> {
        if !from.is_file() {
            return Err(failed(format!("{}: no such backup file", from.display())));
        }
        let tables = match self {
            Store::Sqlite(pool) => restore_sqlite(pool, from).await?,
            Store::Postgres(_) => {
                let mut restore = pg_command("pg_restore", url)?;
                restore
                    .arg("--clean")
                    .arg("--if-exists")
                    .arg("--no-owner")
                    .arg("--single-transaction")
                    .arg("--exit-on-error")
                    .arg(from);
                run(restore)?;
                // A backup of an older version: bring it to this one.
                self.migrate().await?;
                0
            }
        };
        Ok(BackupReport { file: from.to_owned(), bytes: size(from), tables })
    }
}

async fn restore_sqlite(pool: &sqlx::SqlitePool, from: &Path) -> Result<usize> {
    // The backup is never changed: a copy of it is migrated to this version, then read.
    let copy = partial(from).with_extension("restoring");
    std::fs::copy(from, &copy).map_err(|e| failed(format!("{}: {e}", from.display())))?;
    let result = async {
        let path = copy.to_str().ok_or_else(|| failed("the backup path is not valid UTF-8"))?;
        let mut options = StoreOptions::new(DatabaseUrl::new(format!("sqlite://{path}")));
        options.max_connections = 1;
        let backup =
            Store::open(&options).await.map_err(|e| failed(format!("{}: not a backup ({e})", from.display())))?;
        backup.close().await;

        let mut conn = pool.acquire().await?;
        sqlx::query("ATTACH DATABASE $1 AS backup").bind(path).execute(&mut *conn).await?;
        let copied = copy_tables(&mut conn).await;
        let _ = sqlx::query("DETACH DATABASE backup").execute(&mut *conn).await;
        copied
    }
    .await;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = copy.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    result
}

/// Every table of `main` emptied and filled from `backup`, in one transaction.
async fn copy_tables(conn: &mut sqlx::SqliteConnection) -> Result<usize> {
    const TABLES: &str = "SELECT name FROM main.sqlite_master WHERE type = 'table' \
                          AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name";
    let names: Vec<String> = sqlx::query(TABLES).fetch_all(&mut *conn).await?.iter().map(|r| r.get(0)).collect();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let copied = async {
        // Rows arrive table by table: references are checked once, at commit.
        sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *conn).await?;
        for name in &names {
            let name = plain_name(name)?;
            let pragma = format!("PRAGMA main.table_info(\"{name}\")");
            let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(pragma))
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.get::<String, _>("name"))
                .collect();
            let columns =
                columns.iter().map(|c| plain_name(c).map(|c| format!("\"{c}\""))).collect::<Result<Vec<_>>>()?;
            let columns = columns.join(", ");
            let delete = format!("DELETE FROM main.\"{name}\"");
            sqlx::query(sqlx::AssertSqlSafe(delete)).execute(&mut *conn).await?;
            let insert = format!("INSERT INTO main.\"{name}\" ({columns}) SELECT {columns} FROM backup.\"{name}\"");
            sqlx::query(sqlx::AssertSqlSafe(insert)).execute(&mut *conn).await?;
        }
        Ok::<_, StoreError>(names.len())
    }
    .await;
    match copied {
        Ok(n) => {
            sqlx::query("COMMIT").execute(&mut *conn).await?;
            Ok(n)
        }
        Err(e) => {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            Err(e)
        }
    }
}

/// A PostgreSQL client tool for the database of `url`, its password in the environment.
fn pg_command(tool: &str, url: &DatabaseUrl) -> Result<Command> {
    let (without, password) = url.split_password();
    let mut command = Command::new(tool);
    command.arg("--dbname").arg(without);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    Ok(command)
}

fn run(mut command: Command) -> Result<()> {
    let tool = command.get_program().to_string_lossy().into_owned();
    let out = command.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            failed(format!("{tool} not found: install the PostgreSQL client tools (Debian: postgresql-client)"))
        }
        _ => failed(format!("{tool}: {e}")),
    })?;
    if out.status.success() {
        Ok(())
    } else {
        let said = String::from_utf8_lossy(&out.stderr);
        Err(failed(format!("{tool} failed ({}): {}", out.status, said.trim())))
    }
}
