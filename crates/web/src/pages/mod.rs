//! HTML pages: French, server-rendered with askama templates (`crates/web/templates/`),
//! in the French State design system (DSFR, vendored and embedded, see
//! `crates/web/assets/VENDORED.md`).
//!
//! Every page works without JavaScript; scripts only add to it (search suggestions,
//! DSFR's menus and display settings). The Content-Security-Policy forbids inline
//! scripts and styles and anything from another origin, so templates never carry a
//! `style` attribute or a `<script>` body.

mod account;
mod admin;
mod assets;
mod components;
mod error;
mod evaluation;
mod explain;
mod home;
mod indicator;
mod layout;
mod legal;
mod map;
mod pact;
mod pact_actions;
mod pact_detail;
mod pact_diff;
mod pact_form;
mod proconnect;
mod profile;
mod programme;
mod programme_faults;
mod programme_import;
mod programme_new;
mod programme_plan;
mod programme_rule;
mod projects;
mod search;
mod territory;
mod territory_indicators;
mod territory_programmes;
mod visitor;

use std::sync::Arc;

use axum::Extension;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

pub use error::PageError;

/// The policy every HTML page is served with: only this origin, no inline code.
/// `data:` images: the DSFR stylesheet draws some icons from data URIs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'self'; form-action 'self'";

/// Every address where the pages accept a form (POST). The authorisation matrix test
/// (`crates/web/tests/access_matrix.rs`) must declare each one.
pub const FORM_POSTS: &[&str] = &[
    "/connexion",
    "/deconnexion",
    "/connexion/proconnect",
    "/mot-de-passe-oublie",
    "/mot-de-passe",
    "/profil/deconnexion-partout",
    "/profil/courriel",
    "/profil/courriel/confirmer",
    "/profil/jetons",
    "/profil/jetons/{id}/revoquer",
    "/administration/personnes",
    "/administration/organisations",
    "/pactes/nouveau",
    "/pactes/{id}/modifier",
    "/pactes/{id}/etape",
    "/pactes/{id}/signature",
    "/pactes/{id}/avenant",
    "/pactes/{id}/avenant/abandonner",
    "/pactes/{id}/propositions",
    "/pactes/{id}/propositions/{proposal}/decision",
    "/pactes/{id}/commentaires",
    "/programmes/nouveau",
    "/programmes/{code}/import",
    "/programmes/{code}/import/appliquer",
    "/programmes/{code}/actions",
    "/programmes/{code}/actions/{id}",
    "/programmes/{code}/eligibilite",
];

/// [`CONTENT_SECURITY_POLICY`] with one more origin allowed as a form's destination:
/// ProConnect's, since signing in and out with it are forms answered by a redirection
/// there (browsers apply `form-action` to redirections too).
pub fn content_security_policy_with_form_target(origin: &str) -> String {
    CONTENT_SECURITY_POLICY.replace("form-action 'self'", &format!("form-action 'self' {origin}"))
}

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
        .route("/programmes", get(programme::catalogue))
        .route("/programmes/nouveau", get(programme_new::page).post(programme_new::create))
        .route("/programmes/{code}", get(programme::dashboard))
        .route("/programmes/{code}/import", post(programme_import::upload))
        .route(
            "/programmes/{code}/import/appliquer",
            // The confirmation carries the file in base64 (4/3 of its size): room for
            // a list as large as the upload accepts (the default 2 MB limit).
            post(programme_import::apply).layer(DefaultBodyLimit::max(3 * 1024 * 1024)),
        )
        .route("/programmes/{code}/actions", post(programme_plan::create))
        .route("/programmes/{code}/actions/nouvelle", get(programme_plan::new_page))
        .route("/programmes/{code}/actions/{id}", get(programme_plan::edit_page).post(programme_plan::update))
        .route("/programmes/{code}/eligibilite", get(programme_rule::page).post(programme_rule::save))
        .route("/indicateurs", get(indicator::catalogue))
        .route("/evaluations", get(indicator::evaluations))
        .route("/evaluations/{id}", get(evaluation::evaluation))
        .route("/projets", get(projects::list))
        .route("/projets/{id}", get(projects::detail))
        .route("/pactes", get(pact::list))
        .route("/pactes/nouveau", get(pact_form::new_page).post(pact_form::create))
        .route("/pactes/{id}", get(pact_detail::detail))
        .route("/pactes/{id}/modifier", get(pact_form::edit_page).post(pact_form::edit))
        .route("/pactes/{id}/versions/{number}", get(pact_detail::version))
        .route("/pactes/{id}/comparaison", get(pact_diff::compare))
        .route("/pactes/{id}/etape", post(pact_actions::step))
        .route("/pactes/{id}/signature", post(pact_actions::sign))
        .route("/pactes/{id}/avenant", post(pact_actions::amend))
        .route("/pactes/{id}/avenant/abandonner", post(pact_actions::abandon))
        .route("/pactes/{id}/propositions", post(pact_actions::propose))
        .route("/pactes/{id}/propositions/{proposal}/decision", post(pact_actions::decide))
        .route("/pactes/{id}/commentaires", post(pact_actions::comment))
        .route("/accessibilite", get(legal::accessibility))
        .route("/mentions-legales", get(legal::legal_notice))
        .route("/donnees-personnelles", get(legal::personal_data))
        .route("/plan-du-site", get(legal::sitemap))
        .route("/connexion", get(account::sign_in_page).post(account::sign_in))
        .route("/deconnexion", post(account::sign_out))
        .route("/connexion/proconnect", post(proconnect::start))
        .route(proconnect::CALLBACK, get(proconnect::callback))
        .route("/mot-de-passe-oublie", get(account::forgot_page).post(account::forgot))
        .route("/mot-de-passe", get(account::set_password_page).post(account::set_password))
        .route("/profil", get(profile::profile))
        .route("/profil/deconnexion-partout", post(profile::end_sessions))
        .route("/profil/courriel", get(profile::confirm_email_page).post(profile::change_email))
        .route("/profil/courriel/confirmer", post(profile::confirm_email))
        .route("/profil/jetons", post(profile::create_token))
        .route("/profil/jetons/{id}/revoquer", post(profile::revoke_token))
        .route("/administration/personnes", get(admin::people).post(admin::invite))
        .route("/administration/organisations", get(admin::organisations).post(admin::create_organisation))
        .route("/static/{*path}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .fallback(error::not_found)
        .layer(Extension(Arc::new(config)))
}
