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
