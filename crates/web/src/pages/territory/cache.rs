//! The bodies of territory pages, kept once rendered (issue 16): a territory's page is
//! the same for every visitor apart from the layout around it (the header's name, the
//! forms' CSRF token), and it changes only when the data it shows change. So its body
//! is rendered once per state of those data and kept, within a memory budget, and each
//! request renders only the layout around it.
//!
//! The state is a [`Stamp`] of the revisions held in memory — referential,
//! programmes and memberships, measurements, projects, pacts, engineering, the
//! evaluations this instance finished — read
//! without any query; a body is served only under the stamp it was rendered at, so a
//! write this instance sees (its own at once, another instance's at the change feed
//! or the poll, as the indexes the body is built from) is shown by the next request.
//! At most [`BUDGET`] bytes of bodies are kept; the oldest go first (`crate::kept`).

use std::sync::Arc;

use cohesion_app::{App, Snapshot};

/// The most bytes of bodies kept (a commune's body weighs 20 to 60 kB, a région's
/// up to 250 kB).
pub const BUDGET: usize = 8 * 1024 * 1024;

/// The revisions a territory's body is derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    referential: i64,
    programmes: i64,
    indicators: i64,
    projects: i64,
    pacts: i64,
    engineering: i64,
    /// Evaluations finished by this instance (the trajectories show the latest).
    evaluations: i64,
}

impl Stamp {
    /// The revisions `app` holds now, with snapshot `s` (the one the body is built from).
    pub fn of(app: &App, s: &Snapshot) -> Stamp {
        Stamp {
            referential: s.revision,
            programmes: s.programme_revision,
            indicators: app.derived(s).indicator_revision,
            projects: app.projects.load().revision(),
            pacts: app.pacts.load().revision,
            engineering: cohesion_app::engineering::search::revision(app).unwrap_or(-1),
            evaluations: cohesion_app::evaluation::finished_here(),
        }
    }
}

/// The bodies kept, shared by the server's handlers.
pub type Bodies = crate::kept::Kept<Stamp, Arc<str>>;

/// The bodies of territory pages, kept within [`BUDGET`].
pub fn bodies() -> Bodies {
    Bodies::new(BUDGET)
}
