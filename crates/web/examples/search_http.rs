//! `GET /api/v1/search` over HTTP (loopback, one keep-alive client, SQLite store)
//! with the 24,811 real projects and one CRTE-like pact per EPCI for the first 850
//! EPCI (the number of CRTE signed in 2021–2022), each with up to 5 of the projects
//! lying in it: projects and pacts searched together, as a client sees it.
//! `cargo run --release -p cohesion-web --example search_http` prints a Markdown report
//! (see `bench/results/projects.md`). The pacts are generated for the measurement and
//! deleted with the temporary database.

use std::io::Read;
use std::time::{Duration, Instant};

use cohesion_app::project::catalog::Filter;
use cohesion_core::pact::{Pact, PactContent, PactKind, Party, PartyKind, STATE_PARTY};
use cohesion_core::project::dotations::{self, Resolution};
use cohesion_core::territory::{TerritoryKind, TerritoryRef, compact};
use cohesion_store::pact::Told;
use cohesion_store::{DatabaseUrl, Store, StoreOptions};
use cohesion_web::AppState;

const DATA: &[u8] = include_bytes!("../../../data/projects/dotations_2019.csv.gz");
const PACTS: usize = 850;

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn time_all(client: &reqwest::Client, base: &str, paths: &[String]) -> Result<Vec<Duration>, reqwest::Error> {
    let mut times = Vec::new();
    for round in 0..4 {
        for p in paths {
            let t = Instant::now();
            let r = client.get(format!("{base}{p}")).send().await?;
            let ok = r.status().is_success();
            let _ = r.bytes().await?;
            let d = t.elapsed();
            assert!(ok, "{p}");
            if round > 0 {
                times.push(d);
            }
        }
    }
    times.sort();
    Ok(times)
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&StoreOptions::new(DatabaseUrl::sqlite_in(dir.path()))).await?;
    let referential = compact::read("territories.tsv", compact::SHIPPED)?;
    store.replace_referential(&referential, "bench").await?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(DATA).read_to_string(&mut text)?;
    let (rows, _) = dotations::read("dotations", &text, |t| match referential.get_ref(t) {
        Some(x) => Resolution::Current(x.siren.clone()),
        None => Resolution::Unknown,
    })?;
    let inputs: Vec<_> = rows.into_iter().map(|r| r.input).collect();
    store.import_projects("dotations-2019", &inputs, "bench").await?;
    let state = AppState::new(cohesion_app::App::load(store.clone()).await?)?;

    let epcis: Vec<_> =
        referential.all().iter().filter(|t| t.kind == TerritoryKind::Epci).take(PACTS).cloned().collect();
    let person = uuid::Uuid::nil();
    for epci in &epcis {
        let place = TerritoryRef { kind: TerritoryKind::Epci, code: epci.code.clone() };
        let found =
            state.projects.load().search(&Filter { territory: Some(place.clone()), ..Filter::default() }, 0, 5)?;
        let content = PactContent {
            kind: PactKind::Crte,
            title: format!("Contrat de relance et de transition écologique — {}", epci.name),
            description: String::new(),
            perimeter: vec![place],
            parties: vec![
                Party { kind: PartyKind::State, name: "Préfecture".into(), siren: None },
                Party { kind: PartyKind::LocalAuthority, name: epci.name.clone(), siren: Some(epci.code.clone()) },
            ],
            owner: STATE_PARTY.into(),
            actions: found.items.iter().map(|p| p.id.clone()).collect(),
        };
        let pact = Pact::new(uuid::Uuid::now_v7().to_string(), content, &cohesion_store::pact::now_rfc3339());
        let told = Told { kind: "created", summary: String::new(), recipients: vec![] };
        store.create_pact(&pact, person, &told).await?;
    }

    state.reload_pacts(true).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = cohesion_web::app(state.clone()).into_make_service();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();

    let catalog = state.projects.load();
    let all = catalog.search(&Filter::default(), 0, catalog.len())?;
    let mut queries: Vec<String> = Vec::new();
    for p in all.items.iter().step_by(83) {
        let words: Vec<&str> = p.input.name.split_whitespace().filter(|w| w.chars().count() > 3).collect();
        if let Some(w) = words.first() {
            queries.push((*w).to_owned());
        }
        if words.len() > 1 {
            queries.push(format!("{} {}", words[0], words[1]));
        }
    }
    queries.extend(
        ["rénovation école", "travaux", "commune", "voirie", "transition écologique", "relance"].map(String::from),
    );
    let names: Vec<String> = epcis.iter().step_by(17).map(|e| e.name.clone()).collect();
    queries.extend(names.iter().cloned());
    let search: Vec<String> = queries.iter().map(|q| format!("/api/v1/search?q={}", encode(q))).collect();
    let pacts: Vec<String> = names.iter().map(|q| format!("/api/v1/pacts?q={}", encode(q))).collect();
    let livez = vec!["/livez".to_owned(); 200];

    let t_search = time_all(&client, &base, &search).await?;
    let t_pacts = time_all(&client, &base, &pacts).await?;
    let t_livez = time_all(&client, &base, &livez).await?;
    println!("| request | distinct | timed | p50 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    for (name, paths, t) in [
        ("`/api/v1/search?q=` (projects + pacts)", &search, &t_search),
        ("`/api/v1/pacts?q=` (EPCI names)", &pacts, &t_pacts),
        ("`/livez` (floor: same server and client)", &livez, &t_livez),
    ] {
        println!(
            "| {name} | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            paths.iter().collect::<std::collections::HashSet<_>>().len(),
            t.len(),
            ms(pct(t, 0.5)),
            ms(pct(t, 0.99)),
            t.last().map_or(0.0, |d| ms(*d))
        );
    }
    println!();
    println!("{} projects, {} pacts in the store.", catalog.len(), state.pacts.load().pacts.len());
    store.close().await;
    Ok(())
}
