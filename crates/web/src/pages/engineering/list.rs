//! `/ingenierie?departement=&statut=&besoin=`: the requests the visitor may see —
//! whole for who takes part (the delegate sees their département's), their public view
//! for the accepted and closed others — filtered in the query, the count of that same
//! list.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use cohesion_app::engineering::Filter;
use cohesion_app::engineering::read::{self, Listed};
use cohesion_app::engineering::search::{self, Hit, Kind};
use cohesion_core::access::Role;
use cohesion_core::engineering::{MissionStatus, Need, ProviderKind, RecommendationStatus, RequestStatus};
use serde::Deserialize;

use super::{Choice, count, href, moment, request_badge};
use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::visitor::Who;

pub struct Row {
    pub href: String,
    pub title: String,
    pub authority: String,
    pub departement: String,
    pub needs: String,
    pub status: &'static str,
    pub badge: &'static str,
    /// Empty for a public view (its date is not public).
    pub created: String,
}

/// One search result: what it is, in French, and where it leads.
pub struct Found {
    pub kind: &'static str,
    pub href: String,
    pub title: String,
    pub status: &'static str,
}

/// How many search results the page shows (the API pages through all of them).
const SHOWN: usize = 50;

fn found_view(h: &Hit) -> Found {
    let case = |anchor: &str| format!("{}{anchor}", href(h.request.as_deref().unwrap_or_default()));
    let (kind, href, status) = match h.kind {
        Kind::Request => ("Demande", case(""), RequestStatus::parse(&h.status).map_or("", |s| s.label())),
        Kind::Mission => ("Mission", case("#mission-titre"), MissionStatus::parse(&h.status).map_or("", |s| s.label())),
        Kind::Recommendation => (
            "Recommandation",
            case("#recommandations-titre"),
            RecommendationStatus::parse(&h.status).map_or("", |s| s.label()),
        ),
        Kind::Provider => (
            "Prestataire",
            "/ingenierie/prestataires".to_owned(),
            ProviderKind::parse(&h.status).map_or("", |k| k.label()),
        ),
    };
    Found { kind, href, title: h.title.clone(), status }
}

#[derive(Template)]
#[template(path = "engineering_list.html")]
struct ListPage {
    layout: Layout,
    /// The words searched, and what they found (`None`: no search).
    q: String,
    found: Option<Vec<Found>>,
    found_summary: String,
    departement: String,
    statuses: Vec<Choice>,
    needs: Vec<Choice>,
    rows: Vec<Row>,
    summary: String,
    may_ask: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    departement: Option<String>,
    statut: Option<String>,
    besoin: Option<String>,
}

pub fn row(l: &Listed) -> Row {
    match l {
        Listed::Full { request, .. } => Row {
            href: href(&request.id),
            title: request.project_title.clone(),
            authority: request.organisation_name.clone(),
            departement: request.departement.clone(),
            needs: request.needs.iter().map(|n| n.label()).collect::<Vec<_>>().join(", "),
            status: request.status.label(),
            badge: request_badge(request.status),
            created: moment(request.created_at),
        },
        Listed::Public(p) => {
            let status = RequestStatus::parse(&p.status).unwrap_or(RequestStatus::Accepted);
            Row {
                href: href(&p.id),
                title: p.project_title.clone(),
                authority: p.organisation_name.clone(),
                departement: p.departement.clone(),
                needs: p.needs.iter().filter_map(|n| Need::parse(n)).map(|n| n.label()).collect::<Vec<_>>().join(", "),
                status: status.label(),
                badge: request_badge(status),
                created: String::new(),
            }
        }
    }
}

/// `GET /ingenierie`.
pub async fn list(State(state): State<AppState>, who: Who, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let config = &who.config;
    let me = who.auth.as_ref().map(|a| a.principal.clone());
    // A delegate of one département sees theirs first; any filter can be cleared.
    let own: Vec<String> = me
        .iter()
        .flat_map(|p| p.roles.iter())
        .filter_map(|r| match r {
            Role::Delegate { departement } => Some(departement.clone()),
            _ => None,
        })
        .collect();
    let departement = match (q.departement.as_deref(), own.as_slice()) {
        (Some(d), _) => d.trim().to_owned(),
        (None, [one]) => one.clone(),
        (None, _) => String::new(),
    };
    let mut error = None;
    let status = q.statut.as_deref().filter(|s| !s.is_empty()).and_then(|s| {
        let v = RequestStatus::parse(s);
        if v.is_none() {
            error = Some(format!("« {s} » n’est pas un statut de demande : le filtre est ignoré."));
        }
        v
    });
    let need = q.besoin.as_deref().filter(|s| !s.is_empty()).and_then(|s| {
        let v = Need::parse(s);
        if v.is_none() {
            error = Some(format!("« {s} » n’est pas un besoin de la liste : le filtre est ignoré."));
        }
        v
    });
    let filter = Filter {
        departement: (!departement.is_empty()).then(|| departement.clone()),
        status,
        need,
        ..Filter::default()
    };
    let listed = read::list(&state, me.as_ref(), &filter).await.map_err(|e| PageError::internal(config, e))?;
    let rows: Vec<Row> = listed.iter().map(row).collect();
    let q_text = q.q.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let (found, found_summary) = if q_text.is_empty() {
        (None, String::new())
    } else {
        let hits = search::search(&state, me.as_ref(), &q_text, None, 0, SHOWN)
            .await
            .map_err(|e| PageError::internal(config, e))?;
        let mut summary = count(hits.total, "résultat", "résultats");
        if hits.total > SHOWN {
            summary.push_str(&format!(" ; les {SHOWN} premiers sont affichés"));
        }
        (Some(hits.items.iter().map(found_view).collect()), summary)
    };
    let page = ListPage {
        layout: Layout::new(config, "Demandes d’ingénierie sur mesure", Nav::Engineering),
        q: q_text,
        found,
        found_summary,
        departement,
        statuses: RequestStatus::ALL
            .iter()
            .map(|s| Choice { value: s.as_str().into(), label: s.label().into(), selected: Some(*s) == status })
            .collect(),
        needs: Need::ALL
            .iter()
            .map(|n| Choice { value: n.as_str().into(), label: n.label().into(), selected: Some(*n) == need })
            .collect(),
        summary: count(rows.len(), "demande", "demandes"),
        rows,
        may_ask: me.as_ref().is_some_and(|p| {
            p.is_admin() || p.roles.iter().any(|r| matches!(r, Role::Local { .. } | Role::Delegate { .. }))
        }),
        error,
    };
    Ok(render(config, &page)?.into_response())
}
