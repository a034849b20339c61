//! Where the data lives: the data directory and the database URL, shared by the
//! commands that open the store.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use cohesion_core::territory::compact;
use cohesion_store::{DatabaseUrl, Store, StoreOptions};

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

    /// Opens and migrates the store.
    pub async fn open(&self) -> anyhow::Result<Store> {
        let url = self.url()?;
        let store = Store::open(&StoreOptions::new(url.clone())).await.with_context(|| format!("opening {url}"))?;
        tracing::info!(backend = store.backend(), database = %url, "store open");
        Ok(store)
    }
}

/// Copies the indicator catalogue into the database and, once per referential vintage,
/// loads the legal populations the referential carries as `population` measurements.
pub async fn seed_indicators(store: &Store) -> anyhow::Result<()> {
    use cohesion_core::indicator::{Origin, catalogue, populations};
    store.sync_catalogue(catalogue(), "system:start").await?;
    let Some(referential) = store.load_referential().await? else { return Ok(()) };
    let Some((source, version, values)) = populations::legal_populations(&referential) else { return Ok(()) };
    if store.source_version_exists(&source.code, version, Origin::OpenData).await? {
        return Ok(());
    }
    let started = Instant::now();
    let summary = store
        .import_measurements("population", &source, Origin::OpenData, version, &values, "system:first-start")
        .await?;
    tracing::info!(
        values = summary.written,
        version = %version,
        ms = started.elapsed().as_millis() as u64,
        "legal populations loaded as measurements"
    );
    Ok(())
}

/// On an empty database, loads the referential shipped in the binary.
pub async fn seed_if_empty(store: &Store) -> anyhow::Result<()> {
    if store.referential_state().await?.is_some() {
        return Ok(());
    }
    let started = Instant::now();
    let referential = compact::read("data/territories.tsv", compact::SHIPPED)
        .map_err(|f| anyhow::anyhow!("the shipped referential is invalid:\n{f}"))?;
    let change = store.replace_referential(&referential, "system:first-start").await?;
    seed_indicators(store).await?;
    tracing::info!(
        vintage = referential.vintage(),
        territories = change.added,
        ms = started.elapsed().as_millis() as u64,
        "shipped referential loaded into the database"
    );
    Ok(())
}

/// On a database without programmes, loads the catalogue, memberships and France
/// services places shipped in the binary (`data/programmes/`).
pub async fn seed_programmes_if_empty(store: &Store) -> anyhow::Result<()> {
    if store.programme_revision().await?.is_some() {
        return Ok(());
    }
    let started = Instant::now();
    let data = cohesion_core::programme::compact::shipped()
        .map_err(|f| anyhow::anyhow!("the shipped programme files are invalid:\n{f}"))?;
    if store.seed_programmes(&data, "system:first-start").await? {
        tracing::info!(
            programmes = data.catalogue.len(),
            memberships = data.memberships.len(),
            places = data.places.len(),
            ms = started.elapsed().as_millis() as u64,
            "shipped programmes loaded into the database"
        );
    }
    Ok(())
}
