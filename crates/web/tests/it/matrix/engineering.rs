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

/// A provider's answer: its people (partner P in scope; Q's provider out of scope), admins.
fn provider_rule(who: Who, scope: Scope) -> bool {
    who == Who::Admin || (who == Who::Partner && scope == Scope::In)
}

/// The authority's own acts (satisfaction): its people only.
fn authority_rule(who: Who, scope: Scope) -> bool {
    who == Who::Local && scope == Scope::In
}

fn signed_in(who: Who, _: Scope) -> bool {
    who != Who::Anonymous
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

/// The provider created for `accepted` (organisation P in scope, Q out of scope) and
/// the request's id: a mission offered to it.
async fn offered(w: &World, scope: Scope) -> (String, String) {
    let id = request(w, scope).await;
    let org = if scope == Scope::In { w.partner_p.id } else { w.partner_q.id };
    let provider = json!({"name": format!("Bureau {}", w.fresh()), "kind": "private_firm", "competences": ["housing"],
                          "capacity": 5, "organisation": org.to_string()});
    let (s, p) = w.admin_call(reqwest::Method::POST, "/api/v1/engineering/providers", provider).await;
    assert_eq!(s, 201, "provider: {p}");
    let pid = p["id"].as_str().expect("id").to_owned();
    let body = json!({"outcome": "accept", "providers": [pid]});
    let (s, c) =
        w.admin_call(reqwest::Method::POST, &format!("/api/v1/engineering/requests/{id}/qualification"), body).await;
    assert_eq!(s, 200, "accept: {c}");
    (id, pid)
}

/// A mission in progress (the provider accepted, through the admin); the request's id
/// and the provider's.
async fn in_progress(w: &World, scope: Scope) -> (String, String) {
    let (id, pid) = offered(w, scope).await;
    let path = format!("/api/v1/engineering/requests/{id}/answer");
    let (s, c) = w.admin_call(reqwest::Method::POST, &path, json!({"provider": pid, "accept": true})).await;
    assert_eq!(s, 200, "answer: {c}");
    (id, pid)
}

/// A closed mission; the request's id.
async fn closed(w: &World, scope: Scope) -> String {
    let (id, _) = in_progress(w, scope).await;
    let path = format!("/api/v1/engineering/requests/{id}/closure");
    let (s, c) = w.admin_call(reqwest::Method::POST, &path, json!({"delivered": "Une étude"})).await;
    assert_eq!(s, 200, "close: {c}");
    id
}

fn b_answer<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, pid) = offered(w, scope).await;
        api(format!("/api/v1/engineering/requests/{id}/answer"), Some(json!({"provider": pid, "accept": true})))
    })
}

fn b_invite<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let person = w.person_of(Who::ProgrammeManager).expect("person");
        api(
            format!("/api/v1/engineering/requests/{id}/participants"),
            Some(json!({"person": person.to_string(), "role": "observer"})),
        )
    })
}

fn b_accept_invitation<'a>(w: &'a World, who: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, Scope::In).await;
        // The invitation is the actor's own (anonymous: someone else's).
        let person = w.person_of(who).or_else(|| w.person_of(Who::ProgrammeManager)).expect("person");
        let path = format!("/api/v1/engineering/requests/{id}/participants");
        let (s, c) =
            w.admin_call(reqwest::Method::POST, &path, json!({"person": person.to_string(), "role": "observer"})).await;
        assert_eq!(s, 200, "invite: {c}");
        api(format!("/api/v1/engineering/requests/{id}/invitation"), None)
    })
}

fn b_spend<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, pid) = in_progress(w, scope).await;
        let body = json!({"provider": pid, "days": "1,5", "cost_cents": 120_000, "on": "2026-03-02",
                          "approve_over_budget": true});
        api(format!("/api/v1/engineering/requests/{id}/spending"), Some(body))
    })
}

fn b_milestone<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let body = json!({"title": "Atelier avec les habitants", "due": "2026-05-01"});
        api(format!("/api/v1/engineering/requests/{id}/milestones"), Some(body))
    })
}

fn b_milestone_done<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let path = format!("/api/v1/engineering/requests/{id}/milestones");
        let (s, c) = w.admin_call(reqwest::Method::POST, &path, json!({"title": "Diagnostic"})).await;
        assert_eq!(s, 200, "milestone: {c}");
        let mid = c["mission"]["milestones"][0]["id"].as_str().expect("milestone id");
        api(format!("/api/v1/engineering/requests/{id}/milestones/{mid}/done"), None)
    })
}

fn b_close<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = in_progress(w, scope).await;
        let body = json!({"delivered": "Un programme de travaux", "phase_before": "idea", "phase_after": "study",
                          "fundings": [{"funder": "DETR", "amount_cents": 15_000_000}]});
        api(format!("/api/v1/engineering/requests/{id}/closure"), Some(body))
    })
}

fn b_rate<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = closed(w, scope).await;
        let body = json!({"score": 4, "comment": "Très utile"});
        api(format!("/api/v1/engineering/requests/{id}/satisfaction"), Some(body))
    })
}

fn b_provider_update<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let body = json!({"name": format!("CAUE {}", w.fresh()), "kind": "caue", "competences": ["housing"],
                          "capacity": 2});
        let (s, p) = w.admin_call(reqwest::Method::POST, "/api/v1/engineering/providers", body.clone()).await;
        assert_eq!(s, 201, "provider: {p}");
        let id = p["id"].as_str().expect("id");
        let mut change = body;
        change["capacity"] = json!(4);
        let mut r = api(format!("/api/v1/engineering/providers/{id}"), Some(change));
        r.if_match = Some(p["revision"].to_string());
        r
    })
}

fn page_form(path: String, fields: &[(&str, &str)], multipart: bool) -> Req {
    Req {
        path,
        json: None,
        form: Some(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
        raw: None,
        if_match: None,
        multipart,
    }
}

fn p_request<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let org = organisation(w, scope);
        let title = format!("Halle {}", w.fresh());
        let fields =
            [("organisation", org.as_str()), ("project", "new"), ("project_title", &title), ("needs", "housing")];
        page_form("/ingenierie/demander".into(), &fields, true)
    })
}

fn p_qualify<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = request(w, scope).await;
        let fields = [("outcome", "decline"), ("reason", "Hors du champ de l'offre")];
        page_form(format!("/ingenierie/demandes/{id}/qualification"), &fields, false)
    })
}

fn p_respond<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, pid) = offered(w, scope).await;
        let fields = [("provider", pid.as_str()), ("decision", "accept")];
        page_form(format!("/ingenierie/demandes/{id}/reponse"), &fields, false)
    })
}

fn p_message<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = request(w, scope).await;
        page_form(format!("/ingenierie/demandes/{id}/messages"), &[("thread", "public"), ("body", "Bonjour")], false)
    })
}

fn p_document<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = request(w, scope).await;
        let fields = [("thread", "public"), ("fichier", "poste;montant\nétude;12000\n")];
        page_form(format!("/ingenierie/demandes/{id}/documents"), &fields, true)
    })
}

fn p_recommend<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let fields = [("title", "Lancer une étude de programmation"), ("body", "Avant l'été.")];
        page_form(format!("/ingenierie/demandes/{id}/recommandations"), &fields, false)
    })
}

fn p_track<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let path = format!("/api/v1/engineering/requests/{id}/recommendations");
        let (s, r) = w.admin_call(reqwest::Method::POST, &path, json!({"title": "Réunir les commerçants"})).await;
        assert_eq!(s, 201, "recommendation: {r}");
        let rid = r["id"].as_str().expect("id");
        let fields = [("status", "in_progress"), ("comment", "Première réunion fixée")];
        page_form(format!("/ingenierie/demandes/{id}/recommandations/{rid}/statut"), &fields, false)
    })
}

fn p_milestone<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let fields = [("title", "Atelier avec les habitants"), ("due", "2026-05-01")];
        page_form(format!("/ingenierie/demandes/{id}/jalons"), &fields, false)
    })
}

fn p_milestone_done<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let path = format!("/api/v1/engineering/requests/{id}/milestones");
        let (s, c) = w.admin_call(reqwest::Method::POST, &path, json!({"title": "Diagnostic"})).await;
        assert_eq!(s, 200, "milestone: {c}");
        let mid = c["mission"]["milestones"][0]["id"].as_str().expect("milestone id");
        page_form(format!("/ingenierie/demandes/{id}/jalons/{mid}/atteint"), &[], false)
    })
}

fn p_spend<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, pid) = in_progress(w, scope).await;
        let fields =
            [("provider", pid.as_str()), ("days", "1,5"), ("cost", "1200"), ("on", "2026-03-02"), ("approve", "1")];
        page_form(format!("/ingenierie/demandes/{id}/depenses"), &fields, false)
    })
}

fn p_close<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = in_progress(w, scope).await;
        let fields = [
            ("delivered", "Un programme de travaux"),
            ("phase_before", "idea"),
            ("phase_after", "study"),
            ("funder_1", "DETR"),
            ("amount_1", "150000"),
        ];
        page_form(format!("/ingenierie/demandes/{id}/cloture"), &fields, false)
    })
}

fn p_rate<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = closed(w, scope).await;
        let fields = [("round", "at_closure"), ("score", "4"), ("comment", "Très utile")];
        page_form(format!("/ingenierie/demandes/{id}/avis"), &fields, false)
    })
}

fn p_invite<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, scope).await;
        let person = w.person_of(Who::ProgrammeManager).expect("person").to_string();
        let fields = [("person", person.as_str()), ("role", "observer")];
        page_form(format!("/ingenierie/demandes/{id}/participants"), &fields, false)
    })
}

fn p_accept_invitation<'a>(w: &'a World, who: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let id = accepted(w, Scope::In).await;
        // The invitation is the actor's own (anonymous: someone else's).
        let person = w.person_of(who).or_else(|| w.person_of(Who::ProgrammeManager)).expect("person");
        let path = format!("/api/v1/engineering/requests/{id}/participants");
        let (s, c) =
            w.admin_call(reqwest::Method::POST, &path, json!({"person": person.to_string(), "role": "observer"})).await;
        assert_eq!(s, 200, "invite: {c}");
        page_form(format!("/ingenierie/demandes/{id}/invitation"), &[], false)
    })
}

fn providers_csv(w: &World) -> String {
    format!("name;kind;siren;competences;departements;capacity\nCAUE {};caue;;planning_urbanism;42 43;2\n", w.fresh())
}

fn p_import_check<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let csv = providers_csv(w);
        page_form("/ingenierie/prestataires/import".into(), &[("fichier", csv.as_str())], true)
    })
}

fn p_import_apply<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let csv = providers_csv(w);
        page_form("/ingenierie/prestataires/import/appliquer".into(), &[("contenu", csv.as_str())], false)
    })
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
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/answer",
            true,
            provider_rule,
            b_answer,
            "the people of the provider asked (role `partner` of its organisation), or admins \
             (`engineering::rules::can_answer_for`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/participants",
            true,
            state_rule,
            b_invite,
            "the delegate, admins; an advisor invites colleagues of their own provider (`Viewer::can_manage`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/invitation",
            false,
            signed_in,
            b_accept_invitation,
            "the invitee, for their own invitation (anyone else: 404)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/spending",
            true,
            state_rule,
            b_spend,
            "the advisors, the delegate, admins (`Viewer::can_advise`); above the budget only the delegate or admins \
             approve (`Viewer::can_manage`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/milestones",
            true,
            state_rule,
            b_milestone,
            "the advisors, the delegate, admins (`Viewer::can_advise`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/milestones/{milestone}/done",
            true,
            state_rule,
            b_milestone_done,
            "the advisors, the delegate, admins (`Viewer::can_advise`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/closure",
            true,
            state_rule,
            b_close,
            "the advisors, the delegate, admins (`Viewer::can_advise`)",
        ),
        op(
            "POST",
            "/api/v1/engineering/requests/{id}/satisfaction",
            true,
            authority_rule,
            b_rate,
            "the requesting authority's people only (`Viewer::can_rate`)",
        ),
        op("POST", "/api/v1/engineering/providers", false, admin_only, b_provider, "admins"),
        op("PUT", "/api/v1/engineering/providers/{id}", false, admin_only, b_provider_update, "admins"),
        op("POST", "/api/v1/engineering/providers/import", false, admin_only, b_import, "admins"),
        op("PUT", "/api/v1/engineering/budgets/{departement}/{year}", false, admin_only, b_budget, "admins"),
        op("POST", "/ingenierie/demander", true, party_rule, p_request, "as `POST /api/v1/engineering/requests`"),
        op(
            "POST",
            "/ingenierie/prestataires/import",
            false,
            admin_only,
            p_import_check,
            "admins; checks the file and writes nothing (as `POST /api/v1/engineering/providers/import`)",
        ),
        op(
            "POST",
            "/ingenierie/prestataires/import/appliquer",
            false,
            admin_only,
            p_import_apply,
            "as `POST /api/v1/engineering/providers/import`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/qualification",
            true,
            state_rule,
            p_qualify,
            "as `POST /api/v1/engineering/requests/{id}/qualification`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/reponse",
            true,
            provider_rule,
            p_respond,
            "as `POST /api/v1/engineering/requests/{id}/answer`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/messages",
            true,
            party_rule,
            p_message,
            "as `POST /api/v1/engineering/requests/{id}/messages`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/documents",
            true,
            party_rule,
            p_document,
            "as `POST /api/v1/engineering/requests/{id}/documents`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/recommandations",
            true,
            state_rule,
            p_recommend,
            "as `POST /api/v1/engineering/requests/{id}/recommendations`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/recommandations/{rid}/statut",
            true,
            party_rule,
            p_track,
            "as `POST /api/v1/engineering/recommendations/{id}/status`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/jalons",
            true,
            state_rule,
            p_milestone,
            "as `POST /api/v1/engineering/requests/{id}/milestones`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/jalons/{mid}/atteint",
            true,
            state_rule,
            p_milestone_done,
            "as `POST /api/v1/engineering/requests/{id}/milestones/{milestone}/done`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/participants",
            true,
            state_rule,
            p_invite,
            "as `POST /api/v1/engineering/requests/{id}/participants` (the page: the delegate, admins)",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/invitation",
            false,
            signed_in,
            p_accept_invitation,
            "as `POST /api/v1/engineering/requests/{id}/invitation`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/depenses",
            true,
            state_rule,
            p_spend,
            "as `POST /api/v1/engineering/requests/{id}/spending`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/cloture",
            true,
            state_rule,
            p_close,
            "as `POST /api/v1/engineering/requests/{id}/closure`",
        ),
        op(
            "POST",
            "/ingenierie/demandes/{id}/avis",
            true,
            authority_rule,
            p_rate,
            "as `POST /api/v1/engineering/requests/{id}/satisfaction`",
        ),
    ]
}
