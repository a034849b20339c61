//! In-memory search over the referential by name, code and postcode.
//!
//! Names are folded (see [`super::fold`]). A sorted array of every word-start suffix
//! of every name answers exact, prefix and word-prefix queries by binary search, so a
//! query costs a few microseconds plus the work proportional to its matches; no query
//! scans the whole referential.
//!
//! Ranking: exact name, then name prefix, then a later word of the name, then names
//! holding every word of the query; inside a tier, larger population first.
//!
//! Articles and elisions are typed in every way: each name is also indexed without its
//! leading article and with its elided "l"/"d" glued to the next word
//! ([`super::fold::alternates`]: "lhay", "hay les roses", "sables dolonne" find
//! L'Haÿ-les-Roses and Les Sables-d'Olonne), and a query is also tried without its
//! leading article.
//!
//! Former communes (communes déléguées and associées, [`super::former`]) are searched
//! by name and code too: they lead to today's commune, and the page of results says
//! through which one (`Page::via`).

use std::collections::HashMap;

use super::fold::{alternates, fold, fold_query, without_article};
use super::former::Former;
use super::{Referential, TerritoryKind};

/// A query, as the API receives it.
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    pub text: &'a str,
    pub kind: Option<TerritoryKind>,
    /// Keep only territories inside this one (index in the referential).
    pub parent: Option<u32>,
    pub limit: usize,
    pub offset: usize,
}

/// One page of results, as indices in the referential, and the total number of matches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    pub total: usize,
    pub items: Vec<u32>,
    /// For each item, the former commune it was found through (index in
    /// [`SearchIndex::former`]) when its own name or code does not match.
    pub via: Vec<Option<u32>>,
}

#[derive(Debug, Clone, Copy)]
struct WordStart {
    /// Index in `texts`.
    text: u32,
    offset: u16,
}

/// The search index; built once per referential.
///
/// Issue 16: it is kept compact (about 3 MB for the referential, against 9.6 MB when
/// each text, code and list was an allocation of its own in hash maps): the texts in
/// one buffer, and every look-up table a sorted array answered by binary search.
#[derive(Debug, Clone)]
pub struct SearchIndex {
    /// Every folded form searched: the names (index = territory), then their
    /// alternates.
    texts: Texts,
    /// The territory of each text.
    owner: Vec<u32>,
    /// The former commune a text names (index in `formers`), if it names one.
    text_former: Vec<Option<u32>>,
    formers: Vec<Former>,
    /// Codes of former communes that are not today's codes: (territory, former).
    former_codes: Sorted<(u32, u32)>,
    populations: Vec<u64>,
    kinds: Vec<TerritoryKind>,
    /// Texts, sorted by their folded form (exact matches).
    exact: Vec<u32>,
    words: Vec<WordStart>,
    /// Territories by INSEE code and SIREN.
    codes: Sorted<u32>,
    postcodes: Sorted<u32>,
}

/// Folded texts in one buffer: text `t` is `buffer[ends[t - 1]..ends[t]]`.
#[derive(Debug, Clone, Default)]
struct Texts {
    buffer: String,
    ends: Vec<u32>,
}

impl Texts {
    fn push(&mut self, text: &str) -> u32 {
        self.buffer.push_str(text);
        self.ends.push(u32::try_from(self.buffer.len()).unwrap_or(u32::MAX));
        (self.ends.len() - 1) as u32
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, t: u32) -> &str {
        let t = t as usize;
        let start = if t == 0 { 0 } else { self.ends.get(t - 1).map_or(0, |&e| e as usize) };
        let end = self.ends.get(t).map_or(start, |&e| e as usize);
        self.buffer.get(start..end).unwrap_or("")
    }
}

/// A code (INSEE code, SIREN, postcode: 9 bytes at most), zero-padded.
type Code = [u8; 9];

fn code_key(code: &str) -> Option<Code> {
    let mut key = [0u8; 9];
    key.get_mut(..code.len())?.copy_from_slice(code.as_bytes());
    Some(key)
}

/// Values by code, sorted by code: a multimap answered by binary search.
#[derive(Debug, Clone)]
struct Sorted<V>(Vec<(Code, V)>);

impl<V: Copy + Ord> Sorted<V> {
    /// From pairs in any order; codes longer than 9 bytes (never searched: see
    /// [`looks_like_code`]) are left out.
    fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, V)>) -> Sorted<V> {
        let mut all: Vec<(Code, V)> = pairs.into_iter().filter_map(|(c, v)| Some((code_key(c)?, v))).collect();
        all.sort_unstable();
        all.shrink_to_fit();
        Sorted(all)
    }

    fn get(&self, code: &str) -> impl Iterator<Item = V> + '_ {
        let key = code_key(code);
        let from = key.map_or(self.0.len(), |k| self.0.partition_point(|(c, _)| *c < k));
        self.0.get(from..).unwrap_or(&[]).iter().take_while(move |(c, _)| Some(*c) == key).map(|&(_, v)| v)
    }
}

/// Match tiers, best first.
const EXACT: u8 = 0;
const PREFIX: u8 = 1;
const WORD: u8 = 2;
const ALL_WORDS: u8 = 3;
/// Territory indices fit in 28 bits (268 million), far above the referential's size.
const INDEX_MASK: u64 = (1 << 28) - 1;

impl SearchIndex {
    pub fn new(referential: &Referential) -> Self {
        Self::with_former(referential, Vec::new())
    }

    /// The index of `referential` and of the `formers` communes whose commune it holds.
    pub fn with_former(referential: &Referential, formers: Vec<Former>) -> Self {
        let all = referential.all();
        let mut texts = Texts::default();
        for i in 0..all.len() as u32 {
            texts.push(referential.folded_name(i));
        }
        let mut owner: Vec<u32> = (0..all.len() as u32).collect();
        let mut text_former: Vec<Option<u32>> = vec![None; all.len()];
        for i in 0..all.len() as u32 {
            for alt in alternates(referential.folded_name(i)) {
                texts.push(&alt);
                owner.push(i);
                text_former.push(None);
            }
        }
        let mut former_codes = Vec::new();
        let mut kept = Vec::with_capacity(formers.len());
        for f in formers {
            let Some(i) = referential.index_of(TerritoryKind::Commune, &f.commune) else { continue };
            let at = kept.len() as u32;
            let name = fold(&f.name);
            if name != texts.get(i) {
                for form in std::iter::once(name.clone()).chain(alternates(&name)) {
                    texts.push(&form);
                    owner.push(i);
                    text_former.push(Some(at));
                }
            }
            kept.push(f);
        }
        for (at, f) in kept.iter().enumerate() {
            if f.code != f.commune
                && let Some(i) = referential.index_of(TerritoryKind::Commune, &f.commune)
            {
                former_codes.push((f.code.as_str(), (i, at as u32)));
            }
        }
        let mut exact: Vec<u32> = (0..texts.len() as u32).collect();
        exact.sort_by(|&a, &b| texts.get(a).cmp(texts.get(b)));
        let codes = Sorted::new(all.iter().enumerate().flat_map(|(i, t)| {
            let siren = t.siren.as_deref().filter(|s| *s != t.code);
            std::iter::once((t.code.as_str(), i as u32)).chain(siren.map(|s| (s, i as u32)))
        }));
        let postcodes = Sorted::new(
            all.iter().enumerate().flat_map(|(i, t)| t.postcodes.iter().map(move |p| (p.as_str(), i as u32))),
        );
        let mut words = Vec::with_capacity(texts.len() * 3);
        for text in 0..texts.len() as u32 {
            let mut at_start = true;
            for (pos, b) in texts.get(text).bytes().enumerate() {
                if at_start && let Ok(offset) = u16::try_from(pos) {
                    words.push(WordStart { text, offset });
                }
                at_start = b == b' ';
            }
        }
        words.sort_by(|a, b| suffix(&texts, a).cmp(suffix(&texts, b)));
        words.shrink_to_fit();
        texts.buffer.shrink_to_fit();
        let former_codes = Sorted::new(former_codes);
        SearchIndex {
            populations: all.iter().map(|t| t.population.unwrap_or(0)).collect(),
            kinds: all.iter().map(|t| t.kind).collect(),
            texts,
            owner,
            text_former,
            formers: kept,
            former_codes,
            exact,
            words,
            codes,
            postcodes,
        }
    }

    /// Runs a query against `referential` (the one this index was built from).
    pub fn search(&self, referential: &Referential, query: &Query<'_>) -> Page {
        let n = self.populations.len();
        let inside = query.parent.map(|p| {
            let mut mask = Bits::new(n);
            for &c in referential.contained(p) {
                mask.insert(c);
            }
            mask
        });
        let wanted = |i: u32| {
            query.kind.is_none_or(|k| self.kinds[i as usize] == k) && inside.as_ref().is_none_or(|m| m.contains(i))
        };
        // Each hit is its sort key packed in a u64 (tier, then larger population, then
        // index), so that ranking is a plain integer selection.
        let mut seen = Bits::new(n);
        let mut hits: Vec<u64> = Vec::new();
        // Territories first found through a former commune: (territory, former).
        let mut through: HashMap<u32, u32> = HashMap::new();
        let mut add = |tier: u8, i: u32, via: Option<u32>, hits: &mut Vec<u64>| {
            if seen.insert(i) && wanted(i) {
                hits.push(self.key(tier, i));
                if let Some(f) = via {
                    through.insert(i, f);
                }
            }
        };
        let by_text = |t: u32| (self.owner[t as usize], self.text_former[t as usize]);
        let text = query.text.trim();
        let code = text.to_ascii_uppercase().replace(' ', "");
        let folded = fold_query(text);
        if folded.is_empty() {
            hits.extend((0..n as u32).filter(|&i| wanted(i)).map(|i| self.key(EXACT, i)));
        } else if looks_like_code(&code) {
            for i in self.codes.get(&code) {
                add(EXACT, i, None, &mut hits);
            }
            for (i, f) in self.former_codes.get(&code) {
                add(EXACT, i, Some(f), &mut hits);
            }
            for i in self.postcodes.get(&code) {
                add(PREFIX, i, None, &mut hits);
            }
        } else {
            // The query as typed, then without its leading article.
            let queries: Vec<&str> = std::iter::once(folded.as_str()).chain(without_article(&folded)).collect();
            for q in &queries {
                let from = self.exact.partition_point(|&t| self.texts.get(t) < *q);
                for &t in self.exact.get(from..).unwrap_or(&[]).iter().take_while(|&&t| self.texts.get(t) == *q) {
                    let (i, via) = by_text(t);
                    add(EXACT, i, via, &mut hits);
                }
            }
            for q in &queries {
                for w in &self.words[self.word_range(q)] {
                    let (i, via) = by_text(w.text);
                    add(if w.offset == 0 { PREFIX } else { WORD }, i, via, &mut hits);
                }
            }
            for q in &queries {
                let query_words: Vec<&str> = q.split(' ').collect();
                if query_words.len() > 1 {
                    let rarest = query_words.iter().map(|w| self.word_range(w)).min_by_key(|r| r.len()).unwrap_or(0..0);
                    for w in &self.words[rarest] {
                        let name = self.texts.get(w.text);
                        if query_words.iter().all(|q| has_word_prefix(name, q)) {
                            let (i, via) = by_text(w.text);
                            add(ALL_WORDS, i, via, &mut hits);
                        }
                    }
                }
            }
        }
        let total = hits.len();
        let end = query.offset.saturating_add(query.limit).min(total);
        if end < total && end > 0 {
            hits.select_nth_unstable(end - 1);
            hits.truncate(end);
        }
        hits.sort_unstable();
        let items: Vec<u32> =
            hits.iter().skip(query.offset).take(query.limit).map(|&k| (k & INDEX_MASK) as u32).collect();
        // Said only when today's name does not match by itself.
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        let via = items
            .iter()
            .map(|i| {
                let f = *through.get(i)?;
                let own = self.texts.get(*i);
                let named = !words.is_empty() && words.iter().all(|w| has_word_prefix(own, w));
                (!named || looks_like_code(&code)).then_some(f)
            })
            .collect();
        Page { total, items, via }
    }

    /// The former commune `i` of a [`Page::via`].
    pub fn former(&self, i: u32) -> Option<&Former> {
        self.formers.get(i as usize)
    }

    /// Tier (4 bits), inverted population (clamped to 32 bits), index (28 bits).
    fn key(&self, tier: u8, i: u32) -> u64 {
        let pop = u32::try_from(self.populations[i as usize]).unwrap_or(u32::MAX);
        (u64::from(tier) << 60) | (u64::from(u32::MAX - pop) << 28) | (u64::from(i) & INDEX_MASK)
    }

    /// The range of `words` whose suffix starts with `prefix`.
    fn word_range(&self, prefix: &str) -> std::ops::Range<usize> {
        let lo = self.words.partition_point(|w| suffix(&self.texts, w) < prefix);
        let hi = lo + self.words[lo..].partition_point(|w| suffix(&self.texts, w).starts_with(prefix));
        lo..hi
    }
}

/// A set of territory indices, one bit each: a query allocates and clears n/8 bytes
/// (4.6 KB for the referential) instead of n.
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }

    /// Adds `i`; whether it was absent. An index beyond the set is never added.
    fn insert(&mut self, i: u32) -> bool {
        let Some(word) = self.0.get_mut((i / 64) as usize) else { return false };
        let bit = 1u64 << (i % 64);
        let absent = *word & bit == 0;
        *word |= bit;
        absent
    }

    fn contains(&self, i: u32) -> bool {
        self.0.get((i / 64) as usize).is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }
}

fn suffix<'a>(texts: &'a Texts, w: &WordStart) -> &'a str {
    texts.get(w.text).get(usize::from(w.offset)..).unwrap_or("")
}

fn has_word_prefix(name: &str, word: &str) -> bool {
    name.split(' ').any(|w| w.starts_with(word))
}

/// INSEE codes, SIREN and postcodes: 2 to 9 characters, digits and the Corsican A/B.
fn looks_like_code(s: &str) -> bool {
    (2..=9).contains(&s.len())
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'A' || b == b'B')
}

#[cfg(test)]
mod tests {
    use super::super::{Parents, Territory};
    use super::*;

    fn commune(code: &str, name: &str, pop: u64, postcode: &str) -> Territory {
        let mut t = Territory::new(TerritoryKind::Commune, code, name);
        t.population = Some(pop);
        t.postcodes = vec![postcode.into()];
        t.parents = Parents { departement: Some(code[..2].into()), ..Parents::default() };
        t
    }

    fn referential() -> Referential {
        let dep = |c: &str, n: &str| Territory::new(TerritoryKind::Departement, c, n);
        Referential::new(
            "test",
            vec![
                dep("42", "Loire"),
                dep("43", "Haute-Loire"),
                commune("42218", "Saint-Étienne", 173_136, "42000"),
                commune("42200", "Saint-Étienne-le-Molard", 1_000, "42130"),
                commune("43200", "Saint-Étienne-Lardeyrol", 900, "43260"),
                commune("42100", "Boën-sur-Lignon", 3_000, "42130"),
                commune("42300", "Le Chambon-Saint-Étienne", 5_000, "42500"),
            ],
        )
        .expect("consistent")
    }

    fn names(r: &Referential, idx: &SearchIndex, q: Query<'_>) -> Vec<String> {
        let page = idx.search(r, &Query { limit: 10, ..q });
        page.items.iter().map(|&i| r.at(i).name.clone()).collect()
    }

    #[test]
    fn folds_and_ranks() {
        let r = referential();
        let idx = SearchIndex::new(&r);
        for q in ["saint etienne", "ST ETIENNE", "st-étienne", "Saint-Etienne"] {
            let got = names(&r, &idx, Query { text: q, ..Query::default() });
            assert_eq!(got[0], "Saint-Étienne", "{q}");
            assert_eq!(got.len(), 4, "{q}: {got:?}");
            assert_eq!(got[3], "Le Chambon-Saint-Étienne", "{q}");
        }
    }

    #[test]
    fn codes_and_postcodes() {
        let r = referential();
        let idx = SearchIndex::new(&r);
        assert_eq!(names(&r, &idx, Query { text: "42218", ..Query::default() }), ["Saint-Étienne"]);
        assert_eq!(names(&r, &idx, Query { text: "42000", ..Query::default() }), ["Saint-Étienne"]);
        let both = names(&r, &idx, Query { text: "42130", ..Query::default() });
        assert_eq!(both, ["Boën-sur-Lignon", "Saint-Étienne-le-Molard"]);
        assert_eq!(names(&r, &idx, Query { text: "43", ..Query::default() }), ["Haute-Loire"]);
    }

    #[test]
    fn filters_by_kind_and_parent_and_pages() {
        let r = referential();
        let idx = SearchIndex::new(&r);
        let loire = r.index_of(TerritoryKind::Departement, "42");
        let got = names(&r, &idx, Query { text: "etienne", parent: loire, ..Query::default() });
        assert_eq!(got, ["Saint-Étienne", "Le Chambon-Saint-Étienne", "Saint-Étienne-le-Molard"]);
        let page =
            idx.search(&r, &Query { text: "", kind: Some(TerritoryKind::Commune), limit: 2, offset: 1, parent: None });
        assert_eq!(page.total, 5);
        assert_eq!(page.items.len(), 2);
        assert_eq!(r.at(page.items[0]).name, "Le Chambon-Saint-Étienne");
        let beyond = idx.search(&r, &Query { text: "", limit: 5, offset: 50, ..Query::default() });
        assert_eq!((beyond.total, beyond.items.len()), (7, 0));
    }

    /// Issue 17: "l'", "l ", glued to the word, the article typed or not.
    #[test]
    fn articles_and_elisions_typed_every_way() {
        let r = Referential::new(
            "test",
            vec![
                Territory::new(TerritoryKind::Departement, "94", "Val-de-Marne"),
                Territory::new(TerritoryKind::Departement, "85", "Vendée"),
                Territory::new(TerritoryKind::Departement, "76", "Seine-Maritime"),
                Territory::new(TerritoryKind::Departement, "59", "Nord"),
                Territory::new(TerritoryKind::Departement, "01", "Ain"),
                commune("94038", "L'Haÿ-les-Roses", 31_000, "94240"),
                commune("85194", "Les Sables-d'Olonne", 48_000, "85100"),
                commune("76351", "Le Havre", 166_000, "76600"),
                commune("59009", "Villeneuve-d'Ascq", 62_000, "59650"),
                commune("01215", "Lhuis", 900, "01680"),
            ],
        )
        .expect("consistent");
        let idx = SearchIndex::new(&r);
        let first =
            |q: &str| names(&r, &idx, Query { text: q, ..Query::default() }).first().cloned().unwrap_or_default();
        for q in ["l'haÿ-les-roses", "L'Hay les Roses", "l hay", "lhay", "lhay-les-roses", "hay les roses", "Haÿ"] {
            assert_eq!(first(q), "L'Haÿ-les-Roses", "{q}");
        }
        for q in ["les sables d'olonne", "sables d olonne", "Sables-dOlonne", "les sables dolonne", "sables"] {
            assert_eq!(first(q), "Les Sables-d'Olonne", "{q}");
        }
        for q in ["le havre", "havre", "Le-Havre", "la havre"] {
            assert_eq!(first(q), "Le Havre", "{q}");
        }
        assert_eq!(first("villeneuve dascq"), "Villeneuve-d'Ascq");
        assert_eq!(first("lhui"), "Lhuis", "a name that starts with L is not an elision");
        let havre = idx.search(&r, &Query { text: "havre", limit: 5, ..Query::default() });
        assert_eq!(havre.total, 1);
    }

    /// Issue 17: old names and codes of merged communes lead to today's commune.
    #[test]
    fn former_communes_lead_to_todays_commune() {
        use super::super::former::{Former, FormerKind};
        let r = referential();
        let former = |code: &str, name: &str, commune: &str| Former {
            code: code.into(),
            name: name.into(),
            kind: FormerKind::Delegated,
            commune: commune.into(),
        };
        let formers = vec![
            former("42279", "Saint-Victor-sur-Loire", "42218"),
            former("42218", "Saint-Étienne", "42218"),
            former("99999", "Nulle-part", "99999"),
        ];
        let idx = SearchIndex::with_former(&r, formers);
        let found = idx.search(&r, &Query { text: "saint victor", limit: 5, ..Query::default() });
        assert_eq!(found.items.iter().map(|&i| r.at(i).name.as_str()).collect::<Vec<_>>(), ["Saint-Étienne"]);
        let via = found.via[0].and_then(|f| idx.former(f)).expect("through Saint-Victor");
        assert_eq!(via.name, "Saint-Victor-sur-Loire");
        let by_code = idx.search(&r, &Query { text: "42279", limit: 5, ..Query::default() });
        assert_eq!((by_code.items.len(), by_code.via[0].is_some()), (1, true));
        let own = idx.search(&r, &Query { text: "saint etienne", limit: 5, ..Query::default() });
        assert!(own.via.iter().all(Option::is_none), "today's name matches by itself: {own:?}");
        assert!(idx.search(&r, &Query { text: "nulle part", limit: 5, ..Query::default() }).items.is_empty());
    }

    #[test]
    fn words_in_any_order() {
        let r = referential();
        let idx = SearchIndex::new(&r);
        assert_eq!(names(&r, &idx, Query { text: "etienne lard", ..Query::default() }), ["Saint-Étienne-Lardeyrol"]);
        assert!(names(&r, &idx, Query { text: "zzz", ..Query::default() }).is_empty());
    }
}
