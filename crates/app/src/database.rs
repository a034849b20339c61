//! The database before the application is loaded: opening it from its URL, and what
//! the command line does on it first (seeding the shipped referential, programmes and
//! indicator catalogue; imports that need no loaded application).
//!
//! The adapters hold a [`Database`] and never the store inside it: they call
//! [`Database::load`] for the [`App`], or the domain functions that take a
//! `&Database` (`territory::import_referential`, `indicator::import_measurements`…).

use std::time::Instant;

use cohesion_core::territory::{Referential, compact};
use cohesion_store::{Store, StoreOptions};

pub use cohesion_store::DatabaseUrl;
pub use cohesion_store::backup::BackupReport;

use crate::{App, AppError, LoadError};

/// An open, migrated database.
#[derive(Clone)]
pub struct Database {
    pub(crate) store: Store,
}

impl Database {
    /// Opens (and migrates) the database at `url`.
    pub async fn open(url: &DatabaseUrl) -> Result<Database, AppError> {
        let store = Store::open(&StoreOptions::new(url.clone())).await?;
        tracing::info!(backend = store.backend(), database = %url, "store open");
        Ok(Database { store })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Loads the application (the database must hold a referential).
    pub async fn load(&self) -> Result<App, LoadError> {
        App::load(self.store.clone()).await
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Writes a consistent copy of the whole database at `url` (this one) to `to`,
    /// while the platform serves.
    pub async fn backup(&self, url: &DatabaseUrl, to: &std::path::Path) -> Result<BackupReport, AppError> {
        Ok(self.store.backup(url, to).await?)
    }

    /// Replaces the whole database at `url` (this one) by the backup `from`.
    pub async fn restore(&self, url: &DatabaseUrl, from: &std::path::Path) -> Result<BackupReport, AppError> {
        Ok(self.store.restore(url, from).await?)
    }

    /// The stored referential, if any.
    pub async fn referential(&self) -> Result<Option<Referential>, AppError> {
        Ok(self.store.load_referential().await?)
    }

    /// On an empty database, loads the referential shipped in the binary (and the
    /// legal populations it carries).
    pub async fn seed_if_empty(&self) -> Result<(), AppError> {
        if self.store.referential_state().await?.is_some() {
            return Ok(());
        }
        let started = Instant::now();
        let referential = compact::read("data/territories.tsv", compact::SHIPPED)
            .map_err(|f| AppError::Internal(format!("the shipped referential is invalid:\n{f}")))?;
        let change = self.store.replace_referential(&referential, "system:first-start").await?;
        self.seed_indicators().await?;
        tracing::info!(
            vintage = referential.vintage(),
            territories = change.added,
            ms = started.elapsed().as_millis() as u64,
            "shipped referential loaded into the database"
        );
        Ok(())
    }

    /// Copies the indicator catalogue into the database, then loads, once per vintage,
    /// the legal populations the referential carries and those of the shipped series
    /// (`data/indicators/populations.tsv.gz`) as `population` measurements.
    pub async fn seed_indicators(&self) -> Result<(), AppError> {
        use cohesion_core::indicator::catalogue;
        self.store.sync_catalogue(catalogue(), "system:start").await?;
        self.seed_referential_populations().await?;
        crate::indicator::population_series::seed(&self.store).await?;
        Ok(())
    }

    /// The legal populations of the referential's vintage, unless already loaded.
    async fn seed_referential_populations(&self) -> Result<(), AppError> {
        use cohesion_core::indicator::{Origin, populations};
        let store = &self.store;
        // Known from the vintage alone: a restart that has them already reads nothing more
        // (reading the referential here cost every restart a second full load).
        let Some((vintage, _)) = store.referential_state().await? else { return Ok(()) };
        let Some(in_force) = populations::in_force(&vintage) else { return Ok(()) };
        if store.source_version_exists(populations::POPULATION_SOURCE, in_force, Origin::OpenData).await? {
            return Ok(());
        }
        let Some(referential) = store.load_referential().await? else { return Ok(()) };
        let Some((source, version, values)) = populations::legal_populations(&referential) else { return Ok(()) };
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

    /// On a database without programmes, loads the catalogue, memberships and France
    /// services places shipped in the binary (`data/programmes/`).
    pub async fn seed_programmes_if_empty(&self) -> Result<(), AppError> {
        if self.store.programme_revision().await?.is_some() {
            return Ok(());
        }
        let started = Instant::now();
        let data = cohesion_core::programme::compact::shipped()
            .map_err(|f| AppError::Internal(format!("the shipped programme files are invalid:\n{f}")))?;
        if self.store.seed_programmes(&data, "system:first-start").await? {
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
}
