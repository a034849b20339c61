//! Benchmark of the indicator store on SQLite (release build; writes Markdown to stdout):
//!
//! 1. roll-up of one indicator over all 34,969 communes to every EPCI, département,
//!    région and France: in memory (core), and from the database (read + roll-up), for
//!    a sum (population) and a weighted mean (weighted by population);
//! 2. an evaluation from stored measurements at 34,969 communes × 10 years: import of
//!    the values, then the job as the worker runs it (read, panel, estimate, store).
//!
//! `cargo run --release -p cohesion --example indicators_bench > bench/results/indicators.md`
//!
//! The values are simulated (known effect), never real figures.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cohesion_core::date;
use cohesion_core::evaluation::{EvaluationRequest, TreatedSet, TreatedTerritory};
use cohesion_core::impact::{ControlGroup, EffectShape, Method, SimConfig, simulate};
use cohesion_core::indicator::measure_file::ParsedValue;
use cohesion_core::indicator::rollup::rollup_all;
use cohesion_core::indicator::{Origin, catalogue, find, find_source, populations};
use cohesion_core::territory::{TerritoryKind, TerritoryRef, compact};
use cohesion_store::testing::TestDb;
use time::OffsetDateTime;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = TestDb::sqlite().await?;
    let store = &db.store;
    let r = compact::read("territories.tsv", compact::SHIPPED).map_err(|f| f.to_string())?;
    store.replace_referential(&r, "bench").await?;
    store.sync_catalogue(catalogue(), "bench").await?;
    let communes: Vec<&str> =
        r.all().iter().filter(|t| t.kind == TerritoryKind::Commune).map(|t| t.code.as_str()).collect();
    println!("# Indicators: roll-ups and evaluations from stored measurements (SQLite)\n");
    println!(
        "`cargo run --release -p cohesion --example indicators_bench`; {} communes; simulated values.\n",
        communes.len()
    );

    // Populations (the shipped legal populations) and a simulated rate on the same date.
    let (source, version, pops) = populations::legal_populations(&r).ok_or("no populations")?;
    let t = Instant::now();
    store.import_measurements("population", &source, Origin::OpenData, version, &pops, "bench").await?;
    let import_pop = t.elapsed();
    let date = date::year_start(2023).ok_or("date")?;
    let rate: Vec<ParsedValue> = communes
        .iter()
        .enumerate()
        .map(|(i, c)| ParsedValue {
            line: 0,
            territory: TerritoryRef { kind: TerritoryKind::Commune, code: (*c).into() },
            date,
            value: 0.5 + (i % 97) as f64 / 100.0,
        })
        .collect();
    let apl = find_source("drees-apl").ok_or("source")?.to_info();
    store
        .import_measurements(
            "gp_accessibility",
            &apl,
            Origin::OpenData,
            date::year_start(2024).ok_or("d")?,
            &rate,
            "bench",
        )
        .await?;

    println!("## 1. Roll-up commune → EPCI → département → région → France\n");
    println!("| what | median of 20 | |\n|---|---|---|");
    let pop_agg = &find("population").ok_or("indicator")?.aggregation;
    let apl_agg = &find("gp_accessibility").ok_or("indicator")?.aggregation;
    let read = |ind: &'static str| async move {
        store
            .effective_values(ind, TerritoryKind::Commune, date, date)
            .await
            .map(|v| v.into_iter().map(|v| (v.code, v.value)).collect::<HashMap<String, f64>>())
    };
    let pop_values = read("population").await?;
    let apl_values = read("gp_accessibility").await?;
    let mut outputs = 0;
    for (label, agg, values, weights) in [
        ("sum (population), in memory", pop_agg, &pop_values, None),
        ("weighted mean (APL by population), in memory", apl_agg, &apl_values, Some(&pop_values)),
    ] {
        let times: Vec<Duration> = (0..20)
            .map(|_| {
                let t = Instant::now();
                let out = rollup_all(&r, agg, values, weights);
                let e = t.elapsed();
                outputs = out.map(|o| o.len()).unwrap_or(0);
                e
            })
            .collect();
        println!("| {label} | {} | {outputs} territories + France |", ms(median(times)));
    }
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let values = read("gp_accessibility").await?;
        let weights = read("population").await?;
        let _ = rollup_all(&r, apl_agg, &values, Some(&weights))?;
        times.push(t.elapsed());
    }
    println!(
        "| weighted mean, read from SQLite (2 × {} values) + roll-up | {} | |",
        pop_values.len(),
        ms(median(times))
    );
    println!("| import of the {} legal populations (one transaction) | {} (once) | |\n", pops.len(), ms(import_pop));

    // 2. Evaluation at commune scale.
    let config = SimConfig {
        n_units: communes.len(),
        first_year: 2015,
        n_years: 10,
        cohorts: vec![(2018, 0.1), (2019, 0.1), (2020, 0.1), (2021, 0.1), (2022, 0.1)],
        effect: EffectShape::Growing { base: 0.5, slope: 0.25 },
        seed: 2026,
        ..SimConfig::default()
    };
    let sim = simulate(&config)?;
    let mut code_of: HashMap<&str, &str> = HashMap::new();
    let mut treated: HashMap<&str, i32> = HashMap::new();
    for o in &sim.observations {
        let next = code_of.len();
        let code = *code_of.entry(o.unit.as_str()).or_insert_with(|| communes[next]);
        if let Some(g) = o.first_treated {
            treated.insert(code, g);
        }
    }
    let values: Vec<ParsedValue> = sim
        .observations
        .iter()
        .map(|o| ParsedValue {
            line: 0,
            territory: TerritoryRef { kind: TerritoryKind::Commune, code: code_of[o.unit.as_str()].to_owned() },
            date: date::year_start(o.year).unwrap_or(date),
            value: 100.0 + o.outcome,
        })
        .collect();
    let src = find_source("insee-sirene-creations").ok_or("source")?.to_info();
    let t = Instant::now();
    store
        .import_measurements(
            "business_creations",
            &src,
            Origin::OpenData,
            date::year_start(2025).ok_or("d")?,
            &values,
            "bench",
        )
        .await?;
    let import = t.elapsed();
    println!("## 2. Evaluation from stored measurements, {} communes × 10 years\n", communes.len());
    println!("Import of {} values (one transaction, with its audit event): {}.\n", values.len(), ms(import));
    println!(
        "| method | read values | whole job (read, panel, estimate, store result and panel) | estimate | true effect |\n|---|---|---|---|---|"
    );
    let mut territories: Vec<TreatedTerritory> = treated
        .iter()
        .map(|(c, g)| TreatedTerritory { territory: format!("commune:{c}"), adoption_year: *g })
        .collect();
    territories.sort_by(|a, b| a.territory.cmp(&b.territory));
    for (method, control) in [
        (Method::Cs, ControlGroup::NotYet),
        (Method::Imputation, ControlGroup::Never),
        (Method::Twfe, ControlGroup::Never),
    ] {
        let request = EvaluationRequest {
            treated: TreatedSet::Territories { territories: territories.clone() },
            indicator: "business_creations".into(),
            method,
            control,
            from: 2015,
            to: 2024,
            anticipation: 0,
            transform: cohesion_core::evaluation::Transform::Level,
            comparison: cohesion_core::evaluation::Comparison::All,
            placebo_draws: cohesion_core::evaluation::DEFAULT_PLACEBO_DRAWS,
            cluster: None,
            covariates: Vec::new(),
        };
        let t = Instant::now();
        let n = store
            .effective_values(
                "business_creations",
                TerritoryKind::Commune,
                date::year_start(2015).ok_or("d")?,
                date::ymd(2024, 12, 31).ok_or("d")?,
            )
            .await?
            .len();
        let read_time = t.elapsed();
        let job = store.create_evaluation(&serde_json::to_value(&request)?, "bench").await?;
        let claimed = store.claim_evaluation("bench", OffsetDateTime::now_utc()).await?.ok_or("no job")?;
        let t = Instant::now();
        cohesion_app::evaluation::run_job(store, &r, &claimed, "bench").await?;
        let job_time = t.elapsed();
        let done = store.evaluation(&job.id).await?.ok_or("job")?;
        let estimate = done
            .result
            .as_ref()
            .and_then(|v| v["estimate"].as_f64())
            .ok_or_else(|| format!("job failed: {:?}", done.error))?;
        let truth = if method == Method::Cs { sim.true_cs_simple(&config) } else { sim.true_post_average() };
        println!(
            "| {method:?} ({control:?}) | {} ({n} values) | {} | {estimate:.4} | {truth:.4} |",
            ms(read_time),
            ms(job_time)
        );
    }
    println!(
        "\nTWFE's estimate differs from the truth by design: growing effects under staggered adoption (docs/impact.md)."
    );
    db.cleanup().await;
    Ok(())
}
