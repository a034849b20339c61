//! Who is on a mission, and whom the State may invite: the reads behind the request
//! page's invitation form (the write is [`super::work::invite`], the one the API
//! calls). A person is picked by searching their name or address, never by typing
//! an id.

use cohesion_core::access::Principal;
use cohesion_core::access::person::Person;
use cohesion_core::engineering::ParticipantRole;

use super::{case, viewer};
use crate::{App, AppError};

/// The most people a search offers.
pub const FOUND: u32 = 20;

/// A person on the mission, as the State sees the list.
#[derive(Debug, Clone)]
pub struct Participant {
    pub person: Person,
    pub role: ParticipantRole,
    /// The provider an advisor acts for (its name).
    pub provider: Option<String>,
    pub accepted: bool,
}

/// The people on the mission of `request` and whether each accepted (the State
/// only: who may invite sees who is invited).
pub async fn list(app: &App, who: &Principal, request: &str) -> Result<Vec<Participant>, AppError> {
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_manage() {
        return Err(AppError::Forbidden("the delegate sees who is invited".into()));
    }
    let Some(m) = c.mission.as_ref() else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for p in &m.participants {
        let Some(person) = app.store.person(p.person).await? else { continue };
        let provider = p
            .provider
            .as_deref()
            .and_then(|id| m.providers.iter().find(|e| e.provider == id))
            .map(|e| e.provider_name.clone());
        out.push(Participant { person, role: p.role, provider, accepted: p.accepted_at.is_some() });
    }
    Ok(out)
}

/// The active people whose name or address holds `q` (two characters at least), not
/// yet on the mission, at most [`FOUND`]: whom the State may invite.
pub async fn invitable(app: &App, who: &Principal, request: &str, q: &str) -> Result<Vec<Person>, AppError> {
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_manage() {
        return Err(AppError::Forbidden("the delegate invites people".into()));
    }
    if q.trim().chars().count() < 2 {
        return Ok(Vec::new());
    }
    let on: Vec<uuid::Uuid> = c.mission.iter().flat_map(|m| m.participants.iter().map(|p| p.person)).collect();
    Ok(app.store.find_people(q, FOUND).await?.into_iter().filter(|p| !on.contains(&p.id)).collect())
}

/// Whether `who` has an invitation to accept on the mission of `request` (so that
/// the page offers the button; nothing else of the case is shown to them before).
pub async fn invited(app: &App, who: &Principal, request: &str) -> Result<bool, AppError> {
    let c = match case(app, request).await {
        Ok(c) => c,
        Err(AppError::NotFound(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(c.mission.is_some_and(|m| m.participants.iter().any(|p| p.person == who.person && p.accepted_at.is_none())))
}
