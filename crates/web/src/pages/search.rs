//! `/territoires?q=&type=&page=`: territory search results, paginated, filterable
//! by kind. With an empty query, every territory, most populated first.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Html;
use cohesion_core::territory::search::Query as SearchQuery;
use cohesion_core::territory::{Referential, TerritoryKind};
use serde::Deserialize;

use super::PagesConfig;
use super::error::{PageError, render};
use super::layout::{Layout, Nav, Pagination, encode, fr_number, kind_label, population, territory_href};
use crate::AppState;

const PER_PAGE: usize = 20;

/// The territory search form (home page, results page).
pub struct SearchBox {
    pub id: &'static str,
    pub value: String,
    pub large: bool,
}

/// Query parameters; anything malformed is ignored rather than refused, as a person
/// may have typed the address.
#[derive(Deserialize)]
pub struct Params {
    q: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    page: Option<String>,
}

/// One result row.
pub struct Row {
    pub name: String,
    pub href: String,
    pub kind: &'static str,
    pub code: String,
    pub context: String,
    pub population: String,
    /// Found through a former commune: says which, e.g. "ancienne commune de
    /// Saint-Victor-sur-Loire (42279), commune déléguée".
    pub former: String,
}

/// One choice of the kind filter.
pub struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct Results {
    layout: Layout,
    search_box: SearchBox,
    kinds: Vec<KindOption>,
    query: String,
    total: String,
    plural: bool,
    rows: Vec<Row>,
    first_shown: usize,
    pagination: Option<Pagination>,
}

/// `GET /territoires`.
pub async fn search(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<PagesConfig>>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let Params { q, kind, page } = params.ok().map(|Query(p)| p).unwrap_or(Params { q: None, kind: None, page: None });
    let text = q.unwrap_or_default().trim().to_owned();
    let kind: Option<TerritoryKind> = kind.as_deref().and_then(|k| k.parse().ok());
    let page_no = page.and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let snapshot = state.current();
    let r = &snapshot.referential;
    let query = SearchQuery { text: &text, kind, parent: None, limit: PER_PAGE, offset: (page_no - 1) * PER_PAGE };
    let found = snapshot.index.search(r, &query);
    let rows = found
        .items
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let former = found.via.get(n).copied().flatten().and_then(|f| snapshot.index.former(f));
            Row { former: former.map(former_text).unwrap_or_default(), ..row(r, i) }
        })
        .collect();
    let base = format!(
        "/territoires?q={}{}",
        encode(&text),
        kind.map(|k| format!("&type={}", k.as_str())).unwrap_or_default()
    );
    let pagination = Pagination::new(found.total, PER_PAGE, page_no, |n| format!("{base}&page={n}"));
    let title = if text.is_empty() { "Territoires".to_owned() } else { format!("Recherche « {text} »") };
    let mut kinds = vec![KindOption { value: "", label: "Tous les types", selected: kind.is_none() }];
    kinds.extend(TerritoryKind::ALL.iter().rev().map(|&k| KindOption {
        value: k.as_str(),
        label: kind_label(k),
        selected: kind == Some(k),
    }));
    let page = Results {
        layout: Layout::new(&config, title, Nav::Territories),
        search_box: SearchBox { id: "recherche", value: text.clone(), large: false },
        kinds,
        query: text,
        total: fr_number(found.total as u64),
        plural: found.total > 1,
        rows,
        first_shown: (page_no - 1) * PER_PAGE + 1,
        pagination,
    };
    render(&config, &page)
}

/// How a commune found through a former one is introduced.
fn former_text(f: &cohesion_core::territory::former::Former) -> String {
    let kind = match f.kind {
        cohesion_core::territory::former::FormerKind::Delegated => "commune déléguée",
        cohesion_core::territory::former::FormerKind::Associated => "commune associée",
    };
    format!("trouvée par l’ancienne commune {} ({}), aujourd’hui {kind}", f.name, f.code)
}

fn row(r: &Referential, idx: u32) -> Row {
    let t = r.at(idx);
    // Where it lies, for telling apart homonyms: département, or région.
    let context = [(TerritoryKind::Departement, &t.parents.departement), (TerritoryKind::Region, &t.parents.region)]
        .into_iter()
        .find_map(|(k, code)| code.as_deref().and_then(|c| r.get(k, c)))
        .map(|p| format!("{} ({})", p.name, p.code))
        .unwrap_or_default();
    Row {
        name: t.name.clone(),
        href: territory_href(t),
        kind: kind_label(t.kind),
        code: t.code.clone(),
        context,
        population: population(t.population),
        former: String::new(),
    }
}
