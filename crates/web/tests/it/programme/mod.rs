//! HTTP tests of the programme API, its pages and the territory overview: the real
//! app on a random port, a temporary database holding the shipped referential and
//! programmes. The programme forms are in [`form`].

mod form;

use cohesion_core::programme::compact as programmes;
use cohesion_store::testing::{TestDb, postgres_or_skip};
use serde_json::Value;

use crate::support::TestApp;

/// The app over `db` with the shipped referential and programmes.
async fn app_with_programmes(db: TestDb) -> TestApp {
    let mut app = TestApp::builder(db).shipped();
    let data = programmes::shipped().expect("valid programmes");
    assert!(app.store().await.seed_programmes(&data, "test").await.expect("programmes"));
    app.start().await
}

/// Reading the programme API's answers, and sending it CSV.
trait Api {
    async fn get(&self, path: &str) -> (u16, String, String);
    async fn ok(&self, path: &str) -> Value;
    async fn send(&self, method: reqwest::Method, path: &str, body: &str) -> (u16, Value);
}

impl Api for TestApp {
    async fn get(&self, path: &str) -> (u16, String, String) {
        let res = self.client.get(format!("http://{}{path}", self.addr)).send().await.expect("request");
        let status = res.status().as_u16();
        let ctype = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        (status, ctype, res.text().await.unwrap_or_default())
    }

    async fn ok(&self, path: &str) -> Value {
        let (status, _, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).expect("json")
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: &str) -> (u16, Value) {
        let res = self
            .client
            .request(method, format!("http://{}{path}", self.addr))
            .header("content-type", "text/csv")
            .body(body.to_owned())
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

fn find<'a>(list: &'a Value, code: &str) -> &'a Value {
    list.as_array().expect("array").iter().find(|p| p["code"] == code).unwrap_or(&Value::Null)
}

async fn overview_story(app: &TestApp) {
    // Régny: a Petite ville de demain, in an EPCI of a Territoire d'industrie, no
    // France services place of its own.
    let o = app.ok("/api/v1/territories/commune/42181/overview").await;
    assert_eq!(o["territory"]["name"], "Régny");
    let pvd = find(&o["programmes"], "pvd");
    assert_eq!((pvd["status"].as_str(), pvd["via"].as_str()), (Some("active"), None));
    assert!(pvd["signed_on"].is_string(), "{pvd}");
    let ti = find(&o["programmes"], "ti");
    assert_eq!(ti["via"], "epci:244200630", "a Territoire d'industrie reaches its EPCI's communes");
    assert_eq!(o["france_services"]["scope"], "nearest");
    let near = o["france_services"]["places"].as_array().expect("places");
    assert_eq!(near.len(), 3);
    assert!(near[0]["distance_km"].as_f64().is_some_and(|d| d < 40.0), "{}", near[0]);
    assert!(o.get("aggregates").is_none(), "aggregates are for départements and régions");
    assert_eq!(o["indicators"]["territory"], "commune:42181", "the indicators section");
    assert!(o["indicators"]["items"].is_array());
    assert!(o["projects"]["totals"].is_object(), "the projects section");

    // Boën-sur-Lignon hosts a place.
    let o = app.ok("/api/v1/territories/commune/42019/overview").await;
    assert_eq!(o["france_services"]["scope"], "in");
    assert!(o["france_services"]["places"][0]["address"].is_string());

    let dep = app.ok("/api/v1/territories/departement/42/overview").await;
    let agg = find(&dep["aggregates"], "pvd");
    assert!(agg["communes"].as_u64().is_some_and(|n| n > 10), "{agg}");
    assert!(agg["population_share"].as_f64().is_some_and(|p| p > 0.0 && p < 100.0));
    assert_eq!(dep["france_services"]["scope"], "in");
    let reg = app.ok("/api/v1/territories/region/84/overview").await;
    assert!(find(&reg["aggregates"], "ti")["members"].as_u64().is_some_and(|n| n > 10));
    let (status, _, _) = app.get("/api/v1/territories/commune/00000/overview").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn catalogue_members_and_overview() {
    let app = app_with_programmes(TestDb::sqlite().await.expect("db")).await;
    let list = app.ok("/api/v1/programmes").await;
    assert_eq!(list["total"], 16);
    let pvd = find(&list["items"], "pvd");
    assert_eq!(pvd["figures"]["members"], 1645);
    assert_eq!(find(&list["items"], "fs")["figures"]["places"], 2845);
    assert_eq!(find(&list["items"], "acv")["figures"]["territories"], 232);

    let detail = app.ok("/api/v1/programmes/pvd").await;
    assert_eq!(detail["name"], "Petites villes de demain");
    assert_eq!(detail["eligibility_rule"]["population_max"], 20000);
    let (status, ctype, _) = app.get("/api/v1/programmes/nope").await;
    assert_eq!((status, ctype.as_str()), (404, "application/problem+json"));

    let page = app.ok("/api/v1/programmes/pvd/members?limit=10&offset=5").await;
    assert_eq!((page["total"].as_u64(), page["items"].as_array().map(Vec::len)), (Some(1645), Some(10)));
    let loire = app.ok("/api/v1/programmes/pvd/members?departement=42&limit=500").await;
    let n = loire["total"].as_u64().expect("total");
    assert!(n > 10 && n < 100, "{n}");
    assert!(loire["items"].as_array().expect("items").iter().all(|m| m["departement"] == "42"));
    let ti42 = app.ok("/api/v1/programmes/ti/members?departement=42").await;
    assert!(ti42["items"][0]["territory"]["kind"] == "epci");
    let (status, _, body) = app.get("/api/v1/programmes/pvd/members?status=maybe").await;
    assert_eq!(status, 400, "{body}");
    let (status, _, _) = app.get("/api/v1/programmes/pvd/members?limit=0").await;
    assert_eq!(status, 400);

    overview_story(&app).await;
    app.db.cleanup().await;
}

#[tokio::test]
async fn dashboards_overlap_eligibility_exports() {
    let app = app_with_programmes(TestDb::sqlite().await.expect("db")).await;
    let d = app.ok("/api/v1/programmes/pvd/dashboard").await;
    assert_eq!(d["figures"]["communes"], 1645);
    let by_dep: u64 = d["by_departement"].as_array().expect("deps").iter().filter_map(|s| s["communes"].as_u64()).sum();
    assert_eq!(by_dep, 1645, "every PVD commune counted in one département");
    let by_density: u64 =
        d["by_density"].as_array().expect("density").iter().filter_map(|s| s["communes"].as_u64()).sum();
    assert!(by_density > 1600, "{by_density}");
    let fs = find(&d["overlap"], "fs")["communes"].as_u64().expect("overlap with fs");
    assert!(fs > 300 && fs < 1645, "{fs} PVD communes host a France services place");

    let o = app.ok("/api/v1/programmes/overlap").await;
    let codes: Vec<&str> = o["codes"].as_array().expect("codes").iter().filter_map(Value::as_str).collect();
    let (p, f) =
        (codes.iter().position(|c| *c == "pvd").expect("pvd"), codes.iter().position(|c| *c == "fs").expect("fs"));
    assert_eq!(o["communes"][p][f], o["communes"][f][p]);
    assert_eq!(o["communes"][p][f].as_u64(), Some(fs));

    let e = app.ok("/api/v1/programmes/pvd/eligibility?limit=5").await;
    let eligible = e["eligible"].as_u64().expect("eligible");
    assert!(eligible > 5_000, "{eligible}");
    assert_eq!(e["eligible_not_member"]["items"].as_array().map(Vec::len), Some(5));
    assert!(e["member_not_eligible"]["total"].as_u64().is_some());
    let (status, _, _) = app.get("/api/v1/programmes/ti/eligibility").await;
    assert_eq!(status, 404, "no rule declared for ti");

    let (status, ctype, csv) = app.get("/api/v1/programmes/pvd/members.csv").await;
    assert_eq!((status, ctype.as_str()), (200, "text/csv; charset=utf-8"));
    assert_eq!(csv.lines().count(), 1646);
    assert!(csv.starts_with("programme,territory_kind,territory_code,territory_name,departement,region,population"));
    let (_, ctype, geo) = app.get("/api/v1/programmes/fs/members.geojson").await;
    assert_eq!(ctype, "application/geo+json");
    let geo: Value = serde_json::from_str(&geo).expect("geojson");
    assert_eq!(geo["features"].as_array().map(Vec::len), Some(2845));
    let ti: Value = serde_json::from_str(&app.get("/api/v1/programmes/ti/members.geojson?departement=42").await.2)
        .expect("geojson");
    let first = &ti["features"][0];
    assert_eq!(
        (first["geometry"]["type"].as_str(), first["properties"]["point_source"].as_str()),
        (Some("Point"), Some("centroid"))
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn changes_need_credentials() {
    let app = app_with_programmes(TestDb::sqlite().await.expect("db")).await;
    use reqwest::Method;
    for (method, path) in [
        (Method::POST, "/api/v1/programmes/pvd/imports/preview"),
        (Method::POST, "/api/v1/programmes/pvd/imports/apply?base_revision=1"),
        (Method::PUT, "/api/v1/programmes/pvd/eligibility"),
        (Method::POST, "/api/v1/programmes/pvd/actions"),
        (Method::POST, "/api/v1/programmes"),
    ] {
        let (status, body) = app.send(method.clone(), path, "code\n42218\n").await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        assert_eq!(body["code"], "unauthenticated");
    }
    let doc = app.ok("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/programmes",
        "/api/v1/programmes/{code}",
        "/api/v1/programmes/{code}/members",
        "/api/v1/programmes/{code}/eligibility",
        "/api/v1/programmes/overlap",
        "/api/v1/programmes/{code}/dashboard",
        "/api/v1/programmes/{code}/members.csv",
        "/api/v1/programmes/{code}/members.geojson",
        "/api/v1/programmes/{code}/imports/preview",
        "/api/v1/programmes/{code}/imports/apply",
        "/api/v1/territories/{kind}/{code}/overview",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn programmes_from_postgres() {
    let Some(db) = postgres_or_skip().await else { return };
    let app = app_with_programmes(db).await;
    overview_story(&app).await;
    let list = app.ok("/api/v1/programmes").await;
    assert_eq!(find(&list["items"], "ti")["figures"]["members"], 638);
    app.db.cleanup().await;
}

#[tokio::test]
async fn pages_show_the_catalogue_dashboards_and_the_territory_section() {
    let app = app_with_programmes(TestDb::sqlite().await.expect("db")).await;
    let (status, ctype, catalogue) = app.get("/programmes").await;
    assert_eq!((status, ctype.as_str()), (200, "text/html; charset=utf-8"));
    assert!(catalogue.contains("href=\"/programmes/pvd\">Petites villes de demain</a>"));
    assert!(catalogue.contains("1\u{202f}645"), "PVD members, French grouping");

    let (status, _, pvd) = app.get("/programmes/pvd?page=3").await;
    assert_eq!(status, 200);
    assert!(pvd.contains("<h1>Petites villes de demain</h1>"));
    assert!(pvd.contains("class=\"cohesion-choro-5\""), "the choropleth has a darkest class");
    assert!(pvd.contains("Recoupements avec les autres programmes"));
    assert!(pvd.contains("href=\"/api/v1/programmes/pvd/members.csv\""));
    assert!(pvd.contains("aria-current=\"page\">3</a>"), "paginated members table");
    assert!(pvd.contains("Éligibilité"));
    let (status, _, _) = app.get("/programmes/inconnu").await;
    assert_eq!(status, 404);

    let (_, _, regny) = app.get("/territoires/commune/42181").await;
    assert!(regny.contains("href=\"/programmes/pvd\">Petites villes de demain</a>"));
    assert!(regny.contains("par <a href=\"/territoires/epci/244200630\">"), "TI through the EPCI");
    assert!(regny.contains("Aucun lieu France services dans ce territoire"));
    assert!(regny.contains(" km"), "nearest places with their distance");
    let (_, _, loire) = app.get("/territoires/departement/42").await;
    assert!(loire.contains("Communes et habitants de Loire couverts par chaque programme"));
    assert!(loire.contains("lieux France services dans ce territoire"), "a real plural");
    app.db.cleanup().await;
}

/// An evaluation of a programme freezes its members (and their adoption years) into
/// the stored request; an unknown programme is a field error.
#[tokio::test]
async fn an_evaluation_of_a_programme_freezes_its_members() {
    use cohesion_core::access::Role;
    use cohesion_core::access::person::Email;
    use cohesion_store::access::{NewApiToken, NewPerson};
    use cohesion_store::audit::By;
    use cohesion_web::auth::secret;

    let app = app_with_programmes(TestDb::sqlite().await.expect("db")).await;
    let store = &app.db.store;
    let by = By::new("test", None);
    let new = NewPerson {
        email: Email::parse("analyste@example.fr").expect("email"),
        given_name: "A".into(),
        usual_name: "B".into(),
    };
    let roles = vec![Role::ProgrammeManager { programme: "pvd".into() }];
    let person = store.create_person(&new, &roles, &by).await.expect("person");
    let token = secret::generate().expect("random");
    let t =
        NewApiToken { person: person.id, name: "t".into(), token_hash: secret::hash(&token), roles, expires_at: None };
    store.create_api_token(&t, &by).await.expect("token");

    let post = |body: Value| {
        app.client.post(format!("http://{}/api/v1/evaluations", app.addr)).bearer_auth(&token).json(&body).send()
    };
    let body = serde_json::json!({"treated": {"type": "programme", "code": "pvd"}, "indicator": "population",
                                  "method": "cs", "from": 2015, "to": 2024});
    let res = post(body).await.expect("request");
    assert_eq!(res.status().as_u16(), 202);
    let job: Value = res.json().await.expect("json");
    let treated = &job["request"]["treated"];
    assert_eq!((treated["type"].as_str(), treated["code"].as_str()), (Some("programme"), Some("pvd")));
    let n = treated["territories"].as_array().map_or(0, Vec::len);
    let without = treated["without_date"].as_u64().unwrap_or(0) as usize;
    assert!(n > 1_500 && n + without >= 1_600, "PVD members frozen: {n} with a year, {without} without");
    assert!(treated["territories"][0]["adoption_year"].as_i64().is_some_and(|y| (2018..=2026).contains(&y)));
    assert!(treated.get("undated_year").is_none(), "not declared, not stored");

    // Action Cœur de ville's list gives no date: refused, saying what to do, unless the
    // requester declares the year to take for the undated members.
    let acv = |treated: Value| serde_json::json!({"treated": treated, "indicator": "population", "method": "cs", "from": 2015, "to": 2024});
    let res = post(acv(serde_json::json!({"type": "programme", "code": "acv"}))).await.expect("request");
    assert_eq!(res.status().as_u16(), 400);
    let problem: Value = res.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "treated.territories", "{problem}");
    let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Indiquez l’année d’adoption"), "{message}");
    let res = post(acv(serde_json::json!({"type": "programme", "code": "acv", "undated_year": 1800})))
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 400);
    let problem: Value = res.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "treated.undated_year", "{problem}");
    let res = post(acv(serde_json::json!({"type": "programme", "code": "acv", "undated_year": 2018})))
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 202);
    let job: Value = res.json().await.expect("json");
    let treated = &job["request"]["treated"];
    let years: Vec<i64> = treated["territories"]
        .as_array()
        .expect("territories")
        .iter()
        .filter_map(|t| t["adoption_year"].as_i64())
        .collect();
    assert!(years.len() > 200 && years.iter().all(|y| *y == 2018), "{} ACV communes at 2018", years.len());
    assert_eq!(treated["undated_year"], 2018);
    assert!(treated["without_date"].as_u64().is_some_and(|n| n as usize >= years.len()));

    let body = serde_json::json!({"treated": {"type": "programme", "code": "nope"}, "indicator": "population",
                                  "method": "cs", "from": 2015, "to": 2024});
    let res = post(body).await.expect("request");
    assert_eq!(res.status().as_u16(), 400);
    let problem: Value = res.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "treated.code");
    app.db.cleanup().await;
}

/// Every programme's own export imports back unchanged, and a list without a column
/// keeps that column's values (issue 17: a PVD list without dates once erased every
/// signature date). An empty cell in a present column erases, and the preview says
/// how many, per field.
async fn export_then_import_changes_nothing(app: &TestApp) {
    let admin = app.token("admin-export@anct.gouv.fr", vec![cohesion_core::access::Role::Admin]).await;
    let preview = |code: String, csv: String| {
        let admin = admin.clone();
        async move {
            let r = reqwest::Client::new()
                .post(app.url(&format!("/api/v1/programmes/{code}/imports/preview")))
                .bearer_auth(&admin)
                .header("content-type", "text/csv")
                .body(csv)
                .send()
                .await
                .expect("answer");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let catalogue = app.ok("/api/v1/programmes").await;
    let codes: Vec<String> = catalogue["items"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["code"].as_str().map(str::to_owned))
        .collect();
    assert!(codes.len() >= 4, "{codes:?}");
    for code in &codes {
        let (status, _, csv) = app.get(&format!("/api/v1/programmes/{code}/members.csv")).await;
        assert_eq!(status, 200, "{code}");
        let (status, d) = preview(code.clone(), csv.clone()).await;
        assert_eq!(status, 200, "{code}: {d}");
        let moved = ["added", "removed", "changed", "erased"].map(|k| d[k].as_array().map_or(usize::MAX, Vec::len));
        assert_eq!(moved, [0, 0, 0, 0], "{code}: the export reads back as the identity");
        assert_eq!(d["unchanged"].as_u64(), Some(csv.lines().count() as u64 - 1), "{code}");
    }

    // PVD's codes only: nothing changes, dates included.
    let (_, _, csv) = app.get("/api/v1/programmes/pvd/members.csv").await;
    let rows = cohesion_core::programme::csv::parse(&csv).expect("csv");
    let list = |header: &str, extra: &str| -> String {
        std::iter::once(header.to_owned())
            .chain(rows.iter().skip(1).map(|r| format!("{},{},{}{extra}", r.cells[1], r.cells[2], r.cells[7])))
            .map(|l| l + "\n")
            .collect()
    };
    let (status, d) = preview("pvd".into(), list("territory_kind,territory_code,group_id", "")).await;
    assert_eq!(status, 200, "{d}");
    let moved = ["added", "removed", "changed", "erased"].map(|k| d[k].as_array().map_or(usize::MAX, Vec::len));
    assert_eq!(moved, [0, 0, 0, 0], "no column, no change");

    // An empty signature column erases, counted.
    let signed = rows.iter().skip(1).filter(|r| !r.cells[10].is_empty()).count();
    assert!(signed > 1_000, "PVD members have signature dates: {signed}");
    let (_, d) = preview("pvd".into(), list("territory_kind,territory_code,group_id,signed_on", ",")).await;
    assert_eq!(d["erased"][0]["field"], "signed_on", "{}", d["erased"]);
    assert_eq!(d["erased"][0]["count"].as_u64(), Some(signed as u64));
}

/// Issue 17, point 5: members searched, filtered and sorted in the API; programme
/// codes read whatever their case.
#[tokio::test]
async fn members_are_searched_filtered_and_sorted() {
    let app = app_with_programmes(TestDb::sqlite().await.expect("db")).await;
    let all = app.ok("/api/v1/programmes/pvd/members?limit=1").await;
    let loire = app.ok("/api/v1/programmes/pvd/members?departement=42&sort=code&order=desc&limit=500").await;
    let codes: Vec<&str> =
        loire["items"].as_array().expect("items").iter().filter_map(|m| m["territory"]["code"].as_str()).collect();
    assert!(codes.len() > 5 && codes.windows(2).all(|w| w[0] >= w[1]), "{codes:?}");
    assert!(loire["total"].as_u64() < all["total"].as_u64());
    let first = loire["items"][0]["territory"]["name"].as_str().expect("name").to_owned();
    let found = app.ok(&format!("/api/v1/programmes/pvd/members?q={}", first.replace(' ', "%20"))).await;
    let names = found["items"].as_array().expect("items");
    assert!(names.iter().any(|m| m["territory"]["name"] == first.as_str()), "{found}");
    let by_code = app.ok(&format!("/api/v1/programmes/pvd/members?q={}", codes[0])).await;
    assert_eq!(by_code["items"][0]["territory"]["code"], codes[0]);
    let (status, _, body) = app.get("/api/v1/programmes/pvd/members?sort=taille&order=haut").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"sort\"") && body.contains("\"order\""), "{body}");
    for code in ["PVD", "%20Pvd%20"] {
        let (status, _, _) = app.get(&format!("/api/v1/programmes/{code}")).await;
        assert_eq!(status, 200, "{code}");
    }
    let (status, _, _) = app.get("/programmes/PVD").await;
    assert_eq!(status, 200);
    app.db.cleanup().await;
}

#[tokio::test]
async fn a_programme_export_imports_back_unchanged() {
    let app = app_with_programmes(TestDb::sqlite().await.expect("db")).await;
    export_then_import_changes_nothing(&app).await;
    app.db.cleanup().await;
}
