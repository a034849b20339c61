//! HTTP tests of the indicator and evaluation API, and of the evaluation worker, on the
//! real app (random port) over SQLite and PostgreSQL. Values are the shipped legal
//! populations and generated test data with a planted effect.

use std::net::SocketAddr;

use cohesion_core::evaluation::{EvaluationRequest, TreatedSet, TreatedTerritory};
use cohesion_core::impact::{ControlGroup, Method};
use cohesion_core::indicator::measure_file::ParsedValue;
use cohesion_core::indicator::{Date, Origin, catalogue, find_source, populations};
use cohesion_core::territory::{TerritoryKind, TerritoryRef};
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::Value;

use crate::support::{TestApp, shipped};

/// The app over `db` with the shipped referential, the indicator catalogue and the
/// legal populations.
async fn spawn_app(db: TestDb) -> TestApp {
    let shipped = shipped();
    let (source, version, values) = populations::legal_populations(&shipped).expect("populations");
    let mut app = TestApp::builder(db).referential(shipped);
    let store = app.store().await;
    store.sync_catalogue(catalogue(), "test").await.expect("catalogue");
    store.import_measurements("population", &source, Origin::OpenData, version, &values, "test").await.expect("pop");
    app.start().await
}

async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let res = reqwest::get(format!("http://{addr}{path}")).await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn story(db: TestDb) {
    let app = spawn_app(db).await;
    let (addr, state, db) = (app.addr, &app.state, &app.db);
    let r = state.current();
    let r = &r.referential;

    let (status, list) = get(addr, "/api/v1/indicators").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(catalogue().len()));
    let (_, median) = get(addr, "/api/v1/indicators/median_disposable_income").await;
    assert_eq!(median["aggregation"], "not_aggregable");
    assert!(median["rollup_refused"].as_str().is_some_and(|s| s.contains("médiane")));
    assert_eq!(get(addr, "/api/v1/indicators/nope").await.0, 404);

    // France from every commune at 2023-01-01: the COM communes carry no legal population
    // here, and Mayotte's is dated 2017, so both count as uncovered.
    let (_, pop) = get(addr, "/api/v1/indicators/population").await;
    let communes: Vec<_> = r.all().iter().filter(|t| t.kind == TerritoryKind::Commune).collect();
    let expected: u64 = communes
        .iter()
        .filter(|t| t.zone.as_deref() != Some("com") && !t.code.starts_with("976"))
        .filter_map(|t| t.population)
        .sum();
    assert_eq!(pop["france"]["value"].as_f64(), Some(expected as f64));
    assert_eq!(pop["france"]["components"].as_u64(), Some(communes.len() as u64));
    assert_eq!(pop["france"]["complete"], false);
    assert_eq!(pop["france"]["date"], "2023-01-01");

    let (status, loire) = get(addr, "/api/v1/territories/departement/42/indicators").await;
    assert_eq!(status, 200, "{loire}");
    let item = &loire["items"][0];
    assert_eq!(item["code"], "population");
    let loire_sum: u64 =
        communes.iter().filter(|t| t.parents.departement.as_deref() == Some("42")).filter_map(|t| t.population).sum();
    assert_eq!(item["rollup"]["value"].as_f64(), Some(loire_sum as f64));
    assert_eq!(item["rollup"]["complete"], true);
    let peers = item["peers"].as_array().expect("peers");
    assert_eq!(peers.len(), 5, "départements of similar population, rolled up too");
    assert!(peers.iter().all(|p| p["value"].as_f64().is_some() && p["from_communes"] == true), "{peers:?}");

    let (_, se) = get(addr, "/api/v1/territories/commune/42218/indicators").await;
    let item = &se["items"][0];
    let se_pop = r.get(TerritoryKind::Commune, "42218").and_then(|t| t.population).expect("population");
    assert_eq!(item["latest"]["value"].as_f64(), Some(se_pop as f64));
    assert_eq!(item["latest"]["source"]["producer"], "Insee");
    assert_eq!(item["peers"].as_array().map(Vec::len), Some(5));
    assert!(item["peers"].as_array().expect("peers").iter().all(|p| p["value"].as_f64().is_some()));
    assert_eq!(get(addr, "/api/v1/territories/commune/99999/indicators").await.0, 404);

    // Anonymous requests cannot queue an evaluation.
    let res = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/evaluations"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.headers().get("content-type").is_some_and(|v| v.as_bytes() == b"application/problem+json"));
    assert_eq!(get(addr, "/api/v1/evaluations").await.1["total"], 0);
    assert_eq!(get(addr, "/api/v1/evaluations/nope").await.0, 404);
    assert_eq!(get(addr, "/api/v1/evaluations?limit=0").await.0, 400);

    // Generated test values: 60 Loire communes × 2016–2023, +3 from adoption for 20.
    let codes: Vec<&str> =
        communes.iter().filter(|t| t.code.starts_with("42")).take(60).map(|t| t.code.as_str()).collect();
    let mut values = Vec::new();
    let mut treated = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let adoption = (i < 20).then_some(2019 + (i % 2) as i32);
        if let Some(g) = adoption {
            treated.push(TreatedTerritory { territory: format!("commune:{code}"), adoption_year: g });
        }
        for year in 2016..=2023 {
            let effect = if adoption.is_some_and(|g| year >= g) { 3.0 } else { 0.0 };
            values.push(ParsedValue {
                line: 0,
                territory: TerritoryRef { kind: TerritoryKind::Commune, code: (*code).into() },
                date: cohesion_core::date::year_start(year).expect("date"),
                value: 10.0 + i as f64 + f64::from(year - 2016) + effect,
            });
        }
    }
    let source = find_source("insee-sirene-creations").expect("source").to_info();
    let version: Date = cohesion_core::date::iso_or_year("2024-01-31").expect("date");
    db.store
        .import_measurements("business_creations", &source, Origin::OpenData, version, &values, "test")
        .await
        .expect("import");
    let request = |indicator: &str| EvaluationRequest {
        treated: TreatedSet::Territories { territories: treated.clone() },
        indicator: indicator.into(),
        method: Method::Imputation,
        control: ControlGroup::Never,
        from: 2016,
        to: 2023,
        anticipation: 0,
        transform: cohesion_core::evaluation::Transform::Level,
        comparison: cohesion_core::evaluation::Comparison::All,
        placebo_draws: cohesion_core::evaluation::DEFAULT_PLACEBO_DRAWS,
        cluster: None,
        covariates: Vec::new(),
    };
    let ok = db
        .store
        .create_evaluation(&serde_json::to_value(request("business_creations")).expect("json"), "test")
        .await
        .expect("job");
    let ko = db
        .store
        .create_evaluation(&serde_json::to_value(request("poverty_rate")).expect("json"), "test")
        .await
        .expect("job");
    let (_, queued) = get(addr, &format!("/api/v1/evaluations/{}", ok.id)).await;
    assert_eq!((queued["status"].as_str(), queued["percent"].as_i64()), (Some("queued"), Some(0)));

    // The worker the server runs: claims both in order, one done, one failed.
    let worker = cohesion_app::evaluation::spawn(state.app.clone(), std::time::Duration::from_millis(50));
    let mut done = Value::Null;
    for _ in 0..200 {
        let (_, a) = get(addr, &format!("/api/v1/evaluations/{}", ok.id)).await;
        let (_, b) = get(addr, &format!("/api/v1/evaluations/{}", ko.id)).await;
        if a["status"] == "done" && b["status"] == "failed" {
            done = a;
            assert!(b["error"].as_str().is_some_and(|e| e.contains("aucune valeur")), "{b}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.abort();
    assert_eq!(done["status"], "done", "the worker finished the job");
    assert!((done["result"]["estimate"].as_f64().expect("estimate") - 3.0).abs() < 1e-9);
    assert_eq!(done["percent"], 100);
    assert_eq!(done["inputs"]["panel_rows"], 480);
    assert_eq!(done["inputs"]["source_versions"][0]["version_date"], "2024-01-31");
    let panel = db.store.evaluation_panel(&ok.id).await.expect("panel").expect("stored");
    assert!(panel.starts_with("unit,year,outcome,first_treated\n") && panel.lines().count() == 481);
    assert_eq!(get(addr, "/api/v1/evaluations").await.1["total"], 2);

    // Pages: the evaluation (chart, table, plain-French reading), the failed one, the
    // catalogue, the list, and the territory's indicators section.
    let page = html(addr, &format!("/evaluations/{}", ok.id), 200).await;
    for needle in [
        "Terminée",
        "Ce que dit cette estimation",
        "tendances parallèles",
        "<svg role=\"img\"",
        "Données du graphique",
        "Test de pré-tendance",
        "version du 31 janvier 2024",
    ] {
        assert!(page.contains(needle), "evaluation page lacks {needle}");
    }
    assert!(html(addr, &format!("/evaluations/{}", ko.id), 200).await.contains("n’a pas pu aboutir"));
    assert_eq!(reqwest::get(format!("http://{addr}/evaluations/nope")).await.expect("get").status().as_u16(), 404);
    let catalogue_page = html(addr, "/indicateurs", 200).await;
    assert!(catalogue_page.contains("Part des logements vacants") && catalogue_page.contains("DGFiP"));
    assert!(html(addr, "/evaluations", 200).await.contains("Imputation de Borusyak"));
    let loire = html(addr, "/territoires/departement/42", 200).await;
    assert!(loire.contains("id=\"indicateurs\"") && loire.contains("Calculé depuis les communes"), "territory section");
    let se = html(addr, "/territoires/commune/42218", 200).await;
    assert!(se.contains("Dernière valeur") && se.contains("territoires comparables"));
}

async fn html(addr: SocketAddr, path: &str, status: u16) -> String {
    let res = reqwest::get(format!("http://{addr}{path}")).await.expect("get");
    assert_eq!(res.status().as_u16(), status, "{path}");
    let csp = res.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(csp.contains("script-src 'self'"), "{path}: CSP");
    res.text().await.expect("body")
}

storage_test!(indicators_and_evaluations, threads = 2, story);

/// Issue 16: what the territory pages derive once per data revision (roll-ups, a
/// territory's section) is derived again after an import, at the next refresh (the
/// poll, or PostgreSQL's feed) — never served stale past it.
async fn derived_follows_imports(db: TestDb) {
    let app = spawn_app(db).await;
    let addr = app.addr;
    let value = |v: &Value, at: &str| v["items"][0].pointer(at).and_then(Value::as_f64);
    let (_, se) = get(addr, "/api/v1/territories/commune/42218/indicators").await;
    let (_, loire) = get(addr, "/api/v1/territories/departement/42/indicators").await;
    let (se_before, loire_before) =
        (value(&se, "/latest/value").expect("latest"), value(&loire, "/rollup/value").expect("roll-up"));
    // Asked again: the same answer, now from what was derived.
    assert_eq!(get(addr, "/api/v1/territories/commune/42218/indicators").await.1, se);

    // A newer version of the source gives Saint-Étienne 1,000 more inhabitants.
    let source = populations::legal_populations(&shipped()).expect("populations").0;
    let version: Date = cohesion_core::date::iso_or_year("2026-06-30").expect("date");
    let date =
        cohesion_core::date::iso_or_year(se["items"][0]["latest"]["date"].as_str().expect("date")).expect("date");
    let values = vec![ParsedValue {
        line: 0,
        territory: TerritoryRef { kind: TerritoryKind::Commune, code: "42218".into() },
        date,
        value: se_before + 1000.0,
    }];
    app.db
        .store
        .import_measurements("population", &source, Origin::OpenData, version, &values, "test")
        .await
        .expect("import");
    app.state.refresh().await.expect("refresh");

    let (_, se) = get(addr, "/api/v1/territories/commune/42218/indicators").await;
    let (_, loire) = get(addr, "/api/v1/territories/departement/42/indicators").await;
    assert_eq!(value(&se, "/latest/value"), Some(se_before + 1000.0), "{se}");
    assert_eq!(se["items"][0]["superseded"].as_array().map(Vec::len), Some(1), "{se}");
    assert_eq!(value(&loire, "/rollup/value"), Some(loire_before + 1000.0), "{loire}");
    let page = reqwest::get(format!("http://{addr}/territoires/departement/42")).await.expect("page");
    let html = page.text().await.expect("html");
    assert!(html.contains(&fr(loire_before + 1000.0)), "the page shows the new roll-up");
}

/// 1 234 567 as the pages write it (narrow no-break spaces).
fn fr(v: f64) -> String {
    let digits = format!("{}", v.round() as i64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

storage_test!(derived_indicators_follow_imports, |db: TestDb| async move { derived_follows_imports(db).await });
