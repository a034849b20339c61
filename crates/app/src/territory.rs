//! A territory's overview: everything the State does in one territory, in sections.
//!
//! Each section is one field of [`Overview`], built by one function from the snapshot
//! (`programmes_section`, `france_services_section`, `aggregates_section`) or by the
//! domain's read use case. A later domain (engineering, training) adds its section the
//! same way: a field, a builder, a line in [`overview`]; the territory page calls the
//! same builders.

use cohesion_core::programme::Place;
use cohesion_core::territory::{TerritoryKind, TerritoryRef};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppError, Snapshot};

pub mod trajectory;

/// How many nearest places are listed when a territory has none.
pub const NEAREST: usize = 3;

/// The territory at the head of the overview.
#[derive(Serialize, ToSchema)]
pub struct OverviewTerritory {
    pub kind: String,
    pub code: String,
    pub name: String,
    pub population: Option<u64>,
    /// Containing territories, nearest first, as `kind:code`.
    pub parents: Vec<String>,
}

/// A programme the territory takes part in, by itself or through a territory that
/// contains it.
#[derive(Serialize, ToSchema)]
pub struct ProgrammeInvolvement {
    /// Programme code (`pvd`, `acv`, `ti`, `fs`…).
    pub code: String,
    pub acronym: String,
    pub name: String,
    /// candidate, labelled, active, exited
    pub status: String,
    /// `None`: the territory's own membership; else the containing territory (e.g.
    /// its EPCI in a Territoire d'industrie), as `kind:code`.
    pub via: Option<String>,
    pub via_name: Option<String>,
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub signed_on: Option<String>,
    pub labelled_on: Option<String>,
    /// Set for a membership that ended: the period is `since` … `exited_on`.
    pub exited_on: Option<String>,
    /// The first known date of the membership (signature, else labelling).
    pub since: Option<String>,
}

/// A France services place, with its distance when it lies outside the territory.
#[derive(Serialize, ToSchema)]
pub struct PlaceView {
    pub id: String,
    pub name: String,
    pub address: String,
    pub address_complement: Option<String>,
    pub postcode: String,
    /// INSEE code of its commune (or municipal arrondissement).
    pub commune: String,
    pub commune_name: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// Opening hours, Monday to Saturday.
    pub hours: Vec<Option<String>>,
    /// Principal or Antenne.
    #[serde(rename = "type")]
    pub place_type: String,
    /// Fixe, Itinérante, Bus_équivalent, Multisites, Fixe_antenne(s).
    pub format: String,
    pub labelled_on: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Great-circle distance in km from the territory (nearest places only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

/// France services places in the territory, or the nearest ones.
#[derive(Serialize, ToSchema)]
pub struct FranceServicesSection {
    /// `in`: places inside the territory; `nearest`: none inside, the nearest listed.
    pub scope: String,
    pub places: Vec<PlaceView>,
    /// For `nearest`: distances are measured from a point approximating the territory
    /// (a commune has no centroid in the referential: the mean of its places, else
    /// its EPCI's centroid).
    pub approximate_origin: bool,
}

/// Communes and population of a département or région in each programme.
#[derive(Serialize, ToSchema)]
pub struct AggregateView {
    pub code: String,
    pub name: String,
    /// Current memberships of territories inside.
    pub members: usize,
    pub communes: usize,
    pub population: u64,
    /// Share of the territory's population, in percent.
    pub population_share: f64,
}

/// Everything known about one territory, in sections.
#[derive(Serialize, ToSchema)]
pub struct Overview {
    pub territory: OverviewTerritory,
    pub programmes: Vec<ProgrammeInvolvement>,
    pub france_services: FranceServicesSection,
    /// Départements and régions only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregates: Option<Vec<AggregateView>>,
    /// Latest values with their sources, objectives, roll-ups and peers (as
    /// `GET /api/v1/territories/{kind}/{code}/indicators`).
    pub indicators: crate::indicator::TerritoryIndicators,
    /// The 5 newest projects in the territory (everything inside it included) and the
    /// totals (as `GET /api/v1/territories/{kind}/{code}/projects`).
    pub projects: crate::project::TerritoryProjects,
    /// The pacts covering the territory or a territory inside it: the 10 most recently
    /// changed and the total (as `GET /api/v1/pacts?territory=kind:code`).
    pub pacts: crate::Page<crate::pact::read::PactSummary>,
    /// The accepted and closed engineering requests in the territory or inside it,
    /// public view only: the 10 newest, the total, days and cost.
    pub engineering: crate::engineering::read::TerritoryEngineering,
    /// For a commune, each programme it is itself a member of: its population against
    /// a synthetic control of matched communes, and the programme-wide estimate.
    pub trajectories: trajectory::TerritoryTrajectories,
}

pub fn programmes_section(s: &Snapshot, idx: u32) -> Vec<ProgrammeInvolvement> {
    let r = &s.referential;
    s.programmes
        .involvements(r, idx)
        .into_iter()
        .map(|i| {
            let m = i.membership;
            let p = s.programmes.programme(&m.programme);
            ProgrammeInvolvement {
                code: m.programme.clone(),
                acronym: p.map(|p| p.acronym.clone()).unwrap_or_default(),
                name: p.map(|p| p.name.clone()).unwrap_or_default(),
                status: m.status.as_str().to_owned(),
                via: i.via.map(|t| format!("{}:{}", t.kind, t.code)),
                via_name: i.via.map(|t| t.name.clone()),
                group_id: m.group_id.clone(),
                group_name: m.group_name.clone(),
                signed_on: m.signed_on.clone(),
                labelled_on: m.labelled_on.clone(),
                exited_on: m.exited_on.clone(),
                since: m.since().map(str::to_owned),
            }
        })
        .collect()
}

pub fn place_view(s: &Snapshot, p: &Place, distance_km: Option<f64>) -> PlaceView {
    let r = &s.referential;
    let commune_name = r
        .get(TerritoryKind::Commune, &p.commune)
        .or_else(|| r.get(TerritoryKind::ArrondissementMunicipal, &p.commune))
        .map(|t| t.name.clone());
    PlaceView {
        id: p.id.clone(),
        name: p.name.clone(),
        address: p.address.clone(),
        address_complement: p.address_complement.clone(),
        postcode: p.postcode.clone(),
        commune: p.commune.clone(),
        commune_name,
        lat: p.lat,
        lon: p.lon,
        hours: p.hours.to_vec(),
        place_type: p.place_type.clone(),
        format: p.format.clone(),
        labelled_on: p.labelled_on.clone(),
        phone: p.phone.clone(),
        email: p.email.clone(),
        distance_km: distance_km.map(|d| (d * 10.0).round() / 10.0),
    }
}

/// The France services place `id` (its national identifier), with its commune's name.
pub fn place(s: &Snapshot, id: &str) -> Option<PlaceView> {
    s.programmes.places().iter().find(|p| p.id == id).map(|p| place_view(s, p, None))
}

pub fn france_services_section(s: &Snapshot, idx: u32) -> FranceServicesSection {
    let r = &s.referential;
    let inside = s.programmes.places_in(r, idx);
    if !inside.is_empty() {
        return FranceServicesSection {
            scope: "in".into(),
            places: inside.into_iter().map(|p| place_view(s, p, None)).collect(),
            approximate_origin: false,
        };
    }
    let Some((from, approximate)) = s.programmes.location(r, idx) else {
        return FranceServicesSection { scope: "nearest".into(), places: Vec::new(), approximate_origin: false };
    };
    FranceServicesSection {
        scope: "nearest".into(),
        places: s
            .programmes
            .nearest_places(from, NEAREST)
            .into_iter()
            .map(|(p, d)| place_view(s, p, Some(d)))
            .collect(),
        approximate_origin: approximate,
    }
}

pub fn aggregates_section(s: &Snapshot, idx: u32) -> Option<Vec<AggregateView>> {
    let r = &s.referential;
    let t = r.at(idx);
    if !matches!(t.kind, TerritoryKind::Departement | TerritoryKind::Region) {
        return None;
    }
    let total = t.population.unwrap_or(0).max(1) as f64;
    Some(
        s.programmes
            .aggregates(r, idx)
            .into_iter()
            .map(|a| AggregateView {
                population_share: (a.population as f64 * 1000.0 / total).round() / 10.0,
                code: a.code,
                name: a.name,
                members: a.members,
                communes: a.communes,
                population: a.population,
            })
            .collect(),
    )
}

/// Everything about the territory `tr`.
pub async fn overview(app: &App, tr: &TerritoryRef) -> Result<Overview, AppError> {
    let s = app.current();
    let r = &s.referential;
    let idx = r
        .index_of(tr.kind, &tr.code)
        .ok_or_else(|| AppError::NotFound(format!("no {} with code {} in {}", tr.kind, tr.code, r.vintage())))?;
    let t = r.at(idx);
    Ok(Overview {
        territory: OverviewTerritory {
            kind: t.kind.as_str().to_owned(),
            code: t.code.clone(),
            name: t.name.clone(),
            population: t.population,
            parents: r.ancestors(t).iter().map(|a| format!("{}:{}", a.kind, a.code)).collect(),
        },
        programmes: programmes_section(&s, idx),
        france_services: france_services_section(&s, idx),
        aggregates: aggregates_section(&s, idx),
        indicators: crate::indicator::of_territory(app, &s, idx).await?,
        projects: crate::project::territory_projects(app, tr, Some(5), None)?,
        pacts: pacts_section(app, tr).await?,
        engineering: crate::engineering::read::territory_section(app, tr).await?,
        trajectories: trajectory::of_territory(app, &s, idx).await?,
    })
}

/// The pacts of a territory: the 10 most recently changed, and how many in all.
pub async fn pacts_section(
    app: &App,
    t: &TerritoryRef,
) -> Result<crate::Page<crate::pact::read::PactSummary>, AppError> {
    let filter = crate::pact::read::PactFilter { territory: Some(t.to_string()), ..Default::default() };
    // The territory's sections are the same for everyone: its public pacts.
    crate::pact::read::find_as(app, &crate::pact::read::Reader::anyone(), &filter, 0, 10)
}

/// An import may retire at most this share of the territories in force (in percent)
/// unless told otherwise: a 5-line file once retired 36,399 territories. A real COG
/// year retires a few hundred communes merged into new ones (under 1 %).
pub const MAX_RETIRED_PERCENT: usize = 1;

/// Replaces the stored referential with `new` (checked whole by the caller), as one
/// change with its audit event: what was added, changed, retired. Running instances
/// see the new revision at their next refresh. An import that would retire more than
/// [`MAX_RETIRED_PERCENT`] of the territories in force writes nothing and is refused
/// (`BadRequest { code: "mass_retirement" }`), unless `allow_mass_retirement`.
pub async fn import_referential(
    db: &crate::database::Database,
    new: &cohesion_core::territory::Referential,
    actor: &str,
    allow_mass_retirement: bool,
) -> Result<cohesion_store::territory::ReferentialChange, AppError> {
    let percent = if allow_mass_retirement { 100 } else { MAX_RETIRED_PERCENT };
    let change = db.store.replace_referential_limited(new, actor, percent).await?;
    if change.refused {
        return Err(AppError::bad_request(
            "mass_retirement",
            format!(
                "the import would retire {} of the {} territories in force (more than {MAX_RETIRED_PERCENT} %); \
                 nothing was written: check the files, or allow a mass retirement explicitly",
                change.retired, change.before
            ),
        ));
    }
    Ok(change)
}
