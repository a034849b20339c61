//! `/projets/{id}`: every field, the financing plan with shares, the history from the
//! audit trail.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Html;
use cohesion_core::project::Project;
use cohesion_core::project::money::{format_euros, share};

use crate::AppState;
use crate::pages::PagesConfig;
use crate::pages::components::{Link, french_time};
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, territory_href};

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
            HistoryRow {
                at: crate::pages::components::moment(e.at),
                actor: crate::pages::components::actor_fr(&e.actor),
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
