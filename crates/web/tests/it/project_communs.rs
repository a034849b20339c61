//! The contract with Les communs, the hub of the ecological-transition tools (issue 19,
//! points 4 and 7): every project of the hub export, checked against the hub's
//! published rules — the fields of its `CreateProjetRequest` and nothing else (it
//! refuses unknown fields), their types, its enums, and the `competences` and
//! `leviers` nomenclatures shipped in `data/projects/` — on the sample of the round
//! trip; the projects it cannot express named with their reason.
//!
//! The rules are those of betagouv/communs-de-la-transition-ecologique-des-collectivites
//! @ fc8bd41: `api/src/projets/dto/{create-projet,porteur,collectivite}.dto.ts`,
//! `api/src/database/schema.ts` (enums), `api/src/setup-app.ts` (`whitelist`,
//! `forbidNonWhitelisted`).

use cohesion_core::access::Role;
use cohesion_core::project::nomenclature;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};

use crate::project_roundtrip::{full_projects, sample};
use crate::support::TestApp;
use crate::support::engineering::call;

const FIELDS: [&str; 17] = [
    "nom",
    "description",
    "porteur",
    "budgetPrevisionnel",
    "dateDebutPrevisionnelle",
    "phase",
    "phaseStatut",
    "programme",
    "collectivites",
    "competences",
    "leviers",
    "classificationThematiques",
    "classificationSites",
    "classificationInterventions",
    "probabiliteTE",
    "classificationScores",
    "externalId",
];
const PORTEUR: [&str; 6] =
    ["codeSiret", "referentEmail", "referentTelephone", "referentPrenom", "referentNom", "referentFonction"];
const PHASES: [&str; 3] = ["Idée", "Étude", "Opération"];
const STATUSES: [&str; 6] = ["En cours", "En retard", "En pause", "Bloqué", "Abandonné", "Terminé"];

/// What the hub would refuse in `p`, each fault with its field.
fn hub_faults(p: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(o) = p.as_object() else { return vec!["not an object".into()] };
    for k in o.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        out.push(format!("{k}: not a field of the hub"));
    }
    let text = |k: &str| o.get(k).and_then(Value::as_str).filter(|s| !s.trim().is_empty());
    if text("nom").is_none() {
        out.push("nom: required, a non-empty string".into());
    }
    if text("externalId").is_none() {
        out.push("externalId: required, a non-empty string".into());
    }
    let nullable = |k: &str, ok: &dyn Fn(&Value) -> bool| o.get(k).is_none_or(|v| v.is_null() || ok(v));
    if !nullable("description", &Value::is_string) {
        out.push("description: a string or null".into());
    }
    if !nullable("budgetPrevisionnel", &|v| v.is_i64() || v.is_u64()) {
        out.push("budgetPrevisionnel: a number (integer euros) or null".into());
    }
    let is_date = |v: &Value| v.as_str().is_some_and(cohesion_core::project::rules::is_date);
    if !nullable("dateDebutPrevisionnelle", &is_date) {
        out.push("dateDebutPrevisionnelle: YYYY-MM-DD".into());
    }
    if !nullable("phase", &|v| v.as_str().is_some_and(|s| PHASES.contains(&s))) {
        out.push("phase: one of the hub's phases".into());
    }
    if !nullable("phaseStatut", &|v| v.as_str().is_some_and(|s| STATUSES.contains(&s))) {
        out.push("phaseStatut: one of the hub's statuses".into());
    }
    if o.get("phaseStatut").is_some_and(|v| !v.is_null()) && o.get("phase").is_none_or(Value::is_null) {
        out.push("phaseStatut: needs a phase".into());
    }
    let strings = |k: &str, ok: &dyn Fn(&str) -> bool| {
        nullable(k, &|v| v.as_array().is_some_and(|a| a.iter().all(|x| x.as_str().is_some_and(ok))))
    };
    if !strings("competences", &|c| nomenclature::competence(c).is_some()) {
        out.push("competences: codes of the hub's M57 list".into());
    }
    if !strings("leviers", &nomenclature::is_lever) {
        out.push("leviers: levers of the hub's list".into());
    }
    match o.get("collectivites").and_then(Value::as_array) {
        Some(items) if !items.is_empty() => {
            for (i, c) in items.iter().enumerate() {
                let keys: Vec<&str> = c.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
                let code = c["code"].as_str().unwrap_or_default();
                let ok = match c["type"].as_str() {
                    Some("Commune") => code.len() == 5,
                    Some("EPCI") => code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit()),
                    _ => false,
                };
                if !ok || keys.len() != 2 {
                    out.push(format!("collectivites[{i}]: {{type: Commune|EPCI, code}}, got {c}"));
                }
            }
        }
        _ => out.push("collectivites: at least one".into()),
    }
    if let Some(porteur) = o.get("porteur").filter(|v| !v.is_null()) {
        match porteur.as_object() {
            Some(m) => {
                for (k, v) in m {
                    if !PORTEUR.contains(&k.as_str()) || !(v.is_null() || v.is_string()) {
                        out.push(format!("porteur.{k}: not a field of the hub's porteur, or not a string"));
                    }
                }
            }
            None => out.push("porteur: an object".into()),
        }
    }
    out
}

async fn contract(db: TestDb) {
    let sample = sample();
    let mut builder = TestApp::builder(db).shipped();
    builder.store().await.import_projects("dotations-2019", &sample, "test").await.expect("import");
    let app = builder.start().await;
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let mut extra = full_projects();
    extra.push(json!({"name": "Tiers-lieu du 1er", "territories": ["arrondissement_municipal:13201"],
                      "phase": "idea", "phase_status": "in_progress", "total_cost_cents": 1_000_050}));
    for p in &extra {
        let (status, answer) = call(&app, "POST", "/api/v1/projects", &admin, Some(p.clone())).await;
        assert_eq!(status, 201, "{answer}");
    }
    let total = sample.len() + extra.len();

    let (status, export) = call(&app, "GET", "/api/v1/exports/projects.communs.json", "", None).await;
    assert_eq!(status, 200, "{export}");
    let sent = export["projets"].as_array().expect("projets");
    let left_out = export["left_out"].as_array().expect("left_out");
    assert_eq!(sent.len() + left_out.len(), total, "every project is sent or said");
    assert_eq!((total, sent.len(), left_out.len()), (253, 247, 6), "the figures of docs/interop.md");
    let refused: Vec<String> =
        sent.iter().flat_map(|p| hub_faults(p).into_iter().map(move |f| format!("{}: {f}", p["externalId"]))).collect();
    assert!(refused.is_empty(), "{} faults:\n{}", refused.len(), refused.join("\n"));
    for l in left_out {
        let reason = l["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("departement:") || reason.contains("region:"), "{l}");
    }
    // A municipal arrondissement goes as its commune, said; a cost rounded to the euro, said.
    let tiers = sent.iter().find(|p| p["nom"] == "Tiers-lieu du 1er").expect("sent");
    assert_eq!(tiers["collectivites"], json!([{"type": "Commune", "code": "13055"}]));
    assert_eq!(tiers["budgetPrevisionnel"], 10_001);
    let notes = export["notes"].as_array().expect("notes");
    let said = notes.iter().find(|n| n["id"] == tiers["externalId"]).expect("notes of the arrondissement");
    let said = said["notes"].to_string();
    assert!(said.contains("commune:13055") && said.contains("rounded to the euro"), "{said}");
    // The full project: SIRET, levers, competences, both territories; what has no place, said.
    let full = sent.iter().find(|p| p["nom"] == "Tiers-lieu numérique").expect("sent");
    assert_eq!(full["porteur"], json!({"codeSiret": "21420218600017"}));
    assert_eq!(full["competences"], json!(["90-313", "90-57"]));
    assert_eq!(full["collectivites"].as_array().map(Vec::len), Some(2));
    let region = left_out.iter().find(|l| l["name"] == "Sans identifiant externe").expect("a région's project");
    assert!(region["reason"].as_str().is_some_and(|r| r.contains("region:84")), "{region}");
    eprintln!(
        "communs contract: {total} projects, {} sent (0 refused by the hub's rules), {} left out (départements or régions only), {} with notes",
        sent.len(),
        left_out.len(),
        notes.len()
    );
}

storage_test!(the_hub_export_obeys_the_hubs_rules, |db: TestDb| async move { contract(db).await });

/// A project as the hub answers it (`ProjetResponse`, `api/src/projets/dto/projet.dto.ts`).
fn hub_project(id: &str, nom: &str) -> Value {
    json!({
        "id": id, "createdAt": "2025-05-02T09:12:00.000Z", "updatedAt": "2025-06-01T10:00:00.000Z",
        "nom": nom, "description": null,
        "porteur": {"codeSiret": "21420218600017", "referentEmail": "referent@saint-etienne.fr",
                    "referentTelephone": null, "referentPrenom": "Camille", "referentNom": "Martin", "referentFonction": null},
        "collectivites": [
            {"id": "0197-c1", "nom": "Saint-Étienne", "type": "Commune", "codeInsee": "42218", "codeEpci": "244200770",
             "codeDepartements": ["42"], "codeRegions": ["84"], "siren": "214202186"},
            {"id": "0197-c2", "nom": "Saint-Étienne Métropole", "type": "EPCI", "codeInsee": null, "codeEpci": "244200770",
             "codeDepartements": ["42"], "codeRegions": ["84"], "siren": "244200770"}
        ],
        "budgetPrevisionnel": 150000, "dateDebutPrevisionnelle": "2025-09-01",
        "phaseStatut": "En retard", "phase": "Opération", "programme": "Fonds vert",
        "competences": ["90-212", "90-845"], "leviers": ["Vélo"],
        "classificationThematiques": ["Mobilité"], "classificationSites": null, "classificationInterventions": null,
        "probabiliteTE": "0.82", "classificationScores": null,
        "mecId": null, "tetId": null, "recocoId": null
    })
}

/// The hub's projects come in without invented values, and go back out the same.
#[tokio::test]
async fn the_hubs_projects_come_in_and_go_back_the_same() {
    let app = TestApp::sqlite().await.start().await;
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let put = |id: &str, body: Value| {
        let (app, admin, path) = (&app, admin.clone(), format!("/api/v1/projects/from-communs/{id}"));
        async move { call(app, "PUT", &path, &admin, Some(body)).await }
    };

    // Five projects as the hub answers them, in its variations.
    let mut hub = vec![hub_project("0197-a", "Voie verte du Furan")];
    let mut no_porteur = hub_project("0197-b", "École maternelle");
    no_porteur["porteur"] = Value::Null;
    no_porteur["collectivites"] = json!([{"type": "Commune", "code": "42218"}]);
    hub.push(no_porteur);
    let mut epci = hub_project("0197-c", "Réseau de chaleur");
    epci["collectivites"] = json!([{"type": "EPCI", "code": "244200770"}]);
    epci["phaseStatut"] = Value::Null;
    hub.push(epci);
    let mut cents = hub_project("0197-d", "Halle");
    cents["budgetPrevisionnel"] = json!(1234.56);
    cents["dateDebutPrevisionnelle"] = json!("2026-03-01T00:00:00.000Z");
    hub.push(cents);
    let mut relayed = hub_project("0197-e", "Piste cyclable");
    relayed["recocoId"] = json!("88");
    hub.push(relayed);
    // The last one exists already, synced from Recoco with a financing plan.
    let recoco = json!({"name": "Piste cyclable (Recoco)", "territories": ["commune:42218"], "phase": "study",
                        "phase_status": "in_progress", "total_cost_cents": 20_000_000,
                        "financing": [{"financer": "État", "scheme": "DSIL", "amount_cents": 5_000_000}]});
    let (status, before) = call(&app, "PUT", "/api/v1/projects/by-external-id/recoco/88", &admin, Some(recoco)).await;
    assert_eq!(status, 201, "{before}");

    let mut statuses = Vec::new();
    for h in &hub {
        let (status, answer) = put(h["id"].as_str().expect("id"), h.clone()).await;
        assert!(status == 201 || status == 200, "{status} {answer}");
        statuses.push(status);
        let notes = answer["notes"].to_string();
        if h["porteur"].is_object() {
            assert!(notes.contains("porteur.referent*") && notes.contains("programme"), "{notes}");
        }
    }
    assert_eq!(statuses, [201, 201, 201, 201, 200], "the last was found by its Recoco id");
    // Found by its Recoco id: the same project, its financing kept, the hub's id added.
    let (_, merged) = call(&app, "GET", "/api/v1/projects/by-external-id/les-communs/0197-e", "", None).await;
    assert_eq!(merged["id"], before["id"], "{merged}");
    assert_eq!(merged["financing"][0]["amount_cents"], 5_000_000);
    assert_eq!(merged["name"], "Piste cyclable");
    // Converted, not invented.
    let (_, p) = call(&app, "GET", "/api/v1/projects/by-external-id/les-communs/0197-a", "", None).await;
    assert_eq!(p["lead"], json!({"name": "", "siret": "21420218600017"}), "the SIRET identifies it: no name invented");
    assert_eq!(p["total_cost_cents"], 15_000_000);
    assert_eq!(p["territories"], json!([{"kind": "commune", "code": "42218"}, {"kind": "epci", "code": "244200770"}]));
    let (_, p) = call(&app, "GET", "/api/v1/projects/by-external-id/les-communs/0197-c", "", None).await;
    assert_eq!(p["phase_status"], Value::Null, "no status invented: the running hub holds a phase without one");
    let (_, p) = call(&app, "GET", "/api/v1/projects/by-external-id/les-communs/0197-d", "", None).await;
    assert_eq!((p["total_cost_cents"].as_i64(), p["start_date"].as_str()), (Some(123_456), Some("2026-03-01")));

    // The same calls again write nothing.
    for h in &hub {
        let (status, answer) = put(h["id"].as_str().expect("id"), h.clone()).await;
        assert_eq!((status, answer["project"]["version"].as_i64().map(|v| v <= 2)), (200, Some(true)), "{answer}");
    }
    let (_, all) = call(&app, "GET", "/api/v1/exports/projects.json", "", None).await;
    let versions: Vec<i64> = all.as_array().expect("array").iter().filter_map(|p| p["version"].as_i64()).collect();
    assert_eq!(versions.iter().filter(|v| **v == 1).count(), 4, "{versions:?}");

    // Back to the hub: every field it expresses, the same.
    let (_, export) = call(&app, "GET", "/api/v1/exports/projects.communs.json", "", None).await;
    for h in &hub[..4] {
        let sent = export["projets"]
            .as_array()
            .expect("projets")
            .iter()
            .find(|p| p["nom"] == h["nom"])
            .unwrap_or_else(|| panic!("{} sent", h["nom"]));
        assert!(hub_faults(sent).is_empty(), "{sent}");
        for field in ["nom", "description", "leviers", "competences"] {
            assert_eq!(sent[field], h[field], "{field} of {}", h["nom"]);
        }
        assert_eq!((&sent["phase"], &sent["phaseStatut"]), (&h["phase"], &h["phaseStatut"]));
        let budget = h["budgetPrevisionnel"].as_f64().map(|b| b.round() as i64);
        assert_eq!(sent["budgetPrevisionnel"].as_i64(), budget, "to the euro");
        assert_eq!(
            sent["dateDebutPrevisionnelle"].as_str(),
            h["dateDebutPrevisionnelle"].as_str().and_then(|d| d.get(..10))
        );
        let codes: Vec<(String, String)> = h["collectivites"]
            .as_array()
            .expect("collectivites")
            .iter()
            .map(|c| {
                let code = c["code"].as_str().or(if c["type"] == "EPCI" {
                    c["codeEpci"].as_str()
                } else {
                    c["codeInsee"].as_str()
                });
                (c["type"].as_str().unwrap_or_default().to_owned(), code.unwrap_or_default().to_owned())
            })
            .collect();
        let back: Vec<(String, String)> = sent["collectivites"]
            .as_array()
            .expect("collectivites")
            .iter()
            .map(|c| {
                (c["type"].as_str().unwrap_or_default().to_owned(), c["code"].as_str().unwrap_or_default().to_owned())
            })
            .collect();
        assert_eq!(back, codes, "{}", h["nom"]);
        assert_eq!(sent["porteur"]["codeSiret"], h["porteur"]["codeSiret"]);
    }

    // A project without a phase is held without one, and goes back so; a status
    // without a phase, which the hub refuses too, is refused at its field.
    let mut no_phase = hub_project("0197-f", "Sans phase");
    no_phase["phase"] = Value::Null;
    no_phase["phaseStatut"] = Value::Null;
    let (status, answer) = put("0197-f", no_phase).await;
    assert_eq!(
        (status, &answer["project"]["phase"], &answer["project"]["phase_status"]),
        (201, &Value::Null, &Value::Null)
    );
    let (_, export) = call(&app, "GET", "/api/v1/exports/projects.communs.json", "", None).await;
    let sent = export["projets"].as_array().expect("projets").iter().find(|p| p["nom"] == "Sans phase").expect("sent");
    assert!(hub_faults(sent).is_empty(), "{sent}");
    assert_eq!((&sent["phase"], &sent["phaseStatut"]), (&Value::Null, &Value::Null));
    let mut status_only = hub_project("0197-j", "Statut seul");
    status_only["phase"] = Value::Null;
    let (status, problem) = put("0197-j", status_only).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("phaseStatut")), "{problem}");
    let mut wrong = hub_project("0197-g", "Autre");
    wrong["collectivites"] = json!([{"type": "Département", "code": "42"}]);
    wrong["leviers"] = json!(["Pistes cyclables"]);
    let (status, problem) = put("0197-g", wrong).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(status, 400, "{problem}");
    assert_eq!(fields, ["collectivites[0].type"], "{problem}");
    let mut unknown = hub_project("0197-i", "Leviers inconnus");
    unknown["leviers"] = json!(["Vélo", "Pistes cyclables"]);
    unknown["collectivites"] = json!([{"type": "Commune", "code": "99999"}]);
    let (status, problem) = put("0197-i", unknown).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!((status, fields), (400, vec!["collectivites[0]", "leviers[1]"]), "{problem}");
    let (status, problem) = put("0197-h", hub_project("0197-other", "Mauvais id")).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("id")), "{problem}");
}

/// The hub's list in one call: checked whole before anything is written, every fault at
/// its index; `partial=true` writes the valid ones; the same list twice writes nothing.
#[tokio::test]
async fn the_hubs_list_comes_in_in_one_call() {
    let app = TestApp::sqlite().await.start().await;
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let path = "/api/v1/projects/from-communs";
    let mut no_phase = hub_project("0198-b", "Sans phase");
    no_phase["phase"] = Value::Null;
    no_phase["phaseStatut"] = Value::Null;
    let mut status_only = hub_project("0198-c", "Statut seul");
    status_only["phase"] = Value::Null;
    let list = json!([hub_project("0198-a", "Voie verte"), no_phase, status_only]);
    let count = || async { call(&app, "GET", "/api/v1/projects?limit=1", "", None).await.1["total"].as_u64() };

    let (status, problem) = call(&app, "PUT", path, &admin, Some(list.clone())).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("[2].phaseStatut")), "{problem}");
    assert_eq!(count().await, Some(0), "a fault anywhere: nothing written");

    let (status, done) = call(&app, "PUT", &format!("{path}?partial=true"), &admin, Some(list.clone())).await;
    assert_eq!(status, 200, "{done}");
    let counts = |d: &Value| [&d["created"], &d["updated"], &d["unchanged"], &d["refused"]].map(|x| x.as_u64());
    assert_eq!(counts(&done), [Some(2), Some(0), Some(0), Some(1)], "{done}");
    assert_eq!(done["items"][1]["outcome"], "created");
    assert_eq!(done["items"][2]["errors"][0]["field"], "phaseStatut", "{done}");
    assert_eq!(count().await, Some(2));

    let valid = json!([list[0].clone(), list[1].clone()]);
    let (status, again) = call(&app, "PUT", path, &admin, Some(valid.clone())).await;
    assert_eq!((status, counts(&again)), (200, [Some(0), Some(0), Some(2), Some(0)]), "{again}");
    let (_, p) = call(&app, "GET", "/api/v1/projects/by-external-id/les-communs/0198-b", "", None).await;
    assert_eq!((&p["phase"], &p["phase_status"], p["version"].as_i64()), (&Value::Null, &Value::Null, Some(1)));

    let twice = json!([list[0].clone(), list[0].clone()]);
    let (status, problem) = call(&app, "PUT", path, &admin, Some(twice)).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("[1].id")), "{problem}");
    let (status, _) = call(&app, "PUT", path, "", Some(valid)).await;
    assert_eq!(status, 401);
}
