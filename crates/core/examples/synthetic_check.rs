//! Writes a small simulated panel and our synthetic controls on it, for the cross-check
//! against pysyncon (`bench/impact/synthetic.sh`).
//!
//! `synthetic_check PANEL.csv OURS.json` — 40 units × 16 years (2000–2015), adoption in
//! 2010; cases: units 0 to 4 each treated in turn, the 35 units 5–39 as donors, no
//! penalty (the original estimator, as pysyncon's with equal predictor weights).

use std::fmt::Write as _;

use cohesion_core::impact::rng::Rng;
use cohesion_core::impact::{SyntheticOptions, UnitSeries, synthetic_control};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(panel_path), Some(ours_path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: synthetic_check PANEL.csv OURS.json");
        std::process::exit(2);
    };
    let years: Vec<i32> = (2000..2016).collect();
    let mut rng = Rng::new(2026);
    // Three latent factors with unit loadings, plus noise: a treated unit is then close
    // to, but not exactly, a convex combination of donors.
    let factors: Vec<[f64; 3]> = years
        .iter()
        .map(|y| {
            let t = f64::from(y - 2000);
            [1.0, t / 15.0, (t / 2.5).sin()]
        })
        .collect();
    let units: Vec<UnitSeries> = (0..40)
        .map(|i| {
            let load = [100.0 + 20.0 * rng.uniform(), 10.0 * rng.normal(), 5.0 * rng.normal()];
            let values = factors
                .iter()
                .map(|f| Some(load[0] * f[0] + load[1] * f[1] + load[2] * f[2] + 0.5 * rng.normal()))
                .collect();
            UnitSeries { id: format!("u{i:02}"), values }
        })
        .collect();
    let mut csv = String::from("unit,year,y\n");
    for u in &units {
        for (y, v) in years.iter().zip(&u.values) {
            let _ = writeln!(csv, "{},{y},{}", u.id, v.unwrap_or(f64::NAN));
        }
    }
    if let Err(e) = std::fs::write(panel_path, csv) {
        eprintln!("{panel_path}: {e}");
        std::process::exit(1);
    }
    let options =
        SyntheticOptions { penalty: 0.0, tolerance: 1e-16, max_iterations: 1_000_000, ..SyntheticOptions::default() };
    let donors = &units[5..];
    let mut cases = Vec::new();
    for treated in &units[..5] {
        match synthetic_control(&years, treated, 2010, donors, &options) {
            Ok(sc) => cases.push(serde_json::json!({
                "treated": treated.id,
                "weights": sc.weights.iter().map(|w| (w.id.clone(), w.weight)).collect::<std::collections::BTreeMap<_, _>>(),
                "pre_rmspe": sc.pre_rmspe,
                "synthetic": sc.points.iter().map(|p| p.synthetic).collect::<Vec<_>>(),
                "placebo_p": sc.placebo.map(|p| p.p_value),
            })),
            Err(e) => {
                eprintln!("{}: {e}", treated.id);
                std::process::exit(1);
            }
        }
    }
    let out = serde_json::json!({ "adoption_year": 2010, "years": years, "donors": donors.len(), "cases": cases });
    if let Err(e) = std::fs::write(ours_path, out.to_string()) {
        eprintln!("{ours_path}: {e}");
        std::process::exit(1);
    }
}
