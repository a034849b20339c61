//! Finding pacts, from the in-memory index (`super::index`).

use cohesion_core::pact::{PactKind, PactStatus};
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

/// The pacts matching `f`, most recently changed first.
pub async fn find(state: &App, f: &PactFilter, offset: usize, limit: usize) -> Result<Page<PactSummary>, AppError> {
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

/// The pact stored under `id`, if any.
pub async fn get(app: &App, id: &str) -> Result<Option<cohesion_core::pact::Pact>, AppError> {
    Ok(app.store.pact(id).await?)
}

/// The proposals made on a pact, oldest first.
pub async fn proposals(app: &App, id: &str) -> Result<Vec<cohesion_core::pact::Proposal>, AppError> {
    Ok(app.store.proposals(id).await?)
}

/// The comments on a pact, oldest first.
pub async fn comments(app: &App, id: &str) -> Result<Vec<cohesion_core::pact::Comment>, AppError> {
    Ok(app.store.comments(id).await?)
}
