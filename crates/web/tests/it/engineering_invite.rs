//! Invitations through the request's page, on both databases: the delegate finds a
//! person by searching their name or address (never typing an id), invites them as
//! an observer with the CSRF token of the page; the invitee, who saw only the public
//! view, is offered the button, accepts, and then reads the whole case.

use cohesion_core::access::Role;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::json;

use crate::support::engineering::{Cast, call};
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
}

storage_test!(engineering_invite, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
