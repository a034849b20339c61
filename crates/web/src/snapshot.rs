//! The in-memory referential and its search index, built from the store.

use std::time::Instant;

use cohesion_core::territory::Referential;
use cohesion_core::territory::search::SearchIndex;
use cohesion_store::{Store, StoreError};

/// One consistent, immutable view of the referential.
pub struct Snapshot {
    pub referential: Referential,
    pub index: SearchIndex,
    pub revision: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the database holds no territory referential yet")]
    Empty,
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
}

impl Snapshot {
    pub fn new(referential: Referential, revision: i64) -> Snapshot {
        let index = SearchIndex::new(&referential);
        Snapshot { referential, index, revision }
    }

    pub async fn load(store: &Store) -> Result<Snapshot, LoadError> {
        let started = Instant::now();
        // Read the revision first: if an import lands in between, the next refresh
        // sees a newer revision and loads again.
        let (_, revision) = store.referential_state().await?.ok_or(LoadError::Empty)?;
        let referential = store.load_referential().await?.ok_or(LoadError::Empty)?;
        let loaded = started.elapsed();
        let snapshot = Snapshot::new(referential, revision);
        tracing::info!(
            territories = snapshot.referential.len(),
            revision,
            read_ms = loaded.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "referential snapshot built"
        );
        Ok(snapshot)
    }
}
