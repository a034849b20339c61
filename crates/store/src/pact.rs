//! Stored pacts, their proposals and comments, and the notifications they raise.
//!
//! A pact is one aggregate (every version, signature and frozen project) written in
//! one transaction with its audit event, the event told to the parties, and one
//! notification row per person concerned. Every write first takes the pact's row (an
//! UPDATE), so two writers of the same pact are serialised on both backends, and a
//! write naming the revision it read is refused if the pact moved since.

use cohesion_core::notice::Subject;
use cohesion_core::pact::{Comment, Pact, PactEvent, Proposal, ProposalStatus};
use cohesion_core::territory::TerritoryRef;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::access::uuid;
use crate::audit::{NewEvent, insert};
use crate::{Result, Store, StoreError, with_pool};

/// Why a pact write was refused.
#[derive(Debug, thiserror::Error)]
pub enum PactWriteError {
    #[error("no such pact")]
    NotFound,
    #[error("no such proposal")]
    NoProposal,
    /// The writer read an older revision: here is the current pact.
    #[error("the pact changed since revision {expected}: it is at revision {}", .current.revision)]
    Stale { expected: i64, current: Box<Pact> },
    /// The change is not allowed now (the message says why, in French).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PactWriteError {
    fn from(e: sqlx::Error) -> Self {
        PactWriteError::Store(StoreError::Database(e))
    }
}

/// What a write tells the people of the pact.
#[derive(Debug, Clone)]
pub struct Told {
    /// `created`, `edited`, `status`, `signature`, `amendment`, `proposal`, `decision`,
    /// `comment`.
    pub kind: &'static str,
    /// One line, in French.
    pub summary: String,
    /// The people to tell (the author of the change is left out).
    pub recipients: Vec<Uuid>,
}

/// A pact as lists show it (without its versions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactRow {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub perimeter: Vec<TerritoryRef>,
    /// The parties' names, one per line.
    pub parties: String,
    pub actions: Vec<String>,
    pub revision: i64,
    pub updated_at: String,
}

/// One person's digest: the events taken for it.
#[derive(Debug, Clone)]
pub struct Digest {
    pub id: String,
    pub person: Uuid,
    pub events: Vec<PactEvent>,
}

fn now_micros() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
}

/// Now, as the pact documents write it (RFC 3339, UTC, microseconds).
pub fn now_rfc3339() -> String {
    rfc3339(now_micros())
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// The list columns of a pact.
struct Columns {
    kind: &'static str,
    title: String,
    status: &'static str,
    perimeter: String,
    parties: String,
    actions: String,
    document: String,
}

fn columns(p: &Pact) -> Result<Columns> {
    let c = &p.current().content;
    let perimeter: Vec<String> = c.perimeter.iter().map(ToString::to_string).collect();
    Ok(Columns {
        kind: c.kind.as_str(),
        title: c.title.clone(),
        status: p.status().as_str(),
        perimeter: to_json(&perimeter)?,
        parties: c.parties.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join("\n"),
        actions: to_json(&c.actions)?,
        document: to_json(p)?,
    })
}

fn audit(actor: Uuid, id: &str, action: &str, before: Option<&Pact>, after: Option<&Pact>) -> NewEvent {
    NewEvent {
        actor: format!("person:{actor}"),
        request_id: None,
        entity_type: "pact".into(),
        entity_id: id.to_owned(),
        action: action.into(),
        before: before.and_then(|p| serde_json::to_value(p).ok()),
        after: after.and_then(|p| serde_json::to_value(p).ok()),
    }
}

/// Records the event and one notification per recipient (inside `$tx`).
macro_rules! tell {
    ($tx:expr, $pact:expr, $actor:expr, $told:expr, $at:expr) => {{
        let told: &Told = $told;
        let actor: Uuid = $actor;
        let (event,): (i64,) = sqlx::query_as(
            "INSERT INTO event (subject, subject_id, title, kind, summary, actor_id, created_at) \
             SELECT 'pact', id, title, $2, $3, $4, $5 FROM pact WHERE id = $1 RETURNING id",
        )
        .bind($pact)
        .bind(told.kind)
        .bind(&told.summary)
        .bind(actor.to_string())
        .bind($at)
        .fetch_one(&mut *$tx)
        .await?;
        crate::notify!($tx, event, actor, told.recipients);
    }};
}

/// A `pact` row as lists read it.
#[derive(sqlx::FromRow)]
struct ListRow {
    id: String,
    kind: String,
    title: String,
    status: String,
    perimeter: String,
    parties: String,
    actions: String,
    revision: i64,
    updated_at: OffsetDateTime,
}

impl TryFrom<ListRow> for PactRow {
    type Error = StoreError;

    fn try_from(r: ListRow) -> Result<PactRow> {
        let perimeter: Vec<String> = from_json("pact.perimeter", &r.perimeter)?;
        let perimeter = perimeter
            .iter()
            .map(|t| t.parse().map_err(|e| StoreError::Corrupt(format!("pact.perimeter {t}: {e}"))))
            .collect::<Result<Vec<TerritoryRef>>>()?;
        Ok(PactRow {
            id: r.id,
            kind: r.kind,
            title: r.title,
            status: r.status,
            perimeter,
            parties: r.parties,
            actions: from_json("pact.actions", &r.actions)?,
            revision: r.revision,
            updated_at: rfc3339(r.updated_at),
        })
    }
}

/// A `pact_comment` row as stored.
#[derive(sqlx::FromRow)]
struct CommentRow {
    id: String,
    pact_id: String,
    thread: String,
    author_id: String,
    author_name: String,
    body: String,
    created_at: OffsetDateTime,
}

impl TryFrom<CommentRow> for Comment {
    type Error = StoreError;

    fn try_from(r: CommentRow) -> Result<Comment> {
        Ok(Comment {
            id: r.id,
            pact_id: r.pact_id,
            thread: r.thread,
            author: uuid(&r.author_id)?,
            author_name: r.author_name,
            body: r.body,
            created_at: rfc3339(r.created_at),
        })
    }
}

/// An `event` row.
#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: i64,
    subject: String,
    subject_id: String,
    title: String,
    kind: String,
    summary: String,
    actor_id: String,
    created_at: OffsetDateTime,
}

impl TryFrom<EventRow> for PactEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<PactEvent> {
        Ok(PactEvent {
            id: r.id,
            subject: Subject::parse(&r.subject)
                .ok_or_else(|| StoreError::Corrupt(format!("event.subject `{}`", r.subject)))?,
            subject_id: r.subject_id,
            title: r.title,
            kind: r.kind,
            summary: r.summary,
            actor: uuid(&r.actor_id)?,
            created_at: rfc3339(r.created_at),
        })
    }
}

const BUMP: &str = "UPDATE pact_state SET revision = revision + 1 WHERE id = 1";

impl Store {
    /// The revision of the pacts, bumped by every write of a pact.
    pub async fn pact_revision(&self) -> Result<i64> {
        with_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64,)>("SELECT revision FROM pact_state WHERE id = 1").fetch_one(pool).await?.0)
        })
    }

    /// Stores a new pact (already validated) and tells its people.
    pub async fn create_pact(&self, pact: &Pact, actor: Uuid, told: &Told) -> Result<()> {
        let c = columns(pact)?;
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO pact (id, kind, title, status, perimeter, parties, actions, document, revision, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            )
            .bind(&pact.id)
            .bind(c.kind)
            .bind(&c.title)
            .bind(c.status)
            .bind(&c.perimeter)
            .bind(&c.parties)
            .bind(&c.actions)
            .bind(&c.document)
            .bind(pact.revision)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(BUMP).execute(&mut *tx).await?;
            insert!(&mut *tx, &audit(actor, &pact.id, "create", None, Some(pact)))?;
            tell!(tx, &pact.id, actor, told, now);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn pact(&self, id: &str) -> Result<Option<Pact>> {
        let row: Option<(String,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT document FROM pact WHERE id = $1").bind(id).fetch_optional(pool).await?
        });
        row.map(|(document,)| from_json("pact.document", &document)).transpose()
    }

    /// Every pact whole (the lists' index reads who may see each one), in no order.
    pub async fn pact_documents(&self) -> Result<Vec<Pact>> {
        let rows: Vec<(String,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT document FROM pact").fetch_all(pool).await?
        });
        rows.into_iter().map(|(document,)| from_json("pact.document", &document)).collect()
    }

    /// Every pact as lists show it, the most recently changed first.
    pub async fn pact_rows(&self) -> Result<Vec<PactRow>> {
        const SQL: &str = "SELECT id, kind, title, status, perimeter, parties, actions, revision, updated_at \
             FROM pact ORDER BY updated_at DESC, id DESC";
        let rows = with_pool!(self, pool => sqlx::query_as::<_, ListRow>(SQL).fetch_all(pool).await?);
        rows.into_iter().map(PactRow::try_from).collect()
    }

    /// Changes a pact (and, if named, one of its proposals) through `change`, which
    /// sees the current pact and proposal and either changes them and says what to
    /// tell, or refuses (its message in French). With `expected`, the write is refused
    /// if the pact is no longer at that revision. Nothing is written on refusal.
    pub async fn update_pact<F>(
        &self,
        id: &str,
        expected: Option<i64>,
        proposal: Option<&str>,
        actor: Uuid,
        change: F,
    ) -> Result<(Pact, Option<Proposal>), PactWriteError>
    where
        F: FnOnce(&mut Pact, Option<&mut Proposal>) -> std::result::Result<Told, String>,
    {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Writing first takes SQLite's write lock and PostgreSQL's row lock: the
            // read below is then the state this write applies to.
            let taken = sqlx::query("UPDATE pact SET revision = revision WHERE id = $1").bind(id).execute(&mut *tx).await?;
            if taken.rows_affected() == 0 {
                return Err(PactWriteError::NotFound);
            }
            let (document,): (String,) =
                sqlx::query_as("SELECT document FROM pact WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            let before: Pact = from_json("pact.document", &document)?;
            if let Some(expected) = expected
                && before.revision != expected
            {
                return Err(PactWriteError::Stale { expected, current: Box::new(before) });
            }
            let mut prop = match proposal {
                None => None,
                Some(pid) => {
                    let (document,): (String,) =
                        sqlx::query_as("SELECT document FROM pact_proposal WHERE id = $1 AND pact_id = $2")
                            .bind(pid)
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or(PactWriteError::NoProposal)?;
                    Some(from_json::<Proposal>("pact_proposal.document", &document)?)
                }
            };
            let mut after = before.clone();
            let told = change(&mut after, prop.as_mut()).map_err(PactWriteError::Refused)?;
            if after != before {
                let c = columns(&after)?;
                sqlx::query(
                    "UPDATE pact SET kind = $2, title = $3, status = $4, perimeter = $5, parties = $6, actions = $7, \
                     document = $8, revision = $9, updated_at = $10 WHERE id = $1",
                )
                .bind(id)
                .bind(c.kind)
                .bind(&c.title)
                .bind(c.status)
                .bind(&c.perimeter)
                .bind(&c.parties)
                .bind(&c.actions)
                .bind(&c.document)
                .bind(after.revision)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(BUMP).execute(&mut *tx).await?;
                insert!(&mut *tx, &audit(actor, id, told.kind, Some(&before), Some(&after)))?;
            }
            if let Some(p) = &prop {
                sqlx::query("UPDATE pact_proposal SET status = $2, document = $3 WHERE id = $1")
                    .bind(&p.id)
                    .bind(p.status.as_str())
                    .bind(to_json(p)?)
                    .execute(&mut *tx)
                    .await?;
                let entity = NewEvent {
                    actor: format!("person:{actor}"),
                    request_id: None,
                    entity_type: "pact_proposal".into(),
                    entity_id: p.id.clone(),
                    action: told.kind.into(),
                    before: None,
                    after: serde_json::to_value(p).ok(),
                };
                insert!(&mut *tx, &entity)?;
            }
            tell!(tx, id, actor, &told, now);
            tx.commit().await?;
            Ok((after, prop))
        })
    }

    /// Records a proposal and tells the people of the pact.
    pub async fn create_proposal(&self, p: &Proposal, told: &Told) -> Result<()> {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO pact_proposal (id, pact_id, status, document, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&p.id)
                .bind(&p.pact_id)
                .bind(p.status.as_str())
                .bind(to_json(p)?)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let entity = NewEvent {
                actor: format!("person:{}", p.author),
                request_id: None,
                entity_type: "pact_proposal".into(),
                entity_id: p.id.clone(),
                action: "create".into(),
                before: None,
                after: serde_json::to_value(p).ok(),
            };
            insert!(&mut *tx, &entity)?;
            tell!(tx, &p.pact_id, p.author, told, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// A pact's proposals, oldest first.
    pub async fn proposals(&self, pact: &str) -> Result<Vec<Proposal>> {
        let rows: Vec<(String,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT document FROM pact_proposal WHERE pact_id = $1 ORDER BY created_at, id")
                .bind(pact)
                .fetch_all(pool)
                .await?
        });
        rows.iter().map(|(document,)| from_json("pact_proposal.document", document)).collect()
    }

    /// One proposal of a pact.
    pub async fn proposal(&self, pact: &str, id: &str) -> Result<Option<Proposal>> {
        let row: Option<(String,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT document FROM pact_proposal WHERE id = $1 AND pact_id = $2")
                .bind(id)
                .bind(pact)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(document,)| from_json("pact_proposal.document", &document)).transpose()
    }

    /// How many proposals on a pact await a decision.
    pub async fn open_proposals(&self, pact: &str) -> Result<usize> {
        with_pool!(self, pool => {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM pact_proposal WHERE pact_id = $1 AND status = $2")
                .bind(pact)
                .bind(ProposalStatus::Open.as_str())
                .fetch_one(pool)
                .await?;
            Ok(usize::try_from(n).unwrap_or(0))
        })
    }

    /// Records a comment and tells the people of the pact.
    pub async fn create_comment(&self, c: &Comment, told: &Told) -> Result<()> {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO pact_comment (id, pact_id, thread, author_id, author_name, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&c.id)
            .bind(&c.pact_id)
            .bind(&c.thread)
            .bind(c.author.to_string())
            .bind(&c.author_name)
            .bind(&c.body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let entity = NewEvent {
                actor: format!("person:{}", c.author),
                request_id: None,
                entity_type: "pact_comment".into(),
                entity_id: c.id.clone(),
                action: "create".into(),
                before: None,
                after: Some(json!({"pact": c.pact_id, "thread": c.thread, "body": c.body})),
            };
            insert!(&mut *tx, &entity)?;
            tell!(tx, &c.pact_id, c.author, told, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// A pact's comments, oldest first.
    pub async fn comments(&self, pact: &str) -> Result<Vec<Comment>> {
        const SQL: &str = "SELECT id, pact_id, thread, author_id, author_name, body, created_at FROM pact_comment \
             WHERE pact_id = $1 ORDER BY created_at, id";
        let rows = with_pool!(self, pool => sqlx::query_as::<_, CommentRow>(SQL).bind(pact).fetch_all(pool).await?);
        rows.into_iter().map(Comment::try_from).collect()
    }

    /// Marks `day` (`YYYY-MM-DD`) as the day of a digest run; false if some instance
    /// already ran it.
    pub async fn start_digest_run(&self, day: &str) -> Result<bool> {
        with_pool!(self, pool => {
            let done = sqlx::query("INSERT INTO digest_run (day, started_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(day)
                .bind(now_micros())
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The people with notifications no digest has taken yet.
    pub async fn people_with_pending_notifications(&self) -> Result<Vec<Uuid>> {
        with_pool!(self, pool => {
            let rows: Vec<(String,)> =
                sqlx::query_as("SELECT DISTINCT person_id FROM notification WHERE digest_id IS NULL ORDER BY person_id")
                    .fetch_all(pool)
                    .await?;
            rows.iter().map(|(p,)| uuid(p)).collect()
        })
    }

    /// Takes every pending notification of `person` into a new digest, in one
    /// statement: a notification belongs to one digest at most, so no event is told
    /// twice even if two instances build digests at once.
    pub async fn take_digest(&self, person: Uuid) -> Result<Option<Digest>> {
        let id = Uuid::now_v7().to_string();
        const EVENTS: &str = "SELECT e.id, e.subject, e.subject_id, e.title, e.kind, e.summary, e.actor_id, \
             e.created_at FROM notification n JOIN event e ON e.id = n.event_id WHERE n.digest_id = $1 ORDER BY e.id";
        with_pool!(self, pool => {
            sqlx::query("UPDATE notification SET digest_id = $1 WHERE person_id = $2 AND digest_id IS NULL")
                .bind(&id)
                .bind(person.to_string())
                .execute(pool)
                .await?;
            let rows = sqlx::query_as::<_, EventRow>(EVENTS).bind(&id).fetch_all(pool).await?;
            let events = rows.into_iter().map(PactEvent::try_from).collect::<Result<Vec<_>>>()?;
            Ok((!events.is_empty()).then_some(Digest { id, person, events }))
        })
    }

    /// The digest went out.
    pub async fn digest_sent(&self, digest: &str) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE notification SET sent_at = $2 WHERE digest_id = $1")
                .bind(digest)
                .bind(now_micros())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The digest could not be sent: its notifications wait for the next one.
    pub async fn digest_failed(&self, digest: &str) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE notification SET digest_id = NULL WHERE digest_id = $1 AND sent_at IS NULL")
                .bind(digest)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
