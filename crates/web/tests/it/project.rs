//! Projects over HTTP: French search, filters, territory totals, ETag, exports,
//! pages; writes answer 401 without credentials (their rules are tested in core and
//! store).

#![allow(clippy::inconsistent_digit_grouping)] // amounts written euros_cents (`250_000_00` is 250,000.00 €)

use cohesion_core::project::{ExternalId, Financing, Lead, Phase, PhaseStatus, ProjectInput, STATE, Transition};
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};

use crate::support::TestApp;

fn project(name: &str, description: &str, territory: &str, phase: Phase, cost: i64, grant: i64) -> ProjectInput {
    ProjectInput {
        name: name.into(),
        description: description.into(),
        lead: Some(Lead { name: "Commune".into(), siret: None }),
        territories: vec![territory.parse().expect("ref")],
        phase: Some(phase),
        phase_status: Some(PhaseStatus::InProgress),
        transitions: if cost > 500_000_00 { vec![Transition::Ecological] } else { vec![] },
        domain: Some("Éducation".into()),
        levers: vec![],
        competences: vec![],
        start_date: None,
        end_date: None,
        total_cost_cents: Some(cost),
        financing: vec![Financing {
            financer: STATE.into(),
            scheme: Some("DETR".into()),
            amount_cents: grant,
            convention: None,
        }],
        indicators: vec![],
        budget_lines: vec![],
        external_ids: vec![ExternalId { tool: "recoco".into(), id: name.into() }],
    }
}

/// The app over `db` with the shipped referential and four projects, and their ids.
async fn app_with_projects(db: TestDb) -> (TestApp, Vec<String>) {
    let mut app = TestApp::builder(db).shipped();
    let store = app.store().await;
    let mut ids = Vec::new();
    for p in [
        project(
            "Rénovation de l'école Jules Ferry",
            "Isolation",
            "commune:42218",
            Phase::Study,
            1_000_000_00,
            250_000_00,
        ),
        project(
            "Travaux",
            "Rénover les écoles maternelles du bourg",
            "commune:42100",
            Phase::Operation,
            200_000_00,
            50_000_00,
        ),
        project(
            "Piste cyclable",
            "Voie verte vers l'école de musique",
            "commune:69123",
            Phase::Idea,
            100_000_00,
            30_000_00,
        ),
        project("Chaufferie bois", "Réseau de chaleur", "epci:244200770", Phase::Operation, 400_000_00, 100_000_00),
    ] {
        ids.push(store.create_project(&p, "test").await.expect("create").id);
    }
    (app.start().await, ids)
}

/// Reading the answers.
trait Http {
    async fn get(&self, path: &str) -> reqwest::Response;
    async fn json(&self, path: &str) -> Value;
    async fn text(&self, path: &str) -> String;
}

impl Http for TestApp {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("http://{}{path}", self.addr)).send().await.expect("request")
    }

    async fn json(&self, path: &str) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        res.json().await.expect("json")
    }

    async fn text(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        res.text().await.expect("text")
    }
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|i| i["name"].as_str().unwrap_or("").to_owned()).collect()
}

async fn story(app: &TestApp, ids: &[String]) {
    // French search: accents, plurals, verb forms; stop words do not narrow it.
    let found = app.json("/api/v1/projects?q=r%C3%A9novation%20%C3%A9cole").await;
    assert_eq!(found["total"], 2, "{found}");
    let n = names(&found);
    assert!(n.contains(&"Rénovation de l'école Jules Ferry".to_owned()) && n.contains(&"Travaux".to_owned()), "{n:?}");
    assert_eq!(app.json("/api/v1/search?q=RENOVER%20ECOLES").await["total"], 2);
    assert_eq!(app.json("/api/v1/search?q=ecole").await["total"], 3);
    assert_eq!(app.json("/api/v1/search?q=introuvable").await["total"], 0);

    // Filters: a département holds its communes' and EPCI's projects.
    let loire = app.json("/api/v1/projects?territory=departement:42").await;
    assert_eq!(loire["total"], 3, "{loire}");
    assert_eq!(app.json("/api/v1/projects?territory=region:84").await["total"], 4);
    assert_eq!(
        app.json("/api/v1/projects?territory=epci:244200770").await["total"],
        3,
        "La Gimond and Saint-Étienne are in it"
    );
    assert_eq!(app.json("/api/v1/projects?q=ecole&territory=departement:42&phase=study").await["total"], 1);
    assert_eq!(app.json("/api/v1/projects?transition=ecological").await["total"], 1);
    assert_eq!(app.json("/api/v1/projects").await["total"], 4);
    let bad = app.get("/api/v1/projects?phase=later&territory=nowhere&limit=0").await;
    assert_eq!(bad.status(), 400);
    let problem: Value = bad.json().await.expect("json");
    assert_eq!(problem["errors"].as_array().map(Vec::len), Some(3), "{problem}");

    // A territory's projects and totals.
    let t = app.json("/api/v1/territories/departement/42/projects").await;
    assert_eq!(t["totals"], json!({ "count": 3, "cost_cents": 1_600_000_00i64, "grants_cents": 400_000_00i64 }));
    assert_eq!(app.get("/api/v1/territories/commune/00000/projects").await.status(), 404);

    // One project, its version as ETag; writes need credentials.
    let id = &ids[0];
    let res = app.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(res.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"1\""));
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["financing"][0]["amount_cents"], 250_000_00i64);
    assert_eq!(app.get("/api/v1/projects/nope").await.status(), 404);
    let post =
        app.client.post(format!("http://{}/api/v1/projects", app.addr)).json(&json!({})).send().await.expect("post");
    assert_eq!(post.status(), 401);
    let patch = app
        .client
        .patch(format!("http://{}/api/v1/projects/{id}", app.addr))
        .header("if-match", "\"1\"")
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .expect("patch");
    assert_eq!(patch.status(), 401);

    // Exports.
    let csv = app.text("/api/v1/exports/projects.csv?territory=commune:42218").await;
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0]
            .starts_with("id,nom,description,porteurNom,porteurCodeSiret,porteurSiren,collectivites,phase,phaseStatut")
    );
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].contains("\"Rénovation de l'école Jules Ferry\"")
            || lines[1].contains("Rénovation de l'école Jules Ferry")
    );
    assert!(lines[1].contains("Étude,En cours") && lines[1].contains("1000000.00,250000.00"), "{}", lines[1]);
    let json = app.json("/api/v1/exports/projects.json?q=chaufferie").await;
    assert_eq!(json[0]["name"], "Chaufferie bois");
    assert_eq!(json[0]["total_cost_cents"], 400_000_00i64, "typed: amounts are numbers");
    assert_eq!(json[0]["territories"], json!([{"kind": "epci", "code": "244200770"}]));
    // SCDL: no State line says its decision (convention) nor its beneficiary's SIRET:
    // every one is left out, counted and explained, none filled with invented values.
    let res = app.get("/api/v1/exports/subventions.csv").await;
    assert_eq!(res.headers().get("x-refused-rows").and_then(|v| v.to_str().ok()), Some("4"));
    let scdl = res.text().await.expect("csv");
    assert!(scdl.starts_with("nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire"));
    assert_eq!(scdl.lines().count(), 1, "{scdl}");
    let refused = app.json("/api/v1/exports/subventions.refused.json").await;
    assert_eq!(refused.as_array().map(Vec::len), Some(4));
    assert_eq!(
        refused[0]["missing"],
        json!(["idAttribuant", "dateConvention", "conditionsVersement", "datesPeriodeVersement", "idBeneficiaire"])
    );

    // Pages.
    let list = app.text("/projets?q=r%C3%A9novation+%C3%A9cole").await;
    assert!(
        list.contains("2 projets trouvés") && list.contains("Rénovation de l’école")
            || list.contains("2 projets trouvés"),
        "{list}"
    );
    let page = app.text(&format!("/projets/{id}")).await;
    assert!(
        page.contains("Plan de financement")
            && page.contains("25 %")
            && page.contains("Historique")
            && page.contains("Création")
    );
    let territory = app.text("/territoires/departement/42").await;
    assert!(territory.contains("3 projets dans ce territoire"), "projects section");
    assert!(territory.contains("/projets?territoire=departement%3A42"));
    assert_eq!(app.get("/projets/nope").await.status(), 404);

    // Signed in (an admin's API token): a write with the version read succeeds; the
    // same version again is stale → 409 with the current version; nothing is lost.
    let token = admin_token(app).await;
    let patch = |version: &str, body: Value| {
        app.client
            .patch(format!("http://{}/api/v1/projects/{id}", app.addr))
            .bearer_auth(&token)
            .header("if-match", format!("\"{version}\""))
            .json(&body)
            .send()
    };
    let first = patch("1", json!({ "phase_status": "late" })).await.expect("patch");
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"2\""));
    let second = patch("1", json!({ "phase_status": "paused" })).await.expect("patch");
    assert_eq!(second.status(), 409);
    let problem: Value = second.json().await.expect("json");
    assert_eq!(problem["code"], "conflict", "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains('2')), "{problem}");
    let now: Value = app.json(&format!("/api/v1/projects/{id}")).await;
    assert_eq!((now["phase_status"].as_str(), now["version"].as_i64()), (Some("late"), Some(2)), "{now}");
    // Its decision and its beneficiary known, the grant goes into the SCDL file whole.
    let decided = json!({
        "lead": {"name": "Commune de Saint-Étienne", "siret": "21420218600017"},
        "financing": [{"financer": "État", "scheme": "DETR", "amount_cents": 250_000_00i64,
                       "convention": {"financer_siret": "17420001400018", "date": "2019-06-12", "reference": "AP-2019-118",
                                      "payment": "échelonné", "payment_period": "2019-09-01_2021-06-30"}}]
    });
    assert_eq!(patch("2", decided).await.expect("patch").status(), 200);
    let res = app.get("/api/v1/exports/subventions.csv").await;
    assert_eq!(res.headers().get("x-refused-rows").and_then(|v| v.to_str().ok()), Some("3"));
    let scdl = res.text().await.expect("csv");
    assert!(
        scdl.lines().nth(1).is_some_and(|l| l
            .starts_with("État (DETR),17420001400018,2019-06-12,AP-2019-118,Commune de Saint-Étienne,21420218600017,")
            && l.ends_with(",250000.00,aide en numéraire,échelonné,2019-09-01_2021-06-30,,non,0.2500")),
        "{scdl}"
    );
    let bad = json!({"financing": [{"financer": "État", "amount_cents": 1_00, "convention":
        {"financer_siret": "123", "date": "2019-13-01", "payment": "unique", "payment_period": "2021-01-01_2020-01-01"}}]});
    let res = patch("3", bad).await.expect("patch");
    let problem: Value = res.json().await.expect("json");
    let fields: Vec<&str> =
        problem["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(
        fields,
        [
            "financing[0].convention.financer_siret",
            "financing[0].convention.date",
            "financing[0].convention.payment_period"
        ],
        "{problem}"
    );
    // Its history names for whom the author acts, and the field in French; a person's
    // name is for people signed in (issue 17, points 4 and 6).
    let page = app.text(&format!("/projets/{id}")).await;
    assert!(page.contains("Agence nationale de la cohésion des territoires"), "{page}");
    assert!(page.contains("état de la phase") && !page.contains("phase status"), "{page}");
    assert!(!page.contains("une personne inscrite"), "{page}");

    // A write by another instance: the index follows the stored revision.
    let mut changed = project("Médiathèque", "Bibliothèque numérique", "commune:42218", Phase::Idea, 10_000_00, 0);
    changed.financing.clear();
    app.db.store.create_project(&changed, "elsewhere").await.expect("create");
    assert_eq!(app.json("/api/v1/search?q=mediatheques").await["total"], 0, "not yet seen");
    app.state.refresh().await.expect("refresh");
    assert_eq!(app.json("/api/v1/search?q=mediatheques").await["total"], 1);

    // OpenAPI lists every route.
    let doc = app.json("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/projects",
        "/api/v1/projects/{id}",
        "/api/v1/search",
        "/api/v1/territories/{kind}/{code}/projects",
        "/api/v1/exports/projects.csv",
        "/api/v1/exports/projects.json",
        "/api/v1/exports/subventions.csv",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["paths"]["/api/v1/projects/{id}"]["patch"].is_object());
}

storage_test!(projects_http, |db: TestDb| async move {
    let (app, ids) = app_with_projects(db).await;
    story(&app, &ids).await;
});

/// An API token of a fresh admin.
async fn admin_token(app: &TestApp) -> String {
    use cohesion_core::access::Role;
    use cohesion_core::access::person::Email;
    use cohesion_store::access::{NewApiToken, NewPerson};
    use cohesion_store::audit::By;
    use cohesion_web::auth::secret;
    let store = &app.db.store;
    let by = By::new("test", None);
    let new = NewPerson {
        email: Email::parse("admin@example.fr").expect("email"),
        given_name: "A".into(),
        usual_name: "B".into(),
    };
    let person = store.create_person(&new, &[Role::Admin], &by).await.expect("person");
    let token = secret::generate().expect("random");
    let t = NewApiToken {
        person: person.id,
        name: "t".into(),
        token_hash: secret::hash(&token),
        roles: vec![Role::Admin],
        expires_at: None,
    };
    store.create_api_token(&t, &by).await.expect("token");
    token
}
