//! The estimators themselves: unbiased with nominal coverage and lead-test size under
//! constant effects; under growing effects the robust estimators stay so and TWFE
//! misses by half.

use cohesion_core::impact::{
    ControlGroup, CsOptions, EffectShape, ImputationOptions, Panel, callaway_santanna, imputation, simulate,
    sun_abraham, twfe,
};

use super::{Plan, Tally, Verdict, design, plan};

const NAMES: [&str; 5] = ["twfe", "cs (never)", "cs (not yet)", "imputation", "sun & abraham"];

fn run(effect: EffectShape, plan: &Plan, seed0: u64) -> [Tally; 5] {
    let mut tallies: [Tally; 5] = Default::default();
    for r in 0..plan.replications {
        let cfg = design(plan, effect, seed0 + r as u64);
        let sim = simulate(&cfg).expect("simulate");
        let panel = Panel::from_observations(&sim.observations).expect("panel");
        let cs = |control| CsOptions { control, anticipation: 0, bootstrap: None };
        // TWFE, imputation and Sun & Abraham average every post-adoption cell; CS
        // `simple` weights the cohorts by size over their post-adoption years.
        let (obs_truth, cs_truth) = (sim.true_post_average(), sim.true_cs_simple(&cfg));
        tallies[0].add(&twfe(&panel).expect("twfe"), obs_truth);
        tallies[1].add(&callaway_santanna(&panel, &cs(ControlGroup::Never)).expect("cs"), cs_truth);
        tallies[2].add(&callaway_santanna(&panel, &cs(ControlGroup::NotYet)).expect("cs"), cs_truth);
        tallies[3].add(&imputation(&panel, &ImputationOptions::default()).expect("imputation"), obs_truth);
        tallies[4].add(&sun_abraham(&panel).expect("sun_abraham"), obs_truth);
    }
    tallies
}

#[test]
fn constant_effects_all_estimators_unbiased_with_nominal_coverage_and_placebo_size() {
    let plan = plan();
    let tallies = run(EffectShape::Constant(1.0), &plan, 10_000);
    let mut v = Verdict::default();
    for (t, name) in tallies.iter().zip(NAMES) {
        t.check_unbiased_and_covering(&format!("{name}, constant effect"), &mut v);
        // No pre-trend in the simulation: the lead tests should reject about 5 %.
        assert_eq!(t.leads().n(), plan.replications, "{name}: lead test missing");
        v.near(t.leads(), 0.05, &format!("{name}: lead-test rejections"));
    }
    v.finish();
}

#[test]
fn growing_effects_break_twfe_not_the_robust_estimators() {
    let plan = plan();
    let tallies = run(EffectShape::Growing { base: 0.5, slope: 0.5 }, &plan, 50_000);
    let mut v = Verdict::default();
    for (t, name) in tallies.iter().zip(NAMES).skip(1) {
        t.check_unbiased_and_covering(&format!("{name}, growing effect"), &mut v);
    }
    let (bias, mcse) = tallies[0].bias_and_mcse();
    let cov = tallies[0].coverage();
    eprintln!(
        "MC | twfe, growing effect | bias {bias:+.4} (MC s.e. {mcse:.4}) | coverage {:.3} | (known bad)",
        cov.rate()
    );
    v.check(bias.abs() > 10.0 * mcse, || format!("TWFE should be visibly biased: {bias} vs MC se {mcse}"));
    v.below(cov, 0.95, "TWFE coverage on growing effects");
    v.finish();
}
