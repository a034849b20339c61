//! A territory's indicators, as the API and the territory page show them: the latest
//! open-data value with its source, the territory's own (local) values apart, older
//! versions superseded, objectives, the roll-up from its communes with its coverage,
//! and the same indicator for its most similar peers.

use std::collections::HashMap;

use cohesion_core::impact::{FeatureSpace, TerritoryFeatures};
use cohesion_core::indicator::rollup::{CommuneValues, rollup_one};
use cohesion_core::indicator::{self, Aggregation, Date, Indicator};
use cohesion_core::territory::{Referential, Territory, TerritoryKind, TerritoryRef};
pub use cohesion_store::indicator::SourceVersion;
use cohesion_store::indicator::TerritoryValue;
use cohesion_store::{Store, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppError};

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

/// The `k` territories of `t`'s kind most similar on population (log) and, for
/// communes, the density level, among those of the same zone (metropolitan, overseas).
pub fn peers<'r>(r: &'r Referential, t: &Territory, k: usize) -> Vec<&'r Territory> {
    let rows: Vec<TerritoryFeatures> = r
        .all()
        .iter()
        .filter(|o| o.kind == t.kind)
        .filter_map(|o| {
            let pop = o.population? as f64;
            let mut x = vec![(1.0 + pop).ln()];
            if t.kind == TerritoryKind::Commune {
                x.push(f64::from(o.typology.density_level.unwrap_or(0)));
            }
            Some(TerritoryFeatures {
                id: o.code.clone(),
                indicators: x,
                typologies: vec![o.zone.clone().unwrap_or_default()],
            })
        })
        .collect();
    let Ok(space) = FeatureSpace::new(&rows, 1.0) else { return Vec::new() };
    space
        .most_similar(&t.code, k, true)
        .map(|n| n.iter().filter_map(|p| r.get(t.kind, &p.id)).collect())
        .unwrap_or_default()
}

async fn commune_values(store: &Store, indicator: &str, date: Date) -> Result<CommuneValues, StoreError> {
    Ok(store
        .effective_values(indicator, TerritoryKind::Commune, date, date)
        .await?
        .into_iter()
        .map(|v| (v.code, v.value))
        .collect())
}

/// The roll-up of `ind` for `target` at the latest date with commune values.
pub async fn rollup_for(
    store: &Store,
    r: &Referential,
    target: Option<&TerritoryRef>,
    ind: &Indicator,
) -> Result<(Option<RollupView>, Option<String>), StoreError> {
    let (mut views, refused) = rollups_for(store, r, &[target], ind).await?;
    Ok((views.pop().flatten(), refused))
}

/// The roll-ups of `ind` for several territories (`None` = France), the commune values
/// read once; or why none is computed.
pub async fn rollups_for(
    store: &Store,
    r: &Referential,
    targets: &[Option<&TerritoryRef>],
    ind: &Indicator,
) -> Result<(Vec<Option<RollupView>>, Option<String>), StoreError> {
    let none = || targets.iter().map(|_| None).collect::<Vec<_>>();
    if ind.aggregation == Aggregation::NotAggregable {
        return Ok((none(), Some(ind.aggregation.label())));
    }
    let Some(date) = store.latest_date(ind.code, TerritoryKind::Commune).await? else { return Ok((none(), None)) };
    let values = commune_values(store, ind.code, date).await?;
    let weights = match &ind.aggregation {
        Aggregation::WeightedMean { weight } => Some(commune_values(store, weight, date).await?),
        _ => None,
    };
    let mut views = Vec::with_capacity(targets.len());
    for target in targets {
        match rollup_one(r, *target, &ind.aggregation, &values, weights.as_ref()) {
            Ok(x) => views.push(Some(RollupView {
                date: date.to_string(),
                value: x.value,
                components: x.components,
                covered: x.covered,
                weight_coverage: x.weight_coverage,
                complete: x.is_complete(),
                rule: ind.aggregation.label(),
            })),
            Err(_) => return Ok((none(), Some(ind.aggregation.label()))),
        }
    }
    Ok((views, None))
}

pub async fn territory_indicators(
    store: &Store,
    r: &Referential,
    t: &Territory,
) -> Result<TerritoryIndicators, StoreError> {
    let tref = TerritoryRef { kind: t.kind, code: t.code.clone() };
    let values = store.territory_values(&tref).await?;
    let objectives = store.objectives_for(&tref).await?;
    let peers = peers(r, t, PEERS);
    let mut peer_values: Vec<(&Territory, ByCell)> = Vec::new();
    for p in &peers {
        let pref = TerritoryRef { kind: p.kind, code: p.code.clone() };
        let vals = store
            .territory_values(&pref)
            .await?
            .into_iter()
            .filter(|v| v.in_force && v.source.origin == "open_data")
            .map(|v| ((v.indicator, v.date), v.value))
            .collect();
        peer_values.push((p, vals));
    }
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
        let peer_refs: Vec<TerritoryRef> =
            peer_values.iter().map(|(p, _)| TerritoryRef { kind: p.kind, code: p.code.clone() }).collect();
        let (mut rollups, rollup_refused) = if above_commune {
            let targets: Vec<Option<&TerritoryRef>> = std::iter::once(&tref).chain(&peer_refs).map(Some).collect();
            rollups_for(store, r, &targets, ind).await?
        } else {
            (Vec::new(), None)
        };
        let peer_rollups: Vec<Option<RollupView>> = if rollups.is_empty() { Vec::new() } else { rollups.split_off(1) };
        let rollup = rollups.pop().flatten();
        let latest = history.first().cloned();
        if latest.is_none() && local.is_empty() && objectives.is_empty() && rollup.is_none() {
            continue;
        }
        let at = latest.as_ref().map(|l| l.date.clone()).or_else(|| rollup.as_ref().map(|x| x.date.clone()));
        let peers = match &at {
            Some(date) => peer_values
                .iter()
                .enumerate()
                .map(|(k, (p, vals))| {
                    let own = vals.get(&(ind.code.to_owned(), date.clone())).copied();
                    let computed =
                        peer_rollups.get(k).and_then(Option::as_ref).filter(|x| &x.date == date).and_then(|x| x.value);
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

/// The roll-up of `ind` for France at the latest date with commune values, or why
/// none is computed.
pub async fn france_rollup(
    app: &App,
    r: &Referential,
    ind: &Indicator,
) -> Result<(Option<RollupView>, Option<String>), AppError> {
    Ok(rollup_for(&app.store, r, None, ind).await?)
}

/// Every indicator's values for territory `t`, with its peers' and its objectives.
pub async fn of_territory(app: &App, r: &Referential, t: &Territory) -> Result<TerritoryIndicators, AppError> {
    Ok(territory_indicators(&app.store, r, t).await?)
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
