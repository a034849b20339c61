//! Administration of people (list, invitations) and organisations (list, creation),
//! for admins. The rules are the API's (`cohesion_core::access::rules`).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
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
}

#[derive(Deserialize)]
pub struct InfoQuery {
    info: Option<String>,
}

/// The signed-in admin, or the response to give instead.
fn admin(who: &Who) -> Result<(), Box<Response>> {
    who.allowed(rules::can_administer_people).map(|_| ())
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
            name: p.display_name(),
            email: p.email.to_string(),
            roles: if labels.is_empty() { "—".into() } else { labels.join(" ; ") },
            state: if !p.active {
                "désactivé"
            } else if p.has_password {
                "actif"
            } else {
                "invitation envoyée"
            },
        });
    }
    let organisations =
        organisation::list(state).await.map_err(fail)?.into_iter().map(|o| (o.id.to_string(), o.name)).collect();
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

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// `POST /administration/personnes`: invites someone.
pub async fn invite(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<InviteForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    if let Err(r) = admin(&who) {
        return Ok(*r);
    }
    let Some(me) = who.auth.clone() else { return Err(PageError::forbidden(&who.config)) };
    let role = RoleView {
        role: form.role.clone(),
        programme: nonempty(&form.programme),
        departement: nonempty(&form.departement),
        organisation: nonempty(&form.organisation).and_then(|o| Uuid::parse_str(&o).ok()),
        territory: None,
    };
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
    })
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
    Ok(render(&who.config, &organisations_page(&state, &who, info, Vec::new()).await?)?.into_response())
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
    territory: Option<String>,
}

/// `POST /administration/organisations`.
pub async fn create_organisation(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    if let Err(r) = admin(&who) {
        return Ok(*r);
    }
    let body = OrganisationBody {
        kind: form.kind,
        name: nonempty(&form.name),
        siren: nonempty(&form.siren),
        siret: nonempty(&form.siret),
        territory: nonempty(&form.territory),
        version: None,
    };
    let Some(me) = who.auth.clone() else { return Err(PageError::forbidden(&who.config)) };
    let errors = match organisation::create(&state, &me.principal, &who.by(), &body).await {
        Ok(_) => return Ok(Redirect::to("/administration/organisations?info=ajout").into_response()),
        Err(AppError::Conflict(_)) => vec!["Une organisation a déjà ce SIRET ou ce territoire.".to_owned()],
        Err(AppError::Invalid(faults)) => faults.iter().map(super::fault::french).collect(),
        Err(AppError::Forbidden(_)) => return Err(PageError::forbidden(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let page = organisations_page(&state, &who, None, errors).await?;
    Ok((StatusCode::BAD_REQUEST, render(&who.config, &page)?).into_response())
}
