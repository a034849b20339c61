//! Finding and reading pacts, from the in-memory index (`super::index`), as their
//! reader may see them: the agency and the parties' people read a pact whole, anyone
//! else only once it is signed, and only its signed versions
//! (`cohesion_core::pact::{reads_whole, public_part}`).

use cohesion_core::access::Principal;
use cohesion_core::pact::{Pact, PactKind, PactStatus};
use cohesion_core::territory::TerritoryRef;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::Page;
use crate::param::{self, ParamFault};
use crate::project::catalog::{places_of, terms};
use crate::{App, AppError, Fault};

/// A pact in a list.
#[derive(Serialize, ToSchema)]
pub struct PactSummary {
    pub id: String,
    /// cohesion, resilience, crte, contrat_de_ville or other
    pub kind: String,
    pub title: String,
    /// draft, co_construction, ready_for_signature, signed, in_execution or closed
    pub status: String,
    /// `commune:42218`, …
    pub perimeter: Vec<String>,
    /// The parties' names.
    pub parties: Vec<String>,
    /// How many projects are its actions.
    pub actions: usize,
    pub revision: i64,
    pub updated_at: String,
}

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct PactFilter {
    /// Words, in French (title, kind, parties, perimeter).
    pub q: Option<String>,
    /// `kind:code`: the pacts covering that territory or lying inside it.
    pub territory: Option<String>,
    /// draft, co_construction, ready_for_signature, signed, in_execution or closed
    pub status: Option<String>,
    /// cohesion, resilience, crte, contrat_de_ville or other
    pub kind: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// Who reads the pacts of a list: whole for the agency and for a party's people,
/// otherwise as anyone does.
pub struct Reader {
    acting: Option<super::Acting>,
}

impl Reader {
    /// `who` as a reader of pacts (`None`: anonymous).
    pub async fn of(app: &App, who: Option<&Principal>) -> Result<Reader, AppError> {
        Ok(Reader {
            acting: match who {
                Some(p) => Some(super::Acting::of(app, p.clone()).await?),
                None => None,
            },
        })
    }

    /// Anyone: what is public only.
    pub fn anyone() -> Reader {
        Reader { acting: None }
    }

    /// Whether this reader reads `pact` whole.
    pub fn reads_whole(&self, app: &App, pact: &Pact) -> bool {
        self.acting.as_ref().is_some_and(|a| a.reads_whole(app, pact))
    }

    fn anonymous(&self) -> bool {
        self.acting.is_none()
    }
}

/// A pact as its reader may see it.
pub struct Opened {
    /// Whole, or its public part (signed versions, signatures without names).
    pub pact: Pact,
    /// Whether the reader sees it whole: drafts, proposals, comments, names.
    pub whole: bool,
}

/// The pact `id` as `who` may read it: whole, or its public part once signed; a pact
/// not yet signed is not found by those who may not read it (its existence is not
/// told either).
pub async fn open(app: &App, who: Option<&Principal>, id: &str) -> Result<Opened, AppError> {
    let reader = Reader::of(app, who).await?;
    open_as(app, &reader, id).await
}

/// [`open`] for a reader already known.
pub async fn open_as(app: &App, reader: &Reader, id: &str) -> Result<Opened, AppError> {
    let pact = super::load(app, id).await?;
    if reader.reads_whole(app, &pact) {
        return Ok(Opened { pact, whole: true });
    }
    match cohesion_core::pact::public_part(&pact) {
        Some(public) => Ok(Opened { pact: public, whole: false }),
        None => Err(AppError::NotFound(format!("no pact {id}"))),
    }
}

/// The refusal for a reader of the public part asking for what only the parties and
/// the agency read.
fn parties_only(reader: &Reader) -> AppError {
    if reader.anonymous() {
        AppError::Unauthenticated
    } else {
        AppError::Forbidden(
            "the proposals and comments of a pact are read by its parties' people and the agency only".into(),
        )
    }
}

/// The pacts matching `f` that `who` may see, most recently changed first; a pact
/// its reader sees only in part is listed and searched as its version in force.
pub async fn find(
    state: &App,
    who: Option<&Principal>,
    f: &PactFilter,
    offset: usize,
    limit: usize,
) -> Result<Page<PactSummary>, AppError> {
    let reader = Reader::of(state, who).await?;
    find_as(state, &reader, f, offset, limit)
}

/// [`find`] for a reader already known.
pub fn find_as(
    state: &App,
    reader: &Reader,
    f: &PactFilter,
    offset: usize,
    limit: usize,
) -> Result<Page<PactSummary>, AppError> {
    let mut errors = Vec::new();
    let territory = match f.territory.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match t.parse::<TerritoryRef>() {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(Fault::new("territory", ParamFault::Territory(e)));
                None
            }
        },
    };
    let status = match f.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => PactStatus::parse(s).map(Some).unwrap_or_else(|| {
            errors.push(Fault::new("status", ParamFault::Unknown { value: s.into(), what: "a pact status" }));
            None
        }),
    };
    let kind = match f.kind.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(k) => PactKind::parse(k).map(Some).unwrap_or_else(|| {
            errors.push(Fault::new("kind", ParamFault::Unknown { value: k.into(), what: "a pact kind" }));
            None
        }),
    };
    param::limit(limit, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let wanted: Vec<String> = f.q.as_deref().map(terms).unwrap_or_default();
    let snapshot = state.current();
    let r = &snapshot.referential;
    // The pacts covering `t`: those whose perimeter holds `t` or a territory containing it.
    let around: Vec<TerritoryRef> =
        territory.as_ref().map(|t| places_of(r, std::slice::from_ref(t))).unwrap_or_default();
    let index = state.pacts.load();
    let matching: Vec<_> = index
        .pacts
        .iter()
        .filter_map(|p| if reader.reads_whole(state, &p.pact) { Some(p) } else { p.public.as_deref() })
        .filter(|p| status.is_none_or(|s| s.as_str() == p.row.status))
        .filter(|p| kind.is_none_or(|k| k.as_str() == p.row.kind))
        .filter(|p| {
            territory.as_ref().is_none_or(|t| {
                p.places.binary_search(t).is_ok() || p.row.perimeter.iter().any(|x| around.binary_search(x).is_ok())
            })
        })
        .filter(|p| wanted.iter().all(|w| p.terms.contains(w)))
        .collect();
    let total = matching.len();
    let items = matching
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|p| PactSummary {
            id: p.row.id.clone(),
            kind: p.row.kind.clone(),
            title: p.row.title.clone(),
            status: p.row.status.clone(),
            perimeter: p.row.perimeter.iter().map(ToString::to_string).collect(),
            parties: p.row.parties.lines().map(str::to_owned).collect(),
            actions: p.row.actions.len(),
            revision: p.row.revision,
            updated_at: p.row.updated_at.clone(),
        })
        .collect();
    Ok(Page { items, total })
}

/// The pact `id` as `who` may read it, if any (none when it may not be read).
pub async fn get(app: &App, who: Option<&Principal>, id: &str) -> Result<Option<Opened>, AppError> {
    match open(app, who, id).await {
        Ok(o) => Ok(Some(o)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The proposals made on a pact, oldest first: for its parties' people and the agency.
pub async fn proposals(
    app: &App,
    who: Option<&Principal>,
    id: &str,
) -> Result<Vec<cohesion_core::pact::Proposal>, AppError> {
    let reader = Reader::of(app, who).await?;
    if !open_as(app, &reader, id).await?.whole {
        return Err(parties_only(&reader));
    }
    Ok(app.store.proposals(id).await?)
}

/// The comments on a pact, oldest first: for its parties' people and the agency.
pub async fn comments(
    app: &App,
    who: Option<&Principal>,
    id: &str,
) -> Result<Vec<cohesion_core::pact::Comment>, AppError> {
    let reader = Reader::of(app, who).await?;
    if !open_as(app, &reader, id).await?.whole {
        return Err(parties_only(&reader));
    }
    Ok(app.store.comments(id).await?)
}
