//! Every pact's list columns in memory, with their search terms and the territories
//! they lie in, so that lists and searches never touch the database. Rebuilt from the
//! store at start, after each write of this instance, and when the stored revision
//! moves (a write by another instance, seen by `App::refresh`). Pacts number in
//! the hundreds or thousands: a rebuild takes milliseconds.
//!
//! Each pact is indexed twice: as its parties and the agency read it (the newest
//! version, draft or not) and, once signed, as everyone reads it (the version in
//! force: `Indexed::public`), so that a search never finds a pact, nor a word of it,
//! that its reader may not see (`cohesion_core::pact::reads_whole`).

use std::collections::{HashMap, HashSet};

use cohesion_core::pact::{Pact, PactContent, PactKind, PactStatus};
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
    /// The pact whole: who reads what is decided on it.
    pub pact: Pact,
    /// The pact as anyone reads it, once signed: its version in force.
    pub public: Option<Box<Indexed>>,
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
        let documents = store.pact_documents().await?;
        Ok(PactIndex::build(rows, documents, referential, revision))
    }

    pub fn build(rows: Vec<PactRow>, documents: Vec<Pact>, referential: &Referential, revision: i64) -> PactIndex {
        let mut terms = Terms::new();
        let mut documents: HashMap<String, Pact> = documents.into_iter().map(|p| (p.id.clone(), p)).collect();
        let pacts = rows
            .into_iter()
            .filter_map(|row| {
                // A pact written between the two reads is taken at the next refresh.
                let pact = documents.remove(&row.id)?;
                let public = cohesion_core::pact::public_part(&pact).map(|p| {
                    let row = public_row(&row, &p);
                    Box::new(indexed(&mut terms, referential, row, p, None))
                });
                Some(indexed(&mut terms, referential, row, pact, public))
            })
            .collect();
        PactIndex { revision, pacts }
    }
}

fn indexed(
    terms: &mut Terms,
    referential: &Referential,
    row: PactRow,
    pact: Pact,
    public: Option<Box<Indexed>>,
) -> Indexed {
    let mut text = format!("{}\n{}\n", row.title, row.parties);
    if let Some(k) = PactKind::parse(&row.kind) {
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
        pact,
        public,
    }
}

/// The list columns of the version in force of a signed pact.
fn public_row(row: &PactRow, public: &Pact) -> PactRow {
    let c: &PactContent = &public.current().content;
    let status: PactStatus = public.status();
    PactRow {
        id: row.id.clone(),
        kind: c.kind.as_str().to_owned(),
        title: c.title.clone(),
        status: status.as_str().to_owned(),
        perimeter: c.perimeter.clone(),
        parties: c.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("\n"),
        actions: c.actions.clone(),
        revision: row.revision,
        updated_at: row.updated_at.clone(),
    }
}
