//! `GET/POST /mon-espace/preferences`: per kind of event, when the person is mailed
//! (at once, daily digest, weekly digest, never: the platform's list shows
//! everything anyway). The change takes effect at the next digest.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_app::space::preference::{self, DELIVERIES, Delivery, Domain};
use serde::Deserialize;

use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::visitor::Who;

pub fn domain_label(d: Domain) -> &'static str {
    match d {
        Domain::Pact => "Pactes territoriaux",
        Domain::Engineering => "Ingénierie sur mesure",
        Domain::Training => "Formation des élus",
        Domain::Board => "Conseil d’administration et concertations",
        Domain::Programme => "Programmes nationaux",
    }
}

pub fn delivery_label(d: Delivery) -> &'static str {
    match d {
        Delivery::Immediate => "Tout de suite, un courriel par nouvelle",
        Delivery::Daily => "Un récapitulatif par jour (par défaut)",
        Delivery::Weekly => "Un récapitulatif par semaine, le lundi",
        Delivery::Never => "Jamais par courriel, seulement dans mon espace",
    }
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct DomainView {
    pub name: &'static str,
    pub label: &'static str,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "space_preferences.html")]
struct PreferencesPage {
    layout: Layout,
    saved: bool,
    domains: Vec<DomainView>,
}

#[derive(Deserialize)]
pub struct Params {
    info: Option<String>,
}

/// `GET /mon-espace/preferences`.
pub async fn page(State(state): State<AppState>, who: Who, Query(q): Query<Params>) -> Result<Response, PageError> {
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let mine = preference::mine(&state, &me.principal).await.map_err(|e| PageError::internal(&who.config, e))?;
    let domains = mine
        .into_iter()
        .map(|(d, chosen)| DomainView {
            name: d.as_str(),
            label: domain_label(d),
            choices: DELIVERIES
                .into_iter()
                .map(|v| Choice { value: v.as_str(), label: delivery_label(v), checked: v == chosen })
                .collect(),
        })
        .collect();
    let view = PreferencesPage {
        layout: Layout::new(&who.config, "Mes préférences de courriel", Nav::None).crumb("Mon espace", "/mon-espace"),
        saved: q.info.as_deref() == Some("enregistre"),
        domains,
    };
    Ok(render(&who.config, &view)?.into_response())
}

/// `POST /mon-espace/preferences`: one field per domain (`pact`, `engineering`…)
/// whose value is a delivery; a domain left out keeps its choice.
pub async fn save(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    who.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let mut choices = Vec::new();
    for (field, value) in &form {
        if field == "csrf" {
            continue;
        }
        let Some(domain) = Domain::parse(field) else { return Err(PageError::bad_input(&who.config, field)) };
        let Some(delivery) = Delivery::parse(value) else { return Err(PageError::bad_input(&who.config, field)) };
        choices.push((domain, delivery));
    }
    preference::set(&state, &me.principal, &choices).await.map_err(|e| PageError::internal(&who.config, e))?;
    Ok(Redirect::to("/mon-espace/preferences?info=enregistre").into_response())
}
