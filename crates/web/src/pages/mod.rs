//! HTML pages: French, server-rendered with askama templates (`crates/web/templates/`),
//! in the French State design system (DSFR, vendored and embedded, see
//! `crates/web/assets/VENDORED.md`).
//!
//! Every page works without JavaScript; scripts only add to it (search suggestions,
//! DSFR's menus and display settings). The Content-Security-Policy forbids inline
//! scripts and styles and anything from another origin, so templates never carry a
//! `style` attribute or a `<script>` body.

mod assets;
mod components;
mod error;
mod home;
mod layout;
mod legal;
mod map;
mod projects;
mod search;
mod territory;

use std::sync::Arc;

use axum::Extension;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;

pub use error::PageError;

/// The policy every HTML page is served with: only this origin, no inline code.
/// `data:` images: the DSFR stylesheet draws some icons from data URIs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'self'; form-action 'self'";

/// What the pages need besides the data.
#[derive(Debug, Clone)]
pub struct PagesConfig {
    /// The operator shown under the service name and in the footer (`COHESION_OPERATOR_NAME`).
    /// The DSFR may only be used by State services and their operators.
    pub operator_name: String,
}

impl Default for PagesConfig {
    fn default() -> Self {
        PagesConfig { operator_name: "Agence nationale de la cohésion des territoires".to_owned() }
    }
}

impl PagesConfig {
    /// Reads `COHESION_OPERATOR_NAME`, falling back to the defaults.
    pub fn from_env() -> Self {
        match std::env::var("COHESION_OPERATOR_NAME") {
            Ok(name) if !name.trim().is_empty() => PagesConfig { operator_name: name.trim().to_owned() },
            _ => PagesConfig::default(),
        }
    }
}

/// The pages, the static files, and the HTML 404 for any unknown address.
pub fn router() -> axum::Router<AppState> {
    router_with(PagesConfig::from_env())
}

pub fn router_with(config: PagesConfig) -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(home::home))
        .route("/territoires", get(search::search))
        .route("/territoires/{kind}/{code}", get(territory::territory))
        .route("/projets", get(projects::list))
        .route("/projets/{id}", get(projects::detail))
        .route("/accessibilite", get(legal::accessibility))
        .route("/mentions-legales", get(legal::legal_notice))
        .route("/donnees-personnelles", get(legal::personal_data))
        .route("/plan-du-site", get(legal::sitemap))
        .route("/static/{*path}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .fallback(error::not_found)
        .layer(Extension(Arc::new(config)))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
}
