//! The audit trail: who changed what, when, with the states before and after.

use cohesion_core::access::{Principal, rules};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use cohesion_store::audit::{Event, Filter};

use serde_json::Value;

use super::{AccessFault, By};
use crate::{App, AppError, Fault};

/// An audit query as the adapters read it; times in RFC 3339.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    /// Inclusive.
    pub from: Option<String>,
    /// Exclusive.
    pub to: Option<String>,
    /// 1 to 200 (default 50).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

fn time_param(name: &str, v: &Option<String>, faults: &mut Vec<Fault>) -> Option<OffsetDateTime> {
    let v = v.as_deref()?;
    match OffsetDateTime::parse(v, &Rfc3339) {
        Ok(t) => Some(t),
        Err(_) => {
            faults.push(Fault::new(name, AccessFault::NotRfc3339(v.to_owned())));
            None
        }
    }
}

/// Changes, newest first, filtered by entity, actor and time range, and how many
/// match in all (admins).
pub async fn search(app: &App, who: &Principal, q: Query) -> Result<(Vec<Event>, u64), AppError> {
    if !rules::can_read_audit(who) {
        return Err(AppError::Forbidden("the audit trail is for admins".into()));
    }
    let mut faults = Vec::new();
    let from = time_param("from", &q.from, &mut faults);
    let to = time_param("to", &q.to, &mut faults);
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        faults.push(Fault::new("limit", AccessFault::Limit));
    }
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    let filter = Filter { entity_type: q.entity_type, entity_id: q.entity_id, actor: q.actor, from, to };
    Ok(app.store.audit_search(&filter, limit, q.offset.unwrap_or(0)).await?)
}

/// A refusal the audit trail keeps although nothing changed: a failed or throttled
/// sign-in, a request answered 403. `entity_id` is what was refused (the address the
/// sign-in was tried for, the path asked for); `details` says how (client address,
/// API token id, method, reason) and never holds a password or a token's secret. A
/// failure to record is logged, never the caller's failure.
pub async fn refusal(app: &App, by: &By, entity_type: &str, entity_id: &str, action: &str, details: Value) {
    let event = by.event(entity_type, entity_id, action, None, Some(details));
    if let Err(e) = app.store.record_event(&event).await {
        tracing::error!(error = %e, entity_type, action, "security event not recorded");
    }
}

/// The history of one entity, oldest first: what its public page shows.
pub async fn of(app: &App, entity_type: &str, entity_id: &str) -> Result<Vec<Event>, AppError> {
    Ok(app.store.audit_for(entity_type, entity_id).await?)
}
