//! The audit trail: who changed what, when, with the state before and after.
//!
//! Events are written by the operation that makes the change, inside its transaction
//! (see [`insert!`]), so a change without its event cannot be committed.

use serde_json::Value;
use time::OffsetDateTime;

use crate::{Result, Store, with_pool};

/// One change to record.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor: String,
    pub request_id: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Event {
    pub id: String,
    pub at: OffsetDateTime,
    pub actor: String,
    pub request_id: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    #[sqlx(json(nullable))]
    pub before: Option<Value>,
    #[sqlx(json(nullable))]
    pub after: Option<Value>,
}

pub(crate) const INSERT: &str = "INSERT INTO audit_event (id, at, actor, request_id, entity_type, entity_id, action, before, after) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Inserts a [`NewEvent`] through `$exec` (a transaction), on either backend.
macro_rules! insert {
    ($exec:expr, $event:expr) => {{
        let event: &$crate::audit::NewEvent = $event;
        sqlx::query($crate::audit::INSERT)
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(time::OffsetDateTime::now_utc())
            .bind(&event.actor)
            .bind(&event.request_id)
            .bind(&event.entity_type)
            .bind(&event.entity_id)
            .bind(&event.action)
            .bind(event.before.clone().map(sqlx::types::Json))
            .bind(event.after.clone().map(sqlx::types::Json))
            .execute($exec)
            .await
    }};
}
pub(crate) use insert;

impl Store {
    /// Records an event that no change carries: a refused sign-in or request (security
    /// events), written on its own.
    pub async fn record_event(&self, event: &NewEvent) -> Result<()> {
        with_pool!(self, pool => {
            insert!(pool, event)?;
            Ok(())
        })
    }

    /// Events about one entity, oldest first.
    pub async fn audit_for(&self, entity_type: &str, entity_id: &str) -> Result<Vec<Event>> {
        const SQL: &str = "SELECT id, at, actor, request_id, entity_type, entity_id, action, before, after \
             FROM audit_event WHERE entity_type = $1 AND entity_id = $2 ORDER BY at, id";
        with_pool!(self, pool => {
            Ok(sqlx::query_as(SQL).bind(entity_type).bind(entity_id).fetch_all(pool).await?)
        })
    }
}

/// Who is making a change, and in which request: what every mutation of the access
/// module takes, so each of its events names them.
#[derive(Debug, Clone)]
pub struct By {
    /// `person:<uuid>`, `cli`, `anonymous`, or `system:…`.
    pub actor: String,
    /// The `x-request-id` of the HTTP request, when there is one.
    pub request_id: Option<String>,
}

impl By {
    pub fn new(actor: impl Into<String>, request_id: Option<String>) -> By {
        By { actor: actor.into(), request_id }
    }

    /// An event by this actor.
    pub fn event(
        &self,
        entity_type: &str,
        entity_id: impl ToString,
        action: &str,
        before: Option<Value>,
        after: Option<Value>,
    ) -> NewEvent {
        NewEvent {
            actor: self.actor.clone(),
            request_id: self.request_id.clone(),
            entity_type: entity_type.to_owned(),
            entity_id: entity_id.to_string(),
            action: action.to_owned(),
            before,
            after,
        }
    }
}

/// Filters of the audit query; every field optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    /// Inclusive lower bound.
    pub from: Option<OffsetDateTime>,
    /// Exclusive upper bound.
    pub to: Option<OffsetDateTime>,
}

impl Store {
    /// Events matching `filter`, newest first, and how many match in all.
    pub async fn audit_search(&self, filter: &Filter, limit: u32, offset: u32) -> Result<(Vec<Event>, u64)> {
        const COUNT: &str = "SELECT COUNT(*) AS n FROM audit_event \
             WHERE ($1 IS NULL OR entity_type = $1) AND ($2 IS NULL OR entity_id = $2) \
             AND ($3 IS NULL OR actor = $3) AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5)";
        const SELECT: &str = "SELECT id, at, actor, request_id, entity_type, entity_id, action, before, after \
             FROM audit_event \
             WHERE ($1 IS NULL OR entity_type = $1) AND ($2 IS NULL OR entity_id = $2) \
             AND ($3 IS NULL OR actor = $3) AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5) \
             ORDER BY at DESC, id DESC LIMIT $6 OFFSET $7";
        with_pool!(self, pool => {
            let (total,): (i64,) = sqlx::query_as(COUNT)
                .bind(&filter.entity_type)
                .bind(&filter.entity_id)
                .bind(&filter.actor)
                .bind(filter.from)
                .bind(filter.to)
                .fetch_one(pool)
                .await?;
            let events: Vec<Event> = sqlx::query_as(SELECT)
                .bind(&filter.entity_type)
                .bind(&filter.entity_id)
                .bind(&filter.actor)
                .bind(filter.from)
                .bind(filter.to)
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .fetch_all(pool)
                .await?;
            Ok((events, u64::try_from(total).unwrap_or(0)))
        })
    }
}
