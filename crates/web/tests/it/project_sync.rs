//! Syncing projects from another national tool (issue 19, point 2): the upsert by
//! external identifier (`PUT /api/v1/projects/by-external-id/{tool}/{id}`), its
//! `If-Match`, the look-up (`?external_id=tool:id`, `GET …/by-external-id/…`), the id
//! of an existing project in a 409 (unknown query parameters: `unknown_parameters`).

use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::engineering::{Cast, call};

fn body(name: &str, commune: &str) -> Value {
    json!({"name": name, "territories": [{"kind": "commune", "code": commune}],
           "phase": "study", "phase_status": "in_progress", "total_cost_cents": 10_000_000})
}

/// A PUT with an optional If-Match: status, ETag, Location and body.
async fn put(
    app: &TestApp,
    token: &str,
    path: &str,
    if_match: Option<&str>,
    body: &Value,
) -> (u16, Option<String>, Option<String>, Value) {
    let mut req = app.client.put(app.url(path)).bearer_auth(token).json(body);
    if let Some(v) = if_match {
        req = req.header("if-match", v);
    }
    let res = req.send().await.expect("put");
    let header = |n: &str| res.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, etag, location) = (res.status().as_u16(), header("etag"), header("location"));
    let content_type = header("content-type").unwrap_or_default();
    let value: Value = res.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        assert_eq!(content_type, "application/problem+json", "{value}");
    }
    (status, etag, location, value)
}

async fn sync_story(app: &TestApp) {
    let cast = Cast::new(app).await;
    let path = "/api/v1/projects/by-external-id/recoco/R-42";

    // Created the first time, with its address and version.
    let (status, etag, location, created) = put(app, &cast.local, path, None, &body("Halle", "42218")).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(etag.as_deref(), Some("\"1\""));
    assert_eq!(location, Some(format!("/api/v1/projects/{id}")));
    assert_eq!(created["external_ids"], json!([{"tool": "recoco", "id": "R-42"}]));

    // The same call again: nothing written, the same id and version.
    let (status, etag, _, again) = put(app, &cast.local, path, None, &body("Halle", "42218")).await;
    assert_eq!((status, etag.as_deref()), (200, Some("\"1\"")), "{again}");
    assert_eq!(again, created);
    // …also when the body repeats the key itself.
    let mut with_key = body("Halle", "42218");
    with_key["external_ids"] = json!([{"tool": "recoco", "id": "R-42"}]);
    let (status, _, _, again) = put(app, &cast.local, path, Some("\"1\""), &with_key).await;
    assert_eq!((status, again["version"].as_i64()), (200, Some(1)), "{again}");

    // Changed after: version 2; If-Match naming an old version is refused (412), and
    // nothing is written; `*` asks only that it exists.
    let (status, etag, _, changed) = put(app, &cast.local, path, Some("\"1\""), &body("Halle couverte", "42218")).await;
    assert_eq!((status, etag.as_deref()), (200, Some("\"2\"")), "{changed}");
    assert_eq!(changed["id"], id.as_str());
    let (status, _, _, stale) = put(app, &cast.local, path, Some("\"1\""), &body("Autre", "42218")).await;
    assert_eq!((status, stale["code"].as_str()), (412, Some("precondition_failed")), "{stale}");
    let (status, _, _, starred) = put(app, &cast.local, path, Some("*"), &body("Halle couverte", "42218")).await;
    assert_eq!((status, starred["version"].as_i64()), (200, Some(2)), "{starred}");
    let fresh = "/api/v1/projects/by-external-id/recoco/R-43";
    let (status, _, _, none) = put(app, &cast.local, fresh, Some("*"), &body("Neuf", "42218")).await;
    assert_eq!((status, none["code"].as_str()), (412, Some("precondition_failed")), "{none}");
    let (status, _, _, none) = put(app, &cast.local, fresh, Some("\"1\""), &body("Neuf", "42218")).await;
    assert_eq!(status, 412, "{none}");
    let (status, _, _, bad) = put(app, &cast.local, path, Some("soon"), &body("Neuf", "42218")).await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("invalid_if_match")), "{bad}");
    let (_, now) = call(app, "GET", &format!("/api/v1/projects/{id}"), "", None).await;
    assert_eq!((now["name"].as_str(), now["version"].as_i64()), (Some("Halle couverte"), Some(2)), "{now}");

    // The body may not give the tool another identifier; faults say where.
    let mut other = body("Halle", "42218");
    other["external_ids"] = json!([{"tool": "recoco", "id": "R-99"}]);
    let (status, _, _, refused) = put(app, &cast.local, path, None, &other).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "external_ids[0].id", "{refused}");
    let (status, _, _, refused) =
        put(app, &cast.local, "/api/v1/projects/by-external-id/Re%20Coco/1", None, &body("Halle", "42218")).await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (400, Some("tool")), "{refused}");

    // Authorised on the state before and after: the local authority of Saint-Étienne
    // cannot move the project to a commune of the Ain, nor create one there.
    let (status, _, _, _) = put(app, &cast.local, path, None, &body("Halle couverte", "01001")).await;
    assert_eq!(status, 403);
    let (status, _, _, _) =
        put(app, &cast.local, "/api/v1/projects/by-external-id/recoco/R-44", None, &body("Ailleurs", "01001")).await;
    assert_eq!(status, 403);
    let (status, _, _, _) = put(app, "", path, None, &body("Halle couverte", "42218")).await;
    assert_eq!(status, 401);
    // The phase goes forward only, through an upsert as through a patch.
    let mut back = body("Halle couverte", "42218");
    back["phase"] = json!("idea");
    let (status, _, _, refused) = put(app, &cast.local, path, None, &back).await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (400, Some("phase")), "{refused}");

    // Found by its identifier: the list's filter, and the one project with its ETag.
    let (status, found) = call(app, "GET", "/api/v1/projects?external_id=recoco:R-42", "", None).await;
    assert_eq!(status, 200);
    assert_eq!((found["total"].as_u64(), found["items"][0]["id"].as_str()), (Some(1), Some(id.as_str())), "{found}");
    let (_, none) = call(app, "GET", "/api/v1/projects?external_id=recoco:R-404", "", None).await;
    assert_eq!(none["total"], 0, "{none}");
    let (status, bad) = call(app, "GET", "/api/v1/projects?external_id=R-42", "", None).await;
    assert_eq!((status, bad["errors"][0]["field"].as_str()), (400, Some("external_id")), "{bad}");
    let (_, json) = call(app, "GET", "/api/v1/exports/projects.json?external_id=recoco:R-42", "", None).await;
    assert_eq!(json.as_array().map(Vec::len), Some(1), "{json}");
    let res = app.client.get(app.url("/api/v1/projects/by-external-id/recoco/R-42")).send().await.expect("get");
    assert_eq!(res.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"2\""));
    let (status, _) = call(app, "GET", "/api/v1/projects/by-external-id/recoco/R-404", "", None).await;
    assert_eq!(status, 404);

    // A re-post of a project another already holds the identifier of: 409, its id in
    // `existing_id`.
    let mut repost = body("Halle", "42218");
    repost["external_ids"] = json!([{"tool": "recoco", "id": "R-42"}]);
    let (status, problem) = call(app, "POST", "/api/v1/projects", &cast.local, Some(repost)).await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("already_exists")), "{problem}");
    assert_eq!(problem["existing_id"], id.as_str(), "{problem}");

    // The export says when each project last changed.
    let csv = app.client.get(app.url("/api/v1/exports/projects.csv")).send().await.expect("csv");
    let csv = csv.text().await.expect("text");
    assert!(csv.lines().next().is_some_and(|h| h.ends_with(",identifiantsExternes,updatedAt")), "{csv}");
    assert!(csv.contains(now["updated_at"].as_str().expect("updated_at")), "{csv}");
}

storage_test!(upsert_by_external_id, |db: TestDb| async move {
    let app = TestApp::builder(db).start().await;
    sync_story(&app).await;
});
