//! The engineering offer over HTTP, on both databases: a local authority asks (its
//! territory and SIREN from its account, every fault of a bad request at once), the
//! delegate sees the suggestions and accepts, the conversations and documents are seen
//! only by who may (the internal ones never by the authority; documents as
//! attachments with their original name; a bad file named with its reason), a
//! recommendation is tracked, the public sees the public view only, and the
//! dashboard's JSON and CSV agree with the filters.

use cohesion_core::access::Role;
use cohesion_core::access::organisation::OrganisationKind;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::engineering::{Cast, call, organisation};

fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map_or_else(Vec::new, |e| e.iter().map(|x| x["field"].as_str().unwrap_or("").to_owned()).collect())
}

async fn story(app: &TestApp) {
    let Cast { admin, local, delegate } = Cast::new(app).await;
    let cerema = organisation(app, OrganisationKind::Partner, "Cerema", None, None).await;
    let partner = app.token("expert@example.fr", vec![Role::Partner { organisation: cerema }]).await;

    let (s, provider) = call(
        app,
        "POST",
        "/api/v1/engineering/providers",
        &admin,
        Some(json!({
        "name": "Cerema Centre-Est", "kind": "cerema", "organisation": cerema,
        "competences": ["housing", "mobility"], "departements": ["42", "69"], "capacity": 4})),
    )
    .await;
    assert_eq!(s, 201, "{provider}");
    let (s, _) = call(
        app,
        "POST",
        "/api/v1/engineering/providers",
        &delegate,
        Some(json!({
        "name": "X", "kind": "cerema", "competences": ["housing"], "capacity": 1})),
    )
    .await;
    assert_eq!(s, 403);

    // Every fault at once, by field; nothing written.
    let (s, bad) = call(
        app,
        "POST",
        "/api/v1/engineering/requests",
        &local,
        Some(json!({
        "project_title": "Halle", "needs": ["housing", "nope", "housing"], "urgency": "x",
        "desired_start": "2026-13-01"})),
    )
    .await;
    assert_eq!(s, 400, "{bad}");
    assert_eq!(fields(&bad), ["needs[1]", "needs[2]", "urgency", "desired_start"], "{bad}");

    let (s, created) = call(
        app,
        "POST",
        "/api/v1/engineering/requests",
        &local,
        Some(json!({
        "project_title": "Réhabiliter la halle du marché", "needs": ["housing", "mobility"],
        "context": "Fermée depuis 2019", "urgency": "high", "desired_start": "2027-01-15",
        "external_ids": [{"tool": "recoco", "id": "4321"}]})),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    let r = &created["request"];
    let id = r["id"].as_str().expect("id").to_owned();
    assert_eq!(
        (r["territory"]["code"].as_str(), r["siren"].as_str(), r["departement"].as_str()),
        (Some("42218"), Some("214202186"), Some("42"))
    );
    assert_eq!(
        call(app, "GET", &format!("/api/v1/engineering/requests/{id}"), "", None).await.0,
        404,
        "a request not yet accepted is not public"
    );

    let (s, sugg) = call(app, "GET", &format!("/api/v1/engineering/requests/{id}/suggestions"), &delegate, None).await;
    assert_eq!(s, 200, "{sugg}");
    assert_eq!(sugg[0]["provider"], provider["id"]);
    assert!(sugg[0]["reason"].as_str().expect("reason").contains("Habitat, Mobilité"), "{sugg}");
    assert_eq!(call(app, "GET", &format!("/api/v1/engineering/requests/{id}/suggestions"), &local, None).await.0, 403);

    let path = format!("/api/v1/engineering/requests/{id}/qualification");
    let (s, q) = call(app, "POST", &path, &local, Some(json!({"outcome": "decline", "reason": "non"}))).await;
    assert_eq!(s, 403, "{q}");
    let (s, q) =
        call(app, "POST", &path, &delegate, Some(json!({"outcome": "accept", "providers": [provider["id"]]}))).await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["request"]["status"], "accepted");
    assert_eq!(q["mission"]["status"], "proposed");
    let (s, again) = call(app, "POST", &path, &delegate, Some(json!({"outcome": "decline", "reason": "non"}))).await;
    assert_eq!(s, 400, "answered once: {again}");

    // The internal conversation: the delegate writes, the authority never reads it.
    let msgs = format!("/api/v1/engineering/requests/{id}/messages");
    assert_eq!(
        call(app, "POST", &msgs, &delegate, Some(json!({"thread": "internal", "body": "Entre nous"}))).await.0,
        201
    );
    assert_eq!(call(app, "POST", &msgs, &local, Some(json!({"thread": "internal", "body": "?"}))).await.0, 403);
    assert_eq!(call(app, "POST", &msgs, &local, Some(json!({"thread": "public", "body": "Merci"}))).await.0, 201);
    let (_, seen) = call(app, "GET", &format!("/api/v1/engineering/requests/{id}"), &local, None).await;
    assert!(seen.get("internal_messages").is_none_or(Value::is_null), "{seen}");
    assert_eq!(seen["public_messages"].as_array().map(Vec::len), Some(1));
    let (_, seen) = call(app, "GET", &format!("/api/v1/engineering/requests/{id}"), &delegate, None).await;
    assert_eq!(seen["internal_messages"].as_array().map(Vec::len), Some(1));

    // Documents: checked from their content, served as attachments, only to who may.
    let upload = |thread: &str, name: &str, token: &str, body: Vec<u8>| {
        let url = app.url(&format!("/api/v1/engineering/requests/{id}/documents?thread={thread}&name={name}"));
        let req = app.client.post(url).bearer_auth(token.to_owned()).body(body);
        async move {
            let res = req.send().await.expect("send");
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, bad) = upload("public", "rapport.pdf", &local, b"MZ\x90\x00 not a pdf".to_vec()).await;
    assert_eq!(s, 400, "{bad}");
    assert!(bad["errors"][0]["message"].as_str().expect("message").contains("rapport.pdf"), "{bad}");
    let (s, doc) = upload("internal", "%C3%A9tude%20interne.pdf", &delegate, b"%PDF-1.7\n...".to_vec()).await;
    assert_eq!(s, 201, "{doc}");
    let doc_id = doc["id"].as_str().expect("id");
    let get_doc = |token: &str| {
        let mut req = app.client.get(app.url(&format!("/api/v1/engineering/documents/{doc_id}")));
        if !token.is_empty() {
            req = req.bearer_auth(token.to_owned());
        }
        async move { req.send().await.expect("send") }
    };
    assert_eq!(get_doc(&local).await.status().as_u16(), 404, "the authority never sees internal documents");
    assert_eq!(get_doc("").await.status().as_u16(), 404);
    let res = get_doc(&delegate).await;
    assert_eq!(res.status().as_u16(), 200);
    let disposition = res.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("%C3%A9tude%20interne.pdf"),
        "{disposition}"
    );
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), b"%PDF-1.7\n...");

    // A recommendation, tracked by the authority with a comment.
    let (s, reco) = call(
        app,
        "POST",
        &format!("/api/v1/engineering/requests/{id}/recommendations"),
        &delegate,
        Some(json!({"title": "Réunir les commerçants"})),
    )
    .await;
    assert_eq!(s, 201, "{reco}");
    assert_eq!(
        call(
            app,
            "POST",
            &format!("/api/v1/engineering/requests/{id}/recommendations"),
            &partner,
            Some(json!({"title": "x"}))
        )
        .await
        .0,
        403,
        "a provider only asked is no advisor yet"
    );
    let status = format!("/api/v1/engineering/recommendations/{}/status", reco["id"].as_str().expect("id"));
    let (s, tracked) = call(app, "POST", &status, &local, Some(json!({"status": "in_progress", "comment": ""}))).await;
    assert_eq!((s, fields(&tracked)), (400, vec![String::new()]), "{tracked}");
    let (s, tracked) =
        call(app, "POST", &status, &local, Some(json!({"status": "in_progress", "comment": "Réunion le 3"}))).await;
    assert_eq!(s, 200, "{tracked}");
    assert_eq!(tracked["history"][0]["comment"], "Réunion le 3");

    // The public view: needs, status, provider, never the conversations.
    let (s, public) = call(app, "GET", &format!("/api/v1/engineering/requests/{id}"), "", None).await;
    assert_eq!((s, public["view"].as_str()), (200, Some("public")), "{public}");
    assert!(public.get("internal_messages").is_none() && public.get("public_messages").is_none());
    let (_, listed) = call(app, "GET", "/api/v1/engineering/requests", "", None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    // The dashboard: the same figures in JSON and CSV, filters applied.
    let (_, d) = call(app, "GET", "/api/v1/engineering/dashboard?departement=42", "", None).await;
    assert_eq!(d["requests"], 1, "{d}");
    assert_eq!(d["to_first_answer"]["count"], 1);
    assert_eq!(d["providers"].as_array().map(Vec::len), Some(0), "asked, not yet accepted: no mission taken");
    let (_, none) = call(app, "GET", "/api/v1/engineering/dashboard?departement=69", "", None).await;
    assert_eq!(none["requests"], 0);
    let (s, bad) = call(app, "GET", "/api/v1/engineering/dashboard?status=nope", "", None).await;
    assert_eq!((s, fields(&bad)), (400, vec!["status".to_owned()]));
    let csv = app.client.get(app.url("/api/v1/engineering/dashboard.csv?departement=42")).send().await.expect("csv");
    let csv = csv.text().await.expect("text");
    assert!(csv.contains("total,requests,Demandes,1\n"), "{csv}");
    assert!(csv.contains("status,accepted,Acceptée,1\n"), "{csv}");
    let export = app.client.get(app.url("/api/v1/engineering/requests.csv")).send().await.expect("export");
    let export = export.text().await.expect("text");
    assert_eq!(export.lines().count(), 2, "{export}");
    assert!(!export.contains("Entre nous"));

    // The dashboard is kept until the data change: a new request counts at once.
    let body = json!({"project_title": "Rénover l'école", "needs": ["study"]});
    assert_eq!(call(app, "POST", "/api/v1/engineering/requests", &local, Some(body)).await.0, 201);
    let (_, d) = call(app, "GET", "/api/v1/engineering/dashboard?departement=42", "", None).await;
    assert_eq!(d["requests"], 2, "{d}");
    let csv = app.client.get(app.url("/api/v1/engineering/dashboard.csv?departement=42")).send().await.expect("csv");
    assert!(csv.text().await.expect("text").contains("status,submitted,En attente de qualification,1\n"));

    // The directory of delegations, shipped in the binary.
    let (s, loire) = call(app, "GET", "/api/v1/engineering/delegations?departement=42", "", None).await;
    assert_eq!(s, 200);
    let loire = loire.as_array().expect("list");
    assert!(!loire.is_empty() && loire.iter().all(|d| d["departement"] == "42"), "{loire:?}");
}

storage_test!(engineering, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });

/// A call with `If-Match`, returning the status, the `ETag` and the body.
async fn call_if(app: &TestApp, path: &str, token: &str, etag: &str, body: Value) -> (u16, String, Value) {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("if-match", etag)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    let tag = res.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (status, tag, res.json().await.unwrap_or(Value::Null))
}

/// The mission's work through the API: a provider answers (only its people), the
/// mission's revision as ETag and a stale If-Match refused, milestones, spending over
/// the budget refused then approved by the delegate, closure, the authority's
/// satisfaction; then the territory's overview and pages show the public view only.
async fn mission_story(app: &TestApp) {
    let Cast { admin, local, delegate } = Cast::new(app).await;
    let firm = organisation(app, OrganisationKind::Partner, "Bureau", None, None).await;
    let other = organisation(app, OrganisationKind::Partner, "Autre", None, None).await;
    let advisor = app.token("conseil@example.fr", vec![Role::Partner { organisation: firm }]).await;
    let stranger = app.token("autre@example.fr", vec![Role::Partner { organisation: other }]).await;

    let (_, provider) = call(
        app,
        "POST",
        "/api/v1/engineering/providers",
        &admin,
        Some(json!({"name": "Bureau d'études", "kind": "private_firm", "organisation": firm,
                    "competences": ["town_centre"], "capacity": 2})),
    )
    .await;
    let pid = provider["id"].as_str().expect("id").to_owned();
    let (_, created) = call(
        app,
        "POST",
        "/api/v1/engineering/requests",
        &local,
        Some(json!({"project_title": "Halle du marché", "needs": ["town_centre"]})),
    )
    .await;
    let id = created["request"]["id"].as_str().expect("id").to_owned();
    let (s, q) = call(
        app,
        "POST",
        &format!("/api/v1/engineering/requests/{id}/qualification"),
        &delegate,
        Some(json!({"outcome": "accept", "providers": [pid]})),
    )
    .await;
    assert_eq!(s, 200, "{q}");
    let mission = q["mission"]["id"].as_str().expect("mission").to_owned();

    // The mission's ETag is its revision; a stale one is refused, nothing written.
    let res = app.client.get(app.url(&format!("/api/v1/engineering/missions/{mission}"))).bearer_auth(&delegate);
    let res = res.send().await.expect("send");
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(etag, format!("\"{}\"", q["mission"]["revision"]));
    let answer = format!("/api/v1/engineering/requests/{id}/answer");
    let (s, _, _) = call_if(app, &answer, &stranger, &etag, json!({"provider": pid, "accept": true})).await;
    assert_eq!(s, 403, "only the provider's own people answer");
    let (s, _, _) = call_if(app, &answer, &advisor, "\"999\"", json!({"provider": pid, "accept": true})).await;
    assert_eq!(s, 409);
    let (s, etag, a) = call_if(app, &answer, &advisor, &etag, json!({"provider": pid, "accept": true})).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["mission"]["status"], "in_progress");
    assert_eq!(etag, format!("\"{}\"", a["mission"]["revision"]));

    // Milestones: the advisor sets and reaches them; the authority cannot.
    let ms = format!("/api/v1/engineering/requests/{id}/milestones");
    assert_eq!(call(app, "POST", &ms, &local, Some(json!({"title": "x"}))).await.0, 403);
    let (s, bad) = call(app, "POST", &ms, &advisor, Some(json!({"title": " ", "due": "2026-02-30"}))).await;
    assert_eq!((s, fields(&bad)), (400, vec!["title".to_owned(), "due".to_owned()]), "{bad}");
    let (s, m) = call(app, "POST", &ms, &advisor, Some(json!({"title": "Atelier", "due": "2026-05-01"}))).await;
    assert_eq!(s, 200, "{m}");
    let mid = m["mission"]["milestones"][0]["id"].as_str().expect("milestone");
    let (s, m) = call(app, "POST", &format!("{ms}/{mid}/done"), &advisor, None).await;
    assert_eq!(s, 200, "{m}");
    assert!(m["mission"]["milestones"][0]["done_at"].is_string(), "{m}");
    assert_eq!(call(app, "POST", &format!("{ms}/nope/done"), &advisor, None).await.0, 404);

    // Spending: no budget for the year, so refused for the advisor, approved by the delegate.
    let spend = format!("/api/v1/engineering/requests/{id}/spending");
    let body = json!({"provider": pid, "days": "2,5", "cost_cents": 150_000, "on": "2026-03-02"});
    let (s, refused) = call(app, "POST", &spend, &advisor, Some(body.clone())).await;
    assert_eq!(s, 400, "{refused}");
    let mut approved = body.clone();
    approved["approve_over_budget"] = json!(true);
    assert_eq!(call(app, "POST", &spend, &advisor, Some(approved.clone())).await.0, 403, "advisors do not approve");
    let (s, spent) = call(app, "POST", &spend, &delegate, Some(approved)).await;
    assert_eq!(s, 200, "{spent}");
    assert_eq!(spent["mission"]["spending"][0]["centidays"], 250);

    // Closure, then the authority's satisfaction (only the authority's).
    let (s, closed) = call(
        app,
        "POST",
        &format!("/api/v1/engineering/requests/{id}/closure"),
        &advisor,
        Some(json!({"delivered": "Une étude de programmation", "phase_before": "idea", "phase_after": "study",
                    "fundings": [{"funder": "DETR", "amount_cents": 15_000_000}]})),
    )
    .await;
    assert_eq!(s, 200, "{closed}");
    assert_eq!(closed["request"]["status"], "closed");
    let rate = format!("/api/v1/engineering/requests/{id}/satisfaction");
    assert_eq!(call(app, "POST", &rate, &delegate, Some(json!({"score": 5}))).await.0, 403);
    let (s, bad) = call(app, "POST", &rate, &local, Some(json!({"score": 9}))).await;
    assert_eq!(s, 400, "{bad}");
    let (s, rated) = call(app, "POST", &rate, &local, Some(json!({"score": 5, "comment": "Merci"}))).await;
    assert_eq!(s, 200, "{rated}");
    assert_eq!(rated["mission"]["satisfaction"][0]["score"], 5);

    // The territory's overview (commune and its département): the public view and totals.
    for path in ["/api/v1/territories/commune/42218/overview", "/api/v1/territories/departement/42/overview"] {
        let (s, o) = call(app, "GET", path, "", None).await;
        assert_eq!(s, 200, "{o}");
        let e = &o["engineering"];
        assert_eq!((e["total"].as_u64(), e["closed"].as_u64(), e["centidays"].as_i64()), (Some(1), Some(1), Some(250)));
        assert_eq!(e["items"][0]["providers"][0], "Bureau d'études");
        assert_eq!(e["items"][0]["delivered"], "Une étude de programmation");
    }
    let (_, o) = call(app, "GET", "/api/v1/territories/departement/01/overview", "", None).await;
    assert_eq!(o["engineering"]["total"], 0);

    // The pages: the territory's section and the public view show no conversation.
    let msgs = format!("/api/v1/engineering/requests/{id}/messages");
    assert_eq!(call(app, "POST", &msgs, &delegate, Some(json!({"thread": "internal", "body": "Secret"}))).await.0, 201);
    let page = app.client.get(app.url("/territoires/commune/42218")).send().await.expect("page");
    let html = page.text().await.expect("html");
    let section = html.split("id=\"ingenierie\"").nth(1).expect("the engineering section");
    assert!(section.contains("Halle du marché") && section.contains("Clôturée"), "{section}");
    assert!(section.contains("1 demande accompagnée, dont 1 mission clôturée"), "{section}");
    assert!(!section.contains("Secret"), "never the internal conversation");
    let page = app.client.get(app.url(&format!("/ingenierie/demandes/{id}"))).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("Une étude de programmation") && !html.contains("Secret"), "public view only");
    let page = app.client.get(app.url("/ingenierie/tableau-de-bord?departement=42")).send().await.expect("page");
    let html = page.text().await.expect("html");
    assert!(html.contains("Département : Loire") || html.contains("Département : 42"), "the scope is named");
    assert!(html.contains("/api/v1/engineering/dashboard.csv?departement=42"), "the CSV of the same filter");
}

storage_test!(
    engineering_mission,
    |db: TestDb| async move { mission_story(&TestApp::builder(db).start().await).await }
);
