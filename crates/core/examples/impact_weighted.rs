//! Times our weighted estimators on a panel CSV with a unit weight column and writes
//! their results as JSON, for `bench/impact/weighted.sh` (which runs the Python
//! references with the same weights in the same run).
//!
//! `cargo run --release -p cohesion-core --example impact_weighted -- PANEL.csv OUT.json [REPEATS]`
//! where PANEL.csv has the columns `unit,year,outcome,first_treated,weight` (`0` for
//! never treated; one weight per unit, repeated on each of its rows).

use std::collections::HashMap;
use std::time::Instant;

use cohesion_core::impact::{ControlGroup, Method, Observation, Panel, estimate};

type Rows = (Vec<Observation>, HashMap<String, f64>);

fn read_panel(path: &str) -> Result<Rows, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut rows = Vec::new();
    let mut weights: HashMap<String, f64> = HashMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 5 {
            return Err(format!("line {}: expected 5 fields", n + 1).into());
        }
        let g: i32 = f[3].parse()?;
        let w: f64 = f[4].parse()?;
        if let Some(prev) = weights.insert(f[0].to_owned(), w)
            && prev != w
        {
            return Err(format!("line {}: unit {} has two weights", n + 1, f[0]).into());
        }
        rows.push(Observation {
            unit: f[0].to_owned(),
            year: f[1].parse()?,
            outcome: f[2].parse()?,
            first_treated: (g != 0).then_some(g),
        });
    }
    Ok((rows, weights))
}

/// (fastest, median) of repeated timings.
fn summarise(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (input, output) = match (args.get(1), args.get(2)) {
        (Some(i), Some(o)) => (i, o),
        _ => return Err("usage: impact_weighted PANEL.csv OUT.json [REPEATS]".into()),
    };
    let repeats: usize = args.get(3).map_or(Ok(5), |s| s.parse())?.max(1);
    let (rows, weights) = read_panel(input)?;
    let mut build = Vec::new();
    let mut panel = None;
    for _ in 0..repeats {
        let t = Instant::now();
        panel = Some(Panel::from_observations(&rows)?.with_unit_weights(|u| weights.get(u).copied())?);
        build.push(t.elapsed().as_secs_f64());
    }
    let panel = panel.ok_or("no repeat")?;
    let mut results = serde_json::Map::new();
    for (name, method, control) in [
        ("twfe", Method::Twfe, ControlGroup::Never),
        ("cs_never", Method::Cs, ControlGroup::Never),
        ("cs_notyet", Method::Cs, ControlGroup::NotYet),
        ("imputation", Method::Imputation, ControlGroup::Never),
    ] {
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..repeats {
            let t = Instant::now();
            last = Some(estimate(&panel, method, control)?);
            times.push(t.elapsed().as_secs_f64());
        }
        let mut v = serde_json::to_value(last.ok_or("no repeat")?)?;
        let (fastest, median) = summarise(times);
        v["seconds"] = serde_json::json!(fastest);
        v["median_seconds"] = serde_json::json!(median);
        eprintln!("{name}: fastest {fastest:.4} s, median {median:.4} s over {repeats} runs");
        results.insert(name.to_owned(), v);
    }
    let out = serde_json::json!({
        "rows": rows.len(),
        "units": panel.n_units(),
        "years": panel.n_years(),
        "weighted": panel.is_weighted(),
        "panel_build_seconds": summarise(build).0,
        "estimators": results,
    });
    std::fs::write(output, serde_json::to_string_pretty(&out)?)?;
    Ok(())
}
