//! Levers of the ecological planning and M57 competences (issue 19, point 1): the
//! national lists served, a project's values checked against them, the list's filters,
//! the CSV export's `leviers` and `competences` (transitions and domain in columns of
//! their own), and the pages (filters chosen from the lists, the detail).

use cohesion_core::access::Role;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::engineering::call;

fn project(name: &str, levers: Value, competences: Value) -> Value {
    json!({"name": name, "territories": ["commune:42218"], "phase": "study", "phase_status": "in_progress",
           "transitions": ["ecological"], "domain": "Mobilité", "levers": levers, "competences": competences})
}

#[tokio::test]
async fn levers_and_competences_from_the_national_lists() {
    let app = TestApp::sqlite().await.start().await;
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;

    // The lists.
    let (status, levers) = call(&app, "GET", "/api/v1/projects/levers", "", None).await;
    assert_eq!(status, 200);
    let levers = levers.as_array().expect("array");
    assert_eq!(levers.len(), 72);
    assert!(levers.contains(&json!("Vélo")) && levers.contains(&json!("Réseaux de chaleur décarbonés")));
    let (_, competences) = call(&app, "GET", "/api/v1/projects/competences", "", None).await;
    assert_eq!(competences.as_array().map(Vec::len), Some(156));
    assert!(
        competences
            .as_array()
            .expect("array")
            .contains(&json!({"code": "90-212", "label": "Enseignement du premier degré > Ecoles primaires"}))
    );

    // A project names some; anything else is refused, each fault at its place.
    let (status, p) = call(
        &app,
        "POST",
        "/api/v1/projects",
        &admin,
        Some(project("Piste cyclable de l'école", json!(["Vélo", "Réduction des déplacements"]), json!(["90-212"]))),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    let id = p["id"].as_str().expect("id").to_owned();
    assert_eq!(
        (p["levers"].clone(), p["competences"].clone()),
        (json!(["Vélo", "Réduction des déplacements"]), json!(["90-212"]))
    );
    let (_, other) =
        call(&app, "POST", "/api/v1/projects", &admin, Some(project("Chaufferie", json!(null), json!(["90-751"]))))
            .await;
    assert_eq!(other["levers"], json!([]), "{other}");
    let bad = project("Autre", json!(["Transition écologique", "Vélo", "Vélo"]), json!(["Éducation", "90-212"]));
    let (status, problem) = call(&app, "POST", "/api/v1/projects", &admin, Some(bad)).await;
    assert_eq!(status, 400, "{problem}");
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["levers[0]", "levers[2]", "competences[0]"], "{problem}");

    // The list's filters: a lever exactly; a competence and every function below it.
    let total = |v: &Value| v["total"].as_u64().unwrap_or(u64::MAX);
    let (_, found) = call(&app, "GET", "/api/v1/projects?lever=V%C3%A9lo", "", None).await;
    assert_eq!((total(&found), found["items"][0]["levers"][0].as_str()), (1, Some("Vélo")), "{found}");
    let (_, found) = call(&app, "GET", "/api/v1/projects?competence=90-21", "", None).await;
    assert_eq!(total(&found), 1, "90-21 holds 90-212: {found}");
    let (_, found) = call(&app, "GET", "/api/v1/projects?competence=90-75", "", None).await;
    assert_eq!(total(&found), 1, "{found}");
    for (query, field) in [("lever=v%C3%A9lo", "lever"), ("competence=90-9", "competence")] {
        let (status, problem) = call(&app, "GET", &format!("/api/v1/projects?{query}"), "", None).await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some(field)), "{query}: {problem}");
    }

    // The CSV: leviers and competences as the hub reads them, transitions and domain apart.
    let res = app.client.get(app.url("/api/v1/exports/projects.csv?lever=V%C3%A9lo")).send().await.expect("csv");
    let csv = res.text().await.expect("text");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row = lines.next().expect("a row");
    let at = |name: &str| header.iter().position(|h| *h == name).expect(name);
    assert!(
        at("leviers") < at("competences") && at("competences") < at("transitions") && at("transitions") < at("domaine")
    );
    assert!(row.contains(",Vélo;Réduction des déplacements,90-212,Transition écologique,Mobilité,"), "{row}");

    // The pages: the filters offer the lists, the detail names them.
    let page = |path: &str| {
        let url = app.url(path);
        let client = app.client.clone();
        async move { client.get(url).send().await.expect("page").text().await.expect("html") }
    };
    let html = page("/projets?levier=V%C3%A9lo").await;
    assert!(html.contains("1 projet trouvé") && html.contains("Piste cyclable"), "{html}");
    let options = |list: &str| {
        let start = html.find(&format!("<datalist id=\"{list}\">")).expect(list);
        let end = start + html[start..].find("</datalist>").expect("closed");
        html[start..end].matches("<option value=").count()
    };
    assert_eq!((options("projets-leviers"), options("projets-competences")), (72, 156), "the two lists are offered");
    assert!(
        html.contains("<option value=\"90-212 — Enseignement du premier degré &#62; Ecoles primaires\">"),
        "{html}"
    );
    let html = page("/projets?competence=90-212+%E2%80%94+Enseignement+du+premier+degr%C3%A9").await;
    assert!(html.contains("1 projet trouvé"), "the list's « code — label » is read by its code: {html}");
    let html = page("/projets?levier=Bicyclette").await;
    assert!(html.contains("« Bicyclette » n’est pas un levier de la liste"), "{html}");
    assert!(html.contains("2 projets trouvés"), "the unknown lever is not applied: {html}");
    let html = page(&format!("/projets/{id}")).await;
    assert!(
        html.contains("Leviers de la planification écologique") && html.contains("<li>Réduction des déplacements</li>")
    );
    assert!(html.contains("90-212 — Enseignement du premier degré &#62; Ecoles primaires"), "{html}");
}
