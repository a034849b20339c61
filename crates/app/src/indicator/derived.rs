//! What the territory pages derive from measurements that only an import changes,
//! computed once per data revision instead of per request (issue 16):
//!
//! - the roll-ups of every indicator for every EPCI, département, région and France
//!   (each built at its first use from the commune values, read once);
//! - the similar-territory space of each kind (built at its first use from the
//!   referential);
//! - each territory's indicator section, kept in a bounded cache (least recently used
//!   out first);
//! - the communes' population series and, per programme cohort, the space its
//!   comparison territories are matched in (`territory::trajectory`).
//!
//! A [`Derived`] belongs to one (referential revision, indicator revision): when either
//! moves, [`crate::App`] swaps in an empty one, and everything is derived again on use.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

use cohesion_core::impact::{FeatureSpace, TerritoryFeatures};
use cohesion_core::indicator::rollup::{CommuneValues, rollup_one};
use cohesion_core::indicator::{self, Aggregation, Date, Indicator};
use cohesion_core::territory::{Referential, Territory, TerritoryKind, TerritoryRef};
use cohesion_store::{Store, StoreError};
use tokio::sync::OnceCell;

use super::{RollupView, TerritoryIndicators};

/// Territory sections kept: a commune's is a few kilobytes, so the cache stays under
/// about 20 MB whatever the traffic.
pub const SECTIONS_KEPT: usize = 4_096;

/// The roll-ups of one indicator at the latest date with commune values.
#[derive(Debug, Default)]
pub struct Rollups {
    /// Why none is computed (the rule, in French), for every territory alike.
    pub refused: Option<String>,
    /// By territory index in the referential: every EPCI, département and région.
    by_territory: HashMap<u32, RollupView>,
    france: Option<RollupView>,
}

impl Rollups {
    /// The roll-up of `idx` (`None`: France).
    pub fn of(&self, idx: Option<u32>) -> Option<&RollupView> {
        match idx {
            None => self.france.as_ref(),
            Some(i) => self.by_territory.get(&i),
        }
    }

    async fn build(store: &Store, r: &Referential, ind: &Indicator) -> Result<Rollups, StoreError> {
        if ind.aggregation == Aggregation::NotAggregable {
            return Ok(Rollups { refused: Some(ind.aggregation.label()), ..Rollups::default() });
        }
        let Some(date) = store.latest_date(ind.code, TerritoryKind::Commune).await? else {
            return Ok(Rollups::default());
        };
        let values = commune_values(store, ind.code, date).await?;
        let weights = match &ind.aggregation {
            Aggregation::WeightedMean { weight } => Some(commune_values(store, weight, date).await?),
            _ => None,
        };
        let view = |target: Option<&TerritoryRef>| {
            rollup_one(r, target, &ind.aggregation, &values, weights.as_ref()).map(|x| RollupView {
                date: date.to_string(),
                value: x.value,
                components: x.components,
                covered: x.covered,
                weight_coverage: x.weight_coverage,
                complete: x.is_complete(),
                rule: ind.aggregation.label(),
            })
        };
        let refused = || Rollups { refused: Some(ind.aggregation.label()), ..Rollups::default() };
        let Ok(france) = view(None) else { return Ok(refused()) };
        let mut by_territory = HashMap::new();
        for (i, t) in r.all().iter().enumerate() {
            if !matches!(t.kind, TerritoryKind::Epci | TerritoryKind::Departement | TerritoryKind::Region) {
                continue;
            }
            let Ok(idx) = u32::try_from(i) else { break };
            match view(Some(&TerritoryRef { kind: t.kind, code: t.code.clone() })) {
                Ok(v) => {
                    by_territory.insert(idx, v);
                }
                Err(_) => return Ok(refused()),
            }
        }
        Ok(Rollups { refused: None, by_territory, france: Some(france) })
    }
}

async fn commune_values(store: &Store, indicator: &str, date: Date) -> Result<CommuneValues, StoreError> {
    Ok(store
        .effective_values(indicator, TerritoryKind::Commune, date, date)
        .await?
        .into_iter()
        .map(|v| (v.code, v.value))
        .collect())
}

/// What is derived from one referential revision and one indicator revision.
pub struct Derived {
    /// The snapshot's referential revision it was derived from.
    pub referential_revision: i64,
    /// The stored indicator revision (`indicator_state`) it was derived from.
    pub indicator_revision: i64,
    rollups: HashMap<&'static str, OnceCell<Arc<Rollups>>>,
    spaces: HashMap<TerritoryKind, OnceLock<Option<FeatureSpace>>>,
    sections: Mutex<lru::LruCache<u32, Arc<TerritoryIndicators>>>,
    /// The communes' outcome series of the trajectories (read once).
    pub(crate) outcome: OnceCell<Arc<crate::territory::trajectory::OutcomePanel>>,
    /// The matching space of each (programme revision, programme, adoption year).
    pub(crate) cohorts: Mutex<HashMap<(i64, String, i32), Arc<crate::territory::trajectory::Cohort>>>,
    /// Each programme's latest finished evaluation on the trajectories' outcome, read
    /// once per count of evaluations this instance finished (`evaluation::finished_here`).
    pub(crate) estimates: Mutex<HashMap<String, (i64, Option<crate::territory::trajectory::ProgrammeEstimate>)>>,
}

impl Derived {
    /// Nothing derived yet: each part is built at its first use.
    pub fn new(referential_revision: i64, indicator_revision: i64) -> Derived {
        Derived {
            referential_revision,
            indicator_revision,
            rollups: indicator::catalogue().iter().map(|i| (i.code, OnceCell::new())).collect(),
            spaces: TerritoryKind::ALL.into_iter().map(|k| (k, OnceLock::new())).collect(),
            sections: Mutex::new(lru::LruCache::new(NonZeroUsize::new(SECTIONS_KEPT).unwrap_or(NonZeroUsize::MIN))),
            outcome: OnceCell::new(),
            cohorts: Mutex::new(HashMap::new()),
            estimates: Mutex::new(HashMap::new()),
        }
    }

    /// The roll-ups of `ind` (built at the first call, from the store).
    pub async fn rollups(&self, store: &Store, r: &Referential, ind: &Indicator) -> Result<Arc<Rollups>, StoreError> {
        let Some(cell) = self.rollups.get(ind.code) else {
            // Not in the catalogue compiled in: computed, not kept.
            return Ok(Arc::new(Rollups::build(store, r, ind).await?));
        };
        cell.get_or_try_init(|| async { Rollups::build(store, r, ind).await.map(Arc::new) }).await.cloned()
    }

    /// The `k` territories of `t`'s kind most similar on population (log) and, for
    /// communes, the density level, among those of the same zone (metropolitan,
    /// overseas).
    pub fn peers<'r>(&self, r: &'r Referential, t: &Territory, k: usize) -> Vec<&'r Territory> {
        let space = match self.spaces.get(&t.kind) {
            Some(cell) => cell.get_or_init(|| space_of(r, t.kind)).as_ref(),
            None => None,
        };
        let Some(space) = space else { return Vec::new() };
        space
            .most_similar(&t.code, k, true)
            .map(|n| n.iter().filter_map(|p| r.get(t.kind, &p.id)).collect())
            .unwrap_or_default()
    }

    /// The section of territory `idx` if already derived.
    pub fn section(&self, idx: u32) -> Option<Arc<TerritoryIndicators>> {
        self.sections.lock().ok()?.get(&idx).cloned()
    }

    /// Keeps the section of territory `idx`.
    pub fn keep(&self, idx: u32, section: Arc<TerritoryIndicators>) {
        if let Ok(mut s) = self.sections.lock() {
            s.put(idx, section);
        }
    }

    /// How many sections are kept (for the memory report).
    pub fn sections_kept(&self) -> usize {
        self.sections.lock().map(|s| s.len()).unwrap_or(0)
    }
}

/// The similar-territory space of one kind; `None` if it cannot be built (no
/// territory with a population).
fn space_of(r: &Referential, kind: TerritoryKind) -> Option<FeatureSpace> {
    let rows: Vec<TerritoryFeatures> = r
        .all()
        .iter()
        .filter(|o| o.kind == kind)
        .filter_map(|o| {
            let pop = o.population? as f64;
            let mut x = vec![(1.0 + pop).ln()];
            if kind == TerritoryKind::Commune {
                x.push(f64::from(o.typology.density_level.unwrap_or(0)));
            }
            Some(TerritoryFeatures {
                id: o.code.clone(),
                indicators: x,
                typologies: vec![o.zone.clone().unwrap_or_default()],
            })
        })
        .collect();
    FeatureSpace::new(&rows, 1.0).ok()
}
