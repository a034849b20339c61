//! Times our wild cluster restricted bootstrap on a panel CSV with a cluster column and
//! writes its result as JSON, for `bench/impact/wild.sh` (which runs the Python
//! reference, `wildboottest` through pyfixest, on the same panel in the same run).
//!
//! `cargo run --release -p cohesion-core --example impact_wild -- PANEL.csv OUT.json DRAWS WEIGHTS SEED [REPEATS]`
//! where PANEL.csv has the columns `unit,year,outcome,first_treated,cluster` and
//! optionally `weight` (`0` for never treated; one cluster and one weight per unit,
//! repeated on each of its rows), and WEIGHTS is `auto`, `rademacher` or `webb`.

use std::collections::HashMap;
use std::time::Instant;

use cohesion_core::impact::{Observation, Panel, WildOptions, WildWeights, wild_cluster_bootstrap};

struct Input {
    rows: Vec<Observation>,
    clusters: HashMap<String, String>,
    weights: Option<HashMap<String, f64>>,
}

fn read_panel(path: &str) -> Result<Input, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let need = |name: &str| col(name).ok_or_else(|| format!("no column `{name}`"));
    let (iu, iy, io, ig, ic) =
        (need("unit")?, need("year")?, need("outcome")?, need("first_treated")?, need("cluster")?);
    let iw = col("weight");
    let mut input = Input { rows: Vec::new(), clusters: HashMap::new(), weights: iw.map(|_| HashMap::new()) };
    for (n, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let field = |i: usize| f.get(i).copied().ok_or_else(|| format!("line {}: too few fields", n + 2));
        let g: i32 = field(ig)?.parse()?;
        let (unit, cluster) = (field(iu)?, field(ic)?);
        if let Some(first) = input.clusters.insert(unit.to_owned(), cluster.to_owned())
            && first != cluster
        {
            return Err(format!("line {}: unit {unit} in two clusters", n + 2).into());
        }
        if let (Some(i), Some(w)) = (iw, input.weights.as_mut()) {
            w.insert(field(iu)?.to_owned(), field(i)?.parse()?);
        }
        input.rows.push(Observation {
            unit: field(iu)?.to_owned(),
            year: field(iy)?.parse()?,
            outcome: field(io)?.parse()?,
            first_treated: (g != 0).then_some(g),
        });
    }
    Ok(input)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: impact_wild PANEL.csv OUT.json DRAWS WEIGHTS SEED [REPEATS]";
    let arg = |i: usize| args.get(i).map(String::as_str).ok_or(usage);
    let (input, output) = (arg(1)?, arg(2)?);
    let draws: usize = arg(3)?.parse()?;
    let weights = match arg(4)? {
        "auto" => WildWeights::Auto,
        "rademacher" => WildWeights::Rademacher,
        "webb" => WildWeights::Webb,
        other => return Err(format!("unknown weights `{other}`").into()),
    };
    let seed: u64 = arg(5)?.parse()?;
    let repeats: usize = args.get(6).map_or(Ok(3), |s| s.parse())?.max(1);
    let data = read_panel(input)?;
    let panel = Panel::from_observations(&data.rows)?;
    let panel = match &data.weights {
        Some(w) => panel.with_unit_weights(|u| w.get(u).copied())?,
        None => panel,
    };
    let options = WildOptions { draws, seed, weights };
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeats {
        let t = Instant::now();
        last = Some(wild_cluster_bootstrap(&panel, &data.clusters, &options)?);
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let mut v = serde_json::to_value(last.ok_or("no repeat")?)?;
    v["seconds"] = serde_json::json!(times[0]);
    v["median_seconds"] = serde_json::json!(times[times.len() / 2]);
    v["units"] = serde_json::json!(panel.n_units());
    v["years"] = serde_json::json!(panel.n_years());
    v["weighted"] = serde_json::json!(panel.is_weighted());
    eprintln!(
        "{input}: p = {}, {} clusters, {} draws: fastest {:.4} s over {repeats} runs",
        v["p_value"], v["n_clusters"], v["draws"], times[0]
    );
    std::fs::write(output, serde_json::to_string_pretty(&v)?)?;
    Ok(())
}
