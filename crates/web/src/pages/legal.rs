//! The pages the DSFR makes mandatory: accessibility statement (with the declared
//! conformity status), legal notice, personal data, site map.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::response::Html;

use super::PagesConfig;
use super::error::{PageError, render};
use super::layout::{Layout, Nav};

/// Declared conformity with the RGAA, shown in the footer and on the statement.
/// "non conforme" until an audit has been carried out, as the RGAA requires.
pub const ACCESSIBILITY_STATUS: &str = "non conforme";

#[derive(Template)]
#[template(path = "accessibilite.html")]
struct Accessibility {
    layout: Layout,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "mentions_legales.html")]
struct LegalNotice {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "donnees_personnelles.html")]
struct PersonalData {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "plan_du_site.html")]
struct Sitemap {
    layout: Layout,
}

type Config = Extension<Arc<PagesConfig>>;

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocs {
    layout: Layout,
    spec: &'static str,
    swagger_ui: &'static str,
    api_docs_js: &'static str,
}

/// `GET /api/docs`: the API's documentation, browsable (Swagger UI, vendored and served
/// from the platform, started by our own script under the pages' strict CSP).
pub async fn api_docs(Extension(config): Config) -> Result<Html<String>, PageError> {
    let urls = super::assets::urls();
    let page = ApiDocs {
        layout: Layout::new(&config, "API ouverte", Nav::Api),
        spec: "/api/v1/openapi.json",
        swagger_ui: &urls.swagger_ui,
        api_docs_js: &urls.api_docs_js,
    };
    render(&config, &page)
}

/// `GET /accessibilite`.
pub async fn accessibility(Extension(config): Config) -> Result<Html<String>, PageError> {
    let layout = Layout::new(&config, "Déclaration d’accessibilité", Nav::None);
    render(&config, &Accessibility { layout, status: ACCESSIBILITY_STATUS })
}

/// `GET /mentions-legales`.
pub async fn legal_notice(Extension(config): Config) -> Result<Html<String>, PageError> {
    render(&config, &LegalNotice { layout: Layout::new(&config, "Mentions légales", Nav::None) })
}

/// `GET /donnees-personnelles`.
pub async fn personal_data(Extension(config): Config) -> Result<Html<String>, PageError> {
    render(&config, &PersonalData { layout: Layout::new(&config, "Données personnelles", Nav::None) })
}

/// `GET /plan-du-site`.
pub async fn sitemap(Extension(config): Config) -> Result<Html<String>, PageError> {
    render(&config, &Sitemap { layout: Layout::new(&config, "Plan du site", Nav::None) })
}
