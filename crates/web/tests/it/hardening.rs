//! Regression tests of the security review (issue 15), on both databases: scope
//! escapes closed on the state after an edit, no panic and no 500 on hostile input.

use crate::support::{Browser, TestApp};
use cohesion_core::access::Role;
use cohesion_store::access::NewApiToken;
use cohesion_store::audit::By;
use cohesion_store::testing::{TestDb, storage_test};
use cohesion_web::auth::secret;
use serde_json::{Value, json};

async fn send(app: &TestApp, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = reqwest::Client::new().request(method, app.url(path));
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("an answer, not a dropped connection");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn story(app: &TestApp) {
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let loire = app.token("prefete@loire.gouv.fr", vec![Role::Delegate { departement: "42".into() }]).await;

    // A SIRET too short to hold a SIREN was sliced unchecked: a dropped connection.
    let (s, problem) = send(
        app,
        "POST",
        "/api/v1/organisations",
        &admin,
        Some(json!({"kind": "partner", "name": "X", "siret": "abc"})),
    )
    .await;
    assert_eq!(s, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "siret", "{problem}");

    // NUL in text: refused with the field, the same on both databases.
    let project = json!({
        "name": "École\u{0}",
        "territories": [{"kind": "commune", "code": "42218"}],
        "phase": "study",
        "phase_status": "in_progress",
    });
    let (s, problem) = send(app, "POST", "/api/v1/projects", &admin, Some(project)).await;
    assert_eq!(s, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "name", "{problem}");
    let (s, problem) = send(app, "GET", "/api/v1/audit?actor=a%00b", &admin, None).await;
    assert_eq!((s, problem["errors"][0]["field"].as_str()), (400, Some("actor")), "{problem}");
    let (s, _) = send(app, "GET", "/api/v1/projects/a%00b", "", None).await;
    assert_eq!(s, 400);
    let form = reqwest::Client::new()
        .post(app.url("/connexion"))
        .form(&[("email", "a\u{0}@b.fr"), ("password", "x"), ("csrf", "x")])
        .send()
        .await
        .expect("answer");
    assert_eq!(form.status().as_u16(), 400);
    let html = form.text().await.expect("page");
    assert!(html.contains("Saisie refusée") && html.contains("« email »"), "the page names the field");
    // A body that is not JSON is a problem document too.
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/pacts"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");

    // A delegate pilots a pact of the Loire, then moves its perimeter out of the Loire.
    let (s, a) = send(
        app,
        "POST",
        "/api/v1/projects",
        &loire,
        Some(json!({"name": "École", "territories": [{"kind": "commune", "code": "42218"}],
                    "phase": "study", "phase_status": "in_progress"})),
    )
    .await;
    assert_eq!(s, 201, "{a}");
    let text = json!({
        "kind": "cohesion",
        "title": "Pacte de la Loire",
        "perimeter": [{"kind": "departement", "code": "42"}],
        "parties": [
            {"kind": "state", "name": "Préfecture de la Loire"},
            {"kind": "local_authority", "name": "Saint-Étienne", "siren": "214202186"}
        ],
        "owner": "state",
        "actions": [a["id"]],
    });
    let (s, pact) = send(app, "POST", "/api/v1/pacts", &loire, Some(text)).await;
    assert_eq!(s, 201, "{pact}");
    let id = pact["id"].as_str().expect("id");
    let res = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/pacts/{id}")))
        .bearer_auth(&loire)
        .header("if-match", format!("\"{}\"", pact["revision"]))
        .json(&json!({"perimeter": [{"kind": "departement", "code": "01"}]}))
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status().as_u16(), 403, "the text after the edit is outside the delegate's scope");
    let (_, stored) = send(app, "GET", &format!("/api/v1/pacts/{id}"), &admin, None).await;
    assert_eq!(stored["revision"], pact["revision"], "nothing was written");
}

/// 30 wrong passwords at once on one account: at most 5 are checked, the rest wait.
async fn parallel_sign_ins(app: &TestApp) {
    app.person("cible@example.fr", &[], "correct horse battery staple").await;
    let base = app.url("");
    let tries: Vec<_> = (0..30)
        .map(|_| {
            let base = base.clone();
            tokio::spawn(async move {
                let mut b = Browser::new();
                let (_, _, html) = b.get(&format!("{base}/connexion")).await;
                let csrf = crate::support::csrf_of(&html);
                let form = [("csrf", csrf.as_str()), ("email", "cible@example.fr"), ("password", "mauvais")];
                b.post(&format!("{base}/connexion"), &form).await.0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.expect("task"));
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + throttled, 30, "{statuses:?}");
    assert!(checked <= 5, "{checked} passwords checked in parallel, at most 5 allowed: {statuses:?}");
}

storage_test!(sign_ins_in_parallel_are_throttled, |db: TestDb| async move {
    parallel_sign_ins(&TestApp::builder(db).start().await).await
});

/// A token never mints a token that outlives it, and revoking it revokes its children.
async fn token_lineage(app: &TestApp) {
    let person = app.person("jetons@example.fr", &[Role::Admin], "correct horse battery staple").await;
    let secret = secret::generate().expect("random");
    let day = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let t = NewApiToken {
        person,
        name: "un jour".into(),
        token_hash: secret::hash(&secret),
        roles: vec![Role::Admin],
        expires_at: Some(day),
    };
    app.db.store.create_api_token(&t, &By::new("test", None)).await.expect("token");
    let (s, _) = send(app, "POST", "/api/v1/tokens", &secret, Some(json!({"name": "sans fin"}))).await;
    assert_eq!(s, 403, "no expiry: it would outlive its parent");
    let (s, _) =
        send(app, "POST", "/api/v1/tokens", &secret, Some(json!({"name": "long", "expires_in_days": 30}))).await;
    assert_eq!(s, 403, "30 days: it would outlive its parent");
    let grandparent = secret::generate().expect("random");
    let g = NewApiToken {
        person,
        name: "racine".into(),
        token_hash: secret::hash(&grandparent),
        roles: vec![Role::Admin],
        expires_at: None,
    };
    let root = app.db.store.create_api_token(&g, &By::new("test", None)).await.expect("token");
    let (s, made) = send(app, "POST", "/api/v1/tokens", &grandparent, Some(json!({"name": "enfant"}))).await;
    assert_eq!(s, 201, "{made}");
    let child_secret = made["secret"].as_str().expect("secret").to_owned();
    assert_eq!(send(app, "GET", "/api/v1/me", &child_secret, None).await.0, 200);
    let (s, _) = send(app, "DELETE", &format!("/api/v1/tokens/{}", root.id), &secret, None).await;
    assert_eq!(s, 204);
    assert_eq!(send(app, "GET", "/api/v1/me", &child_secret, None).await.0, 401, "revoked with its parent");
}

storage_test!(tokens_never_outlive_their_parent, |db: TestDb| async move {
    token_lineage(&TestApp::builder(db).start().await).await
});

/// A list that would empty a programme is refused unless confirmed.
async fn mass_removal(app: &TestApp) {
    let admin = app.token("admin-liste@anct.gouv.fr", vec![Role::Admin]).await;
    let body = json!({"code": "tst", "acronym": "TST", "name": "Programme test"});
    assert_eq!(send(app, "POST", "/api/v1/programmes", &admin, Some(body)).await.0, 201);
    let upload = |csv: &'static str, path: String| {
        reqwest::Client::new().post(app.url(&path)).bearer_auth(&admin).header("content-type", "text/csv").body(csv)
    };
    let preview = |csv: &'static str| async move {
        let r = upload(csv, "/api/v1/programmes/tst/imports/preview".into()).send().await.expect("answer");
        let v: Value = r.json().await.expect("json");
        v["base_revision"].as_i64().expect("revision")
    };
    let apply = |csv: &'static str, base: i64, confirm: bool| async move {
        let path = format!("/api/v1/programmes/tst/imports/apply?base_revision={base}&confirm_removals={confirm}");
        let r = upload(csv, path).send().await.expect("answer");
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    let two = "code\n42218\n01001\n";
    let base = preview(two).await;
    assert_eq!(apply(two, base, false).await.0, 200, "adding members needs no confirmation");
    let header_only = "code\n";
    let base = preview(header_only).await;
    let (s, problem) = apply(header_only, base, false).await;
    assert_eq!((s, problem["code"].as_str()), (400, Some("mass_removal")), "{problem}");
    let (s, done) = apply(header_only, base, true).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["removed"], 2);
}

storage_test!(a_list_that_empties_a_programme_needs_a_confirmation, |db: TestDb| async move {
    mass_removal(&TestApp::builder(db).start().await).await
});

storage_test!(hardening, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });

/// Found by schemathesis with an admin token: an admin could deactivate their own
/// account or revoke their own roles (a lone admin then locks the agency out).
async fn self_lockout(app: &TestApp) {
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let other = app.token("autre.admin@anct.gouv.fr", vec![Role::Admin]).await;
    let (s, me) = send(app, "GET", "/api/v1/me", &admin, None).await;
    assert_eq!(s, 200, "{me}");
    let id = me["person"]["id"].as_str().expect("person id").to_owned();
    let (s, people) = send(app, "GET", "/api/v1/people", &admin, None).await;
    assert_eq!(s, 200, "{people}");
    let mine = people["items"].as_array().into_iter().flatten().find(|p| p["id"] == id.as_str());
    let grant =
        mine.and_then(|p| p["roles"][0]["id"].as_str()).unwrap_or_else(|| panic!("own grant: {people}")).to_owned();
    let (s, problem) =
        send(app, "PUT", &format!("/api/v1/people/{id}/active"), &admin, Some(json!({"active": false}))).await;
    assert_eq!(s, 403, "{problem}");
    let (s, problem) = send(app, "DELETE", &format!("/api/v1/people/{id}/roles/{grant}"), &admin, None).await;
    assert_eq!(s, 403, "{problem}");
    assert_eq!(send(app, "GET", "/api/v1/people", &admin, None).await.0, 200, "still an admin");
    // Another admin may.
    let (s, problem) =
        send(app, "PUT", &format!("/api/v1/people/{id}/active"), &other, Some(json!({"active": false}))).await;
    assert_eq!(s, 204, "{problem}");
    assert_eq!(send(app, "GET", "/api/v1/people", &admin, None).await.0, 401, "deactivated");
}

storage_test!(no_one_locks_themselves_out, |db: TestDb| async move {
    self_lockout(&TestApp::builder(db).start().await).await
});

/// Issue 15, point 4: a panic in a handler, wherever it comes from, is a logged 500
/// problem document, never a dropped connection — the real layers around a route that
/// panics (the only way to make one panic on purpose).
#[tokio::test]
async fn a_panic_is_a_problem_document_not_a_dropped_connection() {
    use axum::routing::get;
    let app = TestApp::sqlite().await.start().await;
    let routes = axum::Router::new().route(
        "/api/v1/boom",
        get(|| async {
            let v: Vec<u8> = Vec::new();
            // An index out of bounds, as an unchecked slice of outside input would be.
            format!("{}", v[usize::from(v.is_empty())])
        }),
    );
    let service = cohesion_web::with_layers(routes, app.state.clone())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, service).await });
    for _ in 0..3 {
        let res =
            reqwest::get(format!("http://{addr}/api/v1/boom")).await.expect("an answer, not a dropped connection");
        assert_eq!(res.status().as_u16(), 500);
        let kind = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(kind.starts_with("application/problem+json"), "{kind}");
        assert!(res.headers().contains_key("x-request-id"));
        let body: Value = res.json().await.expect("problem document");
        assert_eq!(body["status"], 500, "{body}");
        assert!(!body.to_string().contains("index out of bounds"), "the cause stays in the log: {body}");
    }
}

/// Failed and throttled sign-ins, requests answered 403 and unknown API tokens are in
/// the audit trail with the client address and the token id, never the password.
async fn refusals_audited(app: &TestApp) {
    app.person("cible@example.fr", &[], "correct horse battery staple").await;
    let admin = app.token("admin-audit@anct.gouv.fr", vec![Role::Admin]).await;
    let loire = app.token("delegue@loire.gouv.fr", vec![Role::Delegate { departement: "42".into() }]).await;
    let mut b = Browser::new();
    assert_eq!(b.sign_in(app, "cible@example.fr", "un mauvais mot de passe").await, 401);
    assert_eq!(b.sign_in(app, "personne@example.fr", "un autre mauvais essai").await, 401);
    assert_eq!(send(app, "GET", "/api/v1/audit", &loire, None).await.0, 403, "the audit trail is for admins");
    assert_eq!(send(app, "GET", "/api/v1/me", "not-a-token", None).await.0, 401);

    let (s, signs) = send(app, "GET", "/api/v1/audit?entity_type=sign_in", &admin, None).await;
    assert_eq!(s, 200, "{signs}");
    let events = signs["items"].as_array().expect("items");
    let reasons: Vec<(&str, &str, &str, &str)> = events
        .iter()
        .map(|e| {
            fn s(v: &Value) -> &str {
                v.as_str().unwrap_or("")
            }
            (s(&e["entity_id"]), s(&e["action"]), s(&e["after"]["reason"]), s(&e["after"]["address"]))
        })
        .collect();
    assert!(reasons.contains(&("cible@example.fr", "failed", "wrong password", "127.0.0.1")), "{reasons:?}");
    assert!(reasons.contains(&("personne@example.fr", "failed", "unknown address", "127.0.0.1")), "{reasons:?}");
    assert!(!signs.to_string().contains("mauvais"), "never the password: {signs}");

    let (_, refused) = send(app, "GET", "/api/v1/audit?entity_type=request", &admin, None).await;
    let events = refused["items"].as_array().expect("items");
    let forbidden = events.iter().find(|e| e["after"]["reason"] == "forbidden").expect("the 403 is recorded");
    assert_eq!(forbidden["entity_id"], "/api/v1/audit");
    assert!(forbidden["actor"].as_str().is_some_and(|a| a.starts_with("person:")), "{forbidden}");
    assert!(forbidden["after"]["token"].as_str().is_some_and(|t| t.len() == 36), "the token id: {forbidden}");
    assert_eq!(forbidden["after"]["address"], "127.0.0.1");
    let bad = events.iter().find(|e| e["entity_id"] == "/api/v1/me").expect("the unknown token is recorded");
    assert_eq!(bad["after"]["reason"], "unknown, expired or revoked API token");
    assert!(!refused.to_string().contains("not-a-token"), "never the secret: {refused}");
}

storage_test!(refusals_are_in_the_audit_trail, |db: TestDb| async move {
    refusals_audited(&TestApp::builder(db).start().await).await
});
