//! The OpenAPI document says what the server does (issue 15, point 8): parameters where
//! they are sent, every answer documented as a problem document, and the answers of
//! the layers around the handlers (a body over the limit, a wrong method) are problem
//! documents too.

use crate::support::TestApp;
use cohesion_core::access::Role;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[tokio::test]
async fn the_document_says_what_the_server_does() {
    let doc = serde_json::to_value(cohesion_web::api::openapi()).expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            operations += 1;
            let at = format!("{} {path}", method.to_uppercase());
            let params: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().collect();
            for var in path.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(v, _)| v) {
                assert!(params.iter().any(|p| p["name"] == var && p["in"] == "path"), "{at}: {{{var}}} declared");
            }
            for p in &params {
                let name = p["name"].as_str().unwrap_or_default();
                let in_template = path.contains(&format!("{{{name}}}"));
                if p["in"] == "path" {
                    assert!(in_template, "{at}: {name} declared in: path but not in the path");
                } else {
                    assert!(p["in"] == "query" || p["in"] == "header", "{at}: {name} in {}", p["in"]);
                }
                if name == "limit" {
                    assert!(p["schema"]["minimum"].as_u64().is_some_and(|m| m >= 1), "{at}: limit starts at 1");
                }
            }
            let answers = op["responses"].as_object().expect("responses");
            for status in ["400", "500"] {
                let content = &answers.get(status).unwrap_or(&Value::Null)["content"];
                assert!(content["application/problem+json"].is_object(), "{at}: {status} is a problem document");
            }
            if path.contains('{') {
                assert!(answers.contains_key("404"), "{at}: 404 documented");
            }
            if op.get("requestBody").is_some() {
                assert!(answers.contains_key("413"), "{at}: 413 documented");
            }
            if answers.contains_key("401") || answers.contains_key("403") {
                assert!(
                    answers.contains_key("401") && answers.contains_key("403") && op["security"].is_array(),
                    "{at}: identity declared"
                );
            }
        }
    }
    assert!(operations > 60, "{operations} operations");
    // Every reference resolves.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|x| refs(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").expect("a schema reference");
        assert!(doc["components"]["schemas"][name].is_object(), "{r} does not resolve");
    }
    let export = &doc["paths"]["/api/v1/exports/projects.json"]["get"]["responses"]["200"]["content"];
    assert_eq!(export["application/json"]["schema"]["type"], "array", "the export is an array");
    let kind = &doc["paths"]["/api/v1/territories"]["get"]["parameters"];
    let kind = kind.as_array().into_iter().flatten().find(|p| p["name"] == "kind").expect("kind");
    assert!(kind["schema"]["enum"].is_array() || kind["schema"]["$ref"].is_string(), "kind is an enum: {kind}");
}

#[tokio::test]
async fn the_layers_answer_problem_documents_too() {
    let app = TestApp::sqlite().await.start().await;
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    // A body over the limit (axum's default, 2 MB).
    let big = format!("{{\"name\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let res = app
        .client
        .post(app.url("/api/v1/projects"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: Value = res.json().await.expect("json");
    assert_eq!(problem["code"], "too_large");
    // A method the route does not have.
    let res = app.client.put(app.url("/api/v1/territories")).send().await.expect("answer");
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert!(res.headers().contains_key("allow"));
    // A raw body over the limit of a file upload.
    let res = app
        .client
        .post(app.url("/api/v1/programmes/pvd/imports/preview"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(vec![b'a'; 3 * 1024 * 1024])
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    app.db.cleanup().await;
}
