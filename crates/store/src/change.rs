//! What other instances wrote, told as it commits (PostgreSQL's LISTEN/NOTIFY on the
//! channel `cohesion_change`, filled by the triggers of migration 0010).
//!
//! SQLite has no such thing: its instances keep polling the revisions. On PostgreSQL
//! the poll stays too, as the fallback for a notification lost with a connection.

use sqlx::postgres::PgListener;

use crate::{Result, Store};

const CHANNEL: &str = "cohesion_change";

/// One write told by the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A project written; `revision` is the projects' revision after that write.
    Project {
        revision: i64,
        id: String,
    },
    /// The pacts, the programmes, the referential or the measurements moved.
    Pacts,
    Programmes,
    Referential,
    Indicators,
    /// An engineering write (`engineering_state`).
    Engineering,
    /// The connection was lost and opened again: anything may have been missed.
    Lost,
}

impl Change {
    /// Reads a payload of the trigger; `None` for one this version does not know.
    pub fn parse(payload: &str) -> Option<Change> {
        let mut words = payload.split(' ');
        match words.next()? {
            "project" => {
                let revision = words.next()?.parse().ok()?;
                let id = words.next()?.to_owned();
                Some(Change::Project { revision, id })
            }
            "pact_state" => Some(Change::Pacts),
            "programme_state" => Some(Change::Programmes),
            "referential_state" => Some(Change::Referential),
            "indicator_state" => Some(Change::Indicators),
            "engineering_state" => Some(Change::Engineering),
            _ => None,
        }
    }
}

/// The changes of every instance, as they commit.
pub struct ChangeFeed {
    listener: PgListener,
}

impl ChangeFeed {
    /// The next change. A lost connection is opened again on the next call and is
    /// told as [`Change::Lost`]; a payload this version does not know is skipped.
    pub async fn next(&mut self) -> Result<Change> {
        loop {
            match self.listener.try_recv().await? {
                None => return Ok(Change::Lost),
                Some(n) => {
                    if let Some(change) = Change::parse(n.payload()) {
                        return Ok(change);
                    }
                    tracing::debug!(payload = n.payload(), "unknown change notification");
                }
            }
        }
    }
}

impl Store {
    /// The feed of committed changes: `None` on SQLite (poll instead).
    pub async fn change_feed(&self) -> Result<Option<ChangeFeed>> {
        match self {
            Store::Sqlite(_) => Ok(None),
            Store::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(ChangeFeed { listener }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_read_and_unknown_ones_skipped() {
        assert_eq!(Change::parse("project 42 0190-abc"), Some(Change::Project { revision: 42, id: "0190-abc".into() }));
        assert_eq!(Change::parse("pact_state"), Some(Change::Pacts));
        assert_eq!(Change::parse("engineering_state"), Some(Change::Engineering));
        assert_eq!(Change::parse("referential_state"), Some(Change::Referential));
        assert_eq!(Change::parse("programme_state"), Some(Change::Programmes));
        assert_eq!(Change::parse("indicator_state"), Some(Change::Indicators));
        assert_eq!(Change::parse("project x y"), None);
        assert_eq!(Change::parse("project 1"), None);
        assert_eq!(Change::parse("something"), None);
    }
}
