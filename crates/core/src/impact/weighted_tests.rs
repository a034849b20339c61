//! The weighted estimators against their two anchors: weights of 1 give the unweighted
//! numbers bit for bit, and an integer weight `k` gives the point estimates of the
//! panel where the unit is copied `k` times.
//!
//! Standard errors differ from the copied panel's, on purpose: `k` copies are `k`
//! independent clusters (variance contribution `k·s²` for a unit score `s`), whereas a
//! unit of weight `k` is one cluster whose score is multiplied by `k` (contribution
//! `k²·s²`). Weights are treated as fixed, as pyfixest, csdid and did_imputation do.

use super::*;

fn sim(seed: u64) -> Result<Panel, ImpactError> {
    let cfg = SimConfig {
        n_units: 60,
        n_years: 7,
        cohorts: vec![(2012, 0.25), (2014, 0.25)],
        effect: EffectShape::Growing { base: 1.0, slope: 0.5 },
        cohort_heterogeneity: 0.5,
        missing_share: 0.05,
        seed,
        ..SimConfig::default()
    };
    Panel::from_observations(&simulate(&cfg)?.observations)
}

/// A deterministic integer weight in 1..=3 per unit.
fn weight_of(label: &str) -> f64 {
    (label.bytes().map(u64::from).sum::<u64>() % 3 + 1) as f64
}

fn estimators(panel: &Panel) -> Result<Vec<ImpactEstimate>, ImpactError> {
    let cs = |control| CsOptions { control, anticipation: 0, bootstrap: None };
    Ok(vec![
        twfe(panel)?,
        callaway_santanna(panel, &cs(ControlGroup::Never))?,
        callaway_santanna(panel, &cs(ControlGroup::NotYet))?,
        imputation(panel, &ImputationOptions::default())?,
    ])
}

#[test]
fn weights_of_one_give_the_unweighted_numbers_bit_for_bit() -> Result<(), ImpactError> {
    let panel = sim(11)?;
    let ones = panel.clone().with_unit_weights(|_| Some(1.0))?;
    for (a, b) in estimators(&panel)?.iter().zip(&estimators(&ones)?) {
        assert_eq!(a.estimate.to_bits(), b.estimate.to_bits(), "{:?}", a.method);
        assert_eq!(a.std_error.to_bits(), b.std_error.to_bits(), "{:?}", a.method);
        assert_eq!(a.event_time.len(), b.event_time.len());
        for (x, y) in a.event_time.iter().zip(&b.event_time) {
            assert_eq!(x.estimate.to_bits(), y.estimate.to_bits());
            assert_eq!(x.std_error.to_bits(), y.std_error.to_bits());
        }
    }
    Ok(())
}

#[test]
fn an_integer_weight_equals_copies_of_the_unit_in_the_point_estimates() -> Result<(), ImpactError> {
    let panel = sim(12)?;
    let weighted = panel.clone().with_unit_weights(|l| Some(weight_of(l)))?;
    let mut rows = Vec::new();
    for u in 0..panel.n_units() {
        let label = panel.unit_label(u);
        for copy in 0..weight_of(label) as usize {
            for (t, year) in panel.years().iter().enumerate() {
                if let Some(outcome) = panel.outcome(u, t) {
                    rows.push(Observation {
                        unit: format!("{label}#{copy}"),
                        year: *year,
                        outcome,
                        first_treated: panel.first_treated_raw(u),
                    });
                }
            }
        }
    }
    let copied = Panel::from_observations(&rows)?;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-10 * (1.0 + b.abs());
    let (w, c) = (estimators(&weighted)?, estimators(&copied)?);
    for (a, b) in w.iter().zip(&c) {
        assert!(close(a.estimate, b.estimate), "{:?}: {} vs {}", a.method, a.estimate, b.estimate);
        assert!(a.std_error.is_finite() && a.std_error > 0.0);
        assert_eq!(a.event_time.len(), b.event_time.len(), "{:?}", a.method);
        for (x, y) in a.event_time.iter().zip(&b.event_time) {
            assert!(
                close(x.estimate, y.estimate),
                "{:?} e={}: {} vs {}",
                a.method,
                x.event_time,
                x.estimate,
                y.estimate
            );
        }
    }
    // The weights matter: the weighted estimates are not the unweighted ones.
    let plain = estimators(&panel)?;
    assert!(w.iter().zip(&plain).all(|(a, b)| (a.estimate - b.estimate).abs() > 1e-9));
    Ok(())
}

#[test]
fn weights_survive_restriction_and_scaling_does_not_matter() -> Result<(), ImpactError> {
    let panel = sim(13)?;
    let w = panel.clone().with_unit_weights(|l| Some(weight_of(l)))?;
    let scaled = panel.with_unit_weights(|l| Some(weight_of(l) * 7.5))?;
    for (a, b) in estimators(&w)?.iter().zip(&estimators(&scaled)?) {
        assert!((a.estimate - b.estimate).abs() <= 1e-10 * (1.0 + b.estimate.abs()), "{:?}", a.method);
        assert!((a.std_error - b.std_error).abs() <= 1e-9 * b.std_error, "{:?}", a.method);
    }
    let kept = w.restrict_units(|l| !l.ends_with('7'))?;
    assert!(kept.is_weighted());
    assert!((0..kept.n_units()).all(|u| kept.unit_weight(u) == weight_of(kept.unit_label(u))));
    assert!(matches!(sun_abraham(&w), Err(ImpactError::InvalidParameter(_))));
    Ok(())
}
