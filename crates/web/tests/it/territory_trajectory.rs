//! "Ce qui a changé ici" on a commune's page (issue 18, point 5): a Petite ville de
//! demain against its synthetic control, with the placebo among its neighbours and the
//! programme-wide estimate once an evaluation has finished; and communes where the data
//! cannot say anything, said in French without a number. Both databases.

use cohesion_core::access::Role;
use cohesion_core::indicator::measure_file::ParsedValue;
use cohesion_core::indicator::populations::POPULATION_SOURCE;
use cohesion_core::indicator::{Date, Origin, catalogue, find_source};
use cohesion_core::programme::compact as programmes;
use cohesion_core::territory::{TerritoryKind, TerritoryRef};
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::json;

use crate::support::{TestApp, shipped};

/// Régny, PVD since 2021: fully observed, and 4 % more populous than its trend from
/// 2021 on. Feurs, PVD since 2021: observed from 2020 only. Charlieu, PVD: no value.
const REGNY: &str = "42181";
const FEURS: &str = "42094";
const CHARLIEU: &str = "42052";
const YEARS: [i32; 6] = [2016, 2019, 2020, 2021, 2022, 2023];

async fn story(db: TestDb) {
    let referential = shipped();
    let mut app = TestApp::builder(db).referential(referential.clone());
    let store = app.store().await;
    store.sync_catalogue(catalogue(), "test").await.expect("catalogue");
    let data = programmes::shipped().expect("valid programmes");
    assert!(store.seed_programmes(&data, "test").await.expect("programmes"));
    // Every Loire commune: its legal population, each with its own steady trend.
    let mut values = Vec::new();
    for (i, t) in
        referential.all().iter().filter(|t| t.kind == TerritoryKind::Commune && t.code.starts_with("42")).enumerate()
    {
        let Some(base) = t.population else { continue };
        if t.code == CHARLIEU {
            continue;
        }
        let trend = (i % 13) as f64 * 0.002 - 0.012;
        for year in YEARS {
            if t.code == FEURS && year < 2020 {
                continue;
            }
            let bump = if t.code == REGNY && year >= 2021 { 1.04 } else { 1.0 };
            let value = (base as f64 * (1.0 + trend * f64::from(year - 2016)) * bump).round();
            values.push(ParsedValue {
                line: 0,
                territory: TerritoryRef { kind: TerritoryKind::Commune, code: t.code.clone() },
                date: cohesion_core::date::year_start(year).expect("date"),
                value,
            });
        }
    }
    // One commune elsewhere observed in 2017 alone, as the shipped series dates
    // Mayotte's census: a year nearly every commune lacks must not empty the matching.
    values.push(ParsedValue {
        line: 0,
        territory: TerritoryRef { kind: TerritoryKind::Commune, code: "01001".into() },
        date: cohesion_core::date::year_start(2017).expect("date"),
        value: 800.0,
    });
    let source = find_source(POPULATION_SOURCE).expect("source").to_info();
    let version: Date = cohesion_core::date::iso_or_year("2026-01-01").expect("date");
    store.import_measurements("population", &source, Origin::OpenData, version, &values, "test").await.expect("import");
    let app = app.start().await;
    let page = |code: &str| {
        let url = app.url(&format!("/territoires/commune/{code}"));
        let client = app.client.clone();
        async move {
            let res = client.get(url).send().await.expect("page");
            assert_eq!(res.status(), 200);
            res.text().await.expect("html")
        }
    };

    // Régny: its trajectory, its comparison, the placebo; no evaluation yet.
    let started = std::time::Instant::now();
    let html = page(REGNY).await;
    eprintln!("first render of Régny's page (cohort space built): {:?}", started.elapsed());
    for needle in [
        "Ce qui a changé ici",
        "id=\"trajectoire-pvd\"",
        "Petites villes de demain : population de la commune et de sa comparaison, par année",
        "<th scope=\"row\">2021 (après l’adhésion)</th>",
        "« commune synthétique »",
        "parmi ses 20 plus proches voisines",
        "des 3 années observées avant son adhésion en 2021",
        "Avec seulement 3 années observées avant l’adhésion",
        "p-valeur de permutation",
        "sur 21 (du plus grand au plus petit)",
        "Cette comparaison est descriptive",
        "rapprochées sur population légale en 2016, population légale en 2019, population légale en 2020",
        "Aucune évaluation d’ensemble du programme Petites villes de demain sur la population n’est encore terminée",
        "href=\"/evaluations/nouvelle\"",
        "class=\"cohesion-traj__own\"",
    ] {
        assert!(html.contains(needle), "Régny's page lacks {needle:?}");
    }
    // The 4 % more than its trend stands out among its neighbours.
    assert!(html.contains("sort de l’ordinaire"), "{}", excerpt(&html, "Test placebo"));
    assert!(html.contains("habitants de plus que sa commune synthétique"), "{}", excerpt(&html, "Depuis 2021"));

    // The API's overview carries the same numbers.
    let o: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/territories/commune/{REGNY}/overview")))
        .send()
        .await
        .expect("overview")
        .json()
        .await
        .expect("json");
    let item = &o["trajectories"]["items"][0];
    assert_eq!((item["programme"].as_str(), item["adoption_year"].as_i64()), (Some("pvd"), Some(2021)));
    let sc = &item["synthetic"];
    assert_eq!(sc["donors"], 20);
    assert_eq!(sc["pre_years"], 3);
    assert!(!html.contains("<th scope=\"row\">2017"), "no row for a year nobody here is observed in");
    let total: f64 = item["weights"].as_array().expect("weights").iter().filter_map(|w| w["weight"].as_f64()).sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
    let placebo = &sc["placebo"];
    assert_eq!(placebo["placebos"], 20);
    assert!(placebo["p_value"].as_f64().is_some_and(|p| p <= 0.1), "{placebo}");
    let last = &sc["points"][5];
    assert!(last["gap"].as_f64().is_some_and(|g| g > 0.0), "{last}");

    // Where the data cannot say: a sentence, no table.
    let html = page(FEURS).await;
    assert!(html.contains("id=\"trajectoire-pvd\""));
    assert!(
        html.contains(
            "La commune est entrée dans le programme en 2021 : 1 seule année est observée avant son adhésion, il en \
             faut au moins 2"
        ),
        "{}",
        excerpt(&html, "trajectoire-pvd")
    );
    assert!(!html.contains("population de la commune et de sa comparaison"), "no table without a comparison");
    let html = page(CHARLIEU).await;
    assert!(html.contains("Aucune population légale n’est enregistrée pour cette commune"));
    assert!(!html.contains("p-valeur de permutation"));
    // Memberships without a date are named together, in one sentence; France services
    // (labelled in 2020) gets its trajectory.
    let html = page("42218").await;
    assert!(html.contains("Ce qui a changé ici"));
    assert!(
        html.contains("aucune date de signature ni de labellisation n’est connue"),
        "{}",
        excerpt(&html, "trajectoires-titre")
    );
    assert!(html.contains("id=\"trajectoire-fs\""), "{}", excerpt(&html, "trajectoires-titre"));
    // A commune that is itself a member of no programme has no such section.
    let s = app.state.app.current();
    let outside = s
        .referential
        .all()
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == TerritoryKind::Commune && t.code.starts_with("42"))
        .find(|(i, _)| {
            let idx = u32::try_from(*i).expect("index");
            s.programmes.involvements(&s.referential, idx).iter().all(|i| i.via.is_some())
        })
        .map(|(_, t)| t.code.clone())
        .expect("a Loire commune outside every programme");
    let html = page(&outside).await;
    assert!(!html.contains("Ce qui a changé ici"), "{outside} is no member");

    // An evaluation of the programme finishes: the page names its estimate.
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let request = json!({
        "treated": {"type": "programme", "code": "pvd"},
        "indicator": "population",
        "method": "cs",
        "from": 2016,
        "to": 2023,
        "placebo_draws": 9,
    });
    let res = app.client.post(app.url("/api/v1/evaluations")).bearer_auth(&admin).json(&request).send().await;
    let res = res.expect("queue");
    assert!(res.status().is_success(), "{}", res.status());
    let id = res.json::<serde_json::Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let job = app.run_evaluation(&id).await;
    assert_eq!(job.status, "done", "{:?}", job.error);
    let html = page(REGNY).await;
    assert!(
        html.contains("Estimation d’ensemble du programme (dernière évaluation terminée"),
        "{}",
        excerpt(&html, "Estimation")
    );
    assert!(
        html.contains("21 membres en 2021") || html.contains("membres en 2021"),
        "{}",
        excerpt(&html, "Estimation")
    );
    assert!(html.contains(&format!("href=\"/evaluations/{id}\"")));
    // And its own cohort's estimate (issue 18, point 5: "the programme-wide estimate for
    // its cohort").
    assert!(
        html.contains("Pour la cohorte de la commune (") && html.contains(" après l’entrée, intervalle de confiance"),
        "{}",
        excerpt(&html, "Pour la cohorte")
    );

    // A project in Régny following the population: its baseline, target and the values
    // measured there over time (issue 18, point 5: the project pages).
    let project = json!({
        "name": "Revitalisation du centre-bourg de Régny",
        "territories": [{"kind": "commune", "code": REGNY}],
        "phase": "study",
        "phase_status": "in_progress",
        "indicators": [{"code": "population", "baseline": 1500, "target": 1600, "target_date": "2030-01-01"}],
    });
    let res = app.client.post(app.url("/api/v1/projects")).bearer_auth(&admin).json(&project).send().await;
    let res = res.expect("project");
    assert!(res.status().is_success(), "{}", res.status());
    let pid = res.json::<serde_json::Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let html =
        app.client.get(app.url(&format!("/projets/{pid}"))).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("Valeurs de départ et cibles"));
    assert!(
        html.contains("Valeurs mesurées dans les territoires du projet"),
        "{}",
        excerpt(&html, "indicateurs-titre")
    );
    assert!(html.contains("au 1er janvier 2016 : "), "{}", excerpt(&html, "Valeurs mesurées"));
    assert!(html.contains("au 1er janvier 2023 : "), "{}", excerpt(&html, "Valeurs mesurées"));

    // Timing: a page whose cohort space is built already (Régny's neighbour Balbigny).
    let started = std::time::Instant::now();
    let s = app.state.app.current();
    let idx = s.referential.index_of(TerritoryKind::Commune, "42011").expect("Balbigny");
    let t = cohesion_app::territory::trajectory::of_territory(&app.state.app, &s, idx).await.expect("trajectory");
    eprintln!("Balbigny's trajectories computed in {:?}", started.elapsed());
    assert!(t.items[0].synthetic.is_some());
}

fn excerpt(html: &str, near: &str) -> String {
    let at = html.find(near).unwrap_or(0);
    html.chars().skip(html[..at].chars().count()).take(1500).collect()
}

storage_test!(territory_trajectory, |db: TestDb| async move { story(db).await });
