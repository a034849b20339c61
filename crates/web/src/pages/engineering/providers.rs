//! `/ingenierie/prestataires`: the public directory of providers (competences,
//! départements, capacity) and, for the people of a provider, the missions offered to
//! it and those it carries, each linking to the request's page where they answer.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use cohesion_app::engineering::Filter;
use cohesion_app::engineering::provider as providers;
use cohesion_app::engineering::read::{self, Listed};
use cohesion_core::access::Role;
use cohesion_core::engineering::{Answer, MissionStatus};

use super::list::{Row, row};
use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::visitor::Who;

pub struct ProviderRow {
    pub name: String,
    pub kind: &'static str,
    pub competences: String,
    pub departements: String,
    pub capacity: u32,
}

/// A provider the visitor acts for, and its missions.
pub struct Mine {
    pub name: String,
    /// Offered, not answered yet.
    pub offered: Vec<Row>,
    /// Accepted (in progress or closed).
    pub carried: Vec<Row>,
}

#[derive(Template)]
#[template(path = "engineering_providers.html")]
struct ProvidersPage {
    layout: Layout,
    rows: Vec<ProviderRow>,
    mine: Vec<Mine>,
}

/// `GET /ingenierie/prestataires`.
pub async fn directory(State(state): State<AppState>, who: Who) -> Result<Response, PageError> {
    let config = &who.config;
    let all = providers::list(&state).await.map_err(|e| PageError::internal(config, e))?;
    let me = who.auth.as_ref().map(|a| a.principal.clone());
    let orgs: Vec<uuid::Uuid> = me
        .iter()
        .flat_map(|p| p.roles.iter())
        .filter_map(|r| match r {
            Role::Partner { organisation } => Some(*organisation),
            _ => None,
        })
        .collect();
    let mut mine = Vec::new();
    for p in all.iter().filter(|p| p.organisation.is_some_and(|o| orgs.contains(&o))) {
        let filter = Filter { provider: Some(p.id.clone()), ..Filter::default() };
        let listed = read::list(&state, me.as_ref(), &filter).await.map_err(|e| PageError::internal(config, e))?;
        let (mut offered, mut carried) = (Vec::new(), Vec::new());
        for l in &listed {
            let Listed::Full { mission: Some(m), .. } = l else { continue };
            let answer = m.providers.iter().find(|e| e.provider == p.id).map(|e| e.answer);
            match answer {
                Some(Answer::Asked) if m.status != MissionStatus::Closed => offered.push(row(l)),
                Some(Answer::Accepted) => carried.push(row(l)),
                _ => {}
            }
        }
        mine.push(Mine { name: p.name.clone(), offered, carried });
    }
    let rows = all
        .iter()
        .filter(|p| p.active)
        .map(|p| ProviderRow {
            name: p.name.clone(),
            kind: p.kind.label(),
            competences: p.competences.iter().map(|n| n.label()).collect::<Vec<_>>().join(", "),
            departements: if p.departements.is_empty() { "Tous".to_owned() } else { p.departements.join(", ") },
            capacity: p.capacity,
        })
        .collect();
    let page = ProvidersPage {
        layout: Layout::new(config, "Prestataires d’ingénierie", Nav::Engineering)
            .crumb("Ingénierie sur mesure", "/ingenierie"),
        rows,
        mine,
    };
    Ok(render(config, &page)?.into_response())
}
