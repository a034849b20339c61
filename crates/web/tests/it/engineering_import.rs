//! The providers' CSV import page, on both databases: admins only; a faulty file is
//! refused whole with each line's number, column and French reason; a good one is
//! previewed (nothing written), then applied from the preview's form.

use cohesion_core::access::Role;
use cohesion_store::testing::{TestDb, storage_test};

use crate::support::{Browser, TestApp, csrf_of, multipart};

const PASS: &str = "correct horse battery staple";

/// Posts `csv` as the file of the check form; status and page.
async fn check(app: &TestApp, browser: &Browser, csrf: &str, csv: &str) -> (u16, String) {
    let fields = [("csrf".to_owned(), csrf.to_owned()), ("fichier".to_owned(), csv.to_owned())];
    let (content_type, body) = multipart(&fields);
    let res = browser
        .client
        .post(app.url("/ingenierie/prestataires/import"))
        .header("cookie", browser.cookie_header())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("post");
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

async fn story(app: &TestApp) {
    app.person("admin@example.fr", &[Role::Admin], PASS).await;
    app.person("delegue@example.fr", &[Role::Delegate { departement: "42".into() }], PASS).await;
    let mut delegate = Browser::new();
    assert_eq!(delegate.sign_in(app, "delegue@example.fr", PASS).await, 303);
    assert_eq!(delegate.get(&app.url("/ingenierie/prestataires/import")).await.0, 403, "admins only");

    let mut admin = Browser::new();
    assert_eq!(admin.sign_in(app, "admin@example.fr", PASS).await, 303);
    let (s, _, html) = admin.get(&app.url("/ingenierie/prestataires/import")).await;
    assert_eq!(s, 200);
    let csrf = csrf_of(&html);

    let bad = "name;kind;siren;competences;departements;capacity\n\
               CAUE de la Loire;caue;;planning_urbanism;42;2\n\
               ;bureau;12;nope;99 2A;beaucoup\n";
    let (s, html) = check(app, &admin, &csrf, bad).await;
    assert_eq!(s, 400, "{html}");
    assert!(html.contains("Rien n’a été enregistré"), "{html}");
    for reason in [
        "« bureau » n’est pas un type de prestataire.",
        "« 12 » n’est pas un SIREN (9 chiffres).",
        "« beaucoup » n’est pas une capacité",
    ] {
        assert!(html.contains(reason), "{reason}: {html}");
    }
    assert!(html.contains("<td class=\"cohesion-num\">3</td>"), "the faulty line's number: {html}");
    let (_, missing) = check(app, &admin, &csrf, "name;kind\nX;caue\n").await;
    assert!(missing.contains("La colonne « capacity » manque à la première ligne."), "{missing}");

    let good = "name;kind;siren;competences;departements;capacity\n\
                CAUE de la Loire;caue;;planning_urbanism housing;42 43;2\n\
                Agence d'urbanisme de Saint-Étienne;agence_urbanisme;;planning_urbanism;42;3\n";
    let (s, html) = check(app, &admin, &csrf, good).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Le fichier créerait 2 prestataire(s)") && html.contains("CAUE de la Loire"), "{html}");
    let (_, _, directory) = admin.get(&app.url("/ingenierie/prestataires")).await;
    assert!(!directory.contains("CAUE de la Loire"), "nothing written by the check");

    let (s, headers, _) =
        admin.post(&app.url("/ingenierie/prestataires/import/appliquer"), &[("csrf", &csrf), ("contenu", good)]).await;
    assert_eq!(s, 303);
    assert_eq!(headers["location"], "/ingenierie/prestataires");
    let (_, _, directory) = admin.get(&app.url("/ingenierie/prestataires")).await;
    assert!(directory.contains("CAUE de la Loire") && directory.contains("Saint-Étienne"), "{directory}");
    // The same file again: each name is taken, said on its line; nothing written.
    let (s, _, again) =
        admin.post(&app.url("/ingenierie/prestataires/import/appliquer"), &[("csrf", &csrf), ("contenu", good)]).await;
    assert_eq!(s, 400);
    assert_eq!(again.matches("Un prestataire porte déjà ce nom.").count(), 2, "{again}");
}

storage_test!(engineering_import, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
