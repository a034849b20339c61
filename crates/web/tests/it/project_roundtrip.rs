//! The API takes what the platform exports (issue 19, point 3): every project of the
//! JSON export, put into a fresh instance by its external identifier (or posted when it
//! has none), exports again the same; the same upserts again write nothing. And the
//! forms the platform writes elsewhere (territories as `kind:code`, French labels of
//! phase, status and transitions, `null` for absent) are read.

use std::collections::BTreeMap;
use std::io::Read;

use cohesion_core::access::Role;
use cohesion_core::project::dotations::{self, Resolution};
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::engineering::call;

const DOTATIONS: &[u8] = include_bytes!("../../../../data/projects/dotations_2019.csv.gz");

/// One project in 100 of the shipped 2019 file (249 of 24,811), read as the import reads it.
pub(crate) fn sample() -> Vec<cohesion_core::project::ProjectInput> {
    let referential = crate::support::shipped();
    let mut text = String::new();
    flate2::read::GzDecoder::new(DOTATIONS).read_to_string(&mut text).expect("gzip");
    let (rows, _) = dotations::read("dotations", &text, |t| match referential.get_ref(t) {
        Some(x) => Resolution::Current(x.siren.clone()),
        None => Resolution::Unknown,
    })
    .expect("the shipped file reads");
    rows.into_iter().step_by(100).map(|r| r.input).collect()
}

/// Projects with every field filled, written through the API.
pub(crate) fn full_projects() -> Vec<Value> {
    let indicator = cohesion_core::indicator::catalogue()[0].code;
    vec![
        json!({
            "name": "Tiers-lieu numérique", "description": "Un lieu ouvert\nsur deux lignes",
            "lead": {"name": "Commune de Saint-Étienne", "siret": "21420218600017"},
            "territories": [{"kind": "commune", "code": "42218"}, {"kind": "epci", "code": "244200770"}],
            "phase": "operation", "phase_status": "late", "transitions": ["digital", "ecological"],
            "domain": "Numérique", "start_date": "2025-03-01", "end_date": "2027-12-31",
            "levers": ["Sobriété des bâtiments (tertiaire)", "Réseaux de chaleur décarbonés"],
            "competences": ["90-313", "90-57"],
            "total_cost_cents": 123_456_789,
            "financing": [{"financer": "État", "scheme": "DSIL", "amount_cents": 40_000_000},
                          {"financer": "Région Auvergne-Rhône-Alpes", "amount_cents": 10_000_001}],
            "indicators": [{"code": indicator, "baseline": 12.5, "target": 30.0, "target_date": "2027-12-31"},
                           {"code": indicator, "target": 1e-3}],
            "budget_lines": [{"nature": "investment", "year": 2025, "planned_cents": 100_000_000, "actual_cents": 99_000_000},
                             {"nature": "operating", "year": 2026, "planned_cents": 2_000_000}],
            "external_ids": [{"tool": "territoires-en-transitions", "id": "FA-7"}, {"tool": "recoco", "id": "1234"}]
        }),
        json!({
            "name": "Maison de santé", "territories": [{"kind": "departement", "code": "42"}],
            "phase": "idea", "phase_status": "paused",
            "external_ids": [{"tool": "les-communs", "id": "0192f7c2-4d5e-7a1b-9c3d-000000000001"}]
        }),
        // No identifier in another tool: it goes back by POST.
        json!({"name": "Sans identifiant externe", "territories": [{"kind": "region", "code": "84"}],
               "phase": "study", "phase_status": "done", "description": "Terminé"}),
    ]
}

/// The instance's fields aside (`id`, `version`, `created_at`, `updated_at`), each
/// project keyed by its identifiers (or its name when it has none).
fn comparable(export: &Value) -> BTreeMap<String, Value> {
    export
        .as_array()
        .expect("an array")
        .iter()
        .map(|p| {
            let mut p = p.clone();
            let o = p.as_object_mut().expect("an object");
            for k in ["id", "version", "created_at", "updated_at"] {
                assert!(o.remove(k).is_some(), "the export carries {k}");
            }
            let key = match o.get("external_ids").and_then(Value::as_array).filter(|x| !x.is_empty()) {
                Some(ids) => ids.iter().map(|x| format!("{}:{}", x["tool"], x["id"])).collect::<Vec<_>>().join(";"),
                None => format!("name:{}", o["name"]),
            };
            (key, p)
        })
        .collect()
}

async fn export(app: &TestApp) -> Value {
    let (status, all) = call(app, "GET", "/api/v1/exports/projects.json", "", None).await;
    assert_eq!(status, 200, "{all}");
    all
}

/// PUTs (or POSTs) every exported project into `app`: the statuses seen.
async fn put_all(app: &TestApp, token: &str, exported: &Value) -> BTreeMap<u16, usize> {
    let mut statuses = BTreeMap::new();
    for p in exported.as_array().expect("array") {
        let (status, answer) = match p["external_ids"].as_array().and_then(|x| x.first()) {
            Some(x) => {
                let tool = x["tool"].as_str().expect("tool");
                let id = x["id"].as_str().expect("id").replace('/', "%2F");
                call(app, "PUT", &format!("/api/v1/projects/by-external-id/{tool}/{id}"), token, Some(p.clone())).await
            }
            None => call(app, "POST", "/api/v1/projects", token, Some(p.clone())).await,
        };
        assert!(status == 200 || status == 201, "{status} {answer} for {p}");
        *statuses.entry(status).or_default() += 1;
    }
    statuses
}

async fn roundtrip(db: TestDb) {
    let sample = sample();
    let programmes = cohesion_core::programme::compact::shipped().expect("valid programmes");
    let mut builder = TestApp::builder(db).shipped();
    builder.store().await.import_projects("dotations-2019", &sample, "test").await.expect("import");
    assert!(builder.store().await.seed_programmes(&programmes, "test").await.expect("programmes"));
    let first = builder.start().await;
    let admin = first.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    for p in full_projects() {
        let (status, answer) = call(&first, "POST", "/api/v1/projects", &admin, Some(p)).await;
        assert_eq!(status, 201, "{answer}");
    }
    let exported = export(&first).await;
    let total = sample.len() + full_projects().len();
    assert_eq!(total, 252, "the figures of docs/interop.md");
    assert_eq!(exported.as_array().map(Vec::len), Some(total));
    assert!(exported[0]["total_cost_cents"].is_i64() || exported[0]["total_cost_cents"].is_null(), "typed");
    // The programme memberships of its territories come with each project.
    let full = exported.as_array().expect("array").iter().find(|p| p["name"] == "Tiers-lieu numérique").expect("full");
    assert!(full["programmes"].is_array(), "{full}");
    let snapshot = first.state.current();
    let project: cohesion_core::project::Project = serde_json::from_value(full.clone()).expect("a project");
    let expected = serde_json::to_value(cohesion_app::project::programmes_of(&snapshot, &project)).expect("json");
    assert_eq!(full["programmes"], expected);
    let with_programmes = exported.as_array().expect("array").iter().filter(|p| p["programmes"] != json!([])).count();
    assert!(with_programmes > 100, "{with_programmes} projects lie in a programme's member territory");
    eprintln!("round trip: {total} projects, {with_programmes} in a programme's member territory");
    // The CSV says which financers montantSubventions sums, and the State's share apart.
    let res = first.client.get(first.url("/api/v1/exports/projects.csv?q=tiers-lieu")).send().await.expect("csv");
    let csv = res.text().await.expect("text");
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).expect(name);
    assert_eq!(at("montantSubventionsEtat"), at("montantSubventions") + 1);
    assert_eq!(at("financeurs"), at("montantSubventions") + 2);
    assert!(csv.contains(",500000.01,400000.00,État;Région Auvergne-Rhône-Alpes,"), "{csv}");

    // Into a fresh instance: every one is accepted, and the export is the same.
    let mut builder = TestApp::builder(TestDb::sqlite().await.expect("db")).shipped();
    assert!(builder.store().await.seed_programmes(&programmes, "test").await.expect("programmes"));
    let second = builder.start().await;
    let admin2 = second.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let created = put_all(&second, &admin2, &exported).await;
    assert_eq!(created, BTreeMap::from([(201, total)]), "all {total} created");
    let again = export(&second).await;
    let (before, after) = (comparable(&exported), comparable(&again));
    assert_eq!(before.len(), total, "keys are distinct");
    for (key, p) in &before {
        assert_eq!(Some(p), after.get(key), "{key} comes back the same");
    }
    assert_eq!(before, after);

    // The same upserts again change nothing: every version stays 1. (The one project
    // without identifiers is posted again, so it is skipped here.)
    let keyed = Value::Array(
        again.as_array().expect("array").iter().filter(|p| p["external_ids"] != json!([])).cloned().collect(),
    );
    let unchanged = put_all(&second, &admin2, &keyed).await;
    assert_eq!(unchanged, BTreeMap::from([(200, total - 1)]));
    let last = export(&second).await;
    assert!(last.as_array().expect("array").iter().all(|p| p["version"] == 1), "nothing was written");
    assert_eq!(comparable(&last), after);
}

storage_test!(the_json_export_goes_back_in, |db: TestDb| async move { roundtrip(db).await });

/// What the CSV export and the lists write is read too: `kind:code`, French labels,
/// `null` for nothing; a wrong value is a problem document naming it.
#[tokio::test]
async fn the_forms_the_platform_writes_are_read() {
    let app = TestApp::sqlite().await.start().await;
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let body = json!({
        "name": "Halle", "description": null, "territories": ["commune:42218", {"kind": "epci", "code": "244200770"}],
        "phase": "Étude", "phase_status": "En cours", "transitions": ["Transition écologique", "digital"],
        "financing": null, "indicators": null, "budget_lines": null, "external_ids": null
    });
    let (status, p) = call(&app, "POST", "/api/v1/projects", &admin, Some(body)).await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["description"], "");
    assert_eq!(p["territories"], json!([{"kind": "commune", "code": "42218"}, {"kind": "epci", "code": "244200770"}]));
    assert_eq!((p["phase"].as_str(), p["phase_status"].as_str()), (Some("study"), Some("in_progress")));
    assert_eq!(p["transitions"], json!(["ecological", "digital"]));

    for (field, value) in [
        ("territories", json!(["commune-42218"])),
        ("territories", json!(["commune:4"])),
        ("phase", json!("Etude")),
        ("phase_status", json!("En-cours")),
    ] {
        let mut body =
            json!({"name": "Halle", "territories": ["commune:42218"], "phase": "study", "phase_status": "done"});
        body[field] = value.clone();
        let res =
            app.client.post(app.url("/api/v1/projects")).bearer_auth(&admin).json(&body).send().await.expect("post");
        let status = res.status().as_u16();
        let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let problem: Value = res.json().await.expect("json");
        assert_eq!((status, ct.as_str()), (400, "application/problem+json"), "{field} = {value}: {problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains(field)), "{field} = {value}: {problem}");
    }

    // A phase is not invented: without one the project has none, nor a status; a
    // status alone says nothing and is refused; the list finds the phaseless ones.
    let (status, p) = call(
        &app,
        "POST",
        "/api/v1/projects",
        &admin,
        Some(json!({"name": "Friche", "territories": ["commune:42218"]})),
    )
    .await;
    assert_eq!((status, &p["phase"], &p["phase_status"]), (201, &Value::Null, &Value::Null), "{p}");
    let (status, p2) = call(
        &app,
        "POST",
        "/api/v1/projects",
        &admin,
        Some(json!({"name": "Étude seule", "territories": ["commune:42218"], "phase": "study"})),
    )
    .await;
    assert_eq!((status, p2["phase"].as_str(), &p2["phase_status"]), (201, Some("study"), &Value::Null), "{p2}");
    let (status, problem) = call(
        &app,
        "POST",
        "/api/v1/projects",
        &admin,
        Some(json!({"name": "Statut seul", "territories": ["commune:42218"], "phase_status": "late"})),
    )
    .await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("phase_status")), "{problem}");
    let (status, list) = call(&app, "GET", "/api/v1/projects?phase=none", &admin, None).await;
    assert_eq!((status, list["total"].as_u64()), (200, Some(1)), "{list}");
    assert_eq!(list["items"][0]["id"], p["id"]);
    let page = app.client.get(app.url(&format!("/projets/{}", p["id"].as_str().unwrap_or_default()))).send().await;
    let page = page.expect("page").text().await.expect("html");
    assert!(page.contains("Phase non renseignée"), "the page says the phase is unknown");
    // A known phase is not removed.
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/projects/{}", p2["id"].as_str().unwrap_or_default())))
        .bearer_auth(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"phase": null}))
        .send()
        .await
        .expect("patch");
    let status = res.status().as_u16();
    let problem: Value = res.json().await.expect("json");
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("phase")), "{problem}");
}
