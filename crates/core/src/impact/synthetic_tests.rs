use super::*;

fn unit(id: &str, values: &[f64]) -> UnitSeries {
    UnitSeries { id: id.into(), values: values.iter().map(|v| Some(*v)).collect() }
}

const YEARS: [i32; 8] = [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021];

/// Three donors with distinct shapes, the treated unit exactly 0.5·a + 0.3·b + 0.2·c.
fn convex_case(effect: f64) -> (UnitSeries, Vec<UnitSeries>) {
    let a = [100.0, 104.0, 103.0, 110.0, 115.0, 113.0, 118.0, 121.0];
    let b = [80.0, 78.0, 85.0, 83.0, 79.0, 90.0, 92.0, 88.0];
    let c = [120.0, 125.0, 118.0, 130.0, 128.0, 135.0, 131.0, 140.0];
    let d = [60.0, 61.0, 62.0, 63.0, 64.0, 65.0, 66.0, 67.0];
    let treated: Vec<f64> =
        (0..8).map(|t| 0.5 * a[t] + 0.3 * b[t] + 0.2 * c[t] + if YEARS[t] >= 2019 { effect } else { 0.0 }).collect();
    (unit("t", &treated), vec![unit("a", &a), unit("b", &b), unit("c", &c), unit("d", &d)])
}

fn exact() -> SyntheticOptions {
    SyntheticOptions { penalty: 0.0, max_iterations: 100_000, tolerance: 1e-22, ..SyntheticOptions::default() }
}

#[test]
fn a_convex_combination_gets_its_weights_and_no_gap() {
    let (treated, donors) = convex_case(0.0);
    let sc = synthetic_control(&YEARS, &treated, 2019, &donors, &exact()).expect("fit");
    let w = |id: &str| sc.weights.iter().find(|w| w.id == id).map_or(0.0, |w| w.weight);
    assert!((w("a") - 0.5).abs() < 1e-6, "{:?}", sc.weights);
    assert!((w("b") - 0.3).abs() < 1e-6, "{:?}", sc.weights);
    assert!((w("c") - 0.2).abs() < 1e-6, "{:?}", sc.weights);
    assert!(w("d") < 1e-6, "{:?}", sc.weights);
    assert!(sc.pre_rmspe < 1e-6, "{}", sc.pre_rmspe);
    for p in &sc.points {
        assert!(p.gap.expect("gap").abs() < 1e-4, "{p:?}");
    }
    assert_eq!(sc.pre_years, 5);
    assert_eq!(sc.donors, 4);
}

#[test]
fn an_effect_after_adoption_shows_as_the_gap() {
    let (treated, donors) = convex_case(7.0);
    let sc = synthetic_control(&YEARS, &treated, 2019, &donors, &exact()).expect("fit");
    for p in &sc.points {
        let gap = p.gap.expect("gap");
        let want = if p.post { 7.0 } else { 0.0 };
        assert!((gap - want).abs() < 1e-4, "{p:?}");
    }
    assert!((sc.post_rmspe.expect("post") - 7.0).abs() < 1e-4);
}

#[test]
fn weights_stay_on_the_simplex() {
    // A treated unit outside the donors' hull: the fit is the nearest point of the hull.
    let donors =
        vec![unit("a", &[1.0, 2.0, 3.0, 4.0]), unit("b", &[2.0, 2.0, 2.0, 2.0]), unit("c", &[0.0, 1.0, 0.0, 1.0])];
    let treated = unit("t", &[10.0, 12.0, 14.0, 16.0]);
    for penalty in [0.0, 0.01, 1.0] {
        let o = SyntheticOptions { penalty, placebo: false, ..SyntheticOptions::default() };
        let sc = synthetic_control(&[1, 2, 3, 4], &treated, 4, &donors, &o).expect("fit");
        let total: f64 = sc.weights.iter().map(|w| w.weight).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        assert!(sc.weights.iter().all(|w| w.weight >= 0.0));
        // The largest donor takes everything.
        assert_eq!(sc.weights.first().map(|w| w.id.as_str()), Some("a"));
    }
    // Raw weights too, for any data (a unit equal to a donor, donors all equal).
    for x0 in [vec![vec![1.0, 2.0], vec![1.0, 2.0], vec![3.0, 1.0]], vec![vec![0.0, 0.0], vec![5.0, -3.0]]] {
        let w = simplex_least_squares(&[1.0, 2.0], &x0, 0.0, 10_000, 1e-14);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{w:?}");
        assert!(w.iter().all(|x| *x >= 0.0), "{w:?}");
    }
}

#[test]
fn the_penalty_prefers_the_nearest_of_equally_good_fits() {
    // Two pre-years: t = b exactly, and also = (a + c) / 2.
    let donors =
        vec![unit("a", &[90.0, 95.0, 100.0]), unit("b", &[100.0, 100.0, 100.0]), unit("c", &[110.0, 105.0, 100.0])];
    let treated = unit("t", &[100.0, 100.0, 101.0]);
    let o = SyntheticOptions { penalty: 0.01, placebo: false, ..SyntheticOptions::default() };
    let sc = synthetic_control(&[1, 2, 3], &treated, 3, &donors, &o).expect("fit");
    assert_eq!(sc.weights.len(), 1, "{:?}", sc.weights);
    assert_eq!(sc.weights[0].id, "b");
}

#[test]
fn the_placebo_rank_is_a_permutation_p_value() {
    // Twenty donors moving in parallel with noise; the treated unit jumps by far more.
    let years: Vec<i32> = (2010..2020).collect();
    let mut state = 7u64;
    let mut noise = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    let donors: Vec<UnitSeries> = (0..19)
        .map(|i| {
            let v: Vec<f64> = years.iter().map(|y| 100.0 + i as f64 * 3.0 + f64::from(y - 2010) + noise()).collect();
            unit(&format!("d{i}"), &v)
        })
        .collect();
    let treated: Vec<f64> =
        years.iter().map(|y| 127.0 + f64::from(y - 2010) + noise() + if *y >= 2016 { 20.0 } else { 0.0 }).collect();
    let sc = synthetic_control(&years, &unit("t", &treated), 2016, &donors, &SyntheticOptions::default()).expect("fit");
    let p = sc.placebo.expect("placebo");
    assert_eq!(p.placebos, 19);
    assert_eq!(p.rank, 1, "{:?} vs {:?}", sc.ratio, p.ratios);
    assert!((p.p_value - 0.05).abs() < 1e-12);
    // Without an effect, the treated unit is not extreme.
    let calm: Vec<f64> = years.iter().map(|y| 127.0 + f64::from(y - 2010) + noise()).collect();
    let sc = synthetic_control(&years, &unit("t", &calm), 2016, &donors, &SyntheticOptions::default()).expect("fit");
    assert!(sc.placebo.expect("placebo").p_value > 0.05);
}

#[test]
fn what_the_data_cannot_say_is_a_typed_fault() {
    let (treated, donors) = convex_case(0.0);
    let o = SyntheticOptions::default();
    assert_eq!(
        synthetic_control(&YEARS, &treated, 2014, &donors, &o),
        Err(SyntheticFault::NoPreYear { adoption_year: 2014 })
    );
    assert_eq!(
        synthetic_control(&YEARS, &treated, 2015, &donors, &o),
        Err(SyntheticFault::TooFewPreYears { adoption_year: 2015, observed: 1, needed: 2 })
    );
    assert_eq!(
        synthetic_control(&YEARS, &treated, 2030, &donors, &o),
        Err(SyntheticFault::NoPostYear { adoption_year: 2030 })
    );
    assert_eq!(synthetic_control(&YEARS, &treated, 2019, &[], &o), Err(SyntheticFault::NoDonors));
    // A donor missing a pre-year is left out; none left is no donor.
    let holed = UnitSeries { id: "h".into(), values: vec![None; 8] };
    assert_eq!(
        synthetic_control(&YEARS, &treated, 2019, std::slice::from_ref(&holed), &o),
        Err(SyntheticFault::NoDonors)
    );
    let mut with_hole = donors.clone();
    with_hole.push(holed);
    let sc = synthetic_control(&YEARS, &treated, 2019, &with_hole, &o).expect("fit");
    assert_eq!(sc.donors_left_out, 1);
    // Malformed input.
    assert_eq!(synthetic_control(&[2, 1], &treated, 2019, &donors, &o), Err(SyntheticFault::YearsNotSorted));
    let short = unit("s", &[1.0]);
    assert!(matches!(synthetic_control(&YEARS, &short, 2019, &donors, &o), Err(SyntheticFault::LengthMismatch { .. })));
    let mut nan = treated.clone();
    nan.values[3] = Some(f64::NAN);
    assert!(matches!(synthetic_control(&YEARS, &nan, 2019, &donors, &o), Err(SyntheticFault::NonFinite { .. })));
    let bad = SyntheticOptions { penalty: -1.0, ..o };
    assert!(matches!(
        synthetic_control(&YEARS, &treated, 2019, &donors, &bad),
        Err(SyntheticFault::InvalidOption { .. })
    ));
}

#[test]
fn one_donor_has_all_the_weight_and_no_placebo() {
    let (treated, donors) = convex_case(0.0);
    let sc = synthetic_control(&YEARS, &treated, 2019, &donors[..1], &SyntheticOptions::default()).expect("fit");
    assert_eq!(sc.weights.len(), 1);
    assert!((sc.weights[0].weight - 1.0).abs() < 1e-12);
    assert!(sc.placebo.is_none());
}

#[test]
fn a_treated_unit_with_missing_years_uses_those_it_has() {
    let (mut treated, donors) = convex_case(0.0);
    treated.values[0] = None;
    treated.values[7] = None;
    let sc = synthetic_control(&YEARS, &treated, 2019, &donors, &exact()).expect("fit");
    assert_eq!(sc.pre_years, 4);
    let last = sc.points.last().expect("point");
    assert!(last.gap.is_none() && last.synthetic.is_some());
}

#[test]
fn the_fit_stops_within_its_tolerance_of_the_minimum() {
    // Twenty nearly collinear donors (the page's case): the default fit is certified
    // within 1e-10 of the minimum well before the iteration cap.
    let years: Vec<i32> = vec![2016, 2019, 2020, 2021];
    let donors: Vec<UnitSeries> = (0..20)
        .map(|i| {
            let v: Vec<f64> =
                years.iter().map(|y| 1000.0 + 7.0 * f64::from(i) + f64::from((y - 2016) * (i % 5))).collect();
            unit(&format!("d{i}"), &v)
        })
        .collect();
    let x1: Vec<f64> = [1061.0, 1070.0, 1073.0].iter().map(|v| v / 1068.0).collect();
    let x0: Vec<Vec<f64>> =
        donors.iter().map(|d| d.values[..3].iter().map(|v| v.unwrap_or(0.0) / 1068.0).collect()).collect();
    let o = SyntheticOptions::default();
    let capped = simplex_least_squares(&x1, &x0, o.penalty, o.max_iterations, o.tolerance);
    let long = simplex_least_squares(&x1, &x0, o.penalty, 200_000, 1e-30);
    let f = |w: &[f64]| {
        let t = x1.len() as f64;
        let fit: f64 =
            (0..x1.len()).map(|k| (x1[k] - w.iter().zip(&x0).map(|(a, d)| a * d[k]).sum::<f64>()).powi(2)).sum::<f64>()
                / t;
        let pen: f64 =
            w.iter().zip(&x0).map(|(a, d)| a * d.iter().zip(&x1).map(|(p, q)| (p - q).powi(2)).sum::<f64>() / t).sum();
        fit + o.penalty * pen
    };
    assert!(f(&capped) - f(&long) <= 1e-10, "{} vs {}", f(&capped), f(&long));
}
