//! A programme's action plan from the page: adding an action
//! (`/programmes/{code}/actions/nouvelle`, POST `/programmes/{code}/actions`) and
//! changing one (`/programmes/{code}/actions/{id}`, with the version read: a stale
//! one is refused, never overwritten). Same rule and functions as the API
//! (`programme::can_manage`, `cohesion_app::programme::{parse_action, save_action}`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_core::programme::{Action, ActionStatus, Transition};

use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::programme::import::{form_manager, manager};
use crate::pages::programme::{action_status_label, programme_href, transition_label};
use crate::pages::visitor::Who;
use cohesion_app::AppError;
use cohesion_app::programme::{ActionInput, parse_action, save_action};

/// A form's fields as sent, repeated names kept (checkboxes).
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).collect()
    }
}

/// A checkbox or an option: value, label, checked.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "programme_action.html")]
struct ActionPage {
    layout: Layout,
    form_action: String,
    back: String,
    error: Option<String>,
    title: String,
    title_error: Option<String>,
    description: String,
    transitions: Vec<Choice>,
    statuses: Vec<Choice>,
    owner: String,
    territory: crate::pages::components::TerritoryPicker,
    territory_error: Option<String>,
    version: Option<i64>,
}

fn action_page(state: &AppState, who: &Who, code: &str, name: &str, a: Option<&Action>) -> ActionPage {
    let heading = if a.is_some() { "Modifier une action" } else { "Ajouter une action au plan" };
    let transitions = Transition::ALL
        .iter()
        .map(|t| Choice {
            value: t.as_str().into(),
            label: transition_label(*t).into(),
            checked: a.is_some_and(|a| a.transitions.contains(t)),
        })
        .collect();
    let status = a.map_or(ActionStatus::Planned, |a| a.status);
    let statuses = ActionStatus::ALL
        .iter()
        .map(|s| Choice { value: s.as_str().into(), label: action_status_label(*s).into(), checked: *s == status })
        .collect();
    ActionPage {
        layout: Layout::new(&who.config, heading, Nav::Programmes)
            .crumb("Programmes", "/programmes")
            .crumb(name.to_owned(), programme_href(code)),
        form_action: match a {
            Some(a) => format!("/programmes/{code}/actions/{}", a.id),
            None => format!("/programmes/{code}/actions"),
        },
        back: format!("{}#plan-titre", programme_href(code)),
        error: None,
        title: a.map(|a| a.title.clone()).unwrap_or_default(),
        title_error: None,
        description: a.map(|a| a.description.clone()).unwrap_or_default(),
        transitions,
        statuses,
        owner: a.and_then(|a| a.owner.clone()).unwrap_or_default(),
        territory: crate::pages::components::TerritoryPicker::new(
            state,
            &a.and_then(|a| a.territory.as_ref()).map(ToString::to_string).unwrap_or_default(),
            "",
            false,
        ),
        territory_error: None,
        version: a.map(|a| a.version),
    }
}

/// The programme's name and the action `id` (when given), or a 404.
fn find(state: &AppState, who: &Who, code: &str, id: Option<&str>) -> Result<(String, Option<Action>), PageError> {
    let s = state.current();
    let name = s.programmes.programme(code).ok_or_else(|| PageError::not_found(&who.config))?.name.clone();
    let Some(id) = id else { return Ok((name, None)) };
    let a = s.programmes.actions(code).find(|a| a.id == id).cloned();
    a.map(|a| (name, Some(a))).ok_or_else(|| PageError::not_found(&who.config))
}

/// `GET /programmes/{code}/actions/nouvelle`.
pub async fn new_page(
    State(state): State<AppState>,
    who: Who,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if let Err(r) = manager(&who, &code) {
        return Ok(*r);
    }
    let (name, _) = find(&state, &who, &code, None)?;
    Ok(render(&who.config, &action_page(&state, &who, &code, &name, None))?.into_response())
}

/// `GET /programmes/{code}/actions/{id}`.
pub async fn edit_page(
    State(state): State<AppState>,
    who: Who,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if let Err(r) = manager(&who, &code) {
        return Ok(*r);
    }
    let (name, a) = find(&state, &who, &code, Some(&id))?;
    Ok(render(&who.config, &action_page(&state, &who, &code, &name, a.as_ref()))?.into_response())
}

/// `POST /programmes/{code}/actions`.
pub async fn create(
    State(state): State<AppState>,
    who: Who,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    submit(state, who, code, None, Fields(fields)).await
}

/// `POST /programmes/{code}/actions/{id}`.
pub async fn update(
    State(state): State<AppState>,
    who: Who,
    Path((code, id)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    submit(state, who, code, Some(id), Fields(fields)).await
}

async fn submit(state: AppState, who: Who, code: String, id: Option<String>, f: Fields) -> Result<Response, PageError> {
    let me = match form_manager(&who, f.get("csrf"), &code) {
        Ok(me) => me,
        Err(r) => return Ok(*r),
    };
    let (name, current) = find(&state, &who, &code, id.as_deref())?;
    let nonempty = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    let version = f.get("version").parse::<i64>().ok();
    let input = ActionInput {
        title: f.get("title").to_owned(),
        description: f.get("description").to_owned(),
        transitions: f.all("transitions"),
        status: f.get("status").to_owned(),
        owner: nonempty(f.get("owner")),
        territory: nonempty(f.get("territory")),
        version,
    };
    // What the person typed goes back into the form when it is refused.
    let mut page = action_page(&state, &who, &code, &name, current.as_ref());
    page.title = input.title.clone();
    page.description = input.description.clone();
    page.owner = f.get("owner").to_owned();
    let search = f.get("chercher") == "territory";
    page.territory =
        crate::pages::components::TerritoryPicker::new(&state, f.get("territory"), f.get("territory_q"), search);
    page.version = version.or(page.version);
    for c in &mut page.transitions {
        c.checked = input.transitions.contains(&c.value);
    }
    for c in &mut page.statuses {
        c.checked = c.value == input.status;
    }
    if search {
        // « Chercher » shows the form again with the territories found; nothing is saved.
        return Ok(render(&who.config, &page)?.into_response());
    }
    let id = id.unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let saved = match parse_action(&code, id, input) {
        Ok((action, _)) => {
            save_action(&state, &me.principal, action, current.as_ref().map(|_| version.unwrap_or(0))).await
        }
        Err(e) => Err(e),
    };
    let status = match saved {
        Ok(_) => return Ok(Redirect::to(&format!("{}?info=action", programme_href(&code))).into_response()),
        Err(AppError::Invalid(errors)) => {
            for e in errors {
                match e.field.as_str() {
                    "title" => page.title_error = Some("Donnez un intitulé à l’action.".into()),
                    "territory" => {
                        page.territory_error =
                            Some("Ce territoire n’est pas reconnu : cherchez-le à nouveau et cochez-le.".into())
                    }
                    _ => page.error = Some("Vérifiez les transitions et le statut choisis.".into()),
                }
            }
            StatusCode::BAD_REQUEST
        }
        Err(AppError::Conflict(_)) => {
            page.error = Some(
                "L’action a été modifiée par quelqu’un d’autre depuis que vous l’avez ouverte : rien n’a été \
                 écrasé. Rechargez la page de l’action pour repartir de sa version actuelle."
                    .into(),
            );
            StatusCode::CONFLICT
        }
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    Ok((status, render(&who.config, &page)?).into_response())
}
