//! Every project in memory, with a tantivy full-text index (French: lowercase, ASCII
//! folding, French stemmer) and, for each project, the territories it lies in (its
//! own and all that contain them), so that filters and territory totals never touch
//! the database.
//!
//! The index is derived data: built from the store at start and whenever the stored
//! revision moves (a write by another instance), updated in place by this instance's
//! own writes. It lives in RAM (24,811 projects: a few MB), hence tantivy without its
//! `mmap` feature.
//!
//! At start ([`Catalog::load_deferred`]) only the projects, their places and the
//! territory totals are built before the server answers; the full-text index (about
//! 0.75 s of one core for 24,811 projects, half the restart before, issue 16) is built
//! on a blocking thread after. A search with words, or a write, that arrives before it
//! is ready waits for it ([`Catalog::text_ready`] without holding a request worker);
//! nothing else does.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use cohesion_core::project::{Phase, Project, Transition};
use cohesion_core::territory::{Referential, TerritoryKind, TerritoryRef};
use cohesion_store::{Store, StoreError};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, NumericOptions, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

const TOKENIZER: &str = "fr";
/// Words too common to require (they would only narrow a query by accident).
const STOPWORDS: [&str; 24] = [
    "de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "un", "une", "au", "aux", "pour", "sur", "dans", "par",
    "a", "à", "ou", "avec", "sa", "son",
];

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

struct Fields {
    id: Field,
    ord: Field,
    name: Field,
    body: Field,
}

struct Inner {
    projects: Vec<Arc<Project>>,
    /// For each project: its territories and every territory containing them.
    places: Vec<Vec<TerritoryRef>>,
    by_id: HashMap<String, u32>,
    /// Count, cost and grants per territory, kept with every change: what the territory
    /// pages show, read in O(1) (issue 16: the scan of every project's places on each
    /// request took 85 % of a commune page's time).
    totals: HashMap<TerritoryRef, Totals>,
    /// The projects lying in each territory (ords), kept with the totals: a territory's
    /// list reads its own projects, not every project (issue 16, the next profile's 42 %).
    /// Sorted; a vector rather than a B-tree: a third of the memory, and a start pushes
    /// each ord at the end (issue 16).
    in_place: HashMap<TerritoryRef, Vec<u32>>,
    revision: i64,
}

impl Inner {
    fn empty(revision: i64) -> Inner {
        Inner {
            projects: Vec::new(),
            places: Vec::new(),
            by_id: HashMap::new(),
            totals: HashMap::new(),
            in_place: HashMap::new(),
            revision,
        }
    }

    /// Adds (`sign` 1) or takes away (`sign` -1) project `ord`'s share of its places' totals.
    fn count(&mut self, ord: usize, sign: i64) {
        let (Some(p), Some(places)) = (self.projects.get(ord), self.places.get(ord)) else { return };
        let (cost, grants) = (p.input.total_cost_cents.unwrap_or(0), p.input.state_grant_cents());
        let ord32 = ord as u32;
        for place in places {
            let ords = self.in_place.entry(place.clone()).or_default();
            match (ords.binary_search(&ord32), sign > 0) {
                (Err(at), true) => ords.insert(at, ord32),
                (Ok(at), false) => {
                    ords.remove(at);
                }
                _ => {}
            }
            let t = self.totals.entry(place.clone()).or_default();
            if sign > 0 {
                t.count += 1;
            } else {
                t.count = t.count.saturating_sub(1);
            }
            t.cost_cents += sign * cost;
            t.grants_cents += sign * grants;
        }
    }
}

impl Inner {
    /// The projects, their places and the territory totals (everything but the words).
    fn build(projects: Vec<Project>, referential: &Referential, revision: i64) -> Inner {
        let mut inner = Inner::empty(revision);
        inner.projects.reserve_exact(projects.len());
        inner.places.reserve_exact(projects.len());
        for p in projects {
            let ord = inner.projects.len() as u32;
            inner.by_id.insert(p.id.clone(), ord);
            inner.places.push(places_of(referential, &p.input.territories));
            inner.projects.push(Arc::new(p));
            inner.count(ord as usize, 1);
        }
        for ords in inner.in_place.values_mut() {
            ords.shrink_to_fit();
        }
        inner
    }
}

impl Text {
    /// Indexes `projects`, in order (a project's ord is its rank).
    fn build<'a>(projects: impl Iterator<Item = &'a Project>) -> Result<Text, CatalogError> {
        let mut sb = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: sb.add_text_field("id", STRING),
            ord: sb.add_u64_field("ord", NumericOptions::default().set_fast()),
            name: sb.add_text_field("name", text.clone()),
            body: sb.add_text_field("body", text),
        };
        let index = Index::create_in_ram(sb.build());
        index.tokenizers().register(TOKENIZER, analyzer());
        let writer: IndexWriter = index.writer_with_num_threads(1, 30_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let text = Text { fields, reader, writer: Mutex::new(writer) };
        {
            let writer = text.writer.lock().map_err(|_| poisoned())?;
            for (ord, p) in projects.enumerate() {
                writer.add_document(text.document(p, ord as u32))?;
            }
        }
        text.commit()?;
        Ok(text)
    }

    fn document(&self, p: &Project, ord: u32) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.fields.id, &p.id);
        doc.add_u64(self.fields.ord, u64::from(ord));
        doc.add_text(self.fields.name, &p.input.name);
        let mut body = p.input.description.clone();
        for extra in [p.input.domain.as_deref(), p.input.lead.as_ref().map(|l| l.name.as_str())].into_iter().flatten() {
            body.push('\n');
            body.push_str(extra);
        }
        doc.add_text(self.fields.body, &body);
        doc
    }

    fn commit(&self) -> Result<(), CatalogError> {
        self.writer.lock().map_err(|_| poisoned())?.commit()?;
        self.reader.reload()?;
        Ok(())
    }
}

/// The projects and their index.
pub struct Catalog {
    inner: RwLock<Inner>,
    /// The full-text index, once built (at once by [`Catalog::build`], on a blocking
    /// thread after [`Catalog::load_deferred`]); its error if the build failed.
    text: Arc<OnceLock<Result<Text, String>>>,
}

/// The tantivy index of the projects' words.
struct Text {
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

/// What to look for.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub q: Option<String>,
    pub territory: Option<TerritoryRef>,
    /// `Some(None)`: only the projects whose phase is unknown.
    pub phase: Option<Option<Phase>>,
    pub transition: Option<Transition>,
    /// Only projects acting on this lever (as the national list writes it).
    pub lever: Option<String>,
    /// Only projects under this M57 competence or one below it (`90-21` holds `90-212`).
    pub competence: Option<String>,
    /// Only projects one of whose own territories is in this set (a programme's
    /// members and the communes they cover).
    pub territories_any: Option<HashSet<TerritoryRef>>,
    /// Only these projects (a pact's actions).
    pub ids: Option<HashSet<String>>,
}

/// One page of results.
pub struct Found {
    pub items: Vec<Arc<Project>>,
    pub total: usize,
}

/// Totals over the projects lying in a territory.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub count: usize,
    /// Sum of the known total costs, in cents.
    pub cost_cents: i64,
    /// Sum of the State's grants, in cents.
    pub grants_cents: i64,
}

/// The territories `t` lies in, itself first.
pub fn places_of(referential: &Referential, territories: &[TerritoryRef]) -> Vec<TerritoryRef> {
    let mut out: Vec<TerritoryRef> = Vec::new();
    for t in territories {
        out.push(t.clone());
        if let Some(found) = referential.get_ref(t) {
            for a in referential.ancestors(found) {
                out.push(TerritoryRef { kind: a.kind, code: a.code.clone() });
            }
            if found.kind == TerritoryKind::Epci {
                for d in &found.departements {
                    out.push(TerritoryRef { kind: TerritoryKind::Departement, code: d.clone() });
                    if let Some(dep) = referential.get(TerritoryKind::Departement, d)
                        && let Some(r) = &dep.parents.region
                    {
                        out.push(TerritoryRef { kind: TerritoryKind::Region, code: r.clone() });
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    // Kept for the life of the index, one per project: no spare capacity (issue 16).
    out.shrink_to_fit();
    out
}

/// Turns text into search terms (lowercased, accents folded, French stems), without
/// the common words: what the index stores and queries look for. Keeps its analyzer,
/// so that many texts cost one construction.
pub struct Terms(TextAnalyzer);

impl Default for Terms {
    fn default() -> Self {
        Terms::new()
    }
}

impl Terms {
    pub fn new() -> Terms {
        Terms(analyzer())
    }

    pub fn of(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            let lower = word.to_lowercase();
            if lower.is_empty() || STOPWORDS.contains(&lower.as_str()) {
                continue;
            }
            let mut stream = self.0.token_stream(&lower);
            while let Some(token) = stream.next() {
                out.push(token.text.clone());
            }
        }
        out
    }
}

/// The search terms of `text` (see [`Terms`]).
pub fn terms(text: &str) -> Vec<String> {
    Terms::new().of(text)
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::French))
        .build()
}

impl Catalog {
    /// Reads every project from the store and indexes it.
    pub async fn load(store: &Store, referential: &Referential) -> Result<Catalog, CatalogError> {
        let started = Instant::now();
        let revision = store.project_revision().await?;
        let projects = store.all_projects().await?;
        let catalog = Catalog::build(projects, referential, revision)?;
        tracing::info!(projects = catalog.len(), ms = started.elapsed().as_millis() as u64, "project index built");
        Ok(catalog)
    }

    /// [`Catalog::load`], with the full-text index built on a blocking thread after
    /// it returns (the start: the pages and every filter without words are served at
    /// once). Needs a tokio runtime.
    pub async fn load_deferred(store: &Store, referential: &Referential) -> Result<Catalog, CatalogError> {
        let started = Instant::now();
        let revision = store.project_revision().await?;
        let projects = store.all_projects().await?;
        let catalog =
            Catalog { inner: RwLock::new(Inner::build(projects, referential, revision)), text: Arc::default() };
        let listed: Vec<Arc<Project>> = catalog.inner.read().map_err(|_| poisoned())?.projects.clone();
        let text = Arc::clone(&catalog.text);
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let built = Text::build(listed.iter().map(AsRef::as_ref)).map_err(|e| e.to_string());
            match &built {
                Ok(_) => tracing::info!(ms = started.elapsed().as_millis() as u64, "project full-text index built"),
                Err(e) => tracing::error!(error = %e, "project full-text index not built"),
            }
            let _ = text.set(built);
        });
        tracing::info!(
            projects = catalog.len(),
            ms = started.elapsed().as_millis() as u64,
            "project index built, its full-text part follows"
        );
        Ok(catalog)
    }

    pub fn build(projects: Vec<Project>, referential: &Referential, revision: i64) -> Result<Catalog, CatalogError> {
        let text = Text::build(projects.iter())?;
        let inner = Inner::build(projects, referential, revision);
        Ok(Catalog { inner: RwLock::new(inner), text: Arc::new(OnceLock::from(Ok(text))) })
    }

    /// Waits, off the request workers, until the full-text index is built (at once
    /// when it is; at most its build time after a start).
    pub async fn text_ready(&self) {
        if self.text.get().is_none() {
            let text = Arc::clone(&self.text);
            let _ = tokio::task::spawn_blocking(move || {
                text.wait();
            })
            .await;
        }
    }

    /// The full-text index, waiting for it if it is still being built.
    fn text(&self) -> Result<&Text, CatalogError> {
        self.text.wait().as_ref().map_err(|e| CatalogError::Index(tantivy::TantivyError::InternalError(e.clone())))
    }

    pub fn len(&self) -> usize {
        self.inner.read().map(|i| i.projects.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn revision(&self) -> i64 {
        self.inner.read().map(|i| i.revision).unwrap_or(-1)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Project>> {
        let inner = self.inner.read().ok()?;
        inner.by_id.get(id).map(|&o| inner.projects[o as usize].clone())
    }

    /// Takes in a project this instance just wrote (created or changed) and the
    /// store's revision after the write.
    pub fn apply(&self, p: Project, referential: &Referential, revision: i64) -> Result<(), CatalogError> {
        let ord = {
            let inner = self.inner.read().map_err(|_| poisoned())?;
            inner.by_id.get(&p.id).copied().unwrap_or(inner.projects.len() as u32)
        };
        {
            let text = self.text()?;
            {
                let writer = text.writer.lock().map_err(|_| poisoned())?;
                writer.delete_term(Term::from_field_text(text.fields.id, &p.id));
                writer.add_document(text.document(&p, ord))?;
            }
            text.commit()?;
        }
        let mut inner = self.inner.write().map_err(|_| poisoned())?;
        let places = places_of(referential, &p.input.territories);
        if (ord as usize) < inner.projects.len() {
            inner.count(ord as usize, -1);
            inner.projects[ord as usize] = Arc::new(p);
            inner.places[ord as usize] = places;
        } else {
            inner.by_id.insert(p.id.clone(), ord);
            inner.projects.push(Arc::new(p));
            inner.places.push(places);
        }
        inner.count(ord as usize, 1);
        // Only move forward by one: if another instance wrote in between, the
        // refresh sees the gap and rebuilds.
        if revision == inner.revision + 1 {
            inner.revision = revision;
        }
        Ok(())
    }

    /// The ords matching the words of `q`, best first; `None` when `q` has no word.
    fn matching(&self, q: &str) -> Result<Option<Vec<u32>>, CatalogError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let text = self.text()?;
        for token in terms(q) {
            let name = TermQuery::new(Term::from_field_text(text.fields.name, &token), IndexRecordOption::WithFreqs);
            let body = TermQuery::new(Term::from_field_text(text.fields.body, &token), IndexRecordOption::WithFreqs);
            let either: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Should, Box::new(BoostQuery::new(Box::new(name), 2.0))), (Occur::Should, Box::new(body))];
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(either))));
        }
        if clauses.is_empty() {
            return Ok(None);
        }
        let searcher = text.reader.searcher();
        let limit = self.len().max(1);
        let hits = searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit))?;
        let mut out = Vec::with_capacity(hits.len());
        let mut columns = HashMap::new();
        for (_, addr) in hits {
            let column = match columns.get(&addr.segment_ord) {
                Some(c) => c,
                None => {
                    let c = searcher.segment_reader(addr.segment_ord).fast_fields().u64("ord")?;
                    columns.entry(addr.segment_ord).or_insert(c)
                }
            };
            if let Some(ord) = column.first(addr.doc_id) {
                out.push(ord as u32);
            }
        }
        Ok(Some(out))
    }

    /// Projects matching `filter`: by relevance when there are words, newest first
    /// otherwise; `offset`/`limit` select the page.
    pub fn search(&self, filter: &Filter, offset: usize, limit: usize) -> Result<Found, CatalogError> {
        let matched = match filter.q.as_deref() {
            Some(q) if !q.trim().is_empty() => self.matching(q)?,
            _ => None,
        };
        let inner = self.inner.read().map_err(|_| poisoned())?;
        let keep = |o: u32| {
            let p = &inner.projects[o as usize];
            filter.phase.is_none_or(|ph| p.input.phase == ph)
                && filter.transition.is_none_or(|t| p.input.transitions.contains(&t))
                && filter.lever.as_ref().is_none_or(|l| p.input.levers.contains(l))
                && filter.competence.as_deref().is_none_or(|c| p.input.competences.iter().any(|x| x.starts_with(c)))
                && filter.territory.as_ref().is_none_or(|t| inner.places[o as usize].binary_search(t).is_ok())
                && filter.territories_any.as_ref().is_none_or(|set| p.input.territories.iter().any(|t| set.contains(t)))
                && filter.ids.as_ref().is_none_or(|ids| ids.contains(&p.id))
        };
        let ords: Vec<u32> = match matched {
            Some(ords) => ords.into_iter().filter(|&o| keep(o)).collect(),
            None => match &filter.territory {
                Some(t) => inner
                    .in_place
                    .get(t)
                    .map_or_else(Vec::new, |ords| ords.iter().rev().copied().filter(|&o| keep(o)).collect()),
                None => (0..inner.projects.len() as u32).rev().filter(|&o| keep(o)).collect(),
            },
        };
        let items = ords.iter().skip(offset).take(limit).map(|&o| inner.projects[o as usize].clone()).collect();
        Ok(Found { items, total: ords.len() })
    }

    /// Count, cost and grants of the projects lying in `t` (kept up to date by every
    /// change, read without a scan).
    pub fn totals(&self, t: &TerritoryRef) -> Totals {
        let Ok(inner) = self.inner.read() else { return Totals::default() };
        inner.totals.get(t).copied().unwrap_or_default()
    }
}

fn poisoned() -> CatalogError {
    CatalogError::Index(tantivy::TantivyError::InternalError("a lock was poisoned".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohesion_core::territory::{Parents, Territory};
    use serde_json::json;

    fn referential() -> Referential {
        let t = |kind, code: &str, parents: Parents| {
            let mut t = Territory::new(kind, code, code);
            t.parents = parents;
            t
        };
        let dep = Parents { region: Some("84".into()), ..Parents::default() };
        let com = Parents { departement: Some("42".into()), region: Some("84".into()), ..Parents::default() };
        Referential::new(
            "test",
            vec![
                t(TerritoryKind::Region, "84", Parents::default()),
                t(TerritoryKind::Departement, "42", dep),
                t(TerritoryKind::Commune, "42218", com.clone()),
                t(TerritoryKind::Commune, "42001", com),
            ],
        )
        .expect("consistent")
    }

    fn project(id: &str, commune: &str, cost: i64, grant: i64) -> Project {
        let input = serde_json::from_value(json!({
            "name": format!("Projet {id}"),
            "territories": [{"kind": "commune", "code": commune}],
            "phase": "study",
            "phase_status": "in_progress",
            "total_cost_cents": cost,
            "financing": [{"financer": cohesion_core::project::STATE, "amount_cents": grant}],
        }))
        .expect("a valid project");
        Project { id: id.into(), input, version: 1, created_at: String::new(), updated_at: String::new() }
    }

    fn totals(c: &Catalog, t: &str) -> (usize, i64, i64) {
        let Totals { count, cost_cents, grants_cents } = c.totals(&t.parse().expect("ref"));
        (count, cost_cents, grants_cents)
    }

    /// The totals kept with every change equal a count over every project.
    #[test]
    fn totals_follow_every_change() {
        let r = referential();
        let c =
            Catalog::build(vec![project("a", "42218", 100, 40), project("b", "42218", 50, 0)], &r, 1).expect("catalog");
        assert_eq!(totals(&c, "commune:42218"), (2, 150, 40));
        assert_eq!(totals(&c, "departement:42"), (2, 150, 40));
        assert_eq!(totals(&c, "commune:42001"), (0, 0, 0));
        c.apply(project("a", "42001", 70, 30), &r, 2).expect("moved and changed");
        assert_eq!(totals(&c, "commune:42218"), (1, 50, 0));
        assert_eq!(totals(&c, "commune:42001"), (1, 70, 30));
        assert_eq!(totals(&c, "region:84"), (2, 120, 30));
        c.apply(project("c", "42001", 5, 5), &r, 3).expect("added");
        assert_eq!(totals(&c, "departement:42"), (3, 125, 35));
        let listed = |t: &str| {
            let filter = Filter { territory: Some(t.parse().expect("ref")), ..Filter::default() };
            let found = c.search(&filter, 0, 10).expect("search");
            (found.total, found.items.iter().map(|p| p.id.clone()).collect::<Vec<_>>())
        };
        assert_eq!(listed("commune:42001"), (2, vec!["c".to_owned(), "a".to_owned()]), "newest first");
        assert_eq!(listed("commune:42218"), (1, vec!["b".to_owned()]));
        assert_eq!(listed("region:84").0, 3);
    }
}
