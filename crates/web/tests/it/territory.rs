//! HTTP tests of the territory API (search, filters, detail, children, errors as
//! problem documents, the snapshot following imports), health and the OpenAPI
//! document: the real app on a random port, a temporary database holding the whole
//! shipped referential.

use cohesion_core::territory::{Referential, TerritoryKind};
use serde_json::Value;

use crate::support::{TestApp, shipped};

/// Reading the JSON API's answers.
trait Api {
    async fn get(&self, path: &str) -> (u16, String, Value);
    async fn ok(&self, path: &str) -> Value;
}

impl Api for TestApp {
    async fn get(&self, path: &str) -> (u16, String, Value) {
        let res = self.client.get(format!("http://{}{path}", self.addr)).send().await.expect("request");
        let status = res.status().as_u16();
        let ctype = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, ctype, body)
    }

    async fn ok(&self, path: &str) -> Value {
        let (status, _, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }
}

fn codes(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|i| i["code"].as_str().unwrap_or("").to_owned()).collect()
}

#[tokio::test]
async fn search_by_name_code_and_postcode() {
    let app = TestApp::sqlite().await.shipped().start().await;
    for q in ["saint%20etienne", "ST%20ETIENNE", "st-%C3%A9tienne", "Saint-%C3%89tienne"] {
        let page = app.ok(&format!("/api/v1/territories?q={q}")).await;
        assert_eq!(page["items"][0]["code"], "42218", "{q}");
        assert_eq!(page["items"][0]["name"], "Saint-Étienne");
        assert_eq!(page["items"][0]["parents"]["departement"], "42");
        assert_eq!(page["items"][0]["parents"]["epci"], "244200770");
        assert!(page["total"].as_u64().unwrap_or(0) > 50, "every Saint-Étienne-… matches too");
    }
    assert_eq!(codes(&app.ok("/api/v1/territories?q=42218").await), ["42218"]);
    assert_eq!(codes(&app.ok("/api/v1/territories?q=2A004").await), ["2A004"]);
    assert_eq!(codes(&app.ok("/api/v1/territories?q=2a004").await), ["2A004"]);
    assert_eq!(codes(&app.ok("/api/v1/territories?q=200046977").await), ["200046977"]);
    assert_eq!(codes(&app.ok("/api/v1/territories?q=42000").await), ["42218"]);
    // Ligatures and apostrophes.
    let page = app.ok("/api/v1/territories?q=l%20hay%20les%20roses").await;
    assert_eq!(page["items"][0]["name"], "L'Haÿ-les-Roses");
    let page = app.ok("/api/v1/territories?q=oeuf%20en%20ternois").await;
    assert_eq!(page["items"][0]["name"], "Œuf-en-Ternois");
    app.db.cleanup().await;
}

#[tokio::test]
async fn filters_and_pagination() {
    let app = TestApp::sqlite().await.shipped().start().await;
    let all = app.ok("/api/v1/territories?kind=commune&limit=1").await;
    assert_eq!(all["total"], 34_969);
    assert_eq!(all["items"][0]["code"], "75056", "the most populated first");
    let deps = app.ok("/api/v1/territories?kind=departement&limit=200").await;
    assert_eq!(deps["total"], 109);
    let inside = app.ok("/api/v1/territories?q=saint&kind=commune&parent=departement:42&limit=200").await;
    let items = inside["items"].as_array().expect("items");
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["parents"]["departement"] == "42"));
    assert_eq!(inside["total"].as_u64(), Some(items.len() as u64));
    let p1 = app.ok("/api/v1/territories?q=saint&limit=5").await;
    let p2 = app.ok("/api/v1/territories?q=saint&limit=5&offset=5").await;
    assert_eq!(p1["total"], p2["total"]);
    let (a, b) = (codes(&p1), codes(&p2));
    assert_eq!((a.len(), b.len()), (5, 5));
    assert!(a.iter().all(|c| !b.contains(c)), "pages do not overlap");
    let epci = app.ok("/api/v1/territories?kind=epci&parent=region:84&limit=1").await;
    assert!(epci["total"].as_u64().unwrap_or(0) > 100);
    app.db.cleanup().await;
}

#[tokio::test]
async fn territory_detail_and_children() {
    let app = TestApp::sqlite().await.shipped().start().await;
    let se = app.ok("/api/v1/territories/commune/42218").await;
    assert_eq!(se["name"], "Saint-Étienne");
    let chain: Vec<&str> =
        se["parents"].as_array().expect("parents").iter().filter_map(|p| p["kind"].as_str()).collect();
    assert_eq!(chain, ["epci", "departement", "region"]);
    assert_eq!(se["parents"][2]["name"], "Auvergne-Rhône-Alpes");
    assert_eq!(se["typology"]["density_level"], 1);
    assert_eq!(se["typology"]["density"], "Grands centres urbains");
    assert_eq!(se["vintage"], "COG 2026");

    let paris = app.ok("/api/v1/territories/commune/75056").await;
    assert_eq!(paris["children"][0]["kind"], "arrondissement_municipal");
    assert_eq!(paris["children"][0]["count"], 20);
    let arr = app.ok("/api/v1/territories/commune/75056/children").await;
    assert_eq!(arr["total"], 20);

    let loire = app.ok("/api/v1/territories/departement/42").await;
    assert!(loire["centroid"]["lat"].as_f64().is_some_and(|lat| (45.0..46.5).contains(&lat)));
    let communes = app.ok("/api/v1/territories/departement/42/children?kind=commune&limit=200&offset=0").await;
    let n = communes["total"].as_u64().expect("total");
    assert!(n > 300, "{n}");
    let names: Vec<&str> =
        communes["items"].as_array().expect("items").iter().filter_map(|i| i["name"].as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| cohesion_core::territory::fold(n));
    assert_eq!(names, sorted, "children are sorted by name");
    let default_children = app.ok("/api/v1/territories/departement/42/children").await;
    assert_eq!(default_children["items"][0]["kind"], "epci");

    let lyon = app.ok("/api/v1/territories/epci/200046977").await;
    assert_eq!(lyon["category"], "MET69");
    assert_eq!(lyon["departements"][0]["code"], "69");
    let corse = app.ok("/api/v1/territories/commune/2a004").await;
    assert_eq!(corse["code"], "2A004");
    app.db.cleanup().await;
}

#[tokio::test]
async fn errors_are_problem_documents() {
    let app = TestApp::sqlite().await.shipped().start().await;
    let cases = [
        ("/api/v1/territories/commune/99999", 404, "not_found"),
        ("/api/v1/territories/canton/42218", 400, "invalid_territory"),
        ("/api/v1/territories/commune/4221", 400, "invalid_territory"),
        ("/api/v1/territories/epci/200046978", 400, "invalid_territory"),
        ("/api/v1/territories?kind=canton", 400, "invalid_parameter"),
        ("/api/v1/territories?limit=0", 400, "invalid_parameter"),
        ("/api/v1/territories?limit=abc", 400, "invalid_query"),
        ("/api/v1/territories?parent=departement", 400, "invalid_parameter"),
        ("/api/v1/territories?parent=departement:99", 404, "not_found"),
        ("/api/v1/territories/commune/42218/children?kind=region", 400, "invalid_parameter"),
    ];
    // Twice: a fault is never kept as an answer.
    for (path, status, code) in cases.iter().chain(&cases).copied() {
        let (got, ctype, body) = app.get(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(ctype, "application/problem+json", "{path}");
        assert_eq!(body["code"], code, "{path}: {body}");
        assert_eq!(body["status"], status);
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let (_, _, body) = app.get("/api/v1/territories?kind=canton&limit=0").await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(2), "every fault is reported: {body}");
    app.db.cleanup().await;
}

#[tokio::test]
async fn health_and_openapi() {
    let app = TestApp::sqlite().await.shipped().start().await;
    let health = app.ok("/health").await;
    assert_eq!((health["status"].as_str(), health["database"].as_str()), (Some("ok"), Some("sqlite")));
    let doc = app.ok("/api/v1/openapi.json").await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    for path in [
        "/health",
        "/api/v1/territories",
        "/api/v1/territories/{kind}/{code}",
        "/api/v1/territories/{kind}/{code}/children",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    app.db.cleanup().await;
}

#[tokio::test]
async fn snapshot_follows_imports() {
    let app = TestApp::sqlite().await.shipped().start().await;
    assert!(!app.state.refresh().await.expect("refresh"), "nothing changed yet");
    let mut next = shipped().all().to_vec();
    if let Some(t) = next.iter_mut().find(|t| t.kind == TerritoryKind::Commune && t.code == "42218") {
        t.name = "Saint-Étienne-Nouvelle".into();
    }
    let next = Referential::new("COG 2027", next).expect("consistent");
    // The search's answer, kept once given (issue 16), is given again as it was...
    let search = "/api/v1/territories?q=saint%20etienne&limit=3";
    let before = app.ok(search).await;
    assert_eq!(before["items"][0]["name"], "Saint-Étienne");
    assert_eq!(app.ok(search).await, before, "the same answer the second time");
    app.db.store.replace_referential(&next, "test").await.expect("import");
    assert!(app.state.refresh().await.expect("refresh"));
    let se = app.ok("/api/v1/territories/commune/42218").await;
    assert_eq!((se["name"].as_str(), se["vintage"].as_str()), (Some("Saint-Étienne-Nouvelle"), Some("COG 2027")));
    // ... until the referential changes.
    let after = app.ok(search).await;
    let names: Vec<&str> =
        after["items"].as_array().expect("items").iter().filter_map(|i| i["name"].as_str()).collect();
    assert!(names.contains(&"Saint-Étienne-Nouvelle") && !names.contains(&"Saint-Étienne"), "{after}");
    app.db.cleanup().await;
}

#[tokio::test]
async fn serves_from_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    let app = app.shipped().start().await;
    let health = app.ok("/health").await;
    assert_eq!(health["database"], "postgres");
    let page = app.ok("/api/v1/territories?q=st%20etienne").await;
    assert_eq!(page["items"][0]["code"], "42218");
    let se = app.ok("/api/v1/territories/commune/42218").await;
    assert_eq!(se["parents"][0]["code"], "244200770");
    app.db.cleanup().await;
}
