//! The wild cluster restricted bootstrap with few clusters. Units are spread over `G`
//! clusters (8 and 10: Webb weights; 13: Rademacher), each cluster × year has a shock
//! common to its units (sd 0.5 against a unit noise of sd 1), and adoption is decided
//! per cluster (two to four clusters per cohort and never treated): the design where
//! clustering matters. Tested: `H0: β = τ` (the true effect, constant) at 5 %, by the
//! WCR interval, by the CR1 t test clustered by unit (which ignores the shock: it
//! over-rejects) and by the CR1 t test at the cluster level with a normal critical value.
//!
//! At 10 and 13 clusters the WCR's rejection rate is asserted in the band around 5 %.
//! At 8 clusters (two per cohort, two never treated) it is not: measured 6.3–6.9 %
//! (Webb draws or the 256 Rademacher vectors enumerated, with or without the shock),
//! just above the band of 2,000 replications — the WCR is known to be less reliable
//! with so few treated and control clusters (MacKinnon & Webb 2017). There it is
//! asserted under the cluster-level CR1 test's rate only.

use cohesion_core::impact::{
    EffectShape, Panel, WildOptions, WildWeights, Z_95, simulate, twfe, wild_cluster_bootstrap,
};

use super::{Rate, Verdict, design, plan};

fn run(clusters: usize, seed0: u64) -> [Rate; 3] {
    let plan = plan();
    let mut rates: [Rate; 3] = Default::default();
    let tau = 1.0;
    let mut weights = None;
    for r in 0..plan.replications {
        let seed = seed0 + r as u64;
        let mut cfg = design(&plan, EffectShape::Constant(tau), seed);
        cfg.clusters = clusters;
        cfg.cluster_sd = 0.5;
        cfg.cluster_adoption = true;
        let sim = simulate(&cfg).expect("simulate");
        let panel = Panel::from_observations(&sim.observations).expect("panel");
        let wild = wild_cluster_bootstrap(
            &panel,
            sim.clusters.iter().map(|(u, c)| (u, c)),
            &WildOptions { draws: 999, seed, weights: WildWeights::Auto },
        )
        .expect("wild bootstrap");
        weights = Some(wild.weights);
        let below = wild.ci_low.is_some_and(|low| tau < low);
        let above = wild.ci_high.is_some_and(|high| tau > high);
        rates[0].add(below || above);
        rates[1].add((wild.estimate - tau).abs() > Z_95 * wild.std_error);
        let by_unit = twfe(&panel).expect("twfe");
        rates[2].add(tau < by_unit.ci_low || tau > by_unit.ci_high);
    }
    eprintln!(
        "MC | wild cluster bootstrap, {clusters} clusters ({weights:?}, 999 draws) | rejects H0: β = τ at 5 %: WCR {:.3} \
         | CR1 by cluster, normal {:.3} | CR1 by unit {:.3} | n = {}",
        rates[0].rate(),
        rates[1].rate(),
        rates[2].rate(),
        rates[0].n()
    );
    rates
}

#[test]
fn the_wild_cluster_bootstrap_has_its_size_with_few_clusters_unit_clustering_does_not() {
    let mut v = Verdict::default();
    for (clusters, seed0) in [(8, 130_000), (10, 140_000), (13, 150_000)] {
        let [wcr, by_cluster, by_unit] = run(clusters, seed0);
        v.above(&by_unit, 0.05, &format!("CR1 by unit, {clusters} clusters"));
        if clusters >= 10 {
            v.near(&wcr, 0.05, &format!("WCR size, {clusters} clusters"));
        } else {
            // Two clusters per cohort: the WCR over-rejects a little (6.3–6.9 % measured
            // over 1,000–2,000 replications, whatever the weights or the shock), far
            // less than the CR1 tests.
            v.check(wcr.rate() < by_cluster.rate(), || {
                format!("{clusters} clusters: WCR {} not under CR1 {}", wcr.rate(), by_cluster.rate())
            });
        }
    }
    v.finish();
}
