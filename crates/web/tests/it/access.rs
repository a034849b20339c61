//! Accounts end to end over HTTP: sign-in, invitation, reset, email change (mail read
//! from a local SMTP sink), CSRF, throttling, API tokens, audit, security headers.
//! The main story runs on SQLite and on PostgreSQL.

use cohesion_core::access::Role;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};

use crate::support::{Browser, TestApp, csrf_of};

const PASS: &str = "une phrase de passe solide";

async fn api(
    app: &TestApp,
    b: &Browser,
    method: &str,
    path: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = b.client.request(method.parse().expect("method"), app.url(path)).header("cookie", b.cookie_header());
    if let Some(c) = csrf {
        req = req.header("x-csrf-token", c);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn story(app: TestApp) {
    app.person("admin@example.fr", &[Role::Admin], PASS).await;
    let mut admin = Browser::new();
    assert_eq!(admin.sign_in(&app, "admin@example.fr", "pas le bon mot de passe").await, 401);
    assert_eq!(admin.sign_in(&app, "ADMIN@example.fr", PASS).await, 303, "email case does not matter");
    assert!(admin.cookie("cohesion_session").is_some());
    let (_, _, profile) = admin.get(&app.url("/profil")).await;
    assert!(profile.contains("Administrateur de la plateforme") && profile.contains("Se déconnecter"));
    let csrf = csrf_of(&profile);

    // API with the session cookie: reads need nothing, writes need the CSRF header.
    let (status, me) = api(&app, &admin, "GET", "/api/v1/me", None, None).await;
    assert_eq!((status, me["roles"][0]["role"].as_str()), (200, Some("admin")));
    let org = json!({"kind": "local_authority", "territory": "commune:42218"});
    assert_eq!(api(&app, &admin, "POST", "/api/v1/organisations", None, Some(org.clone())).await.0, 403);
    let (status, org) = api(&app, &admin, "POST", "/api/v1/organisations", Some(&csrf), Some(org)).await;
    assert_eq!((status, org["siren"].as_str(), org["name"].as_str()), (201, Some("214202186"), Some("Saint-Étienne")));

    // Invitation: a mail with a single-use link; the invitee chooses a password.
    let invitation = json!({"email": "maire@example.fr", "given_name": "Claire", "usual_name": "Dupont",
        "roles": [{"role": "local", "organisation": org["id"]}]});
    let (status, invited) =
        api(&app, &admin, "POST", "/api/v1/people/invitations", Some(&csrf), Some(invitation.clone())).await;
    assert_eq!(status, 201, "{invited}");
    assert_eq!(api(&app, &admin, "POST", "/api/v1/people/invitations", Some(&csrf), Some(invitation)).await.0, 409);
    let mail = app.mail.nth(1).await;
    assert_eq!(mail.to, ["maire@example.fr"]);
    let link = app.mail.link(1, &app.url("/mot-de-passe?jeton=")).await;
    let mut maire = Browser::new();
    let (status, _, form) = maire.get(&link).await;
    assert_eq!(status, 200);
    let token = link.rsplit('=').next().unwrap_or("").to_owned();
    let (status, _, _) = maire
        .post(&app.url("/mot-de-passe"), &[("csrf", &csrf_of(&form)), ("jeton", &token), ("password", "court")])
        .await;
    assert_eq!(status, 400, "too short");
    let (status, _, page) = maire
        .post(
            &app.url("/mot-de-passe"),
            &[("csrf", &csrf_of(&form)), ("jeton", &token), ("password", "Azertyuiop2024!")],
        )
        .await;
    assert_eq!(status, 400, "a common password with digits around it");
    assert!(page.contains("figure parmi les plus utilisés"), "{page}");
    let (status, headers, _) = maire
        .post(&app.url("/mot-de-passe"), &[("csrf", &csrf_of(&form)), ("jeton", &token), ("password", PASS)])
        .await;
    assert_eq!(
        (status, headers.get("location").and_then(|v| v.to_str().ok())),
        (303, Some("/connexion?info=mot-de-passe"))
    );
    assert_eq!(maire.get(&link).await.0, 410, "single use");
    assert_eq!(maire.sign_in(&app, "maire@example.fr", PASS).await, 303);
    let (_, me) = api(&app, &maire, "GET", "/api/v1/me", None, None).await;
    assert_eq!(me["roles"][0]["territory"], "commune:42218");

    // Reset: same answer for unknown addresses, a link for known ones; old sessions end.
    let mut anon = Browser::new();
    let (_, _, html) = anon.get(&app.url("/mot-de-passe-oublie")).await;
    let (status, _, unknown) = anon
        .post(&app.url("/mot-de-passe-oublie"), &[("csrf", &csrf_of(&html)), ("email", "inconnu@example.fr")])
        .await;
    let (_, _, known) =
        anon.post(&app.url("/mot-de-passe-oublie"), &[("csrf", &csrf_of(&html)), ("email", "maire@example.fr")]).await;
    assert_eq!(status, 200);
    assert_eq!(unknown.replace("inconnu", ""), known.replace("maire", ""), "no account enumeration");
    let reset = app.mail.link(2, &app.url("/mot-de-passe?jeton=")).await;
    assert_eq!(app.mail.all().len(), 2, "nothing sent to an unknown address");
    let token = reset.rsplit('=').next().unwrap_or("").to_owned();
    let new_pass = "un autre mot de passe long";
    anon.post(&app.url("/mot-de-passe"), &[("csrf", &csrf_of(&html)), ("jeton", &token), ("password", new_pass)]).await;
    assert_eq!(api(&app, &maire, "GET", "/api/v1/me", None, None).await.0, 401, "sessions end with a new password");
    assert_eq!(maire.sign_in(&app, "maire@example.fr", PASS).await, 401);
    assert_eq!(maire.sign_in(&app, "maire@example.fr", new_pass).await, 303);

    // Email change, confirmed by a link sent to the new address.
    let (_, _, profile) = maire.get(&app.url("/profil")).await;
    let csrf_m = csrf_of(&profile);
    assert_eq!(
        maire.post(&app.url("/profil/courriel"), &[("csrf", &csrf_m), ("email", "claire@ville.fr")]).await.0,
        303
    );
    let mail = app.mail.nth(3).await;
    assert_eq!(mail.to, ["claire@ville.fr"]);
    let confirm = app.mail.link(3, &app.url("/profil/courriel?jeton=")).await;
    let token = confirm.rsplit('=').next().unwrap_or("").to_owned();
    assert_eq!(
        maire.post(&app.url("/profil/courriel/confirmer"), &[("csrf", &csrf_m), ("jeton", &token)]).await.0,
        303
    );
    let (_, me) = api(&app, &maire, "GET", "/api/v1/me", None, None).await;
    assert_eq!(me["person"]["email"], "claire@ville.fr");

    // Log out everywhere.
    let mut second = Browser::new();
    assert_eq!(second.sign_in(&app, "claire@ville.fr", new_pass).await, 303);
    assert_eq!(maire.post(&app.url("/profil/deconnexion-partout"), &[("csrf", &csrf_m)]).await.0, 303);
    assert_eq!(api(&app, &second, "GET", "/api/v1/me", None, None).await.0, 401);

    // The audit trail: actor, action, before/after, request id.
    let (status, page) = api(
        &app,
        &admin,
        "GET",
        &format!("/api/v1/audit?entity_type=person&entity_id={}", invited["id"].as_str().unwrap_or("")),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let actions: Vec<&str> =
        page["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["create", "grant_role", "send_link", "set_password", "change_email", "end_sessions"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let created = page["items"].as_array().expect("items").iter().find(|e| e["action"] == "create").expect("create");
    assert!(created["actor"].as_str().is_some_and(|a| a.starts_with("person:")));
    // This process's 12-character prefix, a dash, the request's number in hexadecimal.
    assert!(
        created["request_id"].as_str().is_some_and(|r| r.len() >= 14 && r.as_bytes().get(12) == Some(&b'-')),
        "request id recorded: {created}"
    );
    assert_eq!(api(&app, &maire, "GET", "/api/v1/audit", None, None).await.0, 401);
    app.db.cleanup().await;
}

storage_test!(accounts_story, |db: TestDb| async move { story(TestApp::builder(db).start().await).await });

storage_test!(
    sqlite = forms_without_their_csrf_token_are_refused,
    postgres = forms_without_their_csrf_token_are_refused_postgres,
    forms_without_their_csrf_token_are_refused_on
);

async fn forms_without_their_csrf_token_are_refused_on(db: TestDb) {
    let app = TestApp::builder(db).start().await;
    app.person("a@example.fr", &[Role::Admin], PASS).await;
    let mut b = Browser::new();
    let (_, _, html) = b.get(&app.url("/connexion")).await;
    assert!(b.cookie("cohesion_csrf").is_some());
    assert!(
        html.contains("Une session dure au plus 12 heures et se ferme après 2 heures sans activité"),
        "the sign-in page states the session's lifetime (issue 15): {html}"
    );
    let (status, _, body) = b.post(&app.url("/connexion"), &[("email", "a@example.fr"), ("password", PASS)]).await;
    assert_eq!(status, 403);
    assert!(body.contains("Accès refusé"));
    let (status, _, _) = b
        .post(
            &app.url("/connexion"),
            &[("csrf", "x".repeat(43).as_str()), ("email", "a@example.fr"), ("password", PASS)],
        )
        .await;
    assert_eq!(status, 403, "a wrong token");
    let mut other = Browser::new();
    let (status, _, _) = other
        .post(&app.url("/connexion"), &[("csrf", &csrf_of(&html)), ("email", "a@example.fr"), ("password", PASS)])
        .await;
    assert_eq!(status, 403, "another visitor's token");
    assert_eq!(b.sign_in(&app, "a@example.fr", PASS).await, 303);
    let (status, _, _) = b.post(&app.url("/profil/jetons"), &[("name", "robot")]).await;
    assert_eq!(status, 403, "signed in, still needed");
    app.db.cleanup().await;
}

storage_test!(
    sqlite = sign_in_is_throttled_per_account,
    postgres = sign_in_is_throttled_per_account_postgres,
    sign_in_is_throttled_per_account_on
);

async fn sign_in_is_throttled_per_account_on(db: TestDb) {
    let app = TestApp::builder(db).start().await;
    app.person("a@example.fr", &[], PASS).await;
    let mut b = Browser::new();
    for _ in 0..5 {
        assert_eq!(b.sign_in(&app, "a@example.fr", "mauvais mot de passe").await, 401);
    }
    assert_eq!(b.sign_in(&app, "a@example.fr", PASS).await, 429, "even the right password waits");
    assert_eq!(b.sign_in(&app, "b@example.fr", "x").await, 401, "other accounts are not locked");
    app.db.cleanup().await;
}

storage_test!(
    sqlite = api_tokens_carry_their_scope_and_die_when_revoked,
    postgres = api_tokens_carry_their_scope_and_die_when_revoked_postgres,
    api_tokens_carry_their_scope_and_die_when_revoked_on
);

async fn api_tokens_carry_their_scope_and_die_when_revoked_on(db: TestDb) {
    let app = TestApp::builder(db).start().await;
    app.person(
        "d@example.fr",
        &[Role::Delegate { departement: "42".into() }, Role::ProgrammeManager { programme: "pvd".into() }],
        PASS,
    )
    .await;
    let mut b = Browser::new();
    b.sign_in(&app, "d@example.fr", PASS).await;
    let (_, _, profile) = b.get(&app.url("/profil")).await;
    let csrf = csrf_of(&profile);
    let want_admin = json!({"name": "robot", "roles": [{"role": "admin"}]});
    assert_eq!(api(&app, &b, "POST", "/api/v1/tokens", Some(&csrf), Some(want_admin)).await.0, 403);
    let narrow = json!({"name": "robot", "roles": [{"role": "delegate", "departement": "42"}]});
    let (status, created) = api(&app, &b, "POST", "/api/v1/tokens", Some(&csrf), Some(narrow)).await;
    assert_eq!(status, 201);
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let bearer =
        |path: &str, method: &str| b.client.request(method.parse().expect("m"), app.url(path)).bearer_auth(&secret);
    let me: Value = bearer("/api/v1/me", "GET").send().await.expect("me").json().await.expect("json");
    assert_eq!(me["roles"], json!([{"role": "delegate", "departement": "42"}]), "only the token's roles");
    // A bearer write needs no CSRF header; the delegate may add a local authority of 42, not of 01.
    let res = bearer("/api/v1/organisations", "POST")
        .json(&json!({"kind": "local_authority", "territory": "commune:42218"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 201);
    let res = bearer("/api/v1/organisations", "POST")
        .json(&json!({"kind": "local_authority", "territory": "commune:01001"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 403);
    let (_, list) = api(&app, &b, "GET", "/api/v1/tokens", None, None).await;
    assert!(list["items"][0]["last_used_at"].is_string(), "last use recorded");
    let id = created["token"]["id"].as_str().expect("id");
    assert_eq!(api(&app, &b, "DELETE", &format!("/api/v1/tokens/{id}"), Some(&csrf), None).await.0, 204);
    assert_eq!(bearer("/api/v1/me", "GET").send().await.expect("me").status().as_u16(), 401);
    let bad = b.client.get(app.url("/api/v1/organisations")).bearer_auth("nope").send().await.expect("get");
    assert_eq!(bad.status().as_u16(), 401, "a wrong token is refused, not taken as anonymous");
    app.db.cleanup().await;
}

#[tokio::test]
async fn security_headers_on_every_response_and_tls_settings() {
    let app = TestApp::sqlite().await.start().await;
    let mut b = Browser::new();
    for path in ["/", "/connexion", "/api/v1/territories?q=loire", "/api/v1/nowhere", "/static/nothing"] {
        let (_, h, _) = b.get(&app.url(path)).await;
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert!(get("content-security-policy").contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(get("x-frame-options"), "DENY", "{path}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert!(!get("referrer-policy").is_empty(), "{path}");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    }
    // Data (JSON, problem documents, plain text) may load nothing; pages keep theirs.
    for path in ["/api/v1/territories?q=loire", "/api/v1/nowhere", "/livez"] {
        let (_, h, _) = b.get(&app.url(path)).await;
        let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'", "{path}");
    }
    let (_, h, _) = b.get(&app.url("/")).await;
    let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    app.person("a@example.fr", &[], PASS).await;
    let (_, _, html) = b.get(&app.url("/connexion")).await;
    let (_, h, _) = b
        .post(&app.url("/connexion"), &[("csrf", &csrf_of(&html)), ("email", "a@example.fr"), ("password", PASS)])
        .await;
    let cookie = h
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("cohesion_session="))
        .expect("session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    app.db.cleanup().await;

    let tls = TestApp::sqlite().await.https().start().await;
    let (_, h, _) = b.get(&tls.url("/connexion")).await;
    assert!(h.get("strict-transport-security").is_some_and(|v| v.to_str().unwrap_or("").contains("max-age=")));
    let cookie = h
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-cohesion_csrf="))
        .expect("csrf cookie")
        .to_owned();
    assert!(cookie.contains("Secure") && cookie.contains("Path=/"), "{cookie}");
    tls.db.cleanup().await;
}

/// Organisations follow the API's one optimistic-concurrency convention: the version
/// as `ETag`, named in `If-Match` (the body's `version` still counts for one release).
#[tokio::test]
async fn organisations_change_with_if_match() {
    let app = TestApp::sqlite().await.start().await;
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let send = |method: &str, path: &str| {
        app.client.request(method.parse().expect("method"), app.url(path)).bearer_auth(&admin)
    };
    let res = send("POST", "/api/v1/organisations")
        .json(&json!({"kind": "local_authority", "territory": "commune:42218"}))
        .send()
        .await
        .expect("post");
    assert_eq!((res.status().as_u16(), res.headers()["etag"].to_str().ok()), (201, Some("\"1\"")));
    let org: Value = res.json().await.expect("json");
    let path = format!("/api/v1/organisations/{}", org["id"].as_str().expect("id"));
    let body = json!({"kind": "local_authority", "name": "Ville de Saint-Étienne", "territory": "commune:42218"});
    let res = send("PUT", &path).json(&body).send().await.expect("put");
    assert_eq!(res.status().as_u16(), 400, "a version must be named");
    let res = send("PUT", &path).header("if-match", "\"2\"").json(&body).send().await.expect("put");
    assert_eq!(res.status().as_u16(), 409, "stale");
    let res = send("PUT", &path).header("if-match", "\"1\"").json(&body).send().await.expect("put");
    assert_eq!((res.status().as_u16(), res.headers()["etag"].to_str().ok()), (200, Some("\"2\"")));
    let mut old = body.clone();
    old["version"] = json!(2);
    let res = send("PUT", &path).json(&old).send().await.expect("put");
    assert_eq!(res.status().as_u16(), 200, "the body's version, for one release");
    app.db.cleanup().await;
}

/// The people table's actions on each person's page (issue 17, point 4): add and remove
/// a role, resend an invitation, deactivate and reactivate; an admin's own account and
/// roles are changed by another admin; other people get the page refused.
#[tokio::test]
async fn people_page_actions() {
    let app = TestApp::sqlite().await.start().await;
    let me = app.person("admin@example.fr", &[Role::Admin], PASS).await;
    app.person("delegue@example.fr", &[Role::Delegate { departement: "42".into() }], PASS).await;
    let by = cohesion_store::audit::By::new("test", None);
    let new = cohesion_store::access::NewPerson {
        email: cohesion_core::access::person::Email::parse("invitee@example.fr").expect("email"),
        given_name: "Inès".into(),
        usual_name: "Invitée".into(),
    };
    let invitee = app.db.store.create_person(&new, &[], &by).await.expect("invitee").id;
    let mut admin = Browser::new();
    assert_eq!(admin.sign_in(&app, "admin@example.fr", PASS).await, 303);
    let (_, _, list) = admin.get(&app.url("/administration/personnes")).await;
    let page = format!("/administration/personnes/{invitee}");
    assert!(list.contains(&format!("href=\"{page}\"")), "each name leads to its page: {list}");
    let (status, _, html) = admin.get(&app.url(&page)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Aucun rôle") && html.contains("Renvoyer l’invitation"), "{html}");
    let csrf = csrf_of(&html);

    // A role chosen from the lists, then removed.
    let (s, h, _) = admin
        .post(&app.url(&format!("{page}/roles")), &[("csrf", &csrf), ("role", "delegate"), ("departement", "42")])
        .await;
    assert_eq!((s, h.get("location").and_then(|v| v.to_str().ok())), (303, Some(&*format!("{page}?info=role"))));
    let grants = app.db.store.grants(invitee).await.expect("grants");
    assert_eq!(grants.len(), 1);
    let (_, _, html) = admin.get(&app.url(&format!("{page}?info=role"))).await;
    assert!(html.contains("Le rôle est ajouté.") && html.contains("Loire (42)"), "{html}");
    let (s, _, html) = admin.post(&app.url(&format!("{page}/roles")), &[("csrf", &csrf), ("role", "delegate")]).await;
    assert_eq!(s, 400, "a delegate without département");
    assert!(html.contains("Rien n’a changé : vérifiez le code du département."), "{html}");
    let revoke = format!("{page}/roles/{}/retirer", grants[0].id);
    assert_eq!(admin.post(&app.url(&revoke), &[("csrf", &csrf)]).await.0, 303);
    assert!(app.db.store.grants(invitee).await.expect("grants").is_empty());

    // The invitation again: a second mail with a link.
    let before = app.mail.all().len();
    assert_eq!(admin.post(&app.url(&format!("{page}/invitation")), &[("csrf", &csrf)]).await.0, 303);
    let mail = app.mail.nth(before + 1).await;
    assert!(mail.to.iter().any(|t| t.contains("invitee@")) && mail.text.contains("/mot-de-passe?jeton="), "{mail:?}");

    // Deactivated, then back; never one's own account.
    let account = format!("{page}/compte");
    assert_eq!(admin.post(&app.url(&account), &[("csrf", &csrf), ("actif", "non")]).await.0, 303);
    assert!(!app.db.store.person(invitee).await.expect("read").expect("person").active);
    let (s, _, html) = admin.post(&app.url(&format!("{page}/invitation")), &[("csrf", &csrf)]).await;
    assert_eq!(s, 400, "a deactivated account waits for no invitation");
    assert!(html.contains("n’attend plus son invitation"), "{html}");
    assert_eq!(admin.post(&app.url(&account), &[("csrf", &csrf), ("actif", "oui")]).await.0, 303);
    assert!(app.db.store.person(invitee).await.expect("read").expect("person").active);
    let own = format!("/administration/personnes/{me}");
    let (_, _, html) = admin.get(&app.url(&own)).await;
    assert!(html.contains("Votre propre compte se désactive par un autre administrateur"), "{html}");
    let (s, _, _) = admin.post(&app.url(&format!("{own}/compte")), &[("csrf", &csrf), ("actif", "non")]).await;
    assert_eq!(s, 400);
    assert!(app.db.store.person(me).await.expect("read").expect("person").active);

    // Refused to others, and without the form's token.
    let mut delegate = Browser::new();
    assert_eq!(delegate.sign_in(&app, "delegue@example.fr", PASS).await, 303);
    assert_eq!(delegate.get(&app.url(&page)).await.0, 403);
    assert_eq!(admin.post(&app.url(&account), &[("actif", "non")]).await.0, 403, "CSRF");
    assert_eq!(admin.get(&app.url("/administration/personnes/nope")).await.0, 404);

    // An organisation's territory is found by searching, never typed as a code; what
    // was typed stays (issue 17, point 4).
    let (_, _, html) = admin.get(&app.url("/administration/organisations")).await;
    assert!(!html.contains("type:code"), "{html}");
    let csrf = csrf_of(&html);
    let search = [
        ("csrf", csrf.as_str()),
        ("name", "Ville de Saint-Étienne"),
        ("territory_q", "saint etienne"),
        ("chercher", "territory"),
    ];
    let (s, _, html) = admin.post(&app.url("/administration/organisations"), &search).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains(r#"name="territory" value="commune:42218""#) && html.contains("Saint-Étienne — commune"),
        "{html}"
    );
    assert!(html.contains(r#"value="Ville de Saint-Étienne""#), "kept: {html}");
    let create = [
        ("csrf", csrf.as_str()),
        ("kind", "local_authority"),
        ("name", "Ville de Saint-Étienne"),
        ("territory", "commune:42218"),
    ];
    let (s, h, _) = admin.post(&app.url("/administration/organisations"), &create).await;
    assert_eq!(
        (s, h.get("location").and_then(|v| v.to_str().ok())),
        (303, Some("/administration/organisations?info=ajout"))
    );
    app.db.cleanup().await;
}
