//! Search across the engineering offer on both databases (issue 13, point 9): French
//! analysis (accents, plurals, verb forms), and each hit only for who may see it —
//! anonymous visitors the public view of accepted requests and the providers, the
//! authority its own requests but never the internal conversation, the delegate of
//! the département everything of theirs, a provider's advisor its mission, another
//! delegate or provider only what is public. The index built at start from the
//! store finds the same as the one updated by each write.

use cohesion_core::access::Role;
use cohesion_core::access::organisation::OrganisationKind;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::json;
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::engineering::{Cast, call, organisation};

fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The hits of `q` for `token`, as `kind:id` (whole or public view marked).
async fn hits(app: &TestApp, q: &str, token: &str) -> Vec<String> {
    let (s, page) = call(app, "GET", &format!("/api/v1/engineering/search?q={}", encode(q)), token, None).await;
    assert_eq!(s, 200, "{q}: {page}");
    let items = page["items"].as_array().expect("items");
    assert_eq!(page["total"].as_u64(), Some(items.len() as u64), "{page}");
    items
        .iter()
        .map(|h| {
            let view = if h["whole"] == json!(true) { "" } else { " (public)" };
            format!("{}:{}{view}", h["kind"].as_str().unwrap_or(""), h["id"].as_str().unwrap_or(""))
        })
        .collect()
}

async fn story(app: &TestApp) {
    let Cast { admin, local, delegate } = Cast::new(app).await;
    let firm = organisation(app, OrganisationKind::Partner, "Cerema", None, None).await;
    let other = organisation(app, OrganisationKind::Partner, "Autre", None, None).await;
    let ain = app.token("delegue@ain.fr", vec![Role::Delegate { departement: "01".into() }]).await;
    let advisor = app.token("conseil@cerema.fr", vec![Role::Partner { organisation: firm }]).await;
    let stranger = app.token("autre@example.fr", vec![Role::Partner { organisation: other }]).await;

    let (s, provider) = call(
        app,
        "POST",
        "/api/v1/engineering/providers",
        &admin,
        Some(json!({"name": "Cerema Centre-Est", "kind": "cerema", "organisation": firm,
                    "competences": ["town_centre"], "capacity": 2})),
    )
    .await;
    assert_eq!(s, 201, "{provider}");
    let pid = provider["id"].as_str().expect("id").to_owned();
    let (s, a) = call(
        app,
        "POST",
        "/api/v1/engineering/requests",
        &local,
        Some(json!({"project_title": "Réhabiliter la halle du marché", "needs": ["town_centre"],
                    "context": "La toiture fuit depuis l'hiver"})),
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
    let msgs = format!("/api/v1/engineering/requests/{a}/messages");
    let internal = json!({"thread": "internal", "body": "Une subvention DETR est envisageable"});
    assert_eq!(call(app, "POST", &msgs, &delegate, Some(internal)).await.0, 201);
    let public = json!({"thread": "public", "body": "Calendrier des travaux transmis"});
    assert_eq!(call(app, "POST", &msgs, &local, Some(public)).await.0, 201);
    let (s, reco) = call(
        app,
        "POST",
        &format!("/api/v1/engineering/requests/{a}/recommendations"),
        &advisor,
        Some(json!({"title": "Consulter les commerçants riverains", "body": "Avant l'esquisse"})),
    )
    .await;
    assert_eq!(s, 201, "{reco}");
    let reco = reco["id"].as_str().expect("id").to_owned();
    let (s, b) = call(
        app,
        "POST",
        "/api/v1/engineering/requests",
        &local,
        Some(json!({"project_title": "Créer une voie verte", "needs": ["mobility"]})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let b = b["request"]["id"].as_str().expect("id").to_owned();

    let req = |id: &str, public: bool| format!("request:{id}{}", if public { " (public)" } else { "" });
    // French analysis: a noun for a verb, a plural for a singular, no accents.
    assert_eq!(hits(app, "rehabilitation des halles", "").await, [req(&a, true)], "anonymous: the public view");
    assert_eq!(hits(app, "réhabilitation halles", &local).await, [req(&a, false)]);
    // The request's own text: who reads the case.
    for (who, token, expected) in [
        ("anonymous", "", vec![]),
        ("authority", local.as_str(), vec![req(&a, false)]),
        ("delegate of 42", delegate.as_str(), vec![req(&a, false)]),
        ("delegate of 01", ain.as_str(), vec![]),
        ("advisor", advisor.as_str(), vec![req(&a, false)]),
        ("another provider", stranger.as_str(), vec![]),
    ] {
        assert_eq!(hits(app, "toitures", token).await, expected, "context, {who}");
    }
    // The internal conversation: never the authority.
    for (who, token, found) in [
        ("anonymous", "", false),
        ("authority", local.as_str(), false),
        ("delegate of 42", delegate.as_str(), true),
        ("delegate of 01", ain.as_str(), false),
        ("advisor", advisor.as_str(), true),
        ("another provider", stranger.as_str(), false),
    ] {
        let expected = if found { vec![req(&a, false)] } else { vec![] };
        assert_eq!(hits(app, "subventions detr", token).await, expected, "internal conversation, {who}");
    }
    // The public conversation: its readers.
    assert_eq!(hits(app, "calendrier travaux", &advisor).await, [req(&a, false)]);
    assert_eq!(hits(app, "calendrier travaux", &stranger).await, Vec::<String>::new());
    assert_eq!(hits(app, "calendrier travaux", "").await, Vec::<String>::new());
    // A request not yet answered: its authority and its delegate only.
    assert_eq!(hits(app, "voies vertes", "").await, Vec::<String>::new());
    assert_eq!(hits(app, "voies vertes", &ain).await, Vec::<String>::new());
    assert_eq!(hits(app, "voies vertes", &advisor).await, Vec::<String>::new());
    assert_eq!(hits(app, "voies vertes", &local).await, [req(&b, false)]);
    assert_eq!(hits(app, "voies vertes", &delegate).await, [req(&b, false)]);
    // A recommendation: who reads the case.
    let rec = format!("recommendation:{reco}");
    assert_eq!(hits(app, "commerçant riverain", &local).await, [req(&a, false), rec.clone()]);
    assert_eq!(hits(app, "commerçant riverain", "").await, Vec::<String>::new());
    // A provider's name: the request and the mission it carries, and the directory.
    let found = hits(app, "cerema", "").await;
    assert_eq!(
        found,
        [req(&a, true), format!("mission:{mission} (public)"), format!("provider:{pid}")],
        "anonymous, by provider"
    );
    let (s, only) = call(app, "GET", "/api/v1/engineering/search?q=cerema&kind=provider", "", None).await;
    assert_eq!((s, only["total"].as_u64()), (200, Some(1)), "{only}");
    let (s, paged) = call(app, "GET", "/api/v1/engineering/search?q=cerema&limit=1&offset=1", "", None).await;
    assert_eq!((s, paged["total"].as_u64(), paged["items"][0]["kind"].as_str()), (200, Some(3), Some("mission")));
    assert_eq!(call(app, "GET", "/api/v1/engineering/search?q=x&kind=nope", "", None).await.0, 400);
    assert_eq!(call(app, "GET", "/api/v1/engineering/search?q=x&limit=0", "", None).await.0, 400);
    assert_eq!(call(app, "GET", "/api/v1/engineering/search", "", None).await.0, 400, "q is required");

    // The index built from the store at start finds the same.
    let fresh = cohesion_app::App::load(app.db.store.clone()).await.expect("app");
    let from_store = |q: &'static str| {
        let fresh = &fresh;
        async move {
            cohesion_app::engineering::search::search(fresh, None, q, None, 0, 20)
                .await
                .expect("search")
                .items
                .iter()
                .map(|h| h.id.clone())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(from_store("cerema").await, [a.clone(), mission.clone(), pid.clone()]);
    assert_eq!(from_store("toiture").await, Vec::<String>::new());
    let delegate_42 = cohesion_core::access::Principal {
        person: Uuid::now_v7(),
        roles: vec![Role::Delegate { departement: "42".into() }],
    };
    let found = cohesion_app::engineering::search::search(&fresh, Some(&delegate_42), "detr", None, 0, 20)
        .await
        .expect("search");
    assert_eq!(found.total, 1, "the internal conversation, read from the store");

    // The page: a search field on /ingenierie, the hits with their links.
    let page = app.client.get(app.url("/ingenierie?q=halles")).send().await.expect("page");
    let html = page.text().await.expect("html");
    assert!(html.contains("id=\"ingenierie-q\""), "the search field");
    assert!(html.contains("1 résultat"), "{html}");
    assert!(html.contains(&format!("href=\"/ingenierie/demandes/{a}\"")), "{html}");
    let page = app.client.get(app.url("/ingenierie?q=toiture")).send().await.expect("page");
    let html = page.text().await.expect("html");
    assert!(html.contains("0 résultat"), "{html}");
}

storage_test!(engineering_search, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
