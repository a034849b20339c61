//! Requesting an evaluation from the pages (issue 18, point 2) and reading it (point 6):
//! who may open the form, choosing territories by searching, faults on their field,
//! then a matched comparison group run by the worker, and the page that reads the
//! estimate, the balance, the placebos and the sensitivity in French. Both databases.

use cohesion_core::access::Role;
use cohesion_core::indicator::measure_file::ParsedValue;
use cohesion_core::indicator::{Date, Origin, catalogue, find_source};
use cohesion_core::territory::{TerritoryKind, TerritoryRef};
use cohesion_store::testing::{TestDb, storage_test};

use crate::support::{Browser, TestApp, csrf_of, shipped};

const PASS: &str = "correct horse battery staple";

async fn story(db: TestDb) {
    let referential = shipped();
    let mut codes: Vec<String> = referential
        .all()
        .iter()
        .filter(|t| t.kind == TerritoryKind::Commune && t.code.starts_with("42") && t.code != "42218")
        .filter(|t| t.population.is_some())
        .take(199)
        .map(|t| t.code.clone())
        .collect();
    codes.push("42218".into());
    let mut app = TestApp::builder(db).referential(referential);
    let store = app.store().await;
    store.sync_catalogue(catalogue(), "test").await.expect("catalogue");
    let programmes = cohesion_core::programme::compact::shipped().expect("valid programmes");
    assert!(store.seed_programmes(&programmes, "test").await.expect("programmes"));
    // 200 Loire communes, 2014–2023; 20 adopt in 2019 or 2020 and gain 3 from then on.
    let treated: Vec<(String, i32)> = codes
        .iter()
        .filter(|c| *c != "42218")
        .take(19)
        .chain(std::iter::once(&"42218".to_owned()))
        .enumerate()
        .map(|(i, c)| (c.clone(), 2019 + (i % 2) as i32))
        .collect();
    let mut values = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let g = treated.iter().find(|(c, _)| c == code).map(|(_, g)| *g);
        for year in 2014..=2023 {
            let effect = if g.is_some_and(|g| year >= g) { 3.0 } else { 0.0 };
            let noise = f64::from(((i as i32) * 7 + year * 13) % 11) * 0.1;
            values.push(ParsedValue {
                line: 0,
                territory: TerritoryRef { kind: TerritoryKind::Commune, code: code.clone() },
                date: cohesion_core::date::year_start(year).expect("date"),
                value: 10.0 + (i % 17) as f64 + f64::from(year - 2014) * 0.5 + effect + noise,
            });
        }
    }
    import_creations(store, &values).await;
    let app = app.start().await;
    app.person("sans-role@example.fr", &[], PASS).await;
    app.person("delegue@loire.gouv.fr", &[Role::Delegate { departement: "42".into() }], PASS).await;

    // Who may open the form: not anonymous (sign-in), not without a role (403).
    let mut anonymous = Browser::new();
    let (status, headers, _) = anonymous.get(&app.url("/evaluations/nouvelle")).await;
    assert_eq!((status, headers.get("location").and_then(|v| v.to_str().ok())), (303, Some("/connexion")));
    let mut nobody = Browser::new();
    assert_eq!(nobody.sign_in(&app, "sans-role@example.fr", PASS).await, 303);
    assert_eq!(nobody.get(&app.url("/evaluations/nouvelle")).await.0, 403);

    let mut b = Browser::new();
    assert_eq!(b.sign_in(&app, "delegue@loire.gouv.fr", PASS).await, 303);
    let (status, _, form) = b.get(&app.url("/evaluations/nouvelle?programme=pvd")).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("Demander l’évaluation")
            && form.contains("Territoires appariés")
            && form.contains("name=\"replacement\""),
        "the form"
    );
    let csrf = csrf_of(&form);

    // Choosing a territory by searching, then adding it with its year.
    let (status, _, found) = b
        .post(
            &app.url("/evaluations/nouvelle"),
            &[("csrf", &csrf), ("intervention", "territoires"), ("chercher", "ajout"), ("ajout_q", "Saint-Étienne")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(found.contains("value=\"commune:42218\""), "the search offers Saint-Étienne");
    let (status, _, added) = b
        .post(
            &app.url("/evaluations/nouvelle"),
            &[
                ("csrf", &csrf),
                ("intervention", "territoires"),
                ("ajout", "commune:42218"),
                ("ajout_annee", "2020"),
                ("ajouter", "oui"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(added.contains("value=\"commune:42218@2020\" checked"), "listed with its year");
    let (status, _, missing_year) = b
        .post(
            &app.url("/evaluations/nouvelle"),
            &[("csrf", &csrf), ("intervention", "territoires"), ("ajout", "commune:42218"), ("ajouter", "oui")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(missing_year.contains("Donnez l’année d’adoption"));

    // A programme whose list gives no date (Action Cœur de ville): the year to take for
    // its undated members is declared on the form, checked, and said on the page.
    let acv = |year: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("intervention", "programme".into()),
            ("programme", "acv".into()),
            ("annee_sans_date", year.into()),
            ("indicator", "population".into()),
            ("transform", "level".into()),
            ("from", "2014".into()),
            ("to", "2023".into()),
            ("method", "cs".into()),
            ("comparison", "not_yet".into()),
            ("anticipation", "0".into()),
            ("placebo_draws", "19".into()),
            ("demander", "oui".into()),
        ]
    };
    let fields = acv("dix-huit");
    let (status, _, page) = b.post(&app.url("/evaluations/nouvelle"), &pairs(&fields)).await;
    assert_eq!(status, 400);
    assert!(page.contains("s’écrit en quatre chiffres"), "the year's fault");
    assert!(page.contains("value=\"dix-huit\""), "what was typed is kept");
    let fields = acv("");
    let (status, _, page) = b.post(&app.url("/evaluations/nouvelle"), &pairs(&fields)).await;
    assert_eq!(status, 400);
    assert!(page.contains("Indiquez l’année d’adoption à retenir pour les membres sans date"), "the refusal says how");
    let fields = acv("2018");
    let (status, headers, _) = b.post(&app.url("/evaluations/nouvelle"), &pairs(&fields)).await;
    assert_eq!(status, 303);
    let location = headers.get("location").and_then(|v| v.to_str().ok()).expect("location").to_owned();
    let (status, _, page) = b.get(&app.url(&location)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("membres sans date d’adhésion pris à l’année 2018, hypothèse déclarée par le demandeur"),
        "the page says the assumption"
    );

    // The request: the 20 territories, matched comparison, CS; a bad period first.
    let listed: Vec<String> = treated.iter().map(|(c, g)| format!("commune:{c}@{g}")).collect();
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("intervention", "territoires"),
        ("indicator", "business_creations"),
        ("transform", "level"),
        ("method", "cs"),
        ("comparison", "matched"),
        ("k", "2"),
        ("anticipation", "0"),
        ("placebo_draws", "19"),
        ("demander", "oui"),
    ];
    fields.extend(listed.iter().map(|v| ("traite", v.as_str())));
    let mut bad = fields.clone();
    bad.extend([("from", "vingt"), ("to", "2023")]);
    let (status, _, page) = b.post(&app.url("/evaluations/nouvelle"), &bad).await;
    assert_eq!(status, 400);
    assert!(page.contains("Les années de début et de fin s’écrivent en chiffres"), "fault on its field");
    assert_eq!(page.matches("name=\"traite\"").count(), 20, "the list is kept");
    let mut reversed = fields.clone();
    reversed.extend([("from", "2023"), ("to", "2014")]);
    let (status, _, page) = b.post(&app.url("/evaluations/nouvelle"), &reversed).await;
    assert_eq!(status, 400);
    assert!(page.contains("période 2023–2014 invalide"), "the request's own check");
    fields.extend([("from", "2014"), ("to", "2023")]);
    let (status, headers, _) = b.post(&app.url("/evaluations/nouvelle"), &fields).await;
    assert_eq!(status, 303);
    let location = headers.get("location").and_then(|v| v.to_str().ok()).expect("location").to_owned();
    assert!(location.starts_with("/evaluations/"), "{location}");
    let id = location.trim_start_matches("/evaluations/").to_owned();

    // The worker runs it; the page reads it.
    let job = app.run_evaluation(&id).await;
    assert_eq!(job.status, "done", "{:?}", job.error);
    // The matching weights the estimators took: each matched treated territory 1, the
    // controls' weights summing to the number of matched treated territories.
    let inputs = job.inputs.clone().expect("inputs");
    let weights = inputs["matching_weights"].as_object().expect("matching weights");
    let treated_codes: Vec<String> = treated.iter().map(|(c, _)| c.clone()).collect();
    let (mut on_treated, mut on_controls) = (0.0, 0.0);
    for (code, w) in weights {
        let w = w.as_f64().expect("a number");
        assert!(w > 0.0);
        if treated_codes.contains(code) {
            assert_eq!(w, 1.0, "{code}");
            on_treated += w;
        } else {
            on_controls += w;
        }
    }
    assert_eq!(on_treated, 20.0);
    assert!((on_controls - 20.0).abs() < 1e-9, "{on_controls}");
    let result = job.result.expect("result");
    assert!((result["estimate"].as_f64().expect("estimate") - 3.0).abs() < 0.5, "{}", result["estimate"]);
    let matching = &result["matching"];
    assert_eq!(matching["treated"], 20);
    assert_eq!(matching["matched"], 20);
    assert!(matching["controls"].as_u64().is_some_and(|c| (20..=40).contains(&c)), "{matching}");
    assert_eq!(matching["pre_years"], serde_json::json!([2016, 2017, 2018]));
    assert_eq!(result["placebo_space"]["completed"], 19);
    assert!(result["placebo_time"]["estimate"].as_f64().is_some());
    assert!(result["sensitivity"]["rows"].as_array().is_some_and(|r| r.len() == 5));
    assert!(result["uniform_band"]["critical_value"].as_f64().is_some_and(|c| c > 1.9));

    let (status, _, page) = b.get(&app.url(&location)).await;
    assert_eq!(status, 200);
    for needle in [
        "Territoires traités et leur année d’adoption (20)",
        "Saint-Étienne</a> — 2020",
        "appariés : 2 voisins les plus proches par territoire traité, sans remise,",
        "Groupe de comparaison apparié",
        "Équilibre avant et après appariement",
        "indicateur en 2018",
        "Mise à l’épreuve",
        "Placebo dans le temps",
        "Placebo dans l’espace : 19 fois",
        "Sensibilité aux tendances parallèles",
        "Bande simultanée à 95 %",
        "Effet par cohorte d’adoption",
        "<td class=\"cohesion-num\">2019</td><td class=\"cohesion-num\">10</td>",
        "les estimations sont pondérées par les poids d’appariement",
        "l’incertitude de l’appariement lui-même (le choix des voisins) n’est pas propagée",
        "<ul lang=\"fr\">",
    ] {
        assert!(page.contains(needle), "the evaluation page lacks « {needle} »");
    }
    // Baseline covariates (Callaway & Sant'Anna, doubly robust): refused with another
    // method, on their field; with CS, estimated conditionally and said on the page.
    let mut conditional: Vec<(&str, &str)> =
        fields.iter().copied().filter(|(k, _)| !matches!(*k, "comparison" | "k" | "method")).collect();
    conditional.extend([
        ("comparison", "not_yet"),
        ("covariable", "outcome_first_year"),
        ("covariable", "density_level"),
        ("method", "twfe"),
    ]);
    let (status, _, page) = b.post(&app.url("/evaluations/nouvelle"), &conditional).await;
    assert_eq!(status, 400);
    assert!(page.contains("les covariables ne sont prises en compte que par la méthode de Callaway"), "on its field");
    assert!(page.contains("id=\"covariable-density_level\" name=\"covariable\" value=\"density_level\" checked"));
    conditional.retain(|(k, _)| *k != "method");
    conditional.push(("method", "cs"));
    let (status, headers, _) = b.post(&app.url("/evaluations/nouvelle"), &conditional).await;
    assert_eq!(status, 303);
    let conditional_page = headers.get("location").and_then(|v| v.to_str().ok()).expect("location").to_owned();
    let job = app.run_evaluation(conditional_page.trim_start_matches("/evaluations/")).await;
    assert_eq!(job.status, "done", "{:?}", job.error);
    let result = job.result.expect("result");
    assert!((result["estimate"].as_f64().expect("estimate") - 3.0).abs() < 0.5, "{}", result["estimate"]);
    let notes = result["notes"].as_array().expect("notes");
    assert!(notes.iter().any(|n| n.as_str().is_some_and(|n| n.contains("doubly robust"))), "{notes:?}");
    let page = b.get(&app.url(&conditional_page)).await.2;
    assert!(page.contains("indicateur la première année de la période, niveau de densité ; chaque comparaison"));

    // The list of evaluations offers the form; so does a programme's page.
    assert!(b.get(&app.url("/evaluations")).await.2.contains("href=\"/evaluations/nouvelle\""));

    // With replacement (refused before the estimators took weights), by imputation: the
    // controls' weights still sum to the matched treated territories, and the page says
    // how the comparison was drawn.
    let mut with = fields.clone();
    with.retain(|(k, _)| *k != "method" && *k != "placebo_draws");
    with.extend([("method", "imputation"), ("placebo_draws", "0"), ("replacement", "oui")]);
    let (status, headers, _) = b.post(&app.url("/evaluations/nouvelle"), &with).await;
    assert_eq!(status, 303);
    let location = headers.get("location").and_then(|v| v.to_str().ok()).expect("location").to_owned();
    let id = location.trim_start_matches("/evaluations/").to_owned();
    let job = app.run_evaluation(&id).await;
    assert_eq!(job.status, "done", "{:?}", job.error);
    let inputs = job.inputs.clone().expect("inputs");
    let weights = inputs["matching_weights"].as_object().expect("matching weights");
    let on_controls: f64 =
        weights.iter().filter(|(c, _)| !treated_codes.contains(c)).filter_map(|(_, w)| w.as_f64()).sum();
    assert!((on_controls - 20.0).abs() < 1e-9, "{on_controls}");
    let result = job.result.expect("result");
    assert!((result["estimate"].as_f64().expect("estimate") - 3.0).abs() < 0.5, "{}", result["estimate"]);
    let page = b.get(&app.url(&location)).await.2;
    assert!(page.contains("par territoire traité, avec remise (estimations pondérées par les poids d’appariement)"));
    assert!(page.contains("les estimations sont pondérées par les poids d’appariement"));
}

storage_test!(evaluation_form, |db: TestDb| async move { story(db).await });

/// Clustering by département (issue 18, point 4): communes of ten départements in two
/// régions, with a shock per département and year; asked through the API, refused for
/// another estimator, run by the worker with the wild cluster bootstrap, read on the page;
/// and the form carries the choice.
async fn clustered_story(db: TestDb) {
    let referential = shipped();
    let departements = ["01", "03", "07", "15", "26", "38", "21", "25", "39", "58"];
    let mut codes: Vec<(String, usize)> = Vec::new();
    for (d, dep) in departements.iter().enumerate() {
        let of_dep = referential
            .all()
            .iter()
            .filter(|t| t.kind == TerritoryKind::Commune && t.parents.departement.as_deref() == Some(*dep))
            .filter(|t| t.population.is_some())
            .take(15);
        codes.extend(of_dep.map(|t| (t.code.clone(), d)));
    }
    assert_eq!(codes.len(), 150);
    let mut app = TestApp::builder(db).referential(referential);
    let store = app.store().await;
    store.sync_catalogue(catalogue(), "test").await.expect("catalogue");
    // The first four communes of each département adopt in 2019 or 2020 and gain 2.
    let treated: Vec<(String, i32)> = codes
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 15 < 4)
        .map(|(i, (c, _))| (c.clone(), 2019 + (i % 2) as i32))
        .collect();
    let mut values = Vec::new();
    for (i, (code, d)) in codes.iter().enumerate() {
        let g = treated.iter().find(|(c, _)| c == code).map(|(_, g)| *g);
        for year in 2014..=2023 {
            let effect = if g.is_some_and(|g| year >= g) { 2.0 } else { 0.0 };
            let shock = f64::from(((*d as i32) * 5 + year * 3) % 7) * 0.3;
            let noise = f64::from(((i as i32) * 7 + year * 13) % 11) * 0.1;
            values.push(ParsedValue {
                line: 0,
                territory: TerritoryRef { kind: TerritoryKind::Commune, code: code.clone() },
                date: cohesion_core::date::year_start(year).expect("date"),
                value: 10.0 + (i % 17) as f64 + f64::from(year - 2014) * 0.5 + effect + shock + noise,
            });
        }
    }
    import_creations(store, &values).await;
    let app = app.start().await;
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let territories: Vec<serde_json::Value> = treated
        .iter()
        .map(|(c, g)| serde_json::json!({"territory": format!("commune:{c}"), "adoption_year": g}))
        .collect();
    let request = |method: &str| {
        serde_json::json!({
            "treated": {"type": "territories", "territories": territories},
            "indicator": "business_creations", "method": method, "from": 2014, "to": 2023,
            "placebo_draws": 0, "cluster": "departement",
        })
    };
    let post = |body: serde_json::Value| {
        let req = app.client.post(app.url("/api/v1/evaluations")).bearer_auth(&admin).json(&body);
        async move {
            let res = req.send().await.expect("sent");
            (res.status().as_u16(), res.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let (status, problem) = post(request("cs")).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem.to_string().contains("méthode à effets fixes classique"), "{problem}");
    let (status, view) = post(request("twfe")).await;
    assert_eq!(status, 202, "{view}");
    assert_eq!(view["request"]["cluster"], "departement");
    let id = view["id"].as_str().expect("id").to_owned();
    let job = app.run_evaluation(&id).await;
    assert_eq!(job.status, "done", "{:?}", job.error);
    let result = job.result.expect("result");
    let wb = &result["clustering"]["wild_bootstrap"];
    assert_eq!(result["clustering"]["level"], "departement");
    assert_eq!((wb["n_clusters"].as_u64(), wb["n_treated_clusters"].as_u64()), (Some(10), Some(10)));
    assert_eq!(
        (wb["weights"].as_str(), wb["draws"].as_u64(), wb["seed"].as_u64()),
        (Some("webb"), Some(999), Some(2026))
    );
    assert_eq!(result["std_error"], wb["std_error"]);
    assert_eq!((&result["ci_low"], &result["ci_high"]), (&wb["ci_low"], &wb["ci_high"]));
    assert!((result["estimate"].as_f64().expect("estimate") - 2.0).abs() < 0.5, "{}", result["estimate"]);
    assert!(result["clustering"]["unit_std_error"].as_f64().is_some_and(|s| s > 0.0));
    let notes = result["notes_fr"].as_array().expect("notes");
    assert!(
        notes.iter().any(|n| n.as_str().is_some_and(|n| n.starts_with(
            "Erreurs types regroupées par département (10 groupes, dont 10 avec des territoires traités)"
        ))),
        "{notes:?}"
    );
    let mut b = Browser::new();
    let (status, _, page) = b.get(&app.url(&format!("/evaluations/{id}"))).await;
    assert_eq!(status, 200);
    for needle in [
        "Erreurs types regroupées par",
        "p-valeur de l’effet nul (bootstrap sauvage par grappes)",
        "10 départements (dont 10 avec des territoires traités)",
        "bootstrap sauvage par grappes restreint (poids de Webb à six valeurs, 999 tirages, graine 2026)",
    ] {
        assert!(page.contains(needle), "the evaluation page lacks « {needle} »");
    }

    // The form carries the choice, and says why it is refused for another estimator.
    app.person("delegue@ain.gouv.fr", &[Role::Delegate { departement: "01".into() }], PASS).await;
    assert_eq!(b.sign_in(&app, "delegue@ain.gouv.fr", PASS).await, 303);
    let (status, _, form) = b.get(&app.url("/evaluations/nouvelle")).await;
    assert_eq!(status, 200);
    assert!(form.contains("name=\"cluster\"") && form.contains("<option value=\"region\">Par région</option>"));
    let csrf = csrf_of(&form);
    let listed: Vec<String> = treated.iter().map(|(c, g)| format!("commune:{c}@{g}")).collect();
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("intervention", "territoires"),
        ("indicator", "business_creations"),
        ("transform", "level"),
        ("comparison", "never"),
        ("anticipation", "0"),
        ("placebo_draws", "0"),
        ("from", "2014"),
        ("to", "2023"),
        ("cluster", "region"),
        ("demander", "oui"),
    ];
    fields.extend(listed.iter().map(|v| ("traite", v.as_str())));
    let mut with_cs = fields.clone();
    with_cs.push(("method", "cs"));
    let (status, _, page) = b.post(&app.url("/evaluations/nouvelle"), &with_cs).await;
    assert_eq!(status, 400);
    assert!(page.contains("ne sont proposées qu’avec la méthode à effets fixes classique"), "fault on its field");
    assert!(page.contains("<option value=\"region\" selected>Par région</option>"), "the choice is kept");
    fields.push(("method", "twfe"));
    let (status, headers, _) = b.post(&app.url("/evaluations/nouvelle"), &fields).await;
    assert_eq!(status, 303);
    let location = headers.get("location").and_then(|v| v.to_str().ok()).expect("location").to_owned();
    let id = location.trim_start_matches("/evaluations/").to_owned();
    let job = app.db.store.evaluation(&id).await.expect("job").expect("queued");
    assert_eq!(job.request["cluster"], "region");
}

storage_test!(evaluation_clustered, |db: TestDb| async move { clustered_story(db).await });

/// The simulated business creations, imported as the open-data series of January 2024.
async fn import_creations(store: &cohesion_store::Store, values: &[ParsedValue]) {
    let source = find_source("insee-sirene-creations").expect("source").to_info();
    let version: Date = cohesion_core::date::iso_or_year("2024-01-31").expect("date");
    store
        .import_measurements("business_creations", &source, Origin::OpenData, version, values, "test")
        .await
        .expect("import");
}

/// Form fields as the test browser posts them.
fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
