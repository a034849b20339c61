//! What each person's space (`/mon-espace`) reads: the files waiting for them, one
//! query per list, each a COUNT and one page (oldest first) over an indexed filter, so
//! that thousands of pending items cost one page's rows; their notifications in the
//! platform (unread count, list, read mark); and their mail preferences per domain.

use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use cohesion_core::pact::PactEvent;

use crate::pact::EventRow;
use crate::{Result, Store, with_pool};

/// An event taken into a digest, with its author's name as it is now.
#[derive(Debug, Clone)]
pub struct DigestEvent {
    pub event: PactEvent,
    pub actor_name: String,
}

#[derive(FromRow)]
struct DigestEventRow {
    #[sqlx(flatten)]
    event: EventRow,
    actor_name: String,
}

/// One file waiting for someone: its id (the page's key), its title, since when it
/// waits, and one word of detail (a status, a territory).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Waiting {
    pub id: String,
    pub title: String,
    pub since: OffsetDateTime,
    pub detail: String,
}

/// One page of a list and how many there are over all pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitingPage {
    pub total: u64,
    pub rows: Vec<Waiting>,
}

/// Runs the COUNT and the page of one list, the same binds for both (`$1…$n`), then
/// `LIMIT $n+1 OFFSET $n+2` on the page.
macro_rules! listing {
    ($store:expr, $count:expr, $rows:expr, $offset:expr, $limit:expr $(, $bind:expr)*) => {{
        let offset = i64::try_from($offset).unwrap_or(i64::MAX);
        let limit = i64::try_from($limit).unwrap_or(i64::MAX);
        with_pool!($store, pool => {
            let (total,): (i64,) = sqlx::query_as($count)$(.bind($bind))*.fetch_one(pool).await?;
            let rows: Vec<Waiting> = sqlx::query_as($rows)$(.bind($bind))*.bind(limit).bind(offset).fetch_all(pool).await?;
            Ok(WaitingPage { total: u64::try_from(total).unwrap_or(0), rows })
        })
    }};
}

/// One notification as the person's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct NotificationRow {
    pub event_id: i64,
    pub subject: String,
    pub subject_id: String,
    pub title: String,
    pub kind: String,
    pub summary: String,
    pub actor_name: String,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
}

fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
}

macro_rules! requests_to_qualify {
    () => {
        "FROM engineering_request r WHERE r.status = 'submitted' AND r.departement = $1"
    };
}
macro_rules! idle_missions {
    () => {
        "FROM engineering_mission m JOIN engineering_request r ON r.id = m.request_id \
     WHERE m.status <> 'closed' AND m.updated_at < $2 AND r.departement = $1"
    };
}
macro_rules! organisation_requests {
    () => {
        "FROM engineering_request r WHERE r.organisation_id = $1 AND r.status IN ('submitted', 'accepted')"
    };
}
macro_rules! partner_missions {
    () => {
        "FROM engineering_mission m JOIN engineering_request r ON r.id = m.request_id \
     WHERE (m.status = 'proposed' AND EXISTS (SELECT 1 FROM engineering_mission_provider mp \
            JOIN engineering_provider p ON p.id = mp.provider_id \
            WHERE mp.mission_id = m.id AND mp.answer = 'asked' AND p.organisation_id = $1)) \
        OR (m.status = 'in_progress' AND EXISTS (SELECT 1 FROM engineering_mission_provider mp \
            JOIN engineering_provider p ON p.id = mp.provider_id \
            WHERE mp.mission_id = m.id AND mp.answer = 'accepted' AND p.organisation_id = $1))"
    };
}
macro_rules! mission_invitations {
    () => {
        "FROM engineering_participant e JOIN engineering_mission m ON m.id = e.mission_id \
     JOIN engineering_request r ON r.id = m.request_id \
     WHERE e.person_id = $1 AND NOT e.accepted AND m.status <> 'closed'"
    };
}
macro_rules! pending_invitations {
    () => {
        "FROM person p WHERE p.active AND p.password_hash IS NULL \
     AND EXISTS (SELECT 1 FROM account_link l WHERE l.person_id = p.id AND l.purpose = 'invitation') \
     AND NOT EXISTS (SELECT 1 FROM account_link l WHERE l.person_id = p.id AND l.purpose = 'invitation' \
                     AND l.used_at IS NOT NULL)"
    };
}
macro_rules! without_role {
    () => {
        "FROM person p WHERE p.active AND NOT EXISTS (SELECT 1 FROM role_grant g WHERE g.person_id = p.id)"
    };
}
macro_rules! failed_evaluations {
    () => {
        "FROM evaluation e WHERE e.status = 'failed'"
    };
}
macro_rules! open_previews {
    () => {
        "FROM membership_import_preview p WHERE p.programme = $1 AND p.closed_at IS NULL"
    };
}
macro_rules! failed_digests {
    () => {
        "FROM digest_failure f JOIN person p ON p.id = f.person_id WHERE p.active"
    };
}
macro_rules! stale_actions {
    () => {
        "FROM programme_action a WHERE a.programme = $1 \
     AND a.status IN ('planned', 'in_progress') AND a.updated_at < $2"
    };
}
macro_rules! open_members {
    () => {
        "FROM programme_membership m WHERE m.programme = $1 AND m.valid_to IS NULL \
     AND m.status <> 'exited'"
    };
}

impl Store {
    /// Engineering requests of département `dep` waiting for the delegate's answer.
    pub async fn space_requests_to_qualify(&self, dep: &str, offset: usize, limit: usize) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", requests_to_qualify!());
        const ROWS: &str = concat!(
            "SELECT r.id, r.title, r.created_at AS since, r.territory AS detail ",
            requests_to_qualify!(),
            " ORDER BY r.created_at, r.id LIMIT $2 OFFSET $3"
        );
        listing!(self, COUNT, ROWS, offset, limit, dep)
    }

    /// Open missions of département `dep` unchanged since `before` (keyed by request).
    pub async fn space_idle_missions(
        &self,
        dep: &str,
        before: OffsetDateTime,
        offset: usize,
        limit: usize,
    ) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", idle_missions!());
        const ROWS: &str = concat!(
            "SELECT r.id, r.title, m.updated_at AS since, m.status AS detail ",
            idle_missions!(),
            " ORDER BY m.updated_at, m.id LIMIT $3 OFFSET $4"
        );
        listing!(self, COUNT, ROWS, offset, limit, dep, before)
    }

    /// The open engineering requests of an organisation (submitted, or with a mission).
    pub async fn space_organisation_requests(
        &self,
        organisation: Uuid,
        offset: usize,
        limit: usize,
    ) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", organisation_requests!());
        const ROWS: &str = concat!(
            "SELECT r.id, r.title, r.created_at AS since, r.status AS detail ",
            organisation_requests!(),
            " ORDER BY r.created_at, r.id LIMIT $2 OFFSET $3"
        );
        listing!(self, COUNT, ROWS, offset, limit, organisation.to_string())
    }

    /// Missions offered to a provider of this organisation and not yet answered, and
    /// those it accepted that are in progress (keyed by request).
    pub async fn space_partner_missions(&self, organisation: Uuid, offset: usize, limit: usize) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", partner_missions!());
        const ROWS: &str = concat!(
            "SELECT r.id, r.title, m.opened_at AS since, m.status AS detail ",
            partner_missions!(),
            " ORDER BY m.opened_at, m.id LIMIT $2 OFFSET $3"
        );
        listing!(self, COUNT, ROWS, offset, limit, organisation.to_string())
    }

    /// The missions this person is invited onto and has not joined (keyed by
    /// request; the detail is the role offered: `advisor`, `observer`).
    pub async fn space_mission_invitations(&self, person: Uuid, offset: usize, limit: usize) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", mission_invitations!());
        const ROWS: &str = concat!(
            "SELECT r.id, r.title, COALESCE(e.invited_at, m.opened_at) AS since, e.role AS detail ",
            mission_invitations!(),
            " ORDER BY COALESCE(e.invited_at, m.opened_at), r.id LIMIT $2 OFFSET $3"
        );
        listing!(self, COUNT, ROWS, offset, limit, person.to_string())
    }

    /// Active people invited and who never used their invitation (id, email).
    pub async fn space_pending_invitations(&self, offset: usize, limit: usize) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", pending_invitations!());
        const ROWS: &str = concat!(
            "SELECT p.id, p.email AS title, p.created_at AS since, '' AS detail ",
            pending_invitations!(),
            " ORDER BY p.created_at, p.id LIMIT $1 OFFSET $2"
        );
        listing!(self, COUNT, ROWS, offset, limit)
    }

    /// Active people holding no role (id, email).
    pub async fn space_people_without_role(&self, offset: usize, limit: usize) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", without_role!());
        const ROWS: &str = concat!(
            "SELECT p.id, p.email AS title, p.created_at AS since, '' AS detail ",
            without_role!(),
            " ORDER BY p.created_at, p.id LIMIT $1 OFFSET $2"
        );
        listing!(self, COUNT, ROWS, offset, limit)
    }

    /// Evaluations that failed (their stage as title, the error as detail).
    pub async fn space_failed_evaluations(&self, offset: usize, limit: usize) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", failed_evaluations!());
        const ROWS: &str = concat!(
            "SELECT e.id, e.stage AS title, e.updated_at AS since, COALESCE(e.error, '') AS detail ",
            failed_evaluations!(),
            " ORDER BY e.updated_at, e.id LIMIT $1 OFFSET $2"
        );
        listing!(self, COUNT, ROWS, offset, limit)
    }

    /// Member lists of a programme previewed on the pages and neither applied, overtaken
    /// nor set aside (the file name as title; the counts as detail, `+a -r ~c e`).
    pub async fn space_open_previews(&self, programme: &str, offset: usize, limit: usize) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", open_previews!());
        const ROWS: &str = concat!(
            "SELECT p.id, p.file_name AS title, p.created_at AS since, \
             CAST(p.added AS TEXT) || ' ' || CAST(p.removed AS TEXT) || ' ' || CAST(p.changed AS TEXT) || ' ' || \
             CAST(p.erased AS TEXT) AS detail ",
            open_previews!(),
            " ORDER BY p.created_at, p.id LIMIT $2 OFFSET $3"
        );
        listing!(self, COUNT, ROWS, offset, limit, programme)
    }

    /// Active people whose last digest the relay refused, since their first failure
    /// (id; email as title; the relay's answer as detail).
    pub async fn space_failed_digests(&self, offset: usize, limit: usize) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", failed_digests!());
        const ROWS: &str = concat!(
            "SELECT p.id, p.email AS title, f.first_failed_at AS since, \
             CAST(f.attempts AS TEXT) || ' ' || f.error AS detail ",
            failed_digests!(),
            " ORDER BY f.first_failed_at, p.id LIMIT $1 OFFSET $2"
        );
        listing!(self, COUNT, ROWS, offset, limit)
    }

    /// Records that the relay refused `person`'s digest with `error` (one row per
    /// person: the first time, the last time, how many times).
    pub async fn record_digest_failure(&self, person: Uuid, error: &str) -> Result<()> {
        const SQL: &str = "INSERT INTO digest_failure (person_id, first_failed_at, last_failed_at, attempts, error) \
             VALUES ($1, $2, $2, 1, $3) ON CONFLICT (person_id) DO UPDATE SET last_failed_at = excluded.last_failed_at, \
             attempts = digest_failure.attempts + 1, error = excluded.error";
        let at = now();
        with_pool!(self, pool => {
            sqlx::query(SQL).bind(person.to_string()).bind(at).bind(error).execute(pool).await?;
        });
        Ok(())
    }

    /// The people whose last digest failed (read once per run: usually none).
    pub async fn people_with_failed_digest(&self) -> Result<Vec<Uuid>> {
        const SQL: &str = "SELECT person_id FROM digest_failure ORDER BY person_id";
        let rows: Vec<(String,)> = with_pool!(self, pool => sqlx::query_as(SQL).fetch_all(pool).await?);
        Ok(rows.iter().filter_map(|(p,)| Uuid::parse_str(p).ok()).collect())
    }

    /// `person`'s digest went out: their failure is over.
    pub async fn clear_digest_failure(&self, person: Uuid) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM digest_failure WHERE person_id = $1").bind(person.to_string()).execute(pool).await?;
        });
        Ok(())
    }

    /// A programme's action plan items planned or under way and unchanged since `before`.
    pub async fn space_stale_actions(
        &self,
        programme: &str,
        before: OffsetDateTime,
        offset: usize,
        limit: usize,
    ) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", stale_actions!());
        const ROWS: &str = concat!(
            "SELECT a.id, a.title, a.updated_at AS since, a.status AS detail ",
            stale_actions!(),
            " ORDER BY a.updated_at, a.id LIMIT $3 OFFSET $4"
        );
        listing!(self, COUNT, ROWS, offset, limit, programme, before)
    }

    /// A programme's current members (the territory `kind:code` as id, the convention
    /// as detail), the oldest recorded first.
    pub async fn space_open_members(&self, programme: &str, offset: usize, limit: usize) -> Result<WaitingPage> {
        const COUNT: &str = concat!("SELECT COUNT(*) ", open_members!());
        const ROWS: &str = concat!(
            "SELECT m.territory_kind || ':' || m.territory_code AS id, COALESCE(m.group_name, '') AS title, \
             m.valid_from AS since, COALESCE(m.convention, '') AS detail ",
            open_members!(),
            " ORDER BY m.valid_from, m.id LIMIT $2 OFFSET $3"
        );
        listing!(self, COUNT, ROWS, offset, limit, programme)
    }

    /// Open proposals on these pacts, oldest first (id, pact id as detail).
    pub async fn space_open_proposals(&self, pacts: &[String]) -> Result<Vec<Waiting>> {
        let mut out = Vec::new();
        for pact in pacts {
            const SQL: &str = "SELECT pr.id, p.title, pr.created_at AS since, p.id AS detail FROM pact_proposal pr \
                 JOIN pact p ON p.id = pr.pact_id WHERE pr.pact_id = $1 AND pr.status = 'open'";
            let rows: Vec<Waiting> = with_pool!(self, pool => sqlx::query_as(SQL).bind(pact).fetch_all(pool).await?);
            out.extend(rows);
        }
        out.sort_by(|a, b| (a.since, &a.id).cmp(&(b.since, &b.id)));
        Ok(out)
    }

    /// How many notifications `person` has not opened: one COUNT over a partial index.
    pub async fn unread_notifications(&self, person: Uuid) -> Result<u64> {
        const SQL: &str = "SELECT COUNT(*) FROM notification WHERE person_id = $1 AND read_at IS NULL";
        let (n,): (i64,) =
            with_pool!(self, pool => sqlx::query_as(SQL).bind(person.to_string()).fetch_one(pool).await?);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// One page of `person`'s notifications, newest first, and how many there are.
    pub async fn notifications(
        &self,
        person: Uuid,
        offset: usize,
        limit: usize,
    ) -> Result<(u64, Vec<NotificationRow>)> {
        const COUNT: &str = "SELECT COUNT(*) FROM notification WHERE person_id = $1";
        const ROWS: &str = "SELECT e.id AS event_id, e.subject, e.subject_id, e.title, e.kind, e.summary, \
             COALESCE(TRIM(a.given_name || ' ' || a.usual_name), '') AS actor_name, e.created_at, n.read_at \
             FROM notification n JOIN event e ON e.id = n.event_id LEFT JOIN person a ON a.id = e.actor_id \
             WHERE n.person_id = $1 ORDER BY n.event_id DESC LIMIT $2 OFFSET $3";
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let person = person.to_string();
        with_pool!(self, pool => {
            let (total,): (i64,) = sqlx::query_as(COUNT).bind(&person).fetch_one(pool).await?;
            let rows = sqlx::query_as(ROWS).bind(&person).bind(limit).bind(offset).fetch_all(pool).await?;
            Ok((u64::try_from(total).unwrap_or(0), rows))
        })
    }

    /// Marks these notifications of `person` read (those already read keep their time).
    pub async fn mark_notifications_read(&self, person: Uuid, events: &[i64]) -> Result<()> {
        const SQL: &str =
            "UPDATE notification SET read_at = $3 WHERE person_id = $1 AND event_id = $2 AND read_at IS NULL";
        let person = person.to_string();
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for event in events {
                sqlx::query(SQL).bind(&person).bind(event).bind(at).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// `person`'s chosen deliveries, by domain (domains without a row: none).
    pub async fn notification_preferences(&self, person: Uuid) -> Result<Vec<(String, String)>> {
        const SQL: &str = "SELECT domain, delivery FROM notification_preference WHERE person_id = $1 ORDER BY domain";
        Ok(with_pool!(self, pool => sqlx::query_as(SQL).bind(person.to_string()).fetch_all(pool).await?))
    }

    /// Sets `person`'s delivery of each domain, in one transaction.
    pub async fn set_notification_preferences(&self, person: Uuid, choices: &[(&str, &str)]) -> Result<()> {
        const SQL: &str = "INSERT INTO notification_preference (person_id, domain, delivery, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (person_id, domain) \
             DO UPDATE SET delivery = excluded.delivery, updated_at = excluded.updated_at";
        let person = person.to_string();
        let at = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for (domain, delivery) in choices {
                sqlx::query(SQL).bind(&person).bind(*domain).bind(*delivery).bind(at).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Takes `person`'s pending notifications whose domain (`event.subject`) is mailed
    /// with one of `deliveries` (their preference, `daily` by default) into a new
    /// digest, in one statement: each notification belongs to one digest at most, so
    /// no event is mailed twice, even by two instances at once. Returns the digest's
    /// id and its events in the order they happened, or `None` when nothing was taken.
    pub async fn take_digest_of(
        &self,
        person: Uuid,
        deliveries: &[&str],
    ) -> Result<Option<(String, Vec<DigestEvent>)>> {
        const TAKE: &str = "UPDATE notification SET digest_id = $1 WHERE person_id = $2 AND digest_id IS NULL \
             AND COALESCE((SELECT np.delivery FROM event e JOIN notification_preference np \
                 ON np.person_id = $2 AND np.domain = e.subject WHERE e.id = notification.event_id), 'daily') \
             IN ($3, $4, $5, $6)";
        const EVENTS: &str = "SELECT e.id, e.subject, e.subject_id, e.title, e.kind, e.summary, e.actor_id, \
             e.created_at, COALESCE(TRIM(a.given_name || ' ' || a.usual_name), '') AS actor_name \
             FROM notification n JOIN event e ON e.id = n.event_id LEFT JOIN person a ON a.id = e.actor_id \
             WHERE n.digest_id = $1 ORDER BY e.id";
        let Some(first) = deliveries.first() else { return Ok(None) };
        let pick = |i: usize| deliveries.get(i).unwrap_or(first).to_string();
        let id = Uuid::now_v7().to_string();
        let rows: Vec<DigestEventRow> = with_pool!(self, pool => {
            let taken = sqlx::query(TAKE)
                .bind(&id)
                .bind(person.to_string())
                .bind(pick(0))
                .bind(pick(1))
                .bind(pick(2))
                .bind(pick(3))
                .execute(pool)
                .await?;
            if taken.rows_affected() == 0 {
                return Ok(None);
            }
            sqlx::query_as(EVENTS).bind(&id).fetch_all(pool).await?
        });
        let events = rows
            .into_iter()
            .map(|r| Ok(DigestEvent { event: PactEvent::try_from(r.event)?, actor_name: r.actor_name }))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some((id, events)))
    }

    /// Whether `person` was invited and never accepted (no password chosen, no
    /// invitation link used): the digest keeps their notifications for later.
    pub async fn is_pending_invitee(&self, person: Uuid) -> Result<bool> {
        const SQL: &str = concat!("SELECT COUNT(*) ", pending_invitations!(), " AND p.id = $1");
        let (n,): (i64,) =
            with_pool!(self, pool => sqlx::query_as(SQL).bind(person.to_string()).fetch_one(pool).await?);
        Ok(n > 0)
    }
}
