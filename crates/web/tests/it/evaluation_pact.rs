//! A signed pact's perimeter as the treated set of an evaluation (issue 18, point 6):
//! chosen on the form by searching for the pact, never by typing its identifier; asked
//! for through the API by its id; frozen into its territories at the year of the
//! signature that covered each; an unsigned pact refused. Both databases.

use cohesion_core::access::Role;
use cohesion_core::pact::{Pact, PactVersion, VersionStatus};
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Browser, TestApp, csrf_of, shipped};

const PASS: &str = "correct horse battery staple";

/// A pact of `perimeter`, signed in 2021 when `signed`; signed pacts get an amendment
/// signed in 2023 adding `added`.
fn pact(title: &str, perimeter: &[&str], signed: bool, added: &str) -> Pact {
    let commune = |code: &str| json!({"kind": "commune", "code": code});
    let content = |perimeter: Vec<Value>| {
        serde_json::from_value(json!({
            "kind": "cohesion", "title": title, "perimeter": perimeter,
            "parties": [{"kind": "state", "name": "Préfecture de la Loire"}], "owner": "state"}))
        .expect("content")
    };
    let first: Vec<Value> = perimeter.iter().map(|c| commune(c)).collect();
    let mut p = Pact::new(Uuid::now_v7().to_string(), content(first.clone()), "2021-01-15T08:00:00Z");
    p.revision = 1;
    if signed {
        p.versions[0].status = VersionStatus::Signed;
        p.versions[0].signed_at = Some("2021-06-30T10:00:00Z".into());
        let mut wider = first;
        wider.push(commune(added));
        p.versions.push(PactVersion {
            number: 2,
            status: VersionStatus::Signed,
            content: content(wider),
            signatures: Vec::new(),
            snapshots: Vec::new(),
            created_at: "2022-11-02T08:00:00Z".into(),
            signed_at: Some("2023-02-01T09:00:00Z".into()),
        });
    }
    p
}

/// The request form posted with `fields`.
async fn post_form(
    b: &mut Browser,
    app: &TestApp,
    fields: &[(&'static str, String)],
) -> (u16, reqwest::header::HeaderMap, String) {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post(&app.url("/evaluations/nouvelle"), &fields).await
}

async fn story(db: TestDb) {
    let app = TestApp::builder(db).referential(shipped()).start().await;
    let quiet = cohesion_store::pact::Told { kind: "created", summary: "test".into(), recipients: vec![] };
    let signed = pact("Pacte de cohésion du Pilat", &["42218", "42100"], true, "42101");
    let draft = pact("Pacte de cohésion du Forez", &["42218"], false, "");
    for p in [&signed, &draft] {
        app.db.store.create_pact(p, Uuid::nil(), &quiet).await.expect("pact");
    }
    app.state.refresh().await.expect("refresh");
    let delegate = app.token("delegue@loire.gouv.fr", vec![Role::Delegate { departement: "42".into() }]).await;

    // The form: the pact is found by searching, offered with its signature year and
    // the size of its perimeter; an unsigned pact is not.
    let mut b = Browser::new();
    assert_eq!(b.sign_in(&app, "delegue@loire.gouv.fr", PASS).await, 303);
    let (status, _, form) = b.get(&app.url("/evaluations/nouvelle")).await;
    assert_eq!(status, 200);
    assert!(form.contains("Le périmètre d’un pacte signé") && form.contains("name=\"pacte_q\""), "the choice");
    assert!(!form.contains("name=\"pacte\" value="), "no pact offered before a search");
    let csrf = csrf_of(&form);
    let search = |q: &str| {
        let fields = [("csrf", csrf.as_str()), ("intervention", "pacte"), ("chercher", "pacte"), ("pacte_q", q)];
        fields.map(|(k, v)| (k, v.to_owned()))
    };
    let form_of = |fields: &[(&'static str, String)]| -> Vec<(&'static str, String)> { fields.to_vec() };
    let (status, _, found) = post_form(&mut b, &app, &form_of(&search("pilat"))).await;
    assert_eq!(status, 200);
    let offered = format!("name=\"pacte\" value=\"{}\"", signed.id);
    assert!(found.contains(&offered), "the search offers the signed pact");
    assert!(found.contains("Pacte de cohésion du Pilat — signé en 2021, 3 territoires dans son périmètre"));
    let (_, _, none) = post_form(&mut b, &app, &form_of(&search("forez"))).await;
    assert!(!none.contains(&format!("value=\"{}\"", draft.id)), "an unsigned pact is not offered");
    assert!(none.contains("Aucun pacte signé ne correspond à « forez »."));

    // Asked for with the pact chosen: frozen into its perimeter.
    let fields = |pacte: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.clone()),
            ("intervention", "pacte".into()),
            ("pacte", pacte.into()),
            ("indicator", "population".into()),
            ("transform", "level".into()),
            ("method", "cs".into()),
            ("comparison", "not_yet".into()),
            ("from", "2016".into()),
            ("to", "2023".into()),
            ("anticipation", "0".into()),
            ("placebo_draws", "0".into()),
            ("demander", "oui".into()),
        ]
    };
    let (status, _, page) = post_form(&mut b, &app, &fields("")).await;
    assert_eq!(status, 400);
    assert!(page.contains("Cherchez puis cochez le pacte signé à évaluer."));
    let (status, _, page) = post_form(&mut b, &app, &fields(&draft.id)).await;
    assert_eq!(status, 400, "an unsigned pact cannot be chosen, even by a forged form");
    assert!(page.contains(&format!("aucun pacte signé « {} »", draft.id)));
    let (status, headers, _) = post_form(&mut b, &app, &fields(&signed.id)).await;
    assert_eq!(status, 303);
    let location = headers.get("location").and_then(|v| v.to_str().ok()).expect("location").to_owned();
    let id = location.trim_start_matches("/evaluations/").to_owned();
    let job = app.db.store.evaluation(&id).await.expect("job").expect("queued");
    let treated = &job.request["treated"];
    assert_eq!((treated["type"].as_str(), treated["id"].as_str()), (Some("pact"), Some(signed.id.as_str())));
    assert_eq!(treated["title"], "Pacte de cohésion du Pilat");
    assert_eq!(
        treated["territories"],
        json!([
            {"territory": "commune:42100", "adoption_year": 2021},
            {"territory": "commune:42101", "adoption_year": 2023},
            {"territory": "commune:42218", "adoption_year": 2021},
        ]),
        "each territory from the signature that covered it"
    );
    let page = b.get(&app.url(&location)).await.2;
    assert!(page.contains("périmètre du pacte « Pacte de cohésion du Pilat » à la date de la demande"));
    assert!(page.contains("Territoires traités et leur année d’adoption (3)"));

    // The API: by the pact's id; an unsigned or unknown pact is refused alike.
    let call = |body: Value| {
        let req = app.client.post(app.url("/api/v1/evaluations")).bearer_auth(&delegate).json(&body);
        async move {
            let res = req.send().await.expect("sent");
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or_default())
        }
    };
    let request = |id: &str| {
        json!({"treated": {"type": "pact", "id": id}, "indicator": "population", "method": "cs",
               "from": 2016, "to": 2023, "placebo_draws": 0})
    };
    let (status, view) = call(request(&signed.id)).await;
    assert_eq!(status, 202, "{view}");
    assert_eq!(view["request"]["treated"]["territories"].as_array().map(Vec::len), Some(3));
    for unknown in [draft.id.as_str(), "0190a1b2-0000-7000-8000-000000000000"] {
        let (status, problem) = call(request(unknown)).await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "treated.id", "{problem}");
    }
}

storage_test!(evaluation_pact_perimeter, |db: TestDb| async move { story(db).await });
