//! `/ingenierie/demandes/{id}`: one request and its mission, as the visitor may see it
//! — whole for who takes part (the internal conversation only for the State and the
//! advisors and observers who do not act for the authority), the public view (needs,
//! status, providers, outcome) for anyone once accepted — with the forms of what the
//! visitor may do now.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cohesion_app::AppError;
use cohesion_app::engineering::provider as providers;
use cohesion_app::engineering::read::{self, CaseView, PublicView, Seen};
use cohesion_core::access::{Principal, Role};
use cohesion_core::engineering::{
    Answer, MissionStatus, Need, Qualification, RecommendationStatus, Redirection, RequestStatus, SurveyRound,
};
use cohesion_core::project::Phase;
use cohesion_core::project::money::format_euros;
use serde::Deserialize;

use super::{Choice, day, days, moment, recommendation_badge, request_badge};
use crate::AppState;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav};
use crate::pages::visitor::Who;

/// A refusal shown next to the form that caused it, with what was typed.
#[derive(Default)]
pub struct Refusal {
    /// The form's name (`qualification`, `message-public`, `recommandation`…).
    pub form: String,
    pub message: String,
    pub kept: HashMap<String, String>,
}

pub struct Suggested {
    pub id: String,
    pub name: String,
    pub reason: String,
}

pub struct Engaged {
    pub name: String,
    pub answer: &'static str,
    pub reason: String,
}

pub struct MilestoneRow {
    pub id: String,
    pub title: String,
    pub due: String,
    pub done: String,
}

pub struct SpendingRow {
    pub provider: String,
    pub on: String,
    pub days: String,
    pub cost: String,
    pub note: String,
    pub approved: bool,
}

pub struct ChangeRow {
    pub from: &'static str,
    pub to: &'static str,
    pub comment: String,
    pub at: String,
}

pub struct RecommendationRow {
    pub id: String,
    pub title: String,
    pub body: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub history: Vec<ChangeRow>,
    pub next: Vec<Choice>,
}

pub struct MessageRow {
    pub author: String,
    pub at: String,
    pub body: String,
}

pub struct DocumentRow {
    pub href: String,
    pub name: String,
    pub kind: &'static str,
    pub size: String,
    pub thread: &'static str,
}

pub struct ClosureRow {
    pub delivered: String,
    pub phase_before: String,
    pub phase_after: String,
    pub fundings: Vec<(String, String)>,
    pub closed: String,
}

pub struct SatisfactionRow {
    pub round: &'static str,
    pub score: u8,
    pub comment: String,
}

/// A person on the mission, as the State sees the list.
pub struct Member {
    pub name: String,
    pub role: &'static str,
    pub provider: String,
    pub accepted: bool,
}

/// Who is on the mission and the search for whom to invite (the State only).
pub struct Team {
    pub members: Vec<Member>,
    /// The search typed (`?personne=`).
    pub q: String,
    /// The people found, to pick from.
    pub found: Vec<Choice>,
}

/// The mission as the page shows it.
pub struct MissionPart {
    pub status: &'static str,
    pub open: bool,
    pub in_progress: bool,
    pub providers: Vec<Engaged>,
    /// Providers the visitor answers for, still to answer.
    pub to_answer: Vec<Choice>,
    pub milestones: Vec<MilestoneRow>,
    pub spending: Vec<SpendingRow>,
    pub engaged: Vec<Choice>,
    pub total_days: String,
    pub total_cost: String,
    pub closure: Option<ClosureRow>,
    pub satisfaction: Vec<SatisfactionRow>,
    /// The round the authority may rate now.
    pub survey: Option<&'static str>,
    pub team: Option<Team>,
    /// For an advisor: the people of each provider they act for whom they may invite.
    pub colleagues: Vec<ColleagueGroup>,
}

/// The people of one provider an advisor may invite onto the mission.
pub struct ColleagueGroup {
    pub provider: String,
    pub provider_name: String,
    pub people: Vec<Choice>,
}

/// The whole case.
pub struct Full {
    pub needs_detail: String,
    pub context: String,
    pub urgency: &'static str,
    pub desired_start: String,
    pub created: String,
    pub answered: String,
    pub outcome: Option<String>,
    pub qualify: bool,
    pub suggestions: Vec<Suggested>,
    pub others: Vec<Choice>,
    pub redirections: Vec<Choice>,
    pub mission: Option<MissionPart>,
    pub recommendations: Vec<RecommendationRow>,
    pub public_messages: Vec<MessageRow>,
    pub internal_messages: Option<Vec<MessageRow>>,
    pub documents: Vec<DocumentRow>,
    pub advise: bool,
    pub manage: bool,
    pub track: bool,
    pub write_public: bool,
    pub phases: Vec<Choice>,
}

/// The public view.
pub struct Public {
    pub providers: String,
    pub closure: Option<ClosureRow>,
    pub days: String,
    pub cost: String,
}

#[derive(Template)]
#[template(path = "engineering_case.html")]
pub struct CasePage {
    layout: Layout,
    id: String,
    info: Option<&'static str>,
    refusal: Refusal,
    title: String,
    authority: String,
    territory: String,
    departement: String,
    status: &'static str,
    badge: &'static str,
    needs: Vec<&'static str>,
    full: Option<Full>,
    public: Option<Public>,
    /// The visitor has an invitation to accept on the mission.
    invitation: bool,
}

impl CasePage {
    /// The refusal's message, when it is about `form`.
    fn refused(&self, form: &str) -> Option<&str> {
        (self.refusal.form == form).then_some(self.refusal.message.as_str())
    }

    /// What was typed in `field` of `form`, when it was refused.
    fn kept(&self, form: &str, field: &str) -> &str {
        if self.refusal.form == form { self.refusal.kept.get(field).map_or("", String::as_str) } else { "" }
    }
}

#[derive(Deserialize, Default)]
pub struct CaseQuery {
    info: Option<String>,
    /// A search for a person to invite.
    personne: Option<String>,
}

fn info(code: &str) -> Option<&'static str> {
    Some(match code {
        "demande" => "Votre demande est envoyée au délégué territorial de votre département.",
        "qualifiee" => "La demande est qualifiée.",
        "reponse" => "Votre réponse est enregistrée.",
        "message" => "Message envoyé.",
        "document" => "Document ajouté.",
        "recommandation" => "Recommandation enregistrée.",
        "statut" => "Statut de la recommandation changé.",
        "jalon" => "Jalon enregistré.",
        "depense" => "Dépense enregistrée.",
        "cloture" => "La mission est clôturée ; la collectivité est invitée à donner son avis.",
        "avis" => "Merci : votre avis est enregistré.",
        "invitation" => "La personne est invitée : elle voit la mission dès qu’elle accepte l’invitation.",
        "bienvenue" => "Vous avez rejoint la mission.",
        _ => return None,
    })
}

fn closure_row(c: &cohesion_core::engineering::Closure) -> ClosureRow {
    ClosureRow {
        delivered: c.delivered.clone(),
        phase_before: c.phase_before.map_or("—", |p| p.label()).to_owned(),
        phase_after: c.phase_after.map_or("—", |p| p.label()).to_owned(),
        fundings: c.fundings.iter().map(|f| (f.funder.clone(), format_euros(f.amount_cents))).collect(),
        closed: moment(c.closed_at),
    }
}

fn public_closure(p: &PublicView) -> Option<ClosureRow> {
    p.delivered.as_ref().map(|d| ClosureRow {
        delivered: d.clone(),
        phase_before: p.phase_before.map_or("—", |x| x.label()).to_owned(),
        phase_after: p.phase_after.map_or("—", |x| x.label()).to_owned(),
        fundings: p.fundings.iter().map(|f| (f.funder.clone(), format_euros(f.amount_cents))).collect(),
        closed: String::new(),
    })
}

fn messages(list: &[cohesion_app::engineering::read::Message]) -> Vec<MessageRow> {
    list.iter()
        .map(|m| MessageRow { author: m.author_name.clone(), at: moment(m.created_at), body: m.body.clone() })
        .collect()
}

async fn team(state: &AppState, me: &Principal, id: &str, q: &str) -> Result<Team, AppError> {
    use cohesion_app::engineering::participants;
    let members = participants::list(state, me, id)
        .await?
        .into_iter()
        .map(|p| Member {
            name: format!("{} {}", p.person.given_name, p.person.usual_name).trim().to_owned(),
            role: p.role.label(),
            provider: p.provider.unwrap_or_default(),
            accepted: p.accepted,
        })
        .collect();
    let found = participants::invitable(state, me, id, q)
        .await?
        .into_iter()
        .map(|p| {
            let name = format!("{} {}", p.given_name, p.usual_name);
            Choice { value: p.id.to_string(), label: format!("{} ({})", name.trim(), p.email), selected: false }
        })
        .collect();
    Ok(Team { members, q: q.trim().to_owned(), found })
}

async fn full(state: &AppState, me: Option<&Principal>, v: CaseView, people: &str) -> Result<Full, AppError> {
    let r = &v.request;
    let all = providers::list(state).await?;
    let qualify = v.can.qualify && r.status == RequestStatus::Submitted;
    let (suggestions, others) = match (qualify, me) {
        (true, Some(me)) => {
            let s = providers::suggest(state, me, &r.id).await?;
            let others = all
                .iter()
                .filter(|p| p.active && !s.iter().any(|x| x.provider == p.id))
                .map(|p| Choice { value: p.id.clone(), label: p.name.clone(), selected: false })
                .collect();
            (s.into_iter().map(|x| Suggested { id: x.provider, name: x.name, reason: x.reason }).collect(), others)
        }
        _ => (Vec::new(), Vec::new()),
    };
    let outcome = match &r.qualification {
        Some(Qualification::Redirected { to, target, reason }) => {
            Some(format!("Réorientée vers {} : {target}. {reason}", to.label().to_lowercase()))
        }
        Some(Qualification::Declined { reason }) => Some(format!("Refusée : {reason}")),
        _ => None,
    };
    let my_orgs: Vec<uuid::Uuid> = me
        .iter()
        .flat_map(|p| p.roles.iter())
        .filter_map(|x| match x {
            Role::Partner { organisation } => Some(*organisation),
            _ => None,
        })
        .collect();
    let admin = me.is_some_and(Principal::is_admin);
    let team = match (me, &v.mission) {
        (Some(me), Some(_)) if v.can.manage => Some(team(state, me, &r.id, people).await?),
        _ => None,
    };
    let colleagues = match (me, &v.mission) {
        (Some(me), Some(m)) if v.can.advise && !v.can.manage && m.closure.is_none() => {
            cohesion_app::engineering::participants::colleagues(state, me, &r.id)
                .await?
                .into_iter()
                .map(|g| ColleagueGroup {
                    provider: g.provider,
                    provider_name: g.provider_name,
                    people: g
                        .people
                        .into_iter()
                        .map(|p| {
                            let name = format!("{} {}", p.given_name, p.usual_name);
                            Choice {
                                value: p.id.to_string(),
                                label: format!("{} ({})", name.trim(), p.email),
                                selected: false,
                            }
                        })
                        .collect(),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let mission = v.mission.as_ref().map(|m| {
        let engaged: Vec<Choice> = m
            .engaged()
            .map(|e| Choice { value: e.provider.clone(), label: e.provider_name.clone(), selected: false })
            .collect();
        let rated = |round| m.satisfaction.iter().any(|s| s.round == round);
        MissionPart {
            status: m.status.label(),
            open: m.status != MissionStatus::Closed,
            in_progress: m.status == MissionStatus::InProgress,
            providers: m
                .providers
                .iter()
                .map(|e| Engaged { name: e.provider_name.clone(), answer: e.answer.label(), reason: e.reason.clone() })
                .collect(),
            to_answer: m
                .providers
                .iter()
                .filter(|e| e.answer == Answer::Asked)
                .filter(|e| {
                    admin
                        || all
                            .iter()
                            .find(|p| p.id == e.provider)
                            .and_then(|p| p.organisation)
                            .is_some_and(|o| my_orgs.contains(&o))
                })
                .map(|e| Choice { value: e.provider.clone(), label: e.provider_name.clone(), selected: false })
                .collect(),
            milestones: m
                .milestones
                .iter()
                .map(|x| MilestoneRow {
                    id: x.id.clone(),
                    title: x.title.clone(),
                    due: x.due.map(day).unwrap_or_default(),
                    done: x.done_at.map(moment).unwrap_or_default(),
                })
                .collect(),
            spending: m
                .spending
                .iter()
                .map(|s| SpendingRow {
                    provider: m
                        .providers
                        .iter()
                        .find(|e| e.provider == s.provider)
                        .map_or_else(String::new, |e| e.provider_name.clone()),
                    on: day(s.on),
                    days: days(s.centidays),
                    cost: format_euros(s.cost_cents),
                    note: s.note.clone(),
                    approved: s.approved_over_budget_by.is_some(),
                })
                .collect(),
            engaged,
            total_days: days(m.centidays()),
            total_cost: format_euros(m.cost_cents()),
            closure: m.closure.as_ref().map(closure_row),
            satisfaction: m
                .satisfaction
                .iter()
                .map(|s| SatisfactionRow { round: s.round.label(), score: s.score, comment: s.comment.clone() })
                .collect(),
            survey: (v.can.rate && m.closure.is_some())
                .then(|| {
                    if !rated(SurveyRound::AtClosure) {
                        Some(SurveyRound::AtClosure.as_str())
                    } else if m.survey_due(time::OffsetDateTime::now_utc()) == Some(SurveyRound::ThreeMonths) {
                        Some(SurveyRound::ThreeMonths.as_str())
                    } else {
                        None
                    }
                })
                .flatten(),
            team,
            colleagues,
        }
    });
    let recommendations = v
        .recommendations
        .iter()
        .map(|x| RecommendationRow {
            id: x.id.clone(),
            title: x.title.clone(),
            body: x.body.clone(),
            status: x.status.label(),
            badge: recommendation_badge(x.status),
            history: x
                .history
                .iter()
                .map(|h| ChangeRow {
                    from: h.from.label(),
                    to: h.to.label(),
                    comment: h.comment.clone(),
                    at: moment(h.at),
                })
                .collect(),
            next: RecommendationStatus::ALL
                .iter()
                .filter(|s| **s != x.status)
                .map(|s| Choice { value: s.as_str().into(), label: s.label().into(), selected: false })
                .collect(),
        })
        .collect();
    let documents = v
        .documents
        .iter()
        .map(|d| DocumentRow {
            href: format!("/api/v1/engineering/documents/{}", d.id),
            name: d.name.clone(),
            kind: d.kind.label(),
            size: if d.size >= 1024 * 1024 {
                format!("{} Mo", d.size / (1024 * 1024))
            } else {
                format!("{} ko", (d.size / 1024).max(1))
            },
            thread: d.thread.label(),
        })
        .collect();
    Ok(Full {
        needs_detail: r.needs_detail.clone(),
        context: r.context.clone(),
        urgency: r.urgency.label(),
        desired_start: r.desired_start.map(day).unwrap_or_default(),
        created: moment(r.created_at),
        answered: r.answered_at.map(moment).unwrap_or_default(),
        outcome,
        qualify,
        suggestions,
        others,
        redirections: Redirection::ALL
            .iter()
            .map(|x| Choice { value: x.as_str().into(), label: x.label().into(), selected: false })
            .collect(),
        mission,
        recommendations,
        public_messages: messages(&v.public_messages),
        internal_messages: v.internal_messages.as_deref().map(messages),
        documents,
        advise: v.can.advise,
        manage: v.can.manage,
        track: v.can.track,
        write_public: v.can.advise || v.can.track,
        phases: Phase::ALL
            .iter()
            .map(|p| Choice { value: p.as_str().into(), label: p.label().into(), selected: false })
            .collect(),
    })
}

/// The page of case `id`, with `refusal` next to its form; `people` is the search for
/// a person to invite (the State's form).
pub async fn page(
    state: &AppState,
    who: &Who,
    id: &str,
    info_code: Option<&str>,
    refusal: Refusal,
    status: StatusCode,
    people: &str,
) -> Result<Response, PageError> {
    let config = &who.config;
    let me = who.auth.as_ref().map(|a| &a.principal);
    let invitation = match me {
        Some(me) => cohesion_app::engineering::participants::invited(state, me, id)
            .await
            .map_err(|e| PageError::internal(config, e))?,
        None => false,
    };
    let seen = match read::get(state, me, id).await {
        Ok(s) => s,
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(config)),
        Err(e) => return Err(PageError::internal(config, e)),
    };
    let territory_of = |t: &cohesion_core::territory::TerritoryRef| {
        state.current().referential.get_ref(t).map_or_else(|| t.to_string(), |x| format!("{} ({})", x.name, x.code))
    };
    let page = match seen {
        Seen::Full(v) => {
            let r = &v.request;
            let (title, authority, territory, departement) = (
                r.project_title.clone(),
                r.organisation_name.clone(),
                territory_of(&r.territory),
                r.departement.clone(),
            );
            let (status, badge) = (r.status.label(), request_badge(r.status));
            let needs = r.needs.iter().map(|n| n.label()).collect();
            let full = full(state, me, *v, people).await.map_err(|e| PageError::internal(config, e))?;
            CasePage {
                layout: Layout::new(config, title.clone(), Nav::Engineering)
                    .crumb("Ingénierie sur mesure", "/ingenierie"),
                id: id.to_owned(),
                info: info_code.and_then(info),
                refusal,
                title,
                authority,
                territory,
                departement,
                status,
                badge,
                needs,
                full: Some(full),
                public: None,
                invitation,
            }
        }
        Seen::Public(p) => {
            let st = RequestStatus::parse(&p.status).unwrap_or(RequestStatus::Accepted);
            let territory = p
                .territory
                .parse::<cohesion_core::territory::TerritoryRef>()
                .map_or_else(|_| p.territory.clone(), |t| territory_of(&t));
            CasePage {
                layout: Layout::new(config, p.project_title.clone(), Nav::Engineering)
                    .crumb("Ingénierie sur mesure", "/ingenierie"),
                id: id.to_owned(),
                info: None,
                refusal,
                title: p.project_title.clone(),
                authority: p.organisation_name.clone(),
                territory,
                departement: p.departement.clone(),
                status: st.label(),
                badge: request_badge(st),
                needs: p.needs.iter().filter_map(|n| Need::parse(n)).map(|n| n.label()).collect(),
                public: Some(Public {
                    providers: p.providers.join(", "),
                    closure: public_closure(&p),
                    days: days(p.centidays),
                    cost: format_euros(p.cost_cents),
                }),
                full: None,
                invitation,
            }
        }
    };
    Ok((status, render(config, &page)?).into_response())
}

/// `GET /ingenierie/demandes/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, PageError> {
    let people = q.personne.as_deref().unwrap_or("");
    page(&state, &who, &id, q.info.as_deref(), Refusal::default(), StatusCode::OK, people).await
}
