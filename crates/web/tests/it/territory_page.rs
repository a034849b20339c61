//! A territory page's body is kept once rendered (`pages::territory::cache`), on both
//! databases: what a write changes shows on the next request (a project, a pact), and
//! the layout around the body stays each visitor's own (the signed-in person's name,
//! never another's).

use cohesion_core::access::Role;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};

use crate::support::{Browser, TestApp};

const PASS: &str = "correct horse battery staple";

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let res = app.client.post(app.url(path)).bearer_auth(token).json(&body).send().await.expect("answer");
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

async fn story(app: &TestApp) {
    let page = app.url("/territoires/commune/42218");
    let before = app.client.get(&page).send().await.expect("page").text().await.expect("html");
    assert!(!before.contains("Maison de santé des Ursules"));
    assert!(!before.contains("1 pacte couvre ce territoire"));
    let again = app.client.get(&page).send().await.expect("page").text().await.expect("html");
    assert_eq!(before, again, "the same page, served from the body kept");

    // A project written: the next request shows it.
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let project = json!({
        "name": "Maison de santé des Ursules",
        "territories": [{"kind": "commune", "code": "42218"}],
        "phase": "study",
        "phase_status": "in_progress",
    });
    let created = post(app, "/api/v1/projects", &admin, project).await;
    let html = app.client.get(&page).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("Maison de santé des Ursules"), "the new project");

    // A pact written: the same.
    let pact = json!({
        "kind": "cohesion",
        "title": "Pacte de la Loire",
        "perimeter": [{"kind": "commune", "code": "42218"}],
        "parties": [
            {"kind": "state", "name": "Préfecture de la Loire"},
            {"kind": "local_authority", "name": "Saint-Étienne", "siren": "214202186"}
        ],
        "owner": "state",
        "actions": [created["id"]],
    });
    post(app, "/api/v1/pacts", &admin, pact).await;
    let html = app.client.get(&page).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("pactes-titre"), "the pacts' section");

    // The layout is the visitor's: a signed-in person sees their name, an anonymous
    // visitor after them does not.
    app.person("camille@example.fr", &[Role::Delegate { departement: "42".into() }], PASS).await;
    let mut camille = Browser::new();
    assert_eq!(camille.sign_in(app, "camille@example.fr", PASS).await, 303);
    let (_, _, mine) = camille.get(&page).await;
    assert!(mine.contains("camille@example.fr"), "the header names who is signed in");
    assert!(mine.contains("Maison de santé des Ursules"));
    let anonymous = app.client.get(&page).send().await.expect("page").text().await.expect("html");
    assert!(!anonymous.contains("camille@example.fr"), "never another visitor's header");
    assert!(anonymous.contains("Maison de santé des Ursules"));
}

storage_test!(territory_page_kept, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
