//! Each person's space: for each role they hold, what waits for them now, oldest
//! first, each item with its address. Every list is a COUNT and one page of an indexed
//! query (`store::space`), or, for pacts, a filter over the in-memory pact index
//! followed by the few pact documents of the person's scope.
//!
//! A person sees only what their roles cover: each list is asked for one of the
//! roles they hold (`list` refuses another), and each query is bound to that role's
//! scope (its département, programme or organisation). A person with several roles
//! gets one page, grouped by role, where an item already listed under an earlier role
//! is not listed again.

pub mod notification;
pub mod preference;

use std::collections::HashSet;

use cohesion_core::access::{Principal, Role};
use cohesion_core::notice::Subject;
use cohesion_core::pact::{Pact, PactStatus, VersionStatus};
use cohesion_core::territory::{TerritoryKind, TerritoryRef};
use cohesion_store::space::{Waiting, WaitingPage};
use time::{Duration, OffsetDateTime};

use crate::pact::Acting;
use crate::{App, AppError};

/// A mission or an action plan item unchanged for this long is "without activity".
pub const IDLE_DAYS: i64 = 30;
/// Members are listed when their programme ends within this many days (six months).
pub const ENDING_DAYS: i64 = 183;

/// What a list holds, hence why its items wait for the person (the pages say it in
/// French).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Anyone, whatever their roles (none included): missions they are invited onto
    /// and have not joined; listed before the roles' groups ([`Space::invitations`]).
    MissionInvitations,
    /// Delegate, local authority: pacts ready for signature that a party they act
    /// for has not signed.
    PactsToSign,
    /// Delegate, local authority: open proposals on the pacts they pilot.
    ProposalsToDecide,
    /// Delegate: engineering requests of the département waiting for an answer.
    RequestsToQualify,
    /// Delegate: open missions of the département unchanged for [`IDLE_DAYS`].
    IdleMissions,
    /// Programme manager: current members of a programme ending within [`ENDING_DAYS`].
    MembersEnding,
    /// Programme manager: action plan items planned or under way, unchanged for
    /// [`IDLE_DAYS`].
    StaleActions,
    /// Local authority: its territory's page.
    Territory,
    /// Local authority: its engineering requests still open.
    OwnRequests,
    /// Partner: missions offered to it and those it carries out.
    PartnerMissions,
    /// Admin: invitations never accepted.
    PendingInvitations,
    /// Admin: active people without any role.
    PeopleWithoutRole,
    /// Admin: evaluations that failed.
    FailedEvaluations,
    /// Programme manager: member lists previewed on the pages and not applied.
    ImportsNotApplied,
    /// Admin: people whose last digest the mail relay refused.
    FailedDigests,
}

const SECTIONS: [(Section, &str); 15] = [
    (Section::MissionInvitations, "mission_invitations"),
    (Section::PactsToSign, "pacts_to_sign"),
    (Section::ProposalsToDecide, "proposals_to_decide"),
    (Section::RequestsToQualify, "requests_to_qualify"),
    (Section::IdleMissions, "idle_missions"),
    (Section::MembersEnding, "members_ending"),
    (Section::StaleActions, "stale_actions"),
    (Section::Territory, "territory"),
    (Section::OwnRequests, "own_requests"),
    (Section::PartnerMissions, "partner_missions"),
    (Section::PendingInvitations, "pending_invitations"),
    (Section::PeopleWithoutRole, "people_without_role"),
    (Section::FailedEvaluations, "failed_evaluations"),
    (Section::ImportsNotApplied, "imports_not_applied"),
    (Section::FailedDigests, "failed_digests"),
];

impl Section {
    pub fn as_str(self) -> &'static str {
        SECTIONS.iter().find(|(s, _)| *s == self).map_or("", |(_, n)| n)
    }

    pub fn parse(s: &str) -> Option<Section> {
        SECTIONS.iter().find(|(_, n)| *n == s).map(|(x, _)| *x)
    }

    /// The lists of a role, in the order the page shows them.
    pub fn of(role: &Role) -> &'static [Section] {
        match role {
            Role::Delegate { .. } => {
                &[Section::PactsToSign, Section::ProposalsToDecide, Section::RequestsToQualify, Section::IdleMissions]
            }
            Role::ProgrammeManager { .. } => {
                &[Section::ImportsNotApplied, Section::MembersEnding, Section::StaleActions]
            }
            Role::Local { .. } => {
                &[Section::Territory, Section::PactsToSign, Section::ProposalsToDecide, Section::OwnRequests]
            }
            Role::Partner { .. } => &[Section::PartnerMissions],
            Role::Admin => &[
                Section::PendingInvitations,
                Section::PeopleWithoutRole,
                Section::FailedEvaluations,
                Section::FailedDigests,
            ],
        }
    }
}

/// One item: what it is, where to handle it, since when it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What the item is (`pact:…`, `request:…`, `person:…`): the same file under two
    /// roles has the same key, and is listed once.
    pub key: String,
    pub title: String,
    pub href: String,
    pub since: OffsetDateTime,
    /// A status code, a territory, a convention (the list says which).
    pub detail: String,
}

/// One list of one role: a page of items and how many there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub section: Section,
    pub total: u64,
    pub items: Vec<Item>,
}

/// The lists of one role the person holds.
#[derive(Debug, Clone)]
pub struct Group {
    pub role: Role,
    pub lists: Vec<List>,
}

/// The whole space: the missions the person is invited onto, then a group per
/// role, nothing listed twice.
#[derive(Debug, Clone)]
pub struct Space {
    /// Whatever the roles (a person invited as an observer may hold none).
    pub invitations: List,
    pub groups: Vec<Group>,
}

impl Space {
    /// Items listed, over every group.
    pub fn total(&self) -> u64 {
        self.invitations.total + self.groups.iter().flat_map(|g| &g.lists).map(|l| l.total).sum::<u64>()
    }
}

/// The most invitations the space shows (a person is rarely invited onto more
/// missions at once; the count says if there are more).
pub const INVITATIONS_SHOWN: usize = 50;

/// The first `per_list` items of every list of every role `who` holds.
pub async fn overview(app: &App, who: &Principal, per_list: usize) -> Result<Space, AppError> {
    let page = app.store.space_mission_invitations(who.person, 0, INVITATIONS_SHOWN).await?;
    let invitations = paged(Section::MissionInvitations, "request", page, request_href);
    let mut seen: HashSet<String> = invitations.items.iter().map(|i| i.key.clone()).collect();
    let mut groups = Vec::new();
    for role in &who.roles {
        let mut lists = Vec::new();
        for section in Section::of(role) {
            let mut list = read(app, who, role, *section, 0, per_list).await?;
            let before = list.items.len();
            list.items.retain(|i| seen.insert(i.key.clone()));
            let dropped = u64::try_from(before - list.items.len()).unwrap_or(0);
            list.total = list.total.saturating_sub(dropped);
            lists.push(list);
        }
        groups.push(Group { role: role.clone(), lists });
    }
    Ok(Space { invitations, groups })
}

/// One page of one list of one role `who` holds; any other role is refused.
pub async fn list(
    app: &App,
    who: &Principal,
    role: &Role,
    section: Section,
    offset: usize,
    limit: usize,
) -> Result<List, AppError> {
    if !who.roles.contains(role) || !Section::of(role).contains(&section) {
        return Err(AppError::Forbidden("this list belongs to a role you do not hold".into()));
    }
    read(app, who, role, section, offset, limit).await
}

fn item(kind: &str, w: Waiting, href: String) -> Item {
    Item { key: format!("{kind}:{}", w.id), title: w.title, href, since: w.since, detail: w.detail }
}

fn paged(section: Section, kind: &str, page: WaitingPage, href: impl Fn(&Waiting) -> String) -> List {
    let items = page.rows.into_iter().map(|w| {
        let h = href(&w);
        item(kind, w, h)
    });
    List { section, total: page.total, items: items.collect() }
}

fn request_href(w: &Waiting) -> String {
    Subject::Engineering.path(&w.id)
}

async fn read(
    app: &App,
    who: &Principal,
    role: &Role,
    section: Section,
    offset: usize,
    limit: usize,
) -> Result<List, AppError> {
    let store = &app.store;
    let idle = OffsetDateTime::now_utc() - Duration::days(IDLE_DAYS);
    Ok(match (role, section) {
        (Role::Delegate { departement }, Section::RequestsToQualify) => {
            paged(section, "request", store.space_requests_to_qualify(departement, offset, limit).await?, request_href)
        }
        (Role::Delegate { departement }, Section::IdleMissions) => {
            paged(section, "request", store.space_idle_missions(departement, idle, offset, limit).await?, request_href)
        }
        (Role::Delegate { .. } | Role::Local { .. }, Section::PactsToSign | Section::ProposalsToDecide) => {
            let all = pact_items(app, who, role, section).await?;
            let total = u64::try_from(all.len()).unwrap_or(u64::MAX);
            List { section, total, items: all.into_iter().skip(offset).take(limit).collect() }
        }
        (Role::Local { territory, .. }, Section::Territory) => {
            let snapshot = app.current();
            let items = match snapshot.referential.get_ref(territory) {
                Some(t) if offset == 0 && limit > 0 => vec![Item {
                    key: format!("territory:{territory}"),
                    title: t.name.clone(),
                    href: format!("/territoires/{}/{}", territory.kind.as_str(), territory.code),
                    since: OffsetDateTime::UNIX_EPOCH,
                    detail: territory.to_string(),
                }],
                _ => Vec::new(),
            };
            let total = u64::from(snapshot.referential.get_ref(territory).is_some());
            List { section, total, items }
        }
        (Role::Local { organisation, .. }, Section::OwnRequests) => paged(
            section,
            "request",
            store.space_organisation_requests(*organisation, offset, limit).await?,
            request_href,
        ),
        (Role::Partner { organisation }, Section::PartnerMissions) => {
            paged(section, "request", store.space_partner_missions(*organisation, offset, limit).await?, request_href)
        }
        (Role::ProgrammeManager { programme }, Section::StaleActions) => {
            let page = store.space_stale_actions(programme, idle, offset, limit).await?;
            paged(section, "action", page, |w| format!("/programmes/{programme}/actions/{}", w.id))
        }
        (Role::ProgrammeManager { programme }, Section::ImportsNotApplied) => {
            let page = store.space_open_previews(programme, offset, limit).await?;
            paged(section, "preview", page, |w| format!("/programmes/{programme}/import/apercus/{}", w.id))
        }
        (Role::ProgrammeManager { programme }, Section::MembersEnding) => {
            if ends_soon(app, programme).is_some() {
                let mut page = store.space_open_members(programme, offset, limit).await?;
                let snapshot = app.current();
                for w in &mut page.rows {
                    // A member is a territory; a group's members show the group's name.
                    if w.title.is_empty()
                        && let Ok(t) = w.id.parse::<TerritoryRef>()
                        && let Some(found) = snapshot.referential.get_ref(&t)
                    {
                        w.title = found.name.clone();
                    }
                }
                paged(section, "member", page, |w| match w.id.parse::<TerritoryRef>() {
                    Ok(t) => format!("/territoires/{}/{}", t.kind.as_str(), t.code),
                    Err(_) => format!("/programmes/{programme}"),
                })
            } else {
                List { section, total: 0, items: Vec::new() }
            }
        }
        (Role::Admin, Section::PendingInvitations) => {
            paged(section, "person", store.space_pending_invitations(offset, limit).await?, |_| {
                "/administration/personnes".into()
            })
        }
        (Role::Admin, Section::PeopleWithoutRole) => {
            paged(section, "person", store.space_people_without_role(offset, limit).await?, |_| {
                "/administration/personnes".into()
            })
        }
        (Role::Admin, Section::FailedEvaluations) => {
            paged(section, "evaluation", store.space_failed_evaluations(offset, limit).await?, |w| {
                format!("/evaluations/{}", w.id)
            })
        }
        (Role::Admin, Section::FailedDigests) => {
            paged(section, "digest", store.space_failed_digests(offset, limit).await?, |_| {
                "/administration/personnes".into()
            })
        }
        _ => List { section, total: 0, items: Vec::new() },
    })
}

/// A role as a mail names it, to say why the person receives it: "délégué territorial
/// de l’État dans le département 42", "représentant de la collectivité …".
pub async fn role_reason(app: &App, role: &Role) -> Result<String, cohesion_store::StoreError> {
    let org = |id| async move { app.store.organisation(id).await.map(|o| o.map(|o| o.name).unwrap_or_default()) };
    Ok(match role {
        Role::Admin => "administrateur de la plateforme".to_owned(),
        Role::ProgrammeManager { programme } => {
            let snapshot = app.current();
            let name = snapshot.programmes.programme(programme).map_or_else(|| programme.clone(), |p| p.name.clone());
            format!("responsable du programme « {name} »")
        }
        Role::Delegate { departement } => format!("délégué territorial de l’État dans le département {departement}"),
        Role::Local { organisation, .. } => format!("représentant de la collectivité {}", org(*organisation).await?),
        Role::Partner { organisation } => format!("partenaire pour {}", org(*organisation).await?),
    })
}

/// The end date of a programme, when within [`ENDING_DAYS`] from today.
pub fn ends_soon(app: &App, programme: &str) -> Option<String> {
    let snapshot = app.current();
    let ended = snapshot.programmes.programme(programme)?.ended_on.clone()?;
    let date = cohesion_core::date::iso(&ended)?;
    let today = OffsetDateTime::now_utc().date();
    (date >= today && date <= today + Duration::days(ENDING_DAYS)).then_some(ended)
}

/// The pacts of the role's scope waiting for a signature of a party it acts for, or
/// with proposals for it to decide, oldest first.
async fn pact_items(app: &App, who: &Principal, role: &Role, section: Section) -> Result<Vec<Item>, AppError> {
    let scope = match role {
        Role::Delegate { departement } => TerritoryRef { kind: TerritoryKind::Departement, code: departement.clone() },
        Role::Local { territory, .. } => territory.clone(),
        _ => return Ok(Vec::new()),
    };
    let wanted = match section {
        Section::PactsToSign => PactStatus::ReadyForSignature,
        _ => PactStatus::CoConstruction,
    };
    // The index holds every pact whole: no statement per candidate.
    let index = app.pacts.load_full();
    let candidates: Vec<&Pact> = index
        .pacts
        .iter()
        .filter(|p| p.row.status == wanted.as_str() && p.places.contains(&scope))
        .map(|p| &p.pact)
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let acting = Acting::of(app, Principal { person: who.person, roles: vec![role.clone()] }).await?;
    let mut items = Vec::new();
    let mut owned = Vec::new();
    for pact in candidates {
        let current = pact.current();
        match section {
            Section::PactsToSign => {
                if current.status != VersionStatus::ReadyForSignature {
                    continue;
                }
                let mine = acting.parties(app, &current.content);
                let unsigned: Vec<String> =
                    mine.into_iter().filter(|k| !current.signatures.iter().any(|s| &s.party == k)).collect();
                if unsigned.is_empty() {
                    continue;
                }
                let since =
                    time::OffsetDateTime::parse(&pact.updated_at, &time::format_description::well_known::Rfc3339)
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                items.push(Item {
                    key: format!("pact:{}", pact.id),
                    title: current.content.title.clone(),
                    href: format!("/pactes/{}", pact.id),
                    since,
                    detail: unsigned.join(" "),
                });
            }
            _ => {
                if acting.is_owner(app, &current.content) {
                    owned.push(pact.id.clone());
                }
            }
        }
    }
    if section == Section::ProposalsToDecide {
        for w in app.store.space_open_proposals(&owned).await? {
            let href = format!("/pactes/{}#propositions", w.detail);
            items.push(item("proposal", w, href));
        }
    }
    items.sort_by(|a, b| (a.since, &a.href).cmp(&(b.since, &b.href)));
    Ok(items)
}
