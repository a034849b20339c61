//! `/programmes/nouveau`: an admin adds a programme to the catalogue from the pages
//! (the API's `POST /api/v1/programmes`, same rule and checks:
//! `cohesion_app::programme::add`). Faults are shown on their field, in French,
//! with what was typed kept.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_core::programme::{self, Domain};

use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::programme::plan::{Choice, Fields};
use crate::pages::programme::{domain_label, programme_href};
use crate::pages::visitor::Who;
use cohesion_app::AppError;
use cohesion_app::error::FaultCode;
use cohesion_app::programme::{ProgrammeFault, ProgrammeInput, add as add_programme};

#[derive(Template)]
#[template(path = "programme_new.html")]
struct NewPage {
    layout: Layout,
    error: Option<String>,
    code: String,
    code_error: Option<String>,
    acronym: String,
    name: String,
    name_error: Option<String>,
    description: String,
    domains: Vec<Choice>,
    owner: String,
    started_on: String,
    ended_on: String,
    dates_error: Option<String>,
}

fn empty(who: &Who) -> NewPage {
    NewPage {
        layout: Layout::new(&who.config, "Ajouter un programme", Nav::Programmes).crumb("Programmes", "/programmes"),
        error: None,
        code: String::new(),
        code_error: None,
        acronym: String::new(),
        name: String::new(),
        name_error: None,
        description: String::new(),
        domains: Domain::ALL
            .iter()
            .map(|d| Choice { value: d.as_str().into(), label: domain_label(*d).into(), checked: false })
            .collect(),
        owner: String::new(),
        started_on: String::new(),
        ended_on: String::new(),
        dates_error: None,
    }
}

/// `GET /programmes/nouveau`.
pub async fn page(who: Who) -> Result<Response, PageError> {
    if let Err(r) = who.allowed(programme::can_create) {
        return Ok(*r);
    }
    Ok(render(&who.config, &empty(&who))?.into_response())
}

/// `POST /programmes/nouveau`.
pub async fn create(
    State(state): State<AppState>,
    who: Who,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = Fields(fields);
    who.check_csrf(f.get("csrf"))?;
    let me = match who.signed_in() {
        Ok(me) => me.clone(),
        Err(r) => return Ok(r.into_response()),
    };
    let nonempty = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    let input = ProgrammeInput {
        code: f.get("code").to_lowercase(),
        acronym: f.get("acronym").to_owned(),
        name: f.get("name").to_owned(),
        description: f.get("description").to_owned(),
        domains: f.all("domains"),
        owner: nonempty(f.get("owner")),
        started_on: nonempty(f.get("started_on")),
        ended_on: nonempty(f.get("ended_on")),
    };
    let mut page = empty(&who);
    page.code = f.get("code").to_owned();
    page.acronym = input.acronym.clone();
    page.name = input.name.clone();
    page.description = input.description.clone();
    page.owner = f.get("owner").to_owned();
    page.started_on = f.get("started_on").to_owned();
    page.ended_on = f.get("ended_on").to_owned();
    for d in &mut page.domains {
        d.checked = input.domains.contains(&d.value);
    }
    let status = match add_programme(&state, &me.principal, input).await {
        Ok(code) => return Ok(Redirect::to(&format!("{}?info=cree", programme_href(&code))).into_response()),
        Err(AppError::Invalid(errors)) => {
            for e in errors {
                match e.field.as_str() {
                    "code" if matches!(e.code, FaultCode::Programme(ProgrammeFault::CodeReserved(_))) => {
                        page.code_error = Some("Ce code est réservé par la plateforme : choisissez-en un autre.".into())
                    }
                    "code" => {
                        page.code_error = Some(
                            "Le code est l’acronyme en minuscules, lettres et chiffres seulement (par exemple pvd)."
                                .into(),
                        )
                    }
                    "name" => page.name_error = Some("Donnez le nom du programme.".into()),
                    "started_on" | "ended_on" => {
                        page.dates_error = Some("Les dates s’écrivent AAAA-MM-JJ, par exemple 2026-01-15.".into())
                    }
                    _ => page.error = Some("Vérifiez les domaines prioritaires choisis.".into()),
                }
            }
            axum::http::StatusCode::BAD_REQUEST
        }
        Err(AppError::Conflict(_)) => {
            page.code_error = Some(format!("Le code « {} » est déjà celui d’un programme.", page.code));
            axum::http::StatusCode::CONFLICT
        }
        Err(AppError::Forbidden(_)) => return Ok(PageError::forbidden(&who.config).into_response()),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    Ok((status, render(&who.config, &page)?).into_response())
}
