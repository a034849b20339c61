//! HTTP tests of the HTML pages: the real app on a random port, a temporary SQLite
//! database holding the whole shipped referential.

use cohesion_web::pages::CONTENT_SECURITY_POLICY;

use crate::support::TestApp;

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// Reading the pages' answers.
trait Pages {
    async fn get(&self, path: &str) -> Answer;
    async fn page(&self, path: &str) -> String;
}

impl Pages for TestApp {
    async fn get(&self, path: &str) -> Answer {
        let res = self.client.get(format!("http://{}{path}", self.addr)).send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        Answer { status, headers, body }
    }

    /// A page that must answer 200 in French HTML with the CSP; returns its body.
    async fn page(&self, path: &str) -> String {
        let a = self.get(path).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("content-type"), "text/html; charset=utf-8", "{path}");
        assert_eq!(a.header("content-security-policy"), CONTENT_SECURITY_POLICY, "{path}");
        assert!(a.body.starts_with("<!doctype html>\n<html lang=\"fr\""), "{path}");
        assert!(!a.body.contains("style=\""), "{path}: inline style");
        assert!(!a.body.contains("<script>"), "{path}: inline script");
        assert!(a.body.contains("Accessibilité : non conforme"), "{path}: footer");
        a.body
    }
}

#[tokio::test]
async fn every_page_type_answers_in_french_with_the_csp() {
    let app = TestApp::sqlite().await.shipped().start().await;
    let home = app.page("/").await;
    assert!(home.contains("Chiffres clés"));
    assert!(home.contains("Agence nationale de la cohésion des territoires"), "default operator");
    assert!(home.contains("34\u{202f}"), "number of communes, French grouping");
    for (path, text) in [
        ("/accessibilite", "Déclaration d’accessibilité"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
        ("/plan-du-site", "Plan du site"),
        ("/territoires", "Territoires"),
    ] {
        assert!(app.page(path).await.contains(text), "{path}");
    }
}

#[tokio::test]
async fn search_results_are_paginated_and_filtered() {
    let app = TestApp::sqlite().await.shipped().start().await;
    let body = app.page("/territoires?q=saint%20etienne").await;
    assert!(body.contains("href=\"/territoires/commune/42218\""), "Saint-Étienne found");
    assert!(body.contains("Recherche « saint etienne »"));
    let body = app.page("/territoires?q=saint&type=commune&page=2").await;
    assert!(body.contains("aria-current=\"page\">2</a>"), "page 2 current");
    assert!(!body.contains("/territoires/epci/"), "only communes");
    // Malformed parameters are ignored, not refused.
    app.page("/territoires?type=planete&page=abc").await;
    assert!(app.page("/territoires?q=zzzzqqq").await.contains("Aucun territoire"));
}

#[tokio::test]
async fn territory_pages_show_identity_map_children_and_chart() {
    let app = TestApp::sqlite().await.shipped().start().await;
    let commune = app.page("/territoires/commune/42218").await;
    assert!(commune.contains("<h1>Saint-Étienne</h1>"));
    assert!(commune.contains("Population municipale"));
    assert!(
        commune.contains("class=\"fr-breadcrumb__link\" href=\"/territoires/departement/42\""),
        "parents as breadcrumb"
    );
    assert!(commune.contains("class=\"is-highlighted\""), "map highlights the département");
    assert!(commune.contains("Programmes nationaux d’appui"));

    let dep = app.page("/territoires/departement/42").await;
    assert!(dep.contains("Population par niveau de densité"));
    assert!(dep.contains("Grands centres urbains"));
    assert_eq!(dep.matches("class=\"is-highlighted\"").count(), 1);

    // Sorted by population, largest first: Saint-Étienne (42218) before Saint-Chamond (42207).
    let sorted = app.page("/territoires/departement/42?liste=commune&tri=population&ordre=desc").await;
    let table = |body: &str| body.rsplit("<tbody>").next().unwrap_or_default().to_owned();
    let rows = table(&sorted);
    let at = |code: &str| rows.find(&format!("/territoires/commune/{code}\"")).expect(code);
    assert!(at("42218") < at("42207"));
    assert!(sorted.contains("aria-sort=\"descending\""));
    // Smallest first: Saint-Étienne is not on the first page.
    let ascending = app.page("/territoires/departement/42?liste=commune&tri=population&ordre=asc").await;
    assert!(!table(&ascending).contains("/territoires/commune/42218\""));
    assert!(ascending.contains("aria-sort=\"ascending\""));

    let region = app.page("/territoires/region/84").await;
    assert!(region.matches("class=\"is-highlighted\"").count() >= 12, "every département of the région");
    assert!(region.contains("Population par niveau de densité"));

    app.page("/territoires/epci/244200770").await;
    app.page("/territoires/departement/42?liste=commune&page=999&tri=inconnu").await;
}

#[tokio::test]
async fn unknown_addresses_answer_the_html_404() {
    let app = TestApp::sqlite().await.shipped().start().await;
    for path in ["/nulle-part", "/territoires/commune/99999", "/territoires/planete/42"] {
        let a = app.get(path).await;
        assert_eq!(a.status, 404, "{path}");
        assert!(a.header("content-type").starts_with("text/html"), "{path}");
        assert!(a.body.contains("Page non trouvée"), "{path}");
        assert_eq!(a.header("content-security-policy"), CONTENT_SECURITY_POLICY);
    }
    let api = app.get("/api/v1/nothing-here").await;
    assert_eq!(api.status, 404);
    assert!(api.header("content-type").starts_with("application/problem+json"));
}

#[tokio::test]
async fn static_files_are_embedded_immutable_and_compressed() {
    let app = TestApp::sqlite().await.shipped().start().await;
    let home = app.page("/").await;
    let css =
        home.split("href=\"").map(|s| s.split('"').next().unwrap_or_default()).find(|h| h.ends_with("dsfr.min.css"));
    let css = css.expect("stylesheet linked");
    assert!(css.starts_with("/static/dsfr-1.15.3/"));
    let res = app
        .client
        .get(format!("http://{}{css}", app.addr))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("css");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
    let gzipped = res.bytes().await.expect("body").len();
    assert!(gzipped > 10_000 && gzipped < 200_000, "{gzipped} bytes");
    let plain = app.get(css).await;
    assert_eq!(plain.header("content-encoding"), "");
    assert!(plain.body.len() > 500_000);
    for path in ["/static/dsfr-1.15.3/fonts/Marianne-Regular.woff2", "/favicon.ico"] {
        assert_eq!(app.get(path).await.status, 200, "{path}");
    }
    let script = home.split("src=\"").map(|s| s.split('"').next().unwrap_or_default()).find(|h| h.ends_with("app.js"));
    let script = app.get(script.expect("app.js linked")).await;
    assert_eq!(script.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(app.get("/static/dsfr-1.15.3/absent.css").await.status, 404);
}

/// Issue 17, point 7: the API is browsable at `/api/docs`, with a vendored viewer
/// served from the platform under the same strict CSP, linked as "API ouverte".
#[tokio::test]
async fn the_api_documentation_is_browsable() {
    let app = TestApp::sqlite().await.shipped().start().await;
    let home = app.page("/").await;
    assert!(home.contains("href=\"/api/docs\" aria-current=\"false\">API ouverte</a>"), "linked from the menu");
    let docs = app.page("/api/docs").await;
    assert!(docs.contains("href=\"/api/docs\" aria-current=\"page\">API ouverte</a>"));
    assert!(docs.contains("data-spec=\"/api/v1/openapi.json\""));
    let linked = |end: &str| {
        docs.split(['"'])
            .find(|s| s.starts_with("/static/") && s.ends_with(end))
            .unwrap_or_else(|| panic!("{end} linked"))
            .to_owned()
    };
    for (file, kind) in [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
        ("api-docs.js", "text/javascript; charset=utf-8"),
    ] {
        let a = app.get(&linked(file)).await;
        assert_eq!((a.status, a.header("content-type")), (200, kind), "{file}");
    }
    assert!(linked("swagger-ui-bundle.js").starts_with("/static/swagger-ui-5.36.0/"));
}
