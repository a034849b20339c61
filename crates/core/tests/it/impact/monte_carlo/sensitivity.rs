//! The relative-magnitude sensitivity (`relative_magnitudes`) when trends are parallel.
//! Its target is the mean of the post-adoption event-time effects. At `M̄ = 0` its
//! interval is that mean ± 1.96 × the mean of the event-time standard errors, an upper
//! bound of the mean's standard error: it must cover at least as often as a 95 %
//! interval (how much more is printed, with the bound against the Monte Carlo spread).
//! At `M̄ = 1` it is wider still.

use cohesion_core::impact::{
    ControlGroup, CsOptions, EffectShape, ImpactEstimate, Panel, PreBase, callaway_santanna, relative_magnitudes,
    simulate, sun_abraham,
};

use super::{Rate, Tally, Verdict, band, design, plan};

#[derive(Default)]
struct Cover {
    effect: Tally,
    at_one: Rate,
    mean_se: f64,
}

impl Cover {
    fn add(&mut self, est: &ImpactEstimate, base: PreBase, truth: impl Fn(i32) -> f64) {
        let s = relative_magnitudes(est, base, &[0.0, 1.0]).expect("sensitivity computed");
        let target = s.post.iter().map(|e| truth(*e)).sum::<f64>() / s.post.len() as f64;
        self.effect.add_interval(s.effect, s.rows[0].ci_low, s.rows[0].ci_high, target);
        self.at_one.add(s.rows[1].ci_low <= target && target <= s.rows[1].ci_high);
        self.mean_se += s.std_error;
    }

    fn check(&self, name: &str, v: &mut Verdict) {
        let (bias, mcse) = self.effect.bias_and_mcse();
        let n = self.at_one.n();
        let spread = mcse * (n as f64).sqrt();
        let (zero, one) = (self.effect.coverage().rate(), self.at_one.rate());
        eprintln!(
            "MC | sensitivity (relative magnitudes), {name}, growing effect | mean post effect: bias {bias:+.4} (MC s.e. \
             {mcse:.4}) | coverage at M̄ = 0 {zero:.3} | at M̄ = 1 {one:.3} | mean SE bound {:.4} vs MC spread {spread:.4} \
             | n = {n}",
            self.mean_se / n as f64
        );
        v.check(bias.abs() < 3.0 * mcse, || format!("{name}: bias {bias} ≥ 3 × {mcse}"));
        let floor = 0.95 - band(0.95, n);
        v.check(zero >= floor, || format!("{name}: coverage at M̄ = 0 {zero:.4} under {floor:.4}"));
        v.check(one >= floor, || format!("{name}: coverage at M̄ = 1 {one:.4} under {floor:.4}"));
        // An upper bound of the standard error: not under the spread, beyond the 3-σ
        // error of a standard deviation estimated from `n` draws.
        let slack = 1.0 - 3.0 / (2.0 * (n as f64 - 1.0)).sqrt();
        let bound = self.mean_se / n as f64;
        v.check(bound >= slack * spread, || format!("{name}: SE bound {bound} under the spread {spread}"));
    }
}

#[test]
fn the_sensitivity_interval_covers_when_trends_are_parallel() {
    let plan = plan();
    let (mut cs, mut sa) = (Cover::default(), Cover::default());
    for r in 0..plan.replications {
        let mut cfg = design(&plan, EffectShape::Growing { base: 0.5, slope: 0.5 }, 210_000 + r as u64);
        cfg.cohort_heterogeneity = 0.5;
        let sim = simulate(&cfg).expect("simulate");
        let panel = Panel::from_observations(&sim.observations).expect("panel");
        let truth = |e: i32| if e < 0 { 0.0 } else { sim.true_event_effect(e) };
        let opts = CsOptions { control: ControlGroup::Never, anticipation: 0, bootstrap: None };
        cs.add(&callaway_santanna(&panel, &opts).expect("cs"), PreBase::Varying, truth);
        sa.add(&sun_abraham(&panel).expect("sun_abraham"), PreBase::Universal, truth);
    }
    let mut v = Verdict::default();
    cs.check("cs (never)", &mut v);
    sa.check("sun & abraham", &mut v);
    v.finish();
}
