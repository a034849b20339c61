//! The engineering exports on both databases (issue 13, point 10): requests and
//! missions as CSV and JSON with the same rows, and the requests' projects in the
//! `projets-territoire` columns; each caller gets what they may see (anonymous: the
//! public view of accepted requests; the authority and the delegate: their own
//! whole; a provider: the missions it was asked for), never the text of a request or
//! a conversation, with the filters of the dashboard and its count.

use cohesion_core::access::Role;
use cohesion_core::access::organisation::OrganisationKind;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::json;

use crate::support::TestApp;
use crate::support::engineering::{Cast, call, organisation};

async fn text(app: &TestApp, path: &str, token: &str) -> (u16, String, String) {
    let mut req = app.client.get(app.url(path));
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    let kind = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (status, kind, res.text().await.unwrap_or_default())
}

/// How many rows each export has for `token`: requests (JSON, CSV), missions (JSON,
/// CSV), projects (JSON, CSV); the CSV counts without their header.
async fn counts(app: &TestApp, token: &str) -> [usize; 6] {
    let mut out = [0; 6];
    for (i, what) in ["requests", "missions", "projects"].iter().enumerate() {
        let (s, json) = call(app, "GET", &format!("/api/v1/engineering/{what}.json"), token, None).await;
        assert_eq!(s, 200, "{what}.json: {json}");
        out[2 * i] = json.as_array().map_or(usize::MAX, Vec::len);
        let (s, kind, csv) = text(app, &format!("/api/v1/engineering/{what}.csv"), token).await;
        assert_eq!(s, 200, "{what}.csv: {csv}");
        assert!(kind.starts_with("text/csv"), "{kind}");
        out[2 * i + 1] = csv.lines().count() - 1;
    }
    out
}

async fn story(app: &TestApp) {
    let Cast { admin, local, delegate } = Cast::new(app).await;
    let firm = organisation(app, OrganisationKind::Partner, "Bureau", None, None).await;
    let other = organisation(app, OrganisationKind::Partner, "Autre", None, None).await;
    let ain = app.token("delegue@ain.fr", vec![Role::Delegate { departement: "01".into() }]).await;
    let advisor = app.token("conseil@example.fr", vec![Role::Partner { organisation: firm }]).await;
    let stranger = app.token("autre@example.fr", vec![Role::Partner { organisation: other }]).await;

    let (s, provider) = call(
        app,
        "POST",
        "/api/v1/engineering/providers",
        &admin,
        Some(json!({"name": "Bureau d'études", "kind": "private_firm", "organisation": firm,
                    "competences": ["town_centre"], "capacity": 2})),
    )
    .await;
    assert_eq!(s, 201, "{provider}");
    let pid = provider["id"].as_str().expect("id").to_owned();
    let (s, project) = call(
        app,
        "POST",
        "/api/v1/projects",
        &local,
        Some(json!({"name": "Halle du marché couvert", "territories": [{"kind": "commune", "code": "42218"}],
                    "phase": "study", "phase_status": "in_progress"})),
    )
    .await;
    assert_eq!(s, 201, "{project}");
    // Request A, about that project: accepted, taken by the provider, a milestone, a spending.
    let (s, a) = call(
        app,
        "POST",
        "/api/v1/engineering/requests",
        &local,
        Some(json!({"project": project["id"], "needs": ["town_centre"], "context": "Texte confidentiel A"})),
    )
    .await;
    assert_eq!(s, 201, "{a}");
    let a = a["request"]["id"].as_str().expect("id").to_owned();
    let (s, q) = call(
        app,
        "POST",
        &format!("/api/v1/engineering/requests/{a}/qualification"),
        &delegate,
        Some(json!({"outcome": "accept", "providers": [pid]})),
    )
    .await;
    assert_eq!(s, 200, "{q}");
    let mission = q["mission"]["id"].as_str().expect("mission").to_owned();
    let answer = json!({"provider": pid, "accept": true});
    let (s, r) = call(app, "POST", &format!("/api/v1/engineering/requests/{a}/answer"), &advisor, Some(answer)).await;
    assert_eq!(s, 200, "{r}");
    let ms = format!("/api/v1/engineering/requests/{a}/milestones");
    let (s, r) = call(app, "POST", &ms, &advisor, Some(json!({"title": "Atelier", "due": "2026-05-01"}))).await;
    assert_eq!(s, 200, "{r}");
    let spend = json!({"provider": pid, "days": "2,5", "cost_cents": 150_000, "on": "2026-03-02",
                       "approve_over_budget": true});
    let (s, r) = call(app, "POST", &format!("/api/v1/engineering/requests/{a}/spending"), &delegate, Some(spend)).await;
    assert_eq!(s, 200, "{r}");
    // Request B: submitted, not answered — nobody outside the authority and the State sees it.
    let (s, b) = call(
        app,
        "POST",
        "/api/v1/engineering/requests",
        &local,
        Some(json!({"project_title": "Voie verte", "needs": ["mobility"], "context": "Texte confidentiel B"})),
    )
    .await;
    assert_eq!(s, 201, "{b}");

    // Who sees what: [requests json, csv, missions json, csv, projects json, csv].
    assert_eq!(counts(app, "").await, [1, 1, 1, 1, 1, 1], "anonymous: the public view of A");
    assert_eq!(counts(app, &local).await, [2, 2, 1, 1, 1, 1], "the authority: both of its requests");
    assert_eq!(counts(app, &delegate).await, [2, 2, 1, 1, 1, 1], "the delegate of 42: both");
    assert_eq!(counts(app, &ain).await, [1, 1, 1, 1, 1, 1], "another delegate: the public view");
    assert_eq!(counts(app, &advisor).await, [1, 1, 1, 1, 1, 1], "the provider: its mission");
    assert_eq!(counts(app, &stranger).await, [1, 1, 1, 1, 1, 1], "another provider: the public view");

    // Never a request's or a conversation's text, whoever asks.
    for token in ["", local.as_str(), delegate.as_str(), advisor.as_str()] {
        for path in ["requests.json", "requests.csv", "missions.json", "missions.csv"] {
            let (_, _, body) = text(app, &format!("/api/v1/engineering/{path}"), token).await;
            assert!(!body.contains("confidentiel"), "{path}: {body}");
        }
    }

    // The mission's figures, the same in JSON and CSV.
    let (_, missions) = call(app, "GET", "/api/v1/engineering/missions.json", "", None).await;
    let m = &missions[0];
    assert_eq!(m["id"], json!(mission));
    assert_eq!(m["request"], json!(a));
    assert_eq!(m["status"], "in_progress");
    assert_eq!(m["providers"], json!(["Bureau d'études"]));
    assert_eq!((m["milestones"].as_u64(), m["milestones_done"].as_u64()), (Some(1), Some(0)));
    assert_eq!((m["centidays"].as_i64(), m["cost_cents"].as_i64()), (Some(250), Some(150_000)));
    let (_, _, csv) = text(app, "/api/v1/engineering/missions.csv", "").await;
    let row = csv.lines().nth(1).expect("a row");
    assert!(row.starts_with(&format!("{mission},{a},Saint-Étienne,commune:42218,42,")), "{row}");
    assert!(row.ends_with(",1,0,250,150000,0"), "{row}");

    // The projects as typed JSON (as the API answers them), and in the projets-territoire columns.
    let (_, projects) = call(app, "GET", "/api/v1/engineering/projects.json", "", None).await;
    assert_eq!(projects[0]["id"], project["id"]);
    assert_eq!(projects[0]["name"], "Halle du marché couvert");
    assert_eq!(projects[0]["territories"], json!([{"kind": "commune", "code": "42218"}]));
    let (_, _, csv) = text(app, "/api/v1/engineering/projects.csv", "").await;
    assert!(csv.starts_with("id,nom,description,porteurNom,"), "{csv}");

    // The dashboard's filters and count: the State sees every request the dashboard adds.
    let (_, d) = call(app, "GET", "/api/v1/engineering/dashboard?departement=42", "", None).await;
    let (_, listed) = call(app, "GET", "/api/v1/engineering/requests.json?departement=42", &delegate, None).await;
    assert_eq!(d["requests"].as_u64(), listed.as_array().map(|l| l.len() as u64), "{d}");
    let (_, none) = call(app, "GET", "/api/v1/engineering/missions.json?departement=69", &admin, None).await;
    assert_eq!(none, json!([]));
    let (_, accepted) = call(app, "GET", "/api/v1/engineering/requests.json?status=accepted", &admin, None).await;
    assert_eq!(accepted.as_array().map(Vec::len), Some(1), "{accepted}");
    for what in ["requests", "missions", "projects"] {
        for ext in ["json", "csv"] {
            let (s, _) = call(app, "GET", &format!("/api/v1/engineering/{what}.{ext}?status=nope"), "", None).await;
            assert_eq!(s, 400, "{what}.{ext}: a bad filter is refused");
        }
    }
}

storage_test!(engineering_export, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
