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
//! The index is derived data in memory: built from the store at start (one query per
//! table), and each case is re-read after every write of this instance
//! ([`touch`]), the providers after theirs. Another instance's writes are seen at the
//! next start (the engineering tables have no revision in the change feed yet).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use cohesion_core::access::Principal;
use cohesion_core::engineering::rules::{Viewer, is_public};
use cohesion_core::engineering::{Mission, Provider, Recommendation, Request, Thread};
use cohesion_core::territory::Referential;
use cohesion_store::engineering::{Case, Message};
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
    Entry {
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
        let cases = store.engineering_cases(&cohesion_store::engineering::Filter::default()).await?;
        let mut recommendations: HashMap<String, Vec<Recommendation>> = HashMap::new();
        for r in store.engineering_all_recommendations().await? {
            recommendations.entry(r.mission.clone()).or_default().push(r);
        }
        let all_messages = store.engineering_all_messages().await?;
        let mut messages: HashMap<&str, Vec<&Message>> = HashMap::new();
        for m in &all_messages {
            messages.entry(m.request.as_str()).or_default().push(m);
        }
        let mut terms = Terms::new();
        let mut index = Index::default();
        for c in cases {
            let id = c.request.id.clone();
            let recs = c.mission.as_ref().and_then(|m| recommendations.remove(&m.id)).unwrap_or_default();
            let msgs = messages.get(id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            index.entries.insert(id.clone(), entry(&mut terms, referential, c, recs, msgs));
            index.order.push(id);
        }
        for p in store.engineering_providers().await? {
            let words = provider_words(&mut terms, &p);
            index.providers.push((p, words));
        }
        tracing::info!(
            requests = index.entries.len(),
            ms = started.elapsed().as_millis() as u64,
            "engineering search index built"
        );
        Ok(index)
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

/// One page of the hits of `q` that `who` may see.
pub fn search(
    app: &App,
    who: Option<&Principal>,
    q: &str,
    kind: Option<Kind>,
    offset: usize,
    limit: usize,
) -> Result<Page<Hit>, AppError> {
    let index = app.engineering.read().map_err(|_| AppError::Internal("engineering search index poisoned".into()))?;
    Ok(index.find(who, q, kind, offset, limit))
}

/// Re-reads one case (its request, mission, recommendations and messages) into the
/// index, after a write of this instance. A failure is logged: the write stands,
/// and the case is found as it was until its next write or the next start.
pub async fn touch(app: &App, request: &str) {
    if let Err(e) = reread(app, request).await {
        tracing::warn!(error = %e, request, "engineering search index not updated");
    }
}

async fn reread(app: &App, request: &str) -> Result<(), AppError> {
    let Some(c) = app.store.engineering_case(request).await? else { return Ok(()) };
    let recommendations = match &c.mission {
        Some(m) => app.store.engineering_recommendations(&m.id).await?,
        None => Vec::new(),
    };
    let mut messages = app.store.engineering_messages(request, Thread::Public).await?;
    messages.extend(app.store.engineering_messages(request, Thread::Internal).await?);
    let refs: Vec<&Message> = messages.iter().collect();
    let fresh = entry(&mut Terms::new(), &app.current().referential, c, recommendations, &refs);
    let mut index =
        app.engineering.write().map_err(|_| AppError::Internal("engineering search index poisoned".into()))?;
    if !index.entries.contains_key(request) {
        index.order.insert(0, request.to_owned());
    }
    index.entries.insert(request.to_owned(), fresh);
    Ok(())
}

/// Re-reads the providers into the index, after a write of this instance.
pub async fn touch_providers(app: &App) {
    match app.store.engineering_providers().await {
        Ok(list) => {
            let mut terms = Terms::new();
            let fresh: Vec<(Provider, HashSet<String>)> = list
                .into_iter()
                .map(|p| {
                    let words = provider_words(&mut terms, &p);
                    (p, words)
                })
                .collect();
            if let Ok(mut index) = app.engineering.write() {
                index.providers = fresh;
            }
        }
        Err(e) => tracing::warn!(error = %e, "engineering search index: providers not updated"),
    }
}

/// The index shared by the app's clones.
pub type Shared = Arc<RwLock<Index>>;
