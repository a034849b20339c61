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
//! At most [`BUDGET`] bytes of bodies are kept; the oldest go first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

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

#[derive(Default)]
struct Kept {
    bodies: HashMap<String, (Stamp, Arc<str>)>,
    /// Keys, oldest first.
    order: VecDeque<String>,
    bytes: usize,
}

/// The bodies kept, shared by the server's handlers.
#[derive(Default)]
pub struct Bodies {
    kept: Mutex<Kept>,
}

impl Bodies {
    /// The body of `key` rendered at `stamp`, if kept.
    pub fn get(&self, key: &str, stamp: &Stamp) -> Option<Arc<str>> {
        let kept = self.kept.lock().ok()?;
        kept.bodies.get(key).filter(|(s, _)| s == stamp).map(|(_, b)| Arc::clone(b))
    }

    /// Keeps `body`, rendered at `stamp`, under `key`; the oldest bodies leave to stay
    /// within [`BUDGET`] (a body larger than it is not kept).
    pub fn put(&self, key: String, stamp: Stamp, body: Arc<str>) {
        if body.len() > BUDGET {
            return;
        }
        let Ok(mut kept) = self.kept.lock() else { return };
        let size = body.len();
        if let Some((_, old)) = kept.bodies.insert(key.clone(), (stamp, body)) {
            kept.bytes -= old.len();
            kept.order.retain(|k| k != &key);
        }
        kept.bytes += size;
        kept.order.push_back(key);
        while kept.bytes > BUDGET {
            let Some(oldest) = kept.order.pop_front() else { break };
            if let Some((_, b)) = kept.bodies.remove(&oldest) {
                kept.bytes -= b.len();
            }
        }
    }

    /// Bodies kept and their bytes.
    #[cfg(test)]
    fn size(&self) -> (usize, usize) {
        self.kept.lock().map_or((0, 0), |k| (k.bodies.len(), k.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(n: i64) -> Stamp {
        Stamp { referential: n, programmes: 0, indicators: 0, projects: 0, pacts: 0, engineering: 0, evaluations: 0 }
    }

    #[test]
    fn a_body_is_served_only_at_its_stamp_and_the_budget_holds() {
        let bodies = Bodies::default();
        bodies.put("a".into(), stamp(1), Arc::from("<p>a</p>"));
        assert_eq!(bodies.get("a", &stamp(1)).as_deref(), Some("<p>a</p>"));
        assert_eq!(bodies.get("a", &stamp(2)), None, "another state of the data");
        assert_eq!(bodies.get("b", &stamp(1)), None);
        bodies.put("a".into(), stamp(2), Arc::from("<p>a2</p>"));
        assert_eq!(bodies.size(), (1, 9), "replaced, not added");
        let big: Arc<str> = Arc::from("x".repeat(BUDGET / 3).as_str());
        for k in ["b", "c", "d"] {
            bodies.put(k.into(), stamp(2), Arc::clone(&big));
        }
        let (n, bytes) = bodies.size();
        assert!(bytes <= BUDGET, "{bytes}");
        assert_eq!(bodies.get("a", &stamp(2)), None, "the oldest left first");
        assert!(bodies.get("d", &stamp(2)).is_some() && n == 3, "{n}");
        bodies.put("huge".into(), stamp(2), Arc::from("x".repeat(BUDGET + 1).as_str()));
        assert_eq!(bodies.get("huge", &stamp(2)), None, "larger than the budget: not kept");
    }
}
