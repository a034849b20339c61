//! `/projets`: search with filters, paginated; and the projects section of a territory
//! page.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Html;
use cohesion_app::project::catalog::{Filter, Totals};
use cohesion_core::project::money::format_euros;
use cohesion_core::project::nomenclature::{self, Competence};
use cohesion_core::project::{Phase, Project, ProjectInput, Transition};
use cohesion_core::territory::{Referential, TerritoryRef};
use serde::Deserialize;

use crate::AppState;
use crate::pages::PagesConfig;
use crate::pages::components::Choice;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, Pagination, encode, fr_number};

const PER_PAGE: usize = 20;

/// Query parameters; anything malformed is ignored, as a person may have typed it.
#[derive(Deserialize, Default)]
pub struct Params {
    q: Option<String>,
    territoire: Option<String>,
    phase: Option<String>,
    transition: Option<String>,
    levier: Option<String>,
    competence: Option<String>,
    programme: Option<String>,
    pacte: Option<String>,
    page: Option<String>,
}

/// How the competence field shows a competence: « 90-212 — Enseignement… » (what its
/// list offers, so that typing a word of the label or the code finds it).
fn competence_text(c: &Competence) -> String {
    format!("{} — {}", c.code, c.label)
}

/// The competence a person chose: its code, its label, or the list's « code — label ».
fn competence_of(text: &str) -> Option<&'static Competence> {
    let t = text.trim();
    let code = t.split_whitespace().next().unwrap_or_default();
    nomenclature::competence(code).or_else(|| nomenclature::competences().iter().find(|c| c.label == t))
}

/// One project in a list.
pub struct Row {
    pub name: String,
    pub href: String,
    pub places: String,
    /// « Étude (En retard) », « Étude », or « Phase non renseignée ».
    pub stage: String,
    pub cost: String,
    pub grant: String,
}

pub struct ProgrammeChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn place_names(r: &Referential, territories: &[TerritoryRef]) -> String {
    territories
        .iter()
        .map(|t| r.get_ref(t).map_or_else(|| t.to_string(), |x| x.name.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The phase and how it goes, as a list says them.
pub fn stage(p: &ProjectInput) -> String {
    match (p.phase, p.phase_status) {
        (Some(ph), Some(st)) => format!("{} ({})", ph.label(), st.label()),
        (Some(ph), None) => ph.label().to_owned(),
        (None, _) => "Phase non renseignée".to_owned(),
    }
}

pub fn row(r: &Referential, p: &Project) -> Row {
    Row {
        name: p.input.name.clone(),
        href: format!("/projets/{}", p.id),
        places: place_names(r, &p.input.territories),
        stage: stage(&p.input),
        cost: p.input.total_cost_cents.map(format_euros).unwrap_or_else(|| "non renseigné".into()),
        grant: format_euros(p.input.state_grant_cents()),
    }
}

#[derive(Template)]
#[template(path = "projects.html")]
struct Results {
    layout: Layout,
    query: String,
    territory: String,
    territory_name: Option<String>,
    phases: Vec<Choice>,
    transitions: Vec<Choice>,
    /// The lever chosen (or typed), every lever for the field's list.
    lever: String,
    levers: &'static [&'static str],
    /// The competence chosen (or typed), every competence as the field offers it.
    competence: String,
    competences: Vec<String>,
    /// What was typed and is not in its list, said in French.
    notices: Vec<String>,
    total: String,
    plural: bool,
    rows: Vec<Row>,
    first_shown: usize,
    pagination: Option<Pagination>,
    programmes: Vec<ProgrammeChoice>,
    /// The pact whose actions are listed (id, title), when filtered by pact.
    pact: Option<(String, String)>,
    /// Pacts matching the words, shown above the projects.
    pacts: Option<crate::pages::pact::Section>,
}

/// `GET /projets`.
pub async fn list(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<PagesConfig>>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let p = params.ok().map(|Query(p)| p).unwrap_or_default();
    let q = p.q.unwrap_or_default().trim().to_owned();
    let territory: Option<TerritoryRef> = p.territoire.as_deref().and_then(|t| t.parse().ok());
    // `none`: the projects whose phase is unknown.
    let phase = match p.phase.as_deref() {
        Some("none") => Some(None),
        other => other.and_then(Phase::parse).map(Some),
    };
    let transition = p.transition.as_deref().and_then(Transition::parse);
    let mut notices = Vec::new();
    let lever_text = p.levier.unwrap_or_default().trim().to_owned();
    let lever = match lever_text.as_str() {
        "" => None,
        l if nomenclature::is_lever(l) => Some(l.to_owned()),
        l => {
            notices.push(format!("« {l} » n’est pas un levier de la liste : ce filtre n’est pas appliqué."));
            None
        }
    };
    let competence_typed = p.competence.unwrap_or_default().trim().to_owned();
    let competence = competence_of(&competence_typed);
    if competence.is_none() && !competence_typed.is_empty() {
        notices.push(format!(
            "« {competence_typed} » n’est pas une compétence de la liste : ce filtre n’est pas appliqué."
        ));
    }
    let page_no = p.page.and_then(|n| n.parse::<usize>().ok()).unwrap_or(1).max(1);
    let snapshot = state.current();
    let r = &snapshot.referential;
    let programme = p.programme.filter(|c| snapshot.programmes.programme(c).is_some());
    let pact = match p.pacte.as_deref().filter(|id| !id.is_empty()) {
        // This page is the same for everyone: the pact as anyone reads it (signed).
        Some(id) => cohesion_app::pact::read::get(&state, None, id)
            .await
            .map_err(|e| PageError::internal(&config, e))?
            .map(|o| o.pact),
        None => None,
    };
    let filter = Filter {
        q: Some(q.clone()),
        territory: territory.clone(),
        phase,
        transition,
        lever: lever.clone(),
        competence: competence.map(|c| c.code.to_owned()),
        territories_any: programme.as_deref().map(|c| cohesion_app::project::programme_territories(&snapshot, c)),
        ids: pact.as_ref().map(|x| x.current().content.actions.iter().cloned().collect()),
    };
    let catalog = state.projects.load();
    if !q.trim().is_empty() {
        catalog.text_ready().await;
    }
    let found =
        catalog.search(&filter, (page_no - 1) * PER_PAGE, PER_PAGE).map_err(|e| PageError::internal(&config, e))?;
    let territory_code = territory.as_ref().map(ToString::to_string).unwrap_or_default();
    let pacts = if q.is_empty() || page_no > 1 {
        None
    } else {
        Some(crate::pages::pact::section(&state, &q, territory.as_ref(), 5).await).filter(|s| s.total > 0)
    };
    let base = format!(
        "/projets?q={}&territoire={}&phase={}&transition={}&levier={}&competence={}&programme={}&pacte={}",
        encode(&q),
        encode(&territory_code),
        match phase {
            Some(Some(x)) => x.as_str(),
            Some(None) => "none",
            None => "",
        },
        transition.map(|x| x.as_str()).unwrap_or_default(),
        encode(lever.as_deref().unwrap_or_default()),
        competence.map(|c| c.code).unwrap_or_default(),
        programme.as_deref().unwrap_or_default(),
        pact.as_ref().map(|x| x.id.as_str()).unwrap_or_default()
    );
    let pagination = Pagination::new(found.total, PER_PAGE, page_no, |n| format!("{base}&page={n}"));
    let title = if q.is_empty() { "Projets".to_owned() } else { format!("Projets « {q} »") };
    let mut phases = vec![Choice { value: "", label: "Toutes les phases", selected: phase.is_none() }];
    phases.extend(Phase::ALL.iter().map(|&x| Choice {
        value: x.as_str(),
        label: x.label(),
        selected: phase == Some(Some(x)),
    }));
    phases.push(Choice { value: "none", label: "Phase non renseignée", selected: phase == Some(None) });
    let mut transitions = vec![Choice { value: "", label: "Toutes les transitions", selected: transition.is_none() }];
    transitions.extend(Transition::ALL.iter().map(|&x| Choice {
        value: x.as_str(),
        label: x.label(),
        selected: transition == Some(x),
    }));
    let mut programmes = vec![ProgrammeChoice {
        value: String::new(),
        label: "Tous les programmes".into(),
        selected: programme.is_none(),
    }];
    programmes.extend(snapshot.programmes.programmes().iter().map(|x| ProgrammeChoice {
        value: x.code.clone(),
        label: x.name.clone(),
        selected: programme.as_deref() == Some(x.code.as_str()),
    }));
    let page = Results {
        programmes,
        pact: pact.map(|x| (x.id.clone(), x.current().content.title.clone())),
        layout: Layout::new(&config, title, Nav::Projects),
        query: q,
        territory_name: territory.as_ref().and_then(|t| r.get_ref(t)).map(|t| t.name.clone()),
        territory: territory_code,
        phases,
        transitions,
        lever: if lever.is_some() { lever_text } else { String::new() },
        levers: nomenclature::levers(),
        competence: competence.map(competence_text).unwrap_or_default(),
        competences: nomenclature::competences().iter().map(competence_text).collect(),
        notices,
        total: fr_number(found.total as u64),
        plural: found.total > 1,
        rows: found.items.iter().map(|p| row(r, p)).collect(),
        first_shown: (page_no - 1) * PER_PAGE + 1,
        pagination,
        pacts,
    };
    render(&config, &page)
}

/// The projects section of a territory page.
pub struct Section {
    pub count: String,
    pub any: bool,
    pub cost: String,
    pub grants: String,
    pub latest: Vec<Row>,
    pub href: String,
}

pub fn section(state: &AppState, r: &Referential, t: &TerritoryRef) -> Section {
    let catalog = state.projects.load();
    let Totals { count, cost_cents, grants_cents } = catalog.totals(t);
    let filter = Filter { territory: Some(t.clone()), ..Filter::default() };
    let latest = catalog.search(&filter, 0, 5).map(|f| f.items.iter().map(|p| row(r, p)).collect()).unwrap_or_default();
    Section {
        count: fr_number(count as u64),
        any: count > 0,
        cost: format_euros(cost_cents),
        grants: format_euros(grants_cents),
        latest,
        href: format!("/projets?territoire={}", encode(&t.to_string())),
    }
}
