//! Evaluations requested in the platform: which territories were treated and when, on
//! which indicator, by which estimator, over which years; and who may ask for one.
//!
//! The store turns a request into a panel (stored open-data measurements, one value per
//! territory and year) and a worker runs [`crate::impact`] on it. This module holds the
//! rules that do not need the database: validating a request, building the panel rows
//! from values, and the access rule.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::impact::{
    ControlGroup, ImpactEstimate, MatchedPair, Method, Observation, RandomisationInference, Sensitivity,
    TerritoryFeatures, WildBootstrap,
};
use crate::indicator;
use crate::programme::Membership;
use crate::territory::{Referential, TerritoryKind, TerritoryRef};

pub mod rerun;
pub use rerun::EvaluationFault;

/// Largest span of years an evaluation may cover.
pub const MAX_YEARS: i32 = 50;

/// One treated territory and its adoption year (first year treated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreatedTerritory {
    /// `kind:code`, e.g. `commune:42218`.
    pub territory: String,
    pub adoption_year: i32,
}

/// Which territories were treated. Every other territory of the same kind with values is
/// a potential control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TreatedSet {
    /// Listed by hand, with their adoption years.
    Territories { territories: Vec<TreatedTerritory> },
    /// A national programme's members. The client names the programme; when the
    /// evaluation is requested, its memberships are frozen into `territories` (adoption
    /// year = year of signature, else of labelling), so that the stored request
    /// reproduces the evaluation even after the list changes.
    Programme {
        code: String,
        #[serde(default)]
        territories: Vec<TreatedTerritory>,
        /// Members whose list gives no date of signature or labelling: left out, or
        /// taken at `undated_year` when the requester declares one.
        #[serde(default)]
        without_date: usize,
        /// The adoption year the requester declares for the territories whose
        /// memberships carry no date (e.g. the year a programme chose its first
        /// members). An assumption of the evaluator, not a fact of the data: the
        /// result says so. A territory with a dated membership keeps its own year.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        undated_year: Option<i32>,
    },
    /// A signed pact's perimeter. The client names the pact; when the evaluation is
    /// requested, its perimeter is frozen into `territories` (adoption year = the year
    /// of the first signed version that covers the territory: the pact's signature,
    /// or the amendment that added it), with its title.
    Pact {
        id: String,
        #[serde(default)]
        title: String,
        #[serde(default)]
        territories: Vec<TreatedTerritory>,
    },
}

impl TreatedSet {
    pub fn territories(&self) -> &[TreatedTerritory] {
        match self {
            TreatedSet::Territories { territories }
            | TreatedSet::Programme { territories, .. }
            | TreatedSet::Pact { territories, .. } => territories,
        }
    }

    /// The programme `code`'s members as treated territories: one per territory, at the
    /// earliest year it is known to have joined (exited members stay treated from that
    /// year: the estimate is an intention-to-treat effect). Territories none of whose
    /// memberships is dated are left out, or taken at `undated_year` when the requester
    /// declares one.
    pub fn from_programme<'m>(
        code: &str,
        members: impl Iterator<Item = &'m Membership>,
        undated_year: Option<i32>,
    ) -> TreatedSet {
        let mut first: BTreeMap<String, i32> = BTreeMap::new();
        let mut undated: Vec<String> = Vec::new();
        let mut without_date = 0;
        for m in members {
            match m.since().and_then(|d| d.get(..4)).and_then(|y| y.parse::<i32>().ok()) {
                Some(year) => {
                    let e = first.entry(m.territory.to_string()).or_insert(year);
                    *e = (*e).min(year);
                }
                None => {
                    without_date += 1;
                    undated.push(m.territory.to_string());
                }
            }
        }
        if let Some(year) = undated_year {
            for territory in undated {
                first.entry(territory).or_insert(year);
            }
        }
        let territories =
            first.into_iter().map(|(territory, adoption_year)| TreatedTerritory { territory, adoption_year }).collect();
        TreatedSet::Programme { code: code.to_owned(), territories, without_date, undated_year }
    }
}

impl TreatedSet {
    /// A pact's perimeter as treated territories: each territory from the year of the
    /// first signed version whose perimeter holds it. `None` when the pact has no
    /// signed version with a readable date (it has not been signed: nothing started).
    pub fn from_pact(pact: &crate::pact::Pact) -> Option<TreatedSet> {
        let mut first: BTreeMap<String, i32> = BTreeMap::new();
        for v in pact.versions.iter().filter(|v| v.status == crate::pact::VersionStatus::Signed) {
            let Some(year) = v.signed_at.as_deref().and_then(|d| d.get(..4)).and_then(|y| y.parse::<i32>().ok()) else {
                continue;
            };
            for t in &v.content.perimeter {
                first.entry(t.to_string()).or_insert(year);
            }
        }
        if first.is_empty() {
            return None;
        }
        let title = pact.in_force().map_or_else(|| pact.current().content.title.clone(), |v| v.content.title.clone());
        let territories =
            first.into_iter().map(|(territory, adoption_year)| TreatedTerritory { territory, adoption_year }).collect();
        Some(TreatedSet::Pact { id: pact.id.clone(), title, territories })
    }
}

/// What an evaluation estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRequest {
    pub treated: TreatedSet,
    /// Indicator code of the catalogue.
    pub indicator: String,
    pub method: Method,
    #[serde(default)]
    pub control: ControlGroup,
    /// First and last year of the panel (inclusive).
    pub from: i32,
    pub to: i32,
    /// Years before adoption in which territories may already react (cs, imputation).
    #[serde(default)]
    pub anticipation: u32,
    /// How the outcome enters the estimate: its level (default), its logarithm, or its
    /// average annual growth rate since the previous observed year.
    #[serde(default)]
    pub transform: Transform,
    /// Which untreated territories are compared: all of them (default) or those matched
    /// to the treated on their pre-period outcomes and typologies.
    #[serde(default)]
    pub comparison: Comparison,
    /// Placebo assignments drawn for the randomisation inference (0: none).
    #[serde(default = "default_placebo_draws")]
    pub placebo_draws: u32,
    /// Cluster the standard errors by département or région instead of by territory
    /// (TWFE only): the interval and the p-value then come from the wild cluster
    /// restricted bootstrap ([`crate::impact::wild_cluster_bootstrap`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterLevel>,
    /// Baseline covariates the 2×2 comparisons are conditioned on (Callaway &
    /// Sant'Anna only, doubly robust: [`crate::impact::callaway_santanna`] on a panel
    /// with covariates). Empty: unconditional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<Covariate>,
}

/// A time-invariant covariate of the territories, taken before any adoption or from
/// the referential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariate {
    /// The outcome (as transformed) in the first year of the panel with values.
    OutcomeFirstYear,
    /// The logarithm of the legal population in the referential (today's: a proxy of
    /// size, measured after the adoptions).
    LogPopulation,
    /// The commune's density level (1 to 7, the INSEE grid).
    DensityLevel,
    /// 1 for a commune in a mountain massif, 0 otherwise.
    Mountain,
}

impl Covariate {
    pub const ALL: [Covariate; 4] =
        [Covariate::OutcomeFirstYear, Covariate::LogPopulation, Covariate::DensityLevel, Covariate::Mountain];

    /// The code of the API and the form.
    pub fn code(self) -> &'static str {
        match self {
            Covariate::OutcomeFirstYear => "outcome_first_year",
            Covariate::LogPopulation => "log_population",
            Covariate::DensityLevel => "density_level",
            Covariate::Mountain => "mountain",
        }
    }

    /// Its French name, as the notes and the pages say it.
    pub fn label_fr(self) -> &'static str {
        match self {
            Covariate::OutcomeFirstYear => "indicateur la première année de la période",
            Covariate::LogPopulation => "population légale (logarithme)",
            Covariate::DensityLevel => "niveau de densité",
            Covariate::Mountain => "commune de montagne",
        }
    }

    /// Whether territories of `kind` have it.
    pub fn applies_to(self, kind: TerritoryKind) -> bool {
        match self {
            Covariate::OutcomeFirstYear | Covariate::LogPopulation => true,
            Covariate::DensityLevel | Covariate::Mountain => kind == TerritoryKind::Commune,
        }
    }

    /// Its value for a territory of the referential (`None`: unknown, the territory
    /// is left out). [`Covariate::OutcomeFirstYear`] comes from the panel, not here.
    pub fn of_territory(self, t: &crate::territory::Territory) -> Option<f64> {
        match self {
            Covariate::OutcomeFirstYear => None,
            Covariate::LogPopulation => t.population.map(|p| (1.0 + p as f64).ln()),
            Covariate::DensityLevel => t.typology.density_level.map(f64::from),
            Covariate::Mountain => Some(if t.typology.mountain.is_some() { 1.0 } else { 0.0 }),
        }
    }
}

/// The level standard errors are clustered at when it is coarser than the territories
/// evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterLevel {
    Departement,
    Region,
}

impl ClusterLevel {
    /// `département`, `région`.
    pub fn label_fr(self) -> &'static str {
        match self {
            ClusterLevel::Departement => "département",
            ClusterLevel::Region => "région",
        }
    }

    /// Whether territories of `kind` lie inside one territory of this level each.
    pub fn applies_to(self, kind: TerritoryKind) -> bool {
        use TerritoryKind::*;
        match self {
            ClusterLevel::Departement => matches!(kind, Commune | ArrondissementMunicipal | Epci),
            ClusterLevel::Region => matches!(kind, Commune | ArrondissementMunicipal | Epci | Departement),
        }
    }

    /// The cluster of a territory: the code of its département or région in the
    /// referential (an EPCI spanning several départements counts in the one holding most
    /// of its population), `None` when the referential does not say.
    pub fn of(self, referential: &Referential, kind: TerritoryKind, code: &str) -> Option<String> {
        if !self.applies_to(kind) {
            return None;
        }
        let parents = &referential.get(kind, code)?.parents;
        match self {
            ClusterLevel::Departement => parents.departement.clone(),
            ClusterLevel::Region => parents.region.clone(),
        }
    }
}

/// Standard errors clustered at a coarse level, stored with the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clustering {
    pub level: ClusterLevel,
    /// The TWFE standard error clustered by territory, which the clustered one replaces
    /// in `std_error`.
    pub unit_std_error: f64,
    pub wild_bootstrap: WildBootstrap,
}

fn default_placebo_draws() -> u32 {
    DEFAULT_PLACEBO_DRAWS
}

/// Placebo assignments drawn unless the request says otherwise, and the most allowed.
pub const DEFAULT_PLACEBO_DRAWS: u32 = 99;
pub const MAX_PLACEBO_DRAWS: u32 = 999;

/// How the outcome enters the estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    #[default]
    Level,
    /// Natural logarithm; values ≤ 0 are left out (counted in the notes).
    Log,
    /// Average annual growth rate, in %, since the territory's previous observed year:
    /// `((v_t / v_s)^(1/(t−s)) − 1) × 100`; a territory's first year has none.
    Growth,
}

impl Transform {
    pub fn label_fr(self) -> &'static str {
        match self {
            Transform::Level => "niveau",
            Transform::Log => "logarithme",
            Transform::Growth => "taux de croissance annuel moyen (%)",
        }
    }

    /// Applies the transformation to `(code, year, value)` triples sorted by code then
    /// year; answers the transformed triples and how many values could not be kept
    /// (a logarithm or a growth rate of a value ≤ 0, a territory's first year in growth).
    pub fn apply(self, values: Vec<(String, i32, f64)>) -> (Vec<(String, i32, f64)>, usize) {
        match self {
            Transform::Level => (values, 0),
            Transform::Log => {
                let n = values.len();
                let kept: Vec<_> = values.into_iter().filter(|v| v.2 > 0.0).map(|(c, y, v)| (c, y, v.ln())).collect();
                let lost = n - kept.len();
                (kept, lost)
            }
            Transform::Growth => {
                let n = values.len();
                let mut out = Vec::with_capacity(n);
                for pair in values.windows(2) {
                    let [(c0, y0, v0), (c1, y1, v1)] = pair else { continue };
                    if c0 == c1 && *y1 > *y0 && *v0 > 0.0 && *v1 > 0.0 {
                        let rate = ((v1 / v0).powf(1.0 / f64::from(y1 - y0)) - 1.0) * 100.0;
                        if rate.is_finite() {
                            out.push((c1.clone(), *y1, rate));
                        }
                    }
                }
                let lost = n - out.len();
                (out, lost)
            }
        }
    }
}

/// Which untreated territories the treated are compared with.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Comparison {
    /// Every territory of the same kind with values (never treated, or not yet treated
    /// as `control` says).
    #[default]
    All,
    /// The nearest neighbours of each treated territory on its outcome in the years
    /// before adoption, its population and its typologies.
    Matched(MatchSpec),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchSpec {
    /// Neighbours per treated territory (1 to 10).
    #[serde(default = "one")]
    pub k: usize,
    /// With replacement, a control may serve several treated territories; the
    /// estimators weigh it by the matching weights (`impact::Matching::weights`).
    #[serde(default)]
    pub replacement: bool,
    /// Largest accepted distance, in standard deviations; none by default.
    #[serde(default)]
    pub caliper: Option<f64>,
    /// Controls must share every typology with their treated territory.
    #[serde(default)]
    pub exact_typology: bool,
    /// Pre-adoption years of the outcome matched on (1 to 10, default 3): the last ones
    /// before the earliest adoption.
    #[serde(default = "three")]
    pub pre_years: usize,
}

fn one() -> usize {
    1
}

fn three() -> usize {
    3
}

/// What a matched comparison group looks like, stored with the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchingSummary {
    /// The features matched on, in French, in the order of `balance`.
    pub features: Vec<String>,
    /// The outcome years among them.
    pub pre_years: Vec<i32>,
    pub treated: usize,
    pub matched: usize,
    /// Treated territories without a neighbour (caliper, typologies, missing values).
    pub unmatched: Vec<String>,
    /// Distinct controls retained.
    pub controls: usize,
    /// Territories left out of the matching for lack of a pre-period value.
    pub lacking_features: usize,
    pub balance: Vec<BalanceRow>,
    pub pairs: Vec<MatchedPair>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceRow {
    pub feature: String,
    /// Standardised mean difference treated − comparison, before and after matching.
    pub smd_before: f64,
    pub smd_after: f64,
}

/// The placebo in time, in short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceboTime {
    pub shift: u32,
    pub estimate: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n_treated_units: usize,
}

/// What an evaluation job stores: the estimate, and the checks run around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationResult {
    #[serde(flatten)]
    pub estimate: ImpactEstimate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching: Option<MatchingSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placebo_time: Option<PlaceboTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placebo_space: Option<RandomisationInference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clustering: Option<Clustering>,
}

/// The features of each territory for matching: its outcome in `pre_years` (every one
/// observed, else it is left out), the logarithm of its population, and for communes
/// its density level; typologies (rurality, centrality, mountain) for communes. Answers
/// the rows, the French feature names and how many territories lacked a value.
pub fn matching_features(
    rows: &[Observation],
    referential: &Referential,
    kind: TerritoryKind,
    pre_years: &[i32],
) -> (Vec<TerritoryFeatures>, Vec<String>, usize) {
    let mut names: Vec<String> = pre_years.iter().map(|y| format!("indicateur en {y}")).collect();
    names.push("population (logarithme)".into());
    let commune = kind == TerritoryKind::Commune;
    if commune {
        names.push("niveau de densité".into());
    }
    let mut by_unit: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
    for r in rows {
        let slot = by_unit.entry(r.unit.as_str()).or_insert_with(|| vec![None; pre_years.len()]);
        if let Ok(i) = pre_years.binary_search(&r.year) {
            slot[i] = Some(r.outcome);
        }
    }
    let mut lacking = 0;
    let mut out = Vec::with_capacity(by_unit.len());
    for (code, values) in by_unit {
        let territory = referential.get(kind, code);
        let population = territory.and_then(|t| t.population);
        let (Some(values), Some(population)) = (values.into_iter().collect::<Option<Vec<f64>>>(), population) else {
            lacking += 1;
            continue;
        };
        let mut indicators = values;
        indicators.push((1.0 + population as f64).ln());
        let mut typologies = Vec::new();
        if let (true, Some(t)) = (commune, territory) {
            indicators.push(f64::from(t.typology.density_level.unwrap_or(0)));
            typologies = vec![
                t.typology.rurality.clone().unwrap_or_default(),
                t.typology.centrality.clone().unwrap_or_default(),
                t.typology.mountain.clone().unwrap_or_default(),
            ];
        }
        out.push(TerritoryFeatures { id: code.to_owned(), indicators, typologies });
    }
    (out, names, lacking)
}

/// A request checked against the catalogue and the referential.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRequest {
    pub unit_kind: TerritoryKind,
    /// Code → adoption year.
    pub treated: BTreeMap<String, i32>,
}

/// A fault in a request: the field (JSON path) and a French message.
pub type RequestFault = (String, String);

impl EvaluationRequest {
    /// Checks every field and reports every fault.
    pub fn validate(&self, referential: &Referential) -> Result<ValidRequest, Vec<RequestFault>> {
        let mut faults = Vec::new();
        if indicator::find(&self.indicator).is_none() {
            faults.push(("indicator".into(), format!("indicateur `{}` inconnu du catalogue", self.indicator)));
        }
        if self.from > self.to || self.to - self.from >= MAX_YEARS || self.from < 1900 || self.to > 2200 {
            faults
                .push(("from".into(), format!("période {}–{} invalide (au plus {MAX_YEARS} ans)", self.from, self.to)));
        }
        if self.anticipation > 0 && matches!(self.method, Method::Twfe | Method::SunAbraham) {
            faults.push((
                "anticipation".into(),
                "les méthodes à effets fixes (classique, Sun et Abraham) n’acceptent pas d’anticipation".into(),
            ));
        }
        if self.anticipation > 10 {
            faults.push(("anticipation".into(), "au plus 10 ans".into()));
        }
        if self.placebo_draws > MAX_PLACEBO_DRAWS {
            faults.push(("placebo_draws".into(), format!("au plus {MAX_PLACEBO_DRAWS} tirages placebo")));
        }
        if self.cluster.is_some() && self.method != Method::Twfe {
            faults.push((
                "cluster".into(),
                "les erreurs types regroupées par département ou par région ne sont proposées qu’avec la méthode à \
                 effets fixes classique (TWFE)"
                    .into(),
            ));
        }
        if let Comparison::Matched(m) = &self.comparison {
            if !(1..=10).contains(&m.k) {
                faults.push(("comparison.k".into(), "de 1 à 10 voisins par territoire traité".into()));
            }
            if m.caliper.is_some_and(|c| !c.is_finite() || c <= 0.0) {
                faults.push(("comparison.caliper".into(), "la distance maximale doit être positive".into()));
            }
            if !(1..=10).contains(&m.pre_years) {
                faults.push(("comparison.pre_years".into(), "de 1 à 10 années avant l’adoption".into()));
            }
        }
        if let TreatedSet::Programme { undated_year: Some(year), .. } = &self.treated
            && !(1900..=2200).contains(year)
        {
            faults.push(("treated.undated_year".into(), "année d’adoption invalide".into()));
        }
        let territories = self.treated.territories();
        match &self.treated {
            TreatedSet::Programme { code, without_date, .. } if territories.is_empty() && *without_date > 0 => faults
                .push((
                    "treated.territories".into(),
                    format!(
                        "aucun des {without_date} membres du programme « {code} » n’a de date de signature ni de \
                         labellisation : leur année d’adoption est inconnue. Indiquez l’année d’adoption à retenir \
                         pour les membres sans date (par exemple l’année où le programme a retenu ses premiers \
                         membres) : ce sera une hypothèse, dite avec le résultat"
                    ),
                )),
            _ if territories.is_empty() => {
                faults.push(("treated.territories".into(), "au moins un territoire traité".into()))
            }
            _ => {}
        }
        let mut kind = None;
        let mut treated = BTreeMap::new();
        for (i, t) in territories.iter().enumerate() {
            let field = format!("treated.territories[{i}]");
            match t.territory.parse::<TerritoryRef>() {
                Ok(r) if referential.get_ref(&r).is_none() => {
                    faults.push((field, format!("{r} absent du référentiel")))
                }
                Ok(r) => {
                    if *kind.get_or_insert(r.kind) != r.kind {
                        faults.push((field.clone(), "tous les territoires traités doivent être du même type".into()));
                    }
                    if !(1900..=2200).contains(&t.adoption_year) {
                        faults.push((format!("{field}.adoption_year"), "année d’adoption invalide".into()));
                    }
                    if treated.insert(r.code.clone(), t.adoption_year).is_some() {
                        faults.push((field, format!("{r} donné deux fois")));
                    }
                }
                Err(e) => faults.push((field, e.to_string())),
            }
        }
        if !self.covariates.is_empty() && self.method != Method::Cs {
            faults.push((
                "covariates".into(),
                "les covariables ne sont prises en compte que par la méthode de Callaway et Sant’Anna (doublement \
                 robuste)"
                    .into(),
            ));
        }
        for (i, c) in self.covariates.iter().enumerate() {
            if self.covariates[..i].contains(c) {
                faults.push((format!("covariates[{i}]"), format!("« {} » donnée deux fois", c.label_fr())));
            }
            if let Some(kind) = kind
                && !c.applies_to(kind)
            {
                faults
                    .push((format!("covariates[{i}]"), format!("« {} » ne vaut que pour des communes", c.label_fr())));
            }
        }
        if let (Some(level), Some(kind)) = (self.cluster, kind)
            && !level.applies_to(kind)
        {
            let finer = match level {
                ClusterLevel::Departement => "des communes, des arrondissements municipaux ou des EPCI",
                ClusterLevel::Region => "des communes, des arrondissements municipaux, des EPCI ou des départements",
            };
            faults.push(("cluster".into(), format!("un regroupement par {} demande {finer}", level.label_fr())));
        }
        match kind {
            Some(unit_kind) if faults.is_empty() => Ok(ValidRequest { unit_kind, treated }),
            _ => Err(faults),
        }
    }
}

/// Panel rows from `(territory code, year, value)` triples: every territory of the
/// panel's kind with a value in the period is a unit; the treated carry their adoption
/// year. One value per territory and year is expected (the store keeps the last date of
/// each year); a repeated cell keeps the last one given.
pub fn observations(values: &[(String, i32, f64)], treated: &BTreeMap<String, i32>) -> Vec<Observation> {
    let mut cells: HashMap<(&str, i32), f64> = HashMap::with_capacity(values.len());
    for (code, year, value) in values {
        cells.insert((code.as_str(), *year), *value);
    }
    let mut rows: Vec<Observation> = cells
        .into_iter()
        .map(|((code, year), outcome)| Observation {
            unit: code.to_owned(),
            year,
            outcome,
            first_treated: treated.get(code).copied(),
        })
        .collect();
    rows.sort_by(|a, b| (&a.unit, a.year).cmp(&(&b.unit, b.year)));
    rows
}

/// Who may request an evaluation: any authenticated person holding at least one role on
/// the platform (admin, programme manager, delegate, local authority, partner). An
/// evaluation only reads published open-data measurements and writes its own job row,
/// so there is nothing to protect but the machine's time; each job records who asked.
/// An account without any role (not yet attached to an organisation) is refused.
pub fn can_request(principal: &Principal) -> bool {
    !principal.roles.is_empty()
}

/// Who may see an evaluation: everyone. Its inputs are open data and its result is
/// published with them, so that anyone can check or reproduce it.
pub fn can_view(_principal: Option<&Principal>) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::territory::Territory;

    #[test]
    fn a_programme_is_frozen_into_territories_at_their_first_year() {
        use crate::programme::MembershipStatus;
        let member = |code: &str, signed: Option<&str>, labelled: Option<&str>, status| Membership {
            programme: "pvd".into(),
            territory: TerritoryRef { kind: TerritoryKind::Commune, code: code.into() },
            group_id: None,
            group_name: None,
            status,
            signed_on: signed.map(Into::into),
            labelled_on: labelled.map(Into::into),
            exited_on: None,
            convention: None,
        };
        let list = [
            member("42218", Some("2021-03-01"), None, MembershipStatus::Active),
            member("42218", Some("2019-06-30"), None, MembershipStatus::Exited),
            member("42100", None, Some("2020-01-15"), MembershipStatus::Labelled),
            member("42101", None, None, MembershipStatus::Candidate),
        ];
        let set = TreatedSet::from_programme("pvd", list.iter(), None);
        let TreatedSet::Programme { code, territories, without_date, undated_year } = &set else { panic!("programme") };
        assert_eq!((code.as_str(), *without_date, *undated_year), ("pvd", 1, None));
        let got: Vec<(&str, i32)> = territories.iter().map(|t| (t.territory.as_str(), t.adoption_year)).collect();
        assert_eq!(got, vec![("commune:42100", 2020), ("commune:42218", 2019)]);
        assert_eq!(set.territories().len(), 2);
        let json = serde_json::to_value(&set).expect("json");
        assert_eq!(json["type"], "programme");
        assert!(json.get("undated_year").is_none(), "absent unless declared: stored requests keep their bytes");
        let back: TreatedSet = serde_json::from_str(r#"{"type":"programme","code":"acv"}"#).expect("parses");
        assert!(back.territories().is_empty(), "filled by the platform, not the client");

        // A declared year dates the territories with no dated membership only; an
        // undated membership of a dated territory does not move its year.
        let mut list = list.to_vec();
        list.push(member("42100", None, None, MembershipStatus::Candidate));
        let set = TreatedSet::from_programme("pvd", list.iter(), Some(2018));
        let TreatedSet::Programme { territories, without_date, undated_year, .. } = &set else { panic!("programme") };
        assert_eq!((*without_date, *undated_year), (2, Some(2018)));
        let got: Vec<(&str, i32)> = territories.iter().map(|t| (t.territory.as_str(), t.adoption_year)).collect();
        assert_eq!(got, vec![("commune:42100", 2020), ("commune:42101", 2018), ("commune:42218", 2019)]);
        assert_eq!(serde_json::to_value(&set).expect("json")["undated_year"], 2018);
    }

    #[test]
    fn a_pact_is_frozen_into_its_perimeter_from_the_signature_that_covers_each_territory() {
        use crate::pact::{Pact, PactContent, PactKind, PactVersion, Party, PartyKind, VersionStatus};
        let version = |number: u32, status, perimeter: &[&str], signed_at: Option<&str>| PactVersion {
            number,
            status,
            content: PactContent {
                kind: PactKind::Cohesion,
                title: format!("Pacte, version {number}"),
                description: String::new(),
                perimeter: perimeter.iter().map(|t| t.parse().expect("a reference")).collect(),
                parties: vec![Party { kind: PartyKind::State, name: "État".into(), siren: None }],
                owner: "state".into(),
                actions: Vec::new(),
            },
            signatures: Vec::new(),
            snapshots: Vec::new(),
            created_at: "2021-01-01T00:00:00Z".into(),
            signed_at: signed_at.map(Into::into),
        };
        let mut pact = Pact {
            id: "p1".into(),
            versions: vec![version(1, VersionStatus::ReadyForSignature, &["commune:42218"], None)],
            execution: None,
            revision: 1,
            created_at: "2021-01-01T00:00:00Z".into(),
            updated_at: "2021-01-01T00:00:00Z".into(),
            published_at: None,
        };
        assert_eq!(TreatedSet::from_pact(&pact), None, "not signed: nothing started");
        pact.versions[0] =
            version(1, VersionStatus::Signed, &["commune:42218", "commune:42100"], Some("2021-06-30T10:00:00Z"));
        pact.versions.push(version(
            2,
            VersionStatus::Signed,
            &["commune:42218", "commune:42100", "commune:42101"],
            Some("2023-02-01T09:00:00Z"),
        ));
        pact.versions.push(version(3, VersionStatus::Draft, &["commune:42999"], None));
        let set = TreatedSet::from_pact(&pact).expect("signed");
        let TreatedSet::Pact { id, title, territories } = &set else { panic!("a pact") };
        assert_eq!((id.as_str(), title.as_str()), ("p1", "Pacte, version 2"), "the title in force");
        let got: Vec<(&str, i32)> = territories.iter().map(|t| (t.territory.as_str(), t.adoption_year)).collect();
        assert_eq!(got, vec![("commune:42100", 2021), ("commune:42101", 2023), ("commune:42218", 2021)]);
        let json = serde_json::to_value(&set).expect("json");
        assert_eq!(json["type"], "pact");
        let back: TreatedSet = serde_json::from_str(r#"{"type":"pact","id":"p1"}"#).expect("parses");
        assert!(back.territories().is_empty(), "filled by the platform, not the client");
    }

    fn referential() -> Referential {
        Referential::new(
            "t",
            vec![
                Territory::new(TerritoryKind::Commune, "42218", "Saint-Étienne"),
                Territory::new(TerritoryKind::Commune, "42100", "Boën"),
                Territory::new(TerritoryKind::Departement, "42", "Loire"),
            ],
        )
        .expect("consistent")
    }

    fn request(territories: &[(&str, i32)]) -> EvaluationRequest {
        EvaluationRequest {
            treated: TreatedSet::Territories {
                territories: territories
                    .iter()
                    .map(|(t, y)| TreatedTerritory { territory: (*t).into(), adoption_year: *y })
                    .collect(),
            },
            indicator: "population".into(),
            method: Method::Cs,
            control: ControlGroup::Never,
            from: 2015,
            to: 2024,
            anticipation: 0,
            transform: Transform::Level,
            comparison: Comparison::All,
            placebo_draws: DEFAULT_PLACEBO_DRAWS,
            cluster: None,
            covariates: Vec::new(),
        }
    }

    #[test]
    fn transforms_the_outcome() {
        let v = |c: &str, y: i32, x: f64| (c.to_owned(), y, x);
        let values = vec![v("a", 2015, 100.0), v("a", 2017, 121.0), v("a", 2018, 0.0), v("b", 2016, 50.0)];
        let (log, lost) = Transform::Log.apply(values.clone());
        assert_eq!(lost, 1);
        assert!((log[1].2 - 121f64.ln()).abs() < 1e-12);
        let (growth, lost) = Transform::Growth.apply(values.clone());
        // a: 2015→2017 is 10 % a year; 2017→2018 falls to 0, no rate; b has one year.
        assert_eq!(growth.len(), 1);
        assert_eq!((growth[0].0.as_str(), growth[0].1), ("a", 2017));
        assert!((growth[0].2 - 10.0).abs() < 1e-9);
        assert_eq!(lost, 3);
        assert_eq!(Transform::Level.apply(values.clone()), (values, 0));
    }

    #[test]
    fn a_matched_comparison_is_validated_and_replacement_accepted() {
        let mut r = request(&[("commune:42218", 2019)]);
        r.comparison = Comparison::Matched(MatchSpec {
            k: 0,
            replacement: true,
            caliper: Some(-1.0),
            exact_typology: false,
            pre_years: 0,
        });
        r.placebo_draws = 5000;
        let faults = r.validate(&referential()).expect_err("invalid");
        let fields: Vec<&str> = faults.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec!["placebo_draws", "comparison.k", "comparison.caliper", "comparison.pre_years"]);
        let parsed: EvaluationRequest = serde_json::from_str(
            r#"{"treated":{"type":"territories","territories":[{"territory":"commune:42218","adoption_year":2019}]},
            "indicator":"population","method":"cs","from":2015,"to":2024,"transform":"growth",
            "comparison":{"type":"matched","k":2}}"#,
        )
        .expect("parses");
        assert_eq!(parsed.transform, Transform::Growth);
        assert_eq!(
            parsed.comparison,
            Comparison::Matched(MatchSpec {
                k: 2,
                replacement: false,
                caliper: None,
                exact_typology: false,
                pre_years: 3
            })
        );
        assert_eq!(parsed.placebo_draws, DEFAULT_PLACEBO_DRAWS);
        assert!(parsed.validate(&referential()).is_ok());
        // With replacement: accepted, the estimators weigh the controls.
        let mut with = parsed.clone();
        if let Comparison::Matched(m) = &mut with.comparison {
            m.replacement = true;
        }
        assert!(with.validate(&referential()).is_ok());
    }

    #[test]
    fn validates_every_field() {
        let ok = request(&[("commune:42218", 2019)]).validate(&referential()).expect("valid");
        assert_eq!(ok.unit_kind, TerritoryKind::Commune);
        assert_eq!(ok.treated.get("42218"), Some(&2019));
        let mut bad = request(&[("commune:42218", 2019), ("departement:42", 2019), ("commune:99999", 2019), ("x", 1)]);
        bad.indicator = "nope".into();
        bad.from = 2030;
        let faults = bad.validate(&referential()).expect_err("invalid");
        let fields: Vec<&str> = faults.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec!["indicator", "from", "treated.territories[1]", "treated.territories[2]", "treated.territories[3]"]
        );
        assert!(request(&[]).validate(&referential()).is_err());
    }

    #[test]
    fn clustering_is_for_twfe_on_territories_finer_than_the_level() {
        let mut r = request(&[("commune:42218", 2019)]);
        r.cluster = Some(ClusterLevel::Region);
        let faults = r.validate(&referential()).expect_err("cs refuses clustering");
        assert_eq!(faults.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), vec!["cluster"]);
        r.method = Method::Twfe;
        assert!(r.validate(&referential()).is_ok());
        let mut dep = request(&[("departement:42", 2019)]);
        dep.method = Method::Twfe;
        dep.cluster = Some(ClusterLevel::Departement);
        let faults = dep.validate(&referential()).expect_err("a département in its own département");
        assert_eq!(faults[0].0, "cluster");
        dep.cluster = Some(ClusterLevel::Region);
        assert!(dep.validate(&referential()).is_ok());
        // The field is optional and left out of the JSON when absent (stored requests
        // keep their shape).
        let json = serde_json::to_value(request(&[("commune:42218", 2019)])).expect("json");
        assert!(json.get("cluster").is_none());
        let parsed: EvaluationRequest = serde_json::from_value(serde_json::json!({
            "treated": {"type": "territories", "territories": [{"territory": "commune:42218", "adoption_year": 2019}]},
            "indicator": "population", "method": "twfe", "from": 2015, "to": 2024, "cluster": "departement"
        }))
        .expect("parses");
        assert_eq!(parsed.cluster, Some(ClusterLevel::Departement));
        // The referential gives the cluster.
        let mut commune = Territory::new(TerritoryKind::Commune, "42218", "Saint-Étienne");
        commune.parents.departement = Some("42".into());
        commune.parents.region = Some("84".into());
        let referential = Referential::new(
            "t",
            vec![
                commune,
                Territory::new(TerritoryKind::Departement, "42", "Loire"),
                Territory::new(TerritoryKind::Region, "84", "Auvergne-Rhône-Alpes"),
            ],
        )
        .expect("consistent");
        assert_eq!(ClusterLevel::Region.of(&referential, TerritoryKind::Commune, "42218").as_deref(), Some("84"));
        assert_eq!(ClusterLevel::Departement.of(&referential, TerritoryKind::Commune, "42218").as_deref(), Some("42"));
        assert_eq!(ClusterLevel::Departement.of(&referential, TerritoryKind::Region, "84"), None);
        assert_eq!(ClusterLevel::Region.of(&referential, TerritoryKind::Commune, "00000"), None);
    }

    #[test]
    fn who_may_request() {
        use crate::access::Role;
        let person = uuid::Uuid::nil();
        let with = |roles: Vec<Role>| Principal { person, roles };
        assert!(can_request(&with(vec![Role::Admin])));
        assert!(can_request(&with(vec![Role::Partner { organisation: person }])));
        assert!(can_request(&with(vec![Role::Delegate { departement: "42".into() }])));
        assert!(!can_request(&with(Vec::new())), "no role, no request");
        assert!(can_view(None), "published with their inputs");
    }

    #[test]
    fn request_json_shape() {
        let json = r#"{"treated":{"type":"territories","territories":[{"territory":"commune:42218","adoption_year":2019}]},
            "indicator":"population","method":"imputation","control":"not_yet","from":2015,"to":2024}"#;
        let r: EvaluationRequest = serde_json::from_str(json).expect("parses");
        assert_eq!(r.method, Method::Imputation);
        assert_eq!(r.control, ControlGroup::NotYet);
        assert_eq!(r.anticipation, 0);
    }

    #[test]
    fn builds_sorted_observations() {
        let treated: BTreeMap<String, i32> = [("b".to_owned(), 2020)].into_iter().collect();
        let rows = observations(&[("b".into(), 2021, 2.0), ("a".into(), 2020, 1.0), ("b".into(), 2020, 1.5)], &treated);
        assert_eq!(
            rows.iter().map(|r| (r.unit.as_str(), r.year)).collect::<Vec<_>>(),
            vec![("a", 2020), ("b", 2020), ("b", 2021)]
        );
        assert_eq!(rows[1].first_treated, Some(2020));
        assert_eq!(rows[0].first_treated, None);
    }
}
