//! Search latency over the 24,811 real projects (the shipped demonstration set), in
//! process: `cargo run --release -p cohesion-web --example project_search`.
//! Prints a Markdown report (see `bench/results/projects.md`).

use std::io::Read;
use std::time::{Duration, Instant};

use cohesion_app::project::catalog::{Catalog, Filter};
use cohesion_core::project::dotations::{self, Resolution};
use cohesion_core::project::{Phase, Project, Transition};
use cohesion_core::territory::{TerritoryRef, compact};

const DATA: &[u8] = include_bytes!("../../../data/projects/dotations_2019.csv.gz");

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let referential = compact::read("territories.tsv", compact::SHIPPED)?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(DATA).read_to_string(&mut text)?;
    let (rows, _) = dotations::read("dotations", &text, |t| match referential.get_ref(t) {
        Some(x) => Resolution::Current(x.siren.clone()),
        None => Resolution::Unknown,
    })?;
    let projects: Vec<Project> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| Project {
            id: format!("p{i}"),
            input: r.input,
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        })
        .collect();
    let names: Vec<String> = projects.iter().step_by(83).map(|p| p.input.name.clone()).collect();
    let started = Instant::now();
    let catalog = Catalog::build(projects, &referential, 1)?;
    let build = started.elapsed();

    // Queries: 300 one-word and 300 two-word queries taken from project names, the
    // issue's example, broad words, and the same with filters.
    let mut queries: Vec<Filter> = Vec::new();
    for name in &names {
        let words: Vec<&str> = name.split_whitespace().filter(|w| w.chars().count() > 3).collect();
        if let Some(w) = words.first() {
            queries.push(Filter { q: Some((*w).to_owned()), ..Filter::default() });
        }
        if words.len() > 1 {
            queries.push(Filter { q: Some(format!("{} {}", words[0], words[1])), ..Filter::default() });
        }
    }
    let dep: TerritoryRef = "departement:42".parse()?;
    let region: TerritoryRef = "region:84".parse()?;
    for q in ["rénovation école", "travaux", "commune", "voirie", "salle", "mairie"] {
        queries.push(Filter { q: Some(q.into()), ..Filter::default() });
        queries.push(Filter { q: Some(q.into()), territory: Some(dep.clone()), ..Filter::default() });
        queries.push(Filter {
            q: Some(q.into()),
            territory: Some(region.clone()),
            phase: Some(Some(Phase::Operation)),
            ..Filter::default()
        });
    }
    queries.push(Filter::default());
    queries.push(Filter { territory: Some(dep.clone()), ..Filter::default() });
    queries.push(Filter { transition: Some(Transition::Ecological), ..Filter::default() });
    let mut times = Vec::new();
    let mut worst = (Duration::ZERO, String::new(), 0);
    for round in 0..5 {
        for f in &queries {
            let t = Instant::now();
            let found = catalog.search(f, 0, 20)?;
            let d = t.elapsed();
            if round > 0 {
                times.push(d);
                if d > worst.0 {
                    worst = (d, format!("{:?} {:?}", f.q, f.territory.as_ref().map(ToString::to_string)), found.total);
                }
            }
        }
    }
    times.sort();
    let example = catalog.search(&Filter { q: Some("rénovation école".into()), ..Filter::default() }, 0, 20)?;
    println!("| projects | index build | queries timed | p50 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| {} | {} ms | {} ({} distinct × 4 rounds after 1 warm-up) | {:.2} ms | {:.2} ms | {:.2} ms |",
        catalog.len(),
        build.as_millis(),
        times.len(),
        queries.len(),
        pct(&times, 0.5).as_secs_f64() * 1e3,
        pct(&times, 0.99).as_secs_f64() * 1e3,
        times.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    println!();
    println!("Slowest query: {} ({} matches), {:.2} ms.", worst.1, worst.2, worst.0.as_secs_f64() * 1e3);
    println!("`rénovation école`: {} matches.", example.total);
    Ok(())
}
