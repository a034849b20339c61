//! The work of a mission: providers answer, people are invited, recommendations are
//! written and tracked, the two conversations and their documents, spending against
//! the budget, closure and the authority's satisfaction; the delegate's reminders.

use cohesion_core::access::Principal;
use cohesion_core::engineering::rules::{Audience, can_answer_for, recipients};
use cohesion_core::engineering::{
    Closure, DocumentKind, EngineeringFault as F, Funding, Milestone, ParticipantRole, Recommendation,
    RecommendationStatus, Satisfaction, Spending, SurveyRound, Thread, sniff,
};
use cohesion_core::project::Phase;
use cohesion_store::engineering::{Case, DocumentMeta, Expect, Message};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::Duration;
use uuid::Uuid;

use super::{case, now, search, text, told, viewer, write_error};
use crate::{App, AppError, Fault};

fn forbidden(who: &str) -> AppError {
    AppError::Forbidden(who.to_owned())
}

fn mission_id(c: &Case) -> Result<String, AppError> {
    c.mission.as_ref().map(|m| m.id.clone()).ok_or_else(|| AppError::NotFound("this request has no mission".into()))
}

/// A provider accepts or declines a mission (through one of its people).
pub async fn answer(
    app: &App,
    who: &Principal,
    request: &str,
    expected: Option<i64>,
    provider: &str,
    accept: bool,
    reason: &str,
) -> Result<Case, AppError> {
    let before = case(app, request).await?;
    mission_id(&before)?;
    let p = app
        .store
        .engineering_providers()
        .await?
        .into_iter()
        .find(|p| p.id == provider)
        .ok_or_else(|| AppError::invalid("provider", F::NoProvider(provider.to_owned())))?;
    if !can_answer_for(who, p.organisation) {
        return Err(forbidden("a provider answers through its own people"));
    }
    let parties = app.store.engineering_parties(&before).await?;
    let me = who.person;
    let after = app
        .store
        .update_engineering_case(request, expected.map(Expect::Mission), None, me, |c, _| {
            let m = c.mission.as_mut().ok_or(F::NotOnMission)?;
            m.answer(provider, accept, reason, me, now())?;
            let summary = if accept {
                format!("{} accepte la mission", p.name)
            } else {
                format!("{} décline la mission : {}", p.name, reason.trim())
            };
            Ok(vec![told("provider_answer", summary, recipients(&Audience::Everyone, &parties, Some(me)))])
        })
        .await
        .map_err(write_error)?;
    search::catch_up(app).await;
    Ok(after)
}

/// Invites a person onto the mission (the State), or an advisor of one's own provider.
pub async fn invite(
    app: &App,
    who: &Principal,
    request: &str,
    person: Uuid,
    role: ParticipantRole,
    provider: Option<String>,
) -> Result<Case, AppError> {
    let before = case(app, request).await?;
    let v = viewer(app, Some(who), &before).await?;
    let own_provider = provider.as_deref().is_some_and(|id| {
        before
            .mission
            .as_ref()
            .is_some_and(|m| m.participants.iter().any(|p| p.person == who.person && p.provider.as_deref() == Some(id)))
    });
    if !(v.can_manage() || (v.advisor && role == ParticipantRole::Advisor && own_provider)) {
        return Err(forbidden("the delegate invites people; an advisor invites colleagues of their provider"));
    }
    if app.store.person(person).await?.is_none_or(|p| !p.active) {
        return Err(AppError::invalid(
            "person",
            crate::param::ParamFault::NoSuch { what: "person", id: person.to_string() },
        ));
    }
    // An advisor (not the State) invites only a person of their own provider's
    // organisation: the state after holds no stranger acting for that provider.
    if !v.can_manage()
        && let Some(id) = provider.as_deref()
    {
        let providers = app.store.engineering_providers().await?;
        let colleague = match providers.iter().find(|p| p.id == id) {
            Some(p) => super::participants::provider_people(app, p).await?.contains(&person),
            None => false,
        };
        if !colleague {
            return Err(forbidden("an advisor invites only people of their own provider's organisation"));
        }
    }
    let after = app
        .store
        .update_engineering_case(request, None, None, who.person, |c, _| {
            c.mission.as_mut().ok_or(F::NotOnMission)?.invite(person, role, provider.as_deref(), now())?;
            // The invitee is told nothing until they accept.
            Ok(vec![])
        })
        .await
        .map_err(write_error)?;
    search::catch_up(app).await;
    Ok(after)
}

/// The invited person accepts.
pub async fn accept_invitation(app: &App, who: &Principal, request: &str) -> Result<Case, AppError> {
    let before = case(app, request).await?;
    let invited = before
        .mission
        .as_ref()
        .is_some_and(|m| m.participants.iter().any(|p| p.person == who.person && p.accepted_at.is_none()));
    if !invited {
        return Err(AppError::NotFound("no invitation to accept".into()));
    }
    let me = who.person;
    let after = app
        .store
        .update_engineering_case(request, None, None, me, |c, _| {
            c.mission.as_mut().ok_or(F::NotOnMission)?.accept_invitation(me, now());
            Ok(vec![])
        })
        .await
        .map_err(write_error)?;
    // After: the person now reads the case.
    debug_assert!(viewer(app, Some(who), &after).await?.can_read());
    search::catch_up(app).await;
    Ok(after)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RecommendationInput {
    pub title: String,
    #[serde(default)]
    pub body: String,
}

/// An advisor (or the State) recommends an action to the authority.
pub async fn recommend(
    app: &App,
    who: &Principal,
    request: &str,
    input: RecommendationInput,
) -> Result<Recommendation, AppError> {
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_advise() {
        return Err(forbidden("the mission's advisors and the State write recommendations"));
    }
    let mission = mission_id(&c)?;
    let mut faults = Vec::new();
    let title = text("title", &input.title, 300, true, &mut faults);
    let body = text("body", &input.body, 20_000, false, &mut faults);
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    if c.mission.as_ref().is_some_and(|m| m.status == cohesion_core::engineering::MissionStatus::Closed) {
        return Err(AppError::invalid("", F::MissionNotNow(cohesion_core::engineering::MissionStatus::Closed)));
    }
    let r = Recommendation {
        id: Uuid::now_v7().to_string(),
        mission,
        title,
        body,
        status: RecommendationStatus::Proposed,
        history: Vec::new(),
        created_by: who.person,
        created_at: now(),
        revision: 1,
    };
    let parties = app.store.engineering_parties(&c).await?;
    let t = told(
        "recommendation",
        format!("Nouvelle recommandation : {}", r.title),
        recipients(&Audience::Everyone, &parties, Some(who.person)),
    );
    app.store.create_engineering_recommendation(request, &c.request.project_title, &r, &[t]).await?;
    search::catch_up(app).await;
    Ok(r)
}

/// Moves a recommendation to another of the six statuses, with a comment.
pub async fn track(
    app: &App,
    who: &Principal,
    recommendation: &str,
    expected: Option<i64>,
    status: &str,
    comment: &str,
) -> Result<Recommendation, AppError> {
    let r = app
        .store
        .engineering_recommendation(recommendation)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no recommendation {recommendation}")))?;
    let request = app
        .store
        .engineering_mission_request(&r.mission)
        .await?
        .ok_or_else(|| AppError::NotFound("no such mission".into()))?;
    let c = case(app, &request).await?;
    if !viewer(app, Some(who), &c).await?.can_track() {
        return Err(forbidden("the authority, the advisors and the State track recommendations"));
    }
    let to = RecommendationStatus::parse(status)
        .ok_or_else(|| AppError::invalid("status", F::UnknownStatus(status.to_owned())))?;
    let parties = app.store.engineering_parties(&c).await?;
    let me = who.person;
    let after = app
        .store
        .update_engineering_recommendation(recommendation, expected, &request, &c.request.project_title, me, |r| {
            r.set_status(to, comment, me, now())?;
            Ok(vec![told(
                "recommendation_status",
                format!("« {} » : {} ({})", r.title, to.label(), comment.trim()),
                recipients(&Audience::Everyone, &parties, Some(me)),
            )])
        })
        .await
        .map_err(write_error)?;
    search::catch_up(app).await;
    Ok(after)
}

fn audience(t: Thread) -> Audience {
    match t {
        Thread::Public => Audience::Everyone,
        Thread::Internal => Audience::Internal,
    }
}

/// Writes in a conversation.
pub async fn post(app: &App, who: &Principal, request: &str, thread: &str, body: &str) -> Result<Message, AppError> {
    let t = Thread::parse(thread).ok_or_else(|| AppError::invalid("thread", F::UnknownThread(thread.to_owned())))?;
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_write_thread(t) {
        return Err(forbidden("this conversation is not open to you"));
    }
    let mut faults = Vec::new();
    let body = text("body", body, 20_000, true, &mut faults);
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    let name = app.store.person(who.person).await?.map(|p| p.display_name()).unwrap_or_default();
    let m = Message {
        id: Uuid::now_v7().to_string(),
        request: request.to_owned(),
        thread: t,
        author: who.person,
        author_name: name.clone(),
        body,
        created_at: now(),
    };
    let parties = app.store.engineering_parties(&c).await?;
    let tell = told("message", format!("Message de {name}"), recipients(&audience(t), &parties, Some(who.person)));
    app.store.create_engineering_message(&m, &c.request.project_title, &[tell]).await?;
    search::catch_up(app).await;
    Ok(m)
}

/// Attaches a document to a conversation: its type from its content, 20 MB at most.
pub async fn upload(
    app: &App,
    who: &Principal,
    request: &str,
    thread: &str,
    name: &str,
    bytes: &[u8],
) -> Result<DocumentMeta, AppError> {
    let t = Thread::parse(thread).ok_or_else(|| AppError::invalid("thread", F::UnknownThread(thread.to_owned())))?;
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_write_thread(t) {
        return Err(forbidden("this conversation is not open to you"));
    }
    let kind: DocumentKind =
        sniff(name, bytes).map_err(|e| AppError::invalid("file", F::Document(name.to_owned(), e)))?;
    let d = DocumentMeta {
        id: Uuid::now_v7().to_string(),
        request: request.to_owned(),
        thread: t,
        name: name.trim().to_owned(),
        kind,
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect(),
        uploaded_by: who.person,
        created_at: now(),
    };
    let parties = app.store.engineering_parties(&c).await?;
    let tell =
        told("document", format!("Document ajouté : {}", d.name), recipients(&audience(t), &parties, Some(who.person)));
    app.store.create_engineering_document(&d, bytes, &c.request.project_title, &[tell]).await?;
    Ok(d)
}

/// A document with its bytes, for whoever may read its conversation.
pub async fn download(app: &App, who: Option<&Principal>, id: &str) -> Result<(DocumentMeta, Vec<u8>), AppError> {
    let (d, bytes) =
        app.store.engineering_document(id).await?.ok_or_else(|| AppError::NotFound(format!("no document {id}")))?;
    let c = case(app, &d.request).await?;
    if !viewer(app, who, &c).await?.can_read_thread(d.thread) {
        // Not found rather than forbidden: its existence is not told either.
        return Err(AppError::NotFound(format!("no document {id}")));
    }
    Ok((d, bytes))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SpendingInput {
    pub provider: String,
    /// Days, up to two decimals (`1.5`).
    pub days: String,
    pub cost_cents: i64,
    /// `YYYY-MM-DD`: the year whose budget it draws on.
    pub on: String,
    #[serde(default)]
    pub note: String,
    /// The delegate approves going over the budget.
    #[serde(default)]
    pub approve_over_budget: bool,
}

/// Hundredths of a day from `1`, `1.5`, `0,25`; more than 0, at most 365.
pub fn centidays(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let v = whole.parse::<i64>().ok()?.checked_mul(100)? + format!("{frac:0<2}").parse::<i64>().ok()?;
    (1..=36_500).contains(&v).then_some(v)
}

/// Records days spent and their cost against the département's budget of the year.
pub async fn spend(
    app: &App,
    who: &Principal,
    request: &str,
    expected: Option<i64>,
    input: SpendingInput,
) -> Result<Case, AppError> {
    let c = case(app, request).await?;
    let v = viewer(app, Some(who), &c).await?;
    if !v.can_advise() {
        return Err(forbidden("the mission's advisors and the State record spending"));
    }
    if input.approve_over_budget && !v.can_manage() {
        return Err(forbidden("only the delegate (or an admin) approves spending over the budget"));
    }
    let mut faults = Vec::new();
    let days = centidays(&input.days);
    if days.is_none() {
        faults.push(Fault::new("days", F::NotDays(input.days.clone())));
    }
    if input.cost_cents < 0 {
        faults.push(Fault::new("cost_cents", F::NotAmount(input.cost_cents.to_string())));
    }
    let on = cohesion_core::date::iso(input.on.trim());
    if on.is_none() {
        faults.push(Fault::new("on", F::NotADate(input.on.clone())));
    }
    let note = text("note", &input.note, 2_000, false, &mut faults);
    let (Some(days), Some(on)) = (days, on) else { return Err(AppError::Invalid(faults)) };
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    let parties = app.store.engineering_parties(&c).await?;
    let me = who.person;
    let approver = input.approve_over_budget.then_some(me);
    let after = app
        .store
        .update_engineering_case(request, expected.map(Expect::Mission), Some(on.year()), me, |c, budget| {
            let s = Spending {
                id: Uuid::now_v7().to_string(),
                provider: input.provider.clone(),
                centidays: days,
                cost_cents: input.cost_cents,
                on,
                note,
                approved_over_budget_by: None,
            };
            c.mission.as_mut().ok_or(F::NotOnMission)?.spend(s, budget, approver)?;
            Ok(vec![told(
                "spending",
                format!(
                    "{},{:02} {} d'ingénierie {}",
                    days / 100,
                    days % 100,
                    if days < 200 { "jour" } else { "jours" },
                    if days < 200 { "enregistré" } else { "enregistrés" }
                ),
                recipients(&Audience::Internal, &parties, Some(me)),
            )])
        })
        .await
        .map_err(write_error)?;
    search::catch_up(app).await;
    Ok(after)
}

/// A step of the mission to reach.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MilestoneInput {
    pub title: String,
    /// `YYYY-MM-DD`, optional.
    pub due: Option<String>,
}

/// Adds a milestone to the mission (its advisors, the State).
pub async fn milestone(
    app: &App,
    who: &Principal,
    request: &str,
    expected: Option<i64>,
    input: MilestoneInput,
) -> Result<Case, AppError> {
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_advise() {
        return Err(forbidden("the mission's advisors and the State set its milestones"));
    }
    mission_id(&c)?;
    let mut faults = Vec::new();
    let title = text("title", &input.title, 300, true, &mut faults);
    let due = match input.due.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            let day = cohesion_core::date::iso(d);
            if day.is_none() {
                faults.push(Fault::new("due", F::NotADate(d.to_owned())));
            }
            day
        }
    };
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    let parties = app.store.engineering_parties(&c).await?;
    let me = who.person;
    let after = app
        .store
        .update_engineering_case(request, expected.map(Expect::Mission), None, me, |c, _| {
            let m = Milestone { id: Uuid::now_v7().to_string(), title: title.clone(), due, done_at: None };
            c.mission.as_mut().ok_or(F::NotOnMission)?.add_milestone(m)?;
            Ok(vec![told(
                "milestone",
                format!("Nouveau jalon : {title}"),
                recipients(&Audience::Everyone, &parties, Some(me)),
            )])
        })
        .await
        .map_err(write_error)?;
    search::catch_up(app).await;
    Ok(after)
}

/// Marks a milestone reached (its advisors, the State); not found if the mission has
/// no such milestone.
pub async fn complete_milestone(
    app: &App,
    who: &Principal,
    request: &str,
    milestone: &str,
    expected: Option<i64>,
) -> Result<Case, AppError> {
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_advise() {
        return Err(forbidden("the mission's advisors and the State set its milestones"));
    }
    let Some(title) = c.mission.as_ref().and_then(|m| m.milestones.iter().find(|x| x.id == milestone)) else {
        return Err(AppError::NotFound(format!("no milestone {milestone}")));
    };
    let title = title.title.clone();
    let parties = app.store.engineering_parties(&c).await?;
    let me = who.person;
    let after = app
        .store
        .update_engineering_case(request, expected.map(Expect::Mission), None, me, |c, _| {
            c.mission.as_mut().ok_or(F::NotOnMission)?.complete_milestone(milestone, now())?;
            Ok(vec![told(
                "milestone",
                format!("Jalon atteint : {title}"),
                recipients(&Audience::Everyone, &parties, Some(me)),
            )])
        })
        .await
        .map_err(write_error)?;
    search::catch_up(app).await;
    Ok(after)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ClosureInput {
    pub delivered: String,
    /// `idea`, `study` or `operation`.
    pub phase_before: Option<String>,
    pub phase_after: Option<String>,
    #[serde(default)]
    pub fundings: Vec<FundingInput>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FundingInput {
    pub funder: String,
    pub amount_cents: i64,
}

fn phase(field: &str, raw: Option<&str>, faults: &mut Vec<Fault>) -> Option<Phase> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    let p = Phase::parse(raw);
    if p.is_none() {
        faults.push(Fault::new(field, F::UnknownPhase(raw.to_owned())));
    }
    p
}

/// Closes the mission (and its request) with what was delivered and what the project
/// became; the authority is asked its satisfaction.
pub async fn close(
    app: &App,
    who: &Principal,
    request: &str,
    expected: Option<i64>,
    input: ClosureInput,
) -> Result<Case, AppError> {
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_advise() {
        return Err(forbidden("the mission's advisors and the State close it"));
    }
    let mut faults = Vec::new();
    let delivered = text("delivered", &input.delivered, 20_000, true, &mut faults);
    let phase_before = phase("phase_before", input.phase_before.as_deref(), &mut faults);
    let phase_after = phase("phase_after", input.phase_after.as_deref(), &mut faults);
    let mut fundings = Vec::new();
    for (i, f) in input.fundings.iter().enumerate() {
        let funder = text(&format!("fundings[{i}].funder"), &f.funder, 300, true, &mut faults);
        if f.amount_cents <= 0 {
            faults.push(Fault::new(format!("fundings[{i}].amount_cents"), F::NotAmount(f.amount_cents.to_string())));
        }
        fundings.push(Funding { funder, amount_cents: f.amount_cents });
    }
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    let parties = app.store.engineering_parties(&c).await?;
    let me = who.person;
    let after = app
        .store
        .update_engineering_case(request, expected.map(Expect::Mission), None, me, |c, _| {
            let closure = Closure { delivered, phase_before, phase_after, fundings, closed_at: now(), closed_by: me };
            c.mission.as_mut().ok_or(F::NotOnMission)?.close(closure)?;
            c.request.close()?;
            Ok(vec![told("closed", "Mission clôturée".to_owned(), recipients(&Audience::Everyone, &parties, Some(me)))])
        })
        .await
        .map_err(write_error)?;
    ask_survey(app, &after, SurveyRound::AtClosure, me).await?;
    search::catch_up(app).await;
    Ok(after)
}

async fn ask_survey(app: &App, c: &Case, round: SurveyRound, actor: Uuid) -> Result<bool, AppError> {
    let Some(m) = &c.mission else { return Ok(false) };
    let parties = app.store.engineering_parties(c).await?;
    let summary = match round {
        SurveyRound::AtClosure => "La mission est terminée : donnez votre avis (note de 1 à 5)",
        SurveyRound::ThreeMonths => "Trois mois après la mission : où en est votre projet ? Donnez votre avis",
    };
    let t = told("survey", summary.to_owned(), recipients(&Audience::Authority, &parties, None));
    Ok(app.store.ask_engineering_survey(&m.id, &c.request.id, &c.request.project_title, round, actor, &t).await?)
}

/// The authority gives its satisfaction for a round.
pub async fn rate(
    app: &App,
    who: &Principal,
    request: &str,
    round: &str,
    score: u8,
    comment: &str,
) -> Result<Case, AppError> {
    let c = case(app, request).await?;
    if !viewer(app, Some(who), &c).await?.can_rate() {
        return Err(forbidden("the requesting authority gives its satisfaction"));
    }
    let round = SurveyRound::parse(round).ok_or_else(|| {
        AppError::invalid(
            "round",
            crate::param::ParamFault::NotOneOf { value: round.to_owned(), expected: "at_closure, three_months" },
        )
    })?;
    let mut faults = Vec::new();
    let comment = text("comment", comment, 5_000, false, &mut faults);
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    let parties = app.store.engineering_parties(&c).await?;
    let me = who.person;
    app.store
        .update_engineering_case(request, None, None, me, |c, _| {
            let s = Satisfaction { round, score, comment, by: me, at: now() };
            c.mission.as_mut().ok_or(F::NotOnMission)?.rate(s)?;
            Ok(vec![told(
                "satisfaction",
                format!("La collectivité a donné son avis : {score}/5"),
                recipients(&Audience::Internal, &parties, Some(me)),
            )])
        })
        .await
        .map_err(write_error)
}

/// Reminds the delegates of requests unanswered for `after` (each at most once per
/// `after`), and asks the three-month surveys due. Returns (reminders, surveys).
pub async fn remind(app: &App, after: Duration) -> Result<(usize, usize), AppError> {
    let at = now();
    let filter =
        super::Filter { status: Some(cohesion_core::engineering::RequestStatus::Submitted), ..Default::default() };
    let mut reminded = 0;
    for c in app.store.engineering_cases(&filter).await? {
        if !c.request.due_for_reminder(at, after) {
            continue;
        }
        let parties = app.store.engineering_parties(&c).await?;
        let days = (at - c.request.created_at).whole_days();
        let done = app
            .store
            .update_engineering_case(
                &c.request.id,
                Some(Expect::Request(c.request.revision)),
                None,
                Uuid::nil(),
                |c, _| {
                    c.request.reminded_at = Some(at);
                    c.request.revision += 1;
                    Ok(vec![told(
                        "reminder",
                        format!("Demande sans réponse depuis {days} jours"),
                        recipients(&Audience::Delegates, &parties, None),
                    )])
                },
            )
            .await;
        match done {
            Ok(_) => reminded += 1,
            // Another instance reminded it (or it was answered) meanwhile.
            Err(cohesion_store::engineering::EngineeringWriteError::Stale { .. }) => {}
            Err(e) => return Err(write_error(e)),
        }
    }
    let mut surveys = 0;
    let due = app
        .store
        .engineering_surveys_due(at - Duration::days(cohesion_core::engineering::lifecycle::THREE_MONTHS_DAYS))
        .await?;
    for (_, request) in due {
        let c = case(app, &request).await?;
        if ask_survey(app, &c, SurveyRound::ThreeMonths, Uuid::nil()).await? {
            surveys += 1;
        }
    }
    Ok((reminded, surveys))
}

/// `COHESION_ENGINEERING_REMINDER_DAYS` (1–365; default 10): after how many days
/// without an answer a request is reminded to the delegate.
pub fn reminder_days_from_env() -> Result<i64, BadReminderDays> {
    match std::env::var("COHESION_ENGINEERING_REMINDER_DAYS") {
        Err(_) => Ok(10),
        Ok(v) => match v.trim().parse::<i64>() {
            Ok(d) if (1..=365).contains(&d) => Ok(d),
            _ => Err(BadReminderDays(v)),
        },
    }
}

/// `COHESION_ENGINEERING_REMINDER_DAYS` holds no number of days.
#[derive(Debug, thiserror::Error)]
#[error("COHESION_ENGINEERING_REMINDER_DAYS must be a number of days from 1 to 365, not `{0}`")]
pub struct BadReminderDays(String);

/// Runs [`remind`] every `every` (each request is reminded at most once per `after`,
/// each survey asked once, so the period only bounds the delay).
pub fn spawn_reminders(app: App, every: std::time::Duration, after: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match remind(&app, after).await {
                Ok((0, 0)) => {}
                Ok((reminders, surveys)) => tracing::info!(reminders, surveys, "engineering reminders"),
                Err(e) => tracing::warn!(error = %e, "engineering reminders failed"),
            }
        }
    })
}
