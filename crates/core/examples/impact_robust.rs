//! The estimators and checks of issue 18, point 4, on a panel CSV, timed, with their
//! results as JSON for `bench/impact/robust.sh` (which runs the Python references on
//! the same panel in the same run): Sun & Abraham, the CS multiplier-bootstrap band,
//! placebo in time, and the rejection rate of placebo-in-space assignments.
//!
//! `cargo run --release -p cohesion-core --example impact_robust -- PANEL.csv OUT.json [REPEATS] [DRAWS]`

use std::time::Instant;

use cohesion_core::impact::{
    BootstrapOptions, ControlGroup, CsOptions, Method, Observation, Panel, Spec, callaway_santanna, placebo_in_space,
    placebo_in_time, sun_abraham,
};

fn read_panel(path: &str) -> Result<Vec<Observation>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [unit, year, outcome, g, ..] = f.as_slice() else {
            return Err(format!("line {}: expected 4 fields", n + 1).into());
        };
        let g: i32 = g.parse()?;
        rows.push(Observation {
            unit: (*unit).to_owned(),
            year: year.parse()?,
            outcome: outcome.parse()?,
            first_treated: (g != 0).then_some(g),
        });
    }
    Ok(rows)
}

fn fastest<T>(repeats: usize, mut f: impl FnMut() -> T) -> (T, f64) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeats {
        let t = Instant::now();
        out = Some(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    (out.expect("at least one repeat"), best)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (input, output) = match (args.get(1), args.get(2)) {
        (Some(i), Some(o)) => (i, o),
        _ => return Err("usage: impact_robust PANEL.csv OUT.json [REPEATS] [DRAWS]".into()),
    };
    let repeats: usize = args.get(3).map_or(Ok(5), |s| s.parse())?.max(1);
    let draws: usize = args.get(4).map_or(Ok(200), |s| s.parse())?.max(1);
    let panel = Panel::from_observations(&read_panel(input)?)?;

    let (sa, sa_secs) = fastest(repeats, || sun_abraham(&panel));
    let sa = sa?;
    eprintln!("sun_abraham: {sa_secs:.4} s");
    let band_opts = CsOptions {
        control: ControlGroup::Never,
        anticipation: 0,
        bootstrap: Some(BootstrapOptions { draws: 999, seed: 2026 }),
    };
    let (cs, cs_secs) = fastest(repeats, || callaway_santanna(&panel, &band_opts));
    let cs = cs?;
    eprintln!("cs with a 999-draw bootstrap band: {cs_secs:.4} s");
    let twfe_spec = Spec { method: Method::Twfe, control: ControlGroup::Never, anticipation: 0 };
    let cs_spec = Spec { method: Method::Cs, control: ControlGroup::NotYet, anticipation: 0 };
    let (pt, pt_secs) = fastest(1, || placebo_in_time(&panel, &cs_spec, 2));
    let pt = pt?;
    // Randomisation inference draws its placebo treated among the never-treated units
    // (the real treated are left out): every placebo estimate is a draw under the null,
    // and the share of placebo intervals excluding zero is the false-rejection rate. The
    // simulated panel treats half its units; one treated unit in four is kept so that
    // the never treated can hold the placebo cohorts and their controls.
    let keep: std::collections::HashSet<String> = (0..panel.n_units())
        .filter(|u| panel.adoption(*u).is_none() || u % 4 == 0)
        .map(|u| panel.unit_label(u).to_owned())
        .collect();
    let ri_panel = panel.restrict_units(|label| keep.contains(label))?;
    let t = Instant::now();
    let ri_twfe = placebo_in_space(&ri_panel, &twfe_spec, sa.estimate, draws, 11)?;
    let ri_twfe_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let ri_cs = placebo_in_space(&ri_panel, &cs_spec, cs.estimate, draws, 12)?;
    let ri_cs_secs = t.elapsed().as_secs_f64();
    eprintln!(
        "placebo in space, {draws} draws: twfe {ri_twfe_secs:.1} s (rejection {:.3}), cs {ri_cs_secs:.1} s (rejection {:.3})",
        ri_twfe.rejection_rate, ri_cs.rejection_rate
    );
    let out = serde_json::json!({
        "units": panel.n_units(),
        "ri_units": ri_panel.n_units(),
        "years": panel.n_years(),
        "sun_abraham": sa,
        "sun_abraham_seconds": sa_secs,
        "cs_band": cs,
        "cs_band_seconds": cs_secs,
        "placebo_time": pt,
        "placebo_time_seconds": pt_secs,
        "ri_twfe": ri_twfe,
        "ri_twfe_seconds": ri_twfe_secs,
        "ri_cs": ri_cs,
        "ri_cs_seconds": ri_cs_secs,
    });
    std::fs::write(output, serde_json::to_string_pretty(&out)?)?;
    Ok(())
}
