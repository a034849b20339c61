//! HTTP for Cohésion: the JSON API under `/api/v1` (described by an OpenAPI 3.1
//! document generated from the handlers) and the HTML pages (French, DSFR).
//!
//! Requests read the referential from an immutable in-memory [`Snapshot`], swapped
//! atomically when the stored referential's revision changes (an import, possibly by
//! another process or instance).

pub mod api;
pub mod auth;
pub mod catalog;
pub mod error;
pub mod pages;
pub mod snapshot;

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
    /// The projects and their search index (`catalog`).
    pub projects: Arc<ArcSwap<catalog::Catalog>>,
}

impl AppState {
    /// Loads the referential from the store (which must hold one) into memory.
    pub async fn load(store: Store) -> Result<AppState, snapshot::LoadError> {
        let snapshot = Snapshot::load(&store).await?;
        let projects = catalog::Catalog::load(&store, &snapshot.referential).await?;
        Ok(AppState {
            store,
            snapshot: Arc::new(ArcSwap::from_pointee(snapshot)),
            projects: Arc::new(ArcSwap::from_pointee(projects)),
        })
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

    /// Reloads the snapshot if the stored revision moved, and rebuilds the project
    /// index if the projects' revision did. Returns whether the snapshot was reloaded.
    pub async fn refresh(&self) -> Result<bool, snapshot::LoadError> {
        let stored = self.store.project_revision().await.map_err(snapshot::LoadError::Store)?;
        if stored != self.projects.load().revision() {
            let fresh = catalog::Catalog::load(&self.store, &self.current().referential).await?;
            self.projects.store(Arc::new(fresh));
        }
        let stored = self.store.referential_state().await.map_err(snapshot::LoadError::Store)?;
        if stored.map(|(_, r)| r) == Some(self.current().revision) {
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
    api::router()
        .merge(pages::router())
        .with_state(state)
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}
