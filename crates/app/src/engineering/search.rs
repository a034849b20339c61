//! Search in French across the engineering offer (issue 13, point 9): requests,
//! missions, recommendations and providers, with the analysis of the project and
//! pact searches (`project::catalog::Terms`: case and accents folded, French stems,
//! so "réhabiliter les halles" finds "Réhabilitation de la halle"), every word
//! required.
//!
//! Who finds what is who may read it (`core::engineering::rules::Viewer`): each case
//! keeps its words in tiers, and a word counts only in the tiers the person may
//! read —
//!
//! | tier | words | who |
//! |---|---|---|
//! | public | project title, authority, territory, needs, providers engaged, what was delivered | anyone, once the request is accepted or closed; whoever reads the case |
//! | case | context, needs in the authority's words, milestones, recommendations | whoever reads the case (`can_read`) |
//! | public conversation | its messages | `can_read_thread(Public)` |
//! | internal conversation | its messages | `can_read_thread(Internal)`: never the authority's people |
//!
//! and the providers' directory (name, kind, competences, départements) is public.
//!
//! The index is derived data in memory: every case (request, mission,
//! recommendations, messages) and the providers, read from the store at start, then
//! kept at the store's engineering revision ([`sync`]): every engineering write of
//! any instance bumps it and marks the case it touched, so catching up reads only
//! those cases (and the providers, a few dozen rows). It runs after each write of
//! this instance, before each search and dashboard (one statement when nothing
//! moved), and when PostgreSQL's change feed tells of another instance's write. The
//! dashboards are computed from the same cases ([`Index::dashboard_rows`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use cohesion_core::access::Principal;
use cohesion_core::engineering::dashboard;
use cohesion_core::engineering::rules::{Viewer, is_public};
use cohesion_core::engineering::{Answer, Mission, Provider, Recommendation, Request, SurveyRound, Thread};
use cohesion_core::territory::{Referential, TerritoryKind};
use cohesion_store::engineering::{Case, Filter, Message};
use cohesion_store::{Store, StoreError};
use serde::Serialize;

use crate::project::catalog::Terms;
use crate::{App, AppError, Page};

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Request,
    Mission,
    Recommendation,
    Provider,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "request" => Some(Kind::Request),
            "mission" => Some(Kind::Mission),
            "recommendation" => Some(Kind::Recommendation),
            "provider" => Some(Kind::Provider),
            _ => None,
        }
    }
}

/// One result: what it is, its title, the request it belongs to (for its page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub kind: Kind,
    pub id: String,
    /// The request of a request, mission or recommendation (none for a provider).
    pub request: Option<String>,
    pub title: String,
    /// A request's or mission's status, a recommendation's status, a provider's kind.
    pub status: String,
    /// Whether the person sees the whole file, or only its public view.
    pub whole: bool,
}

struct Entry {
    /// The number of the last write that touched the case.
    seq: i64,
    /// The région of the request's département (the dashboards' filter).
    region: String,
    request: Request,
    mission: Option<Mission>,
    /// Every word of the case, whatever the tier: a case without them all is skipped
    /// before anyone's rights are computed.
    any: HashSet<String>,
    public: HashSet<String>,
    case: HashSet<String>,
    public_thread: HashSet<String>,
    internal_thread: HashSet<String>,
    /// The mission's own words: public (providers, delivered) and case (milestones).
    mission_public: HashSet<String>,
    mission_case: HashSet<String>,
    recommendations: Vec<(Recommendation, HashSet<String>)>,
}

/// The engineering offer's search index.
#[derive(Default)]
pub struct Index {
    /// The store's engineering revision the index holds everything up to (-1 before
    /// the first read).
    revision: i64,
    /// Newest request first.
    order: Vec<String>,
    entries: HashMap<String, Entry>,
    providers: Vec<(Provider, HashSet<String>)>,
}

fn set(terms: &mut Terms, texts: &[&str]) -> HashSet<String> {
    texts.iter().flat_map(|t| terms.of(t)).collect()
}

fn entry(
    terms: &mut Terms,
    referential: &Referential,
    seq: i64,
    c: Case,
    recommendations: Vec<Recommendation>,
    messages: &[&Message],
) -> Entry {
    let r = &c.request;
    let place = referential.get_ref(&r.territory).map(|t| t.name.clone()).unwrap_or_default();
    let needs: Vec<&str> = r.needs.iter().map(|n| n.label()).collect();
    let needs = needs.join(" ");
    let mut public =
        set(terms, &[r.project_title.as_str(), r.organisation_name.as_str(), place.as_str(), needs.as_str()]);
    let mut case = set(terms, &[r.context.as_str(), r.needs_detail.as_str()]);
    let (mut mission_public, mut mission_case) = (HashSet::new(), HashSet::new());
    if let Some(m) = &c.mission {
        let engaged: Vec<&str> = m.engaged().map(|e| e.provider_name.as_str()).collect();
        let delivered = m.closure.as_ref().map(|x| x.delivered.as_str()).unwrap_or("");
        let engaged = engaged.join(" ");
        mission_public = set(terms, &[engaged.as_str(), delivered]);
        let milestones: Vec<&str> = m.milestones.iter().map(|x| x.title.as_str()).collect();
        mission_case = set(terms, &[milestones.join(" ").as_str()]);
    }
    public.extend(mission_public.iter().cloned());
    case.extend(mission_case.iter().cloned());
    let recommendations: Vec<(Recommendation, HashSet<String>)> = recommendations
        .into_iter()
        .map(|x| {
            let words = set(terms, &[x.title.as_str(), x.body.as_str()]);
            (x, words)
        })
        .collect();
    for (_, words) in &recommendations {
        case.extend(words.iter().cloned());
    }
    let thread = |terms: &mut Terms, t: Thread| -> HashSet<String> {
        messages.iter().filter(|m| m.thread == t).flat_map(|m| terms.of(&m.body)).collect()
    };
    let public_thread = thread(terms, Thread::Public);
    let internal_thread = thread(terms, Thread::Internal);
    let any = public.iter().chain(&case).chain(&public_thread).chain(&internal_thread).cloned().collect();
    let region = referential
        .get(TerritoryKind::Departement, &c.request.departement)
        .and_then(|d| d.parents.region.clone())
        .unwrap_or_default();
    Entry {
        seq,
        region,
        request: c.request,
        mission: c.mission,
        any,
        public,
        case,
        public_thread,
        internal_thread,
        mission_public,
        mission_case,
        recommendations,
    }
}

fn provider_words(terms: &mut Terms, p: &Provider) -> HashSet<String> {
    let competences: Vec<&str> = p.competences.iter().map(|n| n.label()).collect();
    let (competences, departements) = (competences.join(" "), p.departements.join(" "));
    set(terms, &[p.name.as_str(), p.kind.label(), competences.as_str(), departements.as_str()])
}

impl Index {
    /// Reads every case, recommendation, message and provider (one query each).
    pub async fn load(store: &Store, referential: &Referential) -> Result<Index, StoreError> {
        let started = std::time::Instant::now();
        let mut index = Index { revision: -1, ..Index::default() };
        let (revision, delta) = Delta::read(store, -1).await?;
        index.apply(referential, revision, delta);
        tracing::info!(
            requests = index.entries.len(),
            revision = index.revision,
            ms = started.elapsed().as_millis() as u64,
            "engineering search index built"
        );
        Ok(index)
    }

    /// The store's engineering revision this index holds.
    pub fn revision(&self) -> i64 {
        self.revision
    }

    /// Puts in what was read at `revision`: each case replaces the one held unless
    /// the one held is newer (two instances' catch-ups can cross).
    fn apply(&mut self, referential: &Referential, revision: i64, delta: Delta) {
        let mut recommendations: HashMap<String, Vec<Recommendation>> = HashMap::new();
        for r in delta.recommendations {
            recommendations.entry(r.mission.clone()).or_default().push(r);
        }
        let mut messages: HashMap<&str, Vec<&Message>> = HashMap::new();
        for m in &delta.messages {
            messages.entry(m.request.as_str()).or_default().push(m);
        }
        let mut terms = Terms::new();
        let mut added = false;
        for (seq, c) in delta.cases {
            let id = c.request.id.clone();
            if self.entries.get(&id).is_some_and(|held| held.seq > seq) {
                continue;
            }
            let recs = c.mission.as_ref().and_then(|m| recommendations.remove(&m.id)).unwrap_or_default();
            let msgs = messages.get(id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            let fresh = entry(&mut terms, referential, seq, c, recs, msgs);
            if self.entries.insert(id.clone(), fresh).is_none() {
                self.order.push(id);
                added = true;
            }
        }
        if added {
            let entries = &self.entries;
            let key = |id: &String| entries.get(id).map(|e| (e.request.created_at, e.request.id.clone()));
            self.order.sort_by_cached_key(|id| std::cmp::Reverse(key(id)));
        }
        self.providers = delta
            .providers
            .into_iter()
            .map(|p| {
                let words = provider_words(&mut terms, &p);
                (p, words)
            })
            .collect();
        self.revision = self.revision.max(revision);
    }

    /// The dashboard rows of the cases matching `filter` (the filter of
    /// `Store::engineering_dashboard`, applied to the cases held), and the
    /// providers.
    pub fn dashboard_rows(&self, filter: &Filter) -> (Vec<dashboard::Row>, Vec<dashboard::ProviderInfo>) {
        let rows = self.entries.values().filter(|e| matches(e, filter)).map(row).collect();
        let providers = self
            .providers
            .iter()
            .map(|(p, _)| dashboard::ProviderInfo { id: p.id.clone(), name: p.name.clone(), capacity: p.capacity })
            .collect();
        (rows, providers)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// One page of the hits of `q` that `who` may see, optionally of one kind, and
    /// how many there are in all: each request (newest first) followed by its
    /// mission and recommendations, then providers. Every case holding the words has
    /// its reader's rights computed (the count is exact), but only the hits of the
    /// page are built.
    pub fn find(&self, who: Option<&Principal>, q: &str, kind: Option<Kind>, offset: usize, limit: usize) -> Page<Hit> {
        let wanted: Vec<String> = {
            let mut w = Terms::new().of(q);
            w.sort();
            w.dedup();
            w
        };
        let mut page = Pager { offset, limit, items: Vec::new(), total: 0 };
        if wanted.is_empty() {
            return page.done();
        }
        let org = |id: &str| self.providers.iter().find(|(p, _)| p.id == id).and_then(|(p, _)| p.organisation);
        let all = |words: &HashSet<String>| wanted.iter().all(|w| words.contains(w));
        for id in &self.order {
            let Some(e) = self.entries.get(id) else { continue };
            if !all(&e.any) {
                continue;
            }
            let v = Viewer::of(who, &e.request, e.mission.as_ref(), org);
            let (read, public) = (v.can_read(), is_public(&e.request));
            if !read && !public {
                continue;
            }
            let (talk, internal) = (v.can_read_thread(Thread::Public), v.can_read_thread(Thread::Internal));
            let seen = |w: &String| {
                e.public.contains(w)
                    || (read && e.case.contains(w))
                    || (talk && e.public_thread.contains(w))
                    || (internal && e.internal_thread.contains(w))
            };
            if kind.is_none_or(|k| k == Kind::Request) && wanted.iter().all(seen) {
                page.hit(|| Hit {
                    kind: Kind::Request,
                    id: e.request.id.clone(),
                    request: Some(e.request.id.clone()),
                    title: e.request.project_title.clone(),
                    status: e.request.status.as_str().to_owned(),
                    whole: read,
                });
            }
            if let Some(m) = &e.mission
                && kind.is_none_or(|k| k == Kind::Mission)
                && wanted.iter().all(|w| e.mission_public.contains(w) || (read && e.mission_case.contains(w)))
            {
                page.hit(|| Hit {
                    kind: Kind::Mission,
                    id: m.id.clone(),
                    request: Some(e.request.id.clone()),
                    title: e.request.project_title.clone(),
                    status: m.status.as_str().to_owned(),
                    whole: read,
                });
            }
            if read && kind.is_none_or(|k| k == Kind::Recommendation) {
                for (r, _) in e.recommendations.iter().filter(|(_, words)| all(words)) {
                    page.hit(|| Hit {
                        kind: Kind::Recommendation,
                        id: r.id.clone(),
                        request: Some(e.request.id.clone()),
                        title: r.title.clone(),
                        status: r.status.as_str().to_owned(),
                        whole: true,
                    });
                }
            }
        }
        if kind.is_none_or(|k| k == Kind::Provider) {
            for (p, _) in self.providers.iter().filter(|(p, words)| p.active && all(words)) {
                page.hit(|| Hit {
                    kind: Kind::Provider,
                    id: p.id.clone(),
                    request: None,
                    title: p.name.clone(),
                    status: p.kind.as_str().to_owned(),
                    whole: true,
                });
            }
        }
        page.done()
    }
}

/// Counts every hit, and builds only those of the page.
struct Pager {
    offset: usize,
    limit: usize,
    items: Vec<Hit>,
    total: usize,
}

impl Pager {
    fn hit(&mut self, build: impl FnOnce() -> Hit) {
        if self.total >= self.offset && self.items.len() < self.limit {
            self.items.push(build());
        }
        self.total += 1;
    }

    fn done(self) -> Page<Hit> {
        Page { items: self.items, total: self.total }
    }
}

/// One page of the hits of `q` that `who` may see, at the store's engineering
/// revision (other instances' writes included).
pub async fn search(
    app: &App,
    who: Option<&Principal>,
    q: &str,
    kind: Option<Kind>,
    offset: usize,
    limit: usize,
) -> Result<Page<Hit>, AppError> {
    sync(app).await?;
    Ok(read(app)?.find(who, q, kind, offset, limit))
}

/// What moved in the store since a revision.
struct Delta {
    cases: Vec<(i64, Case)>,
    recommendations: Vec<Recommendation>,
    messages: Vec<Message>,
    providers: Vec<Provider>,
}

impl Delta {
    /// The store's revision, then what writes numbered above `since` touched: every
    /// write up to that revision is in it.
    async fn read(store: &Store, since: i64) -> Result<(i64, Delta), StoreError> {
        let revision = store.engineering_revision().await?;
        let delta = Delta {
            cases: store.engineering_cases_since(since).await?,
            recommendations: store.engineering_recommendations_since(since).await?,
            messages: store.engineering_messages_since(since).await?,
            providers: store.engineering_providers().await?,
        };
        Ok((revision, delta))
    }
}

fn matches(e: &Entry, f: &Filter) -> bool {
    let r = &e.request;
    let engaged = |provider: &String| {
        e.mission
            .as_ref()
            .is_some_and(|m| m.providers.iter().any(|x| &x.provider == provider && x.answer != Answer::Declined))
    };
    f.region.as_ref().is_none_or(|x| &e.region == x)
        && f.departement.as_ref().is_none_or(|x| &r.departement == x)
        && f.status.is_none_or(|x| r.status == x)
        && f.need.is_none_or(|x| r.needs.contains(&x))
        && f.provider.as_ref().is_none_or(engaged)
        && f.organisation.is_none_or(|x| r.organisation == x)
        && f.from.is_none_or(|x| r.created_at >= x)
        && f.to.is_none_or(|x| r.created_at < x)
}

/// A case as the dashboard counts it (the columns `Store::engineering_dashboard`
/// reads, which the store derives from the same documents at each write).
fn row(e: &Entry) -> dashboard::Row {
    let r = &e.request;
    let m = e.mission.as_ref();
    dashboard::Row {
        departement: r.departement.clone(),
        status: r.status,
        needs: r.needs.clone(),
        created_at: r.created_at,
        answered_at: r.answered_at,
        mission: m.map(|m| m.status),
        started_at: m.and_then(|m| m.started_at),
        closed_at: m.and_then(|m| m.closure.as_ref().map(|c| c.closed_at)),
        centidays: m.map_or(0, Mission::centidays),
        cost_cents: m.map_or(0, Mission::cost_cents),
        satisfaction: m
            .and_then(|m| m.satisfaction.iter().find(|s| s.round == SurveyRound::AtClosure).map(|s| s.score)),
        providers: m.map(|m| m.engaged().map(|x| x.provider.clone()).collect()).unwrap_or_default(),
    }
}

/// Brings the index to the store's engineering revision, reading only the cases
/// that writes since touched (one statement when nothing moved). One catch-up at a
/// time per process; the others wait for it and find nothing left to read.
pub async fn sync(app: &App) -> Result<(), AppError> {
    let held = || revision(app);
    if app.store.engineering_revision().await? == held()? {
        return Ok(());
    }
    let _one = app.engineering_sync.lock().await;
    let since = held()?;
    let (revision, delta) = Delta::read(&app.store, since).await?;
    if revision <= since {
        return Ok(());
    }
    let referential = &app.current().referential;
    app.engineering.write().map_err(|_| AppError::Internal("engineering search index poisoned".into()))?.apply(
        referential,
        revision,
        delta,
    );
    Ok(())
}

/// [`sync`] after a write of this instance: a failure is logged, the write stands,
/// and the next search or dashboard catches up.
pub async fn catch_up(app: &App) {
    if let Err(e) = sync(app).await {
        tracing::warn!(error = %e, "engineering search index not updated");
    }
}

/// The store's engineering revision the index holds.
pub fn revision(app: &App) -> Result<i64, AppError> {
    Ok(read(app)?.revision)
}

/// The index, to read.
pub(crate) fn read(app: &App) -> Result<std::sync::RwLockReadGuard<'_, Index>, AppError> {
    app.engineering.read().map_err(|_| AppError::Internal("engineering search index poisoned".into()))
}

/// The index shared by the app's clones.
pub type Shared = Arc<RwLock<Index>>;
