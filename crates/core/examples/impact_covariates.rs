//! Times Callaway & Sant'Anna with covariates (doubly robust, and the outcome
//! regression and IPW variants) on a panel CSV and writes the results as JSON, for
//! `bench/impact/covariates.sh` (which runs csdid on the same CSV in the same run).
//!
//! `cargo run --release -p cohesion-core --example impact_covariates -- PANEL.csv OUT.json [REPEATS]`
//! where PANEL.csv has the columns `unit,year,outcome,first_treated,weight,x…` (`0` for
//! never treated; the weight and the covariates repeated on each row of a unit).

use std::collections::HashMap;
use std::time::Instant;

use cohesion_core::impact::{ControlGroup, CovariateMethod, CsOptions, Observation, Panel, callaway_santanna_with};

struct Input {
    rows: Vec<Observation>,
    weights: HashMap<String, f64>,
    names: Vec<String>,
    covariates: HashMap<String, Vec<f64>>,
}

fn read_panel(path: &str) -> Result<Input, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    if header.len() < 6 || header[..5] != ["unit", "year", "outcome", "first_treated", "weight"] {
        return Err("expected unit,year,outcome,first_treated,weight,covariates…".into());
    }
    let names: Vec<String> = header[5..].iter().map(|s| (*s).to_owned()).collect();
    let mut input = Input { rows: Vec::new(), weights: HashMap::new(), names, covariates: HashMap::new() };
    for (n, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != header.len() {
            return Err(format!("line {}: expected {} fields", n + 2, header.len()).into());
        }
        let g: i32 = f[3].parse()?;
        input.weights.insert(f[0].to_owned(), f[4].parse()?);
        let x: Vec<f64> = f[5..].iter().map(|v| v.parse()).collect::<Result<_, _>>()?;
        input.covariates.insert(f[0].to_owned(), x);
        input.rows.push(Observation {
            unit: f[0].to_owned(),
            year: f[1].parse()?,
            outcome: f[2].parse()?,
            first_treated: (g != 0).then_some(g),
        });
    }
    Ok(input)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (input, output) = match (args.get(1), args.get(2)) {
        (Some(i), Some(o)) => (i, o),
        _ => return Err("usage: impact_covariates PANEL.csv OUT.json [REPEATS]".into()),
    };
    let repeats: usize = args.get(3).map_or(Ok(3), |s| s.parse())?.max(1);
    let data = read_panel(input)?;
    let names: Vec<&str> = data.names.iter().map(String::as_str).collect();
    let plain = Panel::from_observations(&data.rows)?;
    let with_x = plain.clone().with_unit_covariates(&names, |u| data.covariates.get(u).cloned())?;
    let weighted = with_x.clone().with_unit_weights(|u| data.weights.get(u).copied())?;
    let mut results = serde_json::Map::new();
    let runs = [
        ("unconditional_never", &plain, ControlGroup::Never, CovariateMethod::DoublyRobust),
        ("unconditional_notyet", &plain, ControlGroup::NotYet, CovariateMethod::DoublyRobust),
        ("dr_never", &with_x, ControlGroup::Never, CovariateMethod::DoublyRobust),
        ("dr_notyet", &with_x, ControlGroup::NotYet, CovariateMethod::DoublyRobust),
        ("dr_never_weighted", &weighted, ControlGroup::Never, CovariateMethod::DoublyRobust),
        ("dr_notyet_weighted", &weighted, ControlGroup::NotYet, CovariateMethod::DoublyRobust),
        ("reg_never", &with_x, ControlGroup::Never, CovariateMethod::Regression),
        ("ipw_notyet_weighted", &weighted, ControlGroup::NotYet, CovariateMethod::Ipw),
    ];
    for (name, panel, control, method) in runs {
        let opts = CsOptions { control, ..CsOptions::default() };
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..repeats {
            let t = Instant::now();
            last = Some(callaway_santanna_with(panel, &opts, method)?);
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let mut v = serde_json::to_value(last.ok_or("no repeat")?)?;
        v["seconds"] = serde_json::json!(times[0]);
        v["median_seconds"] = serde_json::json!(times[times.len() / 2]);
        eprintln!("{name}: fastest {:.4} s over {repeats} runs", times[0]);
        results.insert(name.to_owned(), v);
    }
    let out = serde_json::json!({
        "rows": data.rows.len(),
        "units": plain.n_units(),
        "years": plain.n_years(),
        "covariates": data.names,
        "estimators": results,
    });
    std::fs::write(output, serde_json::to_string_pretty(&out)?)?;
    Ok(())
}
