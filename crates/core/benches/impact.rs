//! Impact estimators at commune scale (35,000 units × 10 years) and the k most similar
//! territories among 35,000 (target: under 5 ms for k = 10).
//!
//! `cargo bench -p cohesion-core --bench impact`

use std::hint::black_box;

use cohesion_core::impact::{
    ControlGroup, EffectShape, FeatureSpace, Method, Panel, SimConfig, SyntheticOptions, TerritoryFeatures, UnitSeries,
    estimate, rng::Rng, simulate, synthetic_control,
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

/// What a commune page's trajectory costs once the cohort's space is built: the 20
/// nearest never-treated units among 35,000 on 3 pre-years, then the synthetic control
/// and its 20 placebo fits on 6 years (2016, 2019–2023, adoption 2021).
fn trajectory(c: &mut Criterion) {
    let years = [2016, 2019, 2020, 2021, 2022, 2023];
    let mut rng = Rng::new(18);
    let series: Vec<Vec<f64>> = (0..35_000)
        .map(|_| {
            let level = (6.0 + 3.0 * rng.uniform()).exp();
            let trend = 0.02 * (rng.uniform() - 0.5);
            years.iter().map(|y| (level * (1.0 + trend * f64::from(y - 2016)) + 5.0 * rng.normal()).round()).collect()
        })
        .collect();
    let rows: Vec<TerritoryFeatures> = series
        .iter()
        .enumerate()
        .map(|(i, v)| TerritoryFeatures { id: format!("{i:05}"), indicators: v[..3].to_vec(), typologies: vec![] })
        .collect();
    let space = FeatureSpace::new(&rows, 1.0).expect("space");
    let unit = |i: usize| UnitSeries { id: format!("{i:05}"), values: series[i].iter().map(|v| Some(*v)).collect() };
    let options = SyntheticOptions::default();
    c.bench_function("trajectory_20_donors_of_35000_with_placebo", |b| {
        b.iter(|| {
            let q = black_box(12_345);
            let donors: Vec<UnitSeries> =
                space.nearest(q, 20, |c| c != q).iter().filter_map(|n| n.id.parse::<usize>().ok()).map(unit).collect();
            synthetic_control(&years, &unit(q), 2021, &donors, &options)
        })
    });
    c.bench_function("synthetic_control_20_donors_with_placebo", |b| {
        let q = 12_345;
        let donors: Vec<UnitSeries> =
            space.nearest(q, 20, |c| c != q).iter().filter_map(|n| n.id.parse::<usize>().ok()).map(unit).collect();
        let treated = unit(q);
        b.iter(|| synthetic_control(&years, black_box(&treated), 2021, &donors, &options))
    });
}

criterion_group!(benches, estimators, similar, trajectory);
criterion_main!(benches);
