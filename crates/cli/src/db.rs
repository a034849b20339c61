//! Where the data lives: the data directory and the database URL, shared by the
//! commands that open the database.

use std::path::PathBuf;

use anyhow::Context;
use cohesion_app::database::{Database, DatabaseUrl};

#[derive(clap::Args, Debug, Clone)]
pub struct DbArgs {
    /// Directory holding the embedded SQLite database (created if missing).
    #[arg(long, env = "COHESION_DATA_DIR", default_value = "./cohesion-data")]
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite database.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DbArgs {
    pub fn url(&self) -> anyhow::Result<DatabaseUrl> {
        match &self.database_url {
            Some(url) if !url.is_empty() => Ok(DatabaseUrl::new(url.clone())),
            _ => {
                std::fs::create_dir_all(&self.data_dir)
                    .with_context(|| format!("creating the data directory {}", self.data_dir.display()))?;
                Ok(DatabaseUrl::sqlite_in(&self.data_dir))
            }
        }
    }

    /// Opens and migrates the database.
    pub async fn open(&self) -> anyhow::Result<Database> {
        let url = self.url()?;
        Database::open(&url).await.with_context(|| format!("opening {url}"))
    }
}
