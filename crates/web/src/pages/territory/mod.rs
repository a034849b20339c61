//! `/territoires/{kind}/{code}`: a territory's identity, population, typologies,
//! parents (as the breadcrumb), components (sortable, paginated table), its place on
//! the map of France, for a département or a région the population by density level,
//! and the sections of programmes, indicators, projects and pacts.

pub mod cache;
pub mod indicators;
pub mod place;
pub mod programmes;
pub mod trajectory;

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use cohesion_core::territory::{Referential, Territory, TerritoryKind, TerritoryRef};
use serde::Deserialize;

use crate::AppState;
use crate::pages::PagesConfig;
use crate::pages::components::{ChildRow, Column, Sort, children_table};
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, Pagination, kind_label, kind_plural, population, territory_href};
use crate::pages::map::{CHART_WIDTH, DensityChart, Map, density_chart, departements_map};
use crate::pages::territory::programmes::{ProgrammesBlock, programmes_block};

/// Query parameters of the components table; malformed values fall back to defaults.
#[derive(Deserialize, Default)]
pub struct Params {
    liste: Option<String>,
    tri: Option<String>,
    ordre: Option<String>,
    page: Option<String>,
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

/// A choice of component kind above the table.
pub struct ListChoice {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// A territory's page: the layout (the visitor's) around the body (everyone's).
#[derive(Template)]
#[template(path = "territory.html")]
struct TerritoryPage {
    layout: Layout,
    body: Arc<str>,
}

/// What the page shows of the territory, the same for every visitor
/// (`territory_body.html`, kept by [`cache`]).
#[derive(Template)]
#[template(path = "territory_body.html")]
struct TerritoryBody {
    title: String,
    kind: &'static str,
    code_label: &'static str,
    code: String,
    facts: Vec<Fact>,
    typology: Vec<Fact>,
    lists: Vec<ListChoice>,
    list_label: String,
    columns: Vec<Column>,
    rows: Vec<ChildRow>,
    pagination: Option<Pagination>,
    map: Option<Map>,
    chart: Option<DensityChart>,
    chart_width: u32,
    programmes: ProgrammesBlock,
    /// Changes of this territory's own memberships (status, dates, exits), newest first.
    membership_changes: Vec<(String, crate::pages::programme::dashboard::ChangeRow)>,
    upcoming: &'static [(&'static str, &'static str)],
    indicators: crate::pages::territory::indicators::Section,
    projects: crate::pages::project::Section,
    pacts: crate::pages::pact::Section,
    engineering: crate::pages::engineering::section::Section,
    trajectories: crate::pages::territory::trajectory::Section,
    vintage: String,
}

/// Sections later capabilities fill, announced meanwhile.
const UPCOMING: [(&str, &str); 1] =
    [("Formation des élus", "Sessions de formation suivies par les élus du territoire, présences et évaluations.")];

/// `GET /territoires/{kind}/{code}`.
pub async fn territory(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<PagesConfig>>,
    Path((kind, code)): Path<(String, String)>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let params = params.ok().map(|Query(p)| p).unwrap_or_default();
    let snapshot = state.current();
    let r = &snapshot.referential;
    let idx = TerritoryRef::parse(&kind, &code)
        .ok()
        .and_then(|tr| r.index_of(tr.kind, &tr.code))
        .ok_or_else(|| PageError::not_found(&config))?;
    let t = r.at(idx);
    let mut layout = Layout::new(&config, t.name.clone(), Nav::Territories).crumb("Territoires", "/territoires");
    for a in r.ancestors(t).into_iter().rev() {
        layout = layout.crumb(a.name.clone(), territory_href(a));
    }
    let counts = r.children_counts(idx);
    let list = params
        .liste
        .as_deref()
        .and_then(|l| l.parse::<TerritoryKind>().ok())
        .filter(|k| counts.iter().any(|(c, _)| c == k))
        .or_else(|| Referential::default_child_kind(t.kind).filter(|k| counts.iter().any(|(c, _)| c == k)))
        .or_else(|| counts.first().map(|(k, _)| *k));
    let sort = Sort::parse(params.tri.as_deref(), params.ordre.as_deref());
    let page_no = params.page.and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    // The body, if rendered already at the data's present state.
    let stamp = cache::Stamp::of(&state, &snapshot);
    let key = format!("{}:{}|{}|{}|{page_no}", t.kind.as_str(), t.code, list.map_or("", |k| k.as_str()), sort.key());
    if let Some(body) = state.territory_bodies.get(&key, &stamp) {
        return render(&config, &TerritoryPage { layout, body });
    }
    let base = format!("{}?", territory_href(t));
    let (columns, rows, pagination) = match list {
        Some(list) => children_table(r, idx, list, sort, page_no, &base),
        None => (Vec::new(), Vec::new(), None),
    };
    let lists = counts
        .iter()
        .map(|&(k, n)| ListChoice {
            label: format!("{} ({n})", kind_plural(k)),
            href: format!("{base}liste={}#composantes", k.as_str()),
            current: Some(k) == list,
        })
        .collect();
    let indicators = cohesion_app::indicator::of_territory(&state, &snapshot, idx)
        .await
        .map_err(|e| PageError::internal(&config, e))?;
    let here = TerritoryRef { kind: t.kind, code: t.code.clone() };
    let pacts = crate::pages::pact::section(&state, "", Some(&here), 10).await;
    let engineering = cohesion_app::engineering::read::territory_section(&state, &here)
        .await
        .map_err(|e| PageError::internal(&config, e))?;
    let membership_changes = cohesion_app::programme::territory_changes(&state, &here)
        .await
        .map_err(|e| PageError::internal(&config, e))?
        .iter()
        .map(|c| {
            let code = &c.after.membership.programme;
            let name = snapshot.programmes.programme(code).map_or_else(|| code.clone(), |p| p.name.clone());
            (name, crate::pages::programme::dashboard::change_row(r, c))
        })
        .collect();
    let trajectories = cohesion_app::territory::trajectory::of_territory(&state, &snapshot, idx)
        .await
        .map_err(|e| PageError::internal(&config, e))?;
    let with_chart = matches!(t.kind, TerritoryKind::Departement | TerritoryKind::Region | TerritoryKind::Epci);
    let body = TerritoryBody {
        title: t.name.clone(),
        kind: kind_label(t.kind),
        code_label: if t.kind == TerritoryKind::Epci { "SIREN" } else { "Code Insee" },
        code: t.code.clone(),
        facts: facts(r, t),
        typology: typology(t),
        lists,
        list_label: list.map(|k| kind_plural(k).to_lowercase()).unwrap_or_default(),
        columns,
        rows,
        pagination,
        map: departements_map(r, idx),
        chart: if with_chart { density_chart(r, idx) } else { None },
        chart_width: CHART_WIDTH,
        programmes: programmes_block(&snapshot, idx),
        membership_changes,
        upcoming: &UPCOMING,
        indicators: crate::pages::territory::indicators::section(indicators),
        projects: crate::pages::project::section(&state, r, &here),
        pacts,
        engineering: crate::pages::engineering::section::section(&engineering),
        trajectories: crate::pages::territory::trajectory::section(&trajectories, &t.name),
        vintage: r.vintage().to_owned(),
    };
    let body: Arc<str> = Arc::from(body.render().map_err(|e| PageError::internal(&config, e))?);
    state.territory_bodies.put(key, stamp, Arc::clone(&body), body.len());
    render(&config, &TerritoryPage { layout, body })
}

fn facts(r: &Referential, t: &Territory) -> Vec<Fact> {
    let mut facts = vec![Fact { label: "Population municipale", value: population(t.population), href: None }];
    let fact = |label, value: Option<String>| value.map(|value| Fact { label, value, href: None });
    facts.extend(fact("SIREN de la collectivité", t.siren.clone().filter(|_| t.kind != TerritoryKind::Epci)));
    facts.extend(fact("Codes postaux", (!t.postcodes.is_empty()).then(|| t.postcodes.join(", "))));
    if let Some(seat) = t.chef_lieu.as_deref().and_then(|c| r.get(TerritoryKind::Commune, c)) {
        facts.push(Fact { label: "Chef-lieu", value: seat.name.clone(), href: Some(territory_href(seat)) });
    }
    facts.extend(fact("Nature juridique", t.category.as_deref().map(category_label)));
    facts.extend(fact("Régime fiscal", t.financing.as_deref().map(financing_label)));
    if t.kind == TerritoryKind::Epci && t.departements.len() > 1 {
        let names: Vec<String> = t
            .departements
            .iter()
            .filter_map(|d| r.get(TerritoryKind::Departement, d))
            .map(|d| format!("{} ({})", d.name, d.code))
            .collect();
        facts.push(Fact { label: "Départements", value: names.join(", "), href: None });
    }
    facts.extend(fact("Zone", t.zone.as_deref().map(zone_label)));
    facts
}

fn typology(t: &Territory) -> Vec<Fact> {
    let ty = &t.typology;
    let density = ty.density_label().map(|l| format!("{} – {l}", ty.density_level.unwrap_or(0)));
    [
        ("Niveau de densité (grille communale de l’Insee)", density),
        ("Ruralité", ty.rurality.clone()),
        ("Centralité", ty.centrality.clone()),
        ("Massif de montagne", ty.mountain.clone()),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|value| Fact { label, value, href: None }))
    .collect()
}

fn category_label(code: &str) -> String {
    match code {
        "CC" => "Communauté de communes",
        "CA" => "Communauté d’agglomération",
        "CU" => "Communauté urbaine",
        "METRO" => "Métropole",
        "MET69" => "Métropole de Lyon",
        other => other,
    }
    .to_owned()
}

fn financing_label(code: &str) -> String {
    match code {
        "FPU" => "Fiscalité professionnelle unique",
        "FA" => "Fiscalité additionnelle",
        other => other,
    }
    .to_owned()
}

fn zone_label(code: &str) -> String {
    match code {
        "metro" => "France métropolitaine",
        "drom" => "Département ou région d’outre-mer",
        "com" => "Collectivité d’outre-mer",
        other => other,
    }
    .to_owned()
}
