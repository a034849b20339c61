//! Writes a simulated long panel as CSV (`unit,year,outcome,first_treated`, `0` for
//! never treated) for the cross-check against the Python reference (`bench/impact/`).
//!
//! `cargo run --release -p cohesion-core --example simulate_panel -- OUT.csv [UNITS] [SEED]`

use std::io::Write;

use cohesion_core::impact::{EffectShape, SimConfig, simulate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).ok_or("usage: simulate_panel OUT.csv [UNITS] [SEED]")?;
    let n_units: usize = args.get(2).map_or(Ok(35_000), |s| s.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(2026), |s| s.parse())?;
    let config = SimConfig {
        n_units,
        first_year: 2014,
        n_years: 10,
        cohorts: vec![(2017, 0.1), (2018, 0.1), (2019, 0.1), (2020, 0.1), (2021, 0.1)],
        effect: EffectShape::Growing { base: 0.5, slope: 0.25 },
        cohort_heterogeneity: 0.2,
        seed,
        ..SimConfig::default()
    };
    let sim = simulate(&config)?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    writeln!(w, "unit,year,outcome,first_treated")?;
    for o in &sim.observations {
        // `{}` prints the shortest representation that reads back to the same f64.
        writeln!(w, "{},{},{},{}", o.unit, o.year, o.outcome, o.first_treated.unwrap_or(0))?;
    }
    w.flush()?;
    eprintln!(
        "{} rows, {} units; true post-adoption average effect {:.6}, true CS simple {:.6}",
        sim.observations.len(),
        n_units,
        sim.true_post_average(),
        sim.true_cs_simple(&config)
    );
    Ok(())
}
