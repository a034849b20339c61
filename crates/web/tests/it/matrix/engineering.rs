//! The engineering offer's write operations and their rules (`core::engineering::rules`).
//! In scope: a request of Saint-Étienne (42), where the delegate of 42 qualifies and
//! the local authority is the requester; out of scope: a request of L'Abergement (01).

use std::future::Future;
use std::pin::Pin;

use serde_json::{Value, json};

use super::{Op, Req, Scope, Who, World};

type Fut<'a> = Pin<Box<dyn Future<Output = Req> + Send + 'a>>;

fn api(path: String, json: Option<Value>) -> Req {
    Req { path, json, form: None, raw: None, if_match: None, multipart: false }
}

fn raw(path: String, content_type: &'static str, body: &str) -> Req {
    Req { path, json: None, form: None, raw: Some((content_type, body.to_owned())), if_match: None, multipart: false }
}

/// Makes a request: admins; the authority's people and the delegate of its département.
fn party_rule(who: Who, scope: Scope) -> bool {
    who == Who::Admin || (matches!(who, Who::Delegate | Who::Local) && scope == Scope::In)
}

/// The State's acts (qualify, write recommendations while no advisor is engaged):
/// admins and the delegate of the département.
fn state_rule(who: Who, scope: Scope) -> bool {
    who == Who::Admin || (who == Who::Delegate && scope == Scope::In)
}

fn admin_only(who: Who, _: Scope) -> bool {
    who == Who::Admin
}

fn organisation(w: &World, scope: Scope) -> String {
    if scope == Scope::In { w.local_42.id.to_string() } else { w.local_01.id.to_string() }
}

fn request_body(w: &World, scope: Scope) -> Value {
    json!({"organisation": organisation(w, scope), "project_title": format!("Halle {}", w.fresh()),
           "needs": ["housing", "mobility"], "context": "La halle du marché est fermée depuis 2019."})
}

/// A request made by the admin for the authority in or out of scope; its id.
async fn request(w: &World, scope: Scope) -> String {
    let (s, body) = w.admin_call(reqwest::Method::POST, "/api/v1/engineering/requests", request_body(w, scope)).await;
    assert_eq!(s, 201, "request: {body}");
    body["request"]["id"].as_str().expect("id").to_owned()
}

/// A request accepted by the admin, with a provider asked; its id.
async fn accepted(w: &World, scope: Scope) -> String {
    let id = request(w, scope).await;
    let provider = json!({"name": format!("Cerema {}", w.fresh()), "kind": "cerema", "competences": ["housing"],
                          "capacity": 5});
    let (s, p) = w.admin_call(reqwest::Method::POST, "/api/v1/engineering/providers", provider).await;
    assert_eq!(s, 201, "provider: {p}");
    let body = json!({"outcome": "accept", "providers": [p["id"]]});
    let path = format!("/api/v1/engineering/requests/{id}/qualification");
    let (s, c) = w.admin_call(reqwest::Method::POST, &path, body).await;
    assert_eq!(s, 200, "accept: {c}");
    id
}

fn b_create<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move { api("/api/v1/engineering/requests".into(), Some(request_body(w, scope))) })
}

fn b_qualify<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = request(w, scope).await;
        let body = json!({"outcome": "decline", "reason": "Hors du champ de l'offre"});
        api(format!("/api/v1/engineering/requests/{id}/qualification"), Some(body))
    })
}

fn b_message<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = request(w, scope).await;
        api(format!("/api/v1/engineering/requests/{id}/messages"), Some(json!({"thread": "public", "body": "Bonjour"})))
    })
}

fn b_upload<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = request(w, scope).await;
        let path = format!("/api/v1/engineering/requests/{id}/documents?thread=public&name=budget.csv");
        raw(path, "application/octet-stream", "poste;montant\nétude;12000\n")
    })
}

fn b_recommend<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let body = json!({"title": "Lancer une étude de programmation", "body": "Avant l'été."});
        api(format!("/api/v1/engineering/requests/{id}/recommendations"), Some(body))
    })
}

fn b_track<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let path = format!("/api/v1/engineering/requests/{id}/recommendations");
        let (s, r) = w.admin_call(reqwest::Method::POST, &path, json!({"title": "Réunir les commerçants"})).await;
        assert_eq!(s, 201, "recommendation: {r}");
        let rid = r["id"].as_str().expect("id");
        let body = json!({"status": "in_progress", "comment": "Première réunion fixée"});
        api(format!("/api/v1/engineering/recommendations/{rid}/status"), Some(body))
    })
}

fn b_provider<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let body = json!({"name": format!("Agence d'urbanisme {}", w.fresh()), "kind": "agence_urbanisme",
                          "competences": ["planning_urbanism"], "departements": ["42"], "capacity": 3});
        api("/api/v1/engineering/providers".into(), Some(body))
    })
}

fn b_import<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let csv = format!(
            "name;kind;siren;competences;departements;capacity\nCAUE {};caue;;planning_urbanism;42 43;2\n",
            w.fresh()
        );
        raw("/api/v1/engineering/providers/import".into(), "text/csv", &csv)
    })
}

fn b_budget<'a>(_: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { api("/api/v1/engineering/budgets/42/2026".into(), Some(json!({"amount_cents": 5_000_000}))) })
}

pub fn ops() -> Vec<Op> {
    let op = |method, path, scoped, allowed, build, rule| Op { method, path, scoped, allowed, build, rule };
    vec![
        op(
            "POST",
            "/api/v1/engineering/requests",
            true,
            party_rule,
            b_create,
            "the authority's people, or the delegate of its département on its behalf, or admins \
             (`engineering::rules::can_request`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/qualification",
            true,
            state_rule,
            b_qualify,
            "the delegate of the request's département, or admins (`Viewer::can_qualify`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/messages",
            true,
            party_rule,
            b_message,
            "the public conversation: the authority, the delegate, the advisors, admins (`Viewer::can_write_thread`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/documents",
            true,
            party_rule,
            b_upload,
            "who may write in the document's conversation (`Viewer::can_write_thread`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/recommendations",
            true,
            state_rule,
            b_recommend,
            "the mission's advisors, the delegate, admins (`Viewer::can_advise`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/recommendations/{id}/status",
            true,
            party_rule,
            b_track,
            "the authority, the advisors, the delegate, admins (`Viewer::can_track`)",
        ),
        op("POST", "/api/v1/engineering/providers", false, admin_only, b_provider, "admins"),
        op("POST", "/api/v1/engineering/providers/import", false, admin_only, b_import, "admins"),
        op("PUT", "/api/v1/engineering/budgets/{departement}/{year}", false, admin_only, b_budget, "admins"),
    ]
}
