//! A seeded simulator of panels whose true effects are known, to prove the estimators
//! without real data.
//!
//! `y_it = α_i + λ_t + τ_it + u_it`, with unit effects correlated with the adoption
//! cohort (selection on levels, which DiD removes), year effects with a trend, AR(1)
//! noise `u_it = ρ u_i,t-1 + e_it` (stationary start), and effects `τ_it = τ(g, e)`
//! depending on the cohort and the event time `e = t − g` only: constant or growing
//! with `e`, optionally different across cohorts, optionally starting `anticipation`
//! years before adoption. Cells can be dropped at random (missing cells).
//!
//! Optionally, units are grouped into clusters (a département, a région) with a shock
//! common to a cluster's units in each year, and adoption can be decided per cluster:
//! the design where standard errors clustered by unit are too small.

use super::rng::Rng;
use super::{ImpactError, Observation};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EffectShape {
    /// `τ` from adoption on.
    Constant(f64),
    /// `base + slope·e` for `e ≥ 0`.
    Growing { base: f64, slope: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub n_units: usize,
    pub first_year: i32,
    pub n_years: usize,
    /// Adoption years and the probability of each; the rest is never treated.
    pub cohorts: Vec<(i32, f64)>,
    pub unit_sd: f64,
    /// Shift of the mean unit effect per cohort rank (selection on levels).
    pub selection: f64,
    pub year_sd: f64,
    pub trend: f64,
    pub noise_sd: f64,
    pub rho: f64,
    pub effect: EffectShape,
    /// Effect multiplied by `1 + cohort_heterogeneity · rank` (rank 0 = earliest).
    pub cohort_heterogeneity: f64,
    /// Effect `anticipation_effect` in the `anticipation` years before adoption.
    pub anticipation: u32,
    pub anticipation_effect: f64,
    pub missing_share: f64,
    pub seed: u64,
    /// Units spread over this many clusters, unit `i` in cluster `i % clusters` (0: no
    /// clusters). Each cluster × year adds a shock `cluster_sd · N(0, 1)` common to its
    /// units, drawn from a stream of its own (the other draws do not change).
    pub clusters: usize,
    pub cluster_sd: f64,
    /// Adoption decided per cluster: cluster `k` takes the cohort whose cumulative share
    /// interval holds `(k + ½) / clusters` (a stratified, deterministic assignment), and
    /// every unit of a cluster adopts in the same year.
    pub cluster_adoption: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            n_units: 300,
            first_year: 2010,
            n_years: 10,
            cohorts: vec![(2013, 0.2), (2015, 0.2), (2017, 0.2)],
            unit_sd: 1.0,
            selection: 0.5,
            year_sd: 0.5,
            trend: 0.1,
            noise_sd: 1.0,
            rho: 0.5,
            effect: EffectShape::Constant(1.0),
            cohort_heterogeneity: 0.0,
            anticipation: 0,
            anticipation_effect: 0.0,
            missing_share: 0.0,
            seed: 1,
            clusters: 0,
            cluster_sd: 0.0,
            cluster_adoption: false,
        }
    }
}

impl SimConfig {
    /// The true effect for cohort rank `rank` at event time `e`.
    pub fn effect_at(&self, rank: usize, e: i32) -> f64 {
        let het = 1.0 + self.cohort_heterogeneity * rank as f64;
        let a = i32::try_from(self.anticipation).unwrap_or(i32::MAX);
        if e < -a {
            0.0
        } else if e < 0 {
            self.anticipation_effect * het
        } else {
            let base = match self.effect {
                EffectShape::Constant(tau) => tau,
                EffectShape::Growing { base, slope } => base + slope * f64::from(e),
            };
            base * het
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimPanel {
    pub observations: Vec<Observation>,
    /// `τ_it` of each observation (0 before the effect starts and for controls).
    pub true_effect: Vec<f64>,
    /// `(unit label, cluster label)` of every unit when the config has clusters, else
    /// empty (the pairs `wild_cluster_bootstrap` takes).
    pub clusters: Vec<(String, String)>,
}

impl SimPanel {
    /// Mean true effect over post-adoption observations (`e ≥ 0`): the imputation
    /// estimand with equal weights.
    pub fn true_post_average(&self) -> f64 {
        self.mean_effect(|e| e >= 0)
    }

    /// Mean true effect over observations at event time `e` (imputation and, in a
    /// balanced panel, CS event-time estimand).
    pub fn true_event_effect(&self, e: i32) -> f64 {
        self.mean_effect(|x| x == e)
    }

    fn mean_effect(&self, keep: impl Fn(i32) -> bool) -> f64 {
        let (mut s, mut n) = (0.0, 0.0);
        for (o, tau) in self.observations.iter().zip(&self.true_effect) {
            if let Some(g) = o.first_treated
                && keep(o.year - g)
            {
                s += tau;
                n += 1.0;
            }
        }
        if n > 0.0 { s / n } else { f64::NAN }
    }

    /// CS `simple` estimand: cohort-share weighted mean of `τ(g, t)` over post cells.
    pub fn true_cs_simple(&self, config: &SimConfig) -> f64 {
        let last = config.first_year + config.n_years as i32 - 1;
        let (mut s, mut w) = (0.0, 0.0);
        for (rank, (g, _)) in config.cohorts.iter().enumerate() {
            let size = self.cohort_size(*g) as f64;
            for year in *g..=last {
                s += size * config.effect_at(rank, year - g);
                w += size;
            }
        }
        if w > 0.0 { s / w } else { f64::NAN }
    }

    fn cohort_size(&self, g: i32) -> usize {
        let mut units: Vec<&str> =
            self.observations.iter().filter(|o| o.first_treated == Some(g)).map(|o| o.unit.as_str()).collect();
        units.sort_unstable();
        units.dedup();
        units.len()
    }
}

/// Draws one panel. Unit labels are `u00001`, … ; rows come unit by unit, year by year.
pub fn simulate(config: &SimConfig) -> Result<SimPanel, ImpactError> {
    let share: f64 = config.cohorts.iter().map(|c| c.1).sum();
    if config.n_units == 0 || config.n_years == 0 || config.n_years > 1000 || config.first_year.unsigned_abs() > 10_000
    {
        return Err(ImpactError::InvalidParameter(
            "the panel needs units and 1 to 1000 years from a plausible year".into(),
        ));
    }
    if !(0.0..=1.0).contains(&share) || config.cohorts.iter().any(|c| c.1 < 0.0) {
        return Err(ImpactError::InvalidParameter("cohort shares must be ≥ 0 and sum to ≤ 1".into()));
    }
    if !(0.0..1.0).contains(&config.rho.abs()) || !(0.0..1.0).contains(&config.missing_share) {
        return Err(ImpactError::InvalidParameter("need |rho| < 1 and 0 ≤ missing_share < 1".into()));
    }
    if !config.cluster_sd.is_finite() || config.cluster_sd < 0.0 || (config.cluster_adoption && config.clusters == 0) {
        return Err(ImpactError::InvalidParameter(
            "need a finite cluster_sd ≥ 0, and clusters for a per-cluster adoption".into(),
        ));
    }
    let mut rng = Rng::new(config.seed);
    let years: Vec<i32> = (0..config.n_years).map(|k| config.first_year + k as i32).collect();
    let year_effect: Vec<f64> =
        (0..config.n_years).map(|k| config.trend * k as f64 + config.year_sd * rng.normal()).collect();
    let mut observations = Vec::with_capacity(config.n_units * config.n_years);
    let mut true_effect = Vec::with_capacity(config.n_units * config.n_years);
    let stationary_sd = config.noise_sd / (1.0 - config.rho * config.rho).sqrt();
    let cluster_shock: Vec<f64> = if config.clusters > 0 && config.cluster_sd > 0.0 {
        let mut own = Rng::new(config.seed ^ CLUSTER_STREAM);
        (0..config.clusters * config.n_years).map(|_| config.cluster_sd * own.normal()).collect()
    } else {
        Vec::new()
    };
    let mut clusters = Vec::new();
    for i in 0..config.n_units {
        let cluster = (config.clusters > 0).then(|| i % config.clusters);
        let draw = match cluster {
            Some(k) if config.cluster_adoption => (k as f64 + 0.5) / config.clusters as f64,
            _ => rng.uniform(),
        };
        let cohort = cohort_of(&config.cohorts, draw);
        if let Some(k) = cluster {
            clusters.push((format!("u{i:06}"), format!("c{k:03}")));
        }
        let rank_shift = cohort.map_or(config.cohorts.len() as f64, |(r, _)| r as f64);
        let alpha = config.unit_sd * rng.normal() + config.selection * rank_shift;
        let mut noise = stationary_sd * rng.normal();
        for (k, year) in years.iter().enumerate() {
            if k > 0 {
                noise = config.rho * noise + config.noise_sd * rng.normal();
            }
            let tau = cohort.map_or(0.0, |(r, g)| config.effect_at(r, year - g));
            let missing = config.missing_share > 0.0 && rng.uniform() < config.missing_share;
            if missing {
                continue;
            }
            let shock = cluster.and_then(|c| cluster_shock.get(c * config.n_years + k)).copied().unwrap_or(0.0);
            observations.push(Observation {
                unit: format!("u{i:06}"),
                year: *year,
                outcome: alpha + year_effect[k] + shock + tau + noise,
                first_treated: cohort.map(|c| c.1),
            });
            true_effect.push(tau);
        }
    }
    Ok(SimPanel { observations, true_effect, clusters })
}

/// Seed offset of the cluster shocks' stream.
const CLUSTER_STREAM: u64 = 0xC105_7E45_0C4A_113D;

/// The cohort (rank, adoption year) whose cumulative share interval holds `draw`.
fn cohort_of(cohorts: &[(i32, f64)], draw: f64) -> Option<(usize, i32)> {
    let mut acc = 0.0;
    for (rank, (g, p)) in cohorts.iter().enumerate() {
        acc += p;
        if draw < acc {
            return Some((rank, *g));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_add_a_shared_shock_and_nothing_else() -> Result<(), ImpactError> {
        let plain = SimConfig { n_units: 40, ..SimConfig::default() };
        let base = simulate(&plain)?;
        assert!(base.clusters.is_empty());
        // Clusters without a shock: the same panel, bit for bit (own stream).
        let labelled = simulate(&SimConfig { clusters: 4, ..plain.clone() })?;
        assert_eq!(labelled.observations, base.observations);
        assert_eq!(labelled.clusters.len(), 40);
        assert_eq!(labelled.clusters[5], ("u000005".to_string(), "c001".to_string()));
        // With a shock: units of one cluster move together in each year.
        let shocked = simulate(&SimConfig { clusters: 4, cluster_sd: 0.7, ..plain.clone() })?;
        let diff =
            |i: usize, k: usize| shocked.observations[i * 10 + k].outcome - base.observations[i * 10 + k].outcome;
        for k in 0..10 {
            assert!((diff(1, k) - diff(5, k)).abs() < 1e-12, "same cluster, year {k}");
            assert!((diff(1, k) - diff(2, k)).abs() > 1e-9, "other cluster, year {k}");
        }
        Ok(())
    }

    #[test]
    fn adoption_per_cluster_is_stratified() -> Result<(), ImpactError> {
        let cfg = SimConfig {
            n_units: 80,
            clusters: 8,
            cluster_adoption: true,
            cohorts: vec![(2013, 0.25), (2015, 0.25), (2017, 0.25)],
            ..SimConfig::default()
        };
        let sim = simulate(&cfg)?;
        let adoption = |i: usize| sim.observations[i * 10].first_treated;
        // Two clusters per cohort, two never treated; every unit as its cluster.
        let by_cluster: Vec<Option<i32>> = (0..8).map(adoption).collect();
        assert_eq!(by_cluster, [Some(2013), Some(2013), Some(2015), Some(2015), Some(2017), Some(2017), None, None]);
        assert!((0..80).all(|i| adoption(i) == by_cluster[i % 8]));
        assert!(simulate(&SimConfig { clusters: 0, ..cfg.clone() }).is_err());
        assert!(simulate(&SimConfig { cluster_sd: f64::NAN, ..cfg }).is_err());
        Ok(())
    }
}
