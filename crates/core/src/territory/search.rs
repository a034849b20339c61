//! In-memory search over the referential by name, code and postcode.
//!
//! Names are folded (see [`super::fold`]). A sorted array of every word-start suffix
//! of every name answers exact, prefix and word-prefix queries by binary search, so a
//! query costs a few microseconds plus the work proportional to its matches; no query
//! scans the whole referential.
//!
//! Ranking: exact name, then name prefix, then a later word of the name, then names
//! holding every word of the query; inside a tier, larger population first.

use std::collections::HashMap;

use super::fold::fold_query;
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub total: usize,
    pub items: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
struct WordStart {
    territory: u32,
    offset: u16,
}

/// The search index; built once per referential.
#[derive(Debug, Clone)]
pub struct SearchIndex {
    folded: Vec<String>,
    populations: Vec<u64>,
    kinds: Vec<TerritoryKind>,
    exact: HashMap<String, Vec<u32>>,
    words: Vec<WordStart>,
    codes: HashMap<String, Vec<u32>>,
    postcodes: HashMap<String, Vec<u32>>,
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
        let all = referential.all();
        let folded: Vec<String> = (0..all.len() as u32).map(|i| referential.folded_name(i).to_owned()).collect();
        let mut exact: HashMap<String, Vec<u32>> = HashMap::with_capacity(all.len());
        let mut words = Vec::with_capacity(all.len() * 3);
        let mut codes: HashMap<String, Vec<u32>> = HashMap::with_capacity(all.len() * 2);
        let mut postcodes: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, (t, f)) in all.iter().zip(&folded).enumerate() {
            let i = i as u32;
            exact.entry(f.clone()).or_default().push(i);
            let mut at_start = true;
            for (pos, b) in f.bytes().enumerate() {
                if at_start && let Ok(offset) = u16::try_from(pos) {
                    words.push(WordStart { territory: i, offset });
                }
                at_start = b == b' ';
            }
            codes.entry(t.code.clone()).or_default().push(i);
            if let Some(siren) = &t.siren
                && siren != &t.code
            {
                codes.entry(siren.clone()).or_default().push(i);
            }
            for p in &t.postcodes {
                postcodes.entry(p.clone()).or_default().push(i);
            }
        }
        words.sort_by(|a, b| suffix(&folded, a).cmp(suffix(&folded, b)));
        SearchIndex {
            populations: all.iter().map(|t| t.population.unwrap_or(0)).collect(),
            kinds: all.iter().map(|t| t.kind).collect(),
            folded,
            exact,
            words,
            codes,
            postcodes,
        }
    }

    /// Runs a query against `referential` (the one this index was built from).
    pub fn search(&self, referential: &Referential, query: &Query<'_>) -> Page {
        let n = self.folded.len();
        let inside = query.parent.map(|p| {
            let mut mask = vec![false; n];
            for &c in referential.contained(p) {
                mask[c as usize] = true;
            }
            mask
        });
        let wanted = |i: u32| {
            query.kind.is_none_or(|k| self.kinds[i as usize] == k) && inside.as_ref().is_none_or(|m| m[i as usize])
        };
        // Each hit is its sort key packed in a u64 (tier, then larger population, then
        // index), so that ranking is a plain integer selection.
        let mut seen = vec![false; n];
        let mut hits: Vec<u64> = Vec::new();
        let mut add = |tier: u8, i: u32, hits: &mut Vec<u64>| {
            if !std::mem::replace(&mut seen[i as usize], true) && wanted(i) {
                hits.push(self.key(tier, i));
            }
        };
        let text = query.text.trim();
        let code = text.to_ascii_uppercase().replace(' ', "");
        let folded = fold_query(text);
        if folded.is_empty() {
            hits.extend((0..n as u32).filter(|&i| wanted(i)).map(|i| self.key(EXACT, i)));
        } else if looks_like_code(&code) {
            for &i in self.codes.get(&code).into_iter().flatten() {
                add(EXACT, i, &mut hits);
            }
            for &i in self.postcodes.get(&code).into_iter().flatten() {
                add(PREFIX, i, &mut hits);
            }
        } else {
            for &i in self.exact.get(&folded).into_iter().flatten() {
                add(EXACT, i, &mut hits);
            }
            for w in &self.words[self.word_range(&folded)] {
                add(if w.offset == 0 { PREFIX } else { WORD }, w.territory, &mut hits);
            }
            let query_words: Vec<&str> = folded.split(' ').collect();
            if query_words.len() > 1 {
                let rarest = query_words.iter().map(|w| self.word_range(w)).min_by_key(|r| r.len()).unwrap_or(0..0);
                for w in &self.words[rarest] {
                    let name = &self.folded[w.territory as usize];
                    if query_words.iter().all(|q| has_word_prefix(name, q)) {
                        add(ALL_WORDS, w.territory, &mut hits);
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
        let items = hits.iter().skip(query.offset).take(query.limit).map(|&k| (k & INDEX_MASK) as u32).collect();
        Page { total, items }
    }

    /// Tier (4 bits), inverted population (clamped to 32 bits), index (28 bits).
    fn key(&self, tier: u8, i: u32) -> u64 {
        let pop = u32::try_from(self.populations[i as usize]).unwrap_or(u32::MAX);
        (u64::from(tier) << 60) | (u64::from(u32::MAX - pop) << 28) | (u64::from(i) & INDEX_MASK)
    }

    /// The range of `words` whose suffix starts with `prefix`.
    fn word_range(&self, prefix: &str) -> std::ops::Range<usize> {
        let lo = self.words.partition_point(|w| suffix(&self.folded, w) < prefix);
        let hi = lo + self.words[lo..].partition_point(|w| suffix(&self.folded, w).starts_with(prefix));
        lo..hi
    }
}

fn suffix<'a>(folded: &'a [String], w: &WordStart) -> &'a str {
    folded[w.territory as usize].get(usize::from(w.offset)..).unwrap_or("")
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

    #[test]
    fn words_in_any_order() {
        let r = referential();
        let idx = SearchIndex::new(&r);
        assert_eq!(names(&r, &idx, Query { text: "etienne lard", ..Query::default() }), ["Saint-Étienne-Lardeyrol"]);
        assert!(names(&r, &idx, Query { text: "zzz", ..Query::default() }).is_empty());
    }
}
