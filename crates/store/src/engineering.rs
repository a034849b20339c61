//! Stored engineering requests, missions, providers, recommendations, conversations
//! and documents, and the notifications they raise.
//!
//! A request and its mission are one case, written in one transaction with their
//! audit events, their events and one notification row per person concerned (the
//! `event`/`notification` tables the pacts use: one mechanism). Every write of a case
//! first takes the request's row, so two writers are serialised on both backends; a
//! write naming the revision it read is refused if the request (or mission) moved
//! since. Spending reads the département's budget inside the same transaction, after
//! taking the budget's row, so two spendings cannot both fit in what is left for one.

use cohesion_core::engineering::dashboard::{self, Dashboard, ProviderInfo};
use cohesion_core::engineering::document::DocumentKind;
use cohesion_core::engineering::rules::Parties;
use cohesion_core::engineering::{
    Budget, EngineeringFault, Mission, MissionStatus, Need, Provider, Recommendation, Request, RequestStatus,
    SurveyRound, Thread,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::uuid;
use crate::audit::{NewEvent, insert};
use crate::pact::Told;
use crate::{Result, Store, StoreError, with_pool};

/// Why an engineering write was refused.
#[derive(Debug, thiserror::Error)]
pub enum EngineeringWriteError {
    #[error("not found")]
    NotFound,
    /// The writer read an older revision.
    #[error("changed since revision {expected}: now at revision {current}")]
    Stale { expected: i64, current: i64 },
    #[error(transparent)]
    Refused(EngineeringFault),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for EngineeringWriteError {
    fn from(e: sqlx::Error) -> Self {
        EngineeringWriteError::Store(StoreError::Database(e))
    }
}

type WriteResult<T> = std::result::Result<T, EngineeringWriteError>;

/// A request and its mission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub request: Request,
    pub mission: Option<Mission>,
}

/// The revision a write expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Request(i64),
    Mission(i64),
}

/// A message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    pub id: String,
    pub request: String,
    pub thread: Thread,
    pub author: Uuid,
    pub author_name: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A stored document, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocumentMeta {
    pub id: String,
    pub request: String,
    pub thread: Thread,
    pub name: String,
    pub kind: DocumentKind,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Filters of lists, exports and the dashboard; every field optional, applied in SQL.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub region: Option<String>,
    pub departement: Option<String>,
    pub status: Option<RequestStatus>,
    pub need: Option<Need>,
    /// Missions this provider was asked for or took (not declined).
    pub provider: Option<String>,
    pub organisation: Option<Uuid>,
    /// Requests made at or after.
    pub from: Option<OffsetDateTime>,
    /// Requests made before.
    pub to: Option<OffsetDateTime>,
}

const WHERE: &str = " WHERE ($1 IS NULL OR r.region = $1) AND ($2 IS NULL OR r.departement = $2) \
     AND ($3 IS NULL OR r.status = $3) \
     AND ($4 IS NULL OR EXISTS (SELECT 1 FROM engineering_request_need n WHERE n.request_id = r.id AND n.need = $4)) \
     AND ($5 IS NULL OR EXISTS (SELECT 1 FROM engineering_mission_provider mp WHERE mp.mission_id = m.id \
          AND mp.provider_id = $5 AND mp.answer <> 'declined')) \
     AND ($6 IS NULL OR r.organisation_id = $6) AND ($7 IS NULL OR r.created_at >= $7) \
     AND ($8 IS NULL OR r.created_at < $8)";

macro_rules! bind_filter {
    ($q:expr, $f:expr) => {{
        let f: &Filter = $f;
        $q.bind(f.region.clone())
            .bind(f.departement.clone())
            .bind(f.status.map(|s| s.as_str()))
            .bind(f.need.map(|n| n.as_str()))
            .bind(f.provider.clone())
            .bind(f.organisation.map(|o| o.to_string()))
            .bind(f.from)
            .bind(f.to)
    }};
}

fn now_micros() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn event<T: serde::Serialize>(
    actor: Uuid,
    entity: &str,
    id: &str,
    action: &str,
    before: Option<&T>,
    after: Option<&T>,
) -> NewEvent {
    NewEvent {
        actor: format!("person:{actor}"),
        request_id: None,
        entity_type: entity.into(),
        entity_id: id.to_owned(),
        action: action.into(),
        before: before.and_then(|v| serde_json::to_value(v).ok()),
        after: after.and_then(|v| serde_json::to_value(v).ok()),
    }
}

fn needs_text(r: &Request) -> String {
    r.needs.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(" ")
}

/// Records each event about request `$request` and one notification per recipient.
macro_rules! tell {
    ($tx:expr, $request:expr, $title:expr, $actor:expr, $told:expr, $at:expr) => {{
        let told: &[Told] = $told;
        let actor: Uuid = $actor;
        for t in told {
            let (event,): (i64,) = sqlx::query_as(
                "INSERT INTO event (subject, subject_id, title, kind, summary, actor_id, created_at) \
                 VALUES ('engineering', $1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind($request)
            .bind($title)
            .bind(t.kind)
            .bind(&t.summary)
            .bind(actor.to_string())
            .bind($at)
            .fetch_one(&mut *$tx)
            .await?;
            crate::notify!($tx, event, actor, t.recipients);
        }
    }};
}

/// Bumps the engineering revision; the first statement of every engineering write's
/// transaction, so that on PostgreSQL the row stays locked until commit and the
/// numbers are given in commit order (a reader that sees revision `n` sees every write
/// numbered up to `n`). Evaluates to the write's number.
macro_rules! bump {
    ($tx:expr) => {{
        sqlx::query("UPDATE engineering_state SET revision = revision + 1 WHERE id = 1").execute(&mut *$tx).await?;
        let (seq,): (i64,) =
            sqlx::query_as("SELECT revision FROM engineering_state WHERE id = 1").fetch_one(&mut *$tx).await?;
        seq
    }};
}

/// Marks request `$request` as touched by the write numbered `$seq` (its case is
/// read again by every instance's index).
macro_rules! mark {
    ($tx:expr, $request:expr, $seq:expr) => {{
        sqlx::query("UPDATE engineering_request SET change_seq = $2 WHERE id = $1")
            .bind($request)
            .bind($seq)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// Writes a request's row and derived tables (insert or update).
macro_rules! put_request {
    ($tx:expr, $r:expr, $region:expr, $now:expr, $insert:expr) => {{
        let r: &Request = $r;
        if $insert {
            sqlx::query(
                "INSERT INTO engineering_request (id, organisation_id, territory, departement, region, project_id, title, \
                 needs, status, urgency, created_at, answered_at, document, revision, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(&r.id)
            .bind(r.organisation.to_string())
            .bind(r.territory.to_string())
            .bind(&r.departement)
            .bind($region)
            .bind(&r.project)
            .bind(&r.project_title)
            .bind(needs_text(r))
            .bind(r.status.as_str())
            .bind(r.urgency.as_str())
            .bind(r.created_at)
            .bind(r.answered_at)
            .bind(to_json(r)?)
            .bind(r.revision)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        } else {
            sqlx::query(
                "UPDATE engineering_request SET project_id = $2, title = $3, needs = $4, status = $5, urgency = $6, \
                 answered_at = $7, document = $8, revision = $9, updated_at = $10 WHERE id = $1",
            )
            .bind(&r.id)
            .bind(&r.project)
            .bind(&r.project_title)
            .bind(needs_text(r))
            .bind(r.status.as_str())
            .bind(r.urgency.as_str())
            .bind(r.answered_at)
            .bind(to_json(r)?)
            .bind(r.revision)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
            sqlx::query("DELETE FROM engineering_request_need WHERE request_id = $1").bind(&r.id).execute(&mut *$tx).await?;
            sqlx::query("DELETE FROM engineering_external_id WHERE request_id = $1").bind(&r.id).execute(&mut *$tx).await?;
        }
        for n in &r.needs {
            sqlx::query("INSERT INTO engineering_request_need (request_id, need) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(&r.id)
                .bind(n.as_str())
                .execute(&mut *$tx)
                .await?;
        }
        for x in &r.external_ids {
            sqlx::query(
                "INSERT INTO engineering_external_id (request_id, tool, external_id) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&r.id)
            .bind(&x.tool)
            .bind(&x.id)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Writes a mission's row and derived tables (insert or update).
macro_rules! put_mission {
    ($tx:expr, $m:expr, $now:expr, $insert:expr) => {{
        let m: &Mission = $m;
        let providers: Vec<&str> = m.engaged().map(|e| e.provider.as_str()).collect();
        let closed_at = m.closure.as_ref().map(|c| c.closed_at);
        let satisfaction =
            m.satisfaction.iter().find(|s| s.round == SurveyRound::AtClosure).map(|s| i64::from(s.score));
        if $insert {
            sqlx::query(
                "INSERT INTO engineering_mission (id, request_id, status, opened_at, started_at, closed_at, centidays, \
                 cost_cents, satisfaction, providers, document, revision, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(&m.id)
            .bind(&m.request)
            .bind(m.status.as_str())
            .bind(m.opened_at)
            .bind(m.started_at)
            .bind(closed_at)
            .bind(m.centidays())
            .bind(m.cost_cents())
            .bind(satisfaction)
            .bind(providers.join(" "))
            .bind(to_json(m)?)
            .bind(m.revision)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        } else {
            sqlx::query(
                "UPDATE engineering_mission SET status = $2, started_at = $3, closed_at = $4, centidays = $5, \
                 cost_cents = $6, satisfaction = $7, providers = $8, document = $9, revision = $10, updated_at = $11 \
                 WHERE id = $1",
            )
            .bind(&m.id)
            .bind(m.status.as_str())
            .bind(m.started_at)
            .bind(closed_at)
            .bind(m.centidays())
            .bind(m.cost_cents())
            .bind(satisfaction)
            .bind(providers.join(" "))
            .bind(to_json(m)?)
            .bind(m.revision)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
            for table in [
                "DELETE FROM engineering_mission_provider WHERE mission_id = $1",
                "DELETE FROM engineering_participant WHERE mission_id = $1",
                "DELETE FROM engineering_spending WHERE mission_id = $1",
            ] {
                sqlx::query(table).bind(&m.id).execute(&mut *$tx).await?;
            }
        }
        for e in &m.providers {
            sqlx::query(
                "INSERT INTO engineering_mission_provider (mission_id, provider_id, answer) VALUES ($1, $2, $3)",
            )
            .bind(&m.id)
            .bind(&e.provider)
            .bind(e.answer.as_str())
            .execute(&mut *$tx)
            .await?;
        }
        for p in &m.participants {
            sqlx::query(
                "INSERT INTO engineering_participant (mission_id, person_id, role, accepted, invited_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&m.id)
            .bind(p.person.to_string())
            .bind(p.role.as_str())
            .bind(p.accepted_at.is_some())
            .bind(p.invited_at)
            .execute(&mut *$tx)
            .await?;
        }
        for s in &m.spending {
            sqlx::query(
                "INSERT INTO engineering_spending (id, mission_id, departement, year, centidays, cost_cents) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&s.id)
            .bind(&m.id)
            .bind(&m.departement)
            .bind(i64::from(s.on.year()))
            .bind(s.centidays)
            .bind(s.cost_cents)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

#[derive(sqlx::FromRow)]
struct DocRow {
    document: String,
}

#[derive(sqlx::FromRow)]
struct DashRow {
    departement: String,
    status: String,
    needs: String,
    created_at: OffsetDateTime,
    answered_at: Option<OffsetDateTime>,
    mission_status: Option<String>,
    started_at: Option<OffsetDateTime>,
    closed_at: Option<OffsetDateTime>,
    centidays: Option<i64>,
    cost_cents: Option<i64>,
    satisfaction: Option<i64>,
    providers: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: String,
    request_id: String,
    thread: String,
    author_id: String,
    author_name: String,
    body: String,
    created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: String,
    request_id: String,
    thread: String,
    name: String,
    kind: String,
    size: i64,
    sha256: String,
    uploaded_by: String,
    created_at: OffsetDateTime,
}

fn thread(s: &str) -> Result<Thread> {
    Thread::parse(s).ok_or_else(|| StoreError::Corrupt(format!("thread `{s}`")))
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;
    fn try_from(r: MessageRow) -> Result<Message> {
        Ok(Message {
            id: r.id,
            request: r.request_id,
            thread: thread(&r.thread)?,
            author: uuid(&r.author_id)?,
            author_name: r.author_name,
            body: r.body,
            created_at: r.created_at,
        })
    }
}

impl TryFrom<DocumentRow> for DocumentMeta {
    type Error = StoreError;
    fn try_from(r: DocumentRow) -> Result<DocumentMeta> {
        Ok(DocumentMeta {
            id: r.id,
            request: r.request_id,
            thread: thread(&r.thread)?,
            name: r.name,
            kind: DocumentKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("document kind `{}`", r.kind)))?,
            size: r.size,
            sha256: r.sha256,
            uploaded_by: uuid(&r.uploaded_by)?,
            created_at: r.created_at,
        })
    }
}

const CASE_SELECT: &str = "SELECT r.document AS request, m.document AS mission FROM engineering_request r \
     LEFT JOIN engineering_mission m ON m.request_id = r.id";

fn case(request: &str, mission: Option<&str>) -> Result<Case> {
    Ok(Case {
        request: from_json("engineering_request.document", request)?,
        mission: mission.map(|m| from_json("engineering_mission.document", m)).transpose()?,
    })
}

impl Store {
    /// Stores a new request and tells the people concerned. `region` is the région
    /// of its département (for the dashboards' filter).
    pub async fn create_engineering_request(
        &self,
        r: &Request,
        region: &str,
        actor: Uuid,
        told: &[Told],
    ) -> Result<()> {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let seq = bump!(tx);
            put_request!(tx, r, region, now, true);
            mark!(tx, &r.id, seq);
            insert!(&mut *tx, &event(actor, "engineering_request", &r.id, "create", None, Some(r)))?;
            tell!(tx, &r.id, &r.project_title, actor, told, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// A request and its mission.
    pub async fn engineering_case(&self, request: &str) -> Result<Option<Case>> {
        const SQL: &str = "SELECT r.document AS request, m.document AS mission FROM engineering_request r \
             LEFT JOIN engineering_mission m ON m.request_id = r.id WHERE r.id = $1";
        let row: Option<(String, Option<String>)> =
            with_pool!(self, pool => sqlx::query_as(SQL).bind(request).fetch_optional(pool).await?);
        row.map(|(r, m)| case(&r, m.as_deref())).transpose()
    }

    /// The request id of a mission.
    pub async fn engineering_mission_request(&self, mission: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT request_id FROM engineering_mission WHERE id = $1").bind(mission).fetch_optional(pool).await?
        });
        Ok(row.map(|(r,)| r))
    }

    /// The cases matching `filter`, the most recent request first.
    pub async fn engineering_cases(&self, filter: &Filter) -> Result<Vec<Case>> {
        let sql = format!("{CASE_SELECT}{WHERE} ORDER BY r.created_at DESC, r.id DESC");
        let rows: Vec<(String, Option<String>)> = with_pool!(self, pool => {
            bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), filter).fetch_all(pool).await?
        });
        rows.iter().map(|(r, m)| case(r, m.as_deref())).collect()
    }

    /// Changes a case through `change`, which sees the request, its mission and (when
    /// `budget_year` is given) the département's budget of that year as it stands in
    /// this transaction, and either says what to tell or refuses. Nothing is written
    /// on refusal; with `expected`, nothing either if the case moved since.
    pub async fn update_engineering_case<F>(
        &self,
        request: &str,
        expected: Option<Expect>,
        budget_year: Option<i32>,
        actor: Uuid,
        change: F,
    ) -> WriteResult<Case>
    where
        F: FnOnce(&mut Case, Option<&Budget>) -> std::result::Result<Vec<Told>, EngineeringFault>,
    {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let seq = bump!(tx);
            let taken = sqlx::query("UPDATE engineering_request SET revision = revision WHERE id = $1")
                .bind(request)
                .execute(&mut *tx)
                .await?;
            if taken.rows_affected() == 0 {
                return Err(EngineeringWriteError::NotFound);
            }
            let (r, m): (String, Option<String>) = sqlx::query_as(
                "SELECT r.document, m.document FROM engineering_request r \
                 LEFT JOIN engineering_mission m ON m.request_id = r.id WHERE r.id = $1",
            )
            .bind(request)
            .fetch_one(&mut *tx)
            .await?;
            let before = case(&r, m.as_deref())?;
            match expected {
                Some(Expect::Request(e)) if before.request.revision != e => {
                    return Err(EngineeringWriteError::Stale { expected: e, current: before.request.revision });
                }
                Some(Expect::Mission(e)) => {
                    let current = before.mission.as_ref().map_or(0, |m| m.revision);
                    if current != e {
                        return Err(EngineeringWriteError::Stale { expected: e, current });
                    }
                }
                _ => {}
            }
            let budget = match budget_year {
                None => None,
                Some(year) => {
                    let dep = &before.request.departement;
                    sqlx::query("UPDATE engineering_budget SET revision = revision WHERE departement = $1 AND year = $2")
                        .bind(dep)
                        .bind(i64::from(year))
                        .execute(&mut *tx)
                        .await?;
                    let amount: Option<(i64,)> = sqlx::query_as(
                        "SELECT amount_cents FROM engineering_budget WHERE departement = $1 AND year = $2",
                    )
                    .bind(dep)
                    .bind(i64::from(year))
                    .fetch_optional(&mut *tx)
                    .await?;
                    match amount {
                        None => None,
                        Some((amount_cents,)) => {
                            let (consumed,): (Option<i64>,) = sqlx::query_as(
                                "SELECT CAST(SUM(cost_cents) AS BIGINT) FROM engineering_spending \
                                 WHERE departement = $1 AND year = $2",
                            )
                            .bind(dep)
                            .bind(i64::from(year))
                            .fetch_one(&mut *tx)
                            .await?;
                            Some(Budget { departement: dep.clone(), year, amount_cents, consumed_cents: consumed.unwrap_or(0) })
                        }
                    }
                }
            };
            let mut after = before.clone();
            let told = change(&mut after, budget.as_ref()).map_err(EngineeringWriteError::Refused)?;
            if after.request != before.request {
                put_request!(tx, &after.request, "", now, false);
                insert!(&mut *tx, &event(actor, "engineering_request", request, told.first().map_or("update", |t| t.kind), Some(&before.request), Some(&after.request)))?;
            }
            if after.mission != before.mission
                && let Some(m) = &after.mission
            {
                put_mission!(tx, m, now, before.mission.is_none());
                let action = if before.mission.is_none() { "create" } else { told.first().map_or("update", |t| t.kind) };
                insert!(&mut *tx, &event(actor, "engineering_mission", &m.id, action, before.mission.as_ref(), Some(m)))?;
            }
            tell!(tx, request, &after.request.project_title, actor, &told, now);
            mark!(tx, request, seq);
            tx.commit().await?;
            Ok(after)
        })
    }

    /// The people concerned by a case: the authority's people, the delegates of its
    /// département, the mission's people (accepted or not) and the people of its
    /// providers. People inactive, or invited to the platform and who never accepted,
    /// are left out.
    pub async fn engineering_parties(&self, c: &Case) -> Result<Parties> {
        const LIVE: &str = "p.active AND NOT (p.password_hash IS NULL \
             AND EXISTS (SELECT 1 FROM account_link l WHERE l.person_id = p.id AND l.purpose = 'invitation') \
             AND NOT EXISTS (SELECT 1 FROM account_link l WHERE l.person_id = p.id AND l.purpose = 'invitation' \
                 AND l.used_at IS NOT NULL))";
        let by_role = format!(
            "SELECT DISTINCT g.person_id FROM role_grant g JOIN person p ON p.id = g.person_id \
             WHERE g.role = $1 AND g.scope = $2 AND {LIVE}"
        );
        let participants = format!(
            "SELECT e.person_id, e.accepted FROM engineering_participant e JOIN person p ON p.id = e.person_id \
             WHERE e.mission_id = $1 AND {LIVE}"
        );
        let provider_people = format!(
            "SELECT mp.provider_id, g.person_id FROM engineering_mission_provider mp \
             JOIN engineering_provider pr ON pr.id = mp.provider_id \
             JOIN role_grant g ON g.role = 'partner' AND g.scope = pr.organisation_id \
             JOIN person p ON p.id = g.person_id WHERE mp.mission_id = $1 AND {LIVE}"
        );
        let org = c.request.organisation.to_string();
        let mission = c.mission.as_ref().map(|m| m.id.clone()).unwrap_or_default();
        with_pool!(self, pool => {
            let authority: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(by_role.clone()))
                .bind("local").bind(&org).fetch_all(pool).await?;
            let delegates: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(by_role))
                .bind("delegate").bind(&c.request.departement).fetch_all(pool).await?;
            let parts: Vec<(String, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(participants))
                .bind(&mission).fetch_all(pool).await?;
            let provs: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(provider_people))
                .bind(&mission).fetch_all(pool).await?;
            Ok(Parties {
                authority: authority.iter().map(|(p,)| uuid(p)).collect::<Result<_>>()?,
                delegates: delegates.iter().map(|(p,)| uuid(p)).collect::<Result<_>>()?,
                participants: parts.iter().map(|(p, ok)| Ok((uuid(p)?, *ok))).collect::<Result<_>>()?,
                provider_people: provs.iter().map(|(id, p)| Ok((id.clone(), uuid(p)?))).collect::<Result<_>>()?,
            })
        })
    }

    /// The live people acting for a partner organisation (role `partner`).
    pub async fn engineering_provider_people(&self, organisation: Uuid) -> Result<Vec<Uuid>> {
        const SQL: &str = "SELECT DISTINCT g.person_id FROM role_grant g JOIN person p ON p.id = g.person_id \
             WHERE g.role = 'partner' AND g.scope = $1 AND p.active ORDER BY g.person_id";
        let rows: Vec<(String,)> =
            with_pool!(self, pool => sqlx::query_as(SQL).bind(organisation.to_string()).fetch_all(pool).await?);
        rows.iter().map(|(p,)| uuid(p)).collect()
    }

    // --- providers ---

    /// Stores new providers, all or none (an import); a name already taken is a
    /// conflict naming it.
    pub async fn create_engineering_providers(&self, providers: &[Provider], actor: Uuid) -> Result<()> {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            bump!(tx);
            for p in providers {
                sqlx::query(
                    "INSERT INTO engineering_provider (id, name, name_key, kind, organisation_id, active, capacity, \
                     document, revision, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&p.id)
                .bind(&p.name)
                .bind(name_key(&p.name))
                .bind(p.kind.as_str())
                .bind(p.organisation.map(|o| o.to_string()))
                .bind(p.active)
                .bind(i64::from(p.capacity))
                .bind(to_json(p)?)
                .bind(p.revision)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, format!("a provider named « {} » already exists", p.name)))?;
                insert!(&mut *tx, &event(actor, "engineering_provider", &p.id, "create", None, Some(p)))?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Replaces a provider, if it is still at revision `expected`.
    pub async fn update_engineering_provider(&self, p: &Provider, expected: i64, actor: Uuid) -> WriteResult<Provider> {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            bump!(tx);
            let before: Option<(String,)> = sqlx::query_as("SELECT document FROM engineering_provider WHERE id = $1")
                .bind(&p.id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((before,)) = before else { return Err(EngineeringWriteError::NotFound) };
            let before: Provider = from_json("engineering_provider.document", &before)?;
            let after = Provider { revision: expected + 1, ..p.clone() };
            let done = sqlx::query(
                "UPDATE engineering_provider SET name = $2, name_key = $3, kind = $4, organisation_id = $5, active = $6, \
                 capacity = $7, document = $8, revision = $9, updated_at = $10 WHERE id = $1 AND revision = $11",
            )
            .bind(&p.id)
            .bind(&after.name)
            .bind(name_key(&after.name))
            .bind(after.kind.as_str())
            .bind(after.organisation.map(|o| o.to_string()))
            .bind(after.active)
            .bind(i64::from(after.capacity))
            .bind(to_json(&after)?)
            .bind(after.revision)
            .bind(now)
            .bind(expected)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, format!("a provider named « {} » already exists", p.name)))?;
            if done.rows_affected() == 0 {
                return Err(EngineeringWriteError::Stale { expected, current: before.revision });
            }
            insert!(&mut *tx, &event(actor, "engineering_provider", &p.id, "update", Some(&before), Some(&after)))?;
            tx.commit().await?;
            Ok(after)
        })
    }

    /// Every provider, by name.
    pub async fn engineering_providers(&self) -> Result<Vec<Provider>> {
        let rows: Vec<DocRow> = with_pool!(self, pool => {
            sqlx::query_as("SELECT document FROM engineering_provider ORDER BY name_key").fetch_all(pool).await?
        });
        rows.iter().map(|r| from_json("engineering_provider.document", &r.document)).collect()
    }

    /// How many missions each provider carries now (asked or accepted, not closed).
    pub async fn engineering_provider_loads(&self) -> Result<Vec<(String, u32)>> {
        const SQL: &str = "SELECT mp.provider_id, COUNT(*) FROM engineering_mission_provider mp \
             JOIN engineering_mission m ON m.id = mp.mission_id \
             WHERE mp.answer <> 'declined' AND m.status <> 'closed' GROUP BY mp.provider_id";
        let rows: Vec<(String, i64)> = with_pool!(self, pool => sqlx::query_as(SQL).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(p, n)| (p, u32::try_from(n).unwrap_or(u32::MAX))).collect())
    }

    // --- budgets ---

    /// Sets a département's budget of a year (an admin's act).
    pub async fn set_engineering_budget(
        &self,
        departement: &str,
        year: i32,
        amount_cents: i64,
        actor: Uuid,
    ) -> Result<Budget> {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            bump!(tx);
            sqlx::query(
                "INSERT INTO engineering_budget (departement, year, amount_cents, revision, updated_at) \
                 VALUES ($1, $2, $3, 1, $4) ON CONFLICT (departement, year) DO UPDATE \
                 SET amount_cents = excluded.amount_cents, revision = engineering_budget.revision + 1, \
                 updated_at = excluded.updated_at",
            )
            .bind(departement)
            .bind(i64::from(year))
            .bind(amount_cents)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let after = json!({"departement": departement, "year": year, "amount_cents": amount_cents});
            insert!(&mut *tx, &NewEvent {
                actor: format!("person:{actor}"),
                request_id: None,
                entity_type: "engineering_budget".into(),
                entity_id: format!("{departement}:{year}"),
                action: "set".into(),
                before: None,
                after: Some(after),
            })?;
            tx.commit().await?;
        });
        let budgets = self.engineering_budgets(Some(year)).await?;
        budgets
            .into_iter()
            .find(|b| b.departement == departement)
            .ok_or_else(|| StoreError::Corrupt("the budget just set is gone".into()))
    }

    /// The budgets (of one year, or all), with what missions drew on each.
    pub async fn engineering_budgets(&self, year: Option<i32>) -> Result<Vec<Budget>> {
        const SQL: &str = "SELECT b.departement, b.year, b.amount_cents, \
             CAST(COALESCE((SELECT SUM(s.cost_cents) FROM engineering_spending s \
                 WHERE s.departement = b.departement AND s.year = b.year), 0) AS BIGINT) \
             FROM engineering_budget b WHERE ($1 IS NULL OR b.year = $1) ORDER BY b.year, b.departement";
        let rows: Vec<(String, i64, i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(SQL).bind(year.map(i64::from)).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(departement, y, amount_cents, consumed_cents)| Budget {
                departement,
                year: i32::try_from(y).unwrap_or_default(),
                amount_cents,
                consumed_cents,
            })
            .collect())
    }

    // --- recommendations ---

    /// Stores a new recommendation of the mission of `request` and tells its people.
    pub async fn create_engineering_recommendation(
        &self,
        request: &str,
        title: &str,
        r: &Recommendation,
        told: &[Told],
    ) -> Result<()> {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let seq = bump!(tx);
            sqlx::query(
                "INSERT INTO engineering_recommendation (id, mission_id, status, title, document, revision, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(&r.id)
            .bind(&r.mission)
            .bind(r.status.as_str())
            .bind(&r.title)
            .bind(to_json(r)?)
            .bind(r.revision)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            insert!(&mut *tx, &event(r.created_by, "engineering_recommendation", &r.id, "create", None, Some(r)))?;
            tell!(tx, request, title, r.created_by, told, now);
            mark!(tx, request, seq);
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn engineering_recommendation(&self, id: &str) -> Result<Option<Recommendation>> {
        let row: Option<DocRow> = with_pool!(self, pool => {
            sqlx::query_as("SELECT document FROM engineering_recommendation WHERE id = $1").bind(id).fetch_optional(pool).await?
        });
        row.map(|r| from_json("engineering_recommendation.document", &r.document)).transpose()
    }

    /// A mission's recommendations, oldest first.
    pub async fn engineering_recommendations(&self, mission: &str) -> Result<Vec<Recommendation>> {
        let rows: Vec<DocRow> = with_pool!(self, pool => {
            sqlx::query_as("SELECT document FROM engineering_recommendation WHERE mission_id = $1 ORDER BY created_at, id")
                .bind(mission)
                .fetch_all(pool)
                .await?
        });
        rows.iter().map(|r| from_json("engineering_recommendation.document", &r.document)).collect()
    }

    /// Changes a recommendation through `change`, if it is at revision `expected`.
    pub async fn update_engineering_recommendation<F>(
        &self,
        id: &str,
        expected: Option<i64>,
        request: &str,
        title: &str,
        actor: Uuid,
        change: F,
    ) -> WriteResult<Recommendation>
    where
        F: FnOnce(&mut Recommendation) -> std::result::Result<Vec<Told>, EngineeringFault>,
    {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let seq = bump!(tx);
            let taken = sqlx::query("UPDATE engineering_recommendation SET revision = revision WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if taken.rows_affected() == 0 {
                return Err(EngineeringWriteError::NotFound);
            }
            let (doc,): (String,) = sqlx::query_as("SELECT document FROM engineering_recommendation WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let before: Recommendation = from_json("engineering_recommendation.document", &doc)?;
            if let Some(e) = expected
                && e != before.revision
            {
                return Err(EngineeringWriteError::Stale { expected: e, current: before.revision });
            }
            let mut after = before.clone();
            let told = change(&mut after).map_err(EngineeringWriteError::Refused)?;
            if after != before {
                sqlx::query(
                    "UPDATE engineering_recommendation SET status = $2, title = $3, document = $4, revision = $5, \
                     updated_at = $6 WHERE id = $1",
                )
                .bind(id)
                .bind(after.status.as_str())
                .bind(&after.title)
                .bind(to_json(&after)?)
                .bind(after.revision)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                insert!(&mut *tx, &event(actor, "engineering_recommendation", id, "status", Some(&before), Some(&after)))?;
            }
            tell!(tx, request, title, actor, &told, now);
            mark!(tx, request, seq);
            tx.commit().await?;
            Ok(after)
        })
    }

    // --- conversations and documents ---

    /// Records a message and tells the people who may read its thread.
    pub async fn create_engineering_message(&self, m: &Message, title: &str, told: &[Told]) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let seq = bump!(tx);
            sqlx::query(
                "INSERT INTO engineering_message (id, request_id, thread, author_id, author_name, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&m.id)
            .bind(&m.request)
            .bind(m.thread.as_str())
            .bind(m.author.to_string())
            .bind(&m.author_name)
            .bind(&m.body)
            .bind(m.created_at)
            .execute(&mut *tx)
            .await?;
            insert!(&mut *tx, &event(m.author, "engineering_message", &m.id, "create", None, Some(m)))?;
            tell!(tx, &m.request, title, m.author, told, m.created_at);
            mark!(tx, &m.request, seq);
            tx.commit().await?;
        });
        Ok(())
    }

    /// A conversation's messages, oldest first.
    pub async fn engineering_messages(&self, request: &str, t: Thread) -> Result<Vec<Message>> {
        const SQL: &str = "SELECT id, request_id, thread, author_id, author_name, body, created_at \
             FROM engineering_message WHERE request_id = $1 AND thread = $2 ORDER BY created_at, id";
        let rows: Vec<MessageRow> = with_pool!(self, pool => {
            sqlx::query_as(SQL).bind(request).bind(t.as_str()).fetch_all(pool).await?
        });
        rows.into_iter().map(Message::try_from).collect()
    }

    /// Stores a document (already checked) and tells the people who may read its thread.
    pub async fn create_engineering_document(
        &self,
        d: &DocumentMeta,
        bytes: &[u8],
        title: &str,
        told: &[Told],
    ) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let seq = bump!(tx);
            sqlx::query(
                "INSERT INTO engineering_document (id, request_id, thread, name, kind, size, sha256, content, \
                 uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&d.id)
            .bind(&d.request)
            .bind(d.thread.as_str())
            .bind(&d.name)
            .bind(d.kind.as_str())
            .bind(d.size)
            .bind(&d.sha256)
            .bind(bytes)
            .bind(d.uploaded_by.to_string())
            .bind(d.created_at)
            .execute(&mut *tx)
            .await?;
            insert!(&mut *tx, &event(d.uploaded_by, "engineering_document", &d.id, "create", None, Some(d)))?;
            tell!(tx, &d.request, title, d.uploaded_by, told, d.created_at);
            mark!(tx, &d.request, seq);
            tx.commit().await?;
        });
        Ok(())
    }

    /// A request's documents (without their bytes), oldest first.
    pub async fn engineering_documents(&self, request: &str) -> Result<Vec<DocumentMeta>> {
        const SQL: &str = "SELECT id, request_id, thread, name, kind, size, sha256, uploaded_by, created_at \
             FROM engineering_document WHERE request_id = $1 ORDER BY created_at, id";
        let rows: Vec<DocumentRow> = with_pool!(self, pool => sqlx::query_as(SQL).bind(request).fetch_all(pool).await?);
        rows.into_iter().map(DocumentMeta::try_from).collect()
    }

    /// One document with its bytes.
    pub async fn engineering_document(&self, id: &str) -> Result<Option<(DocumentMeta, Vec<u8>)>> {
        const META: &str = "SELECT id, request_id, thread, name, kind, size, sha256, uploaded_by, created_at \
             FROM engineering_document WHERE id = $1";
        with_pool!(self, pool => {
            let Some(meta) = sqlx::query_as::<_, DocumentRow>(META).bind(id).fetch_optional(pool).await? else {
                return Ok(None);
            };
            let (bytes,): (Vec<u8>,) =
                sqlx::query_as("SELECT content FROM engineering_document WHERE id = $1").bind(id).fetch_one(pool).await?;
            Ok(Some((DocumentMeta::try_from(meta)?, bytes)))
        })
    }

    // --- surveys ---

    /// Records that the survey `round` of a mission is asked, and tells the authority,
    /// once: false (and nothing told) if it was asked already.
    pub async fn ask_engineering_survey(
        &self,
        mission: &str,
        request: &str,
        title: &str,
        round: SurveyRound,
        actor: Uuid,
        told: &Told,
    ) -> Result<bool> {
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "INSERT INTO engineering_survey (mission_id, round, asked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(mission)
            .bind(round.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            tell!(tx, request, title, actor, std::slice::from_ref(told), now);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Closed missions whose three-month survey is due (closed `days` days ago or
    /// more) and not yet asked: (mission, request).
    pub async fn engineering_surveys_due(&self, closed_before: OffsetDateTime) -> Result<Vec<(String, String)>> {
        const SQL: &str = "SELECT m.id, m.request_id FROM engineering_mission m WHERE m.status = 'closed' \
             AND m.closed_at <= $1 AND NOT EXISTS (SELECT 1 FROM engineering_survey s \
                 WHERE s.mission_id = m.id AND s.round = 'three_months') ORDER BY m.closed_at";
        with_pool!(self, pool => Ok(sqlx::query_as(SQL).bind(closed_before).fetch_all(pool).await?))
    }

    // --- what moved ---

    /// The engineering revision: bumped by every engineering write of any instance
    /// (requests, missions, recommendations, conversations, documents, providers,
    /// budgets), in commit order (migration 0015).
    pub async fn engineering_revision(&self) -> Result<i64> {
        with_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64,)>("SELECT revision FROM engineering_state WHERE id = 1").fetch_one(pool).await?.0)
        })
    }

    /// The cases a write numbered above `since` touched, with that number, newest
    /// request first (`since` below 0: every case). Read the revision first, then
    /// this: everything up to that revision is in the answer.
    pub async fn engineering_cases_since(&self, since: i64) -> Result<Vec<(i64, Case)>> {
        const SQL: &str = "SELECT r.change_seq, r.document AS request, m.document AS mission FROM engineering_request r \
             LEFT JOIN engineering_mission m ON m.request_id = r.id WHERE r.change_seq > $1 \
             ORDER BY r.created_at DESC, r.id DESC";
        // Not a prepared statement kept for reuse, so that PostgreSQL plans it with
        // the value given (the last few rows of the index) rather than a generic plan
        // for any `since`. Run 3 of `bench/results/engineering.md` measured no gain on
        // the catch-up after another instance's write (p50 ~50 ms there): its cost is
        // elsewhere, not found yet.
        let rows: Vec<(i64, String, Option<String>)> =
            with_pool!(self, pool => sqlx::query_as(SQL).persistent(false).bind(since).fetch_all(pool).await?);
        rows.iter().map(|(seq, r, m)| Ok((*seq, case(r, m.as_deref())?))).collect()
    }

    /// The recommendations of the cases a write numbered above `since` touched,
    /// oldest first.
    pub async fn engineering_recommendations_since(&self, since: i64) -> Result<Vec<Recommendation>> {
        // Written as look-ups from the stamped requests (index on `change_seq`), so
        // that a catch-up of one case reads one case's rows, whatever the table's size.
        const SQL: &str = "SELECT x.document FROM engineering_recommendation x WHERE x.mission_id IN \
             (SELECT m.id FROM engineering_mission m WHERE m.request_id IN \
                 (SELECT r.id FROM engineering_request r WHERE r.change_seq > $1)) \
             ORDER BY x.created_at, x.id";
        let rows: Vec<DocRow> =
            with_pool!(self, pool => sqlx::query_as(SQL).persistent(false).bind(since).fetch_all(pool).await?);
        rows.iter().map(|r| from_json("engineering_recommendation.document", &r.document)).collect()
    }

    /// The messages of both conversations of the cases a write numbered above
    /// `since` touched, oldest first.
    pub async fn engineering_messages_since(&self, since: i64) -> Result<Vec<Message>> {
        const SQL: &str = "SELECT x.id, x.request_id, x.thread, x.author_id, x.author_name, x.body, x.created_at \
             FROM engineering_message x \
             WHERE x.request_id IN (SELECT r.id FROM engineering_request r WHERE r.change_seq > $1) \
             ORDER BY x.created_at, x.id";
        let rows: Vec<MessageRow> =
            with_pool!(self, pool => sqlx::query_as(SQL).persistent(false).bind(since).fetch_all(pool).await?);
        rows.into_iter().map(Message::try_from).collect()
    }

    // --- dashboard ---

    /// The dashboard of the requests matching `filter`, computed in one SQL query:
    /// the reference the served dashboard (`app::engineering::read::dashboard`,
    /// computed from the cases kept in memory) is checked against in the tests, on
    /// both backends; `year` adds the budgets of the départements selected for that
    /// year.
    pub async fn engineering_dashboard(&self, filter: &Filter, year: Option<i32>) -> Result<Dashboard> {
        let sql = format!(
            "SELECT r.departement, r.status, r.needs, r.created_at, r.answered_at, m.status AS mission_status, \
             m.started_at, m.closed_at, m.centidays, m.cost_cents, m.satisfaction, m.providers \
             FROM engineering_request r LEFT JOIN engineering_mission m ON m.request_id = r.id{WHERE}"
        );
        let rows: Vec<DashRow> = with_pool!(self, pool => {
            bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), filter).fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(|r| {
                let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("engineering {what} `{v}`"));
                Ok(dashboard::Row {
                    status: RequestStatus::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
                    needs: r
                        .needs
                        .split_whitespace()
                        .map(|n| Need::parse(n).ok_or_else(|| corrupt("need", n)))
                        .collect::<Result<_>>()?,
                    mission: r
                        .mission_status
                        .as_deref()
                        .map(|s| MissionStatus::parse(s).ok_or_else(|| corrupt("mission status", s)))
                        .transpose()?,
                    departement: r.departement,
                    created_at: r.created_at,
                    answered_at: r.answered_at,
                    started_at: r.started_at,
                    closed_at: r.closed_at,
                    centidays: r.centidays.unwrap_or(0),
                    cost_cents: r.cost_cents.unwrap_or(0),
                    satisfaction: r.satisfaction.and_then(|s| u8::try_from(s).ok()),
                    providers: r.providers.unwrap_or_default().split_whitespace().map(str::to_owned).collect(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let providers = self
            .engineering_providers()
            .await?
            .into_iter()
            .map(|p| ProviderInfo { id: p.id, name: p.name, capacity: p.capacity })
            .collect::<Vec<_>>();
        let budget = match year {
            None => None,
            Some(y) => {
                let deps: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.departement.as_str()).collect();
                let all = self.engineering_budgets(Some(y)).await?;
                let selected = all.iter().filter(|b| match (&filter.departement, &filter.region) {
                    (Some(d), _) => &b.departement == d,
                    (None, Some(_)) => deps.contains(b.departement.as_str()),
                    (None, None) => true,
                });
                Some(selected.map(|b| b.amount_cents).sum())
            }
        };
        Ok(dashboard::aggregate(&rows, &providers, budget))
    }
}

/// A provider's name folded for uniqueness (case, accents and spaces).
fn name_key(name: &str) -> String {
    cohesion_core::territory::fold(name)
}
