//! `/france-services/{id}`: one France services place — address, commune, format,
//! opening hours, contact. The territory pages list the places in a compact table
//! that links here.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Html;
use cohesion_core::territory::TerritoryKind;

use crate::AppState;
use crate::pages::PagesConfig;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, territory_href};
use crate::pages::programme::fr_date;
use crate::pages::territory::programmes::DAYS;

#[derive(Template)]
#[template(path = "france_services_place.html")]
struct PlacePage {
    layout: Layout,
    address: String,
    commune: Option<(String, String)>,
    kind: String,
    format: String,
    labelled_on: Option<String>,
    /// (day, hours or "Fermé")
    hours: Vec<(&'static str, String)>,
    phone: Option<String>,
    /// The phone number without spaces, for the `tel:` link.
    phone_link: String,
    email: Option<String>,
}

/// `GET /france-services/{id}`.
pub async fn place(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<PagesConfig>>,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let snapshot = state.current();
    let p = cohesion_app::territory::place(&snapshot, &id).ok_or_else(|| PageError::not_found(&config))?;
    let r = &snapshot.referential;
    let commune =
        r.get(TerritoryKind::Commune, &p.commune).or_else(|| r.get(TerritoryKind::ArrondissementMunicipal, &p.commune));
    let mut layout = Layout::new(&config, p.name.clone(), Nav::Territories).crumb("Territoires", "/territoires");
    if let Some(c) = commune {
        for a in r.ancestors(c).into_iter().rev() {
            layout = layout.crumb(a.name.clone(), territory_href(a));
        }
        layout = layout.crumb(c.name.clone(), territory_href(c));
    }
    let page = PlacePage {
        layout,
        address: [Some(p.address.clone()), p.address_complement.clone(), Some(p.postcode.clone())]
            .into_iter()
            .flatten()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        commune: commune.map(|c| (territory_href(c), c.name.clone())),
        kind: if p.place_type == "Antenne" { "Antenne".into() } else { "Lieu principal".into() },
        format: p.format.replace('_', " "),
        labelled_on: p.labelled_on.as_deref().map(fr_date),
        hours: DAYS
            .into_iter()
            .zip(&p.hours)
            .map(|(d, h)| (d, h.clone().filter(|h| !h.trim().is_empty()).unwrap_or_else(|| "Fermé".into())))
            .collect(),
        phone_link: p.phone.as_deref().unwrap_or("").chars().filter(|c| c.is_ascii_digit() || *c == '+').collect(),
        phone: p.phone.clone().filter(|x| !x.is_empty()),
        email: p.email.clone().filter(|x| !x.is_empty()),
    };
    render(&config, &page)
}
