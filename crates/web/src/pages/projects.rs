//! `/projets` (search with filters, paginated) and `/projets/{id}` (every field, the
//! financing plan with shares, the history from the audit trail); and the projects
//! section of a territory page.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use cohesion_core::project::money::{format_euros, share};
use cohesion_core::project::{Phase, Project, Transition};
use cohesion_core::territory::{Referential, TerritoryRef};
use serde::Deserialize;

use super::PagesConfig;
use super::components::{Choice, Link, french_time};
use super::error::{PageError, render};
use super::layout::{Layout, Nav, Pagination, encode, fr_number, territory_href};
use crate::AppState;
use cohesion_app::project::catalog::{Filter, Totals};

const PER_PAGE: usize = 20;

/// Query parameters; anything malformed is ignored, as a person may have typed it.
#[derive(Deserialize, Default)]
pub struct Params {
    q: Option<String>,
    territoire: Option<String>,
    phase: Option<String>,
    transition: Option<String>,
    programme: Option<String>,
    pacte: Option<String>,
    page: Option<String>,
}

/// One project in a list.
pub struct Row {
    pub name: String,
    pub href: String,
    pub places: String,
    pub phase: &'static str,
    pub status: &'static str,
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

pub fn row(r: &Referential, p: &Project) -> Row {
    Row {
        name: p.input.name.clone(),
        href: format!("/projets/{}", p.id),
        places: place_names(r, &p.input.territories),
        phase: p.input.phase.label(),
        status: p.input.phase_status.label(),
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
    total: String,
    plural: bool,
    rows: Vec<Row>,
    first_shown: usize,
    pagination: Option<Pagination>,
    programmes: Vec<ProgrammeChoice>,
    /// The pact whose actions are listed (id, title), when filtered by pact.
    pact: Option<(String, String)>,
    /// Pacts matching the words, shown above the projects.
    pacts: Option<super::pact::Section>,
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
    let phase = p.phase.as_deref().and_then(Phase::parse);
    let transition = p.transition.as_deref().and_then(Transition::parse);
    let page_no = p.page.and_then(|n| n.parse::<usize>().ok()).unwrap_or(1).max(1);
    let snapshot = state.current();
    let r = &snapshot.referential;
    let programme = p.programme.filter(|c| snapshot.programmes.programme(c).is_some());
    let pact = match p.pacte.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => cohesion_app::pact::read::get(&state, id).await.map_err(|e| PageError::internal(&config, e))?,
        None => None,
    };
    let filter = Filter {
        q: Some(q.clone()),
        territory: territory.clone(),
        phase,
        transition,
        territories_any: programme.as_deref().map(|c| cohesion_app::project::programme_territories(&snapshot, c)),
        ids: pact.as_ref().map(|x| x.current().content.actions.iter().cloned().collect()),
    };
    let found = state
        .projects
        .load()
        .search(&filter, (page_no - 1) * PER_PAGE, PER_PAGE)
        .map_err(|e| PageError::internal(&config, e))?;
    let territory_code = territory.as_ref().map(ToString::to_string).unwrap_or_default();
    let pacts = if q.is_empty() || page_no > 1 {
        None
    } else {
        Some(super::pact::section(&state, &q, territory.as_ref(), 5).await).filter(|s| s.total > 0)
    };
    let base = format!(
        "/projets?q={}&territoire={}&phase={}&transition={}&programme={}&pacte={}",
        encode(&q),
        encode(&territory_code),
        phase.map(|x| x.as_str()).unwrap_or_default(),
        transition.map(|x| x.as_str()).unwrap_or_default(),
        programme.as_deref().unwrap_or_default(),
        pact.as_ref().map(|x| x.id.as_str()).unwrap_or_default()
    );
    let pagination = Pagination::new(found.total, PER_PAGE, page_no, |n| format!("{base}&page={n}"));
    let title = if q.is_empty() { "Projets".to_owned() } else { format!("Projets « {q} »") };
    let mut phases = vec![Choice { value: "", label: "Toutes les phases", selected: phase.is_none() }];
    phases.extend(Phase::ALL.iter().map(|&x| Choice {
        value: x.as_str(),
        label: x.label(),
        selected: phase == Some(x),
    }));
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
        total: fr_number(found.total as u64),
        plural: found.total > 1,
        rows: found.items.iter().map(|p| row(r, p)).collect(),
        first_shown: (page_no - 1) * PER_PAGE + 1,
        pagination,
        pacts,
    };
    render(&config, &page)
}

pub struct FinancingRow {
    pub financer: String,
    pub scheme: String,
    pub amount: String,
    pub share: String,
}

pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub fields: String,
}

#[derive(Template)]
#[template(path = "project.html")]
struct Detail {
    layout: Layout,
    p: Project,
    places: Vec<Link>,
    phase: &'static str,
    status: &'static str,
    transitions: String,
    cost: String,
    financing: Vec<FinancingRow>,
    financed: String,
    financed_share: String,
    remaining: String,
    indicators: Vec<(String, String, String, String)>,
    budget: Vec<(String, &'static str, String, String)>,
    external: Vec<String>,
    history: Vec<HistoryRow>,
    updated: String,
}

fn pct(part: i64, whole: Option<i64>) -> String {
    whole
        .and_then(|w| share(part, w))
        .map(|s| format!("{} %", s.to_string().replace('.', ",")))
        .unwrap_or_else(|| "–".into())
}

fn action_label(action: &str) -> &'static str {
    match action {
        "create" => "Création",
        "update" => "Modification",
        "import" => "Import",
        _ => "Autre",
    }
}

/// `GET /projets/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<PagesConfig>>,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let p = match cohesion_app::project::get(&state, &id).await {
        Ok(p) => p,
        Err(cohesion_app::AppError::NotFound(_)) => return Err(PageError::not_found(&config)),
        Err(e) => return Err(PageError::internal(&config, e)),
    };
    let events =
        cohesion_app::access::audit::of(&state, "project", &id).await.map_err(|e| PageError::internal(&config, e))?;
    let snapshot = state.current();
    let r = &snapshot.referential;
    let i = &p.input;
    let cost = i.total_cost_cents;
    let history = events
        .iter()
        .rev()
        .map(|e| {
            let fields = match (&e.before, &e.after) {
                (Some(b), Some(a)) => a
                    .as_object()
                    .map(|a| {
                        a.iter()
                            .filter(|(k, v)| {
                                !["version", "updated_at"].contains(&k.as_str()) && b.get(k.as_str()) != Some(v)
                            })
                            .map(|(k, _)| k.replace('_', " "))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let at = e.at;
            HistoryRow {
                at: format!(
                    "{:02}/{:02}/{} {:02}:{:02} UTC",
                    at.day(),
                    u8::from(at.month()),
                    at.year(),
                    at.hour(),
                    at.minute()
                ),
                actor: e.actor.clone(),
                action: action_label(&e.action),
                fields,
            }
        })
        .collect();
    let financed = i.financed_cents();
    let page = Detail {
        layout: Layout::new(&config, i.name.clone(), Nav::Projects).crumb("Projets", "/projets"),
        places: i
            .territories
            .iter()
            .map(|t| match r.get_ref(t) {
                Some(x) => Link { label: x.name.clone(), href: Some(territory_href(x)) },
                None => Link { label: t.to_string(), href: None },
            })
            .collect(),
        phase: i.phase.label(),
        status: i.phase_status.label(),
        transitions: i.transitions.iter().map(|t| t.label()).collect::<Vec<_>>().join(", "),
        cost: cost.map(format_euros).unwrap_or_else(|| "non renseigné".into()),
        financing: i
            .financing
            .iter()
            .map(|f| FinancingRow {
                financer: f.financer.clone(),
                scheme: f.scheme.clone().unwrap_or_default(),
                amount: format_euros(f.amount_cents),
                share: pct(f.amount_cents, cost),
            })
            .collect(),
        financed: format_euros(financed),
        financed_share: pct(financed, cost),
        remaining: cost.map(|c| format_euros(c - financed)).unwrap_or_else(|| "–".into()),
        indicators: i
            .indicators
            .iter()
            .map(|x| {
                let n = |v: f64| v.to_string().replace('.', ",");
                (
                    x.code.clone(),
                    x.baseline.map(n).unwrap_or_else(|| "–".into()),
                    n(x.target),
                    x.target_date.clone().unwrap_or_default(),
                )
            })
            .collect(),
        budget: i
            .budget_lines
            .iter()
            .map(|b| {
                (
                    b.year.to_string(),
                    b.nature.label(),
                    format_euros(b.planned_cents),
                    b.actual_cents.map(format_euros).unwrap_or_else(|| "–".into()),
                )
            })
            .collect(),
        external: i.external_ids.iter().map(|x| format!("{} : {}", tool_label(&x.tool), x.id)).collect(),
        history,
        updated: french_time(&p.updated_at),
        p,
    };
    render(&config, &page)
}

fn tool_label(tool: &str) -> String {
    cohesion_core::project::KNOWN_TOOLS
        .iter()
        .find(|(t, _)| *t == tool)
        .map_or_else(|| tool.to_owned(), |(_, l)| (*l).to_owned())
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
