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

/// Who an audit actor `person:<id>` is, as a history names them: their name, and for
/// whom they act (their first role's organisation, département or programme, the
/// agency for an admin). Pages show the affiliation to every reader and the name only
/// to people signed in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub affiliation: String,
}

/// The [`Author`] of each distinct `person:<id>` among `actors` (other actors, and
/// people since erased, are left out): one read of the person and their roles each.
pub async fn authors<'a>(
    app: &App,
    actors: impl Iterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, Author>, AppError> {
    use cohesion_core::access::Role;
    let mut out = std::collections::HashMap::new();
    for actor in actors {
        if out.contains_key(actor) {
            continue;
        }
        let Some(id) = actor.strip_prefix("person:").and_then(|x| uuid::Uuid::parse_str(x).ok()) else { continue };
        let Some(person) = app.store.person(id).await? else { continue };
        let grants = app.store.grants(id).await?;
        let affiliation = match grants.first().map(|g| &g.role) {
            Some(Role::Admin) => "Agence nationale de la cohésion des territoires".to_owned(),
            Some(Role::Delegate { departement }) => {
                let snapshot = app.current();
                let name = snapshot
                    .referential
                    .get(cohesion_core::territory::TerritoryKind::Departement, departement)
                    .map_or_else(|| departement.clone(), |t| t.name.clone());
                format!("délégation territoriale de l’Agence, {name}")
            }
            Some(Role::ProgrammeManager { programme }) => {
                let snapshot = app.current();
                let name =
                    snapshot.programmes.programme(programme).map_or_else(|| programme.clone(), |p| p.name.clone());
                format!("équipe du programme {name}")
            }
            Some(Role::Local { organisation, .. } | Role::Partner { organisation }) => {
                app.store.organisation(*organisation).await?.map(|o| o.name).unwrap_or_default()
            }
            None => String::new(),
        };
        out.insert(actor.to_owned(), Author { name: person.display_name(), affiliation });
    }
    Ok(out)
}
