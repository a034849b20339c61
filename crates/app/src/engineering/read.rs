//! What each person sees of a case: the whole of what their place allows (the
//! internal conversation and its documents only to the State, advisors and observers
//! who do not act for the authority), or the public view (needs, status, providers,
//! outcome) of accepted and closed requests. Lists and exports apply the filters in
//! the query (`Store::engineering_cases`); the dashboard applies the same filter to
//! the cases the engineering index holds ([`dashboard`]).

use cohesion_core::access::Principal;
use cohesion_core::engineering::dashboard::{self, Dashboard};
use cohesion_core::engineering::rules::{Viewer, is_public};
use cohesion_core::engineering::{Funding, Mission, Recommendation, Request, Thread};
use cohesion_core::project::Phase;
use cohesion_store::engineering::{Case, Filter};

pub use cohesion_store::engineering::{DocumentMeta, Message};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::{case, viewer};
use crate::{App, AppError};

/// What a person may do on the case (so adapters show only what works).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Abilities {
    pub qualify: bool,
    pub manage: bool,
    pub advise: bool,
    pub track: bool,
    pub rate: bool,
    pub read_internal: bool,
}

/// The whole case as one person may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    #[schema(value_type = Object)]
    pub request: Request,
    #[schema(value_type = Option<Object>)]
    pub mission: Option<Mission>,
    #[schema(value_type = Vec<Object>)]
    pub recommendations: Vec<Recommendation>,
    #[schema(value_type = Vec<Object>)]
    pub public_messages: Vec<Message>,
    /// Absent for whoever may not read the internal conversation.
    #[schema(value_type = Option<Vec<Object>>)]
    pub internal_messages: Option<Vec<Message>>,
    #[schema(value_type = Vec<Object>)]
    pub documents: Vec<DocumentMeta>,
    pub can: Abilities,
}

/// What anyone sees of an accepted or closed request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicView {
    pub id: String,
    pub organisation_name: String,
    /// `kind:code`.
    pub territory: String,
    pub departement: String,
    pub project_title: String,
    pub needs: Vec<String>,
    pub status: String,
    pub providers: Vec<String>,
    pub delivered: Option<String>,
    #[schema(value_type = Option<String>)]
    pub phase_before: Option<Phase>,
    #[schema(value_type = Option<String>)]
    pub phase_after: Option<Phase>,
    #[schema(value_type = Vec<Object>)]
    pub fundings: Vec<Funding>,
    pub centidays: i64,
    pub cost_cents: i64,
}

pub fn public_view(c: &Case) -> PublicView {
    let closure = c.mission.as_ref().and_then(|m| m.closure.as_ref());
    PublicView {
        id: c.request.id.clone(),
        organisation_name: c.request.organisation_name.clone(),
        territory: c.request.territory.to_string(),
        departement: c.request.departement.clone(),
        project_title: c.request.project_title.clone(),
        needs: c.request.needs.iter().map(|n| n.as_str().to_owned()).collect(),
        status: c.request.status.as_str().to_owned(),
        providers: c.mission.iter().flat_map(|m| m.engaged().map(|e| e.provider_name.clone())).collect(),
        delivered: closure.map(|x| x.delivered.clone()),
        phase_before: closure.and_then(|x| x.phase_before),
        phase_after: closure.and_then(|x| x.phase_after),
        fundings: closure.map(|x| x.fundings.clone()).unwrap_or_default(),
        centidays: c.mission.as_ref().map_or(0, Mission::centidays),
        cost_cents: c.mission.as_ref().map_or(0, Mission::cost_cents),
    }
}

/// One case in a list: whole for whoever may read it, its public view otherwise.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum Listed {
    Full {
        #[schema(value_type = Object)]
        request: Box<Request>,
        #[schema(value_type = Option<Object>)]
        mission: Option<Box<Mission>>,
    },
    Public(Box<PublicView>),
}

pub enum Seen {
    Full(Box<CaseView>),
    Public(Box<PublicView>),
}

/// One case as `who` may see it; not found if they may see nothing of it.
pub async fn get(app: &App, who: Option<&Principal>, id: &str) -> Result<Seen, AppError> {
    let c = case(app, id).await?;
    let v = viewer(app, who, &c).await?;
    if !v.can_read() {
        return if is_public(&c.request) {
            Ok(Seen::Public(Box::new(public_view(&c))))
        } else {
            Err(AppError::NotFound(format!("no engineering request {id}")))
        };
    }
    Ok(Seen::Full(Box::new(full(app, &v, c).await?)))
}

async fn full(app: &App, v: &Viewer, c: Case) -> Result<CaseView, AppError> {
    let recommendations = match &c.mission {
        Some(m) => app.store.engineering_recommendations(&m.id).await?,
        None => Vec::new(),
    };
    let public_messages = if v.can_read_thread(Thread::Public) {
        app.store.engineering_messages(&c.request.id, Thread::Public).await?
    } else {
        Vec::new()
    };
    let internal_messages = if v.can_read_thread(Thread::Internal) {
        Some(app.store.engineering_messages(&c.request.id, Thread::Internal).await?)
    } else {
        None
    };
    let documents = app
        .store
        .engineering_documents(&c.request.id)
        .await?
        .into_iter()
        .filter(|d| v.can_read_thread(d.thread))
        .collect();
    Ok(CaseView {
        request: c.request,
        mission: c.mission,
        recommendations,
        public_messages,
        internal_messages,
        documents,
        can: Abilities {
            qualify: v.can_qualify(),
            manage: v.can_manage(),
            advise: v.can_advise(),
            track: v.can_track(),
            rate: v.can_rate(),
            read_internal: v.can_read_thread(Thread::Internal),
        },
    })
}

/// The cases matching `filter` that `who` may see (whole or public), newest first;
/// the count is of that same list.
pub async fn list(app: &App, who: Option<&Principal>, filter: &Filter) -> Result<Vec<Listed>, AppError> {
    let providers = app.store.engineering_providers().await?;
    let org = |id: &str| providers.iter().find(|p| p.id == id).and_then(|p| p.organisation);
    let mut out = Vec::new();
    for c in app.store.engineering_cases(filter).await? {
        let v = Viewer::of(who, &c.request, c.mission.as_ref(), org);
        if v.can_read() {
            out.push(Listed::Full { request: Box::new(c.request), mission: c.mission.map(Box::new) });
        } else if is_public(&c.request) {
            out.push(Listed::Public(Box::new(public_view(&c))));
        }
    }
    Ok(out)
}

/// The dashboard of `filter` (public aggregates: counts, delays, loads, days, cost,
/// satisfaction; no names of people, no text of requests). `year` adds the budgets.
///
/// Computed from the cases the engineering index holds, first brought to the
/// store's engineering revision (`search::sync`: one statement when nothing moved,
/// only the cases touched since otherwise, whichever instance wrote them), with the
/// filter applied to every case; then kept in memory per filter until the revision
/// moves. The page, the CSV export and the API all call this one function, and the
/// tests check it against the same figures computed in SQL
/// (`Store::engineering_dashboard`) on both backends.
pub async fn dashboard(app: &App, filter: &Filter, year: Option<i32>) -> Result<Dashboard, AppError> {
    super::search::sync(app).await?;
    let key = Key::of(filter, year);
    let (revision, rows, providers) = {
        let index = super::search::read(app)?;
        if let Some(d) = app.dashboards.get(index.revision(), &key) {
            return Ok((*d).clone());
        }
        let (rows, providers) = index.dashboard_rows(filter);
        (index.revision(), rows, providers)
    };
    let budget = match year {
        None => None,
        Some(y) => {
            let deps: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.departement.as_str()).collect();
            let all = app.store.engineering_budgets(Some(y)).await?;
            let selected = all.iter().filter(|b| match (&filter.departement, &filter.region) {
                (Some(d), _) => &b.departement == d,
                (None, Some(_)) => deps.contains(b.departement.as_str()),
                (None, None) => true,
            });
            Some(selected.map(|b| b.amount_cents).sum())
        }
    };
    let d = dashboard::aggregate(&rows, &providers, budget);
    app.dashboards.put(revision, key, Arc::new(d.clone()));
    Ok(d)
}

/// A filter and year, as the dashboards are kept by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    region: Option<String>,
    departement: Option<String>,
    status: Option<&'static str>,
    need: Option<&'static str>,
    provider: Option<String>,
    organisation: Option<uuid::Uuid>,
    from: Option<time::OffsetDateTime>,
    to: Option<time::OffsetDateTime>,
    year: Option<i32>,
}

impl Key {
    fn of(f: &Filter, year: Option<i32>) -> Key {
        Key {
            region: f.region.clone(),
            departement: f.departement.clone(),
            status: f.status.map(|s| s.as_str()),
            need: f.need.map(|n| n.as_str()),
            provider: f.provider.clone(),
            organisation: f.organisation,
            from: f.from,
            to: f.to,
            year,
        }
    }
}

/// The dashboards computed at one engineering revision (at most
/// [`Dashboards::KEPT`] filters; all dropped when the revision moves).
#[derive(Default)]
pub struct Dashboards {
    kept: Mutex<(i64, HashMap<Key, Arc<Dashboard>>)>,
}

impl Dashboards {
    const KEPT: usize = 1024;

    fn get(&self, revision: i64, key: &Key) -> Option<Arc<Dashboard>> {
        let kept = self.kept.lock().ok()?;
        if kept.0 != revision {
            return None;
        }
        kept.1.get(key).cloned()
    }

    fn put(&self, revision: i64, key: Key, d: Arc<Dashboard>) {
        let Ok(mut kept) = self.kept.lock() else { return };
        if kept.0 != revision || kept.1.len() >= Self::KEPT {
            kept.1.clear();
            kept.0 = revision;
        }
        kept.1.insert(key, d);
    }
}

/// The rows of the export of requests: the public columns of every case `who` may
/// see (whole or public), the same for CSV and JSON.
pub fn exported(rows: &[Listed]) -> Vec<PublicView> {
    rows.iter()
        .map(|r| match r {
            Listed::Full { request, mission } => {
                public_view(&Case { request: (**request).clone(), mission: mission.as_ref().map(|m| (**m).clone()) })
            }
            Listed::Public(p) => (**p).clone(),
        })
        .collect()
}

/// One mission as the exports show it: the figures the dashboard adds up (status,
/// providers engaged, dates, days, cost, milestones, fundings obtained), no names of
/// people, no text of the request or of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MissionRow {
    pub id: String,
    pub request: String,
    pub organisation_name: String,
    /// `kind:code`.
    pub territory: String,
    pub departement: String,
    pub project_title: String,
    /// `proposed`, `in_progress`, `closed`.
    pub status: String,
    /// The providers that accepted.
    pub providers: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub opened_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub started_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub closed_at: Option<time::OffsetDateTime>,
    pub milestones: usize,
    pub milestones_done: usize,
    /// Days spent, in hundredths of a day.
    pub centidays: i64,
    pub cost_cents: i64,
    /// Fundings obtained at closure, in cents.
    pub fundings_cents: i64,
}

/// The missions of the cases matching `filter` that `who` may see (whole, or the
/// public view of accepted and closed requests), newest request first: the same query
/// and the same filter as the list and the dashboard.
pub async fn missions(app: &App, who: Option<&Principal>, filter: &Filter) -> Result<Vec<MissionRow>, AppError> {
    let providers = app.store.engineering_providers().await?;
    let org = |id: &str| providers.iter().find(|p| p.id == id).and_then(|p| p.organisation);
    let mut out = Vec::new();
    for c in app.store.engineering_cases(filter).await? {
        let Some(m) = c.mission.as_ref() else { continue };
        if !(Viewer::of(who, &c.request, Some(m), org).can_read() || is_public(&c.request)) {
            continue;
        }
        let closure = m.closure.as_ref();
        out.push(MissionRow {
            id: m.id.clone(),
            request: c.request.id.clone(),
            organisation_name: c.request.organisation_name.clone(),
            territory: m.territory.to_string(),
            departement: m.departement.clone(),
            project_title: c.request.project_title.clone(),
            status: m.status.as_str().to_owned(),
            providers: m.engaged().map(|e| e.provider_name.clone()).collect(),
            opened_at: m.opened_at,
            started_at: m.started_at,
            closed_at: closure.map(|x| x.closed_at),
            milestones: m.milestones.len(),
            milestones_done: m.milestones.iter().filter(|x| x.done_at.is_some()).count(),
            centidays: m.centidays(),
            cost_cents: m.cost_cents(),
            fundings_cents: closure.map_or(0, |x| x.fundings.iter().map(|f| f.amount_cents).sum()),
        });
    }
    Ok(out)
}

/// The missions as CSV, the columns of [`MissionRow`].
pub fn missions_csv(rows: &[MissionRow]) -> cohesion_core::export::CsvWriter {
    let mut out = cohesion_core::export::CsvWriter::with_header(&[
        "id",
        "request",
        "organisation",
        "territory",
        "departement",
        "project_title",
        "status",
        "providers",
        "opened_at",
        "started_at",
        "closed_at",
        "milestones",
        "milestones_done",
        "centidays",
        "cost_cents",
        "fundings_cents",
    ]);
    let at = |t: Option<time::OffsetDateTime>| {
        t.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()).unwrap_or_default()
    };
    for m in rows {
        out.row([
            m.id.as_str(),
            &m.request,
            &m.organisation_name,
            &m.territory,
            &m.departement,
            &m.project_title,
            &m.status,
            &m.providers.join(" ; "),
            &at(Some(m.opened_at)),
            &at(m.started_at),
            &at(m.closed_at),
            &m.milestones.to_string(),
            &m.milestones_done.to_string(),
            &m.centidays.to_string(),
            &m.cost_cents.to_string(),
            &m.fundings_cents.to_string(),
        ]);
    }
    out
}

/// The platform's projects the cases matching `filter` that `who` may see are
/// about (whole or public view: a request's project is public once accepted), each
/// once, newest request first.
pub async fn projects(
    app: &App,
    who: Option<&Principal>,
    filter: &Filter,
) -> Result<Vec<std::sync::Arc<cohesion_core::project::Project>>, AppError> {
    let providers = app.store.engineering_providers().await?;
    let org = |id: &str| providers.iter().find(|p| p.id == id).and_then(|p| p.organisation);
    let catalog = app.projects.load();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for c in app.store.engineering_cases(filter).await? {
        let Some(id) = c.request.project.as_deref() else { continue };
        if !(Viewer::of(who, &c.request, c.mission.as_ref(), org).can_read() || is_public(&c.request)) {
            continue;
        }
        if seen.insert(id.to_owned())
            && let Some(p) = catalog.get(id)
        {
            out.push(p);
        }
    }
    Ok(out)
}

/// The export of the cases `who` may see, as CSV: one line per request, public
/// columns for all, the same for both formats.
pub fn csv(rows: &[Listed]) -> cohesion_core::export::CsvWriter {
    let mut out = cohesion_core::export::CsvWriter::with_header(&[
        "id",
        "organisation",
        "territory",
        "departement",
        "project_title",
        "needs",
        "status",
        "providers",
        "delivered",
        "centidays",
        "cost_cents",
    ]);
    for p in exported(rows) {
        out.row([
            p.id.as_str(),
            &p.organisation_name,
            &p.territory,
            &p.departement,
            &p.project_title,
            &p.needs.join(" "),
            &p.status,
            &p.providers.join(" ; "),
            p.delivered.as_deref().unwrap_or(""),
            &p.centidays.to_string(),
            &p.cost_cents.to_string(),
        ]);
    }
    out
}

/// The case of a mission (by the mission's id), as `who` may see it.
pub async fn mission(app: &App, who: Option<&Principal>, mission: &str) -> Result<Seen, AppError> {
    let request = app
        .store
        .engineering_mission_request(mission)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no mission {mission}")))?;
    get(app, who, &request).await
}

/// The engineering section of a territory (its overview and its page): the public
/// views of the accepted and closed requests in the territory or a territory inside
/// it, newest first, and their totals. Never the internal conversation, never a
/// request still waiting or refused.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct TerritoryEngineering {
    /// The 10 newest.
    pub items: Vec<PublicView>,
    /// How many in all.
    pub total: usize,
    /// Of which closed.
    pub closed: usize,
    /// Days of engineering spent on them, in hundredths of a day.
    pub centidays: i64,
    pub cost_cents: i64,
}

pub async fn territory_section(
    app: &App,
    t: &cohesion_core::territory::TerritoryRef,
) -> Result<TerritoryEngineering, AppError> {
    use cohesion_core::territory::TerritoryKind;
    let s = app.current();
    let r = &s.referential;
    let Some(idx) = r.index_of(t.kind, &t.code) else { return Ok(TerritoryEngineering::default()) };
    // Narrow in the query where the territory says where to look.
    let mut filter = Filter::default();
    match t.kind {
        TerritoryKind::Region => filter.region = Some(t.code.clone()),
        TerritoryKind::Departement => filter.departement = Some(t.code.clone()),
        TerritoryKind::Epci => {
            if let [one] = r.at(idx).departements.as_slice() {
                filter.departement = Some(one.clone());
            }
        }
        TerritoryKind::Commune | TerritoryKind::ArrondissementMunicipal => {
            filter.departement = super::route(r, t).map(|(d, _)| d);
        }
    }
    let target = r.at(idx);
    // In or under the territory: the request's own territory or one of its ancestors
    // (a few look-ups per case, rather than the set of everything the territory holds
    // built on every territory page).
    let inside = |kind, code: &str| {
        r.get(kind, code)
            .is_some_and(|c| std::ptr::eq(c, target) || r.ancestors(c).iter().any(|a| std::ptr::eq(*a, target)))
    };
    let mut out = TerritoryEngineering::default();
    for c in app.store.engineering_cases(&filter).await? {
        let here = inside(c.request.territory.kind, &c.request.territory.code);
        if !here || !is_public(&c.request) {
            continue;
        }
        let v = public_view(&c);
        out.total += 1;
        out.closed += usize::from(c.request.status == cohesion_core::engineering::RequestStatus::Closed);
        out.centidays += v.centidays;
        out.cost_cents += v.cost_cents;
        if out.items.len() < 10 {
            out.items.push(v);
        }
    }
    Ok(out)
}
