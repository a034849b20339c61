//! The wild cluster bootstrap against a dense brute force (every sample re-estimated
//! with all its unit and year dummies), its invariances and its faults.

use super::super::linalg::{Cholesky, sandwich};
use super::super::{EffectShape, Observation, SimConfig, simulate, twfe};
use super::*;

fn sim(n_units: usize, seed: u64, missing: f64) -> Result<Panel, ImpactError> {
    let cfg = SimConfig {
        n_units,
        n_years: 6,
        cohorts: vec![(2012, 0.2), (2014, 0.2)],
        effect: EffectShape::Growing { base: 0.3, slope: 0.2 },
        cohort_heterogeneity: 0.3,
        missing_share: missing,
        seed,
        ..SimConfig::default()
    };
    Panel::from_observations(&simulate(&cfg)?.observations)
}

/// Unit `u` (in label order) in cluster `c{u mod g}`.
fn clusters(panel: &Panel, g: usize) -> Vec<(String, String)> {
    (0..panel.n_units()).map(|u| (panel.unit_label(u).to_owned(), format!("c{:02}", u % g))).collect()
}

fn rademacher(draws: usize) -> WildOptions {
    WildOptions { draws, seed: 7, weights: WildWeights::Rademacher }
}

/// The bootstrap the textbook way: dense regressors (treatment, one dummy per unit, one
/// per year but the first), weighted least squares, the restricted fit under `β = b0`,
/// and for every sign vector (cluster 0 varying fastest, as ours) the re-estimated
/// coefficient and its CR1 t statistic. Answers `(t, [t*])`.
fn brute_force(panel: &Panel, g_n: usize, b0: f64, ssc: f64) -> Option<(f64, Vec<f64>)> {
    let (n_units, t_n) = (panel.n_units(), panel.n_years());
    let k = 1 + n_units + t_n - 1;
    let (mut x, mut y, mut w, mut cl) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for u in 0..n_units {
        for t in 0..t_n {
            let Some(v) = panel.outcome(u, t) else { continue };
            let mut row = vec![0.0; k];
            row[0] = f64::from(u8::from(panel.is_treated(u, t)));
            row[1 + u] = 1.0;
            if t > 0 {
                row[n_units + t] = 1.0;
            }
            x.push(row);
            y.push(v);
            w.push(panel.unit_weight(u));
            cl.push(u % g_n);
        }
    }
    let wls = |cols: &[usize], y: &[f64]| -> Option<(Vec<f64>, Vec<f64>, Vec<f64>)> {
        let m = cols.len();
        let mut xtx = vec![0.0; m * m];
        let mut xty = vec![0.0; m];
        for ((row, yi), wi) in x.iter().zip(y).zip(&w) {
            for (a, ca) in cols.iter().enumerate() {
                xty[a] += wi * row[*ca] * yi;
                for (b, cb) in cols.iter().enumerate() {
                    xtx[a * m + b] += wi * row[*ca] * row[*cb];
                }
            }
        }
        let ch = Cholesky::new(&xtx, m)?;
        let mut beta = xty;
        ch.solve_in_place(&mut beta);
        let resid: Vec<f64> = x
            .iter()
            .zip(y)
            .map(|(row, yi)| yi - cols.iter().zip(&beta).map(|(c, b)| row[*c] * b).sum::<f64>())
            .collect();
        Some((beta, resid, ch.inverse()))
    };
    let all: Vec<usize> = (0..k).collect();
    let t_of = |y: &[f64]| -> Option<f64> {
        let (beta, e, bread) = wls(&all, y)?;
        let mut meat = vec![0.0; k * k];
        for g in 0..g_n {
            let mut s = vec![0.0; k];
            for (i, row) in x.iter().enumerate().filter(|(i, _)| cl[*i] == g) {
                row.iter().zip(s.iter_mut()).for_each(|(xv, sv)| *sv += w[i] * xv * e[i]);
            }
            for a in 0..k {
                for b in 0..k {
                    meat[a * k + b] += s[a] * s[b];
                }
            }
        }
        let v = sandwich(&bread, &meat, k);
        Some((beta[0] - b0) / (ssc * v[0]).sqrt())
    };
    let t = t_of(&y)?;
    let fe_cols: Vec<usize> = (1..k).collect();
    let shifted: Vec<f64> = y.iter().zip(&x).map(|(yi, row)| yi - b0 * row[0]).collect();
    let (_, u_r, _) = wls(&fe_cols, &shifted)?;
    let fitted: Vec<f64> = y.iter().zip(&u_r).map(|(yi, ui)| yi - ui).collect();
    let mut stars = Vec::new();
    for code in 0..1usize << g_n {
        let y_star: Vec<f64> = (0..y.len())
            .map(|i| {
                let v = if code >> cl[i] & 1 == 1 { 1.0 } else { -1.0 };
                fitted[i] + v * u_r[i]
            })
            .collect();
        stars.push(t_of(&y_star)?);
    }
    Some((t, stars))
}

fn check_against_brute_force(panel: &Panel, g_n: usize) -> Result<(), ImpactError> {
    let p = prepare(panel, clusters(panel, g_n), &rademacher(999))?;
    assert!(p.enumerated && p.dist.samples.len() == 1 << g_n);
    let scale = p.a / p.ssc.sqrt();
    for b0 in [0.0, p.estimate + 1.5 * p.std_error, -0.7] {
        let (t, stars) = brute_force(panel, g_n, b0, p.ssc).ok_or(ImpactError::NotIdentified("dense".into()))?;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-8 * (1.0 + b.abs());
        assert!(close(scale * p.dist.observed.scaled_t(b0), t), "t at {b0}");
        for (i, (s, r)) in p.dist.samples.iter().zip(&stars).enumerate() {
            assert!(close(scale * s.scaled_t(b0), *r), "sample {i} at {b0}: {} vs {r}", scale * s.scaled_t(b0));
        }
        // p-value: strict exceedances, the two exact ties (all +1, all −1) left out.
        let above = stars.iter().filter(|s| s.abs() > t.abs() * (1.0 + 1e-9)).count();
        assert_eq!(p.dist.p_value(b0), above as f64 / stars.len() as f64, "p at {b0}");
    }
    // The interval's bounds: the brute-force test accepts just inside, rejects just outside.
    let out = wild_cluster_bootstrap(panel, clusters(panel, g_n), &rademacher(999))?;
    let (Some(lo), Some(hi)) = (out.ci_low, out.ci_high) else { panic!("bounded interval expected") };
    assert!(lo < out.estimate && out.estimate < hi);
    let p_brute = |b0: f64| -> f64 {
        let (t, stars) = brute_force(panel, g_n, b0, p.ssc).unwrap_or_default();
        stars.iter().filter(|s| s.abs() > t.abs() * (1.0 + 1e-9)).count() as f64 / stars.len().max(1) as f64
    };
    let eps = 1e3 * out.ci_tolerance;
    for (bound, outward) in [(lo, -1.0), (hi, 1.0)] {
        assert!(p_brute(bound - outward * eps) >= 0.05, "inside {bound}");
        assert!(p_brute(bound + outward * eps) < 0.05, "outside {bound}");
    }
    Ok(())
}

#[test]
fn enumeration_equals_the_dense_brute_force() -> Result<(), ImpactError> {
    check_against_brute_force(&sim(16, 3, 0.0)?, 4)?;
    check_against_brute_force(&sim(21, 4, 0.1)?, 5)
}

#[test]
fn weighted_enumeration_equals_the_dense_brute_force() -> Result<(), ImpactError> {
    let w = |l: &str| Some(0.5 + l.bytes().map(f64::from).sum::<f64>() % 2.7);
    check_against_brute_force(&sim(18, 5, 0.08)?.with_unit_weights(w)?, 4)
}

#[test]
fn clusters_of_one_unit_give_twfe_unit_clustered_standard_error() -> Result<(), ImpactError> {
    let panel = sim(40, 6, 0.05)?;
    let by_unit: Vec<(String, String)> =
        (0..panel.n_units()).map(|u| (panel.unit_label(u).to_owned(), panel.unit_label(u).to_owned())).collect();
    let wild = wild_cluster_bootstrap(&panel, by_unit, &WildOptions::default())?;
    let base = twfe(&panel)?;
    assert!((wild.estimate - base.estimate).abs() <= 1e-12 * (1.0 + base.estimate.abs()));
    assert!((wild.std_error - base.std_error).abs() <= 1e-10 * base.std_error, "{} {}", wild.std_error, base.std_error);
    assert_eq!(
        (wild.n_clusters, wild.weights, wild.enumerated, wild.seed),
        (40, WildWeights::Rademacher, false, Some(1))
    );
    Ok(())
}

fn with_outcome(panel: &Panel, f: impl Fn(usize, usize, f64) -> f64) -> Result<Panel, ImpactError> {
    let mut rows = Vec::new();
    for u in 0..panel.n_units() {
        for (t, year) in panel.years().iter().enumerate() {
            if let Some(v) = panel.outcome(u, t) {
                rows.push(Observation {
                    unit: panel.unit_label(u).to_owned(),
                    year: *year,
                    outcome: f(u, t, v),
                    first_treated: panel.first_treated_raw(u),
                });
            }
        }
    }
    Panel::from_observations(&rows)
}

#[test]
fn invariant_to_fixed_effects_scale_and_cluster_names() -> Result<(), ImpactError> {
    let panel = sim(30, 8, 0.05)?;
    let opts = rademacher(999);
    let base = wild_cluster_bootstrap(&panel, clusters(&panel, 6), &opts)?;
    assert!(base.enumerated && base.draws == 64);
    let close = |a: Option<f64>, b: Option<f64>, scale: f64, tol: f64| match (a, b) {
        (Some(a), Some(b)) => (a - b * scale).abs() <= tol,
        _ => false,
    };
    // Unit and year effects added to the outcome are absorbed.
    let shifted = with_outcome(&panel, |u, t, v| v + 3.0 * u as f64 - 1.5 * t as f64 + 10.0)?;
    let s = wild_cluster_bootstrap(&shifted, clusters(&panel, 6), &opts)?;
    assert_eq!(s.p_value, base.p_value);
    assert!((s.estimate - base.estimate).abs() < 1e-10);
    assert!(close(s.ci_low, base.ci_low, 1.0, 1e-6) && close(s.ci_high, base.ci_high, 1.0, 1e-6));
    // Scaling the outcome scales the estimate, its SE and its interval, not the p-value.
    let scaled = with_outcome(&panel, |_, _, v| -4.0 * v)?;
    let s = wild_cluster_bootstrap(&scaled, clusters(&panel, 6), &opts)?;
    assert_eq!(s.p_value, base.p_value);
    assert!((s.std_error - 4.0 * base.std_error).abs() < 1e-10);
    assert!(close(s.ci_low, base.ci_high, -4.0, 1e-6) && close(s.ci_high, base.ci_low, -4.0, 1e-6));
    // Renaming clusters (another order) changes nothing under full enumeration.
    let renamed: Vec<(String, String)> =
        (0..panel.n_units()).map(|u| (panel.unit_label(u).to_owned(), format!("r{}", 9 - u % 6))).collect();
    let r = wild_cluster_bootstrap(&panel, renamed, &opts)?;
    assert_eq!(r.p_value, base.p_value);
    assert!(close(r.ci_low, base.ci_low, 1.0, 1e-6) && close(r.ci_high, base.ci_high, 1.0, 1e-6));
    // Testing β = b0 on y is testing β = 0 on y − b0·D.
    let b0 = base.estimate * 0.5;
    let moved = with_outcome(&panel, |u, t, v| if panel.is_treated(u, t) { v - b0 } else { v })?;
    let m = wild_cluster_bootstrap(&moved, clusters(&panel, 6), &opts)?;
    let p = prepare(&panel, clusters(&panel, 6), &opts)?;
    assert_eq!(m.p_value, p.dist.p_value(b0));
    Ok(())
}

#[test]
fn an_integer_weight_equals_copies_of_the_unit_in_its_cluster() -> Result<(), ImpactError> {
    let panel = sim(24, 9, 0.0)?;
    let weight = |l: &str| (l.bytes().map(u64::from).sum::<u64>() % 3 + 1) as f64;
    let weighted = panel.clone().with_unit_weights(|l| Some(weight(l)))?;
    let cl = clusters(&panel, 5);
    let mut rows = Vec::new();
    let mut copied_clusters = Vec::new();
    for (u, (label, cluster)) in cl.iter().enumerate() {
        for copy in 0..weight(label) as usize {
            let name = format!("{label}#{copy}");
            copied_clusters.push((name.clone(), cluster.clone()));
            for (t, year) in panel.years().iter().enumerate() {
                if let Some(outcome) = panel.outcome(u, t) {
                    let first_treated = panel.first_treated_raw(u);
                    rows.push(Observation { unit: name.clone(), year: *year, outcome, first_treated });
                }
            }
        }
    }
    let copied = Panel::from_observations(&rows)?;
    let a = wild_cluster_bootstrap(&weighted, cl, &rademacher(999))?;
    let b = wild_cluster_bootstrap(&copied, copied_clusters, &rademacher(999))?;
    assert!((a.estimate - b.estimate).abs() < 1e-10);
    // Only CR1's (N−1)/(N−K) differs (N counts rows); it cancels in the p-value and interval.
    assert_eq!(a.p_value, b.p_value);
    let close = |x: Option<f64>, y: Option<f64>| x.zip(y).is_some_and(|(x, y)| (x - y).abs() < 1e-6);
    assert!(close(a.ci_low, b.ci_low) && close(a.ci_high, b.ci_high));
    let (n_a, n_b, k) = (a.n_obs as f64, b.n_obs as f64, 1.0 + panel.n_years() as f64);
    let ratio = ((n_a - 1.0) / (n_a - k) / ((n_b - 1.0) / (n_b - k))).sqrt();
    assert!((a.std_error / b.std_error - ratio).abs() < 1e-10);
    Ok(())
}

#[test]
fn weights_choice_seed_and_monte_carlo_agreement() -> Result<(), ImpactError> {
    let panel = sim(60, 10, 0.0)?;
    // Auto: Webb up to 12 clusters, enumerated when 6^G fits in the draws.
    let auto = |g: usize, draws: usize| {
        wild_cluster_bootstrap(&panel, clusters(&panel, g), &WildOptions { draws, seed: 3, weights: WildWeights::Auto })
    };
    let w3 = auto(3, 999)?;
    assert_eq!((w3.weights, w3.enumerated, w3.draws, w3.seed), (WildWeights::Webb, true, 216, None));
    let w10 = auto(10, 999)?;
    assert_eq!((w10.weights, w10.enumerated, w10.draws, w10.seed), (WildWeights::Webb, false, 999, Some(3)));
    assert_eq!(auto(10, 999)?, w10, "seeded: the same draws again");
    let r13 = auto(13, 999)?;
    assert_eq!((r13.weights, r13.enumerated), (WildWeights::Rademacher, false));
    // Random Rademacher draws agree with the enumeration within Monte Carlo error, at
    // null values where the p-value is neither 0 nor 1.
    let exact = prepare(&panel, clusters(&panel, 15), &rademacher(1 << 15))?;
    assert!(exact.enumerated);
    let drawn = prepare(&panel, clusters(&panel, 15), &rademacher(20_000))?;
    assert!(!drawn.enumerated && drawn.dist.samples.len() == 20_000);
    for k in [-2.5, -1.0, 1.5] {
        let b0 = exact.estimate + k * exact.std_error;
        let (pe, pd) = (exact.dist.p_value(b0), drawn.dist.p_value(b0));
        assert!(pe > 0.0 && pe < 1.0, "{pe}");
        let mc = (pe * (1.0 - pe) / 20_000.0).sqrt();
        assert!((pd - pe).abs() < 5.0 * mc, "at {k} se: {pd} vs {pe}");
    }
    Ok(())
}

#[test]
fn faults_are_typed() -> Result<(), ImpactError> {
    let panel = sim(12, 11, 0.0)?;
    let opts = WildOptions::default();
    let one: Vec<(String, String)> = clusters(&panel, 1);
    assert_eq!(wild_cluster_bootstrap(&panel, one, &opts), Err(ImpactError::TooFewClusters { clusters: 1 }));
    let mut missing = clusters(&panel, 3);
    let gone = missing.remove(4).0;
    assert_eq!(wild_cluster_bootstrap(&panel, missing, &opts), Err(ImpactError::MissingCluster { unit: gone }));
    let mut twice = clusters(&panel, 3);
    let (unit, first) = twice[2].clone();
    twice.push((unit.clone(), "elsewhere".into()));
    let err = wild_cluster_bootstrap(&panel, twice, &opts);
    assert_eq!(err, Err(ImpactError::ConflictingCluster { unit, first, second: "elsewhere".into() }));
    // Repeating the same pair, or naming units absent from the panel, is fine.
    let mut repeated = clusters(&panel, 3);
    repeated.push(repeated[0].clone());
    repeated.push(("not-a-unit".into(), "c99".into()));
    assert_eq!(wild_cluster_bootstrap(&panel, repeated, &opts)?.n_clusters, 3);
    for draws in [0, MAX_WILD_DRAWS + 1] {
        let bad = WildOptions { draws, ..opts };
        assert!(matches!(
            wild_cluster_bootstrap(&panel, clusters(&panel, 3), &bad),
            Err(ImpactError::InvalidParameter(_))
        ));
    }
    // No treated observation: no treated cluster.
    let untreated = with_outcome(&panel, |_, _, v| v)?
        .restrict_units(|l| (0..panel.n_units()).any(|u| panel.unit_label(u) == l && panel.adoption(u).is_none()))?;
    assert!(matches!(
        wild_cluster_bootstrap(&untreated, clusters(&untreated, 3), &opts),
        Err(ImpactError::NoTreatedUnits(_))
    ));
    // Everybody treated in the same year: the dummy is a year effect.
    let rows: Vec<Observation> = (0..6)
        .flat_map(|u| {
            (2010..2014).map(move |y| Observation {
                unit: format!("u{u}"),
                year: y,
                outcome: f64::from(u * y % 7),
                first_treated: Some(2012),
            })
        })
        .collect();
    let same = Panel::from_observations(&rows)?;
    assert!(matches!(wild_cluster_bootstrap(&same, clusters(&same, 3), &opts), Err(ImpactError::NotIdentified(_))));
    // An exact fit leaves nothing to bootstrap.
    let exact = with_outcome(&panel, |u, t, _| u as f64 + t as f64)?;
    assert!(matches!(wild_cluster_bootstrap(&exact, clusters(&exact, 3), &opts), Err(ImpactError::NotIdentified(_))));
    Ok(())
}
