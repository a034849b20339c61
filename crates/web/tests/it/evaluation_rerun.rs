//! An evaluation's treated territories on a map, and re-running a stored evaluation on
//! the data as it is now (issue 18, point 6): who may re-run it (pages and API), the
//! new job carrying the same inputs and `rerun_of`, the worker estimating it on a newer
//! source version, and the comparison of the two on the re-run's page. Both databases.

use cohesion_core::access::Role;
use cohesion_core::indicator::measure_file::ParsedValue;
use cohesion_core::indicator::{Date, Origin, catalogue, find_source};
use cohesion_core::territory::{TerritoryKind, TerritoryRef};
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};

use crate::support::{Browser, TestApp, csrf_of, shipped};

const PASS: &str = "correct horse battery staple";

/// The business creations of `codes` from 2014 to 2023, the treated gaining `effect`
/// from their adoption year on.
fn series(codes: &[String], treated: &[(String, i32)], effect: f64) -> Vec<ParsedValue> {
    let mut values = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let g = treated.iter().find(|(c, _)| c == code).map(|(_, g)| *g);
        for year in 2014..=2023 {
            let lift = if g.is_some_and(|g| year >= g) { effect } else { 0.0 };
            let noise = f64::from(((i as i32) * 7 + year * 13) % 11) * 0.1;
            values.push(ParsedValue {
                line: 0,
                territory: TerritoryRef { kind: TerritoryKind::Commune, code: code.clone() },
                date: cohesion_core::date::year_start(year).expect("date"),
                value: 10.0 + (i % 17) as f64 + f64::from(year - 2014) * 0.5 + lift + noise,
            });
        }
    }
    values
}

/// One open-data version of the business creations.
async fn import(store: &cohesion_store::Store, version: &str, values: &[ParsedValue]) {
    let source = find_source("insee-sirene-creations").expect("source").to_info();
    let version: Date = cohesion_core::date::iso_or_year(version).expect("date");
    store
        .import_measurements("business_creations", &source, Origin::OpenData, version, values, "test")
        .await
        .expect("import");
}

/// "7 décembre 2026": how the pages write a day in Europe/Paris.
fn french_day(t: time::OffsetDateTime) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let p = cohesion_core::paris::paris(t);
    let day = if p.day() == 1 { "1er".to_owned() } else { p.day().to_string() };
    format!("{day} {} {}", MONTHS[usize::from(u8::from(p.month())) - 1], p.year())
}

async fn story(db: TestDb) {
    let referential = shipped();
    let of = |dep: &str, n: usize, but: &str| -> Vec<String> {
        referential
            .all()
            .iter()
            .filter(|t| t.kind == TerritoryKind::Commune && t.parents.departement.as_deref() == Some(dep))
            .filter(|t| t.population.is_some() && t.code != but)
            .take(n)
            .map(|t| t.code.clone())
            .collect()
    };
    let mut codes = of("42", 194, "42218");
    codes.push("42218".into());
    let rhone = of("69", 5, "");
    codes.extend(rhone.iter().cloned());
    // 18 communes of the Loire (Saint-Étienne among them) and 2 of the Rhône adopt in
    // 2019 or 2020; Saint-Pierre (Saint-Pierre-et-Miquelon, off the map) too, without
    // any value.
    let treated: Vec<(String, i32)> = codes
        .iter()
        .filter(|c| c.starts_with("42") && *c != "42218")
        .take(17)
        .chain(std::iter::once(&"42218".to_owned()))
        .chain(rhone.iter().take(2))
        .enumerate()
        .map(|(i, c)| (c.clone(), 2019 + (i % 2) as i32))
        .collect();
    assert_eq!(treated.len(), 20);
    let mut app = TestApp::builder(db).referential(referential);
    let store = app.store().await;
    store.sync_catalogue(catalogue(), "test").await.expect("catalogue");
    import(store, "2024-01-31", &series(&codes, &treated, 3.0)).await;
    let app = app.start().await;

    let delegate = app.token("delegue@loire.gouv.fr", vec![Role::Delegate { departement: "42".into() }]).await;
    let nobody = app.token("sans-role@example.fr", vec![]).await;
    let mut territories: Vec<Value> =
        treated.iter().map(|(c, g)| json!({"territory": format!("commune:{c}"), "adoption_year": g})).collect();
    territories.push(json!({"territory": "commune:97502", "adoption_year": 2019}));
    let request = json!({
        "treated": {"type": "territories", "territories": territories},
        "indicator": "business_creations", "method": "cs", "control": "not_yet", "from": 2014, "to": 2023,
        "transform": "level", "anticipation": 0, "placebo_draws": 9,
        "comparison": {"type": "matched", "k": 2, "replacement": true, "exact_typology": false, "pre_years": 3},
    });
    let call = |method: reqwest::Method, path: &str, token: Option<&str>, body: Option<&Value>| {
        let mut req = app.client.request(method, app.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        async move {
            let res = req.send().await.expect("sent");
            let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
            (res.status().as_u16(), location, res.json::<Value>().await.unwrap_or_default())
        }
    };
    let (status, _, view) = call(reqwest::Method::POST, "/api/v1/evaluations", Some(&delegate), Some(&request)).await;
    assert_eq!(status, 202, "{view}");
    assert_eq!(view["rerun_of"], Value::Null, "asked for afresh");
    let original = view["id"].as_str().expect("id").to_owned();
    let stored_request = view["request"].clone();
    let done = app.run_evaluation(&original).await;
    assert_eq!(done.status, "done", "{:?}", done.error);
    let first_estimate = done.result.as_ref().and_then(|r| r["estimate"].as_f64()).expect("estimate");
    assert!((first_estimate - 3.0).abs() < 0.5, "{first_estimate}");

    // The map: treated territories counted by département, the one off the map named.
    let mut anonymous = Browser::new();
    let (status, _, page) = anonymous.get(&app.url(&format!("/evaluations/{original}"))).await;
    assert_eq!(status, 200);
    for needle in [
        "<h3 id=\"carte-titre\">Territoires traités par département</h3>",
        "<svg role=\"img\" aria-labelledby=\"carte-svg-titre\"",
        "<title id=\"carte-svg-titre\">Carte des départements de France, outre-mer en encarts : 21 territoires \
         traités par département, dans 3 départements.</title>",
        "class=\"cohesion-choro-5\"><title>Loire (42) : 18 territoires traités</title>",
        "class=\"cohesion-choro-1\"><title>Rhône (69) : 2 territoires traités</title>",
        "class=\"cohesion-choro-0\"><title>Ain (01) : 0 territoire traité</title>",
        "Saint-Pierre-et-Miquelon (975) : 1 territoire traité, hors de la carte (outre-mer).",
        "<li><svg aria-hidden=\"true\" viewBox=\"0 0 10 10\"><rect width=\"10\" height=\"10\" class=\"cohesion-choro-0\"></rect></svg>aucun</li>",
        "Territoires traités et leur année d’adoption (21)",
        "Saint-Étienne</a> — ",
    ] {
        assert!(page.contains(needle), "the evaluation page lacks « {needle} »");
    }
    let rerun_form = format!("action=\"/evaluations/{original}/relancer\"");
    assert!(!page.contains(&rerun_form), "no re-run button for an anonymous visitor");

    // Who may re-run from the pages: not anonymous (sign-in), not without a role (403).
    let (_, _, sign_in) = anonymous.get(&app.url("/connexion")).await;
    let csrf = csrf_of(&sign_in);
    let rerun_page = app.url(&format!("/evaluations/{original}/relancer"));
    let (status, headers, _) = anonymous.post(&rerun_page, &[("csrf", &csrf)]).await;
    assert_eq!((status, headers.get("location").and_then(|v| v.to_str().ok())), (303, Some("/connexion")));
    let mut without_role = Browser::new();
    assert_eq!(without_role.sign_in(&app, "sans-role@example.fr", PASS).await, 303);
    let page = without_role.get(&app.url(&format!("/evaluations/{original}"))).await.2;
    assert!(!page.contains(&rerun_form), "no button without a role");
    let csrf = csrf_of(&without_role.get(&app.url("/evaluations")).await.2);
    assert_eq!(without_role.post(&rerun_page, &[("csrf", &csrf)]).await.0, 403);

    let mut b = Browser::new();
    assert_eq!(b.sign_in(&app, "delegue@loire.gouv.fr", PASS).await, 303);
    let page = b.get(&app.url(&format!("/evaluations/{original}"))).await.2;
    assert!(page.contains(&rerun_form) && page.contains("Relancer sur les données actuelles</button>"), "the button");
    let csrf = csrf_of(&page);
    assert_eq!(b.post(&rerun_page, &[("csrf", "faux")]).await.0, 403, "the form's token is checked");

    // A job still queued cannot be re-run, on the API (409) or from the pages.
    let (status, _, queued) = call(reqwest::Method::POST, "/api/v1/evaluations", Some(&delegate), Some(&request)).await;
    assert_eq!(status, 202);
    let queued = queued["id"].as_str().expect("id").to_owned();
    let (status, _, problem) =
        call(reqwest::Method::POST, &format!("/api/v1/evaluations/{queued}/rerun"), Some(&delegate), None).await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("conflict")), "{problem}");
    let (status, _, page) = b.post(&app.url(&format!("/evaluations/{queued}/relancer")), &[("csrf", &csrf)]).await;
    assert_eq!(status, 409);
    assert!(page.contains("Cette évaluation n’est pas terminée : elle pourra être relancée à la fin de son calcul."));
    // (Ended here, so that the worker below does not spend time on it.)
    app.db.store.claim_evaluation_id(&queued, "test").await.expect("claim").expect("claimed");
    assert!(app.db.store.fail_evaluation(&queued, "test", "écartée par le test").await.expect("failed"));

    // The API: 401 anonymous, 403 without a role, 404 unknown, 201 with a role.
    let rerun_api = format!("/api/v1/evaluations/{original}/rerun");
    assert_eq!(call(reqwest::Method::POST, &rerun_api, None, None).await.0, 401);
    let (status, _, problem) = call(reqwest::Method::POST, &rerun_api, Some(&nobody), None).await;
    assert_eq!(status, 403, "{problem}");
    let unknown = "/api/v1/evaluations/0190a1b2-0000-7000-8000-000000000000/rerun";
    assert_eq!(call(reqwest::Method::POST, unknown, Some(&delegate), None).await.0, 404);
    let (status, location, by_api) = call(reqwest::Method::POST, &rerun_api, Some(&delegate), None).await;
    assert_eq!(status, 201, "{by_api}");
    let by_api_id = by_api["id"].as_str().expect("id").to_owned();
    assert_eq!(location, Some(format!("/api/v1/evaluations/{by_api_id}")));
    assert_eq!((by_api["rerun_of"].as_str(), by_api["status"].as_str()), (Some(original.as_str()), Some("queued")));
    assert_eq!(by_api["request"], stored_request, "the same inputs");

    // From the page: a new job with the same inputs, naming the original.
    let (status, headers, _) = b.post(&rerun_page, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let location = headers.get("location").and_then(|v| v.to_str().ok()).expect("location").to_owned();
    let rerun = location.trim_start_matches("/evaluations/").to_owned();
    assert_ne!(rerun, original);
    let job = app.db.store.evaluation(&rerun).await.expect("job").expect("queued");
    assert_eq!((job.status.as_str(), job.rerun_of.as_deref()), ("queued", Some(original.as_str())));
    assert_eq!(job.request, done.request, "same treated set and years, indicator, estimator, matching…");
    for field in ["treated", "indicator", "method", "control", "from", "to", "transform", "comparison", "placebo_draws"]
    {
        assert_eq!(job.request[field], stored_request[field], "{field}");
    }
    let page = b.get(&app.url(&location)).await.2;
    assert!(page.contains("La comparaison des deux estimations s’affichera ici à la fin du calcul."));
    let (_, _, json) = call(reqwest::Method::GET, &format!("/api/v1/evaluations/{rerun}"), None, None).await;
    assert_eq!(json["rerun_of"].as_str(), Some(original.as_str()));

    // Newer data: a later version where the effect is 6. The worker re-runs on it.
    import(&app.db.store, "2025-01-31", &series(&codes, &treated, 6.0)).await;
    let again = app.run_evaluation(&rerun).await;
    assert_eq!(again.status, "done", "{:?}", again.error);
    let second_estimate = again.result.as_ref().and_then(|r| r["estimate"].as_f64()).expect("estimate");
    assert!((second_estimate - 6.0).abs() < 0.5, "{second_estimate}");
    let versions = |job: &cohesion_store::evaluation::EvaluationJob| -> Vec<String> {
        let list = job.inputs.as_ref().and_then(|i| i["source_versions"].as_array().cloned()).unwrap_or_default();
        list.iter().filter_map(|s| s["version_date"].as_str().map(str::to_owned)).collect()
    };
    assert_eq!(versions(&done), ["2024-01-31"]);
    assert_eq!(versions(&again), ["2025-01-31"]);

    let page = b.get(&app.url(&location)).await.2;
    let finished = done.finished_at.expect("finished");
    for needle in [
        format!("<h2 id=\"comparaison-titre\">Comparaison avec l’évaluation du {}</h2>", french_day(finished)),
        format!("<a href=\"/evaluations/{original}\">évaluation d’origine</a>"),
        "<th scope=\"col\">Évaluation d’origine</th><th scope=\"col\">Relance</th>".into(),
        "<th scope=\"row\">Intervalle de confiance à 95 %</th>".into(),
        "<th scope=\"row\">Territoires traités retenus</th><td>20</td><td>20</td>".into(),
        "<th scope=\"row\">Territoires de comparaison</th>".into(),
        "<th scope=\"row\">Période</th><td>2014 à 2023</td><td>2014 à 2023</td>".into(),
        "version du 31 janvier 2024</td>".into(),
        "version du 31 janvier 2025</td>".into(),
        "au-delà de son incertitude : la nouvelle estimation sort de l’intervalle de confiance à 95 % de l’autre."
            .into(),
        "ce n’est pas un test statistique de leur écart".into(),
    ] {
        assert!(page.contains(&needle), "the re-run's page lacks « {needle} »");
    }
    let moved = second_estimate - first_estimate;
    let moved = format!("{:.3}", moved.abs()).replace('.', ",");
    assert!(page.contains(&format!("L’estimation a bougé de {moved}")), "the difference, {moved}");

    // The original's page links to its re-runs, oldest first.
    let page = b.get(&app.url(&format!("/evaluations/{original}"))).await.2;
    let first = page.find(&format!("<a href=\"/evaluations/{by_api_id}\">Relance du ")).expect("the API's re-run");
    let second = page.find(&format!("<a href=\"/evaluations/{rerun}\">Relance du ")).expect("the page's re-run");
    assert!(first < second, "oldest first");
    assert!(page.contains("</a> (terminée)"), "with its status");

    // The list of evaluations marks the re-runs, linked to their original, and names
    // each one's intervention.
    let list = b.get(&app.url("/evaluations")).await.2;
    let marked = format!("relance de <a href=\"/evaluations/{original}\">l’évaluation du ");
    assert_eq!(list.matches(&marked).count(), 2, "both re-runs marked");
    assert!(list.contains("<td>21 territoires</td>"), "the intervention named (Saint-Pierre listed too)");
}

storage_test!(evaluation_rerun, |db: TestDb| async move { story(db).await });
