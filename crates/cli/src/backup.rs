//! `cohesion backup FILE` and `cohesion restore FILE`: the whole database, online and
//! consistent (SQLite's `VACUUM INTO`; PostgreSQL's `pg_dump` / `pg_restore`).

use std::path::PathBuf;

use anyhow::Context;

use crate::db::DbArgs;
use crate::output::outln;

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    /// The file to write (it must not exist).
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// A file written by `cohesion backup`.
    pub file: PathBuf,
    /// Replace the whole content of the database: required, the restore erases what
    /// was written since the backup.
    #[arg(long)]
    pub replace_everything: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn backup(args: BackupArgs) -> anyhow::Result<()> {
    crate::log::init_tracing(false);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let url = args.db.url()?;
        let db = args.db.open().await?;
        let report = db.backup(&url, &args.file).await.with_context(|| format!("backing up {url}"))?;
        db.close().await;
        outln!("backup written: {} ({} bytes)", report.file.display(), report.bytes);
        Ok(())
    })
}

pub fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    crate::log::init_tracing(false);
    if !args.replace_everything {
        anyhow::bail!(
            "a restore replaces everything in the database by the backup's content: \
             run again with --replace-everything, then restart the servers"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let url = args.db.url()?;
        let db = args.db.open().await?;
        let report = db.restore(&url, &args.file).await.with_context(|| format!("restoring into {url}"))?;
        db.close().await;
        outln!("restored from {} into {url}; restart the servers to load it", report.file.display());
        Ok(())
    })
}
