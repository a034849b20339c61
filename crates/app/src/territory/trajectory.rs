//! "What changed here": for each programme a commune is itself a dated member of, its
//! own trajectory of the outcome against a synthetic control built from its matched
//! neighbours, with the placebo distribution among them; and the programme-wide
//! estimate from the latest finished evaluation of that programme on that outcome.
//!
//! - Outcome: the legal population (`population`, level), the one series the platform
//!   holds for every commune over several years.
//! - Adoption year: the earliest year of signature (else labelling) of the commune's
//!   own memberships, as an evaluation of the programme takes it
//!   (`TreatedSet::from_programme`). Memberships through a containing territory (a
//!   Territoire d'industrie's EPCI) are not the commune's own adoption: not computed.
//! - Donor pool: the [`DONORS`] communes never covered by the programme nearest to the
//!   commune in the space of the evaluations' matched comparison
//!   (`cohesion_core::evaluation::matching_features`: the outcome in the last three
//!   years before adoption, the logarithm of the population, the density level; the
//!   rurality, centrality and mountain typologies), then
//!   `cohesion_core::impact::synthetic_control` on every pre-adoption year.
//!
//! The population series is read once per indicator revision and each cohort's
//! donors found once per programme revision ([`crate::indicator::derived::Derived`]):
//! the cohort's space is built, the nearest donors of each member kept, and the space
//! dropped (issue 16: kept, the ten cohorts' spaces held 84 MB); a page then costs
//! `DONORS + 1` small fits.

use std::collections::BTreeMap;
use std::sync::Arc;

use cohesion_core::evaluation::{EvaluationRequest, EvaluationResult, Transform, TreatedSet, matching_features};
use cohesion_core::impact::{
    FeatureSpace, Method, Observation, SyntheticControl, SyntheticFault, SyntheticOptions, UnitSeries,
    synthetic_control,
};
use cohesion_core::territory::{Referential, TerritoryKind};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppError, Snapshot};

/// The outcome of the trajectories.
pub const OUTCOME: &str = "population";
/// Donors offered to the synthetic control (20: the placebo p-value can go down to 1/21).
pub const DONORS: usize = 20;
/// Pre-adoption years of the outcome among the matching features.
pub const MATCH_YEARS: usize = 3;

/// The communes' outcome in each year it is observed in, by referential index.
pub struct OutcomePanel {
    pub years: Vec<i32>,
    /// `index × years.len() + year`, NaN when not observed.
    values: Vec<f64>,
}

impl OutcomePanel {
    fn value(&self, idx: u32, t: usize) -> Option<f64> {
        self.values.get(idx as usize * self.years.len() + t).copied().filter(|v| v.is_finite())
    }

    fn series(&self, idx: u32, id: &str) -> UnitSeries {
        UnitSeries { id: id.to_owned(), values: (0..self.years.len()).map(|t| self.value(idx, t)).collect() }
    }
}

/// One programme's adoption cohort: its members adopting that year, each with its
/// nearest donors among the communes the programme never covered, in the matching
/// space of those and the members (the space itself is not kept).
pub struct Cohort {
    /// `None`: no space could be built (no matching year, no commune with features).
    donors: Option<std::collections::HashMap<u32, Box<[u32]>>>,
    /// The matching features, in French.
    pub features: Vec<String>,
}

/// Why the data say nothing for one programme (the page says it in French).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Silence {
    /// No date of signature or labelling is known.
    Undated,
    /// The commune has no value of the outcome.
    NoValues,
    /// Adoption in or before the first observed year.
    NoPreYear {
        adoption_year: i32,
        first_year: i32,
    },
    TooFewPreYears {
        adoption_year: i32,
        observed: usize,
        needed: usize,
    },
    /// No value from the adoption year on.
    NoPostYear {
        adoption_year: i32,
    },
    /// No commune outside the programme with values in the years before adoption.
    NoDonors,
    /// The commune lacks a value in a matching year (or its population).
    NotMatchable {
        adoption_year: i32,
    },
}

/// A donor of the synthetic control and its weight.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DonorView {
    /// `commune:CODE`.
    pub territory: String,
    pub name: String,
    pub weight: f64,
}

/// The latest finished evaluation of the programme on the outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeEstimate {
    pub evaluation_id: String,
    /// RFC 3339.
    pub finished_at: Option<String>,
    #[schema(value_type = String)]
    pub method: Method,
    #[schema(value_type = String)]
    pub transform: Transform,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n_treated_units: usize,
    pub n_control_units: usize,
    /// Two-sided p-value of the placebo in space, if run.
    pub placebo_p_value: Option<f64>,
    /// The cohorts (adoption years) of the evaluation, with their number of members.
    pub cohorts: Vec<CohortSize>,
    /// Each cohort's own effect, when the estimator gives one (Callaway & Sant'Anna).
    #[schema(value_type = Vec<Object>)]
    pub by_cohort: Vec<cohesion_core::impact::CohortEstimate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CohortSize {
    pub adoption_year: i32,
    pub members: usize,
}

/// One programme's trajectory for the commune.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeTrajectory {
    pub programme: String,
    pub name: String,
    pub adoption_year: Option<i32>,
    /// The synthetic control (`None`: see `silence`).
    #[schema(value_type = Option<Object>)]
    pub synthetic: Option<SyntheticControl>,
    /// The donors with a weight, heaviest first, named.
    pub weights: Vec<DonorView>,
    pub silence: Option<Silence>,
    pub estimate: Option<ProgrammeEstimate>,
}

/// The territory's trajectories, one per programme it is a dated or undated direct
/// member of.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TerritoryTrajectories {
    /// Indicator code of the outcome.
    pub indicator: String,
    /// The matching features of the donor pool, in French.
    pub features: Vec<String>,
    pub donors: usize,
    pub items: Vec<ProgrammeTrajectory>,
}

/// The trajectories of the territory at `idx` (communes only: empty for other kinds).
pub async fn of_territory(app: &App, s: &Snapshot, idx: u32) -> Result<TerritoryTrajectories, AppError> {
    let r = &s.referential;
    let t = r.at(idx);
    let mut out = TerritoryTrajectories {
        indicator: OUTCOME.to_owned(),
        features: Vec::new(),
        donors: DONORS,
        items: Vec::new(),
    };
    if t.kind != TerritoryKind::Commune {
        return Ok(out);
    }
    // The commune's own memberships, one line per programme at its earliest year.
    let mut own: BTreeMap<String, Option<i32>> = BTreeMap::new();
    for i in s.programmes.involvements(r, idx).into_iter().filter(|i| i.via.is_none()) {
        let m = i.membership;
        let year = m.since().and_then(|d| d.get(..4)).and_then(|y| y.parse::<i32>().ok());
        let e = own.entry(m.programme.clone()).or_insert(year);
        *e = match (*e, year) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    if own.is_empty() {
        return Ok(out);
    }
    let started = std::time::Instant::now();
    let derived = app.derived(s);
    let store = &app.store;
    let panel = derived.outcome.get_or_try_init(|| async { load_panel(store, r).await.map(Arc::new) }).await?;
    for (code, year) in own {
        let name = s.programmes.programme(&code).map_or_else(|| code.clone(), |p| p.name.clone());
        let estimate = programme_estimate(app, s, &code).await?;
        let mut item = ProgrammeTrajectory {
            programme: code.clone(),
            name,
            adoption_year: year,
            synthetic: None,
            weights: Vec::new(),
            silence: None,
            estimate,
        };
        match year {
            None => item.silence = Some(Silence::Undated),
            Some(g) => {
                let cohort = cohort(app, s, panel, &code, g);
                if out.features.is_empty() {
                    out.features.clone_from(&cohort.features);
                }
                match trajectory(s, panel, &cohort, idx, g) {
                    Ok((sc, weights)) => {
                        item.synthetic = Some(sc);
                        item.weights = weights;
                    }
                    Err(silence) => item.silence = Some(silence),
                }
            }
        }
        out.items.push(item);
    }
    // The page keeps its body, so this runs once per commune and data state.
    tracing::debug!(commune = %t.code, programmes = out.items.len(), us = started.elapsed().as_micros() as u64, "trajectories computed");
    Ok(out)
}

/// Reads the outcome series and builds the matching space of every programme cohort
/// with a dated commune member, once, after the start (issue 16: nothing a page shows
/// that only an import changes is derived on a request; the first page of a cohort
/// would otherwise pay the series' read and the cohort's space).
pub async fn warm(app: &App) -> Result<(), AppError> {
    let s = app.current();
    let derived = app.derived(&s);
    let store = &app.store;
    let r = &s.referential;
    let panel = derived.outcome.get_or_try_init(|| async { load_panel(store, r).await.map(Arc::new) }).await?;
    let mut cohorts = std::collections::BTreeSet::new();
    for p in s.programmes.programmes() {
        for (m, _) in s.programmes.members(&p.code) {
            let year = m.since().and_then(|d| d.get(..4)).and_then(|y| y.parse::<i32>().ok());
            if let (TerritoryKind::Commune, Some(g)) = (m.territory.kind, year) {
                cohorts.insert((p.code.clone(), g));
            }
        }
    }
    for (code, g) in cohorts.iter().cloned() {
        // Each cohort's space and its members' nearest donors take 0.1–0.6 s of one
        // core: off the request workers.
        let (app, s, panel) = (app.clone(), Arc::clone(&s), Arc::clone(panel));
        tokio::task::spawn_blocking(move || {
            cohort(&app, &s, &panel, &code, g);
        })
        .await
        .map_err(|e| AppError::Internal(format!("trajectory cohort not built: {e}")))?;
    }
    tracing::info!(cohorts = cohorts.len(), years = panel.years.len(), "trajectory cohorts built");
    Ok(())
}

async fn load_panel(store: &cohesion_store::Store, r: &Referential) -> Result<OutcomePanel, AppError> {
    let (Some(from), Some(to)) = (cohesion_core::date::year_start(1900), cohesion_core::date::ymd(2999, 12, 31)) else {
        return Err(AppError::Internal("the outcome period cannot be dated".into()));
    };
    let values = store.effective_values(OUTCOME, TerritoryKind::Commune, from, to).await?;
    let year = |d: &str| d.get(..4).and_then(|y| y.parse::<i32>().ok());
    let mut years: Vec<i32> = values.iter().filter_map(|v| year(&v.date)).collect();
    years.sort_unstable();
    years.dedup();
    let width = years.len();
    let mut cells = vec![f64::NAN; r.all().len() * width];
    for v in &values {
        let (Some(y), Some(idx)) = (year(&v.date), r.index_of(TerritoryKind::Commune, &v.code)) else { continue };
        if let (Ok(t), true) = (years.binary_search(&y), v.value.is_finite()) {
            // Values come sorted by date: the last of a year is kept, as evaluations do.
            cells[idx as usize * width + t] = v.value;
        }
    }
    Ok(OutcomePanel { years, values: cells })
}

/// The matching space of programme `code`'s cohort adopting in `g`, built at its first
/// use for the snapshot's programme revision.
fn cohort(app: &App, s: &Snapshot, panel: &OutcomePanel, code: &str, g: i32) -> Arc<Cohort> {
    let derived = app.derived(s);
    let key = (s.programme_revision, code.to_owned(), g);
    if let Some(c) = derived.cohorts.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return c;
    }
    let built = Arc::new(build_cohort(s, panel, code, g));
    if let Ok(mut m) = derived.cohorts.lock() {
        m.retain(|k, _| k.0 == s.programme_revision);
        m.insert(key, Arc::clone(&built));
    }
    built
}

fn build_cohort(s: &Snapshot, panel: &OutcomePanel, code: &str, g: i32) -> Cohort {
    let r = &s.referential;
    // Matching years: the last ones before adoption in which most communes are observed
    // (the shipped series dates Mayotte's populations alone in 2017: a year every
    // other commune lacks would leave nobody to match).
    let communes: Vec<u32> = (0..r.all().len())
        .filter(|&i| r.all()[i].kind == TerritoryKind::Commune)
        .filter_map(|i| u32::try_from(i).ok())
        .collect();
    let coverage: Vec<usize> =
        (0..panel.years.len()).map(|t| communes.iter().filter(|&&i| panel.value(i, t).is_some()).count()).collect();
    let most = coverage.iter().copied().max().unwrap_or(0);
    let pre: Vec<usize> = (0..panel.years.len()).filter(|&t| panel.years[t] < g && coverage[t] * 2 > most).collect();
    let pre = &pre[pre.len().saturating_sub(MATCH_YEARS)..];
    let pre_years: Vec<i32> = pre.iter().map(|&t| panel.years[t]).collect();
    // The cohort's members: the communes whose own membership starts in `g`.
    let mut members = std::collections::HashSet::new();
    for (m, at) in s.programmes.members(code) {
        let year = m.since().and_then(|d| d.get(..4)).and_then(|y| y.parse::<i32>().ok());
        if let (Some(idx), true) = (at, m.territory.kind == TerritoryKind::Commune && year == Some(g)) {
            members.insert(idx);
        }
    }
    let mut rows = Vec::new();
    for (i, t) in r.all().iter().enumerate() {
        let Ok(idx) = u32::try_from(i) else { break };
        // In the space: the cohort's members, and the communes the programme never covered.
        let in_space = members.contains(&idx) || !s.programmes.covers(code, idx);
        if t.kind != TerritoryKind::Commune || !in_space {
            continue;
        }
        for (&p, &year) in pre.iter().zip(&pre_years) {
            if let Some(outcome) = panel.value(idx, p) {
                rows.push(Observation { unit: t.code.clone(), year, outcome, first_treated: None });
            }
        }
    }
    let (features, names, _lacking) = matching_features(&rows, r, TerritoryKind::Commune, &pre_years);
    let index: Vec<u32> =
        features.iter().map(|f| r.index_of(TerritoryKind::Commune, &f.id).unwrap_or(u32::MAX)).collect();
    let donor: Vec<bool> = index.iter().map(|&i| i != u32::MAX && !members.contains(&i)).collect();
    let space = if pre_years.is_empty() { None } else { FeatureSpace::new(&features, 1.0).ok() };
    let donors = space.map(|space| {
        let mut nearest = std::collections::HashMap::with_capacity(members.len());
        for (q, &idx) in index.iter().enumerate() {
            if !members.contains(&idx) {
                continue;
            }
            let found = space.nearest(q, DONORS, |c| donor.get(c).copied().unwrap_or(false));
            let found: Box<[u32]> =
                found.iter().filter_map(|n| space.position(&n.id)).filter_map(|p| index.get(p).copied()).collect();
            nearest.insert(idx, found);
        }
        nearest
    });
    let features = names.into_iter().map(|n| n.replace("indicateur en", "population légale en")).collect();
    Cohort { donors, features }
}

/// The synthetic control of the commune at `idx`, adopting in `g`, or why none.
fn trajectory(
    s: &Snapshot,
    panel: &OutcomePanel,
    cohort: &Cohort,
    idx: u32,
    g: i32,
) -> Result<(SyntheticControl, Vec<DonorView>), Silence> {
    let r = &s.referential;
    let t = r.at(idx);
    let own = panel.series(idx, &t.code);
    let first_year = own.values.iter().zip(&panel.years).find(|(v, _)| v.is_some()).map(|(_, y)| *y);
    let Some(first_year) = first_year else { return Err(Silence::NoValues) };
    if g <= first_year {
        return Err(Silence::NoPreYear { adoption_year: g, first_year });
    }
    let options = SyntheticOptions::default();
    let pre = own.values.iter().zip(&panel.years).filter(|(v, y)| v.is_some() && **y < g).count();
    if pre < options.min_pre_years {
        return Err(Silence::TooFewPreYears { adoption_year: g, observed: pre, needed: options.min_pre_years });
    }
    let nearest = cohort.donors.as_ref().ok_or(Silence::NoDonors)?;
    let neighbours = nearest.get(&idx).ok_or(Silence::NotMatchable { adoption_year: g })?;
    let donors: Vec<UnitSeries> = neighbours.iter().map(|&i| panel.series(i, &r.at(i).code)).collect();
    let sc = synthetic_control(&panel.years, &own, g, &donors, &options).map_err(|f| match f {
        SyntheticFault::NoPreYear { adoption_year } => Silence::NoPreYear { adoption_year, first_year },
        SyntheticFault::TooFewPreYears { adoption_year, observed, needed } => {
            Silence::TooFewPreYears { adoption_year, observed, needed }
        }
        SyntheticFault::NoPostYear { adoption_year } => Silence::NoPostYear { adoption_year },
        // Malformed series cannot come from the store's numbers; no donor is what is left.
        _ => Silence::NoDonors,
    })?;
    let weights = sc
        .weights
        .iter()
        .map(|w| DonorView {
            territory: format!("commune:{}", w.id),
            name: r.get(TerritoryKind::Commune, &w.id).map_or_else(|| w.id.clone(), |c| c.name.clone()),
            weight: w.weight,
        })
        .collect();
    Ok((sc, weights))
}

/// The latest finished evaluation of programme `code` on the outcome, kept until this
/// instance finishes another evaluation (issue 16: read and parsed on each request, the
/// stored results took a fifth of the day load's time under `bench/day.sh`). An
/// evaluation finished by another instance shows with the next data revision, as the
/// territory pages' bodies do.
async fn programme_estimate(app: &App, s: &Snapshot, code: &str) -> Result<Option<ProgrammeEstimate>, AppError> {
    let derived = app.derived(s);
    let finished = crate::evaluation::finished_here();
    if let Some((at, kept)) = derived.estimates.lock().ok().and_then(|m| m.get(code).cloned())
        && at == finished
    {
        return Ok(kept);
    }
    let read = read_programme_estimate(app, code).await?;
    if let Ok(mut m) = derived.estimates.lock() {
        m.insert(code.to_owned(), (finished, read.clone()));
    }
    Ok(read)
}

/// The latest finished evaluation of programme `code` on the outcome (its level if
/// there is one, else any form), from the store.
async fn read_programme_estimate(app: &App, code: &str) -> Result<Option<ProgrammeEstimate>, AppError> {
    let jobs = app.store.done_programme_evaluations(code, OUTCOME, 20).await?;
    let parsed: Vec<(&cohesion_store::evaluation::EvaluationJob, EvaluationRequest, EvaluationResult)> = jobs
        .iter()
        .filter_map(|j| {
            let request = serde_json::from_value(j.request.clone()).ok()?;
            let result = serde_json::from_value(j.result.clone()?).ok()?;
            Some((j, request, result))
        })
        .collect();
    let chosen = parsed.iter().find(|(_, q, _)| q.transform == Transform::Level).or_else(|| parsed.first());
    Ok(chosen.map(|(job, request, result)| {
        let mut cohorts: BTreeMap<i32, usize> = BTreeMap::new();
        if let TreatedSet::Programme { territories, .. } = &request.treated {
            for t in territories {
                *cohorts.entry(t.adoption_year).or_default() += 1;
            }
        }
        let e = &result.estimate;
        ProgrammeEstimate {
            evaluation_id: job.id.clone(),
            finished_at: job.finished_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
            method: request.method,
            transform: request.transform,
            estimate: e.estimate,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
            n_treated_units: e.n_treated_units,
            n_control_units: e.n_control_units,
            placebo_p_value: result.placebo_space.as_ref().map(|p| p.p_value),
            cohorts: cohorts
                .into_iter()
                .map(|(adoption_year, members)| CohortSize { adoption_year, members })
                .collect(),
            by_cohort: e.by_cohort.clone(),
        }
    }))
}
