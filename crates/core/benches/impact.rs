//! Impact estimators at commune scale (35,000 units × 10 years) and the k most similar
//! territories among 35,000 (target: under 5 ms for k = 10).
//!
//! `cargo bench -p cohesion-core --bench impact`

use std::hint::black_box;

use cohesion_core::impact::{
    ControlGroup, EffectShape, FeatureSpace, Method, Panel, SimConfig, TerritoryFeatures, estimate, rng::Rng, simulate,
};
use criterion::{Criterion, criterion_group, criterion_main};

fn commune_panel() -> Panel {
    let config = SimConfig {
        n_units: 35_000,
        first_year: 2014,
        n_years: 10,
        cohorts: vec![(2017, 0.1), (2018, 0.1), (2019, 0.1), (2020, 0.1), (2021, 0.1)],
        effect: EffectShape::Growing { base: 0.5, slope: 0.25 },
        seed: 2026,
        ..SimConfig::default()
    };
    let sim = simulate(&config).expect("simulation");
    Panel::from_observations(&sim.observations).expect("panel")
}

fn estimators(c: &mut Criterion) {
    let panel = commune_panel();
    let mut group = c.benchmark_group("impact_35000x10");
    group.sample_size(20);
    for (name, method, control) in [
        ("twfe", Method::Twfe, ControlGroup::Never),
        ("cs_never", Method::Cs, ControlGroup::Never),
        ("cs_notyet", Method::Cs, ControlGroup::NotYet),
        ("imputation", Method::Imputation, ControlGroup::Never),
    ] {
        group.bench_function(name, |b| b.iter(|| estimate(black_box(&panel), method, control)));
    }
    group.finish();
}

fn similar(c: &mut Criterion) {
    let mut rng = Rng::new(3);
    let rows: Vec<TerritoryFeatures> = (0..35_000)
        .map(|i| TerritoryFeatures {
            id: format!("{i:05}"),
            indicators: (0..10).map(|_| rng.normal()).collect(),
            typologies: vec![format!("densite-{}", rng.below(4)), format!("zone-{}", rng.below(3))],
        })
        .collect();
    let space = FeatureSpace::new(&rows, 1.0).expect("feature space");
    c.bench_function("most_similar_k10_of_35000", |b| {
        let mut q = 0usize;
        b.iter(|| {
            q = (q + 7919) % 35_000;
            space.most_similar(black_box(space.id(q)), 10, false)
        })
    });
    c.bench_function("most_similar_k10_of_35000_same_typology", |b| {
        let mut q = 0usize;
        b.iter(|| {
            q = (q + 7919) % 35_000;
            space.most_similar(black_box(space.id(q)), 10, true)
        })
    });
}

criterion_group!(benches, estimators, similar);
criterion_main!(benches);
