//! The use cases of Cohésion, between the store and the adapters (`web`, `cli`):
//! `core ← store ← app ← web, cli`.
//!
//! Each operation is one function of one shape, `domain::operation(&App, &who, input)
//! -> Result<Output, AppError>`: it authorises (the rule from `core`, on the state
//! before and after), validates, applies the `core` rule, writes through the store
//! (audit and notifications in the same transaction) and updates what is derived (the
//! in-memory snapshot and search indexes held by [`App`]). Faults are typed
//! ([`error::Fault`]); the adapters render them, in English for the API and in French
//! for the pages. `docs/architecture.md` has the checklist for a new domain.

pub mod access;
pub mod database;
pub mod digest;
pub mod engineering;
pub mod error;
pub mod evaluation;
pub mod indicator;
pub mod mail;
pub mod memory;
pub mod pact;
pub mod page;
pub mod param;
pub mod programme;
pub mod project;
pub mod snapshot;
pub mod space;
pub mod territory;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use cohesion_store::Store;

pub use error::{AppError, Fault};
pub use page::Page;
pub use snapshot::{LoadError, Snapshot};

/// What every use case reaches: the store, and the derived data kept in memory.
#[derive(Clone)]
pub struct App {
    /// Only the use cases reach the store: the adapters call them.
    pub(crate) store: Store,
    pub snapshot: Arc<ArcSwap<Snapshot>>,
    /// The projects and their search index (`project::catalog`).
    pub projects: Arc<ArcSwap<project::catalog::Catalog>>,
    /// The pacts' list columns and search terms (`pact::index`).
    pub pacts: Arc<ArcSwap<pact::index::PactIndex>>,
    /// What the territory pages derive from the measurements, once per data revision
    /// (`indicator::derived`).
    pub(crate) derived: Arc<ArcSwap<indicator::derived::Derived>>,
    /// The engineering offer's search index (`engineering::search`).
    pub(crate) engineering: engineering::search::Shared,
    /// The engineering dashboards computed since the data last changed
    /// (`engineering::read::Dashboards`).
    pub(crate) dashboards: Arc<engineering::read::Dashboards>,
    /// One catch-up of the engineering index at a time (`engineering::search::sync`).
    pub(crate) engineering_sync: Arc<tokio::sync::Mutex<()>>,
}

impl App {
    /// Loads the referential, the projects and the pacts from the store (which must
    /// hold a referential) into memory.
    ///
    /// Each component's load time and the resident memory it added are logged
    /// (`component loaded`), so that the cost of the next dataset is seen (issue 16; the
    /// territory benchmark reports them).
    pub async fn load(store: Store) -> Result<App, LoadError> {
        let mut meter = memory::Meter::start();
        let snapshot = Snapshot::load(&store).await?;
        meter.component("referential and programmes");
        // The full-text part follows on a blocking thread (`Catalog::load_deferred`).
        let projects = project::catalog::Catalog::load_deferred(&store, &snapshot.referential).await?;
        meter.component("project index");
        let pacts = pact::index::PactIndex::load(&store, &snapshot.referential).await?;
        meter.component("pact index");
        let derived = indicator::derived::Derived::new(snapshot.revision, store.indicator_revision().await?);
        let engineering = engineering::search::Index::load(&store, &snapshot.referential).await?;
        Ok(App {
            store,
            snapshot: Arc::new(ArcSwap::from_pointee(snapshot)),
            projects: Arc::new(ArcSwap::from_pointee(projects)),
            pacts: Arc::new(ArcSwap::from_pointee(pacts)),
            derived: Arc::new(ArcSwap::from_pointee(derived)),
            engineering: Arc::new(std::sync::RwLock::new(engineering)),
            dashboards: Arc::default(),
            engineering_sync: Arc::default(),
        })
    }

    /// Whether the database answers (the health check).
    pub async fn ping(&self) -> Result<(), AppError> {
        Ok(self.store.ping().await?)
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Closes the database's connections (the command line, before it exits).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// The snapshot in force now; cheap (an atomic load).
    pub fn current(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// What is derived from snapshot `s`'s referential and the stored measurements
    /// (cheap: an atomic load). A snapshot older or newer than the derived data gets
    /// fresh, empty derived data, kept if `s` is the snapshot in force.
    pub fn derived(&self, s: &Snapshot) -> Arc<indicator::derived::Derived> {
        let d = self.derived.load_full();
        if d.referential_revision == s.revision {
            return d;
        }
        let fresh = Arc::new(indicator::derived::Derived::new(s.revision, d.indicator_revision));
        if self.current().revision == s.revision {
            self.derived.store(Arc::clone(&fresh));
        }
        fresh
    }

    /// Watches the stored revisions every `every` and swaps in fresh derived data when
    /// they change. Runs until the runtime stops.
    pub fn spawn_refresh(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = app.refresh().await {
                    tracing::warn!(error = %e, "referential refresh failed");
                }
            }
        })
    }

    /// Follows the database's feed of committed changes (PostgreSQL; on SQLite there is
    /// none and this returns at once), so that a write of another instance is seen
    /// within a second: a project written at the next revision is put into the catalog
    /// alone; anything else (a gap, an import, the pacts, the programmes, the
    /// referential, a lost connection) goes through [`App::refresh`], which reloads
    /// what moved. The poll of [`App::spawn_refresh`] stays as the fallback.
    pub fn spawn_follow(&self) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut wait = Duration::from_millis(500);
            loop {
                match app.follow().await {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "change feed interrupted");
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(Duration::from_secs(30));
                    }
                }
            }
        })
    }

    /// The loop of [`App::spawn_follow`]; `Ok` only on SQLite (no feed).
    async fn follow(&self) -> Result<(), AppError> {
        use cohesion_store::change::Change;
        let Some(mut feed) = self.store.change_feed().await? else { return Ok(()) };
        // What was written while no one listened.
        self.refresh().await?;
        loop {
            let change = feed.next().await?;
            match change {
                Change::Project { revision, id } if revision == self.projects.load().revision() + 1 => {
                    if let Some(p) = self.store.project(&id).await? {
                        self.projects.load().text_ready().await;
                        project::publish_at(self, p, revision)?;
                    }
                }
                // Our own write, already in the catalog.
                Change::Project { revision, .. } if revision <= self.projects.load().revision() => {}
                Change::Engineering => engineering::search::sync(self).await?,
                _ => {
                    self.refresh().await?;
                }
            }
        }
    }

    /// Rebuilds the pact index from the store (`always`, after a write of this
    /// instance), or only if the stored revision moved.
    pub async fn reload_pacts(&self, always: bool) -> Result<(), cohesion_store::StoreError> {
        let stored = self.store.pact_revision().await?;
        if always || stored != self.pacts.load().revision {
            let fresh = pact::index::PactIndex::load(&self.store, &self.current().referential).await?;
            self.pacts.store(Arc::new(fresh));
        }
        Ok(())
    }

    /// Reloads the snapshot if the stored revision moved, and rebuilds the project
    /// index if the projects' revision did. Returns whether the snapshot was reloaded.
    pub async fn refresh(&self) -> Result<bool, LoadError> {
        let stored = self.store.project_revision().await.map_err(LoadError::Store)?;
        if stored != self.projects.load().revision() {
            let fresh = project::catalog::Catalog::load(&self.store, &self.current().referential).await?;
            self.projects.store(Arc::new(fresh));
        }
        self.reload_pacts(false).await.map_err(LoadError::Store)?;
        let stored = self.store.referential_state().await.map_err(LoadError::Store)?;
        let programmes = self.store.programme_revision().await.map_err(LoadError::Store)?.unwrap_or(0);
        let current = self.current();
        let reloaded = if stored.map(|(_, r)| r) == Some(current.revision) && programmes == current.programme_revision {
            false
        } else {
            let fresh = Snapshot::load(&self.store).await?;
            tracing::info!(revision = fresh.revision, vintage = fresh.referential.vintage(), "referential reloaded");
            self.snapshot.store(Arc::new(fresh));
            true
        };
        engineering::search::catch_up(self).await;
        let indicators = self.store.indicator_revision().await.map_err(LoadError::Store)?;
        let derived = self.derived.load();
        let revision = self.current().revision;
        if derived.indicator_revision != indicators || derived.referential_revision != revision {
            self.derived.store(Arc::new(indicator::derived::Derived::new(revision, indicators)));
            tracing::info!(indicator_revision = indicators, referential_revision = revision, "indicator data moved");
            if let Err(e) = indicator::warm(self).await {
                tracing::warn!(error = %e, "indicator roll-ups not derived");
            }
        }
        Ok(reloaded)
    }
}
