//! The engineering offer over HTTP, on both databases: a local authority asks (its
//! territory and SIREN from its account, every fault of a bad request at once), the
//! delegate sees the suggestions and accepts, the conversations and documents are seen
//! only by who may (the internal ones never by the authority; documents as
//! attachments with their original name; a bad file named with its reason), a
//! recommendation is tracked, the public sees the public view only, and the
//! dashboard's JSON and CSV agree with the filters.

use cohesion_core::access::Role;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_store::audit::By;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::TestApp;

async fn call(app: &TestApp, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = app.client.request(method, app.url(path));
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn organisation(
    app: &TestApp,
    kind: OrganisationKind,
    name: &str,
    territory: Option<&str>,
    siren: Option<&str>,
) -> Uuid {
    let org = Organisation {
        id: Uuid::now_v7(),
        kind,
        name: name.into(),
        siren: siren.map(str::to_owned),
        siret: None,
        territory: territory.map(|t| t.parse().expect("ref")),
        version: 1,
    };
    app.db.store.create_organisation(&org, &By::new("test", None)).await.expect("organisation").id
}

fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map_or_else(Vec::new, |e| e.iter().map(|x| x["field"].as_str().unwrap_or("").to_owned()).collect())
}

async fn story(app: &TestApp) {
    let town =
        organisation(app, OrganisationKind::LocalAuthority, "Saint-Étienne", Some("commune:42218"), Some("214202186"))
            .await;
    let cerema = organisation(app, OrganisationKind::Partner, "Cerema", None, None).await;
    let admin = app.token("admin@example.fr", vec![Role::Admin]).await;
    let local = app
        .token(
            "maire@example.fr",
            vec![Role::Local { organisation: town, territory: "commune:42218".parse().expect("ref") }],
        )
        .await;
    let delegate = app.token("delegue@example.fr", vec![Role::Delegate { departement: "42".into() }]).await;
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

    // The directory of delegations, shipped in the binary.
    let (s, loire) = call(app, "GET", "/api/v1/engineering/delegations?departement=42", "", None).await;
    assert_eq!(s, 200);
    let loire = loire.as_array().expect("list");
    assert!(!loire.is_empty() && loire.iter().all(|d| d["departement"] == "42"), "{loire:?}");
}

storage_test!(engineering, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
