//! How a request and a mission move. Each step is a pure function that refuses what
//! the lifecycle forbids, with a typed fault, and changes nothing when it refuses.
//!
//! Request: submitted → accepted (a mission opens) | redirected | declined;
//! accepted → closed when its mission closes.
//! Mission: proposed (providers asked) → in progress (the first provider accepts) →
//! closed (what was delivered, what the project became); satisfaction afterwards,
//! once per round.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::fault::EngineeringFault as F;
use super::model::*;

fn required(s: &str) -> Result<(), F> {
    if s.trim().is_empty() { Err(F::Required) } else { Ok(()) }
}

impl Request {
    fn answer(&mut self, status: RequestStatus, q: Qualification, now: OffsetDateTime) -> Result<(), F> {
        if self.status != RequestStatus::Submitted {
            return Err(F::AlreadyAnswered(self.status));
        }
        self.status = status;
        self.qualification = Some(q);
        self.answered_at = Some(now);
        self.revision += 1;
        Ok(())
    }

    /// The delegate accepts and opens `mission`.
    pub fn accept(&mut self, mission: &str, now: OffsetDateTime) -> Result<(), F> {
        self.answer(RequestStatus::Accepted, Qualification::Accepted { mission: mission.to_owned() }, now)
    }

    /// The delegate sends the request elsewhere; the reason is shown to the authority.
    pub fn redirect(&mut self, to: Redirection, target: &str, reason: &str, now: OffsetDateTime) -> Result<(), F> {
        required(reason).map_err(|_| F::ReasonRequired)?;
        let q = Qualification::Redirected { to, target: target.trim().to_owned(), reason: reason.trim().to_owned() };
        self.answer(RequestStatus::Redirected, q, now)
    }

    pub fn decline(&mut self, reason: &str, now: OffsetDateTime) -> Result<(), F> {
        required(reason).map_err(|_| F::ReasonRequired)?;
        self.answer(RequestStatus::Declined, Qualification::Declined { reason: reason.trim().to_owned() }, now)
    }

    /// Its mission closed.
    pub fn close(&mut self) -> Result<(), F> {
        if self.status != RequestStatus::Accepted {
            return Err(F::RequestNotNow(self.status));
        }
        self.status = RequestStatus::Closed;
        self.revision += 1;
        Ok(())
    }

    /// The mission this request opened.
    pub fn mission(&self) -> Option<&str> {
        match &self.qualification {
            Some(Qualification::Accepted { mission }) => Some(mission),
            _ => None,
        }
    }

    /// Whether the delegate is to be reminded of it now: still unanswered `after`
    /// since it was made, and not reminded within the last `after`.
    pub fn due_for_reminder(&self, now: OffsetDateTime, after: Duration) -> bool {
        self.status == RequestStatus::Submitted
            && self.created_at + after <= now
            && self.reminded_at.is_none_or(|r| r + after <= now)
    }
}

/// A provider asked for a mission (its id and name).
pub struct Asked<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

impl Mission {
    /// The mission an accepted request opens, with the providers asked.
    pub fn open(id: String, r: &Request, providers: &[Asked<'_>], now: OffsetDateTime) -> Result<Mission, F> {
        if providers.is_empty() {
            return Err(F::NoProviderOnMission);
        }
        let mut m = Mission {
            id,
            request: r.id.clone(),
            organisation: r.organisation,
            territory: r.territory.clone(),
            departement: r.departement.clone(),
            status: MissionStatus::Proposed,
            providers: Vec::new(),
            participants: Vec::new(),
            milestones: Vec::new(),
            spending: Vec::new(),
            closure: None,
            satisfaction: Vec::new(),
            opened_at: now,
            started_at: None,
            revision: 1,
        };
        for p in providers {
            m.push_provider(p)?;
        }
        Ok(m)
    }

    fn open_for_work(&self) -> Result<(), F> {
        if self.status == MissionStatus::Closed { Err(F::MissionNotNow(self.status)) } else { Ok(()) }
    }

    fn push_provider(&mut self, p: &Asked<'_>) -> Result<(), F> {
        if self.providers.iter().any(|e| e.provider == p.id) {
            return Err(F::ProviderTwice);
        }
        self.providers.push(Engagement {
            provider: p.id.to_owned(),
            provider_name: p.name.to_owned(),
            answer: Answer::Asked,
            reason: String::new(),
            answered_at: None,
        });
        Ok(())
    }

    /// Asks one more provider.
    pub fn ask(&mut self, p: &Asked<'_>) -> Result<(), F> {
        self.open_for_work()?;
        self.push_provider(p)?;
        self.revision += 1;
        Ok(())
    }

    /// A provider answers, through `person`; who accepts becomes an advisor. The
    /// first acceptance starts the mission.
    pub fn answer(
        &mut self,
        provider: &str,
        accept: bool,
        reason: &str,
        person: Uuid,
        now: OffsetDateTime,
    ) -> Result<(), F> {
        self.open_for_work()?;
        if !accept && reason.trim().is_empty() {
            return Err(F::ReasonRequired);
        }
        let e = self.providers.iter_mut().find(|e| e.provider == provider).ok_or(F::NotOnMission)?;
        if e.answer != Answer::Asked {
            return Err(F::ProviderAnswered);
        }
        e.answer = if accept { Answer::Accepted } else { Answer::Declined };
        e.reason = reason.trim().to_owned();
        e.answered_at = Some(now);
        if accept {
            if self.status == MissionStatus::Proposed {
                self.status = MissionStatus::InProgress;
                self.started_at = Some(now);
            }
            match self.participants.iter_mut().find(|p| p.person == person) {
                Some(p) => {
                    p.role = ParticipantRole::Advisor;
                    p.provider = Some(provider.to_owned());
                    p.accepted_at.get_or_insert(now);
                }
                None => self.participants.push(Participant {
                    person,
                    role: ParticipantRole::Advisor,
                    provider: Some(provider.to_owned()),
                    accepted_at: Some(now),
                    invited_at: None,
                }),
            }
        }
        self.revision += 1;
        Ok(())
    }

    /// Invites a person: an advisor of an engaged provider, or an observer. They see
    /// nothing and are told nothing until they accept.
    pub fn invite(
        &mut self,
        person: Uuid,
        role: ParticipantRole,
        provider: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), F> {
        self.open_for_work()?;
        if self.participants.iter().any(|p| p.person == person) {
            return Err(F::ParticipantTwice);
        }
        let provider = match role {
            ParticipantRole::Advisor => {
                let id = provider.ok_or(F::AdvisorNotOfProvider)?;
                if !self.engaged().any(|e| e.provider == id) {
                    return Err(F::AdvisorNotOfProvider);
                }
                Some(id.to_owned())
            }
            ParticipantRole::Observer => None,
        };
        self.participants.push(Participant { person, role, provider, accepted_at: None, invited_at: Some(now) });
        self.revision += 1;
        Ok(())
    }

    /// The invited person accepts; false if they were not invited (or already accepted).
    pub fn accept_invitation(&mut self, person: Uuid, now: OffsetDateTime) -> bool {
        match self.participants.iter_mut().find(|p| p.person == person && p.accepted_at.is_none()) {
            Some(p) => {
                p.accepted_at = Some(now);
                self.revision += 1;
                true
            }
            None => false,
        }
    }

    pub fn add_milestone(&mut self, m: Milestone) -> Result<(), F> {
        self.open_for_work()?;
        required(&m.title)?;
        self.milestones.push(m);
        self.revision += 1;
        Ok(())
    }

    /// Marks a milestone done (idempotent); false if there is no such milestone.
    pub fn complete_milestone(&mut self, id: &str, now: OffsetDateTime) -> Result<bool, F> {
        self.open_for_work()?;
        let Some(m) = self.milestones.iter_mut().find(|m| m.id == id) else { return Ok(false) };
        if m.done_at.is_none() {
            m.done_at = Some(now);
            self.revision += 1;
        }
        Ok(true)
    }

    /// Records days spent and their cost against `budget`, the département's budget
    /// of that year (none set: nothing to draw on). Going over the budget is refused,
    /// unless `approver` (the delegate or an admin, checked by the caller) approves it.
    pub fn spend(&mut self, s: Spending, budget: Option<&Budget>, approver: Option<Uuid>) -> Result<(), F> {
        if self.status != MissionStatus::InProgress {
            return Err(F::MissionNotNow(self.status));
        }
        if !self.engaged().any(|e| e.provider == s.provider) {
            return Err(F::NotOnMission);
        }
        let year = s.on.year();
        let over = match budget {
            None => Some(F::NoBudget(year)),
            Some(b) => {
                let after = b.consumed_cents.saturating_add(s.cost_cents);
                (after > b.amount_cents).then(|| F::OverBudget { year, over_cents: after - b.amount_cents })
            }
        };
        let mut s = s;
        match (over, approver) {
            (Some(fault), None) => return Err(fault),
            (Some(_), Some(who)) => s.approved_over_budget_by = Some(who),
            (None, _) => s.approved_over_budget_by = None,
        }
        self.spending.push(s);
        self.revision += 1;
        Ok(())
    }

    /// Closes the mission: what was delivered is required.
    pub fn close(&mut self, c: Closure) -> Result<(), F> {
        if self.status != MissionStatus::InProgress {
            return Err(F::MissionNotNow(self.status));
        }
        required(&c.delivered)?;
        self.status = MissionStatus::Closed;
        self.closure = Some(c);
        self.revision += 1;
        Ok(())
    }

    /// The authority's satisfaction, once per round, after closure; the three-month
    /// round opens 90 days after it.
    pub fn rate(&mut self, s: Satisfaction) -> Result<(), F> {
        let Some(closure) = &self.closure else { return Err(F::MissionNotNow(self.status)) };
        if !(1..=5).contains(&s.score) {
            return Err(F::NotSatisfaction);
        }
        if s.round == SurveyRound::ThreeMonths && s.at < closure.closed_at + Duration::days(THREE_MONTHS_DAYS) {
            return Err(F::MissionNotNow(self.status));
        }
        if self.satisfaction.iter().any(|x| x.round == s.round) {
            return Err(F::SatisfactionGiven);
        }
        self.satisfaction.push(s);
        self.revision += 1;
        Ok(())
    }

    /// The survey round to ask now, if any: at closure, then three months after.
    pub fn survey_due(&self, now: OffsetDateTime) -> Option<SurveyRound> {
        let closure = self.closure.as_ref()?;
        let given = |r| self.satisfaction.iter().any(|x| x.round == r);
        if now >= closure.closed_at + Duration::days(THREE_MONTHS_DAYS) && !given(SurveyRound::ThreeMonths) {
            Some(SurveyRound::ThreeMonths)
        } else if !given(SurveyRound::AtClosure) {
            Some(SurveyRound::AtClosure)
        } else {
            None
        }
    }
}

/// "Three months later", in days.
pub const THREE_MONTHS_DAYS: i64 = 91;

impl Recommendation {
    /// Moves to `to` with its comment; every change is kept in the history.
    pub fn set_status(
        &mut self,
        to: RecommendationStatus,
        comment: &str,
        by: Uuid,
        now: OffsetDateTime,
    ) -> Result<(), F> {
        if to == self.status {
            return Err(F::SameStatus(to));
        }
        if comment.trim().is_empty() {
            return Err(F::CommentRequired);
        }
        self.history.push(StatusChange { from: self.status, to, comment: comment.trim().to_owned(), by, at: now });
        self.status = to;
        self.revision += 1;
        Ok(())
    }
}
