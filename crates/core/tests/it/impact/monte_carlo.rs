//! Monte Carlo checks of the estimators on simulated panels with known effects:
//! bias under 3 Monte Carlo standard errors, 95 % interval coverage inside the
//! binomial band, placebo (lead) test rejection rate near 5 %, and the TWFE baseline
//! visibly failing on growing effects.
//!
//! The default run is small (fast in a debug build). `COHESION_MC_FULL=1` runs the
//! large version (more replications and units; use `--release`).

use cohesion_core::impact::{
    ControlGroup, CsOptions, EffectShape, ImpactEstimate, ImputationOptions, Panel, SimConfig, callaway_santanna,
    imputation, simulate, twfe,
};

struct Plan {
    replications: usize,
    n_units: usize,
}

fn plan() -> Plan {
    if std::env::var("COHESION_MC_FULL").is_ok_and(|v| v == "1") {
        Plan { replications: 2000, n_units: 500 }
    } else {
        Plan { replications: 150, n_units: 120 }
    }
}

#[derive(Default)]
struct Tally {
    errors: Vec<f64>,
    covered: usize,
    lead_rejections: usize,
    lead_tests: usize,
}

impl Tally {
    fn add(&mut self, r: &ImpactEstimate, truth: f64) {
        self.errors.push(r.estimate - truth);
        self.covered += usize::from(r.ci_low <= truth && truth <= r.ci_high);
        if let Some(p) = &r.pretrend {
            self.lead_tests += 1;
            self.lead_rejections += usize::from(p.p_value < 0.05);
        }
    }

    fn bias_and_mcse(&self) -> (f64, f64) {
        let n = self.errors.len() as f64;
        let mean = self.errors.iter().sum::<f64>() / n;
        let var = self.errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    }

    fn coverage(&self) -> f64 {
        self.covered as f64 / self.errors.len() as f64
    }

    fn rejection_rate(&self) -> f64 {
        self.lead_rejections as f64 / self.lead_tests.max(1) as f64
    }
}

/// Half-width of a 3-sigma binomial band around `p` for `n` draws.
fn band(p: f64, n: usize) -> f64 {
    3.0 * (p * (1.0 - p) / n as f64).sqrt()
}

fn run(effect: EffectShape, plan: &Plan, seed0: u64) -> [Tally; 4] {
    let mut tallies: [Tally; 4] = Default::default();
    for r in 0..plan.replications {
        let cfg = SimConfig {
            n_units: plan.n_units,
            n_years: 8,
            cohorts: vec![(2012, 0.25), (2014, 0.25), (2016, 0.25)],
            effect,
            rho: 0.5,
            missing_share: 0.0,
            seed: seed0 + r as u64,
            ..SimConfig::default()
        };
        let sim = simulate(&cfg).expect("simulate");
        let panel = Panel::from_observations(&sim.observations).expect("panel");
        let twfe = twfe(&panel).expect("twfe");
        let cs_never = callaway_santanna(&panel, &CsOptions::default()).expect("cs");
        let cs_notyet =
            callaway_santanna(&panel, &CsOptions { control: ControlGroup::NotYet, anticipation: 0, bootstrap: None })
                .expect("cs");
        let imp = imputation(&panel, &ImputationOptions::default()).expect("imputation");
        let obs_truth = sim.true_post_average();
        let cs_truth = sim.true_cs_simple(&cfg);
        tallies[0].add(&twfe, obs_truth);
        tallies[1].add(&cs_never, cs_truth);
        tallies[2].add(&cs_notyet, cs_truth);
        tallies[3].add(&imp, obs_truth);
    }
    tallies
}

const NAMES: [&str; 4] = ["twfe", "cs(never)", "cs(notyet)", "imputation"];

fn check_unbiased_and_covering(t: &Tally, name: &str, plan: &Plan) {
    let (bias, mcse) = t.bias_and_mcse();
    let cov = t.coverage();
    let n = plan.replications;
    eprintln!(
        "{name}: bias {bias:+.4} (MC se {mcse:.4}), coverage {cov:.3}, lead rejections {:.3}",
        t.rejection_rate()
    );
    assert!(bias.abs() < 3.0 * mcse, "{name}: bias {bias} ≥ 3 × {mcse}");
    assert!((cov - 0.95).abs() <= band(0.95, n), "{name}: coverage {cov} outside 0.95 ± {}", band(0.95, n));
}

#[test]
fn constant_effects_all_estimators_unbiased_with_nominal_coverage_and_placebo_size() {
    let plan = plan();
    let tallies = run(EffectShape::Constant(1.0), &plan, 10_000);
    for (t, name) in tallies.iter().zip(NAMES) {
        check_unbiased_and_covering(t, name, &plan);
        // No pre-trend in the simulation: the lead tests should reject about 5 %.
        let rate = t.rejection_rate();
        assert!(t.lead_tests == plan.replications, "{name}: lead test missing");
        assert!((rate - 0.05).abs() <= band(0.05, plan.replications), "{name}: placebo rejection {rate}");
    }
}

#[test]
fn growing_effects_break_twfe_not_the_robust_estimators() {
    let plan = plan();
    let tallies = run(EffectShape::Growing { base: 0.5, slope: 0.5 }, &plan, 50_000);
    for (t, name) in tallies.iter().zip(NAMES).skip(1) {
        check_unbiased_and_covering(t, name, &plan);
    }
    let (bias, mcse) = tallies[0].bias_and_mcse();
    let cov = tallies[0].coverage();
    eprintln!("twfe on growing effects: bias {bias:+.4} (MC se {mcse:.4}), coverage {cov:.3}");
    assert!(bias.abs() > 10.0 * mcse, "TWFE should be visibly biased: {bias} vs MC se {mcse}");
    assert!(cov < 0.95 - band(0.95, plan.replications), "TWFE coverage {cov} should collapse");
}
