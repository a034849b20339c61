//! The programme forms of the pages, over HTTP against the real app: the member list
//! update (bad file → every faulty line, nothing written; preview then apply; stale
//! preview → a French message, nothing written), the action plan and the
//! eligibility rule; forms hidden from who may not use them.

use cohesion_core::access::Role;
use cohesion_store::testing::{TestDb, postgres_or_skip};

use crate::support::{self, Browser, TestApp, csrf_of, multipart};

const ADMIN: &str = "admin@example.fr";
const PASS: &str = "mot de passe du test";

/// The app with an admin, who adds programme `pvd` through the API (session cookie
/// and CSRF header).
async fn app(db: TestDb) -> TestApp {
    let app = TestApp::builder(db).referential(support::referential_with(5)).start().await;
    app.person(ADMIN, &[Role::Admin], PASS).await;
    let mut b = signed_in(&app, ADMIN).await;
    let (_, _, html) = b.get(&app.url("/profil")).await;
    let res = b
        .client
        .post(app.url("/api/v1/programmes"))
        .header("cookie", b.cookie_header())
        .header("x-csrf-token", csrf_of(&html))
        .json(&serde_json::json!({"code": "pvd", "acronym": "PVD", "name": "Petites villes de demain"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 201);
    app
}

async fn signed_in(app: &TestApp, email: &str) -> Browser {
    let mut b = Browser::new();
    assert_eq!(b.sign_in(app, email, PASS).await, 303);
    b
}

/// Uploads `csv` to the import form as `b`; status and page.
async fn upload(app: &TestApp, b: &mut Browser, csv: &str) -> (u16, String) {
    let (_, _, html) = b.get(&app.url("/programmes/pvd")).await;
    let fields = [("csrf".to_owned(), csrf_of(&html)), ("fichier".to_owned(), csv.to_owned())];
    let (content_type, body) = multipart(&fields);
    let res = b
        .client
        .post(app.url("/programmes/pvd/import"))
        .header("cookie", b.cookie_header())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("post");
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

/// The value of the hidden field `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    html.find(&key).map(|i| html[i + key.len()..].split('"').next().unwrap_or("").to_owned()).unwrap_or_default()
}

/// Posts the preview's confirmation form; status, `Location`, page.
async fn confirm(app: &TestApp, b: &mut Browser, preview: &str) -> (u16, String, String) {
    let fields = [
        ("csrf", csrf_of(preview)),
        ("base_revision", hidden(preview, "base_revision")),
        ("contenu", hidden(preview, "contenu")),
    ];
    let (status, headers, html) = b.post(&app.url("/programmes/pvd/import/appliquer"), &pairs(&fields)).await;
    let location = headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (status, location, html)
}

fn pairs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn members(app: &TestApp) -> usize {
    app.state.current().programmes.members("pvd").count()
}

async fn import_story(app: &TestApp) {
    // A visitor sees the dashboard without the forms.
    let (status, _, html) = Browser::new().get(&app.url("/programmes/pvd")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("Mettre à jour la liste des membres"), "no form for a visitor");
    assert!(!html.contains("/programmes/pvd/actions/nouvelle"));

    let mut b = signed_in(app, ADMIN).await;
    let (_, _, html) = b.get(&app.url("/programmes/pvd")).await;
    assert!(html.contains("Mettre à jour la liste des membres"));
    assert!(html.contains("enctype=\"multipart/form-data\""));

    // A bad file: every faulty line with its number, nothing written.
    let revision = app.state.current().programme_revision;
    let (status, html) = upload(app, &mut b, "code;statut\n42218;actif\n99999;actif\n01001;bof\n").await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("2 erreurs"), "{html}");
    assert!(html.contains("<td class=\"cohesion-num\">3</td><td>code</td><td>« 99999 » : commune inconnue"), "{html}");
    assert!(html.contains("<td class=\"cohesion-num\">4</td><td>statut</td><td>« bof » n’est pas un statut connu"));
    assert!(!html.contains("Appliquer ces changements"));
    assert_eq!((members(app), app.state.current().programme_revision), (0, revision), "nothing written");

    // A file over the limit is said to be too large (it was "formulaire expiré", 403).
    let big = format!("code\n{}", "42218\n".repeat(2 * 1024 * 1024 / 6 + 10));
    let (status, html) = upload(app, &mut b, &big).await;
    assert_eq!(status, 413, "{html}");
    assert!(html.contains("dépasse la taille permise (2 Mo)"), "{html}");
    assert!(!html.contains("a expiré"), "{html}");
    assert_eq!((members(app), app.state.current().programme_revision), (0, revision), "nothing written");

    // Preview, then apply.
    let (status, preview) = upload(app, &mut b, "code,date_signature\n42218,2021-05-28\n01001,\n").await;
    assert_eq!(status, 200, "{preview}");
    assert!(preview.contains("2 <span class=\"cohesion-figure__label\">ajouts</span>"), "{preview}");
    assert!(preview.contains("Saint-Étienne") && preview.contains("signée le 28/05/2021"));
    assert_eq!(members(app), 0, "a preview writes nothing");
    let (status, location, _) = confirm(app, &mut b, &preview).await;
    assert_eq!((status, location.as_str()), (303, "/programmes/pvd?info=import&ajouts=2&retraits=0&modifications=0"));
    assert_eq!(members(app), 2);
    let (_, _, html) = b.get(&app.url(&location)).await;
    assert!(html.contains("La liste des membres est mise à jour : 2 ajouts, 0 retrait, 0 modification."), "{html}");
    assert!(html.contains("Membres (2)"));

    // A stale preview: another change was applied since; nothing is overwritten.
    let (_, stale) = upload(app, &mut b, "code\n42218\n").await;
    let (_, other) =
        upload(app, &mut b, "code,statut,date_labellisation\n42218,labellisé,2022-01-01\n01001,actif,\n42500,actif,\n")
            .await;
    assert!(other.contains("1 <span class=\"cohesion-figure__label\">modification</span>"), "{other}");
    assert!(other.contains("statut : Actif → Labellisé"), "{other}");
    assert_eq!(confirm(app, &mut b, &other).await.0, 303);
    let before = (members(app), app.state.current().programme_revision);
    let (status, _, html) = confirm(app, &mut b, &stale).await;
    assert_eq!(status, 409);
    assert!(html.contains("les programmes ont été modifiés depuis l’aperçu"), "{html}");
    assert!(html.contains("Rien n’a été écrasé"));
    assert_eq!((members(app), app.state.current().programme_revision), before, "nothing written");
    // The change is in the programme's history and the territory's (issue 17, point 5).
    let (_, _, html) = b.get(&app.url("/programmes/pvd")).await;
    assert!(
        html.contains("Dernières évolutions des adhésions") && html.contains("statut : Actif → Labellisé"),
        "{html}"
    );
    let (_, _, html) = b.get(&app.url("/territoires/commune/42218")).await;
    assert!(html.contains("Historique de ses adhésions") && html.contains("statut : Actif → Labellisé"), "{html}");
    // The members' filter: words or code, status, order; the count says how many.
    let (_, _, html) = b.get(&app.url("/programmes/pvd?q=saint&statut=labelled")).await;
    assert!(html.contains("1 sur 3 membres correspondent au filtre"), "{html}");
    let (_, _, html) = b.get(&app.url("/programmes/pvd?tri=code&ordre=desc")).await;
    let (first, last) = (html.find("42500").expect("42500"), html.find("01001").expect("01001"));
    assert!(first < last, "codes in descending order");

    // The signature date was kept (no such column in `other`); an empty cell in a
    // present column erases it, and the preview says so before anything is applied.
    let (_, emptied) =
        upload(app, &mut b, "code,statut,date_signature\n42218,labellisé,\n01001,actif,\n42500,actif,\n").await;
    assert!(
        emptied.contains("id=\"effacements\"") && emptied.contains("la date de signature de 1 membre"),
        "{emptied}"
    );
    let removed = app.state.current().programmes.members("pvd").filter(|(m, _)| m.exited_on.is_some()).count();
    assert_eq!(removed, 0, "the stale list did not remove anyone");

    // Checked and not applied: it waits in the managers' space (issue 14) — only this
    // one: the applied list is closed, and the stale one was overtaken by it.
    app.person("pvd@example.fr", &[Role::ProgrammeManager { programme: "pvd".into() }], PASS).await;
    let mut manager = signed_in(app, "pvd@example.fr").await;
    let (_, _, space) = manager.get(&app.url("/mon-espace")).await;
    assert!(space.contains("Listes de membres vérifiées, non appliquées"), "{space}");
    assert_eq!(space.matches("/programmes/pvd/import/apercus/").count(), 1, "{space}");
    assert!(space.contains("1 valeur effacée"), "the counts say what it would do: {space}");
    let at = space.find("/programmes/pvd/import/apercus/").expect("link");
    let kept = space[at..].split('"').next().expect("href").to_owned();
    let (status, _, html) = manager.get(&app.url(&kept)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Fichier vérifié le") && html.contains("par Prénom admin@example.fr"), "{html}");
    assert!(html.contains("la date de signature de 1 membre") && html.contains("Appliquer ces changements"));
    assert_eq!(Browser::new().get(&app.url(&kept)).await.0, 303, "a visitor is sent to sign in");
    let (_, _, html) = manager.get(&app.url(&kept)).await;
    let (status, headers, _) =
        manager.post(&app.url(&format!("{kept}/ecarter")), &[("csrf", csrf_of(&html).as_str())]).await;
    assert_eq!(
        (status, headers.get("location").and_then(|v| v.to_str().ok())),
        (303, Some("/programmes/pvd?info=apercu-ecarte"))
    );
    let (_, _, space) = manager.get(&app.url("/mon-espace")).await;
    assert!(!space.contains("/programmes/pvd/import/apercus/"), "set aside: {space}");
    let (_, _, html) = manager.get(&app.url(&kept)).await;
    assert!(html.contains("a été écarté") && !html.contains("Appliquer ces changements"), "{html}");

    // A manager of another programme gets neither the form nor the import.
    app.person("acv@example.fr", &[Role::ProgrammeManager { programme: "acv".into() }], PASS).await;
    let mut other = signed_in(app, "acv@example.fr").await;
    let (_, _, html) = other.get(&app.url("/programmes/pvd")).await;
    assert!(!html.contains("Mettre à jour la liste des membres"));
    assert_eq!(upload(app, &mut other, "code\n42218\n").await.0, 403);
    let (status, _, _) = other.get(&app.url(&kept)).await;
    assert_eq!(status, 403, "nor another programme's kept lists");
}

async fn plan_and_rule_story(app: &TestApp) {
    let mut b = signed_in(app, ADMIN).await;
    let (status, _, form) = b.get(&app.url("/programmes/pvd/actions/nouvelle")).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&form);
    let (status, _, html) = b.post(&app.url("/programmes/pvd/actions"), &[("csrf", &csrf), ("title", " ")]).await;
    assert_eq!(status, 400);
    assert!(html.contains("Donnez un intitulé à l’action."));
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "Revitaliser les centres"),
        ("transitions", "ecological"),
        ("transitions", "recovery"),
        ("status", "planned"),
        ("owner", "Direction des programmes"),
    ];
    let (status, headers, _) = b.post(&app.url("/programmes/pvd/actions"), &fields).await;
    assert_eq!(
        (status, headers.get("location").and_then(|v| v.to_str().ok())),
        (303, Some("/programmes/pvd?info=action"))
    );
    let action = app.state.current().programmes.actions("pvd").next().cloned().expect("saved");
    assert_eq!(action.transitions.len(), 2);

    // Change its status with the version read; the same version again is refused.
    let path = format!("/programmes/pvd/actions/{}", action.id);
    let (_, _, edit) = b.get(&app.url(&path)).await;
    assert!(edit.contains("value=\"Revitaliser les centres\"") && edit.contains("value=\"recovery\" checked"));
    let version = hidden(&edit, "version");
    let change = |status: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("title", "Revitaliser les centres".into()),
            ("status", status.into()),
            ("version", version.clone()),
        ]
    };
    assert_eq!(b.post(&app.url(&path), &pairs(&change("in_progress"))).await.0, 303);
    let second = change("done");
    let (status, _, html) = b.post(&app.url(&path), &pairs(&second)).await;
    assert_eq!(status, 409);
    assert!(html.contains("modifiée par quelqu’un d’autre"));
    let now = app.state.current().programmes.actions("pvd").next().cloned().expect("action");
    assert_eq!(now.status.as_str(), "in_progress", "the stale change was not written");

    // The eligibility rule from its form.
    let (status, _, form) = b.get(&app.url("/programmes/pvd/eligibilite")).await;
    assert_eq!(status, 200);
    assert!(form.contains("name=\"density_levels\" value=\"5\""));
    let bad = [
        ("csrf", csrf.as_str()),
        ("population_min", "30000"),
        ("population_max", "20 000"),
        ("departements", "42, 99"),
    ];
    let (status, _, html) = b.post(&app.url("/programmes/pvd/eligibilite"), &bad).await;
    assert_eq!(status, 400);
    assert!(html.contains("La population minimale dépasse la population maximale."), "{html}");
    assert!(html.contains("Département « 99 » inconnu"));
    assert!(app.state.current().programmes.rule("pvd").is_none(), "nothing written");
    let good = [
        ("csrf", csrf.as_str()),
        ("population_max", "20 000"),
        ("density_levels", "4"),
        ("density_levels", "5"),
        ("mountain", "non"),
        ("departements", "42"),
    ];
    assert_eq!(b.post(&app.url("/programmes/pvd/eligibilite"), &good).await.0, 303);
    let rule = app.state.current().programmes.rule("pvd").cloned().expect("rule");
    assert_eq!((rule.population_max, rule.density_levels, rule.mountain), (Some(20_000), vec![4, 5], Some(false)));
    let (_, _, html) = b.get(&app.url("/programmes/pvd?info=eligibilite")).await;
    assert!(html.contains("La règle d’éligibilité est enregistrée."));

    // A visitor is sent to the sign-in page.
    let (status, headers, _) = Browser::new().get(&app.url("/programmes/pvd/eligibilite")).await;
    assert_eq!((status, headers.get("location").and_then(|v| v.to_str().ok())), (303, Some("/connexion")));
}

/// An admin adds a programme from the pages; faults in French, what was typed kept;
/// a code taken is refused; a manager may not.
async fn new_programme_story(app: &TestApp) {
    let mut b = signed_in(app, ADMIN).await;
    let (_, _, html) = b.get(&app.url("/programmes")).await;
    assert!(html.contains("href=\"/programmes/nouveau\""), "the admin sees the button");
    let (status, _, form) = b.get(&app.url("/programmes/nouveau")).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&form);
    let bad = [
        ("csrf", csrf.as_str()),
        ("code", "Pas Bon!"),
        ("name", " "),
        ("started_on", "2026-13-01"),
        ("description", "Gardé"),
    ];
    let (status, _, html) = b.post(&app.url("/programmes/nouveau"), &bad).await;
    assert_eq!(status, 400);
    assert!(html.contains("lettres et chiffres seulement") && html.contains("Donnez le nom du programme."), "{html}");
    assert!(html.contains("AAAA-MM-JJ, par exemple") && html.contains(">Gardé</textarea>"), "typed text kept");
    let good = [
        ("csrf", csrf.as_str()),
        ("code", "fabr"),
        ("acronym", "FT"),
        ("name", "Fabriques de territoire"),
        ("domains", "rurality"),
        ("domains", "digital"),
        ("started_on", "2019-07-01"),
    ];
    let (status, headers, _) = b.post(&app.url("/programmes/nouveau"), &good).await;
    assert_eq!(
        (status, headers.get("location").and_then(|v| v.to_str().ok())),
        (303, Some("/programmes/fabr?info=cree"))
    );
    let (_, _, html) = b.get(&app.url("/programmes/fabr?info=cree")).await;
    assert!(html.contains("Fabriques de territoire") && html.contains("Le programme est ajouté au catalogue"));
    let (status, _, html) = b.post(&app.url("/programmes/nouveau"), &good).await;
    assert_eq!(status, 409);
    assert!(html.contains("Le code « fabr » est déjà celui d’un programme."));
    let reserved = [("csrf", csrf.as_str()), ("code", "nouveau"), ("name", "Nouveau")];
    assert_eq!(b.post(&app.url("/programmes/nouveau"), &reserved).await.0, 400);

    app.person("gestion@example.fr", &[Role::ProgrammeManager { programme: "pvd".into() }], PASS).await;
    let mut manager = signed_in(app, "gestion@example.fr").await;
    assert_eq!(manager.get(&app.url("/programmes/nouveau")).await.0, 403);
    let (_, _, html) = manager.get(&app.url("/programmes")).await;
    assert!(!html.contains("href=\"/programmes/nouveau\""));
}

#[tokio::test]
async fn new_programme_form() {
    let app = app(TestDb::sqlite().await.expect("db")).await;
    new_programme_story(&app).await;
    app.db.cleanup().await;
}

#[tokio::test]
async fn member_list_forms() {
    let app = app(TestDb::sqlite().await.expect("db")).await;
    import_story(&app).await;
    app.db.cleanup().await;
}

/// A programme manager's invitation names the programme, not its code.
#[tokio::test]
async fn an_invitation_names_the_programme() {
    let app = app(TestDb::sqlite().await.expect("db")).await;
    let mut b = signed_in(&app, ADMIN).await;
    let (_, _, html) = b.get(&app.url("/profil")).await;
    let invitation = serde_json::json!({"email": "chef.pvd@anct.gouv.fr",
        "roles": [{"role": "programme_manager", "programme": "pvd"}]});
    let res = b
        .client
        .post(app.url("/api/v1/people/invitations"))
        .header("cookie", b.cookie_header())
        .header("x-csrf-token", csrf_of(&html))
        .json(&invitation)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 201);
    let mail = app.mail.nth(1).await;
    assert!(mail.to.iter().any(|t| t.contains("chef.pvd@")), "{mail:?}");
    assert!(mail.text.contains("responsable du programme « Petites villes de demain »"), "{}", mail.text);
    app.db.cleanup().await;
}

#[tokio::test]
async fn action_and_rule_forms() {
    let app = app(TestDb::sqlite().await.expect("db")).await;
    plan_and_rule_story(&app).await;
    app.db.cleanup().await;
}

#[tokio::test]
async fn programme_forms_postgres() {
    let Some(db) = postgres_or_skip().await else { return };
    let app = app(db).await;
    import_story(&app).await;
    plan_and_rule_story(&app).await;
    new_programme_story(&app).await;
    app.db.cleanup().await;
}
