//! The synthetic control's placebo-rank test under no effect. Each replication: 21
//! never-treated simulated units, the first one said to adopt in 2014 (four years
//! before, four from it on), the other 20 its donors, as on the territory page. The
//! p-value `rank / 21` can be `1/21 ≈ 0.048` (rank 1), then `2/21 ≈ 0.095`: a rejection
//! is `p ≤ 0.05`, i.e. rank 1, whose nominal level is `1/21`, not 5 %.

use cohesion_core::impact::{SimConfig, SyntheticOptions, UnitSeries, simulate, synthetic_control};

use super::{Rate, Verdict, plan};

const DONORS: usize = 20;

#[test]
fn the_synthetic_control_placebo_test_rejects_at_its_nominal_level_under_no_effect() {
    let plan = plan();
    let mut rejected = Rate::default();
    let years: Vec<i32> = (2010..2018).collect();
    for r in 0..plan.replications {
        let cfg = SimConfig {
            n_units: DONORS + 1,
            n_years: years.len(),
            cohorts: Vec::new(),
            rho: 0.5,
            seed: 230_000 + r as u64,
            ..SimConfig::default()
        };
        let sim = simulate(&cfg).expect("simulate");
        // A level of 10 keeps the treated unit's pre-adoption mean (the fit's scale)
        // away from zero; a common level changes no gap.
        let series: Vec<UnitSeries> = sim
            .observations
            .chunks(years.len())
            .map(|rows| UnitSeries {
                id: rows[0].unit.clone(),
                values: rows.iter().map(|o| Some(o.outcome + 10.0)).collect(),
            })
            .collect();
        let sc = synthetic_control(&years, &series[0], 2014, &series[1..], &SyntheticOptions::default())
            .expect("synthetic control");
        let placebo = sc.placebo.expect("placebo distribution");
        assert_eq!(placebo.placebos, DONORS);
        rejected.add(placebo.p_value <= 0.05);
    }
    let nominal = 1.0 / (DONORS + 1) as f64;
    eprintln!(
        "MC | synthetic control, {DONORS} donors, placebo rank test | rejection rate (p ≤ 0.05, nominal {nominal:.4}) \
         {:.3} | n = {}",
        rejected.rate(),
        rejected.n()
    );
    let mut v = Verdict::default();
    v.near(&rejected, nominal, "synthetic control placebo test");
    v.finish();
}
