//! The custom engineering offer: each operation finds what the person is to the case
//! (`core::engineering::rules::Viewer`) on the state before and, where the change can
//! alter it, after; validates the whole input (every fault with its field); applies the
//! `core` step; writes through the store in one transaction with the audit events and
//! the events told to the people concerned (`recipients`: each person once, never an
//! invitee who has not accepted).

pub mod participants;
pub mod provider;
pub mod read;
pub mod search;
pub mod work;

use cohesion_core::access::Principal;
use cohesion_core::access::organisation::OrganisationKind;
use cohesion_core::engineering::lifecycle::Asked;
use cohesion_core::engineering::rules::{Audience, Viewer, can_request, recipients};
use cohesion_core::engineering::{
    EngineeringFault as F, ExternalId, Need, Qualification, Redirection, Request, RequestStatus, Urgency, is_tool,
};
use cohesion_core::territory::{Referential, TerritoryKind, TerritoryRef};
use cohesion_store::engineering::{Case, EngineeringWriteError, Expect};
use cohesion_store::pact::Told;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{App, AppError, Fault};

pub use cohesion_store::engineering::Filter;

/// A request as the authority (or the delegate on its behalf) makes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RequestInput {
    /// The requesting local authority; optional for a person who acts for one only.
    #[schema(value_type = Option<String>)]
    pub organisation: Option<Uuid>,
    /// An existing project of the platform…
    pub project: Option<String>,
    /// …or the title of a new one.
    pub project_title: Option<String>,
    /// Codes of the needs list (`study`, `financial_setup`, `legal`, `planning_urbanism`,
    /// `ecological_transition`, `digital`, `mobility`, `housing`, `town_centre`, `other`).
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub needs_detail: String,
    #[serde(default)]
    pub context: String,
    /// `low`, `normal` (default) or `high`.
    pub urgency: Option<String>,
    /// `YYYY-MM-DD`.
    pub desired_start: Option<String>,
    /// The project's identifiers in other national tools.
    #[serde(default)]
    pub external_ids: Vec<ExternalIdInput>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ExternalIdInput {
    pub tool: String,
    pub id: String,
}

fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap_or(t)
}

fn told(kind: &'static str, summary: String, recipients: Vec<Uuid>) -> Told {
    Told { kind, summary, recipients }
}

fn text(field: &str, value: &str, max: usize, required: bool, faults: &mut Vec<Fault>) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        faults.push(Fault::new(field, F::Required));
    } else if v.chars().count() > max {
        faults.push(Fault::new(field, F::TooLong { max }));
    }
    v.to_owned()
}

/// The département whose delegation qualifies requests of `t`, and its région: a
/// commune's or EPCI's (its main one), a département itself, a région's seat's.
pub fn route(r: &Referential, t: &TerritoryRef) -> Option<(String, String)> {
    let dep = match t.kind {
        TerritoryKind::Departement => t.code.clone(),
        TerritoryKind::Epci => r.get_ref(t)?.departements.first()?.clone(),
        TerritoryKind::Commune | TerritoryKind::ArrondissementMunicipal => r.get_ref(t)?.parents.departement.clone()?,
        TerritoryKind::Region => {
            let seat = r.get_ref(t)?.chef_lieu.clone()?;
            r.get(TerritoryKind::Commune, &seat)?.parents.departement.clone()?
        }
    };
    let region = r.get(TerritoryKind::Departement, &dep)?.parents.region.clone()?;
    Some((dep, region))
}

/// The directory of the agency's territorial delegations, read once from the file
/// shipped in the binary (checked by a unit test, so it reads).
pub fn delegations() -> &'static [cohesion_core::engineering::delegation::Delegation] {
    static ALL: std::sync::OnceLock<Vec<cohesion_core::engineering::delegation::Delegation>> =
        std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        use cohesion_core::engineering::delegation::{SHIPPED, read};
        read("data/engineering/delegations.tsv", SHIPPED).unwrap_or_else(|faults| {
            tracing::error!(%faults, "the shipped delegations do not read");
            Vec::new()
        })
    })
}

/// The case, or not found.
pub(crate) async fn case(app: &App, id: &str) -> Result<Case, AppError> {
    app.store.engineering_case(id).await?.ok_or_else(|| AppError::NotFound(format!("no engineering request {id}")))
}

/// What `who` is to `c`.
pub(crate) async fn viewer(app: &App, who: Option<&Principal>, c: &Case) -> Result<Viewer, AppError> {
    let providers = app.store.engineering_providers().await?;
    Ok(Viewer::of(who, &c.request, c.mission.as_ref(), |id| {
        providers.iter().find(|p| p.id == id).and_then(|p| p.organisation)
    }))
}

pub(crate) fn write_error(e: EngineeringWriteError) -> AppError {
    match e {
        EngineeringWriteError::NotFound => AppError::NotFound("no such engineering request".into()),
        EngineeringWriteError::Stale { expected, current } => {
            AppError::Conflict(format!("changed since revision {expected}: it is at revision {current}"))
        }
        EngineeringWriteError::Refused(f) => AppError::invalid("", f),
        EngineeringWriteError::Store(e) => e.into(),
    }
}

/// Makes a request. The authority's territory and SIREN come from its account.
pub async fn submit(app: &App, who: &Principal, input: RequestInput) -> Result<Case, AppError> {
    let organisation = match input.organisation {
        Some(o) => o,
        None => {
            let mine: Vec<Uuid> = who
                .roles
                .iter()
                .filter_map(|r| match r {
                    cohesion_core::access::Role::Local { organisation, .. } => Some(*organisation),
                    _ => None,
                })
                .collect();
            match mine.as_slice() {
                [one] => *one,
                _ => return Err(AppError::invalid("organisation", F::Required)),
            }
        }
    };
    let org =
        app.store.organisation(organisation).await?.filter(|o| o.kind == OrganisationKind::LocalAuthority).ok_or_else(
            || {
                AppError::invalid(
                    "organisation",
                    crate::param::ParamFault::NoSuch { what: "local authority", id: organisation.to_string() },
                )
            },
        )?;
    let snapshot = app.current();
    let referential = &snapshot.referential;
    let territory = org.territory.clone().ok_or_else(|| AppError::invalid("organisation", F::NoTerritory))?;
    let (departement, region) =
        route(referential, &territory).ok_or_else(|| AppError::invalid("organisation", F::NoTerritory))?;
    // Authorise: the authority's people, the delegate of its département, an admin.
    if !can_request(who, organisation, Some(&departement)) {
        return Err(AppError::Forbidden(
            "a request is made by the authority's people, or on its behalf by the delegate of its département".into(),
        ));
    }
    let siren = org
        .siren
        .clone()
        .or_else(|| referential.get_ref(&territory).and_then(|t| t.siren.clone()))
        .ok_or_else(|| AppError::invalid("organisation", F::NoSiren))?;

    let mut faults = Vec::new();
    let (project, project_title) = match (input.project.as_deref().map(str::trim), input.project_title.as_deref()) {
        (Some(id), None) if !id.is_empty() => match app.store.project(id).await? {
            Some(p) => (Some(id.to_owned()), p.input.name.clone()),
            None => {
                faults.push(Fault::new("project", F::NoProject(id.to_owned())));
                (None, String::new())
            }
        },
        (None, Some(title)) => (None, text("project_title", title, 300, true, &mut faults)),
        _ => {
            faults.push(Fault::new("project", F::ProjectOrTitle));
            (None, String::new())
        }
    };
    let needs = parse_needs(&input.needs, &mut faults);
    let needs_detail = text("needs_detail", &input.needs_detail, 5_000, false, &mut faults);
    let context = text("context", &input.context, 20_000, false, &mut faults);
    let urgency = match input.urgency.as_deref() {
        None | Some("") => Urgency::Normal,
        Some(u) => Urgency::parse(u).unwrap_or_else(|| {
            faults.push(Fault::new("urgency", F::UnknownUrgency(u.to_owned())));
            Urgency::Normal
        }),
    };
    let desired_start = match input.desired_start.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            let day = cohesion_core::date::iso(d);
            if day.is_none() {
                faults.push(Fault::new("desired_start", F::NotADate(d.to_owned())));
            }
            day
        }
    };
    let external_ids = parse_external_ids(&input.external_ids, &mut faults);
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    let at = now();
    let r = Request {
        id: Uuid::now_v7().to_string(),
        organisation,
        organisation_name: org.name.clone(),
        siren,
        territory,
        departement: departement.clone(),
        project,
        project_title,
        needs,
        needs_detail,
        context,
        urgency,
        desired_start,
        external_ids,
        status: RequestStatus::Submitted,
        qualification: None,
        created_by: who.person,
        created_at: at,
        answered_at: None,
        reminded_at: None,
        revision: 1,
    };
    let case = Case { request: r, mission: None };
    let parties = app.store.engineering_parties(&case).await?;
    let t = told(
        "created",
        format!("Nouvelle demande d'ingénierie de {} : {}", org.name, case.request.project_title),
        recipients(&Audience::Delegates, &parties, Some(who.person)),
    );
    app.store.create_engineering_request(&case.request, &region, who.person, &[t]).await?;
    search::catch_up(app).await;
    Ok(case)
}

pub(crate) fn parse_needs(raw: &[String], faults: &mut Vec<Fault>) -> Vec<Need> {
    let mut needs = Vec::new();
    if raw.is_empty() {
        faults.push(Fault::new("needs", F::NoNeed));
    }
    for (i, n) in raw.iter().enumerate() {
        match Need::parse(n.trim()) {
            None => faults.push(Fault::new(format!("needs[{i}]"), F::UnknownNeed(n.clone()))),
            Some(n) if needs.contains(&n) => faults.push(Fault::new(format!("needs[{i}]"), F::NeedTwice)),
            Some(n) => needs.push(n),
        }
    }
    needs
}

fn parse_external_ids(raw: &[ExternalIdInput], faults: &mut Vec<Fault>) -> Vec<ExternalId> {
    let mut out: Vec<ExternalId> = Vec::new();
    for (i, x) in raw.iter().enumerate() {
        let tool = x.tool.trim().to_owned();
        let id = x.id.trim().to_owned();
        if !is_tool(&tool) {
            faults.push(Fault::new(format!("external_ids[{i}].tool"), F::NotATool(tool.clone())));
        }
        if id.is_empty() || id.chars().count() > 200 {
            faults.push(Fault::new(format!("external_ids[{i}].id"), F::Required));
        }
        let x = ExternalId { tool, id };
        if out.contains(&x) {
            faults.push(Fault::new(format!("external_ids[{i}]"), F::ExternalIdTwice));
        }
        out.push(x);
    }
    out
}

/// The delegate's answer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum QualifyInput {
    /// Accept and open a mission, asking these providers (their ids).
    Accept {
        providers: Vec<String>,
    },
    /// Send elsewhere: `to` is `national_programme`, `other_offer` or `funding_scheme`.
    Redirect {
        to: String,
        target: String,
        reason: String,
    },
    Decline {
        reason: String,
    },
}

/// Accepts (and opens a mission), redirects or declines a request.
pub async fn qualify(
    app: &App,
    who: &Principal,
    id: &str,
    expected: Option<i64>,
    input: QualifyInput,
) -> Result<Case, AppError> {
    let before = case(app, id).await?;
    if !viewer(app, Some(who), &before).await?.can_qualify() {
        return Err(AppError::Forbidden("only the delegate of the request's département qualifies it".into()));
    }
    let mut faults = Vec::new();
    let providers = app.store.engineering_providers().await?;
    let asked: Vec<(String, String)> = match &input {
        QualifyInput::Accept { providers: ids } => {
            if ids.is_empty() {
                faults.push(Fault::new("providers", F::NoProviderOnMission));
            }
            ids.iter()
                .enumerate()
                .filter_map(|(i, pid)| match providers.iter().find(|p| &p.id == pid && p.active) {
                    Some(p) => Some((p.id.clone(), p.name.clone())),
                    None => {
                        faults.push(Fault::new(format!("providers[{i}]"), F::NoProvider(pid.clone())));
                        None
                    }
                })
                .collect()
        }
        QualifyInput::Redirect { to, target, reason } => {
            if Redirection::parse(to).is_none() {
                faults.push(Fault::new("to", F::UnknownRedirection(to.clone())));
            }
            text("target", target, 300, true, &mut faults);
            text("reason", reason, 5_000, false, &mut faults);
            Vec::new()
        }
        QualifyInput::Decline { reason } => {
            text("reason", reason, 5_000, false, &mut faults);
            Vec::new()
        }
    };
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    let parties = app.store.engineering_parties(&before).await?;
    let provider_ids: Vec<String> = asked.iter().map(|(id, _)| id.clone()).collect();
    let provider_people = {
        // The providers' people are known once the mission exists: read them by
        // organisation for the providers asked.
        let mut people = Vec::new();
        for p in providers.iter().filter(|p| provider_ids.contains(&p.id)) {
            if let Some(org) = p.organisation {
                for person in app.store.engineering_provider_people(org).await? {
                    people.push((p.id.clone(), person));
                }
            }
        }
        people
    };
    let me = who.person;
    let after = app
        .store
        .update_engineering_case(id, expected.map(Expect::Request), None, me, |c, _| {
            let at = now();
            let summary = match &input {
                QualifyInput::Accept { .. } => {
                    let mission = Uuid::now_v7().to_string();
                    c.request.accept(&mission, at)?;
                    let asked: Vec<Asked<'_>> = asked.iter().map(|(id, name)| Asked { id, name }).collect();
                    c.mission = Some(cohesion_core::engineering::Mission::open(mission, &c.request, &asked, at)?);
                    "Demande acceptée : une mission est ouverte".to_owned()
                }
                QualifyInput::Redirect { to, target, reason } => {
                    let to = Redirection::parse(to).ok_or_else(|| F::UnknownRedirection(to.clone()))?;
                    c.request.redirect(to, target, reason, at)?;
                    format!("Demande réorientée vers {} ({target}) : {}", to.label().to_lowercase(), reason.trim())
                }
                QualifyInput::Decline { reason } => {
                    c.request.decline(reason, at)?;
                    format!("Demande refusée : {}", reason.trim())
                }
            };
            let mut out = vec![told("qualified", summary, recipients(&Audience::Everyone, &parties, Some(me)))];
            if matches!(c.request.qualification, Some(Qualification::Accepted { .. })) {
                let offered = cohesion_core::engineering::rules::Parties {
                    provider_people: provider_people.clone(),
                    ..Default::default()
                };
                out.push(told(
                    "mission_offered",
                    format!("Mission d'ingénierie proposée : {}", c.request.project_title),
                    recipients(&Audience::Providers(provider_ids.clone()), &offered, Some(me)),
                ));
            }
            Ok(out)
        })
        .await
        .map_err(write_error)?;
    search::catch_up(app).await;
    Ok(after)
}
