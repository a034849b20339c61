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
mod engineering;
mod engineering_fault;
mod error;
mod evaluation;
mod evaluation_form;
mod evaluation_rerun;
mod explain;
mod fault;
mod home;
mod indicator;
mod layout;
mod legal;
mod map;
mod pact;
mod proconnect;
mod profile;
mod programme;
mod project;
mod search;
mod space;
mod territory;
pub(crate) use territory::cache::{Bodies as TerritoryBodies, bodies as territory_bodies};
mod visitor;

use std::sync::Arc;

use axum::Extension;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post};

use crate::AppState;

pub use error::PageError;

/// The policy every HTML page is served with: only this origin, no inline code.
/// `data:` images: the DSFR stylesheet draws some icons from data URIs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'self'; form-action 'self'";

/// Every address where the pages accept a form (POST), read from the table the
/// router is built from: the authorisation matrix test must declare each one.
pub fn form_posts() -> Vec<&'static str> {
    table().forms
}

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

/// The table of the pages: a page answers GET; a form answers POST (and may have its
/// page). Only `form` and `form_page` take a POST handler, so every form is listed.
struct Table {
    router: axum::Router<AppState>,
    forms: Vec<&'static str>,
}

impl Table {
    fn page<H: Handler<T, AppState>, T: 'static>(mut self, path: &'static str, handler: H) -> Table {
        self.router = self.router.route(path, get(handler));
        self
    }

    fn form(mut self, path: &'static str, post: MethodRouter<AppState>) -> Table {
        self.forms.push(path);
        self.router = self.router.route(path, post);
        self
    }

    fn form_page<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        page: H,
        post: MethodRouter<AppState>,
    ) -> Table {
        self.form(path, get(page).merge(post))
    }
}

/// The largest form carrying engineering documents (20 MB each; a few per request).
const DOCUMENTS_LIMIT: usize = 64 * 1024 * 1024;

fn table() -> Table {
    Table { router: axum::Router::new(), forms: Vec::new() }
        .page("/", home::home)
        .page("/territoires", search::search)
        .page("/territoires/{kind}/{code}", territory::territory)
        .page("/france-services/{id}", territory::place::place)
        .page("/programmes", programme::dashboard::catalogue)
        .form_page("/programmes/nouveau", programme::new::page, post(programme::new::create))
        .page("/programmes/{code}", programme::dashboard::dashboard)
        .form("/programmes/{code}/import", post(programme::import::upload))
        .form(
            "/programmes/{code}/import/appliquer",
            // The confirmation carries the file in base64 (4/3 of its size): room for
            // a list as large as the upload accepts (the default 2 MB limit).
            post(programme::import::apply).layer(DefaultBodyLimit::max(3 * 1024 * 1024)),
        )
        .page("/programmes/{code}/import/apercus/{id}", programme::import::kept)
        .form("/programmes/{code}/import/apercus/{id}/ecarter", post(programme::import::dismiss))
        .form("/programmes/{code}/actions", post(programme::plan::create))
        .page("/programmes/{code}/actions/nouvelle", programme::plan::new_page)
        .form_page("/programmes/{code}/actions/{id}", programme::plan::edit_page, post(programme::plan::update))
        .form_page("/programmes/{code}/eligibilite", programme::rule::page, post(programme::rule::save))
        .page("/indicateurs", indicator::catalogue)
        .page("/evaluations", indicator::evaluations)
        .form_page("/evaluations/nouvelle", evaluation_form::form, post(evaluation_form::submit))
        .page("/evaluations/{id}", evaluation::evaluation)
        .form("/evaluations/{id}/relancer", post(evaluation_rerun::submit))
        .page("/projets", project::list::list)
        .page("/projets/{id}", project::detail::detail)
        .page("/pactes", pact::list::list)
        .form_page("/pactes/nouveau", pact::form::new_page, post(pact::form::create))
        .page("/pactes/{id}", pact::detail::detail)
        .form_page("/pactes/{id}/modifier", pact::form::edit_page, post(pact::form::edit))
        .page("/pactes/{id}/versions/{number}", pact::detail::version)
        .page("/pactes/{id}/comparaison", pact::diff::compare)
        .form("/pactes/{id}/etape", post(pact::actions::step))
        .form("/pactes/{id}/signature", post(pact::actions::sign))
        .form("/pactes/{id}/avenant", post(pact::actions::amend))
        .form("/pactes/{id}/publication", post(pact::actions::publish))
        .form("/pactes/{id}/avenant/abandonner", post(pact::actions::abandon))
        .form("/pactes/{id}/propositions", post(pact::actions::propose))
        .form("/pactes/{id}/propositions/{proposal}/decision", post(pact::actions::decide))
        .form("/pactes/{id}/commentaires", post(pact::actions::comment))
        .page("/ingenierie", engineering::list::list)
        .form_page(
            "/ingenierie/demander",
            engineering::request::page,
            // Documents of up to 20 MB each travel with the form.
            post(engineering::request::submit).layer(DefaultBodyLimit::max(DOCUMENTS_LIMIT)),
        )
        .page("/ingenierie/prestataires", engineering::providers::directory)
        // A providers' list of up to 2 MB (axum's default body limit).
        .form_page("/ingenierie/prestataires/import", engineering::import::form, post(engineering::import::check))
        .form("/ingenierie/prestataires/import/appliquer", post(engineering::import::apply))
        .page("/ingenierie/tableau-de-bord", engineering::dashboard::dashboard)
        .page("/ingenierie/demandes/{id}", engineering::case::detail)
        .form("/ingenierie/demandes/{id}/qualification", post(engineering::actions::qualify))
        .form("/ingenierie/demandes/{id}/reponse", post(engineering::actions::respond))
        .form("/ingenierie/demandes/{id}/messages", post(engineering::actions::message))
        .form(
            "/ingenierie/demandes/{id}/documents",
            post(engineering::actions::document).layer(DefaultBodyLimit::max(DOCUMENTS_LIMIT)),
        )
        .form("/ingenierie/demandes/{id}/recommandations", post(engineering::actions::recommend))
        .form("/ingenierie/demandes/{id}/recommandations/{rid}/statut", post(engineering::actions::track))
        .form("/ingenierie/demandes/{id}/jalons", post(engineering::actions::milestone))
        .form("/ingenierie/demandes/{id}/jalons/{mid}/atteint", post(engineering::actions::milestone_done))
        .form("/ingenierie/demandes/{id}/participants", post(engineering::actions::invite))
        .form("/ingenierie/demandes/{id}/invitation", post(engineering::actions::accept_invitation))
        .form("/ingenierie/demandes/{id}/depenses", post(engineering::actions::spend))
        .form("/ingenierie/demandes/{id}/cloture", post(engineering::actions::close))
        .form("/ingenierie/demandes/{id}/avis", post(engineering::actions::rate))
        .page("/accessibilite", legal::accessibility)
        .page("/mentions-legales", legal::legal_notice)
        .page("/donnees-personnelles", legal::personal_data)
        .page("/plan-du-site", legal::sitemap)
        .page("/api/docs", legal::api_docs)
        .form_page("/connexion", account::sign_in_page, post(account::sign_in))
        .form("/deconnexion", post(account::sign_out))
        .form("/connexion/proconnect", post(proconnect::start))
        .page(proconnect::CALLBACK, proconnect::callback)
        .form_page("/mot-de-passe-oublie", account::forgot_page, post(account::forgot))
        .form_page("/mot-de-passe", account::set_password_page, post(account::set_password))
        .page("/mon-espace", space::home::space)
        .page("/mon-espace/liste", space::home::list)
        .page("/mon-espace/notifications", space::notification::list)
        .form_page("/mon-espace/preferences", space::preference::page, post(space::preference::save))
        .page("/profil", profile::profile)
        .form("/profil/deconnexion-partout", post(profile::end_sessions))
        .form_page("/profil/courriel", profile::confirm_email_page, post(profile::change_email))
        .form("/profil/courriel/confirmer", post(profile::confirm_email))
        .form("/profil/jetons", post(profile::create_token))
        .form("/profil/jetons/{id}/revoquer", post(profile::revoke_token))
        .form_page("/administration/personnes", admin::people, post(admin::invite))
        .page("/administration/personnes/{id}", admin::person_detail)
        .form("/administration/personnes/{id}/roles", post(admin::grant_role))
        .form("/administration/personnes/{id}/roles/{grant}/retirer", post(admin::revoke_role))
        .form("/administration/personnes/{id}/invitation", post(admin::resend_invitation))
        .form("/administration/personnes/{id}/compte", post(admin::set_account))
        .form_page("/administration/organisations", admin::organisations, post(admin::create_organisation))
        .page("/static/{*path}", assets::serve)
        .page("/favicon.ico", assets::favicon)
}

pub fn router_with(config: PagesConfig) -> axum::Router<AppState> {
    table().router.fallback(error::not_found).layer(Extension(Arc::new(config)))
}
