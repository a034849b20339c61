//! The immutable, indexed set of all territories.

use std::collections::HashMap;

use super::fold::fold;
use super::{Territory, TerritoryKind, TerritoryRef};

/// Every territory, indexed by kind and code, with the lists of what each contains.
#[derive(Debug, Clone)]
pub struct Referential {
    vintage: String,
    territories: Vec<Territory>,
    by_code: HashMap<(TerritoryKind, String), u32>,
    /// For each territory, the indices of every territory it contains (all levels
    /// below), each list sorted by folded name then code.
    contained: Vec<Vec<u32>>,
    /// Folded names (see [`fold`]), computed once for sorting and for the search index.
    folded: Vec<String>,
    /// Territories of each kind, in the order of [`TerritoryKind::ALL`].
    counts: [usize; 5],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent referential: {}", .faults.join("; "))]
pub struct ReferentialError {
    pub faults: Vec<String>,
}

impl Referential {
    /// Indexes `territories` and checks that the hierarchy holds together: no duplicate
    /// code, every parent named exists. Every fault is reported, not only the first.
    pub fn new(vintage: impl Into<String>, mut territories: Vec<Territory>) -> Result<Self, ReferentialError> {
        territories.sort_by(|a, b| (a.kind, &a.code).cmp(&(b.kind, &b.code)));
        let mut faults = Vec::new();
        let mut by_code = HashMap::with_capacity(territories.len());
        for (i, t) in territories.iter().enumerate() {
            let idx = u32::try_from(i).map_err(|_| ReferentialError { faults: vec!["too many territories".into()] })?;
            if by_code.insert((t.kind, t.code.clone()), idx).is_some() {
                faults.push(format!("{}:{} appears twice", t.kind, t.code));
            }
        }
        let lookup = |kind: TerritoryKind, code: &Option<String>| {
            code.as_ref().map(|c| by_code.get(&(kind, c.clone())).copied())
        };
        let mut contained: Vec<Vec<u32>> = vec![Vec::new(); territories.len()];
        for (i, t) in territories.iter().enumerate() {
            let i = i as u32;
            let mut ancestors: Vec<u32> = Vec::with_capacity(4);
            let chain = [
                (TerritoryKind::Commune, &t.parents.commune),
                (TerritoryKind::Epci, &t.parents.epci),
                (TerritoryKind::Departement, &t.parents.departement),
                (TerritoryKind::Region, &t.parents.region),
            ];
            for (kind, code) in chain {
                match lookup(kind, code) {
                    Some(Some(a)) => ancestors.push(a),
                    Some(None) => faults.push(format!(
                        "{}:{} names unknown {} {}",
                        t.kind,
                        t.code,
                        kind,
                        code.as_deref().unwrap_or("")
                    )),
                    None => {}
                }
            }
            for d in &t.departements {
                match by_code.get(&(TerritoryKind::Departement, d.clone())) {
                    Some(&a) => {
                        ancestors.push(a);
                        if let Some(r) = &territories[a as usize].parents.region
                            && let Some(&ra) = by_code.get(&(TerritoryKind::Region, r.clone()))
                        {
                            ancestors.push(ra);
                        }
                    }
                    None => faults.push(format!("{}:{} names unknown departement {d}", t.kind, t.code)),
                }
            }
            ancestors.sort_unstable();
            ancestors.dedup();
            for a in ancestors {
                if a != i {
                    contained[a as usize].push(i);
                }
            }
        }
        if !faults.is_empty() {
            return Err(ReferentialError { faults });
        }
        let keys: Vec<String> = territories.iter().map(|t| fold(&t.name)).collect();
        for list in &mut contained {
            list.sort_by(|&a, &b| {
                (&keys[a as usize], &territories[a as usize].code)
                    .cmp(&(&keys[b as usize], &territories[b as usize].code))
            });
        }
        let mut counts = [0; 5];
        for t in &territories {
            if let Some(k) = TerritoryKind::ALL.iter().position(|&k| k == t.kind) {
                counts[k] += 1;
            }
        }
        Ok(Referential { vintage: vintage.into(), territories, by_code, contained, folded: keys, counts })
    }

    /// The COG vintage, e.g. "COG 2026".
    pub fn vintage(&self) -> &str {
        &self.vintage
    }

    pub fn len(&self) -> usize {
        self.territories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.territories.is_empty()
    }

    /// All territories, sorted by kind then code.
    pub fn all(&self) -> &[Territory] {
        &self.territories
    }

    pub fn at(&self, idx: u32) -> &Territory {
        &self.territories[idx as usize]
    }

    pub fn index_of(&self, kind: TerritoryKind, code: &str) -> Option<u32> {
        self.by_code.get(&(kind, code.to_owned())).copied()
    }

    pub fn get(&self, kind: TerritoryKind, code: &str) -> Option<&Territory> {
        self.index_of(kind, code).map(|i| self.at(i))
    }

    pub fn get_ref(&self, r: &TerritoryRef) -> Option<&Territory> {
        self.get(r.kind, &r.code)
    }

    /// Indices of every territory inside the one at `idx`, sorted by name.
    pub fn contained(&self, idx: u32) -> &[u32] {
        &self.contained[idx as usize]
    }

    /// Territories of `kind` inside the one at `idx`, sorted by name.
    pub fn children_of_kind(&self, idx: u32, kind: TerritoryKind) -> impl Iterator<Item = &Territory> {
        self.contained(idx).iter().map(|&i| self.at(i)).filter(move |t| t.kind == kind)
    }

    /// How many territories of each kind the one at `idx` contains.
    pub fn children_counts(&self, idx: u32) -> Vec<(TerritoryKind, usize)> {
        let mut counts: Vec<(TerritoryKind, usize)> = Vec::new();
        for &c in self.contained(idx) {
            let k = self.at(c).kind;
            match counts.iter_mut().find(|(kk, _)| *kk == k) {
                Some((_, n)) => *n += 1,
                None => counts.push((k, 1)),
            }
        }
        counts.sort_by_key(|(k, _)| std::cmp::Reverse(k.level()));
        counts
    }

    /// The next level down, shown by default as a territory's children.
    pub fn default_child_kind(kind: TerritoryKind) -> Option<TerritoryKind> {
        match kind {
            TerritoryKind::Region => Some(TerritoryKind::Departement),
            TerritoryKind::Departement => Some(TerritoryKind::Epci),
            TerritoryKind::Epci => Some(TerritoryKind::Commune),
            TerritoryKind::Commune => Some(TerritoryKind::ArrondissementMunicipal),
            TerritoryKind::ArrondissementMunicipal => None,
        }
    }

    /// The containing territories along the main chain, nearest first.
    pub fn ancestors(&self, t: &Territory) -> Vec<&Territory> {
        let p = &t.parents;
        [
            (TerritoryKind::Commune, &p.commune),
            (TerritoryKind::Epci, &p.epci),
            (TerritoryKind::Departement, &p.departement),
            (TerritoryKind::Region, &p.region),
        ]
        .into_iter()
        .filter_map(|(k, c)| c.as_deref().and_then(|c| self.get(k, c)))
        .collect()
    }

    /// Counts per kind, for key figures (computed once).
    pub fn count(&self, kind: TerritoryKind) -> usize {
        TerritoryKind::ALL.iter().position(|&k| k == kind).map_or(0, |i| self.counts[i])
    }

    /// The folded name of the territory at `idx` (see [`fold`]).
    pub fn folded_name(&self, idx: u32) -> &str {
        &self.folded[idx as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: TerritoryKind, code: &str, name: &str) -> Territory {
        Territory::new(kind, code, name)
    }

    pub(crate) fn tiny() -> Vec<Territory> {
        let mut reg = t(TerritoryKind::Region, "84", "Auvergne-Rhône-Alpes");
        reg.population = Some(300);
        let mut dep = t(TerritoryKind::Departement, "42", "Loire");
        dep.parents.region = Some("84".into());
        let mut epci = t(TerritoryKind::Epci, "244200770", "Saint-Étienne Métropole");
        epci.parents.departement = Some("42".into());
        epci.parents.region = Some("84".into());
        epci.departements = vec!["42".into()];
        let mut com = t(TerritoryKind::Commune, "42218", "Saint-Étienne");
        com.parents = super::super::Parents {
            commune: None,
            epci: Some("244200770".into()),
            departement: Some("42".into()),
            region: Some("84".into()),
        };
        vec![reg, dep, epci, com]
    }

    #[test]
    fn indexes_and_contains() {
        let r = Referential::new("COG test", tiny()).expect("consistent");
        let reg = r.index_of(TerritoryKind::Region, "84").expect("region");
        assert_eq!(r.contained(reg).len(), 3);
        let counts = r.children_counts(reg);
        assert_eq!(
            counts,
            vec![(TerritoryKind::Departement, 1), (TerritoryKind::Epci, 1), (TerritoryKind::Commune, 1)]
        );
        let com = r.get(TerritoryKind::Commune, "42218").expect("commune");
        let names: Vec<&str> = r.ancestors(com).iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Saint-Étienne Métropole", "Loire", "Auvergne-Rhône-Alpes"]);
    }

    #[test]
    fn reports_every_fault() {
        let mut ts = tiny();
        ts[3].parents.departement = Some("43".into());
        ts.push(t(TerritoryKind::Region, "84", "Doublon"));
        let err = Referential::new("COG test", ts).expect_err("inconsistent");
        assert_eq!(err.faults.len(), 2, "{:?}", err.faults);
    }
}
