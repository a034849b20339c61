//! Every pact's list columns in memory, with their search terms and the territories
//! they lie in, so that lists and searches never touch the database. Rebuilt from the
//! store at start, after each write of this instance, and when the stored revision
//! moves (a write by another instance, seen by `App::refresh`). Pacts number in
//! the hundreds or thousands: a rebuild takes milliseconds.

use std::collections::HashSet;

use cohesion_core::territory::{Referential, TerritoryRef};
use cohesion_store::pact::PactRow;
use cohesion_store::{Store, StoreError};

use crate::project::catalog::{Terms, places_of};

/// One pact as lists and searches read it.
pub struct Indexed {
    pub row: PactRow,
    /// The search terms of its title, kind, parties and perimeter names.
    pub terms: HashSet<String>,
    /// Its perimeter and every territory containing it, sorted.
    pub places: Vec<TerritoryRef>,
}

/// The pacts, most recently changed first.
pub struct PactIndex {
    pub revision: i64,
    pub pacts: Vec<Indexed>,
}

impl PactIndex {
    pub async fn load(store: &Store, referential: &Referential) -> Result<PactIndex, StoreError> {
        let revision = store.pact_revision().await?;
        let rows = store.pact_rows().await?;
        Ok(PactIndex::build(rows, referential, revision))
    }

    pub fn build(rows: Vec<PactRow>, referential: &Referential, revision: i64) -> PactIndex {
        let mut terms = Terms::new();
        let pacts = rows
            .into_iter()
            .map(|row| {
                let mut text = format!("{}\n{}\n", row.title, row.parties);
                if let Some(k) = cohesion_core::pact::PactKind::parse(&row.kind) {
                    text.push_str(k.label());
                }
                for t in &row.perimeter {
                    if let Some(found) = referential.get_ref(t) {
                        text.push('\n');
                        text.push_str(&found.name);
                    }
                }
                Indexed {
                    terms: terms.of(&text).into_iter().collect(),
                    places: places_of(referential, &row.perimeter),
                    row,
                }
            })
            .collect();
        PactIndex { revision, pacts }
    }
}
