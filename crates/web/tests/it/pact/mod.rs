//! Pacts over HTTP, on both databases: two parties co-build a pact from draft to
//! signature (proposal, decision with a reason, comment), amend it, see the diff; the
//! signed version never changes; stale edits get 409; search finds pacts; projects
//! filter by pact; the daily digest tells each event once. The pages and their forms
//! are in [`form`].

#![allow(clippy::inconsistent_digit_grouping)] // amounts written euros_cents (`250_000_00` is 250,000.00 €)

mod form;

use cohesion_core::access::Role;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_store::audit::By;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::TestApp;

const COMMUNE: &str = "214202186";

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
        if_match: Option<i64>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        if let Some(v) = if_match {
            req = req.header("if-match", format!("\"{v}\""));
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("send");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

fn project(name: &str, cost: i64, grant: i64) -> Value {
    json!({
        "name": name,
        "territories": [{"kind": "commune", "code": "42218"}],
        "phase": "study",
        "phase_status": "in_progress",
        "total_cost_cents": cost,
        "financing": [{"financer": "État", "scheme": "DSIL", "amount_cents": grant}],
    })
}

async fn story(app: &TestApp) {
    let by = By::new("test", None);
    let org = Organisation {
        id: Uuid::now_v7(),
        kind: OrganisationKind::LocalAuthority,
        name: "Commune de Saint-Étienne".into(),
        siren: Some(COMMUNE.into()),
        siret: None,
        territory: Some("commune:42218".parse().expect("ref")),
        version: 1,
    };
    let org = app.db.store.create_organisation(&org, &by).await.expect("organisation");
    let prefect = app.token("prefete@loire.gouv.fr", vec![Role::Delegate { departement: "42".into() }]).await;
    let other = app.token("prefet@ain.gouv.fr", vec![Role::Delegate { departement: "01".into() }]).await;
    let mayor = app
        .token(
            "maire@saint-etienne.fr",
            vec![Role::Local { organisation: org.id, territory: "commune:42218".parse().expect("ref") }],
        )
        .await;
    let c = Client { http: reqwest::Client::new(), base: app.url("") };

    // Two projects of the commune, filed by the mayor.
    let (s, a) = c
        .call(
            "POST",
            "/api/v1/projects",
            &mayor,
            Some(project("Rénovation de l'école", 1_000_000_00, 400_000_00)),
            None,
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let (_, b) = c
        .call("POST", "/api/v1/projects", &mayor, Some(project("Maison de santé", 600_000_00, 200_000_00)), None)
        .await;
    let (a_id, b_id) = (a["id"].as_str().expect("id").to_owned(), b["id"].as_str().expect("id").to_owned());

    let text = json!({
        "kind": "cohesion",
        "title": "Pacte de cohésion de Saint-Étienne",
        "perimeter": [{"kind": "commune", "code": "42218"}],
        "parties": [
            {"kind": "state", "name": "Préfecture de la Loire"},
            {"kind": "local_authority", "name": "Saint-Étienne", "siren": COMMUNE}
        ],
        "owner": "state",
        "actions": [a_id],
    });
    // Only who acts for the owner party creates; faults come all at once.
    assert_eq!(c.call("POST", "/api/v1/pacts", "", Some(text.clone()), None).await.0, 401);
    assert_eq!(c.call("POST", "/api/v1/pacts", &mayor, Some(text.clone()), None).await.0, 403);
    assert_eq!(c.call("POST", "/api/v1/pacts", &other, Some(text.clone()), None).await.0, 403);
    let bad = json!({"kind": "cohesion", "title": "", "perimeter": [{"kind": "commune", "code": "99999"}], "parties": [], "owner": "x", "actions": ["nope"]});
    let (s, problem) = c.call("POST", "/api/v1/pacts", &prefect, Some(bad), None).await;
    assert_eq!(s, 400);
    assert_eq!(problem["errors"].as_array().map(Vec::len), Some(5), "{problem}");
    let (s, pact) = c.call("POST", "/api/v1/pacts", &prefect, Some(text.clone()), None).await;
    assert_eq!(s, 201, "{pact}");
    assert_eq!(pact["status"], "draft");
    let id = pact["id"].as_str().expect("id").to_owned();
    let p = |rest: &str| format!("/api/v1/pacts/{id}{rest}");

    // The text is edited against the revision read; a stale revision is refused.
    let (s, edited) =
        c.call("PATCH", &p(""), &prefect, Some(json!({"description": "Revitaliser le centre"})), Some(1)).await;
    assert_eq!(s, 200, "{edited}");
    assert_eq!(edited["revision"], 2);
    let (s, stale) = c.call("PATCH", &p(""), &prefect, Some(json!({"title": "Autre"})), Some(1)).await;
    assert_eq!(s, 409, "{stale}");
    assert_eq!(c.call("PATCH", &p(""), &prefect, Some(json!({"title": "Autre"})), None).await.0, 400);
    assert_eq!(c.call("PATCH", &p(""), &mayor, Some(json!({"title": "Autre"})), Some(2)).await.0, 403);

    // Co-construction: the mayor proposes, the owner decides with a reason.
    let proposal =
        json!({"party": COMMUNE, "change": {"type": "add_project", "project_id": b_id}, "message": "Priorité santé"});
    assert_eq!(c.call("POST", &p("/proposals"), &mayor, Some(proposal.clone()), None).await.0, 409, "not in draft");
    assert_eq!(c.call("POST", &p("/status"), &mayor, Some(json!({"status": "co_construction"})), None).await.0, 403);
    assert_eq!(c.call("POST", &p("/status"), &prefect, Some(json!({"status": "co_construction"})), None).await.0, 200);
    let as_state = json!({"party": "state", "change": {"type": "add_project", "project_id": b_id}});
    assert_eq!(c.call("POST", &p("/proposals"), &mayor, Some(as_state), None).await.0, 403, "not her party");
    // A project outside the perimeter (the whole metropolis, not only Saint-Étienne) is
    // refused, proposed or written into the text, and the fault names the territory.
    let mut gimond = project("Voirie métropolitaine", 100_000_00, 10_000_00);
    gimond["territories"] = json!([{"kind": "epci", "code": "244200770"}]);
    let (s, far) = c.call("POST", "/api/v1/projects", &prefect, Some(gimond), None).await;
    assert_eq!(s, 201, "{far}");
    let far_id = far["id"].as_str().expect("id").to_owned();
    let outside = json!({"party": COMMUNE, "change": {"type": "add_project", "project_id": far_id}});
    let (s, refused) = c.call("POST", &p("/proposals"), &mayor, Some(outside), None).await;
    assert_eq!((s, refused["errors"][0]["field"].as_str()), (400, Some("change.project_id")), "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap_or("").contains("Saint-Étienne Métropole"), "{refused}");
    let (_, now) = c.call("GET", &p(""), &prefect, None, None).await;
    let rev = now["revision"].as_i64().expect("revision");
    let (s, refused) = c.call("PATCH", &p(""), &prefect, Some(json!({"actions": [a_id, far_id]})), Some(rev)).await;
    assert_eq!((s, refused["errors"][0]["field"].as_str()), (400, Some("actions[1]")), "{refused}");
    let (s, prop) = c.call("POST", &p("/proposals"), &mayor, Some(proposal), None).await;
    assert_eq!(s, 201, "{prop}");
    let prop_id = prop["id"].as_str().expect("id").to_owned();
    let (s, why) = c.call("POST", &p("/status"), &prefect, Some(json!({"status": "ready_for_signature"})), None).await;
    assert_eq!(s, 409, "an open proposal blocks the signature: {why}");
    let decision = |reason: &str| json!({"accept": true, "reason": reason});
    let d = p(&format!("/proposals/{prop_id}/decision"));
    assert_eq!(c.call("POST", &d, &mayor, Some(decision("oui")), None).await.0, 403);
    assert_eq!(c.call("POST", &d, &prefect, Some(decision(" ")), None).await.0, 400, "a reason is required");
    let (s, decided) = c.call("POST", &d, &prefect, Some(decision("Cohérent avec le diagnostic")), None).await;
    assert_eq!(s, 200, "{decided}");
    assert_eq!(decided["status"], "accepted");
    assert_eq!(c.call("POST", &d, &prefect, Some(decision("encore")), None).await.0, 409, "decided once");
    let (s, _) =
        c.call("POST", &p("/comments"), &mayor, Some(json!({"body": "Merci, calendrier à préciser"})), None).await;
    assert_eq!(s, 201);
    assert_eq!(c.call("POST", &p("/comments"), &other, Some(json!({"body": "Je passe"})), None).await.0, 403);
    let (_, comments) = c.call("GET", &p("/comments"), &mayor, None, None).await;
    assert_eq!(comments.as_array().map(Vec::len), Some(1));

    // Before its signature, a pact is read by its parties' people and the agency only:
    // to anyone else it does not exist, on every route that shows pacts.
    let manager = app.token("chef@anct.gouv.fr", vec![Role::ProgrammeManager { programme: "pvd".into() }]).await;
    let cerema = Organisation {
        id: Uuid::now_v7(),
        kind: OrganisationKind::Partner,
        name: "Cerema".into(),
        siren: None,
        siret: None,
        territory: None,
        version: 1,
    };
    let cerema = app.db.store.create_organisation(&cerema, &by).await.expect("organisation");
    let outsider = app.token("curieux@example.fr", vec![Role::Partner { organisation: cerema.id }]).await;
    for reader in ["", other.as_str(), outsider.as_str()] {
        for rest in ["", "/versions", "/versions/1", "/diff", "/proposals", "/comments"] {
            let (s, body) = c.call("GET", &p(rest), reader, None, None).await;
            assert_eq!(s, 404, "{rest} read by {reader:?} before signature: {body}");
        }
        let (_, found) = c.call("GET", "/api/v1/pacts?q=saint-etienne", reader, None, None).await;
        assert_eq!(found["total"], 0, "{found}");
        let (_, search) = c.call("GET", "/api/v1/search?q=cohesion", reader, None, None).await;
        assert_eq!(search["pacts"]["total"], 0, "{search}");
        let page = app.client.get(app.url(&format!("/pactes/{id}"))).send().await.expect("page");
        assert_eq!(page.status().as_u16(), 404);
    }
    for reader in [&mayor, &prefect, &manager] {
        assert_eq!(c.call("GET", &p("/proposals"), reader, None, None).await.0, 200);
        assert_eq!(c.call("GET", "/api/v1/pacts?q=saint-etienne", reader, None, None).await.1["total"], 1);
    }
    let territory =
        app.client.get(app.url("/api/v1/territories/commune/42218/overview")).send().await.expect("overview");
    let territory: Value = territory.json().await.expect("json");
    assert_eq!(territory["pacts"]["total"], 0, "the territory's sections show signed pacts only");
    assert_eq!(c.call("GET", &format!("/api/v1/projects?pact={id}"), "", None, None).await.0, 400, "not told");

    // Its owner may publish a pact before signature (issue 17, point 3): anyone then
    // reads the text being written, never the proposals nor the comments.
    // (Its other party is not the mayor's commune: the digest checks below stay his.)
    let mut early = text.clone();
    early["kind"] = json!("resilience");
    early["title"] = json!("Pacte de résilience du Forez, publié tôt");
    early["parties"][1] =
        json!({"kind": "local_authority", "name": "Commune voisine", "siren": crate::support::siren(4242)});
    early["actions"] = json!([]);
    let (s, early) = c.call("POST", "/api/v1/pacts", &prefect, Some(early), None).await;
    assert_eq!(s, 201, "{early}");
    let e = |rest: &str| format!("/api/v1/pacts/{}{rest}", early["id"].as_str().expect("id"));
    assert_eq!(c.call("GET", &e(""), "", None, None).await.0, 404, "not public yet");
    assert_eq!(c.call("POST", &e("/publication"), &mayor, None, None).await.0, 403, "the owner only");
    assert_eq!(c.call("POST", &e("/publication"), "", None, None).await.0, 401);
    let (s, published) = c.call("POST", &e("/publication"), &prefect, None, None).await;
    assert_eq!(s, 200, "{published}");
    assert!(published["published_at"].is_string(), "{published}");
    let (s, public) = c.call("GET", &e(""), "", None, None).await;
    assert_eq!((s, public["current"]["title"].as_str()), (200, Some("Pacte de résilience du Forez, publié tôt")));
    assert_eq!(c.call("GET", &e("/proposals"), "", None, None).await.0, 401, "proposals stay with the parties");
    assert_eq!(c.call("GET", &e("/comments"), &outsider, None, None).await.0, 403);
    let (_, found) = c.call("GET", "/api/v1/pacts?q=forez", "", None, None).await;
    assert_eq!(found["total"], 1, "listed for everyone once published: {found}");
    assert_eq!(c.call("POST", &e("/publication"), &prefect, None, None).await.0, 409, "published once");
    let page = app.client.get(app.url(&format!("/pactes/{}", early["id"].as_str().expect("id")))).send().await;
    assert_eq!(page.expect("page").status().as_u16(), 200);

    // Put to signature: the text freezes; each party signs for itself.
    let (s, ready) =
        c.call("POST", &p("/status"), &prefect, Some(json!({"status": "ready_for_signature"})), None).await;
    assert_eq!(s, 200, "{ready}");
    assert_eq!(ready["current"]["actions"].as_array().map(Vec::len), Some(2));
    assert_eq!(ready["current"]["money"]["cost_cents"], 1_600_000_00i64);
    let rev = ready["revision"].as_i64().expect("revision");
    assert_eq!(c.call("PATCH", &p(""), &prefect, Some(json!({"title": "X"})), Some(rev)).await.0, 409);
    assert_eq!(c.call("POST", &p("/signatures"), &mayor, Some(json!({"party": "state"})), None).await.0, 403);
    let (s, half) = c.call("POST", &p("/signatures"), &mayor, Some(json!({"party": COMMUNE})), None).await;
    assert_eq!((s, half["status"].as_str()), (200, Some("ready_for_signature")));
    let (s, signed) = c.call("POST", &p("/signatures"), &prefect, Some(json!({"party": "state"})), None).await;
    assert_eq!((s, signed["status"].as_str()), (200, Some("signed")), "{signed}");
    assert_eq!(signed["in_force"], 1);

    // A project changes after the signature: the signed version keeps what was signed.
    let (_, a_now) = c.call("GET", &format!("/api/v1/projects/{a_id}"), "", None, None).await;
    let v = a_now["version"].as_i64().expect("version");
    let (s, _) = c
        .call(
            "PATCH",
            &format!("/api/v1/projects/{a_id}"),
            &mayor,
            Some(json!({"total_cost_cents": 1_200_000_00i64})),
            Some(v),
        )
        .await;
    assert_eq!(s, 200);
    let (_, v1) = c.call("GET", &p("/versions/1"), "", None, None).await;
    assert_eq!(v1["money"]["cost_cents"], 1_600_000_00i64, "the signed version never changes");
    assert_eq!(v1["parties"][1]["signature"]["party"], COMMUNE);
    assert_eq!(v1["parties"][1]["signature"]["name"], "", "anyone reads who signed as an organisation, not a name");
    let (_, v1) = c.call("GET", &p("/versions/1"), &mayor, None, None).await;
    assert_ne!(v1["parties"][1]["signature"]["name"], "", "the parties read the signer's name");
    // Signed: public, without the proposals, the comments and their authors.
    assert_eq!(c.call("GET", &p("/comments"), "", None, None).await.0, 401);
    assert_eq!(c.call("GET", &p("/proposals"), &outsider, None, None).await.0, 403);
    let page = app.client.get(app.url(&format!("/pactes/{id}"))).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("lecture-publique") && !html.contains("Merci, calendrier") && !html.contains("Priorité santé")
    );

    // An amendment: a new version, the same steps, signed by all.
    assert_eq!(c.call("POST", &p("/versions"), &mayor, None, None).await.0, 403);
    let (s, amended) = c.call("POST", &p("/versions"), &prefect, None, None).await;
    assert_eq!(s, 201, "{amended}");
    assert_eq!((amended["current"]["number"].as_u64(), amended["status"].as_str()), (Some(2), Some("signed")));
    let rev = amended["revision"].as_i64().expect("revision");
    let (s, _) = c.call("PATCH", &p(""), &prefect, Some(json!({"actions": [a_id]})), Some(rev)).await;
    assert_eq!(s, 200);
    assert_eq!(
        c.call("POST", &p("/status"), &prefect, Some(json!({"status": "ready_for_signature"})), None).await.0,
        200
    );
    c.call("POST", &p("/signatures"), &prefect, Some(json!({"party": "state"})), None).await;
    let (_, in_force) = c.call("POST", &p("/signatures"), &mayor, Some(json!({"party": COMMUNE})), None).await;
    assert_eq!(in_force["in_force"], 2, "{in_force}");
    let (s, diff) = c.call("GET", &p("/diff?from=1&to=2"), "", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(diff["projects_removed"][0]["id"], b_id.as_str());
    assert_eq!(diff["projects_changed"][0]["id"], a_id.as_str());
    assert_eq!(diff["money_before"]["cost_cents"], 1_600_000_00i64);
    assert_eq!(diff["money_after"]["cost_cents"], 1_200_000_00i64);
    assert_eq!(c.call("GET", &p("/diff?from=1&to=9"), "", None, None).await.0, 404);
    let (_, versions) = c.call("GET", &p("/versions"), "", None, None).await;
    assert_eq!(versions.as_array().map(Vec::len), Some(2));

    assert_eq!(c.call("POST", &p("/status"), &prefect, Some(json!({"status": "in_execution"})), None).await.0, 200);
    // An amendment can be abandoned before signature; signed versions never.
    assert_eq!(c.call("DELETE", &p("/versions/2"), &prefect, None, None).await.0, 409, "version 2 is signed");
    assert_eq!(c.call("POST", &p("/versions"), &prefect, None, None).await.0, 201);
    // An amendment being written stays with the parties: anyone reads the signed ones.
    let (_, public) = c.call("GET", &p(""), "", None, None).await;
    assert_eq!((public["current"]["number"].as_u64(), public["versions"].as_array().map(Vec::len)), (Some(2), Some(2)));
    assert_eq!(c.call("GET", &p("/versions/3"), "", None, None).await.0, 404);
    assert_eq!(c.call("GET", &p("/versions/3"), &mayor, None, None).await.0, 200);
    assert_eq!(c.call("DELETE", &p("/versions/3"), &mayor, None, None).await.0, 403);
    let (s, back) = c.call("DELETE", &p("/versions/3"), &prefect, None, None).await;
    assert_eq!((s, back["versions"].as_array().map(Vec::len)), (200, Some(2)), "{back}");

    // Found by search, by territory (a département contains the commune), and as a project filter.
    let (_, found) = c.call("GET", "/api/v1/pacts?q=pactes%20cohesion%20saint-etienne", "", None, None).await;
    assert_eq!(found["total"], 1, "{found}");
    let (_, found) = c.call("GET", "/api/v1/pacts?territory=departement:42&status=in_execution", "", None, None).await;
    assert_eq!(found["total"], 1);
    let (_, found) = c.call("GET", "/api/v1/pacts?territory=departement:01", "", None, None).await;
    assert_eq!(found["total"], 0);
    assert_eq!(c.call("GET", "/api/v1/pacts?status=nope", "", None, None).await.0, 400);
    let (_, search) = c.call("GET", "/api/v1/search?q=cohesion", "", None, None).await;
    assert_eq!(search["pacts"]["total"], 1, "{search}");
    let (_, in_pact) = c.call("GET", &format!("/api/v1/projects?pact={id}"), "", None, None).await;
    assert_eq!(in_pact["total"], 1);
    assert_eq!(in_pact["items"][0]["id"], a_id.as_str());
    assert_eq!(c.call("GET", "/api/v1/projects?pact=nope", "", None, None).await.0, 400);
    assert_eq!(c.call("GET", "/api/v1/projects?programme=nope", "", None, None).await.0, 400);

    // A pact written by another instance is listed once the store's revision is seen.
    let mut elsewhere = cohesion_core::pact::Pact::new(Uuid::now_v7().to_string(), serde_json::from_value(json!({
        "kind": "crte", "title": "Contrat de relance du Pilat", "perimeter": [{"kind": "commune", "code": "42218"}],
        "parties": [{"kind": "state", "name": "Préfecture"}, {"kind": "local_authority", "name": "Saint-Étienne", "siren": COMMUNE}],
        "owner": "state"})).expect("content"), "2026-11-30T08:00:00Z");
    elsewhere.revision = 1;
    let quiet = cohesion_store::pact::Told { kind: "created", summary: "ailleurs".into(), recipients: vec![] };
    app.db.store.create_pact(&elsewhere, Uuid::nil(), &quiet).await.expect("other instance");
    assert_eq!(c.call("GET", "/api/v1/pacts?q=pilat", &prefect, None, None).await.1["total"], 0, "not seen yet");
    app.state.refresh().await.expect("refresh");
    assert_eq!(c.call("GET", "/api/v1/pacts?q=pilat", &prefect, None, None).await.1["total"], 1);
    assert_eq!(c.call("GET", "/api/v1/pacts?q=pilat", "", None, None).await.1["total"], 0, "a draft");

    // The digest: one mail per person, each event once; a second run sends nothing.
    let report = cohesion_app::digest::send_all(&app.state, &app.state.outbox()).await.expect("digest");
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(
        cohesion_app::digest::send_all(&app.state, &app.state.outbox()).await.expect("digest").sent,
        0,
        "never twice"
    );
    let mails = app.mail.all();
    let to_mayor: Vec<_> = mails.iter().filter(|m| m.to.iter().any(|t| t.contains("maire@"))).collect();
    assert_eq!(to_mayor.len(), 1);
    assert!(to_mayor[0].text.contains("Pacte de cohésion de Saint-Étienne"), "{}", to_mayor[0].text);
    assert!(to_mayor[0].text.contains("a accepté la proposition"), "{}", to_mayor[0].text);
    assert!(!to_mayor[0].text.contains("a commenté"), "not told of her own comment");
    assert!(mails.iter().all(|m| !m.to.iter().any(|t| t.contains("prefet@ain"))), "the other département is not told");
}

storage_test!(pacts, |db: TestDb| async move { story(&TestApp::builder(db).start().await).await });
