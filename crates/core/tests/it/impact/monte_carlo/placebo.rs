//! The placebos of `impact::robust` under parallel trends: they should find an "effect"
//! in 5 % of the replications.
//!
//! - In time: adoption moved two years earlier, real post-adoption years removed; a
//!   rejection is a placebo 95 % interval excluding zero.
//! - In space (randomisation inference): under no effect, a rejection is `p ≤ 0.05`.
//!   With `B` placebo draws the p-value `(1 + #{|θ_b| ≥ |θ|}) / (1 + B)` takes the values
//!   `k / (B + 1)`; `B + 1` a multiple of 20 (19 draws by default, 99 in the full run)
//!   makes 0.05 attainable, so the nominal level is exactly 5 % for exchangeable
//!   assignments. The real estimate has more controls than the placebo ones (the real
//!   treated are not in the pool), so the test is slightly conservative; treated
//!   cohorts are kept small (5 % each) so that this stays small.

use cohesion_core::impact::{
    ControlGroup, EffectShape, Method, Panel, Spec, estimate_with, placebo_in_space, placebo_in_time, simulate,
};

use super::{Rate, Verdict, design, plan};

const fn spec(method: Method, control: ControlGroup) -> Spec {
    Spec { method, control, anticipation: 0 }
}

#[test]
fn the_placebo_in_time_rejects_five_percent_under_parallel_trends() {
    let plan = plan();
    let specs = [
        ("twfe", spec(Method::Twfe, ControlGroup::Never)),
        ("cs (not yet)", spec(Method::Cs, ControlGroup::NotYet)),
        ("imputation", spec(Method::Imputation, ControlGroup::Never)),
        ("sun & abraham", spec(Method::SunAbraham, ControlGroup::Never)),
    ];
    let mut rates: [Rate; 4] = Default::default();
    for r in 0..plan.replications {
        let sim = simulate(&design(&plan, EffectShape::Constant(1.0), 170_000 + r as u64)).expect("simulate");
        let panel = Panel::from_observations(&sim.observations).expect("panel");
        for ((_, s), rate) in specs.iter().zip(&mut rates) {
            let fake = placebo_in_time(&panel, s, 2).expect("placebo in time");
            rate.add(fake.ci_low > 0.0 || fake.ci_high < 0.0);
        }
    }
    let mut v = Verdict::default();
    for ((name, _), rate) in specs.iter().zip(&rates) {
        eprintln!("MC | placebo in time (2 years), {name} | rejection rate {:.3} | n = {}", rate.rate(), rate.n());
        v.near(rate, 0.05, &format!("placebo in time, {name}"));
    }
    v.finish();
}

#[test]
fn the_placebo_in_space_rejects_five_percent_under_no_effect() {
    let plan = plan();
    let draws = if plan.full { 99 } else { 19 };
    let specs =
        [("twfe", spec(Method::Twfe, ControlGroup::Never)), ("cs (not yet)", spec(Method::Cs, ControlGroup::NotYet))];
    let mut rates: [Rate; 2] = Default::default();
    let mut placebo_ci = [0.0; 2];
    for r in 0..plan.replications {
        let seed = 190_000 + r as u64;
        let mut cfg = design(&plan, EffectShape::Constant(0.0), seed);
        cfg.cohorts = vec![(2012, 0.05), (2014, 0.05), (2016, 0.05)];
        let sim = simulate(&cfg).expect("simulate");
        let panel = Panel::from_observations(&sim.observations).expect("panel");
        for (k, (_, s)) in specs.iter().enumerate() {
            let real = estimate_with(&panel, s.method, s.control, 0).expect("estimate");
            let ri = placebo_in_space(&panel, s, real.estimate, draws, seed).expect("placebo in space");
            assert_eq!(ri.completed, draws);
            rates[k].add(ri.p_value <= 0.05 + 1e-12);
            placebo_ci[k] += ri.rejection_rate / plan.replications as f64;
        }
    }
    let mut v = Verdict::default();
    for (k, (name, _)) in specs.iter().enumerate() {
        eprintln!(
            "MC | placebo in space ({draws} draws), {name} | rejection rate (p ≤ 0.05) {:.3} | placebo intervals \
             excluding 0 {:.3} | n = {}",
            rates[k].rate(),
            placebo_ci[k],
            rates[k].n()
        );
        v.near(&rates[k], 0.05, &format!("placebo in space, {name}"));
    }
    v.finish();
}
