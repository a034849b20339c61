//! `/projets/{id}`: every field, the financing plan with shares, its indicators'
//! baselines and targets with the values measured in its territories over time, the
//! history from the audit trail.

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
use crate::pages::explain::fr_value;
use crate::pages::layout::{Layout, Nav, territory_href};
use cohesion_core::indicator::Dating;

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
    /// « Phase non renseignée » when unknown.
    phase: &'static str,
    /// `None` when unknown.
    status: Option<&'static str>,
    transitions: String,
    /// Levers of the ecological planning, as the national list writes them.
    levers: Vec<String>,
    /// Competences: « 90-212 — Enseignement du premier degré > Ecoles primaires ».
    competences: Vec<String>,
    cost: String,
    financing: Vec<FinancingRow>,
    financed: String,
    financed_share: String,
    remaining: String,
    indicators: Vec<(String, String, String, String)>,
    /// Indicator, territory (link), values published, values of the authority.
    measured: Vec<(String, Link, String, String)>,
    budget: Vec<(String, &'static str, String, String)>,
    external: Vec<String>,
    history: Vec<HistoryRow>,
    updated: String,
    /// « du 1er mars 2024 au 31 décembre 2026 », « non renseigné ».
    calendar: String,
}

fn pct(part: i64, whole: Option<i64>) -> String {
    whole
        .and_then(|w| share(part, w))
        .map(|s| format!("{} %", s.to_string().replace('.', ",")))
        .unwrap_or_else(|| "–".into())
}

/// A project field as its history names it.
fn field_label(field: &str) -> String {
    match field {
        "name" => "nom",
        "description" => "description",
        "lead" => "porteur",
        "territories" => "territoires",
        "phase" => "phase",
        "phase_status" => "état de la phase",
        "transitions" => "transitions",
        "domain" => "domaine",
        "levers" => "leviers de la planification écologique",
        "competences" => "compétences",
        "start_date" => "date de début",
        "end_date" => "date de fin",
        "total_cost_cents" => "coût total",
        "financing" => "plan de financement",
        "indicators" => "indicateurs suivis",
        "budget_lines" => "lignes budgétaires",
        "external_ids" => "identifiants dans d’autres outils",
        other => return other.replace('_', " "),
    }
    .to_owned()
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
    who: crate::pages::visitor::Who,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let p = match cohesion_app::project::get(&state, &id).await {
        Ok(p) => p,
        Err(cohesion_app::AppError::NotFound(_)) => return Err(PageError::not_found(&config)),
        Err(e) => return Err(PageError::internal(&config, e)),
    };
    let events =
        cohesion_app::access::audit::of(&state, "project", &id).await.map_err(|e| PageError::internal(&config, e))?;
    let authors = cohesion_app::access::audit::authors(&state, events.iter().map(|e| e.actor.as_str()))
        .await
        .map_err(|e| PageError::internal(&config, e))?;
    let signed_in = who.signed_in().is_ok();
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
                            .map(|(k, _)| field_label(k))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                _ => String::new(),
            };
            HistoryRow {
                at: crate::pages::components::moment(e.at),
                actor: match authors.get(&e.actor) {
                    // A person's name is for people signed in; everyone sees for whom
                    // they act.
                    Some(a) if signed_in && !a.affiliation.is_empty() => format!("{} ({})", a.name, a.affiliation),
                    Some(a) if signed_in => a.name.clone(),
                    Some(a) if !a.affiliation.is_empty() => a.affiliation.clone(),
                    _ => crate::pages::components::actor_fr(&e.actor),
                },
                action: action_label(&e.action),
                fields,
            }
        })
        .collect();
    let financed = i.financed_cents();
    let codes: Vec<String> = i.indicators.iter().map(|x| x.code.clone()).collect();
    let measured = cohesion_app::indicator::measured(&state, &i.territories, &codes)
        .await
        .map_err(|e| PageError::internal(&config, e))?
        .into_iter()
        .map(|m| {
            let dating = cohesion_core::indicator::find(&m.indicator).map_or(Dating::AtDate, |d| d.dating);
            let list = |values: &[cohesion_app::indicator::DatedValue]| {
                values
                    .iter()
                    .map(|v| format!("{} : {}", dated(dating, &v.date), fr_value(v.value)))
                    .collect::<Vec<_>>()
                    .join(" ; ")
            };
            let href = m.territory.parse::<cohesion_core::territory::TerritoryRef>().ok().and_then(|t| r.get_ref(&t));
            (
                cohesion_core::indicator::find(&m.indicator).map_or_else(|| m.indicator.clone(), |c| c.name.to_owned()),
                Link { label: m.name.clone(), href: href.map(territory_href) },
                if m.published.is_empty() { "–".to_owned() } else { list(&m.published) },
                if m.local.is_empty() { "–".to_owned() } else { list(&m.local) },
            )
        })
        .collect();
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
        calendar: {
            let d = |x: &Option<String>| x.as_deref().map(crate::pages::explain::fr_date);
            match (d(&i.start_date), d(&i.end_date)) {
                (Some(a), Some(b)) => format!("du {a} au {b}"),
                (Some(a), None) => format!("à partir du {a}"),
                (None, Some(b)) => format!("jusqu’au {b}"),
                (None, None) => "non renseigné".to_owned(),
            }
        },
        phase: i.phase.map_or("Phase non renseignée", |x| x.label()),
        status: i.phase_status.map(|x| x.label()),
        transitions: i.transitions.iter().map(|t| t.label()).collect::<Vec<_>>().join(", "),
        levers: i.levers.clone(),
        competences: i
            .competences
            .iter()
            .map(|c| match cohesion_core::project::nomenclature::competence(c) {
                Some(x) => format!("{} — {}", x.code, x.label),
                None => c.clone(),
            })
            .collect(),
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
                    cohesion_core::indicator::find(&x.code).map_or_else(|| x.code.clone(), |c| c.name.to_owned()),
                    x.baseline.map(n).unwrap_or_else(|| "–".into()),
                    n(x.target),
                    x.target_date.as_deref().map(crate::pages::explain::fr_date).unwrap_or_default(),
                )
            })
            .collect(),
        measured,
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

/// A measured value's date: « en 2023 » for a count over the year, « au 1er janvier
/// 2023 » for a stock (as the territory page says them).
fn dated(dating: Dating, date: &str) -> String {
    match (dating, date.get(..4)) {
        (Dating::DuringYear, Some(year)) => format!("en {year}"),
        _ => format!("au {}", crate::pages::explain::fr_date(date)),
    }
}

fn tool_label(tool: &str) -> String {
    cohesion_core::project::KNOWN_TOOLS
        .iter()
        .find(|(t, _)| *t == tool)
        .map_or_else(|| tool.to_owned(), |(_, l)| (*l).to_owned())
}
