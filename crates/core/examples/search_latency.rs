//! Latency distribution of territory search over the whole shipped referential:
//! every query of a fixed mix, many times, p50 / p99 / max in microseconds.
//! Writes a Markdown table to stdout (bench/run.sh saves it in bench/results/).

use std::time::Instant;

use cohesion_core::territory::compact;
use cohesion_core::territory::search::{Query, SearchIndex};
use cohesion_core::territory::{TerritoryKind, fold};

fn main() {
    let started = Instant::now();
    let r = match compact::read("territories.tsv", compact::SHIPPED) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("shipped referential invalid: {e}");
            std::process::exit(1);
        }
    };
    let read = started.elapsed();
    let index = SearchIndex::new(&r);
    let built = started.elapsed();
    let loire = r.index_of(TerritoryKind::Departement, "42");
    let fixed = [
        "saint etienne",
        "ST ETIENNE",
        "st-étienne",
        "a",
        "sa",
        "sai",
        "saint",
        "le",
        "la",
        "marseille",
        "etienne saint",
        "l hay les roses",
        "42000",
        "42218",
        "2A004",
        "200046977",
        "75",
        "",
        "zzzz",
        "bourg en bresse",
        "sur",
        "de",
    ];
    // Plus the name and every prefix (3+ letters) of a sample of 300 real names.
    let sampled: Vec<String> = r
        .all()
        .iter()
        .step_by(r.len() / 300)
        .flat_map(|t| {
            let f = fold(&t.name);
            let ends: Vec<usize> = (3..=f.len()).filter(|&i| f.is_char_boundary(i)).collect();
            ends.into_iter().map(move |i| f[..i].to_owned())
        })
        .collect();
    let mut rows = Vec::new();
    let mut all = Vec::new();
    for (label, q) in fixed.iter().map(|q| (format!("`{q}`"), *q)) {
        for (suffix, kind, parent) in [("", None, None), (" in Loire", Some(TerritoryKind::Commune), loire)] {
            let query = Query { text: q, kind, parent, limit: 20, offset: 0 };
            let mut times: Vec<f64> = (0..300)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(index.search(&r, &query));
                    t.elapsed().as_secs_f64() * 1e6
                })
                .collect();
            times.sort_by(f64::total_cmp);
            all.extend_from_slice(&times);
            let total = index.search(&r, &query).total;
            rows.push((format!("{label}{suffix}"), total, pct(&times, 0.5), pct(&times, 0.99), times[times.len() - 1]));
        }
    }
    let mut sample_times: Vec<f64> = sampled
        .iter()
        .map(|q| {
            let query = Query { text: q, limit: 20, ..Query::default() };
            let t = Instant::now();
            std::hint::black_box(index.search(&r, &query));
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    sample_times.sort_by(f64::total_cmp);
    all.extend_from_slice(&sample_times);
    all.sort_by(f64::total_cmp);
    println!("Territory search, in process, release build, {} territories.\n", r.len());
    println!(
        "Read shipped referential: {:.1} ms; build index: {:.1} ms.\n",
        read.as_secs_f64() * 1e3,
        (built - read).as_secs_f64() * 1e3
    );
    println!("| query | matches | p50 µs | p99 µs | max µs |\n|---|---:|---:|---:|---:|");
    for (label, total, p50, p99, max) in &rows {
        println!("| {label} | {total} | {p50:.1} | {p99:.1} | {max:.1} |");
    }
    println!(
        "| {} name prefixes of 300 sampled territories (once each) | – | {:.1} | {:.1} | {:.1} |",
        sample_times.len(),
        pct(&sample_times, 0.5),
        pct(&sample_times, 0.99),
        sample_times[sample_times.len() - 1]
    );
    println!(
        "\n**All {} timed searches: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs** (target: p99 ≤ 2,000 µs).",
        all.len(),
        pct(&all, 0.5),
        pct(&all, 0.99),
        all[all.len() - 1]
    );
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
