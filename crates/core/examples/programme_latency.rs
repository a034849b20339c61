//! Latency of the programme computations over the whole shipped referential (34,969
//! communes) and the shipped lists: building the index, evaluating eligibility rules,
//! the overlap matrix, a territory's programmes and nearest France services places,
//! a département's and a région's aggregates. p50 / p99 / max in microseconds, as a
//! Markdown table on stdout (bench/programmes.sh saves it in bench/results/).
//!
//! `cargo run --release -p cohesion-core --example programme_latency`

use std::time::Instant;

use cohesion_core::programme::compact as programmes;
use cohesion_core::programme::eligibility::Rule;
use cohesion_core::programme::index::ProgrammeIndex;
use cohesion_core::territory::{TerritoryKind, compact};

fn measure(runs: usize, mut f: impl FnMut(usize)) -> (f64, f64, f64) {
    let mut times: Vec<f64> = (0..runs)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99), times[times.len() - 1])
}

fn main() {
    let (r, data) = match (compact::read("territories.tsv", compact::SHIPPED), programmes::shipped()) {
        (Ok(r), Ok(d)) => (r, d),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("shipped data invalid: {e}");
            std::process::exit(1);
        }
    };
    let mut rows: Vec<(String, usize, (f64, f64, f64))> = Vec::new();
    let mut ix = None;
    rows.push((
        "build the index (16 programmes, 11,013 memberships, 2,845 places; dashboards, overlap, rules)".into(),
        20,
        measure(20, |_| ix = Some(ProgrammeIndex::new(&r, data.clone()))),
    ));
    let Some(ix) = ix else { return };
    let pvd = ix.rule("pvd").cloned().unwrap_or_default();
    let rules: [(&str, Rule); 4] = [
        ("eligibility pvd (population, centrality) + comparison", pvd),
        ("eligibility va (population, density)", ix.rule("va").cloned().unwrap_or_default()),
        (
            "eligibility: mountain + 2 départements + not in pvd",
            Rule {
                mountain: Some(true),
                departements: vec!["05".into(), "73".into()],
                not_member_of: vec!["pvd".into()],
                ..Rule::default()
            },
        ),
        (
            "eligibility: member of ti or acv, density 1-3",
            Rule { member_of: vec!["ti".into(), "acv".into()], density_levels: vec![1, 2, 3], ..Rule::default() },
        ),
    ];
    for (name, rule) in &rules {
        let mut n = 0;
        let t = measure(200, |_| n = ix.eligibility(&r, "pvd", Some(rule)).map_or(0, |e| e.eligible.len()));
        rows.push((format!("{name} → {n} communes"), 200, t));
    }
    rows.push(("overlap matrix, 16 × 16 programmes".into(), 200, measure(200, |_| drop(ix.compute_overlap()))));
    let communes: Vec<u32> = (0..r.len() as u32).filter(|&i| r.at(i).kind == TerritoryKind::Commune).collect();
    let step = communes.len() / 1000;
    rows.push((
        "a commune's programmes (own + via EPCI, département, région)".into(),
        1000,
        measure(1000, |i| drop(ix.involvements(&r, communes[i * step]))),
    ));
    rows.push((
        "a commune's 3 nearest France services places".into(),
        1000,
        measure(1000, |i| {
            if let Some((from, _)) = ix.location(&r, communes[i * step]) {
                drop(ix.nearest_places(from, 3));
            }
        }),
    ));
    let deps: Vec<u32> = (0..r.len() as u32).filter(|&i| r.at(i).kind == TerritoryKind::Departement).collect();
    rows.push((
        "a département's aggregates (from the dashboards)".into(),
        deps.len(),
        measure(deps.len(), |i| drop(ix.aggregates(&r, deps[i]))),
    ));
    let reg = r.index_of(TerritoryKind::Region, "84").unwrap_or(0);
    rows.push((
        "région 84's aggregates (from the dashboards)".into(),
        50,
        measure(50, |_| drop(ix.aggregates(&r, reg))),
    ));
    rows.push(("dashboard of pvd".into(), 100, measure(100, |_| drop(ix.compute_dashboard(&r, "pvd")))));
    let epcis: Vec<u32> = (0..r.len() as u32).filter(|&i| r.at(i).kind == TerritoryKind::Epci).collect();
    let step = epcis.len() / 200;
    rows.push((
        "an EPCI's aggregates (computed, 16 programmes)".into(),
        200,
        measure(200, |i| drop(ix.aggregates(&r, epcis[i * step]))),
    ));
    println!("| computation | runs | p50 (µs) | p99 (µs) | max (µs) |");
    println!("|---|---:|---:|---:|---:|");
    for (name, runs, (p50, p99, max)) in rows {
        println!("| {name} | {runs} | {p50:.0} | {p99:.0} | {max:.0} |");
    }
}
