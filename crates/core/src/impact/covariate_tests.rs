//! Callaway & Sant'Anna with covariates (doubly robust): what it must do on panels
//! whose truth is known, and how it refuses what it cannot estimate. The agreement
//! with csdid itself is checked by `bench/impact/covariates.sh`.

use super::rng::Rng;
use super::*;

const YEARS: std::ops::RangeInclusive<i32> = 2010..=2019;

/// A balanced panel of `n` units with one covariate `x ~ N(0,1)`: adoption (cohorts
/// 2014–2016) is more likely for large `x` when `select`, and each unit's trend is
/// `trend · x` per year. True effect 1 from adoption on. Also a covariate `z`
/// independent of everything.
fn selected(n: usize, select: bool, trend: f64, seed: u64) -> (Vec<Observation>, Vec<(String, Vec<f64>)>) {
    let mut rng = Rng::new(seed);
    let mut rows = Vec::new();
    let mut covs = Vec::new();
    for i in 0..n {
        let x = rng.normal();
        let z = rng.normal();
        let index = if select { -0.5 + 1.2 * x } else { -0.5 };
        let treated = rng.uniform() < 1.0 / (1.0 + (-index).exp());
        let g = treated.then(|| 2014 + rng.below(3) as i32);
        let alpha = rng.normal();
        let unit = format!("u{i:05}");
        for year in YEARS {
            let effect = if g.is_some_and(|g| year >= g) { 1.0 } else { 0.0 };
            let y =
                alpha + 0.1 * f64::from(year - 2010) + trend * x * f64::from(year - 2010) + effect + 0.5 * rng.normal();
            rows.push(Observation { unit: unit.clone(), year, outcome: y, first_treated: g });
        }
        covs.push((unit, vec![x, z]));
    }
    (rows, covs)
}

fn with_covariates(rows: &[Observation], covs: &[(String, Vec<f64>)], names: &[&str]) -> Result<Panel, ImpactError> {
    let columns: Vec<usize> = names.iter().map(|n| if *n == "x" { 0 } else { 1 }).collect();
    Panel::from_observations(rows)?.with_unit_covariates(names, |u| {
        covs.iter().find(|(l, _)| l == u).map(|(_, v)| columns.iter().map(|c| v[*c]).collect())
    })
}

fn cs(control: ControlGroup) -> CsOptions {
    CsOptions { control, ..CsOptions::default() }
}

#[test]
fn irrelevant_covariates_change_little() -> Result<(), ImpactError> {
    let (rows, covs) = selected(1500, false, 0.0, 3);
    let plain = Panel::from_observations(&rows)?;
    let with_z = with_covariates(&rows, &covs, &["z"])?;
    for control in [ControlGroup::Never, ControlGroup::NotYet] {
        let a = callaway_santanna(&plain, &cs(control))?;
        let b = callaway_santanna(&with_z, &cs(control))?;
        assert!((a.estimate - b.estimate).abs() < 0.2 * a.std_error, "{} vs {}", a.estimate, b.estimate);
        assert!((a.std_error / b.std_error - 1.0).abs() < 0.05);
        assert_eq!(a.event_time.len(), b.event_time.len());
        assert!(b.notes.iter().any(|n| n.contains("doubly robust")));
    }
    Ok(())
}

#[test]
fn selection_on_a_covariate_biases_the_unconditional_estimate_and_not_the_doubly_robust_one() -> Result<(), ImpactError>
{
    let (rows, covs) = selected(4000, true, 0.15, 11);
    let plain = Panel::from_observations(&rows)?;
    let with_x = with_covariates(&rows, &covs, &["x", "z"])?;
    for control in [ControlGroup::Never, ControlGroup::NotYet] {
        let naive = callaway_santanna(&plain, &cs(control))?;
        assert!((naive.estimate - 1.0) / naive.std_error > 6.0, "naive {} ({})", naive.estimate, naive.std_error);
        for method in [CovariateMethod::DoublyRobust, CovariateMethod::Regression, CovariateMethod::Ipw] {
            let adjusted = callaway_santanna_with(&with_x, &cs(control), method)?;
            let z = (adjusted.estimate - 1.0) / adjusted.std_error;
            assert!(z.abs() < 3.0, "{method:?} {control:?}: {} ({})", adjusted.estimate, adjusted.std_error);
            // The placebo leads are clean once the trend is accounted for.
            let lead = adjusted.event_time.iter().find(|e| e.event_time == -2).map_or(f64::NAN, |e| e.estimate);
            assert!(lead.abs() < 0.1, "{method:?}: lead {lead}");
        }
    }
    Ok(())
}

#[test]
fn estimates_do_not_depend_on_row_order() -> Result<(), ImpactError> {
    let (mut rows, covs) = selected(600, true, 0.1, 5);
    let weight = |u: &str| Some(1.0 + (u.len() + u.bytes().map(usize::from).sum::<usize>()) as f64 % 3.0);
    let a = with_covariates(&rows, &covs, &["x", "z"])?.with_unit_weights(weight)?;
    Rng::new(9).shuffle(&mut rows);
    let mut shuffled_covs = covs.clone();
    shuffled_covs.reverse();
    let b = with_covariates(&rows, &shuffled_covs, &["x", "z"])?.with_unit_weights(weight)?;
    for control in [ControlGroup::Never, ControlGroup::NotYet] {
        let opts = CsOptions { control, bootstrap: Some(BootstrapOptions { draws: 199, seed: 4 }), anticipation: 0 };
        let (ea, eb) = (callaway_santanna(&a, &opts)?, callaway_santanna(&b, &opts)?);
        assert_eq!(ea, eb);
        assert!(ea.uniform_band.is_some() && ea.pretrend.is_some());
    }
    Ok(())
}

#[test]
fn the_panel_refuses_bad_covariates_naming_the_unit() -> Result<(), ImpactError> {
    let (rows, covs) = selected(50, false, 0.0, 1);
    let panel = Panel::from_observations(&rows)?;
    let nan = panel.clone().with_unit_covariates(&["x"], |u| Some(vec![if u == "u00007" { f64::NAN } else { 1.0 }]));
    assert!(
        matches!(nan, Err(ImpactError::InvalidCovariate { unit, covariate, .. }) if unit == "u00007" && covariate == "x")
    );
    let missing = panel.clone().with_unit_covariates(&["x"], |u| (u != "u00003").then(|| vec![1.0]));
    assert!(matches!(missing, Err(ImpactError::InvalidCovariate { unit, .. }) if unit == "u00003"));
    let short = panel.clone().with_unit_covariates(&["x", "z"], |_| Some(vec![1.0]));
    assert!(matches!(short, Err(ImpactError::CovariateCount { expected: 2, found: 1, .. })));
    assert!(panel.clone().with_unit_covariates(&[], |_| Some(vec![])).is_err());
    assert!(panel.clone().with_unit_covariates(&["x", "x"], |_| Some(vec![1.0, 1.0])).is_err());
    // Kept through restriction and reassignment; refused by the estimators without a
    // covariate-adjusted version.
    let with_x = with_covariates(&rows, &covs, &["x"])?;
    let kept = with_x.restrict_units(|u| u != "u00000")?;
    assert_eq!(kept.covariate_names(), ["x".to_owned()]);
    assert_eq!(kept.unit_covariates(0), with_x.unit_covariates(1));
    let plan: Vec<Option<Option<i32>>> = (0..with_x.n_units()).map(|u| Some(with_x.first_treated_raw(u))).collect();
    assert_eq!(with_x.reassign(&plan, |_, _| true)?.unit_covariates(3), with_x.unit_covariates(3));
    assert!(matches!(twfe(&with_x), Err(ImpactError::InvalidParameter(_))));
    assert!(matches!(imputation(&with_x, &ImputationOptions::default()), Err(ImpactError::InvalidParameter(_))));
    assert!(matches!(sun_abraham(&with_x), Err(ImpactError::InvalidParameter(_))));
    Ok(())
}

#[test]
fn collinear_separating_or_too_many_covariates_are_typed_errors() -> Result<(), ImpactError> {
    let (rows, covs) = selected(300, true, 0.1, 2);
    let panel = Panel::from_observations(&rows)?;
    let x_of = |u: &str| covs.iter().find(|(l, _)| l == u).map_or(0.0, |(_, v)| v[0]);
    let doubled = panel.clone().with_unit_covariates(&["x", "two_x"], |u| Some(vec![x_of(u), 2.0 * x_of(u)]))?;
    let err = callaway_santanna(&doubled, &cs(ControlGroup::Never)).err();
    assert!(matches!(err, Some(ImpactError::CollinearCovariates { .. })), "{err:?}");
    let constant = panel.clone().with_unit_covariates(&["one"], |_| Some(vec![3.0]))?;
    assert!(matches!(
        callaway_santanna(&constant, &cs(ControlGroup::Never)),
        Err(ImpactError::CollinearCovariates { .. })
    ));
    // A covariate equal to 1 exactly for the treated separates them: no overlap.
    let separating = panel.clone().with_unit_covariates(&["treated"], |u| {
        let ever = rows.iter().find(|r| r.unit == u).and_then(|r| r.first_treated).is_some();
        Some(vec![if ever { 1.0 } else { 0.0 }])
    })?;
    let err = callaway_santanna(&separating, &cs(ControlGroup::Never)).err();
    assert!(matches!(err, Some(ImpactError::OverlapViolated { max_score, .. }) if max_score >= 0.999), "{err:?}");
    // Two never-treated units cannot carry a regression on an intercept and two covariates.
    let mut never: Vec<&str> = rows.iter().filter(|r| r.first_treated.is_none()).map(|r| r.unit.as_str()).collect();
    never.dedup();
    never.truncate(2);
    let few: Vec<Observation> =
        rows.iter().filter(|r| r.first_treated.is_some() || never.contains(&r.unit.as_str())).cloned().collect();
    let small = with_covariates(&few, &covs, &["x", "z"])?;
    let err = callaway_santanna(&small, &cs(ControlGroup::Never)).err();
    assert!(matches!(err, Some(ImpactError::TooFewUnits { needed: 3, .. })), "{err:?}");
    for e in [err, callaway_santanna(&doubled, &cs(ControlGroup::NotYet)).err()].into_iter().flatten() {
        assert!(e.to_string().starts_with("cohort 20"), "{e}");
    }
    Ok(())
}

#[test]
fn a_cell_whose_adjustment_fails_is_left_out_and_said() -> Result<(), ImpactError> {
    let (rows, covs) = selected(1500, false, 0.0, 5);
    let cohort: std::collections::HashMap<&str, Option<i32>> =
        rows.iter().map(|r| (r.unit.as_str(), r.first_treated)).collect();
    let x: std::collections::HashMap<&str, f64> = covs.iter().map(|(u, v)| (u.as_str(), v[0])).collect();
    // The 2014 cohort lies far beyond every other unit on the covariate: its cells have
    // no overlap, the others do.
    let shifted = Panel::from_observations(&rows)?.with_unit_covariates(&["x"], |u| {
        let shift = if cohort.get(u).copied().flatten() == Some(2014) { 50.0 } else { 0.0 };
        x.get(u).map(|v| vec![v + shift])
    })?;
    let r = callaway_santanna(&shifted, &cs(ControlGroup::Never))?;
    let cohorts: Vec<i32> = r.by_cohort.iter().map(|c| c.cohort).collect();
    assert_eq!(cohorts, vec![2015, 2016], "the 2014 cohort's cells are left out");
    assert!(r.notes.iter().any(|n| n.contains("left out: their covariate adjustment could not be")), "{:?}", r.notes);
    assert!(r.notes_fr.iter().any(|n| n.contains("l’ajustement sur les covariables n’a pas pu y être estimé")));
    assert!((r.estimate - 1.0).abs() < 4.0 * r.std_error, "{} ± {}", r.estimate, r.std_error);
    // When every post-adoption cell fails, the first one's reason is the refusal.
    let all_far = Panel::from_observations(&rows)?.with_unit_covariates(&["x"], |u| {
        let shift = if cohort.get(u).copied().flatten().is_some() { 50.0 } else { 0.0 };
        x.get(u).map(|v| vec![v + shift])
    })?;
    let err = callaway_santanna(&all_far, &cs(ControlGroup::Never)).err();
    assert!(
        matches!(err, Some(ImpactError::OverlapViolated { .. } | ImpactError::PropensityNotConverged { .. })),
        "{err:?}"
    );
    Ok(())
}
