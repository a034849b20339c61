//! `/ingenierie/demander`: the short request form. A local authority's person asks for
//! its authority (territory and SIREN come from the account, never typed); the
//! delegate asks on behalf of an authority of their département, found by its name.
//! An existing project is found by searching the authority's projects, or a new one
//! is described. Documents are checked from their content before anything is
//! written: a bad one is named with its reason and nothing else typed is lost.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_app::AppError;
use cohesion_app::engineering::{self as eng, RequestInput, work};
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_core::access::{Principal, Role};
use cohesion_core::engineering::{Need, Urgency, sniff};
use serde::Deserialize;
use uuid::Uuid;

use super::Choice;
use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::visitor::Who;

/// An authority one may ask for.
pub struct Authority {
    pub id: String,
    pub name: String,
    pub siren: String,
    pub territory: String,
    pub href: String,
}

/// A project found among the authority's.
pub struct ProjectChoice {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "engineering_request.html")]
struct RequestPage {
    layout: Layout,
    error: Option<String>,
    /// The authority asking (hidden field), once chosen.
    authority: Option<Authority>,
    /// Authorities to choose from (a person of several, or the delegate's search).
    choices: Vec<Authority>,
    /// The delegate (or an admin) searches authorities by name.
    searches_authorities: bool,
    authority_query: String,
    project_query: String,
    projects: Vec<ProjectChoice>,
    /// "new", or a project id.
    new_project: bool,
    project_title: String,
    needs: Vec<Choice>,
    needs_detail: String,
    context: String,
    urgencies: Vec<Choice>,
    desired_start: String,
    faults: HashMap<String, String>,
    file_faults: Vec<String>,
}

impl RequestPage {
    fn fault(&self, field: &str) -> Option<&String> {
        self.faults.get(field)
    }
}

#[derive(Deserialize, Default)]
pub struct RequestQuery {
    organisation: Option<String>,
    collectivite: Option<String>,
    projet: Option<String>,
}

/// Whether `p` may ask at all: a local authority's person, a delegate, an admin.
fn may_ask(p: &Principal) -> bool {
    p.is_admin() || p.roles.iter().any(|r| matches!(r, Role::Local { .. } | Role::Delegate { .. }))
}

/// Folds case and accents for a name search.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            '-' | '\'' | '’' => ' ',
            c => c,
        })
        .collect()
}

fn authority(state: &AppState, o: &Organisation) -> Authority {
    let s = state.current();
    let territory = o
        .territory
        .as_ref()
        .and_then(|t| s.referential.get_ref(t))
        .map(|t| format!("{} ({})", t.name, t.code))
        .unwrap_or_default();
    Authority {
        id: o.id.to_string(),
        name: o.name.clone(),
        siren: o.siren.clone().unwrap_or_default(),
        territory,
        href: format!("/ingenierie/demander?organisation={}", o.id),
    }
}

/// The local authorities `p` may ask for: their own, those of the delegate's
/// départements, every one for an admin.
async fn authorities(state: &AppState, p: &Principal) -> Result<Vec<Organisation>, AppError> {
    let all = cohesion_app::access::organisation::list(state).await?;
    let s = state.current();
    Ok(all
        .into_iter()
        .filter(|o| o.kind == OrganisationKind::LocalAuthority)
        .filter(|o| {
            p.is_admin()
                || p.roles.iter().any(|r| match r {
                    Role::Local { organisation, .. } => *organisation == o.id,
                    Role::Delegate { departement } => o
                        .territory
                        .as_ref()
                        .and_then(|t| eng::route(&s.referential, t))
                        .is_some_and(|(d, _)| &d == departement),
                    _ => false,
                })
        })
        .collect())
}

fn needs(selected: &[String]) -> Vec<Choice> {
    Need::ALL
        .iter()
        .map(|n| Choice {
            value: n.as_str().to_owned(),
            label: n.label().to_owned(),
            selected: selected.iter().any(|s| s == n.as_str()),
        })
        .collect()
}

fn urgencies(selected: &str) -> Vec<Choice> {
    Urgency::ALL
        .iter()
        .map(|u| Choice {
            value: u.as_str().to_owned(),
            label: u.label().to_owned(),
            selected: u.as_str() == selected || (selected.is_empty() && *u == Urgency::Normal),
        })
        .collect()
}

/// What the form holds, typed or sent.
#[derive(Default)]
struct Typed {
    csrf: String,
    organisation: String,
    project: String,
    project_title: String,
    needs: Vec<String>,
    needs_detail: String,
    context: String,
    urgency: String,
    desired_start: String,
    files: Vec<(String, Vec<u8>)>,
}

async fn build(
    state: &AppState,
    who: &Who,
    me: &Principal,
    q: &RequestQuery,
    typed: &Typed,
) -> Result<RequestPage, PageError> {
    let config = &who.config;
    let mine = authorities(state, me).await.map_err(|e| PageError::internal(config, e))?;
    let chosen = typed
        .organisation
        .parse::<Uuid>()
        .ok()
        .or_else(|| q.organisation.as_deref().and_then(|o| o.parse().ok()))
        .and_then(|id| mine.iter().find(|o| o.id == id))
        .or_else(|| if mine.len() == 1 && !me.is_admin() { mine.first() } else { None });
    let searches_authorities = me.is_admin() || me.roles.iter().any(|r| matches!(r, Role::Delegate { .. }));
    let authority_query = q.collectivite.clone().unwrap_or_default();
    let choices: Vec<Authority> = if chosen.is_some() {
        Vec::new()
    } else if searches_authorities {
        let needle = fold(authority_query.trim());
        if needle.is_empty() {
            Vec::new()
        } else {
            mine.iter().filter(|o| fold(&o.name).contains(&needle)).take(20).map(|o| authority(state, o)).collect()
        }
    } else {
        mine.iter().map(|o| authority(state, o)).collect()
    };
    let project_query = q.projet.clone().unwrap_or_default();
    let mut projects = Vec::new();
    if let Some(o) = chosen
        && let Some(t) = &o.territory
    {
        let wanted = project_query.trim();
        let selected = typed.project.as_str();
        let params = cohesion_app::project::ListParams {
            q: (!wanted.is_empty()).then(|| wanted.to_owned()),
            territory: Some(t.to_string()),
            limit: Some(10),
            ..Default::default()
        };
        // A search only lists; an empty one lists nothing unless a project was chosen.
        if !wanted.is_empty() || !selected.is_empty() && selected != "new" {
            let found =
                cohesion_app::project::list(state, &params).await.map_err(|e| PageError::internal(config, e))?;
            projects = found
                .items
                .into_iter()
                .filter(|p| !wanted.is_empty() || p.id == selected)
                .map(|p| ProjectChoice { checked: p.id == selected, id: p.id, name: p.name })
                .collect();
        }
    }
    let new_project = typed.project.is_empty() || typed.project == "new" || !projects.iter().any(|p| p.checked);
    Ok(RequestPage {
        layout: Layout::new(config, "Demander un accompagnement en ingénierie", Nav::Engineering)
            .crumb("Ingénierie sur mesure", "/ingenierie"),
        error: None,
        authority: chosen.map(|o| authority(state, o)),
        choices,
        searches_authorities,
        authority_query,
        project_query,
        projects,
        new_project,
        project_title: typed.project_title.clone(),
        needs: needs(&typed.needs),
        needs_detail: typed.needs_detail.clone(),
        context: typed.context.clone(),
        urgencies: urgencies(&typed.urgency),
        desired_start: typed.desired_start.clone(),
        faults: HashMap::new(),
        file_faults: Vec::new(),
    })
}

/// `GET /ingenierie/demander`.
pub async fn page(
    State(state): State<AppState>,
    who: Who,
    Query(q): Query<RequestQuery>,
) -> Result<Response, PageError> {
    let me = match who.allowed(may_ask) {
        Ok(me) => me.principal.clone(),
        Err(r) => return Ok(*r),
    };
    let p = build(&state, &who, &me, &q, &Typed::default()).await?;
    Ok(render(&who.config, &p)?.into_response())
}

async fn read_form(mut form: Multipart) -> Option<Typed> {
    let mut t = Typed::default();
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or("").to_owned();
        if name == "documents" {
            let file = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.ok()?.to_vec();
            // An empty file input sends a part with no name and no bytes.
            if !(file.is_empty() && bytes.is_empty()) {
                t.files.push((file, bytes));
            }
            continue;
        }
        let value = field.text().await.ok()?;
        match name.as_str() {
            "csrf" => t.csrf = value,
            "organisation" => t.organisation = value,
            "project" => t.project = value,
            "project_title" => t.project_title = value,
            "needs" => t.needs.push(value),
            "needs_detail" => t.needs_detail = value,
            "context" => t.context = value,
            "urgency" => t.urgency = value,
            "desired_start" => t.desired_start = value,
            _ => {}
        }
    }
    Some(t)
}

/// The form's field a fault's field belongs to (`needs[2]` → `needs`).
fn form_field(field: &str) -> &str {
    field.split('[').next().unwrap_or(field)
}

/// `POST /ingenierie/demander` (multipart, the documents in `documents`).
pub async fn submit(
    State(state): State<AppState>,
    who: Who,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let typed = match form {
        Ok(form) => read_form(form).await,
        Err(_) => None,
    };
    let Some(typed) = typed else {
        // The body could not be read (too large, cut): nothing to keep but a message.
        let me = match who.allowed(may_ask) {
            Ok(me) => me.principal.clone(),
            Err(r) => return Ok(*r),
        };
        let mut p = build(&state, &who, &me, &RequestQuery::default(), &Typed::default()).await?;
        p.error = Some(
            "Le formulaire n’a pas pu être lu : les documents dépassent sans doute 20 Mo. Rien n’a été enregistré."
                .into(),
        );
        return Ok((StatusCode::BAD_REQUEST, render(&who.config, &p)?).into_response());
    };
    who.check_csrf(&typed.csrf)?;
    let me = match who.allowed(may_ask) {
        Ok(me) => me.principal.clone(),
        Err(r) => return Ok(*r),
    };
    let q = RequestQuery::default();
    // The documents first: a bad one is named, and nothing is written.
    let file_faults: Vec<String> = typed
        .files
        .iter()
        .filter_map(|(name, bytes)| sniff(name, bytes).err().map(|e| (name, e)))
        .map(|(name, e)| {
            crate::pages::engineering_fault::french(&cohesion_core::engineering::EngineeringFault::Document(
                name.clone(),
                e,
            ))
        })
        .collect();
    if !file_faults.is_empty() {
        let mut p = build(&state, &who, &me, &q, &typed).await?;
        p.error = Some(
            "Un document ne convient pas : rien n’a été enregistré. Vos réponses sont conservées ; \
             choisissez à nouveau les documents."
                .into(),
        );
        p.file_faults = file_faults;
        return Ok((StatusCode::BAD_REQUEST, render(&who.config, &p)?).into_response());
    }
    let new = typed.project.is_empty() || typed.project == "new";
    let input = RequestInput {
        organisation: typed.organisation.parse().ok(),
        project: (!new).then(|| typed.project.clone()),
        project_title: new.then(|| typed.project_title.clone()),
        needs: typed.needs.clone(),
        needs_detail: typed.needs_detail.clone(),
        context: typed.context.clone(),
        urgency: Some(typed.urgency.clone()),
        desired_start: Some(typed.desired_start.clone()),
        external_ids: Vec::new(),
    };
    match eng::submit(&state, &me, input).await {
        Ok(c) => {
            let id = c.request.id;
            for (name, bytes) in &typed.files {
                if let Err(e) = work::upload(&state, &me, &id, "public", name, bytes).await {
                    tracing::warn!(error = %e, request = %id, "a document checked beforehand was refused");
                }
            }
            Ok(Redirect::to(&format!("{}?info=demande", super::href(&id))).into_response())
        }
        Err(AppError::Invalid(faults)) => {
            let mut p = build(&state, &who, &me, &q, &typed).await?;
            p.error = Some(if typed.files.is_empty() {
                "La demande n’a pas été envoyée : corrigez les champs signalés.".into()
            } else {
                "La demande n’a pas été envoyée : corrigez les champs signalés et choisissez à nouveau les documents."
                    .into()
            });
            for f in &faults {
                let field = match form_field(&f.field) {
                    "" => "organisation",
                    other => other,
                };
                p.faults.entry(field.to_owned()).or_insert_with(|| crate::pages::fault::french(f));
            }
            Ok((StatusCode::BAD_REQUEST, render(&who.config, &p)?).into_response())
        }
        Err(AppError::Forbidden(_)) => Err(PageError::forbidden(&who.config)),
        Err(e) => Err(PageError::internal(&who.config, e)),
    }
}
