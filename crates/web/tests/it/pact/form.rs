//! The pages of pacts, on both databases: the State's delegate and the mayor co-build
//! a pact through the forms (create with faults shown in French and nothing lost,
//! co-construction, a proposal accepted with a reason, a comment, a stale edit
//! refused with the French message, signatures of both parties, an amendment, the
//! comparison page); the pacts appear in the list, the projects search, the territory
//! page and its overview; who may not act gets 403.

#![allow(clippy::inconsistent_digit_grouping)] // amounts written euros_cents

use cohesion_core::access::Role;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_store::access::NewApiToken;
use cohesion_store::audit::By;
use cohesion_store::testing::{TestDb, storage_test};
use cohesion_web::auth::secret;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Browser, TestApp, csrf_of};

const PASS: &str = "correct horse battery staple";

async fn project(app: &TestApp, token: &str, name: &str, cost: i64, grant: i64) -> String {
    let body = json!({
        "name": name,
        "territories": [{"kind": "commune", "code": "42218"}],
        "phase": "study", "phase_status": "in_progress",
        "total_cost_cents": cost,
        "financing": [{"financer": "État", "scheme": "DSIL", "amount_cents": grant}],
    });
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/projects"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 201);
    let v: Value = r.json().await.expect("json");
    v["id"].as_str().expect("id").to_owned()
}

/// The value of the hidden field `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html.find(&key).map(|i| i + key.len()).unwrap_or(0);
    html[at..].split('"').next().unwrap_or("").to_owned()
}

fn location(headers: &reqwest::header::HeaderMap) -> String {
    headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

struct Person {
    b: Browser,
    csrf: String,
}

impl Person {
    async fn sign_in(app: &TestApp, email: &str) -> Person {
        let mut b = Browser::new();
        assert_eq!(b.sign_in(app, email, PASS).await, 303);
        let (_, _, html) = b.get(&app.url("/profil")).await;
        Person { csrf: csrf_of(&html), b }
    }

    async fn get(&mut self, app: &TestApp, path: &str) -> (u16, String) {
        let (s, _, html) = self.b.get(&app.url(path)).await;
        (s, html)
    }

    /// Posts a form with this person's CSRF token; returns status, location, body.
    async fn post(&mut self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let (s, h, body) = self.b.post(&app.url(path), &form).await;
        (s, location(&h), body)
    }
}

async fn story(app: &TestApp) {
    let by = By::new("test", None);
    let org = Organisation {
        id: Uuid::now_v7(),
        kind: OrganisationKind::LocalAuthority,
        name: "Commune de Saint-Étienne".into(),
        siren: Some("214202186".into()),
        siret: None,
        territory: Some("commune:42218".parse().expect("ref")),
        version: 1,
    };
    let org = app.db.store.create_organisation(&org, &by).await.expect("organisation");
    let local = Role::Local { organisation: org.id, territory: "commune:42218".parse().expect("ref") };
    app.person("prefete@loire.gouv.fr", &[Role::Delegate { departement: "42".into() }], PASS).await;
    let mayor_id = app.person("maire@saint-etienne.fr", std::slice::from_ref(&local), PASS).await;
    app.person("prefet@ain.gouv.fr", &[Role::Delegate { departement: "01".into() }], PASS).await;
    let secret = secret::generate().expect("random");
    let t = NewApiToken {
        person: mayor_id,
        name: "t".into(),
        token_hash: secret::hash(&secret),
        roles: vec![local],
        expires_at: None,
    };
    app.db.store.create_api_token(&t, &by).await.expect("token");
    let school = project(app, &secret, "Rénovation de l'école Jules-Ferry", 1_000_000_00, 400_000_00).await;
    let health = project(app, &secret, "Maison de santé du centre", 600_000_00, 200_000_00).await;

    // Anyone reads the list; only people who may create see the button.
    let mut anonymous = Browser::new();
    let (s, _, html) = anonymous.get(&app.url("/pactes")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Aucun pacte ne correspond"), "{html}");
    assert!(!html.contains("Créer un pacte"));
    assert!(html.contains(r#"href="/pactes" aria-current="page">Pactes</a>"#), "Pactes in the header, current");
    assert_eq!(anonymous.get(&app.url("/pactes/nouveau")).await.0, 303, "to the sign-in page");

    let mut prefect = Person::sign_in(app, "prefete@loire.gouv.fr").await;
    let (_, html) = prefect.get(app, "/pactes").await;
    assert!(html.contains("Créer un pacte"));
    assert_eq!(prefect.get(app, "/pactes/nouveau").await.0, 200);

    // Territories, local authorities and projects are found by searching, never typed
    // as codes (issue 17, point 4): « Chercher » shows the form again with what was
    // found, unticked, and everything typed kept.
    let (s, _, html) = prefect
        .post(
            app,
            "/pactes/nouveau",
            &[
                ("kind", "cohesion"),
                ("title", "Mon pacte"),
                ("perimetre_q", "saint etienne"),
                ("chercher", "perimetre"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains(r#"name="perimetre" value="commune:42218">"#), "found, not ticked: {html}");
    assert!(html.contains("Saint-Étienne — commune, Loire (42)") && html.contains(r#"value="Mon pacte""#), "{html}");
    let (_, _, html) = prefect
        .post(
            app,
            "/pactes/nouveau",
            &[("perimetre", "commune:42218"), ("collectivite_q", "saint-étienne"), ("chercher", "collectivite")],
        )
        .await;
    assert!(html.contains(r#"name="perimetre" value="commune:42218" checked"#), "kept ticked: {html}");
    assert!(
        html.contains(r#"value="local_authority|214202186|Commune de Saint-Étienne""#),
        "its SIREN, its registered name: {html}"
    );
    let (_, _, html) = prefect
        .post(
            app,
            "/pactes/nouveau",
            &[("perimetre", "commune:42218"), ("action_q", "jules ferry"), ("chercher", "action")],
        )
        .await;
    assert!(html.contains(&format!(r#"name="action" value="{school}">"#)), "a project of the perimeter: {html}");
    let (_, _, html) =
        prefect.post(app, "/pactes/nouveau", &[("collectivite_q", "zzzz"), ("chercher", "collectivite")]).await;
    assert!(html.contains("Aucune collectivité ne correspond à « zzzz »."), "{html}");

    // Faults shown next to their field, in French, and nothing chosen is lost.
    let (s, _, html) = prefect
        .post(
            app,
            "/pactes/nouveau",
            &[
                ("kind", "cohesion"),
                ("title", ""),
                ("description", "Revitaliser le centre"),
                ("perimetre", "commune:42218"),
                ("perimetre", "nimporte"),
                ("state_name", "Préfecture de la Loire"),
                ("partie", "local_authority|214202186|Commune de Saint-Étienne"),
                ("partie", "local_authority|123|Inconnue"),
                ("owner", "state"),
                ("action", &school),
                ("action", "inconnu"),
            ],
        )
        .await;
    assert_eq!(s, 400);
    assert!(html.contains("Un territoire coché n’est pas reconnu"), "{html}");
    assert!(html.contains("Donnez un titre au pacte."), "every fault at once: {html}");
    assert!(
        html.contains("« Inconnue » : ce n’est ni un SIREN (9 chiffres) ni un SIRET (14 chiffres) valide."),
        "{html}"
    );
    assert!(html.contains("« inconnu » : ce projet n’existe plus sur la plateforme."), "{html}");
    assert!(html.contains("Revitaliser le centre") && html.contains("Inconnue (SIREN 123)"), "kept");
    assert!(html.contains("fr-fieldset--error"));

    // The delegate of 01 does not act for the State in the Loire.
    let mut other = Person::sign_in(app, "prefet@ain.gouv.fr").await;
    let text = |title: &'static str, actions: String| {
        vec![
            ("kind", "cohesion".to_owned()),
            ("title", title.to_owned()),
            ("description", "Revitaliser le centre-ville".to_owned()),
            ("perimetre", "commune:42218".to_owned()),
            ("state_name", "Préfecture de la Loire".to_owned()),
            ("partie", "local_authority|214202186|Commune de Saint-Étienne".to_owned()),
            ("owner", "state".to_owned()),
            ("action", actions),
        ]
    };
    let fields = text("Pacte de cohésion de Saint-Étienne", school.clone());
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, html) = other.post(app, "/pactes/nouveau", &borrowed).await;
    assert_eq!(s, 403);
    assert!(html.contains("Vous n’agissez pas pour la partie pilote"), "{html}");

    let (s, to, _) = prefect.post(app, "/pactes/nouveau", &borrowed).await;
    assert_eq!(s, 303);
    assert!(to.starts_with("/pactes/") && to.ends_with("?info=cree"), "{to}");
    let id = to.trim_start_matches("/pactes/").trim_end_matches("?info=cree").to_owned();
    let page = format!("/pactes/{id}");
    let (s, html) = prefect.get(app, &to).await;
    assert_eq!(s, 200);
    assert!(html.contains("<h1>Pacte de cohésion de Saint-Étienne</h1>"));
    assert!(html.contains("Brouillon") && html.contains("Le pacte est créé"));
    assert!(html.contains(r#"href="/territoires/commune/42218">Saint-Étienne</a>"#), "perimeter linked");
    assert!(
        html.contains("Rénovation de l&#39;école Jules-Ferry") || html.contains("Rénovation de l'école Jules-Ferry")
    );
    assert!(html.contains("1\u{202f}000\u{202f}000\u{a0}€") && html.contains("40 %"), "money: {html}");
    assert!(html.contains("Ouvrir la co-construction"));

    let (s, to, _) = prefect.post(app, &format!("{page}/etape"), &[("target", "co_construction")]).await;
    assert_eq!((s, to.as_str()), (303, format!("{page}?info=etape").as_str()));

    // The mayor proposes; she does not pilot.
    let mut mayor = Person::sign_in(app, "maire@saint-etienne.fr").await;
    let (_, html) = mayor.get(app, &page).await;
    assert!(html.contains("Proposer d’ajouter un projet existant") && !html.contains("Soumettre à la signature"));
    assert_eq!(mayor.post(app, &format!("{page}/etape"), &[("target", "ready_for_signature")]).await.0, 403);
    let (s, _, html) = mayor
        .post(
            app,
            &format!("{page}/propositions"),
            &[("party", "214202186"), ("type", "add_project"), ("project", "inconnu"), ("message", "Essentiel")],
        )
        .await;
    assert_eq!(s, 400);
    assert!(html.contains("Aucun projet ne porte cet identifiant") && html.contains("Essentiel"), "{html}");
    let url = app.url(&format!("/projets/{health}"));
    let fields = [("party", "214202186"), ("type", "add_project"), ("project", url.as_str()), ("message", "Essentiel")];
    let (s, to, _) = mayor.post(app, &format!("{page}/propositions"), &fields).await;
    assert_eq!((s, to), (303, format!("{page}?info=proposition#propositions")));

    // The owner decides: a reason is required.
    let (_, html) = prefect.get(app, &page).await;
    assert!(html.contains("Ajout d&#39;un projet existant") || html.contains("Ajout d'un projet existant"), "{html}");
    let proposal = html.split("/propositions/").nth(1).and_then(|s| s.split('/').next()).expect("a decision form");
    let decision = format!("{page}/propositions/{proposal}/decision");
    let (s, _, html) = prefect.post(app, &decision, &[("decision", "accept"), ("reason", " ")]).await;
    assert_eq!(s, 400);
    assert!(html.contains("Donnez le motif de la décision"), "{html}");
    let reason = "Projet prêt, cofinancé";
    let (s, _, _) = prefect.post(app, &decision, &[("decision", "accept"), ("reason", reason)]).await;
    assert_eq!(s, 303);
    let (_, html) = mayor.get(app, &page).await;
    assert!(html.contains("Acceptée") && html.contains(reason) && html.contains("Maison de santé du centre"));
    assert!(html.contains("1\u{202f}600\u{202f}000\u{a0}€"), "total of both projects");

    // Comments: empty refused, then published.
    let (s, _, html) = mayor.post(app, &format!("{page}/commentaires"), &[("thread", "pact"), ("body", "")]).await;
    assert_eq!(s, 400);
    assert!(html.contains("Écrivez votre commentaire"));
    let body = "Nous signerons en conseil municipal.";
    let (s, _, _) = mayor.post(app, &format!("{page}/commentaires"), &[("thread", "pact"), ("body", body)]).await;
    assert_eq!(s, 303);
    assert!(mayor.get(app, &page).await.1.contains(body), "the parties read the comments");
    assert_eq!(anonymous.get(&app.url(&page)).await.0, 404, "a pact in co-construction is the parties' only");
    assert_eq!(other.post(app, &format!("{page}/commentaires"), &[("body", "Je passe")]).await.0, 403);

    // A stale edit: refused in French, what was typed kept.
    let (_, html) = prefect.get(app, &format!("{page}/modifier")).await;
    let revision: i64 = hidden(&html, "revision").parse().expect("revision");
    let mut stale = text("Titre écrit trop tard", school.clone());
    stale.push(("revision", (revision - 1).to_string()));
    let borrowed: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, html) = prefect.post(app, &format!("{page}/modifier"), &borrowed).await;
    assert_eq!(s, 409);
    assert!(html.contains("Le pacte a changé entre-temps"), "{html}");
    assert!(html.contains("Titre écrit trop tard"));

    // Submitted, signed by both parties.
    assert_eq!(prefect.post(app, &format!("{page}/etape"), &[("target", "ready_for_signature")]).await.0, 303);
    let (_, html) = prefect.get(app, &page).await;
    assert!(html.contains("Signer pour Préfecture de la Loire") && !html.contains("Signer pour Commune"), "{html}");
    // Signing shows what is signed (parties, projects, money) and asks to confirm.
    let (s, _, html) = prefect.post(app, &format!("{page}/signature"), &[("party", "state")]).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("a-confirmer") && html.contains("name=\"confirmer\" value=\"oui\""), "{html}");
    assert!(html.contains("Maison de santé du centre") && html.contains("Signer pour "), "{html}");
    let (_, html) = mayor.get(app, &page).await;
    assert!(!html.contains("Signé</p> par "), "nothing signed before the confirmation");
    assert_eq!(
        prefect.post(app, &format!("{page}/signature"), &[("party", "state"), ("confirmer", "oui")]).await.0,
        303
    );
    let (s, _, html) =
        prefect.post(app, &format!("{page}/signature"), &[("party", "state"), ("confirmer", "oui")]).await;
    assert_eq!(s, 409);
    assert!(html.contains("a déjà signé cette version"), "{html}");
    assert_eq!(mayor.post(app, &format!("{page}/signature"), &[("party", "state")]).await.0, 403, "not her party");
    assert_eq!(
        mayor.post(app, &format!("{page}/signature"), &[("party", "214202186"), ("confirmer", "oui")]).await.0,
        303
    );
    let (_, html) = mayor.get(app, &page).await;
    assert!(html.contains("Signé</p> par ") && html.contains("Texte initial, signé"), "{html}");

    // The health centre's cost grows after the signature: the signed version keeps the old one.
    let r = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/projects/{health}")))
        .bearer_auth(&secret)
        .header("if-match", "\"1\"")
        .json(&json!({"total_cost_cents": 750_000_00}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status().as_u16(), 200);

    // An amendment opened then abandoned leaves the signed text; a second one goes on.
    assert_eq!(prefect.post(app, &format!("{page}/avenant"), &[]).await.0, 303);
    let (_, html) = prefect.get(app, &page).await;
    assert!(html.contains("Abandonner l’avenant"), "{html}");
    assert_eq!(mayor.post(app, &format!("{page}/avenant/abandonner"), &[]).await.0, 403);
    let (s, to, _) = prefect.post(app, &format!("{page}/avenant/abandonner"), &[]).await;
    assert_eq!((s, to), (303, format!("{page}?info=avenant-abandonne")));
    let (_, html) = prefect.get(app, &format!("{page}?info=avenant-abandonne")).await;
    assert!(html.contains("le texte signé reste en vigueur") && !html.contains("Abandonner l’avenant"));

    // An amendment: a new title and one project less, signed again.
    assert_eq!(prefect.post(app, &format!("{page}/avenant"), &[]).await.0, 303);
    let (_, html) = prefect.get(app, &format!("{page}/modifier")).await;
    assert!(html.contains("Pacte de cohésion de Saint-Étienne"), "prefilled");
    let mut amended = text("Pacte de cohésion de Saint-Étienne, avenant 1", health.clone());
    amended.push(("revision", hidden(&html, "revision")));
    let borrowed: Vec<(&str, &str)> = amended.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, to, _) = prefect.post(app, &format!("{page}/modifier"), &borrowed).await;
    assert_eq!((s, to), (303, format!("{page}?info=texte")));
    assert_eq!(prefect.post(app, &format!("{page}/etape"), &[("target", "ready_for_signature")]).await.0, 303);
    let sign = |party: &'static str| [("party", party), ("confirmer", "oui")];
    assert_eq!(prefect.post(app, &format!("{page}/signature"), &sign("state")).await.0, 303);
    assert_eq!(mayor.post(app, &format!("{page}/signature"), &sign("214202186")).await.0, 303);

    let (s, html) = mayor.get(app, &format!("{page}/comparaison?de=1&a=2")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Texte initial → Avenant n° 1"), "{html}");
    assert!(html.contains("Pacte de cohésion de Saint-Étienne, avenant 1"));
    assert!(html.contains("Retiré") && html.contains("Jules-Ferry"), "the school left: {html}");
    assert!(
        html.contains("Projets modifiés") && html.contains("600\u{202f}000\u{a0}€ → 750\u{202f}000\u{a0}€"),
        "{html}"
    );
    assert!(html.contains("-850\u{202f}000\u{a0}€"), "cost delta: 1,600,000 → 750,000");
    let (_, html) = mayor.get(app, &format!("{page}/versions/1")).await;
    assert!(html.contains("600\u{202f}000\u{a0}€") && !html.contains("750\u{202f}000"), "version 1 frozen");
    let (s, html) = mayor.get(app, &format!("{page}/versions/1")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Jules-Ferry") && html.contains("signé par toutes les parties"));
    assert_eq!(mayor.get(app, &format!("{page}/versions/9")).await.0, 404);
    assert_eq!(mayor.get(app, "/pactes/nope").await.0, 404);

    // Found in the list, the projects search, the territory page and its overview.
    let (_, _, html) = anonymous.get(&app.url("/pactes?q=cohesion&statut=signed&territoire=departement:42")).await;
    assert!(html.contains("1 pacte trouvé pour le territoire Loire"), "{html}");
    let (_, _, html) = anonymous.get(&app.url("/pactes?statut=closed")).await;
    assert!(html.contains("Aucun pacte"));
    let (_, _, html) = anonymous.get(&app.url(&format!("/projets?pacte={id}"))).await;
    assert!(html.contains("Maison de santé du centre") && !html.contains("Jules-Ferry</a>"), "actions of v2: {html}");
    assert!(html.contains("Seulement les actions du pacte"));
    let (_, _, html) = anonymous.get(&app.url("/projets?q=cohesion%20saint-etienne")).await;
    assert!(html.contains("Pactes correspondants") && html.contains(&page), "{html}");
    let (_, _, html) = anonymous.get(&app.url("/territoires/commune/42218")).await;
    assert!(html.contains("pactes-titre") && html.contains("1 pacte couvre ce territoire"), "{html}");
    let overview: Value = reqwest::get(app.url("/api/v1/territories/departement/42/overview"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(overview["pacts"]["total"], 1, "{}", overview["pacts"]);

    // Closing stands apart from "Démarrer l’exécution" and asks to confirm first.
    let (_, html) = prefect.get(app, &page).await;
    let (start, close) =
        (html.find("Démarrer l’exécution").expect("start"), html.find("id=\"cloture\"").expect("close"));
    assert!(start < close, "closing is placed after, in its own block");
    let (s, _, html) = prefect.post(app, &format!("{page}/etape"), &[("target", "closed")]).await;
    assert_eq!(s, 200);
    assert!(html.contains("a-confirmer") && html.contains("Clore le pacte met fin"), "{html}");
    assert_eq!(mayor.post(app, &format!("{page}/etape"), &[("target", "closed")]).await.0, 403, "not the owner");
    let (_, html) = prefect.get(app, &page).await;
    assert!(html.contains("Démarrer l’exécution"), "still signed");
    let (s, to, _) = prefect.post(app, &format!("{page}/etape"), &[("target", "closed"), ("confirmer", "oui")]).await;
    assert_eq!((s, to), (303, format!("{page}?info=etape")));
    let (_, html) = prefect.get(app, &page).await;
    assert!(!html.contains("id=\"cloture\"") && html.contains("Clos"), "closed");
}

storage_test!(pact_pages, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
