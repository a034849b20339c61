//! The home page: what the platform is, a territory search box, key figures.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Html;
use cohesion_core::territory::TerritoryKind;

use super::PagesConfig;
use super::error::{PageError, render};
use super::layout::{Layout, Nav, fr_number, kind_plural};
use super::search::SearchBox;
use crate::AppState;

/// One key figure.
pub struct Figure {
    pub value: String,
    pub label: &'static str,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    layout: Layout,
    search_box: SearchBox,
    figures: Vec<Figure>,
    vintage: String,
}

/// `GET /`.
pub async fn home(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<PagesConfig>>,
) -> Result<Html<String>, PageError> {
    let snapshot = state.current();
    let r = &snapshot.referential;
    let mut figures: Vec<Figure> =
        [TerritoryKind::Commune, TerritoryKind::Epci, TerritoryKind::Departement, TerritoryKind::Region]
            .into_iter()
            .map(|kind| Figure {
                value: fr_number(r.count(kind) as u64),
                label: kind_plural(kind),
                href: Some(format!("/territoires?type={}", kind.as_str())),
            })
            .collect();
    figures.push(Figure {
        value: fr_number(snapshot.programmes.programmes().len() as u64),
        label: "Programmes nationaux d’appui",
        href: Some("/programmes".to_owned()),
    });
    let page = Home {
        layout: Layout::new(&config, "Accueil", Nav::Home),
        search_box: SearchBox { id: "recherche-accueil", value: String::new(), large: true },
        figures,
        vintage: r.vintage().to_owned(),
    };
    render(&config, &page)
}
