//! Administration of people (list, invitations) and organisations (list, creation),
//! for admins. The rules are the API's (`cohesion_core::access::rules`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_core::access::rules;
use serde::Deserialize;
use uuid::Uuid;

use super::error::{PageError, render};
use super::layout::{Layout, Nav};
use super::profile::role_label;
use super::visitor::Who;
use crate::AppState;
use crate::access::RoleView;
use cohesion_app::AppError;
use cohesion_app::access::account::{self, Invitation};
use cohesion_app::access::{OrganisationBody, organisation, person};

pub struct PersonRow {
    pub href: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "admin_personnes.html")]
struct People {
    layout: Layout,
    info: Option<&'static str>,
    error: Option<String>,
    people: Vec<PersonRow>,
    total: u64,
    organisations: Vec<(String, String)>,
    /// (code, name) of the programmes, by name: chosen, never typed.
    programmes: Vec<(String, String)>,
    /// (code, "42 — Loire") of the départements, by code.
    departements: Vec<(String, String)>,
}

pub struct OrganisationRow {
    pub name: String,
    pub kind: &'static str,
    pub siren: String,
    pub siret: String,
    pub territory: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin_organisations.html")]
struct Organisations {
    layout: Layout,
    info: Option<&'static str>,
    errors: Vec<String>,
    organisations: Vec<OrganisationRow>,
    /// The form as sent (kept on a fault or a search).
    form: OrganisationFormView,
}

/// The organisation form's fields as shown again; its territory chosen by searching.
#[derive(Default)]
pub struct OrganisationFormView {
    pub kind: String,
    pub name: String,
    pub siren: String,
    pub siret: String,
    pub territory: super::components::TerritoryPicker,
}

#[derive(Deserialize)]
pub struct InfoQuery {
    info: Option<String>,
}

/// The signed-in admin, or the response to give instead.
fn admin(who: &Who) -> Result<(), Box<Response>> {
    who.allowed(rules::can_administer_people).map(|_| ())
}

/// What a form of these pages answers when it may not go on.
type Refusal = Box<Result<Response, PageError>>;

/// A form's CSRF token checked, then the signed-in admin; otherwise what to answer.
fn form_admin(who: &Who, csrf: &str) -> Result<std::sync::Arc<crate::auth::Authenticated>, Refusal> {
    who.check_csrf(csrf).map_err(|e| Box::new(Err(e)))?;
    who.allowed(rules::can_administer_people).cloned().map_err(|r| Box::new(Ok(*r)))
}

async fn people_page(
    state: &AppState,
    who: &Who,
    info: Option<&'static str>,
    error: Option<String>,
) -> Result<People, PageError> {
    let fail = |e: AppError| PageError::internal(&who.config, e);
    let Some(me) = who.auth.as_ref() else { return Err(PageError::forbidden(&who.config)) };
    let (people, total) = person::list(state, &me.principal, 500, 0).await.map_err(fail)?;
    let mut rows = Vec::with_capacity(people.len());
    for (p, grants) in &people {
        let mut labels = Vec::new();
        for g in grants {
            labels.push(role_label(state, &g.role).await);
        }
        rows.push(PersonRow {
            href: format!("/administration/personnes/{}", p.id),
            name: p.display_name(),
            email: p.email.to_string(),
            roles: if labels.is_empty() { "—".into() } else { labels.join(" ; ") },
            state: account_state(p),
        });
    }
    let Choices { organisations, programmes, departements } = choices(state).await.map_err(fail)?;
    Ok(People {
        layout: Layout::new(&who.config, "Administration des personnes", Nav::None),
        info,
        error,
        people: rows,
        total,
        organisations,
        programmes,
        departements,
    })
}

fn account_state(p: &cohesion_core::access::person::Person) -> &'static str {
    if !p.active {
        "désactivé"
    } else if p.has_password {
        "actif"
    } else {
        "invitation envoyée"
    }
}

/// What a role is chosen from: organisations, programmes (by name), départements
/// (by code), never typed.
struct Choices {
    organisations: Vec<(String, String)>,
    programmes: Vec<(String, String)>,
    departements: Vec<(String, String)>,
}

async fn choices(state: &AppState) -> Result<Choices, AppError> {
    let organisations = organisation::list(state).await?.into_iter().map(|o| (o.id.to_string(), o.name)).collect();
    let snapshot = state.current();
    let mut programmes: Vec<(String, String)> =
        snapshot.programmes.programmes().iter().map(|p| (p.code.clone(), p.name.clone())).collect();
    programmes.sort_by(|a, b| a.1.cmp(&b.1));
    let mut departements: Vec<(String, String)> = snapshot
        .referential
        .all()
        .iter()
        .filter(|t| t.kind == cohesion_core::territory::TerritoryKind::Departement)
        .map(|t| (t.code.clone(), format!("{} — {}", t.code, t.name)))
        .collect();
    departements.sort();
    Ok(Choices { organisations, programmes, departements })
}

/// `GET /administration/personnes`.
pub async fn people(
    State(state): State<AppState>,
    who: Who,
    Query(q): Query<InfoQuery>,
) -> Result<Response, PageError> {
    if let Err(r) = admin(&who) {
        return Ok(*r);
    }
    let info = (q.info.as_deref() == Some("invitation")).then_some("L’invitation est envoyée.");
    Ok(render(&who.config, &people_page(&state, &who, info, None).await?)?.into_response())
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    usual_name: String,
    #[serde(default)]
    role: String,
    programme: Option<String>,
    departement: Option<String>,
    organisation: Option<String>,
}

fn role_view(
    role: &str,
    programme: &Option<String>,
    departement: &Option<String>,
    organisation: &Option<String>,
) -> RoleView {
    RoleView {
        role: role.to_owned(),
        programme: nonempty(programme),
        departement: nonempty(departement),
        organisation: nonempty(organisation).and_then(|o| Uuid::parse_str(&o).ok()),
        territory: None,
    }
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// `POST /administration/personnes`: invites someone.
pub async fn invite(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<InviteForm>,
) -> Result<Response, PageError> {
    let me = match form_admin(&who, &form.csrf) {
        Ok(me) => me,
        Err(answer) => return *answer,
    };
    let role = role_view(&form.role, &form.programme, &form.departement, &form.organisation);
    let invitation =
        Invitation { email: form.email, given_name: form.given_name, usual_name: form.usual_name, roles: vec![role] };
    let error = match account::invite(&state, &state.auth, &me.principal, &who.by(), &invitation).await {
        Ok(_) => return Ok(Redirect::to("/administration/personnes?info=invitation").into_response()),
        Err(AppError::Invalid(faults)) => {
            let fields: Vec<String> = faults.iter().map(|e| e.field.clone()).collect();
            format!("Invitation non envoyée : vérifiez {}.", french_fields(&fields))
        }
        Err(AppError::Conflict(_)) => "Invitation non envoyée : cette adresse a déjà un compte.".into(),
        Err(AppError::Forbidden(_)) => return Err(PageError::forbidden(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let page = people_page(&state, &who, None, Some(error)).await?;
    Ok((StatusCode::BAD_REQUEST, render(&who.config, &page)?).into_response())
}

fn french_fields(fields: &[String]) -> String {
    let names: Vec<&str> = fields
        .iter()
        .map(|f| match f.rsplit('.').next().unwrap_or(f) {
            "email" => "l’adresse électronique",
            "programme" => "le code du programme",
            "departement" => "le code du département",
            "organisation" => "l’organisation",
            _ => "le rôle",
        })
        .collect();
    names.join(", ")
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "local_authority" => "Collectivité territoriale",
        "state_service" => "Service de l’État",
        _ => "Partenaire",
    }
}

async fn organisations_page(
    state: &AppState,
    who: &Who,
    info: Option<&'static str>,
    errors: Vec<String>,
    form: OrganisationFormView,
) -> Result<Organisations, PageError> {
    let all = organisation::list(state).await.map_err(|e| PageError::internal(&who.config, e))?;
    let snapshot = state.current();
    let organisations = all
        .iter()
        .map(|o| OrganisationRow {
            name: o.name.clone(),
            kind: kind_label(o.kind.as_str()),
            siren: o.siren.clone().unwrap_or_default(),
            siret: o.siret.clone().unwrap_or_default(),
            territory: o.territory.as_ref().map(|t| {
                let name = snapshot.referential.get_ref(t).map_or_else(|| t.to_string(), |x| x.name.clone());
                (format!("/territoires/{}/{}", t.kind.as_str(), t.code), name)
            }),
        })
        .collect();
    Ok(Organisations {
        layout: Layout::new(&who.config, "Administration des organisations", Nav::None),
        info,
        errors,
        organisations,
        form,
    })
}

/// The form's view from what was sent, with the territories a search found.
fn organisation_view(state: &AppState, form: &OrganisationForm) -> OrganisationFormView {
    OrganisationFormView {
        kind: form.kind.clone(),
        name: form.name.clone().unwrap_or_default(),
        siren: form.siren.clone().unwrap_or_default(),
        siret: form.siret.clone().unwrap_or_default(),
        territory: super::components::TerritoryPicker::new(
            state,
            form.territory.as_deref().unwrap_or(""),
            form.territory_q.as_deref().unwrap_or(""),
            form.chercher.as_deref() == Some("territory"),
        ),
    }
}

/// `GET /administration/organisations`.
pub async fn organisations(
    State(state): State<AppState>,
    who: Who,
    Query(q): Query<InfoQuery>,
) -> Result<Response, PageError> {
    if let Err(r) = admin(&who) {
        return Ok(*r);
    }
    let info = (q.info.as_deref() == Some("ajout")).then_some("L’organisation est ajoutée.");
    let form = OrganisationFormView { kind: "local_authority".into(), ..OrganisationFormView::default() };
    Ok(render(&who.config, &organisations_page(&state, &who, info, Vec::new(), form).await?)?.into_response())
}

#[derive(Deserialize)]
pub struct OrganisationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    name: Option<String>,
    siren: Option<String>,
    siret: Option<String>,
    /// The territory ticked (`kind:code`, from a search's results).
    territory: Option<String>,
    /// Words of the territory to find, and `territory` when its « Chercher » was pressed.
    territory_q: Option<String>,
    chercher: Option<String>,
}

/// `POST /administration/organisations`.
pub async fn create_organisation(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, PageError> {
    let me = match form_admin(&who, &form.csrf) {
        Ok(me) => me,
        Err(answer) => return *answer,
    };
    let view = organisation_view(&state, &form);
    if form.chercher.as_deref() == Some("territory") {
        return Ok(
            render(&who.config, &organisations_page(&state, &who, None, Vec::new(), view).await?)?.into_response()
        );
    }
    let body = OrganisationBody {
        kind: form.kind,
        name: nonempty(&form.name),
        siren: nonempty(&form.siren),
        siret: nonempty(&form.siret),
        territory: nonempty(&form.territory),
        version: None,
    };
    let errors = match organisation::create(&state, &me.principal, &who.by(), &body).await {
        Ok(_) => return Ok(Redirect::to("/administration/organisations?info=ajout").into_response()),
        Err(AppError::Conflict(_)) => vec!["Une organisation a déjà ce SIRET ou ce territoire.".to_owned()],
        Err(AppError::Invalid(faults)) => faults.iter().map(super::fault::french).collect(),
        Err(AppError::Forbidden(_)) => return Err(PageError::forbidden(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let page = organisations_page(&state, &who, None, errors, view).await?;
    Ok((StatusCode::BAD_REQUEST, render(&who.config, &page)?).into_response())
}

pub struct GrantRow {
    pub label: String,
    pub revoke_action: String,
    /// The admin's own role: revoked by another admin.
    pub own: bool,
}

#[derive(Template)]
#[template(path = "admin_personne.html")]
struct PersonPage {
    layout: Layout,
    info: Option<&'static str>,
    error: Option<String>,
    email: String,
    state: &'static str,
    grants: Vec<GrantRow>,
    active: bool,
    /// Invited, never signed in: the invitation can be sent again.
    waiting: bool,
    own: bool,
    grant_action: String,
    invitation_action: String,
    account_action: String,
    organisations: Vec<(String, String)>,
    programmes: Vec<(String, String)>,
    departements: Vec<(String, String)>,
}

fn person_href(id: &str) -> String {
    format!("/administration/personnes/{id}")
}

async fn person_page(
    state: &AppState,
    who: &Who,
    id: &str,
    info: Option<&'static str>,
    error: Option<String>,
) -> Result<PersonPage, PageError> {
    let fail = |e: AppError| match e {
        AppError::NotFound(_) => PageError::not_found(&who.config),
        AppError::Forbidden(_) => PageError::forbidden(&who.config),
        e => PageError::internal(&who.config, e),
    };
    let Some(me) = who.auth.as_ref() else { return Err(PageError::forbidden(&who.config)) };
    let (p, grants) = person::get(state, &me.principal, id).await.map_err(fail)?;
    let own = p.id == me.principal.person;
    let mut rows = Vec::with_capacity(grants.len());
    for g in &grants {
        rows.push(GrantRow {
            label: role_label(state, &g.role).await,
            revoke_action: format!("{}/roles/{}/retirer", person_href(id), g.id),
            own,
        });
    }
    let Choices { organisations, programmes, departements } = choices(state).await.map_err(fail)?;
    Ok(PersonPage {
        layout: Layout::new(&who.config, p.display_name(), Nav::None)
            .crumb("Administration des personnes", "/administration/personnes"),
        info,
        error,
        email: p.email.to_string(),
        state: account_state(&p),
        grants: rows,
        active: p.active,
        waiting: p.active && !p.has_password,
        own,
        grant_action: format!("{}/roles", person_href(id)),
        invitation_action: format!("{}/invitation", person_href(id)),
        account_action: format!("{}/compte", person_href(id)),
        organisations,
        programmes,
        departements,
    })
}

/// `GET /administration/personnes/{id}`: a person's roles and account, with the
/// actions on them (admins).
pub async fn person_detail(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Query(q): Query<InfoQuery>,
) -> Result<Response, PageError> {
    if let Err(r) = admin(&who) {
        return Ok(*r);
    }
    let info = match q.info.as_deref() {
        Some("role") => Some("Le rôle est ajouté."),
        Some("retrait") => Some("Le rôle est retiré."),
        Some("invitation") => Some("Une nouvelle invitation est envoyée."),
        Some("desactive") => Some("Le compte est désactivé : ses sessions et ses jetons ne fonctionnent plus."),
        Some("reactive") => Some("Le compte est réactivé."),
        _ => None,
    };
    Ok(render(&who.config, &person_page(&state, &who, &id, info, None).await?)?.into_response())
}

/// After an action on a person: back to their page with its notice, or the page again
/// with the error in French.
async fn after(
    state: &AppState,
    who: &Who,
    id: &str,
    done: Result<(), AppError>,
    info: &str,
) -> Result<Response, PageError> {
    let error = match done {
        Ok(()) => return Ok(Redirect::to(&format!("{}?info={info}", person_href(id))).into_response()),
        Err(AppError::Invalid(faults)) => {
            let fields: Vec<String> = faults.iter().map(|e| e.field.clone()).collect();
            format!("Rien n’a changé : vérifiez {}.", french_fields(&fields))
        }
        Err(AppError::Conflict(_)) => "Rien n’a changé : ce compte n’attend plus son invitation.".into(),
        Err(AppError::Forbidden(m)) if m.contains("your own") => {
            "Rien n’a changé : vos propres rôles et votre compte se modifient par un autre administrateur.".into()
        }
        Err(AppError::Forbidden(_)) => return Err(PageError::forbidden(&who.config)),
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let page = person_page(state, who, id, None, Some(error)).await?;
    Ok((StatusCode::BAD_REQUEST, render(&who.config, &page)?).into_response())
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    programme: Option<String>,
    departement: Option<String>,
    organisation: Option<String>,
}

/// `POST /administration/personnes/{id}/roles`: grants a role.
pub async fn grant_role(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<GrantForm>,
) -> Result<Response, PageError> {
    let me = match form_admin(&who, &form.csrf) {
        Ok(me) => me,
        Err(answer) => return *answer,
    };
    let role = role_view(&form.role, &form.programme, &form.departement, &form.organisation);
    let done = person::grant(&state, &me.principal, &who.by(), &id, &role).await.map(|_| ());
    after(&state, &who, &id, done, "role").await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /administration/personnes/{id}/roles/{grant}/retirer`: revokes a role.
pub async fn revoke_role(
    State(state): State<AppState>,
    who: Who,
    Path((id, grant)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let me = match form_admin(&who, &form.csrf) {
        Ok(me) => me,
        Err(answer) => return *answer,
    };
    let done = person::revoke(&state, &me.principal, &who.by(), &id, &grant).await;
    after(&state, &who, &id, done, "retrait").await
}

/// `POST /administration/personnes/{id}/invitation`: mails a new invitation link.
pub async fn resend_invitation(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let me = match form_admin(&who, &form.csrf) {
        Ok(me) => me,
        Err(answer) => return *answer,
    };
    let Ok(person) = Uuid::parse_str(&id) else { return Err(PageError::not_found(&who.config)) };
    let done = account::resend_invitation(&state, &state.auth, &me.principal, &who.by(), person).await;
    after(&state, &who, &id, done, "invitation").await
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    actif: String,
}

/// `POST /administration/personnes/{id}/compte`: deactivates (`actif=non`) or
/// reactivates (`actif=oui`) the account.
pub async fn set_account(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<AccountForm>,
) -> Result<Response, PageError> {
    let me = match form_admin(&who, &form.csrf) {
        Ok(me) => me,
        Err(answer) => return *answer,
    };
    let active = match form.actif.as_str() {
        "oui" => true,
        "non" => false,
        _ => return Err(PageError::forbidden(&who.config)),
    };
    let done = person::set_active(&state, &me.principal, &who.by(), &id, active).await;
    after(&state, &who, &id, done, if active { "reactive" } else { "desactive" }).await
}
