//! Times our estimators on a panel CSV and writes their results as JSON, for
//! `bench/impact/run.sh` (which times the Python reference in the same run).
//!
//! `cargo run --release -p cohesion-core --example impact_race -- PANEL.csv OUT.json [REPEATS]`

use std::time::Instant;

use cohesion_core::impact::{ControlGroup, Method, Observation, Panel, estimate};

fn read_panel(path: &str) -> Result<Vec<Observation>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 4 {
            return Err(format!("line {}: expected 4 fields", n + 1).into());
        }
        let g: i32 = f[3].parse()?;
        rows.push(Observation {
            unit: f[0].to_owned(),
            year: f[1].parse()?,
            outcome: f[2].parse()?,
            first_treated: (g != 0).then_some(g),
        });
    }
    Ok(rows)
}

/// CPU time of this thread so far, in seconds (Linux `schedstat`), or `None`. On a
/// shared machine it is far less disturbed by other processes than wall time.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

/// (fastest, median) of repeated timings: the fastest is the least disturbed by
/// other work on a shared machine, and is what the comparison uses on both sides.
fn summarise(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (input, output) = match (args.get(1), args.get(2)) {
        (Some(i), Some(o)) => (i, o),
        _ => return Err("usage: impact_race PANEL.csv OUT.json [REPEATS]".into()),
    };
    let repeats: usize = args.get(3).map_or(Ok(7), |s| s.parse())?.max(1);
    let rows = read_panel(input)?;
    let mut build = Vec::new();
    let mut panel = None;
    for _ in 0..repeats {
        let t = Instant::now();
        panel = Some(Panel::from_observations(&rows)?);
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
        let cpu_start = thread_cpu_seconds();
        for _ in 0..repeats {
            let t = Instant::now();
            last = Some(estimate(&panel, method, control)?);
            times.push(t.elapsed().as_secs_f64());
        }
        // Mean over the repeats: the kernel updates this counter at scheduler ticks,
        // too coarse for one run.
        let cpu_mean = match (cpu_start, thread_cpu_seconds()) {
            (Some(a), Some(b)) => (b - a) / repeats as f64,
            _ => f64::NAN,
        };
        let mut v = serde_json::to_value(last.ok_or("no repeat")?)?;
        let (fastest, median) = summarise(times);
        v["seconds"] = serde_json::json!(fastest);
        v["median_seconds"] = serde_json::json!(median);
        v["cpu_seconds"] = serde_json::json!(cpu_mean);
        eprintln!("{name}: fastest {fastest:.4} s, median {median:.4} s, mean cpu {cpu_mean:.4} s over {repeats} runs");
        results.insert(name.to_owned(), v);
    }
    let out = serde_json::json!({
        "rows": rows.len(),
        "units": panel.n_units(),
        "years": panel.n_years(),
        "panel_build_seconds": summarise(build).0,
        "estimators": results,
    });
    std::fs::write(output, serde_json::to_string_pretty(&out)?)?;
    Ok(())
}
