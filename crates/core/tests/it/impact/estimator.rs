//! The estimators on simulated panels with known effects: exact recovery without
//! noise, invariances, the baseline's failure, anticipation, matching, errors.

use cohesion_core::impact::{
    ControlGroup, CsOptions, EffectShape, FeatureSpace, ImpactError, ImpactEstimate, ImputationOptions, MatchOptions,
    Method, Observation, Panel, SimConfig, TerritoryFeatures, callaway_santanna, estimate, imputation, match_controls,
    rng::Rng, simulate, twfe,
};

fn panel_of(rows: &[Observation]) -> Panel {
    Panel::from_observations(rows).expect("valid simulated panel")
}

fn noiseless(effect: EffectShape, heterogeneity: f64, missing: f64) -> SimConfig {
    SimConfig {
        n_units: 120,
        noise_sd: 0.0,
        effect,
        cohort_heterogeneity: heterogeneity,
        missing_share: missing,
        seed: 3,
        ..SimConfig::default()
    }
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn exact_recovery_without_noise() {
    let growing = EffectShape::Growing { base: 1.0, slope: 0.5 };
    for missing in [0.0, 0.1] {
        let cfg = noiseless(growing, 0.3, missing);
        let sim = simulate(&cfg).expect("simulate");
        let panel = panel_of(&sim.observations);
        let imp = imputation(&panel, &ImputationOptions::default()).expect("imputation");
        assert!(close(imp.estimate, sim.true_post_average(), 1e-9), "{} vs {}", imp.estimate, sim.true_post_average());
        for e in &imp.event_time {
            assert!(close(e.estimate, sim.true_event_effect(e.event_time), 1e-9), "imputation e={}", e.event_time);
        }
        // Each cohort's own effect: the mean of its observed post-adoption effects.
        assert_eq!(imp.by_cohort.len(), cfg.cohorts.len(), "imputation: one estimate per cohort");
        for c in imp.by_cohort.iter().filter(|_| missing == 0.0) {
            let (mut sum, mut n) = (0.0, 0.0);
            for (o, tau) in sim.observations.iter().zip(&sim.true_effect) {
                if o.first_treated == Some(c.cohort) && o.year >= c.cohort {
                    sum += tau;
                    n += 1.0;
                }
            }
            assert!(close(c.estimate, sum / n, 1e-9), "imputation cohort {}: {} vs {}", c.cohort, c.estimate, sum / n);
            assert!(c.n_units > 0 && c.n_years > 0 && c.ci_low <= c.estimate && c.estimate <= c.ci_high);
        }
        for control in [ControlGroup::Never, ControlGroup::NotYet] {
            let cs = callaway_santanna(&panel, &CsOptions { control, anticipation: 0, bootstrap: None }).expect("cs");
            if missing == 0.0 {
                assert!(close(cs.estimate, sim.true_cs_simple(&cfg), 1e-9), "cs {:?}", control);
                // Each cohort's own effect: the mean of its true effects from adoption on.
                let last = cfg.first_year + cfg.n_years as i32 - 1;
                let cohorts: Vec<i32> = cs.by_cohort.iter().map(|c| c.cohort).collect();
                let expected: Vec<i32> = cfg.cohorts.iter().map(|(g, _)| *g).collect();
                assert_eq!(cohorts, expected, "cs {control:?}: one estimate per cohort");
                for c in &cs.by_cohort {
                    let rank = cfg.cohorts.iter().position(|(g, _)| *g == c.cohort).expect("a cohort");
                    let truth = (c.cohort..=last).map(|y| cfg.effect_at(rank, y - c.cohort)).sum::<f64>()
                        / f64::from(last - c.cohort + 1);
                    assert!(
                        close(c.estimate, truth, 1e-9),
                        "cs {control:?} cohort {}: {} vs {truth}",
                        c.cohort,
                        c.estimate
                    );
                    assert_eq!(c.n_years, (last - c.cohort + 1) as usize);
                    assert!(c.n_units > 0 && c.std_error < 1e-9 && c.ci_low <= c.estimate && c.estimate <= c.ci_high);
                }
            }
            for e in &cs.event_time {
                let truth = if e.event_time < 0 { 0.0 } else { sim.true_event_effect(e.event_time) };
                // with missing cells the event-time weights are per cell pair, so only
                // the homogeneous parts (leads) are compared exactly
                if missing == 0.0 || e.event_time < 0 {
                    assert!(
                        close(e.estimate, truth, 1e-9),
                        "cs {:?} e={}: {} vs {truth}",
                        control,
                        e.event_time,
                        e.estimate
                    );
                }
            }
        }
    }
    let cfg = noiseless(EffectShape::Constant(2.0), 0.0, 0.1);
    let sim = simulate(&cfg).expect("simulate");
    let t = twfe(&panel_of(&sim.observations)).expect("twfe");
    assert!(close(t.estimate, 2.0, 1e-9), "twfe {}", t.estimate);
    assert!(t.std_error < 1e-9);
}

fn all_methods(panel: &Panel) -> Vec<ImpactEstimate> {
    [
        (Method::Twfe, ControlGroup::Never),
        (Method::Cs, ControlGroup::Never),
        (Method::Cs, ControlGroup::NotYet),
        (Method::Imputation, ControlGroup::Never),
    ]
    .iter()
    .map(|(m, c)| estimate(panel, *m, *c).expect("estimate"))
    .collect()
}

fn assert_same(a: &[ImpactEstimate], b: &[ImpactEstimate], tol: f64, what: &str) {
    for (x, y) in a.iter().zip(b) {
        assert!(close(x.estimate, y.estimate, tol), "{what} {:?}: {} vs {}", x.method, x.estimate, y.estimate);
        assert!(close(x.std_error, y.std_error, tol), "{what} {:?} se", x.method);
        assert_eq!(x.event_time.len(), y.event_time.len());
        for (p, q) in x.event_time.iter().zip(&y.event_time) {
            assert!(close(p.estimate, q.estimate, tol) && close(p.std_error, q.std_error, tol), "{what} e");
        }
        assert_eq!((x.n_treated_units, x.n_control_units, x.n_obs), (y.n_treated_units, y.n_control_units, y.n_obs));
    }
}

#[test]
fn invariant_to_row_order_unit_labels_and_constants() {
    let cfg = SimConfig {
        n_units: 150,
        effect: EffectShape::Growing { base: 1.0, slope: 0.3 },
        missing_share: 0.05,
        seed: 9,
        ..SimConfig::default()
    };
    let sim = simulate(&cfg).expect("simulate");
    let base = all_methods(&panel_of(&sim.observations));

    let mut rows = sim.observations.clone();
    Rng::new(5).shuffle(&mut rows);
    // Sorting makes row order irrelevant bit for bit.
    assert_same(&base, &all_methods(&panel_of(&rows)), 0.0, "row order");

    let mut relabelled = sim.observations.clone();
    for r in &mut relabelled {
        let n: u64 = r.unit[1..].parse().expect("label");
        r.unit = format!("Z{:x}", n.wrapping_mul(0x9E37_79B9) % 1_000_003);
    }
    assert_same(&base, &all_methods(&panel_of(&relabelled)), 1e-10, "relabel");

    let mut shifted = sim.observations.clone();
    for r in &mut shifted {
        r.outcome += 1000.0;
    }
    assert_same(&base, &all_methods(&panel_of(&shifted)), 1e-8, "constant");
}

#[test]
fn baseline_fails_on_growing_effects_while_robust_estimators_recover() {
    let cfg = SimConfig {
        n_units: 600,
        cohorts: vec![(2012, 0.3), (2014, 0.3), (2016, 0.3)],
        effect: EffectShape::Growing { base: 0.0, slope: 1.0 },
        noise_sd: 0.0,
        seed: 4,
        ..SimConfig::default()
    };
    let sim = simulate(&cfg).expect("simulate");
    let panel = panel_of(&sim.observations);
    let truth = sim.true_post_average();
    let t = twfe(&panel).expect("twfe");
    let imp = imputation(&panel, &ImputationOptions::default()).expect("imputation");
    assert!(close(imp.estimate, truth, 1e-9));
    assert!(t.estimate < 0.7 * truth, "TWFE {} should be far below the true {truth}", t.estimate);
}

#[test]
fn anticipation_is_detected_then_handled() {
    let cfg = SimConfig { n_units: 3000, anticipation: 1, anticipation_effect: 0.8, seed: 21, ..SimConfig::default() };
    let sim = simulate(&cfg).expect("simulate");
    let panel = panel_of(&sim.observations);
    let naive = callaway_santanna(&panel, &CsOptions::default()).expect("cs");
    let aware = callaway_santanna(&panel, &CsOptions { anticipation: 1, ..CsOptions::default() }).expect("cs");
    let naive_p = naive.pretrend.as_ref().map_or(1.0, |p| p.p_value);
    assert!(naive_p < 1e-6, "the e=-1 placebo must flag anticipation, p = {naive_p}");
    assert!((aware.estimate - sim.true_post_average()).abs() < 4.0 * aware.std_error);
    let imp = imputation(&panel, &ImputationOptions { anticipation: 1 }).expect("imputation");
    assert!((imp.estimate - sim.true_post_average()).abs() < 4.0 * imp.std_error);
    let lead = imp.event_time.iter().find(|e| e.event_time == -1).expect("anticipation year reported");
    assert!((lead.estimate - 0.8).abs() < 4.0 * lead.std_error);
}

#[test]
fn matching_builds_a_balanced_comparison_group() {
    let mut rng = Rng::new(8);
    let rows: Vec<TerritoryFeatures> = (0..400)
        .map(|i| TerritoryFeatures {
            id: format!("{i:05}"),
            indicators: vec![rng.normal(), rng.normal()],
            typologies: vec![if i % 3 == 0 { "rural".into() } else { "urbain".into() }],
        })
        .collect();
    let space = FeatureSpace::new(&rows, 1.0).expect("space");
    // Treated territories are selected on the first indicator, with overlap.
    let treated: Vec<String> = (0..400)
        .filter(|i| rng.uniform() < 1.0 / (1.0 + (2.0 - 2.0 * space.z(*i, 0)).exp()))
        .map(|i| space.id(i).to_owned())
        .collect();
    let m = match_controls(&space, &treated, &MatchOptions { k: 2, ..MatchOptions::default() }).expect("match");
    assert!(m.unmatched.is_empty());
    assert!(m.balance[0].smd_before > 0.8, "{:?}", m.balance);
    assert!(m.balance[0].smd_after.abs() < 0.5 * m.balance[0].smd_before, "{:?}", m.balance);
    for p in &m.pairs {
        let q = space.position(&p.treated).expect("treated");
        assert_eq!(p.controls.len(), 2);
        assert!(p.controls.iter().all(|c| space.position(&c.id).is_some_and(|c| space.same_typologies(q, c))));
    }
    let no_repl = MatchOptions { k: 1, replacement: false, ..MatchOptions::default() };
    let m2 = match_controls(&space, &treated, &no_repl).expect("match");
    let used: usize = m2.pairs.iter().map(|p| p.controls.len()).sum();
    assert_eq!(used, m2.comparison_group.len(), "without replacement every control is used once");
}

#[test]
fn estimation_on_a_matched_comparison_group() {
    let cfg = SimConfig { n_units: 400, seed: 12, ..SimConfig::default() };
    let sim = simulate(&cfg).expect("simulate");
    let panel = panel_of(&sim.observations);
    // Covariate: the mean pre-2013 outcome.
    let mut feats = Vec::new();
    for u in 0..panel.n_units() {
        let pre: Vec<f64> = (0..3).filter_map(|t| panel.outcome(u, t)).collect();
        feats.push(TerritoryFeatures {
            id: panel.unit_label(u).to_owned(),
            indicators: vec![pre.iter().sum::<f64>() / pre.len().max(1) as f64],
            typologies: vec![],
        });
    }
    let space = FeatureSpace::new(&feats, 0.0).expect("space");
    let treated: Vec<String> =
        (0..panel.n_units()).filter(|u| panel.adoption(*u).is_some()).map(|u| panel.unit_label(u).to_owned()).collect();
    let m = match_controls(&space, &treated, &MatchOptions::default()).expect("match");
    let keep: std::collections::HashSet<&str> = treated.iter().chain(&m.comparison_group).map(String::as_str).collect();
    let sub = panel.restrict_units(|u| keep.contains(u)).expect("restricted");
    let cs = callaway_santanna(&sub, &CsOptions::default()).expect("cs");
    assert_eq!(cs.n_control_units, m.comparison_group.len());
    assert!((cs.estimate - 1.0).abs() < 4.0 * cs.std_error);
}

#[test]
fn bad_designs_are_errors_not_panics() {
    let never: Vec<Observation> = (0..4)
        .flat_map(|u| {
            (2020..2023).map(move |y| Observation { unit: format!("{u}"), year: y, outcome: 1.0, first_treated: None })
        })
        .collect();
    let p = panel_of(&never);
    for (m, c) in [
        (Method::Twfe, ControlGroup::Never),
        (Method::Cs, ControlGroup::NotYet),
        (Method::Imputation, ControlGroup::Never),
    ] {
        assert!(matches!(estimate(&p, m, c), Err(ImpactError::NoTreatedUnits(_))), "{m:?}");
    }
    // Everyone adopts in 2021: no never-treated control.
    let all: Vec<Observation> = never
        .iter()
        .cloned()
        .map(|mut o| {
            o.first_treated = Some(2021);
            o
        })
        .collect();
    let p = panel_of(&all);
    assert!(callaway_santanna(&p, &CsOptions::default()).is_err());
    assert!(imputation(&p, &ImputationOptions::default()).is_err());
    // One treated unit observed only after adoption, one control: not identified, no panic.
    let tiny = vec![
        Observation { unit: "a".into(), year: 2021, outcome: 1.0, first_treated: Some(2021) },
        Observation { unit: "b".into(), year: 2020, outcome: 0.0, first_treated: None },
    ];
    let p = panel_of(&tiny);
    for (m, c) in [
        (Method::Twfe, ControlGroup::Never),
        (Method::Cs, ControlGroup::Never),
        (Method::Imputation, ControlGroup::Never),
    ] {
        assert!(estimate(&p, m, c).is_err(), "{m:?}");
    }
}

#[test]
fn result_serialises_with_the_documented_fields() {
    let sim = simulate(&SimConfig::default()).expect("simulate");
    let r = estimate(&panel_of(&sim.observations), Method::Cs, ControlGroup::NotYet).expect("cs");
    let v = serde_json::to_value(&r).expect("json");
    for key in [
        "method",
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "n_treated_units",
        "n_control_units",
        "n_obs",
        "event_time",
        "notes",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["method"], "cs");
    assert_eq!(v["control"], "not_yet");
    assert!(v["event_time"][0].get("event_time").is_some());
}

/// Issue 18, point 8: with never-treated controls on a panel that has none, the refusal
/// names the cause and what to do; not-yet-treated controls estimate; the notes come
/// in French too, one for one.
#[test]
fn no_never_treated_unit_is_named_and_notes_are_in_french() {
    let mut rows = Vec::new();
    for (unit, adoption) in [("a", 2018), ("b", 2020), ("c", 2022)] {
        for year in 2015..2024 {
            let effect = if year >= adoption { 2.0 } else { 0.0 };
            rows.push(Observation {
                unit: unit.into(),
                year,
                outcome: f64::from(year - 2015) + effect + f64::from(adoption - 2018) * 0.1,
                first_treated: Some(adoption),
            });
        }
    }
    let panel = panel_of(&rows);
    let refused = cohesion_core::impact::estimate_with(&panel, Method::Cs, ControlGroup::Never, 0)
        .expect_err("no never-treated unit");
    let message = refused.to_string();
    assert!(message.contains("no never-treated unit") && message.contains("notyet"), "{message}");
    let r = cohesion_core::impact::estimate_with(&panel, Method::Cs, ControlGroup::NotYet, 0).expect("not yet");
    assert_eq!(r.notes.len(), r.notes_fr.len());
    assert!(r.notes_fr.iter().any(|n| n.contains("pondérée par la taille des cohortes")), "{:?}", r.notes_fr);
}
