//! A territory's indicators, as the API and the territory page show them: the latest
//! open-data value with its source, the territory's own (local) values apart, older
//! versions superseded, objectives, the roll-up from its communes with its coverage,
//! and the same indicator for its most similar peers.

pub mod derived;
pub mod population_series;

use std::collections::HashMap;
use std::sync::Arc;

use cohesion_core::indicator::{self, Date, Indicator};
use cohesion_core::territory::{Territory, TerritoryKind, TerritoryRef};
pub use cohesion_store::indicator::SourceVersion;
use cohesion_store::indicator::TerritoryValue;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppError, Snapshot};
use derived::Derived;

/// Open-data values in force keyed by (indicator, date).
type ByCell = HashMap<(String, String), f64>;

/// Peers shown beside a territory.
pub const PEERS: usize = 5;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceView {
    pub code: String,
    pub name: String,
    pub producer: String,
    pub distributor: String,
    /// Date of the source version (publication or millésime), YYYY-MM-DD.
    pub version_date: String,
    /// open_data or local
    pub origin: String,
    pub methodology: String,
    pub limits: String,
}

impl From<&SourceVersion> for SourceView {
    fn from(s: &SourceVersion) -> Self {
        SourceView {
            code: s.source.clone(),
            name: s.name.clone(),
            producer: s.producer.clone(),
            distributor: s.distributor.clone(),
            version_date: s.version_date.clone(),
            origin: s.origin.clone(),
            methodology: s.methodology.clone(),
            limits: s.limits.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DatedValue {
    /// YYYY-MM-DD
    pub date: String,
    pub value: f64,
    pub source: SourceView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RollupView {
    /// Date of the commune values added up.
    pub date: String,
    /// `null` when no commune (with a weight) has a value.
    pub value: Option<f64>,
    /// Communes in the territory, and those whose value entered the result.
    pub components: usize,
    pub covered: usize,
    /// Weighted means: share of the total weight held by the covered communes.
    pub weight_coverage: Option<f64>,
    pub complete: bool,
    /// The rule, in French.
    pub rule: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerValue {
    pub territory: String,
    pub name: String,
    /// The peer's open-data value at the same date or, failing that, its roll-up from
    /// its communes at that date.
    pub value: Option<f64>,
    /// True when `value` is the roll-up.
    pub from_communes: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObjectiveView {
    pub date: String,
    pub value: f64,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorSection {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// up, down or neutral
    pub direction: String,
    /// The newest open-data value in force.
    pub latest: Option<DatedValue>,
    /// Every open-data value in force, newest date first.
    pub history: Vec<DatedValue>,
    /// Values replaced by a newer version of a source (kept for traceability).
    pub superseded: Vec<DatedValue>,
    /// The territory's own figures, never mixed with open data.
    pub local: Vec<DatedValue>,
    pub objectives: Vec<ObjectiveView>,
    /// For an EPCI, a département or a région: computed from its communes.
    pub rollup: Option<RollupView>,
    /// Why no roll-up is computed (medians), in French.
    pub rollup_refused: Option<String>,
    /// The most similar territories of the same kind, at the date of `latest` (or of the
    /// roll-up).
    pub peers: Vec<PeerValue>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TerritoryIndicators {
    pub territory: String,
    pub name: String,
    /// The peers' `kind:code` and why they were chosen, in French.
    pub peers_basis: String,
    pub items: Vec<IndicatorSection>,
}

fn dated(v: &TerritoryValue) -> DatedValue {
    DatedValue { date: v.date.clone(), value: v.value, source: SourceView::from(&v.source) }
}

/// The roll-up of `ind` for `target` (`None`: France) at the latest date with commune
/// values, or why none is computed; derived once per data revision.
pub async fn rollup_for(
    app: &App,
    s: &Snapshot,
    target: Option<&TerritoryRef>,
    ind: &Indicator,
) -> Result<(Option<RollupView>, Option<String>), AppError> {
    let r = &s.referential;
    let rollups = app.derived(s).rollups(&app.store, r, ind).await?;
    let idx = match target {
        None => None,
        Some(t) => match r.index_of(t.kind, &t.code) {
            Some(i) => Some(i),
            None => return Ok((None, rollups.refused.clone())),
        },
    };
    Ok((rollups.of(idx).cloned(), rollups.refused.clone()))
}

/// Every indicator's values for territory `idx` of the snapshot, with its peers' and
/// its objectives: derived once per data revision and kept (bounded), so a request
/// reads the store only the first time a territory is shown after an import.
pub async fn of_territory(app: &App, s: &Snapshot, idx: u32) -> Result<TerritoryIndicators, AppError> {
    let derived = app.derived(s);
    if let Some(section) = derived.section(idx) {
        return Ok((*section).clone());
    }
    let section = Arc::new(territory_indicators(app, &derived, s, idx).await?);
    derived.keep(idx, Arc::clone(&section));
    Ok((*section).clone())
}

async fn territory_indicators(
    app: &App,
    derived: &Derived,
    s: &Snapshot,
    idx: u32,
) -> Result<TerritoryIndicators, AppError> {
    let store = &app.store;
    let r = &s.referential;
    let t = r.at(idx);
    let tref = TerritoryRef { kind: t.kind, code: t.code.clone() };
    let values = store.territory_values(&tref).await?;
    let objectives = store.objectives_for(&tref).await?;
    let peers = derived.peers(r, t, PEERS);
    let peer_refs: Vec<TerritoryRef> =
        peers.iter().map(|p| TerritoryRef { kind: p.kind, code: p.code.clone() }).collect();
    let mut peer_values = store.open_values_in_force(&peer_refs).await?;
    let peer_values: Vec<(&Territory, Option<u32>, ByCell)> = peers
        .iter()
        .zip(&peer_refs)
        .map(|(p, pref)| (*p, r.index_of(p.kind, &p.code), peer_values.remove(pref).unwrap_or_default()))
        .collect();
    let above_commune = matches!(t.kind, TerritoryKind::Epci | TerritoryKind::Departement | TerritoryKind::Region);
    let mut items = Vec::new();
    for ind in indicator::catalogue() {
        let mine: Vec<&TerritoryValue> = values.iter().filter(|v| v.indicator == ind.code).collect();
        let open = |in_force: bool| {
            mine.iter()
                .filter(|v| v.source.origin == "open_data" && v.in_force == in_force)
                .map(|v| dated(v))
                .collect::<Vec<_>>()
        };
        let history = open(true);
        let superseded = open(false);
        let local: Vec<DatedValue> = mine.iter().filter(|v| v.source.origin == "local").map(|v| dated(v)).collect();
        let objectives: Vec<ObjectiveView> = objectives
            .iter()
            .filter(|o| o.indicator == ind.code)
            .map(|o| ObjectiveView { date: o.date.clone(), value: o.value, version: o.version })
            .collect();
        // The territory's roll-up, and its peers' (same kind) for the comparison.
        let (rollup, rollup_refused, rollups) = if above_commune {
            let rollups = derived.rollups(store, r, ind).await?;
            (rollups.of(Some(idx)).cloned(), rollups.refused.clone(), Some(rollups))
        } else {
            (None, None, None)
        };
        let latest = history.first().cloned();
        if latest.is_none() && local.is_empty() && objectives.is_empty() && rollup.is_none() {
            continue;
        }
        let at = latest.as_ref().map(|l| l.date.clone()).or_else(|| rollup.as_ref().map(|x| x.date.clone()));
        let peers = match &at {
            Some(date) => peer_values
                .iter()
                .map(|(p, pidx, vals)| {
                    let own = vals.get(&(ind.code.to_owned(), date.clone())).copied();
                    let computed = rollups
                        .as_ref()
                        .and_then(|x| pidx.and_then(|i| x.of(Some(i))))
                        .filter(|x| &x.date == date)
                        .and_then(|x| x.value);
                    PeerValue {
                        territory: format!("{}:{}", p.kind, p.code),
                        name: p.name.clone(),
                        value: own.or(computed),
                        from_communes: own.is_none() && computed.is_some(),
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        items.push(IndicatorSection {
            code: ind.code.to_owned(),
            name: ind.name.to_owned(),
            unit: ind.unit.to_owned(),
            direction: ind.direction.as_str().to_owned(),
            latest,
            history,
            superseded,
            local,
            objectives,
            rollup,
            rollup_refused,
            peers,
        });
    }
    Ok(TerritoryIndicators {
        territory: tref.to_string(),
        name: t.name.clone(),
        peers_basis: format!(
            "les {PEERS} territoires du même type les plus proches par la population{}, dans la même zone (métropole ou outre-mer)",
            if t.kind == TerritoryKind::Commune { " et le niveau de densité" } else { "" }
        ),
        items,
    })
}

/// One territory's measured values of one indicator, oldest first: what a project page
/// shows beside its indicators' baselines and targets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasuredSeries {
    pub indicator: String,
    /// `kind:code`.
    pub territory: String,
    pub name: String,
    /// Open-data values in force, oldest first.
    pub published: Vec<DatedValue>,
    /// The authority's own values, oldest first.
    pub local: Vec<DatedValue>,
}

/// Territories of a project whose measured values are shown (a project over a whole
/// département lists its first ones).
pub const MEASURED_TERRITORIES: usize = 10;

/// The measured values of indicators `codes` in `territories` (the first
/// [`MEASURED_TERRITORIES`] the referential knows), from each territory's indicator
/// section (derived once per data revision): one series per territory and indicator
/// with at least one value.
pub async fn measured(
    app: &App,
    territories: &[TerritoryRef],
    codes: &[String],
) -> Result<Vec<MeasuredSeries>, AppError> {
    let s = app.current();
    let r = &s.referential;
    let mut out = Vec::new();
    if codes.is_empty() {
        return Ok(out);
    }
    for idx in territories.iter().filter_map(|t| r.index_of(t.kind, &t.code)).take(MEASURED_TERRITORIES) {
        let section = of_territory(app, &s, idx).await?;
        for code in codes {
            let Some(item) = section.items.iter().find(|i| &i.code == code) else { continue };
            if item.history.is_empty() && item.local.is_empty() {
                continue;
            }
            let mut published = item.history.clone();
            published.sort_by(|a, b| a.date.cmp(&b.date));
            let mut local = item.local.clone();
            local.sort_by(|a, b| a.date.cmp(&b.date));
            out.push(MeasuredSeries {
                indicator: code.clone(),
                territory: section.territory.clone(),
                name: section.name.clone(),
                published,
                local,
            });
        }
    }
    Ok(out)
}

/// The roll-up of `ind` for France at the latest date with commune values, or why
/// none is computed.
pub async fn france_rollup(
    app: &App,
    s: &Snapshot,
    ind: &Indicator,
) -> Result<(Option<RollupView>, Option<String>), AppError> {
    rollup_for(app, s, None, ind).await
}

/// Derives now what the territory pages would otherwise derive at their first
/// request after a start or an import: the roll-ups of every indicator. Logged.
pub async fn warm(app: &App) -> Result<(), AppError> {
    let started = std::time::Instant::now();
    let mut meter = crate::memory::Meter::start();
    let s = app.current();
    let derived = app.derived(&s);
    for ind in indicator::catalogue() {
        derived.rollups(&app.store, &s.referential, ind).await?;
    }
    meter.component("indicator roll-ups");
    tracing::info!(
        indicators = indicator::catalogue().len(),
        indicator_revision = derived.indicator_revision,
        ms = started.elapsed().as_millis() as u64,
        "indicator roll-ups derived"
    );
    crate::territory::trajectory::warm(app).await?;
    meter.component("trajectory series and cohorts");
    Ok(())
}

/// The versions of the sources loaded, newest first.
pub async fn source_versions(app: &App) -> Result<Vec<SourceVersion>, AppError> {
    Ok(app.store.source_versions().await?)
}

/// Writes validated values of one indicator from one source version, with its audit
/// event; the same file again rewrites the same rows.
pub async fn import_measurements(
    db: &crate::database::Database,
    indicator: &str,
    source: &cohesion_core::indicator::SourceInfo,
    origin: cohesion_core::indicator::Origin,
    version: Date,
    values: &[cohesion_core::indicator::measure_file::ParsedValue],
    actor: &str,
) -> Result<cohesion_store::indicator::ImportSummary, AppError> {
    Ok(db.store.import_measurements(indicator, source, origin, version, values, actor).await?)
}

/// Sets the objectives of one indicator; how many were set or changed.
pub async fn set_objectives(
    db: &crate::database::Database,
    indicator: &str,
    values: &[cohesion_core::indicator::measure_file::ParsedValue],
    actor: &str,
) -> Result<usize, AppError> {
    Ok(db.store.set_objectives(indicator, values, actor).await?)
}
