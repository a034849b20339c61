//! Invitations through the request's page, on both databases: the delegate finds a
//! person by searching their name or address (never typing an id), invites them as
//! an observer with the CSRF token of the page; the invitee, who saw only the public
//! view, is offered the button, accepts, and then reads the whole case. Her space
//! lists the invitation until she accepts, though she holds no role. An advisor who
//! took the mission invites a colleague of their provider from the same page (only
//! people of that provider's organisation are offered, and a stranger posted by hand
//! is refused).

use cohesion_core::access::Role;
use cohesion_core::access::organisation::OrganisationKind;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::json;

use crate::support::engineering::{Cast, call, organisation};
use crate::support::{Browser, TestApp, csrf_of};

const PASS: &str = "correct horse battery staple";

async fn story(app: &TestApp) {
    let Cast { admin, local, .. } = Cast::new(app).await;
    let delegate = Role::Delegate { departement: "42".into() };
    app.person("delegue.loire@example.fr", std::slice::from_ref(&delegate), PASS).await;
    let odile = app.person("odile.martin@example.fr", &[], PASS).await;

    let body = json!({"name": "Cerema Centre-Est", "kind": "cerema", "competences": ["housing"], "capacity": 4});
    let (s, provider) = call(app, "POST", "/api/v1/engineering/providers", &admin, Some(body)).await;
    assert_eq!(s, 201, "{provider}");
    let body = json!({"project_title": "Réhabiliter la halle", "needs": ["housing"], "context": "Toiture à refaire"});
    let (s, created) = call(app, "POST", "/api/v1/engineering/requests", &local, Some(body)).await;
    assert_eq!(s, 201, "{created}");
    let id = created["request"]["id"].as_str().expect("id").to_owned();
    let body = json!({"outcome": "accept", "providers": [provider["id"]]});
    let (s, q) =
        call(app, "POST", &format!("/api/v1/engineering/requests/{id}/qualification"), &admin, Some(body)).await;
    assert_eq!(s, 200, "{q}");

    // The delegate searches, then picks the person found.
    let page = app.url(&format!("/ingenierie/demandes/{id}"));
    let mut state = Browser::new();
    assert_eq!(state.sign_in(app, "delegue.loire@example.fr", PASS).await, 303);
    let (s, _, html) = state.get(&page).await;
    assert_eq!(s, 200);
    assert!(html.contains("Personne n’est invité pour l’instant."), "{html}");
    let (_, _, html) = state.get(&format!("{page}?personne=o")).await;
    assert!(!html.contains("name=\"person\""), "one letter finds nobody");
    let (_, _, html) = state.get(&format!("{page}?personne=ODILE.mar")).await;
    assert!(html.contains(&format!("name=\"person\" value=\"{odile}\"")), "{html}");
    let csrf = csrf_of(&html);
    let invite = format!("{page}/participants");
    let (s, _, _) =
        state.post(&invite, &[("csrf", "forged"), ("person", &odile.to_string()), ("role", "observer")]).await;
    assert_eq!(s, 403, "a forged CSRF token is refused");
    let (s, _, bad) = state.post(&invite, &[("csrf", &csrf), ("person", ""), ("role", "observer")]).await;
    assert_eq!(s, 400, "no person picked");
    assert!(bad.contains("fr-alert--error"), "{bad}");
    let form = [("csrf", csrf.as_str()), ("person", &odile.to_string()), ("role", "observer")];
    let (s, headers, _) = state.post(&invite, &form).await;
    assert_eq!(s, 303);
    assert!(headers["location"].to_str().expect("location").ends_with("?info=invitation"));
    let (_, _, html) = state.get(&format!("{page}?personne=odile")).await;
    assert!(html.contains("invitation en attente"), "{html}");
    assert!(!html.contains("name=\"person\""), "someone on the mission is not offered again");

    // The invitee sees the public view and the button, accepts, then reads the case.
    let mut invitee = Browser::new();
    assert_eq!(invitee.sign_in(app, "odile.martin@example.fr", PASS).await, 303);
    let space = app.url("/mon-espace");
    let (_, _, html) = invitee.get(&space).await;
    assert!(html.contains("Invitations à rejoindre une mission") && html.contains("1 invitation attend"), "{html}");
    assert!(html.contains(&format!("href=\"/ingenierie/demandes/{id}\"")), "{html}");
    assert!(html.contains("invité(e) comme observateur"), "{html}");
    let (_, _, html) = invitee.get(&page).await;
    assert!(html.contains("Accepter l’invitation") && !html.contains("Toiture à refaire"), "{html}");
    let csrf = csrf_of(&html);
    let (s, _, _) = invitee.post(&format!("{page}/invitation"), &[("csrf", &csrf)]).await;
    assert_eq!(s, 303);
    let (_, _, html) = invitee.get(&format!("{page}?info=bienvenue")).await;
    assert!(html.contains("Vous avez rejoint la mission.") && html.contains("Toiture à refaire"), "{html}");
    assert!(!html.contains("Accepter l’invitation"));
    let (s, _, _) = invitee.post(&format!("{page}/invitation"), &[("csrf", &csrf)]).await;
    assert_eq!(s, 404, "no invitation left to accept");
    let (_, _, html) = invitee.get(&space).await;
    assert!(!html.contains("Invitations à rejoindre une mission"), "accepted: no longer listed");
}

async fn colleague_story(app: &TestApp) {
    let Cast { admin, local, delegate } = Cast::new(app).await;
    let cerema = organisation(app, OrganisationKind::Partner, "Cerema", None, None).await;
    let other = organisation(app, OrganisationKind::Partner, "Autre bureau", None, None).await;
    let expert = app.token("expert@cerema.fr", vec![Role::Partner { organisation: cerema }]).await;
    let colleague = app.person("collegue@cerema.fr", &[Role::Partner { organisation: cerema }], PASS).await;
    let stranger = app.person("quelquun@autre.fr", &[Role::Partner { organisation: other }], PASS).await;
    let body = json!({"name": "Cerema Centre-Est", "kind": "cerema", "organisation": cerema,
                      "competences": ["housing"], "capacity": 4});
    let (s, provider) = call(app, "POST", "/api/v1/engineering/providers", &admin, Some(body)).await;
    assert_eq!(s, 201, "{provider}");
    let pid = provider["id"].as_str().expect("id").to_owned();
    let body = json!({"project_title": "Réhabiliter la halle", "needs": ["housing"]});
    let (_, created) = call(app, "POST", "/api/v1/engineering/requests", &local, Some(body)).await;
    let id = created["request"]["id"].as_str().expect("id").to_owned();
    let body = json!({"outcome": "accept", "providers": [pid]});
    let (s, _) =
        call(app, "POST", &format!("/api/v1/engineering/requests/{id}/qualification"), &delegate, Some(body)).await;
    assert_eq!(s, 200);
    let body = json!({"provider": pid, "accept": true});
    let (s, r) = call(app, "POST", &format!("/api/v1/engineering/requests/{id}/answer"), &expert, Some(body)).await;
    assert_eq!(s, 200, "{r}");

    // The expert, on the mission, is offered their colleague, never the stranger.
    let page = app.url(&format!("/ingenierie/demandes/{id}"));
    let mut expert_browser = Browser::new();
    assert_eq!(expert_browser.sign_in(app, "expert@cerema.fr", PASS).await, 303);
    let (s, _, html) = expert_browser.get(&page).await;
    assert_eq!(s, 200);
    assert!(html.contains("Inviter un ou une collègue") && html.contains("Personnes de Cerema Centre-Est"), "{html}");
    assert!(html.contains(&format!("name=\"person\" value=\"{colleague}\"")), "{html}");
    assert!(!html.contains(&stranger.to_string()), "only the provider's people");
    assert!(!html.contains("id=\"equipe\""), "the team list is the State's");
    let csrf = csrf_of(&html);
    let invite = format!("{page}/participants");
    let by_hand = [("csrf", csrf.as_str()), ("person", &stranger.to_string()), ("role", "advisor"), ("provider", &pid)];
    let (s, _, _) = expert_browser.post(&invite, &by_hand).await;
    assert_eq!(s, 403, "a stranger to the provider is refused");
    let form = [("csrf", csrf.as_str()), ("person", &colleague.to_string()), ("role", "advisor"), ("provider", &pid)];
    let (s, headers, _) = expert_browser.post(&invite, &form).await;
    assert_eq!(s, 303);
    assert!(headers["location"].to_str().expect("location").ends_with("?info=invitation"));
    let (_, _, html) = expert_browser.get(&page).await;
    assert!(!html.contains(&format!("value=\"{colleague}\"")), "invited: not offered again");

    // The colleague's space lists it as an advisor's invitation; they accept and work.
    let mut colleague_browser = Browser::new();
    assert_eq!(colleague_browser.sign_in(app, "collegue@cerema.fr", PASS).await, 303);
    let (_, _, html) = colleague_browser.get(&app.url("/mon-espace")).await;
    assert!(html.contains("invité(e) comme conseiller"), "{html}");
    let (_, _, html) = colleague_browser.get(&page).await;
    let csrf = csrf_of(&html);
    assert_eq!(colleague_browser.post(&format!("{page}/invitation"), &[("csrf", &csrf)]).await.0, 303);
    let (_, _, html) = colleague_browser.get(&page).await;
    assert!(html.contains("Nouveau jalon"), "an advisor now: {html}");
}

storage_test!(engineering_invite, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
storage_test!(engineering_invite_colleague, |db: TestDb| async move {
    colleague_story(&TestApp::builder(db).start().await).await
});
