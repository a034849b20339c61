//! HTTP for Cohésion: the JSON API under `/api/v1` (described by an OpenAPI 3.1
//! document generated from the handlers) and the HTML pages (French, DSFR).
//!
//! Requests read the referential from an immutable in-memory [`Snapshot`], swapped
//! atomically when the stored referential's revision changes (an import, possibly by
//! another process or instance).

pub mod access;
pub mod api;
pub mod auth;
mod edge;
mod kept;
pub use edge::Site;
pub mod error;
pub mod input;
pub mod pages;

use std::ops::Deref;
use std::sync::Arc;

use axum::Router;
use axum::http::HeaderValue;
use cohesion_app::App;

pub use cohesion_app::snapshot::{self, LoadError, Snapshot};

/// What every handler can reach: the application (its use cases' state) and the
/// access settings of the HTTP edge, behind one `Arc`.
///
/// Every request clones the state (the authentication layer, each `State` extractor):
/// one reference count, not one per field of [`App`] (issue 16: cloning and dropping
/// the fields one by one took 5 % of `/livez`'s time).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The state's content (reached through [`AppState`]'s `Deref`).
pub struct Shared {
    pub app: App,
    /// Sessions, links, throttling and mail settings (`auth::AuthConfig`).
    pub auth: Arc<auth::AuthConfig>,
    /// The territory pages' bodies, once rendered (`pages::territory::cache`).
    pub(crate) territory_bodies: Arc<pages::TerritoryBodies>,
    /// The territory search's answers, once serialised (`api::territory::search`).
    pub(crate) territory_searches: Arc<api::territory::Searches>,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Deref for Shared {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    /// The application (loaded, `App::load`) with the access settings of the
    /// environment (`auth::AuthConfig::from_env`).
    pub fn new(app: App) -> Result<AppState, LoadError> {
        let auth = auth::AuthConfig::from_env().map_err(LoadError::Config)?;
        Ok(AppState(Arc::new(Shared {
            app,
            auth: Arc::new(auth),
            territory_bodies: Arc::new(pages::territory_bodies()),
            territory_searches: Arc::new(api::territory::searches()),
        })))
    }

    /// The same state with these access settings (tests, the CLI).
    pub fn with_auth(self, auth: auth::AuthConfig) -> AppState {
        AppState(Arc::new(Shared {
            app: self.app.clone(),
            auth: Arc::new(auth),
            territory_bodies: self.territory_bodies.clone(),
            territory_searches: self.territory_searches.clone(),
        }))
    }

    /// Where the digests go: this instance's mailer and public address.
    pub fn outbox(&self) -> cohesion_app::digest::Outbox {
        cohesion_app::digest::Outbox { mailer: self.auth.mailer.clone(), public_url: self.auth.public_url.clone() }
    }
}

/// The whole application: API, health, and the edge every request goes through.
pub fn app(state: AppState) -> Site {
    with_layers(api::router().merge(pages::router()), state)
}

/// `routes` inside the edge every request goes through ([`Site`]: request ids, the
/// input guard, request tracing and compression, authentication, the query check,
/// problem documents, the panic catcher and the security headers); the tests wrap
/// routes of their own in the same edge.
///
/// The edge is one hand-written service around the whole router, not layers around
/// each route (issue 16: each `Router::layer` call boxes each route again, and a
/// request paid a boxed clone per layer).
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Site {
    // HSTS only when the public address is https: over plain HTTP it would be ignored,
    // and on a TLS-terminating proxy's backend it is what the browser must see.
    let hsts = state.auth.https().then_some(HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    let provider = state.auth.proconnect.as_ref().and_then(|pc| reqwest::Url::parse(&pc.discovery_url).ok());
    let csp = match provider.map(|u| u.origin().ascii_serialization()) {
        Some(origin) => HeaderValue::from_str(&pages::content_security_policy_with_form_target(&origin)).ok(),
        None => Some(HeaderValue::from_static(pages::CONTENT_SECURITY_POLICY)),
    };
    let config = edge::EdgeConfig {
        state: state.clone(),
        pages: Arc::new(pages::PagesConfig::from_env()),
        hsts,
        csp,
        ids: edge::RequestIds::new(),
        declared: api::query::Declared::of(&api::openapi()),
    };
    Site::new(routes.with_state(state), config)
}
