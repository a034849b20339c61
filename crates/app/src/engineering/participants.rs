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

/// The colleagues an advisor may invite: for each provider `who` acts for on the
/// mission (an advisor who joined), the active people of that provider's
/// organisation not yet on the mission. Empty for anyone else.
pub async fn colleagues(app: &App, who: &Principal, request: &str) -> Result<Vec<Colleagues>, AppError> {
    let c = case(app, request).await?;
    let Some(m) = c.mission.as_ref() else { return Ok(Vec::new()) };
    let providers = app.store.engineering_providers().await?;
    let mut out = Vec::new();
    for mine in m.participants.iter().filter(|p| p.person == who.person && p.accepted_at.is_some()) {
        let Some(id) = mine.provider.as_deref() else { continue };
        let Some(provider) = providers.iter().find(|p| p.id == id) else { continue };
        let mut people = Vec::new();
        for person in provider_people(app, provider).await? {
            if m.participants.iter().any(|p| p.person == person) {
                continue;
            }
            if let Some(p) = app.store.person(person).await?.filter(|p| p.active) {
                people.push(p);
            }
        }
        people.sort_by(|a, b| (&a.usual_name, &a.given_name).cmp(&(&b.usual_name, &b.given_name)));
        out.push(Colleagues { provider: provider.id.clone(), provider_name: provider.name.clone(), people });
    }
    Ok(out)
}

/// The active people of `provider`'s organisation (none for a provider without one):
/// the only people its advisors may invite as advisors of it.
pub(crate) async fn provider_people(
    app: &App,
    provider: &cohesion_core::engineering::Provider,
) -> Result<Vec<uuid::Uuid>, AppError> {
    Ok(match provider.organisation {
        Some(org) => app.store.engineering_provider_people(org).await?,
        None => Vec::new(),
    })
}

/// The people of one provider an advisor may invite.
#[derive(Debug, Clone)]
pub struct Colleagues {
    pub provider: String,
    pub provider_name: String,
    pub people: Vec<Person>,
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
