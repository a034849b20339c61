//! HTTP for Cohésion: the JSON API under `/api/v1` (described by an OpenAPI 3.1
//! document generated from the handlers) and the HTML pages (French, DSFR).
//!
//! Requests read the referential from an immutable in-memory [`Snapshot`], swapped
//! atomically when the stored referential's revision changes (an import, possibly by
//! another process or instance).

pub mod access;
pub mod api;
pub mod auth;
pub mod error;
pub mod input;
pub mod pages;

use std::ops::Deref;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use cohesion_app::App;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

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
        Ok(AppState(Arc::new(Shared { app, auth: Arc::new(auth), territory_bodies: Arc::default() })))
    }

    /// The same state with these access settings (tests, the CLI).
    pub fn with_auth(self, auth: auth::AuthConfig) -> AppState {
        AppState(Arc::new(Shared {
            app: self.app.clone(),
            auth: Arc::new(auth),
            territory_bodies: self.territory_bodies.clone(),
        }))
    }

    /// Where the digests go: this instance's mailer and public address.
    pub fn outbox(&self) -> cohesion_app::digest::Outbox {
        cohesion_app::digest::Outbox { mailer: self.auth.mailer.clone(), public_url: self.auth.public_url.clone() }
    }
}

/// The whole application: API, health, and the layers every response goes through.
pub fn app(state: AppState) -> Router {
    with_layers(api::router().merge(pages::router()), state)
}

/// `routes` inside the layers every response goes through: authentication, the input
/// guard, problem documents, the panic catcher, compression, security headers, request
/// ids and tracing (the tests wrap routes of their own with the same layers).
///
/// The layers are composed once and wrapped around each route in one go: every
/// `Router::layer` call boxes each route again, and a request paid a boxed clone per
/// layer (issue 16: thirteen of them; the boxed clones took 7 % of `/livez` in a profile).
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    // HSTS only when the public address is https: over plain HTTP it would be ignored,
    // and on a TLS-terminating proxy's backend it is what the browser must see.
    let hsts = state.auth.https().then_some(HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    let provider = state.auth.proconnect.as_ref().and_then(|pc| reqwest::Url::parse(&pc.discovery_url).ok());
    let csp = match provider.map(|u| u.origin().ascii_serialization()) {
        Some(origin) => HeaderValue::from_str(&pages::content_security_policy_with_form_target(&origin)).ok(),
        None => Some(HeaderValue::from_static(pages::CONTENT_SECURITY_POLICY)),
    };
    let pages_config = std::sync::Arc::new(pages::PagesConfig::from_env());
    // Outermost first (a request goes down this list, its response comes back up).
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(request_id.clone(), RequestIds::new()))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, hsts))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp))
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        // A panic in a handler is a logged 500 problem document, never a dropped connection.
        .layer(CatchPanicLayer::custom(error::panicked))
        .layer(axum::middleware::from_fn(error::problems_only))
        .layer(axum::middleware::from_fn_with_state(pages_config, input::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate));
    routes.with_state(state).layer(stack)
}

/// Request ids: this process's random prefix and a counter, unique without a system
/// call per request (a version-4 UUID asked the kernel for randomness each time).
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> RequestIds {
        // 64 random bits tell instances and restarts apart (the audit log keeps the ids).
        let prefix = match cohesion_app::access::secret::generate() {
            Ok(s) => s.chars().take(12).collect::<String>(),
            Err(_) => format!("{:x}", std::process::id()),
        };
        RequestIds { prefix: prefix.into(), next: Arc::default() }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n:x}", self.prefix)).ok().map(RequestId::new)
    }
}
