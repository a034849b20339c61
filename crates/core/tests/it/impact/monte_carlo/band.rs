//! The CS uniform band (multiplier bootstrap, `did::mboot` with `cband = TRUE`): the
//! share of replications in which it covers every event-time effect at once should be
//! 95 %; the pointwise intervals, taken together, cover all of them far less often.

use cohesion_core::impact::{
    BootstrapOptions, ControlGroup, CsOptions, EffectShape, Panel, callaway_santanna, simulate,
};

use super::{Rate, Verdict, design, plan};

#[test]
fn the_uniform_band_covers_every_event_time_at_once_pointwise_intervals_do_not() {
    let plan = plan();
    let (mut band, mut pointwise, mut points) = (Rate::default(), Rate::default(), Rate::default());
    let mut critical = 0.0;
    for r in 0..plan.replications {
        let seed = 110_000 + r as u64;
        let mut cfg = design(&plan, EffectShape::Growing { base: 0.5, slope: 0.5 }, seed);
        cfg.cohort_heterogeneity = 0.5;
        let sim = simulate(&cfg).expect("simulate");
        let panel = Panel::from_observations(&sim.observations).expect("panel");
        let opts = CsOptions {
            control: ControlGroup::Never,
            anticipation: 0,
            bootstrap: Some(BootstrapOptions { draws: 999, seed }),
        };
        let est = callaway_santanna(&panel, &opts).expect("cs");
        let uniform = est.uniform_band.as_ref().expect("band");
        // Leads (varying base) estimate 0; event time e ≥ 0 the cohort-size weighted
        // mean of τ(g, g + e), which a balanced panel's cells at e average.
        let truth = |e: i32| if e < 0 { 0.0 } else { sim.true_event_effect(e) };
        assert_eq!(uniform.points.len(), est.event_time.len());
        band.add(uniform.points.iter().all(|p| p.low <= truth(p.event_time) && truth(p.event_time) <= p.high));
        pointwise
            .add(est.event_time.iter().all(|p| p.ci_low <= truth(p.event_time) && truth(p.event_time) <= p.ci_high));
        for p in &est.event_time {
            points.add(p.ci_low <= truth(p.event_time) && truth(p.event_time) <= p.ci_high);
        }
        critical += uniform.critical_value / plan.replications as f64;
    }
    eprintln!(
        "MC | cs uniform band (never, 999 draws), growing effect | joint coverage {:.3} | pointwise joint coverage {:.3} \
         | pointwise coverage per event time {:.3} | mean critical value {critical:.2} | n = {}",
        band.rate(),
        pointwise.rate(),
        points.rate(),
        band.n()
    );
    let mut v = Verdict::default();
    v.near(&band, 0.95, "uniform band, joint coverage");
    v.below(&pointwise, 0.95, "pointwise intervals, joint coverage");
    // The event times of one replication are correlated: the band for the replications
    // (not for every point) bounds the spread of their mean.
    let (rate, half) = (points.rate(), super::band(0.95, band.n()));
    v.check((rate - 0.95).abs() <= half, || {
        format!("pointwise coverage per event time {rate:.4} outside 0.95 ± {half:.4}")
    });
    v.finish();
}
