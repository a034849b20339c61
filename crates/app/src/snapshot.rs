//! The in-memory referential and its search index, and the programmes' view over
//! it (memberships are hot reads: every territory page shows them), built from the store.

use std::time::Instant;

use cohesion_core::programme::ProgrammeData;
use cohesion_core::programme::index::ProgrammeIndex;
use cohesion_core::territory::Referential;
use cohesion_core::territory::search::SearchIndex;
use cohesion_store::{Store, StoreError};

/// One consistent, immutable view of the referential.
pub struct Snapshot {
    pub referential: Referential,
    pub index: SearchIndex,
    pub revision: i64,
    pub programmes: ProgrammeIndex,
    /// The programmes' revision this view was built from (0: none stored yet).
    pub programme_revision: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the database holds no territory referential yet")]
    Empty,
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Catalog(#[from] crate::project::catalog::CatalogError),
}

impl Snapshot {
    pub fn new(referential: Referential, revision: i64) -> Snapshot {
        Snapshot::with_programmes(referential, revision, ProgrammeData::default(), 0)
    }

    pub fn with_programmes(
        referential: Referential,
        revision: i64,
        data: ProgrammeData,
        programme_revision: i64,
    ) -> Snapshot {
        let formers = cohesion_core::territory::former::shipped_for(&referential);
        let index = SearchIndex::with_former(&referential, formers);
        let programmes = ProgrammeIndex::new(&referential, data);
        Snapshot { referential, index, revision, programmes, programme_revision }
    }

    pub async fn load(store: &Store) -> Result<Snapshot, LoadError> {
        let started = Instant::now();
        // Read the revision first: if an import lands in between, the next refresh
        // sees a newer revision and loads again.
        let (_, revision) = store.referential_state().await?.ok_or(LoadError::Empty)?;
        let programme_revision = store.programme_revision().await?.unwrap_or(0);
        let referential = store.load_referential().await?.ok_or(LoadError::Empty)?;
        let data = store.load_programmes().await?;
        let loaded = started.elapsed();
        let snapshot = Snapshot::with_programmes(referential, revision, data, programme_revision);
        tracing::info!(
            territories = snapshot.referential.len(),
            revision,
            programme_revision,
            read_ms = loaded.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "referential snapshot built"
        );
        Ok(snapshot)
    }
}
