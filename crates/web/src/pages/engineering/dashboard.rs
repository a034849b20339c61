//! `/ingenierie/tableau-de-bord?region=&departement=&besoin=&annee=`: the dashboard of
//! the engineering offer, national or per région or département. The figures are the
//! one `Dashboard` that `GET /api/v1/engineering/dashboard` answers in JSON and
//! `…/dashboard.csv` in CSV, from the same filtered query: they cannot differ.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use cohesion_app::AppError;
use cohesion_app::engineering::Filter;
use cohesion_app::engineering::read;
use cohesion_core::engineering::Need;
use cohesion_core::engineering::dashboard::{Count, Delay};
use cohesion_core::project::money::format_euros;
use serde::Deserialize;

use super::{Choice, days};
use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, encode, fr_number};

pub struct Figure {
    pub label: String,
    pub value: String,
}

pub struct DelayRow {
    pub label: &'static str,
    pub count: String,
    pub median: String,
    pub p90: String,
}

pub struct ProviderRow {
    pub name: String,
    pub missions: String,
    pub in_progress: String,
    pub capacity: u32,
}

#[derive(Template)]
#[template(path = "engineering_dashboard.html")]
struct DashboardPage {
    layout: Layout,
    region: String,
    departement: String,
    year: String,
    needs: Vec<Choice>,
    error: Option<String>,
    scope: String,
    figures: Vec<Figure>,
    /// Counts by status, need, département; satisfaction.
    tables: Vec<(&'static str, Vec<Figure>)>,
    delays: Vec<DelayRow>,
    providers: Vec<ProviderRow>,
    csv: String,
    json: String,
}

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    region: Option<String>,
    departement: Option<String>,
    besoin: Option<String>,
    annee: Option<String>,
}

fn counts(list: &[Count]) -> Vec<Figure> {
    list.iter().map(|c| Figure { label: c.label.clone(), value: fr_number(c.count) }).collect()
}

fn delay(label: &'static str, d: &Delay) -> DelayRow {
    let show = |c: Option<i64>| c.map_or_else(|| "—".to_owned(), days);
    DelayRow { label, count: fr_number(d.count), median: show(d.median_centidays), p90: show(d.p90_centidays) }
}

/// `GET /ingenierie/tableau-de-bord`.
pub async fn dashboard(
    State(state): State<AppState>,
    who: crate::pages::visitor::Who,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let config = &who.config;
    let clean = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
    let (region, departement, besoin, annee) =
        (clean(&q.region), clean(&q.departement), clean(&q.besoin), clean(&q.annee));
    let mut error = None;
    let need = if besoin.is_empty() {
        None
    } else {
        let n = Need::parse(&besoin);
        if n.is_none() {
            error = Some(format!("« {besoin} » n’est pas un besoin de la liste : le filtre est ignoré."));
        }
        n
    };
    let year = if annee.is_empty() {
        None
    } else {
        let y = annee.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
        if y.is_none() {
            error = Some(format!("« {annee} » n’est pas une année : le budget n’est pas affiché."));
        }
        y
    };
    let filter = Filter {
        region: (!region.is_empty()).then(|| region.clone()),
        departement: (!departement.is_empty()).then(|| departement.clone()),
        need,
        ..Filter::default()
    };
    let d = match read::dashboard(&state, &filter, year).await {
        Ok(d) => d,
        Err(AppError::Invalid(faults)) => {
            error = Some(crate::pages::fault::sentences(&faults));
            read::dashboard(&state, &Filter::default(), None).await.map_err(|e| PageError::internal(config, e))?
        }
        Err(e) => return Err(PageError::internal(config, e)),
    };
    let s = state.current();
    let name = |kind, code: &str| s.referential.get(kind, code).map_or_else(|| code.to_owned(), |t| t.name.clone());
    let scope = match (departement.is_empty(), region.is_empty()) {
        (false, _) => {
            format!("Département : {}", name(cohesion_core::territory::TerritoryKind::Departement, &departement))
        }
        (true, false) => format!("Région : {}", name(cohesion_core::territory::TerritoryKind::Region, &region)),
        _ => "France entière".to_owned(),
    };
    let mut query = Vec::new();
    for (k, v) in [("region", &region), ("departement", &departement), ("need", &besoin)] {
        if !v.is_empty() {
            query.push(format!("{k}={}", encode(v)));
        }
    }
    if let Some(y) = year {
        query.push(format!("year={y}"));
    }
    let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
    let mut figures = vec![
        Figure { label: "Demandes".into(), value: fr_number(d.requests) },
        Figure { label: "Missions".into(), value: fr_number(d.missions) },
        Figure { label: "Jours d’ingénierie".into(), value: days(d.centidays) },
        Figure { label: "Coût".into(), value: format_euros(d.cost_cents) },
    ];
    if let Some(b) = d.budget_cents {
        figures.push(Figure { label: "Budget de l’année".into(), value: format_euros(b) });
    }
    let sat = &d.satisfaction;
    let mut satisfaction = vec![Figure { label: "Avis reçus".into(), value: fr_number(sat.answers) }];
    if let Some(m) = sat.mean_hundredths {
        satisfaction.push(Figure { label: "Note moyenne".into(), value: format!("{},{:02} / 5", m / 100, m % 100) });
    }
    for (i, n) in sat.distribution.iter().enumerate() {
        satisfaction.push(Figure { label: format!("Note {}", i + 1), value: fr_number(*n) });
    }
    let page = DashboardPage {
        layout: Layout::new(config, "Tableau de bord de l’ingénierie sur mesure", Nav::Engineering)
            .crumb("Ingénierie sur mesure", "/ingenierie"),
        region,
        departement,
        year: annee,
        needs: Need::ALL
            .iter()
            .map(|n| Choice { value: n.as_str().into(), label: n.label().into(), selected: Some(*n) == need })
            .collect(),
        error,
        scope,
        figures,
        tables: vec![
            ("Demandes par statut", counts(&d.by_status)),
            ("Demandes par besoin", counts(&d.by_need)),
            ("Demandes par département", counts(&d.by_departement)),
            ("Satisfaction", satisfaction),
        ],
        delays: vec![
            delay("Jusqu’à la première réponse", &d.to_first_answer),
            delay("Jusqu’au début de la mission", &d.to_mission_start),
            delay("Jusqu’à la clôture", &d.to_closure),
        ],
        providers: d
            .providers
            .iter()
            .map(|p| ProviderRow {
                name: p.name.clone(),
                missions: fr_number(p.missions),
                in_progress: fr_number(p.in_progress),
                capacity: p.capacity,
            })
            .collect(),
        csv: format!("/api/v1/engineering/dashboard.csv{query}"),
        json: format!("/api/v1/engineering/dashboard{query}"),
    };
    Ok(render(config, &page)?.into_response())
}
