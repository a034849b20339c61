//! `/indicateurs`: the indicator catalogue with its sources and roll-up rules, and the
//! source versions stored; `/evaluations`: the evaluations, newest first.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Html;
use cohesion_core::evaluation::{EvaluationRequest, TreatedSet};
use cohesion_core::indicator::{self, Direction, SourceDef};
use cohesion_core::territory::TerritoryKind;

use super::PagesConfig;
use super::error::{PageError, render};
use super::explain::{fr_date, method_label};
use super::layout::{Layout, Nav, kind_label};
use crate::AppState;

pub struct Row {
    pub code: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub direction: &'static str,
    pub producer: &'static str,
    pub source: &'static str,
    pub level: &'static str,
    pub periodicity: &'static str,
    pub aggregation: String,
    pub definition: &'static str,
}

pub struct Version {
    pub name: String,
    pub producer: String,
    pub version_date: String,
    pub origin: &'static str,
}

#[derive(Template)]
#[template(path = "indicateurs.html")]
struct Catalogue {
    layout: Layout,
    rows: Vec<Row>,
    sources: &'static [SourceDef],
    versions: Vec<Version>,
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Up => "↗ hausse favorable",
        Direction::Down => "↘ baisse favorable",
        Direction::Neutral => "contexte",
    }
}

/// `GET /indicateurs`.
pub async fn catalogue(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<PagesConfig>>,
) -> Result<Html<String>, PageError> {
    let rows = indicator::catalogue()
        .iter()
        .map(|i| {
            let s = indicator::find_source(i.source);
            Row {
                code: i.code,
                name: i.name,
                unit: i.unit,
                direction: direction(i.direction),
                producer: s.map_or("", |s| s.producer),
                source: s.map_or("", |s| s.name),
                level: if i.level == TerritoryKind::Commune { "Commune" } else { kind_label(i.level) },
                periodicity: i.periodicity.label(),
                aggregation: i.aggregation.label(),
                definition: i.definition,
            }
        })
        .collect();
    let versions = cohesion_app::indicator::source_versions(&state)
        .await
        .map_err(|e| PageError::internal(&config, e))?
        .into_iter()
        .map(|v| Version {
            name: v.name,
            producer: v.producer,
            version_date: fr_date(&v.version_date),
            origin: if v.origin == "local" { "saisie locale" } else { "donnée ouverte" },
        })
        .collect();
    let page = Catalogue {
        layout: Layout::new(&config, "Indicateurs", Nav::Indicators),
        rows,
        sources: indicator::SOURCES,
        versions,
    };
    render(&config, &page)
}

pub struct EvaluationRow {
    pub href: String,
    pub created: String,
    /// What is evaluated: a programme, a pact, or a number of territories.
    pub intervention: String,
    /// For a re-run: the original's page, and its date when it is listed too.
    pub rerun_of: Option<(String, Option<String>)>,
    pub indicator: String,
    pub method: &'static str,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "evaluations.html")]
struct Evaluations {
    layout: Layout,
    rows: Vec<EvaluationRow>,
    total: i64,
}

/// `GET /evaluations`: the 100 most recent.
pub async fn evaluations(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<PagesConfig>>,
) -> Result<Html<String>, PageError> {
    let (jobs, total) =
        cohesion_app::evaluation::list(&state, 100, 0).await.map_err(|e| PageError::internal(&config, e))?;
    let snapshot = state.current();
    let dates: std::collections::HashMap<&str, String> =
        jobs.iter().map(|j| (j.id.as_str(), fr_date(&j.created_at.date().to_string()))).collect();
    let rows = jobs
        .iter()
        .map(|j| {
            let req: Option<EvaluationRequest> = serde_json::from_value(j.request.clone()).ok();
            EvaluationRow {
                href: format!("/evaluations/{}", j.id),
                created: fr_date(&j.created_at.date().to_string()),
                intervention: req.as_ref().map_or_else(
                    || "—".to_owned(),
                    |r| match &r.treated {
                        TreatedSet::Programme { code, .. } => snapshot
                            .programmes
                            .programme(code)
                            .map_or_else(|| code.clone(), |p| format!("programme {}", p.name)),
                        TreatedSet::Pact { title, .. } => format!("pacte « {title} »"),
                        TreatedSet::Territories { territories } => {
                            crate::pages::layout::plural(territories.len(), "territoire", "territoires")
                        }
                    },
                ),
                rerun_of: j.rerun_of.as_ref().map(|o| (format!("/evaluations/{o}"), dates.get(o.as_str()).cloned())),
                indicator: req
                    .as_ref()
                    .and_then(|r| indicator::find(&r.indicator))
                    .map_or_else(|| "—".to_owned(), |i| i.name.to_owned()),
                method: req.map_or("—", |r| method_label(r.method)),
                status: match j.status.as_str() {
                    "queued" => "En attente",
                    "running" => "En cours",
                    "done" => "Terminée",
                    _ => "Échec",
                },
            }
        })
        .collect();
    render(&config, &Evaluations { layout: Layout::new(&config, "Évaluations d’impact", Nav::Indicators), rows, total })
}
