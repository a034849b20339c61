//! Every API operation refuses the query parameters it does not declare (issue 19:
//! `?external_id=` was once silently ignored and answered every project), checked on
//! every operation of the OpenAPI document.

use serde_json::Value;

use crate::support::TestApp;
use crate::support::engineering::call;

/// Every query parameter an operation does not declare is refused, on every API
/// operation of the document, as a problem naming it.
#[tokio::test]
async fn unknown_query_parameters_are_refused_everywhere() {
    let app = TestApp::sqlite().await.start().await;
    let doc = serde_json::to_value(cohesion_web::api::openapi()).expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if !item[method].is_object() {
                continue;
            }
            // Path parameters filled with any value: the route is matched before the check.
            let concrete: String =
                path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
            let url = app.url(&format!("{concrete}?limit=5&no_such_parameter=1"));
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let res = app.client.request(m, url).send().await.expect("send");
            let status = res.status().as_u16();
            let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let problem: Value = res.json().await.unwrap_or(Value::Null);
            assert_eq!(status, 400, "{method} {path}: {problem}");
            assert_eq!(ct, "application/problem+json", "{method} {path}");
            assert_eq!(problem["code"], "unknown_parameter", "{method} {path}: {problem}");
            let fields: Vec<&str> =
                problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
            assert!(fields.contains(&"no_such_parameter"), "{method} {path}: {problem}");
            let declares_limit = item[method]["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "limit" && p["in"] == "query"));
            assert_eq!(fields.contains(&"limit"), !declares_limit, "{method} {path}: {problem}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} operations");
    // What is declared still passes; misspellings of the project filters do not.
    let (status, _) = call(&app, "GET", "/api/v1/projects?q=ecole&limit=5", "", None).await;
    assert_eq!(status, 200);
    for bad in ["externalId=recoco:1", "territoire=commune:42218", "page=2"] {
        let (status, problem) = call(&app, "GET", &format!("/api/v1/projects?{bad}"), "", None).await;
        assert_eq!((status, problem["code"].as_str()), (400, Some("unknown_parameter")), "{bad}: {problem}");
        let (status, _) = call(&app, "GET", &format!("/api/v1/exports/projects.json?{bad}"), "", None).await;
        assert_eq!(status, 400, "{bad}");
    }
}
