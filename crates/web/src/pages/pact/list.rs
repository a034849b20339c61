//! `/pactes`: territorial pacts, searched in French and filtered (territory, status,
//! kind), paginated; the pacts part of the projects search and of a territory page.
//! A pact's own pages are in [`crate::pages::pact::detail`], its forms in
//! [`crate::pages::pact::form`] and [`crate::pages::pact::actions`].

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Html;
use cohesion_core::access::{Principal, Role};
use cohesion_core::pact::{PactKind, PactStatus};
use cohesion_core::territory::{Referential, TerritoryRef};
use serde::Deserialize;

use crate::AppState;
use crate::pages::PagesConfig;
use crate::pages::components::Choice;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, Pagination, encode, fr_number};
use crate::pages::visitor::Who;
use cohesion_app::pact::read::{PactFilter, PactSummary, Reader, find, find_as};

const PER_PAGE: usize = 20;

/// Query parameters; anything malformed is ignored, as a person may have typed it.
#[derive(Deserialize, Default)]
pub struct Params {
    q: Option<String>,
    territoire: Option<String>,
    statut: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    page: Option<String>,
}

/// One pact in a list.
pub struct Row {
    pub title: String,
    pub href: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub badge: &'static str,
    pub places: String,
    pub parties: String,
    pub actions: usize,
}

/// The DSFR badge colour of a status.
pub fn badge(status: PactStatus) -> &'static str {
    match status {
        PactStatus::Draft => "fr-badge--new",
        PactStatus::CoConstruction => "fr-badge--info",
        PactStatus::ReadyForSignature => "fr-badge--warning",
        PactStatus::Signed | PactStatus::InExecution => "fr-badge--success",
        PactStatus::Closed => "",
    }
}

/// Names of territories (their code when unknown), comma-separated.
pub fn place_names(r: &Referential, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| {
            c.parse::<TerritoryRef>().ok().and_then(|t| r.get_ref(&t)).map_or_else(|| c.clone(), |t| t.name.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn row(r: &Referential, p: &PactSummary) -> Row {
    let status = PactStatus::parse(&p.status);
    Row {
        title: p.title.clone(),
        href: format!("/pactes/{}", p.id),
        kind: PactKind::parse(&p.kind).map_or("Autre contrat territorial", |k| k.label()),
        status: status.map_or("", |s| s.label()),
        badge: status.map_or("", badge),
        places: place_names(r, &p.perimeter),
        parties: p.parties.join(", "),
        actions: p.actions,
    }
}

/// Whether this person may start a pact: an admin, a State delegate or a local
/// authority (who then acts for the owner party).
pub fn may_create(p: Option<&Principal>) -> bool {
    p.is_some_and(|p| p.roles.iter().any(|r| matches!(r, Role::Admin | Role::Delegate { .. } | Role::Local { .. })))
}

#[derive(Template)]
#[template(path = "pacts.html")]
struct Results {
    layout: Layout,
    query: String,
    territory: String,
    territory_name: Option<String>,
    statuses: Vec<Choice>,
    kinds: Vec<Choice>,
    total: String,
    plural: bool,
    rows: Vec<Row>,
    first_shown: usize,
    pagination: Option<Pagination>,
    can_create: bool,
}

/// `GET /pactes`.
pub async fn list(
    State(state): State<AppState>,
    who: Who,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let config: &Arc<PagesConfig> = &who.config;
    let p = params.ok().map(|Query(p)| p).unwrap_or_default();
    let q = p.q.unwrap_or_default().trim().to_owned();
    let territory: Option<TerritoryRef> = p.territoire.as_deref().and_then(|t| t.trim().parse().ok());
    let status = p.statut.as_deref().and_then(PactStatus::parse);
    let kind = p.kind.as_deref().and_then(PactKind::parse);
    let page_no = p.page.and_then(|n| n.parse::<usize>().ok()).unwrap_or(1).max(1);
    let territory_code = territory.as_ref().map(ToString::to_string).unwrap_or_default();
    let filter = PactFilter {
        q: Some(q.clone()),
        territory: territory.as_ref().map(ToString::to_string),
        status: status.map(|s| s.as_str().to_owned()),
        kind: kind.map(|k| k.as_str().to_owned()),
        ..PactFilter::default()
    };
    let found = find(&state, who.auth.as_ref().map(|a| &a.principal), &filter, (page_no - 1) * PER_PAGE, PER_PAGE)
        .await
        .map_err(|e| PageError::internal(config, e))?;
    let snapshot = state.current();
    let r = &snapshot.referential;
    let base = format!(
        "/pactes?q={}&territoire={}&statut={}&type={}",
        encode(&q),
        encode(&territory_code),
        status.map(|x| x.as_str()).unwrap_or_default(),
        kind.map(|x| x.as_str()).unwrap_or_default()
    );
    let pagination = Pagination::new(found.total, PER_PAGE, page_no, |n| format!("{base}&page={n}"));
    let title = if q.is_empty() { "Pactes territoriaux".to_owned() } else { format!("Pactes « {q} »") };
    let mut statuses = vec![Choice { value: "", label: "Tous les statuts", selected: status.is_none() }];
    statuses.extend(PactStatus::ALL.iter().map(|&x| Choice {
        value: x.as_str(),
        label: x.label(),
        selected: status == Some(x),
    }));
    let mut kinds = vec![Choice { value: "", label: "Tous les types", selected: kind.is_none() }];
    kinds.extend(PactKind::ALL.iter().map(|&x| Choice {
        value: x.as_str(),
        label: x.label(),
        selected: kind == Some(x),
    }));
    let page = Results {
        layout: Layout::new(config, title, Nav::Pacts),
        query: q,
        territory_name: territory.as_ref().and_then(|t| r.get_ref(t)).map(|t| t.name.clone()),
        territory: territory_code,
        statuses,
        kinds,
        total: fr_number(found.total as u64),
        plural: found.total > 1,
        rows: found.items.iter().map(|p| row(r, p)).collect(),
        first_shown: (page_no - 1) * PER_PAGE + 1,
        pagination,
        can_create: may_create(who.auth.as_ref().map(|a| &a.principal)),
    };
    render(config, &page)
}

/// Pacts shown beside other results (the projects search, a territory page).
pub struct Section {
    pub rows: Vec<Row>,
    pub total: usize,
    pub count: String,
    /// The full list on `/pactes`.
    pub href: String,
}

/// The first `limit` pacts matching `q` and `territory` as anyone reads them (the
/// sections of the territory and project pages are the same for everyone: signed
/// pacts only); empty on a bad filter.
pub async fn section(state: &AppState, q: &str, territory: Option<&TerritoryRef>, limit: usize) -> Section {
    let filter =
        PactFilter { q: Some(q.to_owned()), territory: territory.map(ToString::to_string), ..PactFilter::default() };
    let found = find_as(state, &Reader::anyone(), &filter, 0, limit).unwrap_or_default();
    let snapshot = state.current();
    let code = territory.map(ToString::to_string).unwrap_or_default();
    Section {
        rows: found.items.iter().map(|p| row(&snapshot.referential, p)).collect(),
        total: found.total,
        count: fr_number(found.total as u64),
        href: format!("/pactes?q={}&territoire={}", encode(q), encode(&code)),
    }
}
