//! Each person's space: sign-in lands on `/mon-espace`; each role sees what waits for
//! it in its own scope, once; the header counts unread notifications; the list marks
//! them read; preferences decide what the digest mails (multipart, with the reason
//! and the unsubscribe link), checked through a real SMTP server.

use cohesion_core::access::Role;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_store::access::LinkPurpose;
use cohesion_store::audit::By;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Browser, TestApp, csrf_of};

const COMMUNE: &str = "214202186";
const PASS: &str = "correct horse battery staple";

async fn call(app: &TestApp, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let res = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn signed_in(app: &TestApp, email: &str) -> Browser {
    let mut b = Browser::new();
    let (_, _, html) = b.get(&app.url("/connexion")).await;
    let csrf = csrf_of(&html);
    let (status, headers, _) =
        b.post(&app.url("/connexion"), &[("csrf", &csrf), ("email", email), ("password", PASS)]).await;
    assert_eq!(status, 303, "{email} signs in");
    assert_eq!(headers.get("location").and_then(|v| v.to_str().ok()), Some("/mon-espace"), "lands on the space");
    b
}

async fn story(app: &TestApp) {
    let by = By::new("test", None);
    let org = Organisation {
        id: Uuid::now_v7(),
        kind: OrganisationKind::LocalAuthority,
        name: "Commune de Saint-Étienne".into(),
        siren: Some(COMMUNE.into()),
        siret: None,
        territory: Some("commune:42218".parse().expect("ref")),
        version: 1,
    };
    let org = app.db.store.create_organisation(&org, &by).await.expect("organisation");
    let local = Role::Local { organisation: org.id, territory: "commune:42218".parse().expect("ref") };
    let delegate = Role::Delegate { departement: "42".into() };
    let prefect = app.token("prefete@loire.gouv.fr", vec![delegate.clone()]).await;
    app.token("prefet@ain.gouv.fr", vec![Role::Delegate { departement: "01".into() }]).await;
    let mayor = app.token("maire@saint-etienne.fr", vec![local.clone()]).await;
    app.token("double@loire.gouv.fr", vec![delegate.clone(), local.clone()]).await;
    let admin_token = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let invited = app
        .db
        .store
        .create_person(
            &cohesion_store::access::NewPerson {
                email: cohesion_core::access::person::Email::parse("invitee@loire.gouv.fr").expect("email"),
                given_name: String::new(),
                usual_name: String::new(),
            },
            &[],
            &by,
        )
        .await
        .expect("invitee");
    let ttl = time::Duration::days(7);
    app.db.store.create_link(LinkPurpose::Invitation, invited.id, None, "h", ttl, &by).await.expect("link");

    // A pact of the Loire in co-construction, with the mayor's proposal to decide.
    let text = json!({
        "kind": "cohesion", "title": "Pacte de cohésion de Saint-Étienne",
        "perimeter": [{"kind": "commune", "code": "42218"}],
        "parties": [{"kind": "state", "name": "Préfecture de la Loire"},
                    {"kind": "local_authority", "name": "Saint-Étienne", "siren": COMMUNE}],
        "owner": "state", "actions": [],
    });
    let (s, pact) = call(app, "POST", "/api/v1/pacts", &prefect, text).await;
    assert_eq!(s, 201, "{pact}");
    let id = pact["id"].as_str().expect("id").to_owned();
    let p = |rest: &str| format!("/api/v1/pacts/{id}{rest}");
    assert_eq!(call(app, "POST", &p("/status"), &prefect, json!({"status": "co_construction"})).await.0, 200);
    let (s, project) = call(
        app,
        "POST",
        "/api/v1/projects",
        &mayor,
        json!({"name": "Maison de santé", "territories": [{"kind": "commune", "code": "42218"}],
               "phase": "study", "phase_status": "in_progress"}),
    )
    .await;
    assert_eq!(s, 201, "{project}");
    let change = json!({"party": COMMUNE, "change": {"type": "add_project", "project_id": project["id"]}});
    let (s, proposal) = call(app, "POST", &p("/proposals"), &mayor, change).await;
    assert_eq!(s, 201, "{proposal}");

    // The delegate lands on her space: the proposal to decide, with its link.
    let mut prefete = signed_in(app, "prefete@loire.gouv.fr").await;
    let (s, _, html) = prefete.get(&app.url("/mon-espace")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Délégué territorial de l’État, Loire (42)"), "{html}");
    assert!(html.contains("Propositions à décider"), "{html}");
    assert!(html.contains(&format!("/pactes/{id}#propositions")), "{html}");
    assert!(html.contains("href=\"/mon-espace\""), "the header's first link");
    assert!(html.contains("notification non lue"), "unread count in the header: {html}");
    // The mayor pilots nothing: no proposal for him to decide.
    let mut maire = signed_in(app, "maire@saint-etienne.fr").await;
    let (_, _, html) = maire.get(&app.url("/mon-espace")).await;
    assert!(!html.contains("Propositions à décider"), "{html}");
    assert!(html.contains("href=\"/territoires/commune/42218\""), "his territory's page");

    // Decided, then put to signature: both parties have it to sign.
    let d = p(&format!("/proposals/{}/decision", proposal["id"].as_str().expect("id")));
    assert_eq!(call(app, "POST", &d, &prefect, json!({"accept": true, "reason": "Cohérent"})).await.0, 200);
    assert_eq!(call(app, "POST", &p("/status"), &prefect, json!({"status": "ready_for_signature"})).await.0, 200);
    let (_, _, html) = prefete.get(&app.url("/mon-espace")).await;
    assert!(html.contains("Pactes à signer") && html.contains("Pacte de cohésion de Saint-Étienne"), "{html}");
    let (_, _, html) = maire.get(&app.url("/mon-espace")).await;
    assert!(html.contains("Pactes à signer") && html.contains(&format!("href=\"/pactes/{id}\"")), "{html}");
    // Once the commune signed, it no longer waits for the mayor, still for the State.
    assert_eq!(call(app, "POST", &p("/signatures"), &mayor, json!({"party": COMMUNE})).await.0, 200);
    let (_, _, html) = maire.get(&app.url("/mon-espace")).await;
    assert!(!html.contains("Pactes à signer"), "{html}");
    let (_, _, html) = prefete.get(&app.url("/mon-espace")).await;
    assert!(html.contains("Pactes à signer"), "{html}");

    // The JSON twin, for the roles of the token.
    let res = reqwest::Client::new().get(app.url("/api/v1/me/space")).bearer_auth(&prefect).send().await.expect("get");
    assert_eq!(res.status().as_u16(), 200);
    let twin: Value = res.json().await.expect("json");
    let lists = &twin["groups"][0]["lists"];
    assert_eq!(twin["groups"][0]["role"]["role"], "delegate", "{twin}");
    assert_eq!(lists[0]["list"], "pacts_to_sign", "{twin}");
    assert_eq!(
        (lists[0]["total"].as_u64(), lists[0]["items"][0]["href"].as_str()),
        (Some(1), Some(&*format!("/pactes/{id}")))
    );
    let bad = reqwest::Client::new().get(app.url("/api/v1/me/space?per_list=x")).bearer_auth(&prefect).send().await;
    assert_eq!(bad.expect("get").status().as_u16(), 400);
    assert_eq!(reqwest::get(app.url("/api/v1/me/space")).await.expect("get").status().as_u16(), 401);

    // Two roles, one page: the pact is listed once.
    let mut double = signed_in(app, "double@loire.gouv.fr").await;
    let (_, _, html) = double.get(&app.url("/mon-espace")).await;
    assert_eq!(html.matches(&format!("href=\"/pactes/{id}\"")).count(), 1, "{html}");

    // Out of scope: the Ain's delegate sees nothing of it, and no list of the Loire.
    let mut ain = signed_in(app, "prefet@ain.gouv.fr").await;
    let (_, _, html) = ain.get(&app.url("/mon-espace")).await;
    assert!(!html.contains("Pacte de cohésion de Saint-Étienne"), "{html}");
    assert!(html.contains("Rien ne vous attend pour ce rôle."), "{html}");
    let (s, _, _) = ain.get(&app.url("/mon-espace/liste?role=delegate%3A42&liste=pacts_to_sign")).await;
    assert_eq!(s, 403, "a role she does not hold");
    let (s, _, html) = prefete.get(&app.url("/mon-espace/liste?role=delegate%3A42&liste=pacts_to_sign")).await;
    assert_eq!(s, 200);
    assert!(html.contains("1 pacte attend"), "{html}");
    assert_eq!(prefete.get(&app.url("/mon-espace/liste?role=delegate%3A42&liste=nope")).await.0, 404);
    let (s, headers, _) = Browser::new().get(&app.url("/mon-espace")).await;
    assert_eq!((s, headers.get("location").and_then(|v| v.to_str().ok())), (303, Some("/connexion")));

    // The admin: the invitation never accepted.
    let mut admin = signed_in(app, "admin@anct.gouv.fr").await;
    let (_, _, html) = admin.get(&app.url("/mon-espace")).await;
    assert!(html.contains("Invitations non acceptées") && html.contains("invitee@loire.gouv.fr"), "{html}");

    // Notifications: listed newest first, marked read when opened.
    let (_, _, html) = prefete.get(&app.url("/mon-espace/notifications")).await;
    assert!(html.contains("Nouveau") && html.contains("propose"), "{html}");
    let (_, _, html) = prefete.get(&app.url("/mon-espace/notifications")).await;
    assert!(!html.contains("fr-badge--new"), "read once opened: {html}");
    assert!(!html.contains("notification non lue"), "header count gone");

    // Preferences: the mayor wants pacts in the platform only.
    let (_, _, form) = maire.get(&app.url("/mon-espace/preferences")).await;
    assert!(form.contains("id=\"preference-pact-daily\" name=\"pact\" value=\"daily\" checked"), "default daily");
    let csrf = csrf_of(&form);
    let (s, _, _) = maire.post(&app.url("/mon-espace/preferences"), &[("csrf", &csrf), ("pact", "never")]).await;
    assert_eq!(s, 303);
    let (_, _, form) = maire.get(&app.url("/mon-espace/preferences")).await;
    assert!(form.contains("value=\"never\" checked"), "{form}");
    let (s, _, _) = maire.post(&app.url("/mon-espace/preferences"), &[("csrf", &csrf), ("pact", "hourly")]).await;
    assert_eq!(s, 400, "an unknown delivery is refused");
    assert_eq!(maire.post(&app.url("/mon-espace/preferences"), &[("pact", "never")]).await.0, 403, "CSRF");

    // The invitation mail says who invites, for which role, valid how many days.
    let invitation = json!({"email": "nouvelle@loire.gouv.fr", "given_name": "Inès", "usual_name": "Nouvelle",
                            "roles": [{"role": "delegate", "departement": "42"}]});
    let (s, body) = call(app, "POST", "/api/v1/people/invitations", &admin_token, invitation).await;
    assert_eq!(s, 201, "{body}");
    let mails = app.mail.all();
    let mail = mails.iter().find(|m| m.to.iter().any(|t| t.contains("nouvelle@"))).expect("invitation mailed");
    assert!(
        mail.text.contains("Prénom admin@anct.gouv.fr vous invite sur Cohésion en tant que : délégué territorial de l’État dans le département 42."),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("valable 7 jours"), "{}", mail.text);

    // A relay that refuses: the events wait, and the admin sees whose digest failed
    // (issue 14, "failed jobs"), until one goes out.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let broken = cohesion_app::digest::Outbox {
        mailer: cohesion_app::mail::Mailer::smtp(&format!("smtp://127.0.0.1:{port}"), "Cohésion <c@example.fr>")
            .expect("mailer"),
        public_url: app.url(""),
    };
    let pass = cohesion_app::digest::Pass::Daily { weekly: false };
    let broken = cohesion_app::digest::send(&app.state, &broken, pass).await.expect("digest");
    assert!(broken.failed >= 1 && broken.sent == 0, "{broken:?}");
    let (_, _, html) = admin.get(&app.url("/mon-espace")).await;
    assert!(html.contains("Courriels récapitulatifs en échec") && html.contains("prefete@loire.gouv.fr"), "{html}");
    assert!(html.contains("Le serveur de courriel a refusé son dernier récapitulatif"), "{html}");

    // The digest: one multipart mail to the delegate, none to the mayor (never) nor
    // to the invitee; a second run sends nothing.
    let report = cohesion_app::digest::send(
        &app.state,
        &app.state.outbox(),
        cohesion_app::digest::Pass::Daily { weekly: false },
    )
    .await
    .expect("digest");
    // The mayor's "never" events were set aside by the first run, relay or not.
    assert!(report.unmailed + broken.unmailed >= 1, "{report:?} {broken:?}");
    let mails = app.mail.all();
    assert!(mails.iter().all(|m| !m.to.iter().any(|t| t.contains("maire@"))), "the mayor chose never");
    let to_prefect: Vec<_> = mails.iter().filter(|m| m.to.iter().any(|t| t.contains("prefete@"))).collect();
    assert_eq!(to_prefect.len(), 1, "one digest");
    let m = &to_prefect[0].text;
    assert!(m.contains("multipart/alternative") && m.contains("text/html"), "{m}");
    assert!(m.contains("Pacte de cohésion de Saint-Étienne"), "{m}");
    assert!(m.contains(&format!("/pactes/{id}")), "direct link: {m}");
    assert!(m.contains("délégué territorial de l’État dans le département 42"), "why: {m}");
    assert!(m.contains("/mon-espace/preferences"), "unsubscribe link: {m}");
    assert_eq!(m.matches("propose").count(), 2, "the proposal once, in each part: {m}");
    let again = cohesion_app::digest::send_all(&app.state, &app.state.outbox()).await.expect("digest");
    assert_eq!(again.sent, 0, "never twice");
    let (_, _, html) = admin.get(&app.url("/mon-espace")).await;
    assert!(!html.contains("Courriels récapitulatifs en échec"), "sent since: {html}");
}

storage_test!(space, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
