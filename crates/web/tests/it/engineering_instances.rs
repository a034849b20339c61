//! The engineering index and dashboards across instances, on both databases (issue
//! 13): a second instance over the same database, with no poll and no change feed
//! running, finds in its search and counts in its dashboards what the first wrote, at
//! its next read; and after every write the served dashboard (computed from the
//! cases held in memory) equals the one computed in SQL, for every filter, on both
//! instances. Writes follow each other within the same second (what the instants of
//! the former fingerprint could miss on SQLite).

use cohesion_app::App;
use cohesion_core::access::Role;
use cohesion_core::access::organisation::OrganisationKind;
use cohesion_core::engineering::{Need, RequestStatus};
use cohesion_store::engineering::Filter;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::engineering::{Cast, call, organisation};

/// Every filter the dashboards take, alone, with and without a year.
fn filters(providers: &[String], town: Uuid) -> Vec<(Filter, Option<i32>)> {
    let now = OffsetDateTime::now_utc();
    let mut out = vec![
        (Filter::default(), None),
        (Filter::default(), Some(2026)),
        (Filter { departement: Some("42".into()), ..Filter::default() }, None),
        (Filter { departement: Some("42".into()), ..Filter::default() }, Some(2026)),
        (Filter { departement: Some("01".into()), ..Filter::default() }, None),
        (Filter { region: Some("84".into()), ..Filter::default() }, Some(2026)),
        (Filter { region: Some("11".into()), ..Filter::default() }, None),
        (Filter { organisation: Some(town), ..Filter::default() }, None),
        (Filter { from: Some(now - time::Duration::hours(1)), ..Filter::default() }, None),
        (Filter { to: Some(now - time::Duration::hours(1)), ..Filter::default() }, None),
    ];
    out.extend(RequestStatus::ALL.iter().map(|s| (Filter { status: Some(*s), ..Filter::default() }, None)));
    out.extend(Need::ALL.iter().map(|n| (Filter { need: Some(*n), ..Filter::default() }, None)));
    out.extend(providers.iter().map(|p| (Filter { provider: Some(p.clone()), ..Filter::default() }, None)));
    out
}

/// Both instances serve, for every filter, the figures SQL computes.
async fn same_everywhere(app: &TestApp, other: &App, providers: &[String], town: Uuid, step: &str) {
    for (filter, year) in filters(providers, town) {
        let sql = app.db.store.engineering_dashboard(&filter, year).await.expect("sql");
        for (name, a) in [("first", &app.state.app), ("second", other)] {
            let served = cohesion_app::engineering::read::dashboard(a, &filter, year).await.expect("dashboard");
            assert_eq!(served, sql, "{step}, {name} instance, {filter:?} {year:?}");
        }
    }
}

async fn hits(other: &App, q: &str) -> usize {
    cohesion_app::engineering::search::search(other, None, q, None, 0, 10).await.expect("search").total
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let (s, answer) = call(app, "POST", path, token, Some(body)).await;
    assert!((200..300).contains(&s), "{path}: {s} {answer}");
    answer
}

async fn story(app: &TestApp) {
    let Cast { admin, local, delegate } = Cast::new(app).await;
    // The second instance, loaded now: everything below is written after.
    let other = App::load(app.db.store.clone()).await.expect("second instance");
    let ain = organisation(
        app,
        OrganisationKind::LocalAuthority,
        "L'Abergement-Clémenciat",
        Some("commune:01001"),
        Some("210100012"),
    )
    .await;
    let ain = app
        .token(
            "maire@abergement.fr",
            vec![Role::Local { organisation: ain, territory: "commune:01001".parse().expect("ref") }],
        )
        .await;
    let ain_delegate = app.token("delegue@ain.fr", vec![Role::Delegate { departement: "01".into() }]).await;
    let firm = organisation(app, OrganisationKind::Partner, "Bureau", None, None).await;
    let advisor = app.token("conseil@example.fr", vec![Role::Partner { organisation: firm }]).await;

    let mut providers = Vec::new();
    for (name, org) in [("Bureau d'études", Some(firm)), ("Agence d'urbanisme", None)] {
        let p = post(
            app,
            "/api/v1/engineering/providers",
            &admin,
            json!({"name": name, "kind": "private_firm", "organisation": org,
                   "competences": ["town_centre", "housing", "study"], "departements": ["42", "01"], "capacity": 3}),
        )
        .await;
        providers.push(p["id"].as_str().expect("id").to_owned());
    }
    let (p1, p2) = (providers[0].clone(), providers[1].clone());
    let town = Uuid::nil();
    same_everywhere(app, &other, &providers, town, "providers only").await;

    // A: Saint-Étienne, accepted with both providers, taken by the first, days spent,
    // closed and rated.
    let a = post(
        app,
        "/api/v1/engineering/requests",
        &local,
        json!({"project_title": "Réhabiliter la halle du marché", "needs": ["town_centre", "housing"]}),
    )
    .await;
    let town: Uuid = a["request"]["organisation"].as_str().expect("organisation").parse().expect("uuid");
    let a = a["request"]["id"].as_str().expect("id").to_owned();
    assert_eq!(hits(&other, "halle marché").await, 0, "not public before it is accepted");
    same_everywhere(app, &other, &providers, town, "A submitted").await;
    post(
        app,
        &format!("/api/v1/engineering/requests/{a}/qualification"),
        &delegate,
        json!({"outcome": "accept", "providers": [p1, p2]}),
    )
    .await;
    assert_eq!(hits(&other, "halle marché").await, 1, "the request, public once accepted, on the other instance");
    post(app, &format!("/api/v1/engineering/requests/{a}/answer"), &advisor, json!({"provider": p1, "accept": true}))
        .await;
    same_everywhere(app, &other, &providers, town, "A taken").await;
    let (s, _) =
        call(app, "PUT", "/api/v1/engineering/budgets/42/2026", &admin, Some(json!({"amount_cents": 900_000}))).await;
    assert_eq!(s, 200);
    post(
        app,
        &format!("/api/v1/engineering/requests/{a}/spending"),
        &delegate,
        json!({"provider": p1, "days": "2,5", "cost_cents": 150_000, "on": "2026-03-02"}),
    )
    .await;
    same_everywhere(app, &other, &providers, town, "A spent").await;
    post(
        app,
        &format!("/api/v1/engineering/requests/{a}/closure"),
        &advisor,
        json!({"delivered": "Une étude de programmation", "phase_before": "idea", "phase_after": "study"}),
    )
    .await;
    post(app, &format!("/api/v1/engineering/requests/{a}/satisfaction"), &local, json!({"score": 4})).await;
    same_everywhere(app, &other, &providers, town, "A closed and rated").await;
    assert_eq!(hits(&other, "étude programmation").await, 2, "what was delivered, found on the other instance");

    // B: Saint-Étienne, declined. C: Ain, waiting. D: Ain, accepted with the second
    // provider; a message and a recommendation on it.
    let b = post(
        app,
        "/api/v1/engineering/requests",
        &local,
        json!({"project_title": "Voie verte", "needs": ["mobility"]}),
    )
    .await;
    let b = b["request"]["id"].as_str().expect("id").to_owned();
    post(
        app,
        &format!("/api/v1/engineering/requests/{b}/qualification"),
        &delegate,
        json!({"outcome": "decline", "reason": "Hors du champ de l'offre"}),
    )
    .await;
    post(
        app,
        "/api/v1/engineering/requests",
        &ain,
        json!({"project_title": "Tiers-lieu numérique", "needs": ["digital"]}),
    )
    .await;
    let d = post(
        app,
        "/api/v1/engineering/requests",
        &ain,
        json!({"project_title": "Résidence seniors", "needs": ["housing", "study"]}),
    )
    .await;
    let d = d["request"]["id"].as_str().expect("id").to_owned();
    post(
        app,
        &format!("/api/v1/engineering/requests/{d}/qualification"),
        &ain_delegate,
        json!({"outcome": "accept", "providers": [p2]}),
    )
    .await;
    same_everywhere(app, &other, &providers, town, "B, C and D").await;
    post(
        app,
        &format!("/api/v1/engineering/requests/{d}/messages"),
        &ain_delegate,
        json!({"thread": "internal", "body": "Voir la convention ORT"}),
    )
    .await;
    assert_eq!(hits(&other, "convention ORT").await, 0, "an internal message is not public");
    let ain_principal = cohesion_core::access::Principal {
        person: Uuid::now_v7(),
        roles: vec![Role::Delegate { departement: "01".into() }],
    };
    let found =
        cohesion_app::engineering::search::search(&other, Some(&ain_principal), "convention ORT", None, 0, 10).await;
    assert_eq!(found.expect("search").total, 1, "the delegate finds the internal message on the other instance");
    let revision = |a: &App| cohesion_app::engineering::search::revision(a).expect("revision");
    assert_eq!(revision(&other), revision(&app.state), "both at the store's revision");
    assert_eq!(revision(&other), app.db.store.engineering_revision().await.expect("stored"));
}

storage_test!(engineering_instances, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
