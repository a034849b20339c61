//! Every operation that changes something, with its rule and a request builder.
//! **Add here every new non-GET endpoint and page form** (the test fails otherwise).

use std::future::Future;
use std::pin::Pin;

use cohesion_core::access::Role;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_core::access::person::Email;
use cohesion_store::access::{LinkPurpose, NewApiToken, NewPerson};
use cohesion_web::auth::secret;
use serde_json::{Value, json};
use time::Duration;
use uuid::Uuid;

use super::{Op, Req, Scope, Who, World, by};
use crate::support::Browser;

type Fut<'a> = Pin<Box<dyn Future<Output = Req> + Send + 'a>>;

fn api(path: String, json: Option<Value>) -> Req {
    Req { path, json, form: None, raw: None, if_match: None, multipart: false }
}

fn form(path: String, fields: &[(&str, &str)]) -> Req {
    Req {
        path,
        json: None,
        form: Some(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
        raw: None,
        if_match: None,
        multipart: false,
    }
}

/// A page form with a file (field `fichier`).
fn upload(path: String, fields: &[(&str, &str)]) -> Req {
    Req { multipart: true, ..form(path, fields) }
}

fn csv(path: String, body: &str) -> Req {
    Req { path, json: None, form: None, raw: Some(("text/csv", body.to_owned())), if_match: None, multipart: false }
}

fn signed_in(who: Who) -> bool {
    who != Who::Anonymous
}

/// Any signed-in person within their scope; admins everywhere.
fn within_scope(who: Who, scope: Scope) -> bool {
    who == Who::Admin || (signed_in(who) && scope == Scope::In)
}

fn anyone(_: Who, _: Scope) -> bool {
    true
}

fn signed_in_rule(who: Who, _: Scope) -> bool {
    signed_in(who)
}

fn admin_only(who: Who, _: Scope) -> bool {
    who == Who::Admin
}

/// Programme changes: admins; the manager of that programme (`pvd` in scope, `acv` out).
fn programme_rule(who: Who, scope: Scope) -> bool {
    who == Who::Admin || (who == Who::ProgrammeManager && scope == Scope::In)
}

/// Organisations: admins; delegates for local authorities of their département.
fn organisation_rule(who: Who, scope: Scope) -> bool {
    who == Who::Admin || (who == Who::Delegate && scope == Scope::In)
}

/// A role `who` may grant (in scope) or not (out of scope).
fn grantable(w: &World, who: Who, scope: Scope) -> Role {
    match (who, scope) {
        (Who::Admin, Scope::In) => Role::Delegate { departement: "42".into() },
        (Who::Admin, Scope::Out) => Role::Delegate { departement: "01".into() },
        (Who::ProgrammeManager, Scope::In) => Role::ProgrammeManager { programme: "pvd".into() },
        (Who::ProgrammeManager, Scope::Out) => Role::ProgrammeManager { programme: "acv".into() },
        (Who::Delegate | Who::Local, Scope::In) => w.local_role(&w.local_42),
        (Who::Delegate | Who::Local, Scope::Out) => w.local_role(&w.local_01),
        (Who::Partner, Scope::In) => Role::Partner { organisation: w.partner_p.id },
        (Who::Partner | Who::Anonymous, _) => Role::Partner { organisation: w.partner_q.id },
    }
}

fn role_json(role: &Role) -> Value {
    let v = cohesion_web::access::RoleView::from(role);
    json!({"role": v.role, "programme": v.programme, "departement": v.departement, "organisation": v.organisation})
}

/// A person nobody has seen, with these roles.
async fn fresh_person(w: &World, roles: &[Role]) -> Uuid {
    let email = Email::parse(&format!("p{}@example.fr", w.fresh())).expect("email");
    let new = NewPerson { email, given_name: String::new(), usual_name: String::new() };
    w.app.db.store.create_person(&new, roles, &by()).await.expect("person").id
}

async fn fresh_token(w: &World, owner: Uuid) -> Uuid {
    let new = NewApiToken {
        person: owner,
        name: "t".into(),
        token_hash: secret::hash(&format!("t{}", w.fresh())),
        roles: Vec::new(),
        expires_at: None,
    };
    w.app.db.store.create_api_token(&new, &by()).await.expect("token").id
}

/// A token of `who` (in scope) or of someone else (out of scope, or anonymous).
async fn token_for(w: &World, who: Who, scope: Scope) -> Uuid {
    let owner = match (w.person_of(who), scope) {
        (Some(me), Scope::In) => me,
        _ => fresh_person(w, &[]).await,
    };
    fresh_token(w, owner).await
}

/// An unused commune of département 42 (in scope) or 01 (out of scope).
fn fresh_commune(w: &World, scope: Scope) -> String {
    let dep = if scope == Scope::In { "42" } else { "01" };
    format!("commune:{dep}{:03}", 500 + w.fresh() % 200)
}

fn b_token_create<'a>(_: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let body = match scope {
            Scope::In => json!({"name": "robot"}),
            Scope::Out => json!({"name": "robot", "roles": [{"role": "admin"}]}),
        };
        api("/api/v1/tokens".into(), Some(body))
    })
}

fn b_token_revoke<'a>(w: &'a World, who: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move { api(format!("/api/v1/tokens/{}", token_for(w, who, scope).await), None) })
}

fn b_end_sessions<'a>(_: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { api("/api/v1/me/sessions".into(), None) })
}

fn b_org_create<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        api(
            "/api/v1/organisations".into(),
            Some(json!({"kind": "local_authority", "territory": fresh_commune(w, scope)})),
        )
    })
}

fn b_org_update<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let territory = fresh_commune(w, scope);
        let t: cohesion_core::territory::TerritoryRef = territory.parse().expect("ref");
        let siren = w.app.state.current().referential.get_ref(&t).and_then(|x| x.siren.clone());
        let org = Organisation {
            id: Uuid::now_v7(),
            kind: OrganisationKind::LocalAuthority,
            name: "Avant".into(),
            siren,
            siret: None,
            territory: Some(t),
            version: 1,
        };
        let org = w.app.db.store.create_organisation(&org, &by()).await.expect("org");
        let body = json!({"kind": "local_authority", "name": "Après", "territory": territory});
        let mut req = api(format!("/api/v1/organisations/{}", org.id), Some(body));
        req.if_match = Some(org.version.to_string());
        req
    })
}

fn b_invite<'a>(w: &'a World, who: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let body = json!({"email": format!("invite{}@example.fr", w.fresh()), "roles": [role_json(&grantable(w, who, scope))]});
        api("/api/v1/people/invitations".into(), Some(body))
    })
}

fn b_grant<'a>(w: &'a World, who: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let target = fresh_person(w, &[]).await;
        api(format!("/api/v1/people/{target}/roles"), Some(role_json(&grantable(w, who, scope))))
    })
}

fn b_revoke<'a>(w: &'a World, who: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let role = grantable(w, who, scope);
        let target = fresh_person(w, std::slice::from_ref(&role)).await;
        let grant = w.app.db.store.grants(target).await.expect("grants")[0].id;
        api(format!("/api/v1/people/{target}/roles/{grant}"), None)
    })
}

fn b_set_active<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let target = fresh_person(w, &[]).await;
        api(format!("/api/v1/people/{target}/active"), Some(json!({"active": false})))
    })
}

fn b_sign_in<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let email = format!("login{}@example.fr", w.fresh());
        w.app.person(&email, &[], "mot de passe du test").await;
        form("/connexion".into(), &[("email", &email), ("password", "mot de passe du test")])
    })
}

fn b_sign_out<'a>(_: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { form("/deconnexion".into(), &[]) })
}

fn b_proconnect<'a>(_: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { form("/connexion/proconnect".into(), &[]) })
}

fn b_forgot<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { form("/mot-de-passe-oublie".into(), &[("email", &format!("x{}@example.fr", w.fresh()))]) })
}

/// A fresh person and a usable link of this purpose for them; returns the token.
async fn link(w: &World, purpose: LinkPurpose) -> String {
    let person = fresh_person(w, &[]).await;
    let token = secret::generate().expect("random");
    let new_email = Email::parse(&format!("new{}@example.fr", w.fresh())).expect("email");
    let new_email = (purpose == LinkPurpose::EmailChange).then_some(&new_email);
    w.app
        .db
        .store
        .create_link(purpose, person, new_email, &secret::hash(&token), Duration::hours(1), &by())
        .await
        .expect("link");
    token
}

fn b_set_password<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let token = link(w, LinkPurpose::Invitation).await;
        form("/mot-de-passe".into(), &[("jeton", &token), ("password", "un mot de passe assez long")])
    })
}

fn b_end_all<'a>(_: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { form("/profil/deconnexion-partout".into(), &[]) })
}

fn b_email<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { form("/profil/courriel".into(), &[("email", &format!("change{}@example.fr", w.fresh()))]) })
}

fn b_email_confirm<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let token = link(w, LinkPurpose::EmailChange).await;
        form("/profil/courriel/confirmer".into(), &[("jeton", &token)])
    })
}

fn b_page_token<'a>(_: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { form("/profil/jetons".into(), &[("name", "robot")]) })
}

fn b_preferences<'a>(_: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { form("/mon-espace/preferences".into(), &[("pact", "weekly"), ("engineering", "never")]) })
}

fn b_page_revoke<'a>(w: &'a World, who: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move { form(format!("/profil/jetons/{}/revoquer", token_for(w, who, scope).await), &[]) })
}

fn b_page_invite<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let email = format!("page{}@example.fr", w.fresh());
        form("/administration/personnes".into(), &[("email", &email), ("role", "delegate"), ("departement", "42")])
    })
}

fn b_page_person_grant<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let target = fresh_person(w, &[]).await;
        form(format!("/administration/personnes/{target}/roles"), &[("role", "delegate"), ("departement", "42")])
    })
}

fn b_page_person_revoke<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let target = fresh_person(w, &[Role::Delegate { departement: "42".into() }]).await;
        let grant = w.app.db.store.grants(target).await.expect("grants")[0].id;
        form(format!("/administration/personnes/{target}/roles/{grant}/retirer"), &[])
    })
}

fn b_page_person_invitation<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let target = fresh_person(w, &[]).await;
        form(format!("/administration/personnes/{target}/invitation"), &[])
    })
}

fn b_page_person_account<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let target = fresh_person(w, &[]).await;
        form(format!("/administration/personnes/{target}/compte"), &[("actif", "non")])
    })
}

/// A member list kept from a page preview of the programme in or out of scope.
fn b_page_preview_dismiss<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let code = programme_of(scope);
        let person = fresh_person(w, &[]).await;
        let content = format!("code\n42218\n{}\n", w.fresh());
        let counts = cohesion_store::programme::PreviewCounts { added: 1, ..Default::default() };
        let id = w
            .app
            .db
            .store
            .record_import_preview(code, person, "liste.csv", content.as_bytes(), 1, counts)
            .await
            .expect("kept");
        form(format!("/programmes/{code}/import/apercus/{id}/ecarter"), &[])
    })
}

fn b_page_org<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        form(
            "/administration/organisations".into(),
            &[("kind", "local_authority"), ("territory", &fresh_commune(w, Scope::In))],
        )
    })
}

fn programme_of(scope: Scope) -> &'static str {
    if scope == Scope::In { "pvd" } else { "acv" }
}

fn b_page_programme_create<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let code = format!("page{}", w.fresh());
        form("/programmes/nouveau".into(), &[("code", &code), ("acronym", "P"), ("name", "Programme du test")])
    })
}

fn b_programme_create<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let code = format!("prog{}", w.fresh());
        api("/api/v1/programmes".into(), Some(json!({"code": code, "acronym": "P", "name": "Programme du test"})))
    })
}

fn b_import_preview<'a>(_: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        csv(format!("/api/v1/programmes/{}/imports/preview", programme_of(scope)), "code\n42218\n01001\n")
    })
}

fn b_import_apply<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        w.app.state.refresh().await.expect("refresh");
        let revision = w.app.state.current().programme_revision;
        // Alternates between two lists so that every allowed apply changes something.
        let body = if w.fresh().is_multiple_of(2) { "code\n42218\n" } else { "code\n42218\n01001\n" };
        csv(format!("/api/v1/programmes/{}/imports/apply?base_revision={revision}", programme_of(scope)), body)
    })
}

fn b_eligibility<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let rule = json!({"population_max": 20_000 + w.fresh(), "departements": ["42"]});
        api(format!("/api/v1/programmes/{}/eligibility", programme_of(scope)), Some(rule))
    })
}

fn action(w: &World) -> Value {
    json!({"title": format!("Action {}", w.fresh()), "transitions": ["ecological"], "status": "planned"})
}

fn b_action_create<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move { api(format!("/api/v1/programmes/{}/actions", programme_of(scope)), Some(action(w))) })
}

/// An action just created by the admin in programme `code`: its id and version.
async fn created_action(w: &World, code: &str) -> (String, Value) {
    let (status, created) =
        w.admin_call(reqwest::Method::POST, &format!("/api/v1/programmes/{code}/actions"), action(w)).await;
    assert_eq!(status, 201, "action: {created}");
    (created["id"].as_str().expect("id").to_owned(), created["version"].clone())
}

fn b_action_update<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let code = programme_of(scope);
        let (id, version) = created_action(w, code).await;
        let mut body = action(w);
        body["status"] = json!("in_progress");
        body["version"] = version;
        api(format!("/api/v1/programmes/{code}/actions/{id}"), Some(body))
    })
}

fn b_page_import<'a>(_: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        upload(format!("/programmes/{}/import", programme_of(scope)), &[("fichier", "code\n42218\n01001\n")])
    })
}

fn b_page_import_apply<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        use base64::Engine;
        w.app.state.refresh().await.expect("refresh");
        let revision = w.app.state.current().programme_revision.to_string();
        let body = if w.fresh().is_multiple_of(2) { "code\n42218\n" } else { "code\n42218\n01001\n" };
        let content = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body);
        form(
            format!("/programmes/{}/import/appliquer", programme_of(scope)),
            &[("base_revision", &revision), ("contenu", &content)],
        )
    })
}

fn b_page_action_create<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let title = format!("Action {}", w.fresh());
        let fields = [("title", title.as_str()), ("transitions", "ecological"), ("status", "planned")];
        form(format!("/programmes/{}/actions", programme_of(scope)), &fields)
    })
}

fn b_page_action_update<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let code = programme_of(scope);
        let (id, version) = created_action(w, code).await;
        let version = version.to_string();
        let fields =
            [("title", "Changée"), ("transitions", "digital"), ("status", "in_progress"), ("version", &version)];
        form(format!("/programmes/{code}/actions/{id}"), &fields)
    })
}

fn b_page_eligibility<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let max = (20_000 + w.fresh()).to_string();
        let fields = [("population_max", max.as_str()), ("departements", "42"), ("density_levels", "5")];
        form(format!("/programmes/{}/eligibilite", programme_of(scope)), &fields)
    })
}

fn b_evaluation<'a>(_: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let body = json!({
            "treated": {"type": "territories", "territories": [{"territory": "commune:42218", "adoption_year": 2019}]},
            "indicator": "population", "method": "cs", "from": 2015, "to": 2023
        });
        api("/api/v1/evaluations".into(), Some(body))
    })
}

fn b_page_evaluation<'a>(_: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move {
        let fields = [
            ("intervention", "territoires"),
            ("traite", "commune:42218@2019"),
            ("indicator", "population"),
            ("method", "cs"),
            ("comparison", "not_yet"),
            ("from", "2015"),
            ("to", "2023"),
            ("anticipation", "0"),
            ("placebo_draws", "0"),
            ("demander", "oui"),
        ];
        form("/evaluations/nouvelle".into(), &fields)
    })
}

/// An evaluation that has ended (failed: no worker runs in the matrix), to re-run.
pub async fn ended_evaluation(w: &World) -> String {
    let store = &w.app.db.store;
    let request = json!({
        "treated": {"type": "territories", "territories": [{"territory": "commune:42218", "adoption_year": 2019}]},
        "indicator": "population", "method": "cs", "from": 2015, "to": 2023
    });
    let job = store.create_evaluation(&request, "test").await.expect("evaluation");
    store.claim_evaluation_id(&job.id, "matrix").await.expect("claim").expect("claimed");
    assert!(store.fail_evaluation(&job.id, "matrix", "pas de données").await.expect("fail"));
    job.id
}

fn b_evaluation_rerun<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { api(format!("/api/v1/evaluations/{}/rerun", ended_evaluation(w).await), None) })
}

fn b_page_evaluation_rerun<'a>(w: &'a World, _: Who, _: Scope) -> Fut<'a> {
    Box::pin(async move { form(format!("/evaluations/{}/relancer", ended_evaluation(w).await), &[]) })
}

/// Projects: admins; a delegate or local authority acting on every territory named
/// (Saint-Étienne in scope, L'Abergement-Clémenciat in 01 out of scope).
fn project_rule(who: Who, scope: Scope) -> bool {
    who == Who::Admin || (matches!(who, Who::Delegate | Who::Local) && scope == Scope::In)
}

fn project(w: &World, scope: Scope) -> Value {
    let code = if scope == Scope::In { "42218" } else { "01001" };
    json!({"name": format!("Projet {}", w.fresh()), "territories": [{"kind": "commune", "code": code}],
           "phase": "study", "phase_status": "in_progress", "total_cost_cents": 10_000_000})
}

fn b_project_create<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move { api("/api/v1/projects".into(), Some(project(w, scope))) })
}

fn b_project_patch<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (status, created) = w.admin_call(reqwest::Method::POST, "/api/v1/projects", project(w, scope)).await;
        assert!(status == 201 || status == 200, "project: {status} {created}");
        let id = created["id"].as_str().expect("id").to_owned();
        let version = created["version"].as_i64().expect("version");
        let mut req = api(format!("/api/v1/projects/{id}"), Some(json!({"phase_status": "late"})));
        req.if_match = Some(version.to_string());
        req
    })
}

/// An upsert by external identifier: a fresh identifier each time, so each call
/// creates (authorised as `can_create`); its replacement path is tested in
/// `project_sync`.
fn b_project_upsert<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        api(format!("/api/v1/projects/by-external-id/recoco/matrix-{}", w.fresh()), Some(project(w, scope)))
    })
}

/// A project from the hub Les communs: a fresh hub id each time, so each call creates.
fn b_project_from_communs<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let code = if scope == Scope::In { "42218" } else { "01001" };
        let body = json!({"nom": format!("Projet {}", w.fresh()), "phase": "Étude", "phaseStatut": "En cours",
                          "collectivites": [{"type": "Commune", "code": code}]});
        api(format!("/api/v1/projects/from-communs/hub-{}", w.fresh()), Some(body))
    })
}

/// The hub's list in one call: one fresh project.
fn b_project_from_communs_batch<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let code = if scope == Scope::In { "42218" } else { "01001" };
        let body = json!([{"id": format!("hub-{}", w.fresh()), "nom": format!("Projet {}", w.fresh()),
                           "collectivites": [{"type": "Commune", "codeInsee": code}]}]);
        api("/api/v1/projects/from-communs".to_owned(), Some(body))
    })
}

/// Pacts: the State's party pilots them. In scope: a pact on Saint-Étienne (42) between
/// the State and Saint-Étienne (SIREN 214202186); out of scope: a pact on
/// L'Abergement-Clémenciat (01) between the State and that commune (210100012), where
/// the delegate of 42 is not the State and the local authority of Saint-Étienne no party.
fn pact_owner_rule(who: Who, scope: Scope) -> bool {
    who == Who::Admin || (who == Who::Delegate && scope == Scope::In)
}

/// What a party does (propose, comment, sign): admins (for the State), the delegate
/// and the local authority when they act for a party of the pact.
fn pact_party_rule(who: Who, scope: Scope) -> bool {
    who == Who::Admin || (matches!(who, Who::Delegate | Who::Local) && scope == Scope::In)
}

pub(super) fn pact_local(scope: Scope) -> &'static str {
    if scope == Scope::In { "214202186" } else { "210100012" }
}

fn pact_body(w: &World, scope: Scope, local: &str) -> Value {
    let code = if scope == Scope::In { "42218" } else { "01001" };
    json!({"kind": "cohesion", "title": format!("Pacte {}", w.fresh()),
           "perimeter": [{"kind": "commune", "code": code}],
           "parties": [{"kind": "state", "name": "Préfecture"},
                       {"kind": "local_authority", "name": "Commune", "siren": local}],
           "owner": "state", "actions": []})
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Stage {
    Draft,
    CoConstruction,
    Ready,
    Signed,
}

/// A pact prepared by the admin up to `stage`; returns its id and revision.
pub(super) async fn pact_at(w: &World, scope: Scope, local: &str, stage: Stage) -> (String, i64) {
    let (status, pact) = w.admin_call(reqwest::Method::POST, "/api/v1/pacts", pact_body(w, scope, local)).await;
    assert_eq!(status, 201, "pact: {pact}");
    let id = pact["id"].as_str().expect("id").to_owned();
    let mut revision = pact["revision"].as_i64().expect("revision");
    if stage >= Stage::Ready {
        let (_, project) = w.admin_call(reqwest::Method::POST, "/api/v1/projects", project(w, scope)).await;
        let pid = project["id"].as_str().expect("project").to_owned();
        let token = w.token_of_admin();
        let r = Browser::new()
            .client
            .patch(w.app.url(&format!("/api/v1/pacts/{id}")))
            .bearer_auth(token)
            .header("if-match", format!("\"{revision}\""))
            .json(&json!({"actions": [pid]}))
            .send()
            .await
            .expect("patch");
        assert_eq!(r.status().as_u16(), 200);
    }
    let step = |status: &'static str| {
        let id = id.clone();
        async move {
            let (s, body) = w
                .admin_call(reqwest::Method::POST, &format!("/api/v1/pacts/{id}/status"), json!({"status": status}))
                .await;
            assert_eq!(s, 200, "{status}: {body}");
            body["revision"].as_i64().expect("revision")
        }
    };
    if stage >= Stage::CoConstruction {
        revision = step("co_construction").await;
    }
    if stage >= Stage::Ready {
        revision = step("ready_for_signature").await;
    }
    if stage >= Stage::Signed {
        let path = format!("/api/v1/pacts/{id}/signatures");
        assert_eq!(w.admin_call(reqwest::Method::POST, &path, json!({"party": "state"})).await.0, 200);
        let (s, body) = w.call_as(Who::Local, reqwest::Method::POST, &path, json!({"party": local})).await;
        assert_eq!(s, 200, "local signs: {body}");
        revision = body["revision"].as_i64().expect("revision");
    }
    (id, revision)
}

/// The party `who` would name: the local authority for its people, the State otherwise.
fn party_of(who: Who, scope: Scope) -> &'static str {
    if who == Who::Local { pact_local(scope) } else { "state" }
}

fn b_pact_create<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move { api("/api/v1/pacts".into(), Some(pact_body(w, scope, pact_local(scope)))) })
}

fn b_pact_patch<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, revision) = pact_at(w, scope, pact_local(scope), Stage::Draft).await;
        let mut req = api(format!("/api/v1/pacts/{id}"), Some(json!({"description": "Revu"})));
        req.if_match = Some(revision.to_string());
        req
    })
}

fn b_pact_status<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::Draft).await;
        api(format!("/api/v1/pacts/{id}/status"), Some(json!({"status": "co_construction"})))
    })
}

fn b_pact_sign<'a>(w: &'a World, who: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::Ready).await;
        api(format!("/api/v1/pacts/{id}/signatures"), Some(json!({"party": party_of(who, scope)})))
    })
}

fn b_pact_amend<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        // Saint-Étienne is the other party on both sides, so that its people can sign.
        let (id, _) = pact_at(w, scope, "214202186", Stage::Signed).await;
        api(format!("/api/v1/pacts/{id}/versions"), None)
    })
}

fn b_pact_abandon<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, "214202186", Stage::Signed).await;
        let (s, body) = w.admin_call(reqwest::Method::POST, &format!("/api/v1/pacts/{id}/versions"), json!({})).await;
        assert_eq!(s, 201, "amend: {body}");
        api(format!("/api/v1/pacts/{id}/versions/2"), None)
    })
}

fn b_pact_propose<'a>(w: &'a World, who: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::CoConstruction).await;
        let (_, project) = w.admin_call(reqwest::Method::POST, "/api/v1/projects", project(w, scope)).await;
        let body = json!({"party": party_of(who, scope),
                          "change": {"type": "add_project", "project_id": project["id"]}, "message": "Utile"});
        api(format!("/api/v1/pacts/{id}/proposals"), Some(body))
    })
}

fn b_pact_decide<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::CoConstruction).await;
        let (_, project) = w.admin_call(reqwest::Method::POST, "/api/v1/projects", project(w, scope)).await;
        let body = json!({"party": "state", "change": {"type": "add_project", "project_id": project["id"]}});
        let (s, proposal) = w.admin_call(reqwest::Method::POST, &format!("/api/v1/pacts/{id}/proposals"), body).await;
        assert_eq!(s, 201, "proposal: {proposal}");
        let pid = proposal["id"].as_str().expect("id");
        api(
            format!("/api/v1/pacts/{id}/proposals/{pid}/decision"),
            Some(json!({"accept": false, "reason": "Hors du périmètre financier"})),
        )
    })
}

fn b_pact_comment<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::Draft).await;
        api(format!("/api/v1/pacts/{id}/comments"), Some(json!({"body": "Une remarque"})))
    })
}

fn pact_form_fields(scope: Scope, title: &str) -> Vec<(&'static str, String)> {
    let code = if scope == Scope::In { "commune:42218" } else { "commune:01001" };
    vec![
        ("kind", "cohesion".into()),
        ("title", title.into()),
        ("perimetre", code.into()),
        ("state_name", "Préfecture".into()),
        ("partie", format!("local_authority|{}|Commune", pact_local(scope))),
        ("owner", "state".into()),
    ]
}

fn owned_form(path: String, fields: Vec<(&'static str, String)>) -> Req {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form(path, &borrowed)
}

fn b_page_pact_create<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(
        async move { owned_form("/pactes/nouveau".into(), pact_form_fields(scope, &format!("Pacte {}", w.fresh()))) },
    )
}

fn b_page_pact_edit<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, revision) = pact_at(w, scope, pact_local(scope), Stage::Draft).await;
        let mut fields = pact_form_fields(scope, "Titre revu");
        fields.push(("revision", revision.to_string()));
        owned_form(format!("/pactes/{id}/modifier"), fields)
    })
}

fn b_page_pact_step<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::Draft).await;
        form(format!("/pactes/{id}/etape"), &[("target", "co_construction")])
    })
}

fn b_page_pact_sign<'a>(w: &'a World, who: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::Ready).await;
        form(format!("/pactes/{id}/signature"), &[("party", party_of(who, scope)), ("confirmer", "oui")])
    })
}

fn b_page_pact_amend<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, "214202186", Stage::Signed).await;
        form(format!("/pactes/{id}/avenant"), &[])
    })
}

fn b_pact_publish<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::Draft).await;
        api(format!("/api/v1/pacts/{id}/publication"), None)
    })
}

/// Confirmed (`confirmer=oui`): the first post only shows the confirmation page.
fn b_page_pact_publish<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::Draft).await;
        form(format!("/pactes/{id}/publication"), &[("confirmer", "oui")])
    })
}

fn b_page_pact_abandon<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, "214202186", Stage::Signed).await;
        let (s, body) = w.admin_call(reqwest::Method::POST, &format!("/api/v1/pacts/{id}/versions"), json!({})).await;
        assert_eq!(s, 201, "amend: {body}");
        form(format!("/pactes/{id}/avenant/abandonner"), &[])
    })
}

fn b_page_pact_propose<'a>(w: &'a World, who: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::CoConstruction).await;
        let (_, project) = w.admin_call(reqwest::Method::POST, "/api/v1/projects", project(w, scope)).await;
        let pid = project["id"].as_str().expect("project").to_owned();
        let fields =
            [("party", party_of(who, scope)), ("type", "add_project"), ("project", &pid), ("message", "Utile")];
        form(format!("/pactes/{id}/propositions"), &fields)
    })
}

fn b_page_pact_decide<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::CoConstruction).await;
        let (_, project) = w.admin_call(reqwest::Method::POST, "/api/v1/projects", project(w, scope)).await;
        let body = json!({"party": "state", "change": {"type": "add_project", "project_id": project["id"]}});
        let (s, proposal) = w.admin_call(reqwest::Method::POST, &format!("/api/v1/pacts/{id}/proposals"), body).await;
        assert_eq!(s, 201, "proposal: {proposal}");
        let pid = proposal["id"].as_str().expect("id");
        form(
            format!("/pactes/{id}/propositions/{pid}/decision"),
            &[("decision", "decline"), ("reason", "Hors du périmètre financier")],
        )
    })
}

fn b_page_pact_comment<'a>(w: &'a World, _: Who, scope: Scope) -> Fut<'a> {
    Box::pin(async move {
        let (id, _) = pact_at(w, scope, pact_local(scope), Stage::Draft).await;
        form(format!("/pactes/{id}/commentaires"), &[("thread", "pact"), ("body", "Une remarque")])
    })
}

pub fn ops() -> Vec<Op> {
    let op = |method, path, scoped, allowed, build, rule| Op { method, path, scoped, allowed, build, rule };
    vec![
        op(
            "POST",
            "/api/v1/tokens",
            true,
            within_scope as fn(Who, Scope) -> bool,
            b_token_create as super::Build,
            "signed in; out of scope = asking for a role not held (`can_create_token`)",
        ),
        op(
            "DELETE",
            "/api/v1/tokens/{id}",
            true,
            within_scope,
            b_token_revoke,
            "own token; admins any (`can_revoke_token`)",
        ),
        op("DELETE", "/api/v1/me/sessions", false, signed_in_rule, b_end_sessions, "signed in (`can_edit_self`)"),
        op(
            "POST",
            "/api/v1/organisations",
            true,
            organisation_rule,
            b_org_create,
            "admins; delegates for local authorities of their département (`can_write_organisation`)",
        ),
        op(
            "PUT",
            "/api/v1/organisations/{id}",
            true,
            organisation_rule,
            b_org_update,
            "as creation, before and after the change",
        ),
        op(
            "POST",
            "/api/v1/people/invitations",
            true,
            within_scope,
            b_invite,
            "roles the inviter may grant (`can_invite`, see docs/access.md)",
        ),
        op("POST", "/api/v1/people/{id}/roles", true, within_scope, b_grant, "`can_grant`"),
        op("DELETE", "/api/v1/people/{id}/roles/{grant}", true, within_scope, b_revoke, "`can_revoke` (= `can_grant`)"),
        op("PUT", "/api/v1/people/{id}/active", false, admin_only, b_set_active, "admins (`can_administer_people`)"),
        op("POST", "/connexion", false, anyone, b_sign_in, "anyone, with the form's CSRF token; throttled"),
        op("POST", "/deconnexion", false, anyone, b_sign_out, "anyone (ends the session if any)"),
        op(
            "POST",
            "/connexion/proconnect",
            false,
            anyone,
            b_proconnect,
            "anyone, with the form's CSRF token (starts the ProConnect flow)",
        ),
        op("POST", "/mot-de-passe-oublie", false, anyone, b_forgot, "anyone; same answer whether the account exists"),
        op("POST", "/mot-de-passe", false, anyone, b_set_password, "holder of an invitation or reset link"),
        op("POST", "/profil/deconnexion-partout", false, signed_in_rule, b_end_all, "signed in"),
        op("POST", "/profil/courriel", false, signed_in_rule, b_email, "signed in"),
        op(
            "POST",
            "/profil/courriel/confirmer",
            false,
            anyone,
            b_email_confirm,
            "holder of the link mailed to the new address",
        ),
        op("POST", "/profil/jetons", false, signed_in_rule, b_page_token, "signed in (token with all own roles)"),
        op("POST", "/mon-espace/preferences", false, signed_in_rule, b_preferences, "signed in (own preferences only)"),
        op("POST", "/profil/jetons/{id}/revoquer", true, within_scope, b_page_revoke, "own token; admins any"),
        op("POST", "/administration/personnes", false, admin_only, b_page_invite, "admins (`can_administer_people`)"),
        op(
            "POST",
            "/administration/personnes/{id}/roles",
            false,
            admin_only,
            b_page_person_grant,
            "admins (`can_administer_people`), then `can_grant` as the API",
        ),
        op(
            "POST",
            "/administration/personnes/{id}/roles/{grant}/retirer",
            false,
            admin_only,
            b_page_person_revoke,
            "admins, then `can_revoke` as the API (never one's own)",
        ),
        op(
            "POST",
            "/administration/personnes/{id}/invitation",
            false,
            admin_only,
            b_page_person_invitation,
            "admins, for an active account that never chose a password",
        ),
        op(
            "POST",
            "/administration/personnes/{id}/compte",
            false,
            admin_only,
            b_page_person_account,
            "admins (`can_set_active`: never one's own account)",
        ),
        op("POST", "/administration/organisations", false, admin_only, b_page_org, "admins"),
        op("POST", "/api/v1/programmes", false, admin_only, b_programme_create, "admins (`programme::can_create`)"),
        op(
            "POST",
            "/programmes/nouveau",
            false,
            admin_only,
            b_page_programme_create,
            "as `POST /api/v1/programmes`: admins",
        ),
        op(
            "POST",
            "/api/v1/programmes/{code}/imports/preview",
            true,
            programme_rule,
            b_import_preview,
            "admins; the programme's manager (`programme::can_manage`)",
        ),
        op(
            "POST",
            "/api/v1/programmes/{code}/imports/apply",
            true,
            programme_rule,
            b_import_apply,
            "admins; the programme's manager (`programme::can_manage`)",
        ),
        op(
            "PUT",
            "/api/v1/programmes/{code}/eligibility",
            true,
            programme_rule,
            b_eligibility,
            "admins; the programme's manager (`programme::can_manage`)",
        ),
        op(
            "POST",
            "/api/v1/programmes/{code}/actions",
            true,
            programme_rule,
            b_action_create,
            "admins; the programme's manager (`programme::can_manage`)",
        ),
        op(
            "PUT",
            "/api/v1/programmes/{code}/actions/{id}",
            true,
            programme_rule,
            b_action_update,
            "admins; the programme's manager (`programme::can_manage`)",
        ),
        op(
            "POST",
            "/programmes/{code}/import",
            true,
            programme_rule,
            b_page_import,
            "admins; the programme's manager (`programme::can_manage`); shows the preview and keeps it for the managers' space, changes no member",
        ),
        op(
            "POST",
            "/programmes/{code}/import/appliquer",
            true,
            programme_rule,
            b_page_import_apply,
            "admins; the programme's manager (`programme::can_manage`), at the previewed revision",
        ),
        op(
            "POST",
            "/programmes/{code}/import/apercus/{id}/ecarter",
            true,
            programme_rule,
            b_page_preview_dismiss,
            "admins; the programme's manager (`programme::can_manage`); an open kept preview",
        ),
        op(
            "POST",
            "/programmes/{code}/actions",
            true,
            programme_rule,
            b_page_action_create,
            "admins; the programme's manager (`programme::can_manage`)",
        ),
        op(
            "POST",
            "/programmes/{code}/actions/{id}",
            true,
            programme_rule,
            b_page_action_update,
            "admins; the programme's manager (`programme::can_manage`), with the version read",
        ),
        op(
            "POST",
            "/programmes/{code}/eligibilite",
            true,
            programme_rule,
            b_page_eligibility,
            "admins; the programme's manager (`programme::can_manage`)",
        ),
        op(
            "POST",
            "/api/v1/evaluations",
            false,
            signed_in_rule,
            b_evaluation,
            "anyone signed in with a role (`evaluation::can_request`)",
        ),
        op(
            "POST",
            "/evaluations/nouvelle",
            false,
            signed_in_rule,
            b_page_evaluation,
            "anyone signed in with a role (`evaluation::can_request`), the form of the pages",
        ),
        op(
            "POST",
            "/api/v1/evaluations/{id}/rerun",
            false,
            signed_in_rule,
            b_evaluation_rerun,
            "as a request (`evaluation::rerun::can_rerun` = `can_request`), an evaluation that has ended",
        ),
        op(
            "POST",
            "/evaluations/{id}/relancer",
            false,
            signed_in_rule,
            b_page_evaluation_rerun,
            "as `POST /api/v1/evaluations/{id}/rerun`, the button of the evaluation's page",
        ),
        op(
            "POST",
            "/api/v1/projects",
            true,
            project_rule,
            b_project_create,
            "admins; a delegate or local authority whose territory covers every territory named (`project::can_create`)",
        ),
        op(
            "PATCH",
            "/api/v1/projects/{id}",
            true,
            project_rule,
            b_project_patch,
            "admins; a delegate or local authority covering the project's territories (`project::can_edit`), with If-Match",
        ),
        op(
            "PUT",
            "/api/v1/projects/by-external-id/{tool}/{id}",
            true,
            project_rule,
            b_project_upsert,
            "as a creation (`project::can_create`) the first time, as a change (`project::can_edit`, before and after) then; If-Match optional",
        ),
        op(
            "PUT",
            "/api/v1/projects/from-communs/{id}",
            true,
            project_rule,
            b_project_from_communs,
            "as the upsert by external id (`project::can_create`, then `project::can_edit` before and after)",
        ),
        op(
            "PUT",
            "/api/v1/projects/from-communs",
            true,
            project_rule,
            b_project_from_communs_batch,
            "each project as `PUT …/from-communs/{id}`; one the caller may not write: none is written (403)",
        ),
        op(
            "POST",
            "/api/v1/pacts",
            true,
            pact_owner_rule,
            b_pact_create,
            "who acts for the owner party (here the State: admins, the delegate of the perimeter) (`pact::is_owner`)",
        ),
        op(
            "PATCH",
            "/api/v1/pacts/{id}",
            true,
            pact_owner_rule,
            b_pact_patch,
            "the owner party (`pact::is_owner`), with If-Match, while the text is a draft or in co-construction",
        ),
        op(
            "POST",
            "/api/v1/pacts/{id}/status",
            true,
            pact_owner_rule,
            b_pact_status,
            "the owner party (`pact::is_owner`)",
        ),
        op(
            "POST",
            "/api/v1/pacts/{id}/signatures",
            true,
            pact_party_rule,
            b_pact_sign,
            "who acts for the party signing (`pact::acts_for`: the State through admins or the delegate of the \
             perimeter, a local authority through its people)",
        ),
        op(
            "POST",
            "/api/v1/pacts/{id}/versions",
            true,
            pact_owner_rule,
            b_pact_amend,
            "the owner party (`pact::is_owner`), once the pact is signed",
        ),
        op(
            "POST",
            "/api/v1/pacts/{id}/publication",
            true,
            pact_owner_rule,
            b_pact_publish,
            "the owner party (`pact::is_owner`), before the first signature; never undone",
        ),
        op(
            "DELETE",
            "/api/v1/pacts/{id}/versions/{number}",
            true,
            pact_owner_rule,
            b_pact_abandon,
            "the owner party (`pact::is_owner`), an amendment not yet signed",
        ),
        op(
            "POST",
            "/api/v1/pacts/{id}/proposals",
            true,
            pact_party_rule,
            b_pact_propose,
            "who acts for the proposing party (`pact::acts_for`), during co-construction",
        ),
        op(
            "POST",
            "/api/v1/pacts/{id}/proposals/{proposal}/decision",
            true,
            pact_owner_rule,
            b_pact_decide,
            "the owner party (`pact::is_owner`), a reason required",
        ),
        op(
            "POST",
            "/api/v1/pacts/{id}/comments",
            true,
            pact_party_rule,
            b_pact_comment,
            "who acts for a party of the pact, or admins (`pact::is_participant`)",
        ),
        op(
            "POST",
            "/pactes/nouveau",
            true,
            pact_owner_rule,
            b_page_pact_create,
            "as `POST /api/v1/pacts`: who acts for the owner party",
        ),
        op(
            "POST",
            "/pactes/{id}/modifier",
            true,
            pact_owner_rule,
            b_page_pact_edit,
            "as `PATCH /api/v1/pacts/{id}`: the owner party, with the revision read",
        ),
        op(
            "POST",
            "/pactes/{id}/etape",
            true,
            pact_owner_rule,
            b_page_pact_step,
            "as `POST /api/v1/pacts/{id}/status`: the owner party",
        ),
        op(
            "POST",
            "/pactes/{id}/signature",
            true,
            pact_party_rule,
            b_page_pact_sign,
            "as `POST /api/v1/pacts/{id}/signatures`: who acts for the party signing",
        ),
        op(
            "POST",
            "/pactes/{id}/avenant",
            true,
            pact_owner_rule,
            b_page_pact_amend,
            "as `POST /api/v1/pacts/{id}/versions`: the owner party, once signed",
        ),
        op(
            "POST",
            "/pactes/{id}/publication",
            true,
            pact_owner_rule,
            b_page_pact_publish,
            "as `POST /api/v1/pacts/{id}/publication`: the owner party, before signature",
        ),
        op(
            "POST",
            "/pactes/{id}/avenant/abandonner",
            true,
            pact_owner_rule,
            b_page_pact_abandon,
            "as `DELETE /api/v1/pacts/{id}/versions/{number}`: the owner party, an amendment not yet signed",
        ),
        op(
            "POST",
            "/pactes/{id}/propositions",
            true,
            pact_party_rule,
            b_page_pact_propose,
            "as `POST /api/v1/pacts/{id}/proposals`: who acts for the proposing party",
        ),
        op(
            "POST",
            "/pactes/{id}/propositions/{proposal}/decision",
            true,
            pact_owner_rule,
            b_page_pact_decide,
            "as the API's decision: the owner party, a reason required",
        ),
        op(
            "POST",
            "/pactes/{id}/commentaires",
            true,
            pact_party_rule,
            b_page_pact_comment,
            "as `POST /api/v1/pacts/{id}/comments`: the parties, or admins",
        ),
    ]
}
