//! HTTP for Cohésion: the JSON API under `/api/v1` (described by an OpenAPI 3.1
//! document generated from the handlers) and the HTML pages (French, DSFR).
//!
//! Requests read the referential from an immutable in-memory [`Snapshot`], swapped
//! atomically when the stored referential's revision changes (an import, possibly by
//! another process or instance).

pub mod access;
pub mod api;
pub mod auth;
pub mod catalog;
pub mod digest;
pub mod error;
pub mod indicators;
pub mod pact_index;
pub mod pacts;
pub mod pages;
pub mod snapshot;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use cohesion_store::Store;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use snapshot::Snapshot;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub snapshot: Arc<ArcSwap<Snapshot>>,
    /// Sessions, links, throttling and mail settings (`auth::AuthConfig`).
    pub auth: Arc<auth::AuthConfig>,
    /// The projects and their search index (`catalog`).
    pub projects: Arc<ArcSwap<catalog::Catalog>>,
    /// The pacts' list columns and search terms (`pact_index`).
    pub pacts: Arc<ArcSwap<pact_index::PactIndex>>,
}

impl AppState {
    /// Loads the referential from the store (which must hold one) into memory.
    /// Access settings come from the environment (`auth::AuthConfig::from_env`).
    pub async fn load(store: Store) -> Result<AppState, snapshot::LoadError> {
        let auth = auth::AuthConfig::from_env().map_err(snapshot::LoadError::Config)?;
        let snapshot = Snapshot::load(&store).await?;
        let projects = catalog::Catalog::load(&store, &snapshot.referential).await?;
        let pacts = pact_index::PactIndex::load(&store, &snapshot.referential).await?;
        Ok(AppState {
            store,
            snapshot: Arc::new(ArcSwap::from_pointee(snapshot)),
            auth: Arc::new(auth),
            projects: Arc::new(ArcSwap::from_pointee(projects)),
            pacts: Arc::new(ArcSwap::from_pointee(pacts)),
        })
    }

    /// The same state with these access settings (tests, the CLI).
    pub fn with_auth(mut self, auth: auth::AuthConfig) -> AppState {
        self.auth = Arc::new(auth);
        self
    }

    /// The snapshot in force now; cheap (an atomic load).
    pub fn current(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Watches the stored revision every `every` and swaps in a fresh snapshot when it
    /// changes. Runs until the runtime stops.
    pub fn spawn_refresh(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = state.refresh().await {
                    tracing::warn!(error = %e, "referential refresh failed");
                }
            }
        })
    }

    /// Rebuilds the pact index from the store (`always`, after a write of this
    /// instance), or only if the stored revision moved.
    pub async fn reload_pacts(&self, always: bool) -> Result<(), cohesion_store::StoreError> {
        let stored = self.store.pact_revision().await?;
        if always || stored != self.pacts.load().revision {
            let fresh = pact_index::PactIndex::load(&self.store, &self.current().referential).await?;
            self.pacts.store(Arc::new(fresh));
        }
        Ok(())
    }

    /// Reloads the snapshot if the stored revision moved, and rebuilds the project
    /// index if the projects' revision did. Returns whether the snapshot was reloaded.
    pub async fn refresh(&self) -> Result<bool, snapshot::LoadError> {
        let stored = self.store.project_revision().await.map_err(snapshot::LoadError::Store)?;
        if stored != self.projects.load().revision() {
            let fresh = catalog::Catalog::load(&self.store, &self.current().referential).await?;
            self.projects.store(Arc::new(fresh));
        }
        self.reload_pacts(false).await.map_err(snapshot::LoadError::Store)?;
        let stored = self.store.referential_state().await.map_err(snapshot::LoadError::Store)?;
        let programmes = self.store.programme_revision().await.map_err(snapshot::LoadError::Store)?.unwrap_or(0);
        let current = self.current();
        if stored.map(|(_, r)| r) == Some(current.revision) && programmes == current.programme_revision {
            return Ok(false);
        }
        let fresh = Snapshot::load(&self.store).await?;
        tracing::info!(revision = fresh.revision, vintage = fresh.referential.vintage(), "referential reloaded");
        self.snapshot.store(Arc::new(fresh));
        Ok(true)
    }
}

/// The whole application: API, health, and the layers every response goes through.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    // HSTS only when the public address is https: over plain HTTP it would be ignored,
    // and on a TLS-terminating proxy's backend it is what the browser must see.
    let hsts = state.auth.https().then_some(HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    let provider = state.auth.proconnect.as_ref().and_then(|pc| reqwest::Url::parse(&pc.discovery_url).ok());
    let csp = match provider.map(|u| u.origin().ascii_serialization()) {
        Some(origin) => HeaderValue::from_str(&pages::content_security_policy_with_form_target(&origin)).ok(),
        None => Some(HeaderValue::from_static(pages::CONTENT_SECURITY_POLICY)),
    };
    api::router()
        .merge(pages::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .with_state(state)
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, hsts))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}
