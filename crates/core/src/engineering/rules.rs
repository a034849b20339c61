//! Who may read and write what, and who is told what.
//!
//! The people of a request: the requesting authority's people (role `local` for its
//! organisation), the delegate of its département (and admins), the mission's
//! advisors (people of the providers on the mission, once they accepted) and
//! observers (once they accepted), the people of a provider asked (to decide), and
//! anyone, anonymously, for the public view of accepted and closed requests. The
//! internal conversation is never seen by the authority's people, even when they
//! also hold another role on the mission.

use uuid::Uuid;

use crate::access::{Principal, Role};

use super::model::{Answer, Mission, ParticipantRole, Request, RequestStatus, Thread};

/// What one person is to one request (and its mission), computed once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewer {
    pub admin: bool,
    /// Delegate of the request's département.
    pub delegate: bool,
    /// Acts for the requesting authority.
    pub authority: bool,
    /// An accepted advisor of an engaged provider.
    pub advisor: bool,
    /// An accepted observer.
    pub observer: bool,
    /// Acts for a provider asked or engaged on the mission.
    pub provider: bool,
}

impl Viewer {
    /// `provider_organisation` gives the platform organisation of a provider id.
    pub fn of(
        p: Option<&Principal>,
        r: &Request,
        m: Option<&Mission>,
        provider_organisation: impl Fn(&str) -> Option<Uuid>,
    ) -> Viewer {
        let Some(p) = p else { return Viewer::default() };
        let mut v = Viewer {
            admin: p.is_admin(),
            delegate: p
                .roles
                .iter()
                .any(|x| matches!(x, Role::Delegate { departement } if *departement == r.departement)),
            authority: p
                .roles
                .iter()
                .any(|x| matches!(x, Role::Local { organisation, .. } if *organisation == r.organisation)),
            ..Viewer::default()
        };
        if let Some(m) = m {
            let engaged = |id: &str| m.providers.iter().any(|e| e.provider == id && e.answer == Answer::Accepted);
            for part in m.participants.iter().filter(|x| x.person == p.person && x.accepted_at.is_some()) {
                match part.role {
                    ParticipantRole::Advisor => v.advisor |= part.provider.as_deref().is_some_and(engaged),
                    ParticipantRole::Observer => v.observer = true,
                }
            }
            v.provider = m.providers.iter().filter(|e| e.answer != Answer::Declined).any(|e| {
                provider_organisation(&e.provider).is_some_and(|org| {
                    p.roles.iter().any(|x| matches!(x, Role::Partner { organisation } if *organisation == org))
                })
            });
        }
        v
    }

    /// The State's side: an admin or the delegate.
    pub fn state(&self) -> bool {
        self.admin || self.delegate
    }

    /// Reads the request, its mission and the public conversation.
    pub fn can_read(&self) -> bool {
        self.state() || self.authority || self.advisor || self.observer || self.provider
    }

    /// Reads (and writes in) a conversation, and the documents attached to it.
    pub fn can_read_thread(&self, t: Thread) -> bool {
        match t {
            Thread::Public => self.state() || self.authority || self.advisor || self.observer,
            // The authority never sees it, whatever other role its people hold —
            // except an admin or the delegate, who are the State.
            Thread::Internal => self.state() || ((self.advisor || self.observer) && !self.authority),
        }
    }

    /// Writes in a conversation (observers read only, in the public one).
    pub fn can_write_thread(&self, t: Thread) -> bool {
        match t {
            Thread::Public => self.state() || self.authority || self.advisor,
            Thread::Internal => self.can_read_thread(Thread::Internal),
        }
    }

    /// Accepts, redirects or declines the request.
    pub fn can_qualify(&self) -> bool {
        self.state()
    }

    /// Asks providers, invites people, approves spending over the budget.
    pub fn can_manage(&self) -> bool {
        self.state()
    }

    /// Writes recommendations, milestones and spending; closes the mission.
    pub fn can_advise(&self) -> bool {
        self.state() || self.advisor
    }

    /// Moves a recommendation along: the advisors, the State, and the authority that
    /// carries it out.
    pub fn can_track(&self) -> bool {
        self.can_advise() || self.authority
    }

    /// Gives the authority's satisfaction.
    pub fn can_rate(&self) -> bool {
        self.authority
    }
}

/// Whether the public (anyone, signed in or not) sees a request: only once a mission
/// is open, and only its public view (needs, status, providers, outcome).
pub fn is_public(r: &Request) -> bool {
    matches!(r.status, RequestStatus::Accepted | RequestStatus::Closed)
}

/// Makes a request for `organisation`: its people, the delegate of its département
/// (on its behalf), or an admin.
pub fn can_request(p: &Principal, organisation: Uuid, departement: Option<&str>) -> bool {
    p.is_admin()
        || p.roles.iter().any(|x| match x {
            Role::Local { organisation: o, .. } => *o == organisation,
            Role::Delegate { departement: d } => departement == Some(d.as_str()),
            _ => false,
        })
}

/// Answers a mission for `provider_organisation`: its people (role `partner`), or an admin.
pub fn can_answer_for(p: &Principal, provider_organisation: Option<Uuid>) -> bool {
    p.is_admin()
        || provider_organisation.is_some_and(|org| {
            p.roles.iter().any(|x| matches!(x, Role::Partner { organisation } if *organisation == org))
        })
}

/// The people concerned by a request, as the store knows them.
#[derive(Debug, Clone, Default)]
pub struct Parties {
    /// People acting for the requesting authority.
    pub authority: Vec<Uuid>,
    /// Delegates of the département.
    pub delegates: Vec<Uuid>,
    /// The mission's people, accepted or not.
    pub participants: Vec<(Uuid, bool)>,
    /// People acting for a provider (provider id, person).
    pub provider_people: Vec<(String, Uuid)>,
}

/// Who an event is told to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The authority, the delegates and the mission's accepted people.
    Everyone,
    /// The delegates, and the mission's accepted people who do not act for the authority
    /// (as [`Viewer::can_read_thread`] says).
    Internal,
    /// The delegates only (a new request, a reminder).
    Delegates,
    /// The authority's people only (a satisfaction survey).
    Authority,
    /// The people of these providers (a mission offered).
    Providers(Vec<String>),
}

/// The people to tell, each once (one person with several roles is one recipient),
/// never `actor`, never an invitee who has not accepted.
pub fn recipients(a: &Audience, parties: &Parties, actor: Option<Uuid>) -> Vec<Uuid> {
    let accepted = parties.participants.iter().filter(|(_, ok)| *ok).map(|(p, _)| *p);
    let mut out: Vec<Uuid> = match a {
        Audience::Everyone => parties.authority.iter().chain(&parties.delegates).copied().chain(accepted).collect(),
        Audience::Internal => {
            parties.delegates.iter().copied().chain(accepted.filter(|p| !parties.authority.contains(p))).collect()
        }
        Audience::Delegates => parties.delegates.clone(),
        Audience::Authority => parties.authority.clone(),
        Audience::Providers(ids) => {
            parties.provider_people.iter().filter(|(id, _)| ids.contains(id)).map(|(_, p)| *p).collect()
        }
    };
    out.retain(|p| Some(*p) != actor);
    out.sort();
    out.dedup();
    out
}
