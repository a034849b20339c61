//! The in-memory view of the programmes over the referential: built once per
//! revision (about 20 ms for the whole country), then read by every request.
//!
//! The central structure is, for each programme, the set of communes it *covers*:
//! a commune member covers itself, an EPCI (or département, région) member covers its
//! communes, a municipal arrondissement its commune. Dashboards, overlap, aggregates
//! and eligibility are all counts over these sets.

use std::collections::HashMap;

use crate::territory::{Centroid, Referential, Territory, TerritoryKind};

use super::eligibility::Rule;
use super::{Action, Membership, Place, Programme, ProgrammeData};

/// A set of referential indices.
#[derive(Debug, Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: u32) {
        self.0[(i / 64) as usize] |= 1 << (i % 64);
    }
    fn get(&self, i: u32) -> bool {
        self.0.get((i / 64) as usize).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    fn and_count(&self, other: &Bits) -> usize {
        self.0.iter().zip(&other.0).map(|(a, b)| (a & b).count_ones() as usize).sum()
    }
    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0
            .iter()
            .enumerate()
            .flat_map(|(w, &bits)| (0..64u32).filter(move |b| bits & (1 << b) != 0).map(move |b| w as u32 * 64 + b))
    }
}

/// How a territory takes part in a programme: its own membership, or one of a
/// territory containing it (`via`).
pub struct Involvement<'a> {
    pub membership: &'a Membership,
    pub via: Option<&'a Territory>,
}

/// Communes, population and members of one programme inside one area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub code: String,
    pub name: String,
    pub members: usize,
    pub communes: usize,
    pub population: u64,
}

/// A programme's figures over the country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    /// Current memberships (exited ones left out).
    pub members: usize,
    /// Distinct programme territories (groups), or members when there are none.
    pub groups: usize,
    pub exited: usize,
    pub communes: usize,
    pub population: u64,
    pub by_region: Vec<Share>,
    pub by_departement: Vec<Share>,
    /// Communes and population covered at each density level, 1 to 7.
    pub by_density: [(usize, u64); 7],
    /// Communes covered also covered by each other programme: (code, communes).
    pub overlap: Vec<(String, usize)>,
}

/// Communes covered by both programmes, for every pair (the diagonal: each one alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub codes: Vec<String>,
    pub communes: Vec<Vec<usize>>,
}

/// Eligible communes compared with the covered ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityReport {
    pub eligible: Vec<u32>,
    pub eligible_not_member: Vec<u32>,
    pub member_not_eligible: Vec<u32>,
}

pub struct ProgrammeIndex {
    catalogue: Vec<Programme>,
    memberships: Vec<Membership>,
    /// Referential index of each membership's territory (`None`: not in the referential).
    at: Vec<Option<u32>>,
    by_programme: Vec<Vec<usize>>,
    by_territory: HashMap<u32, Vec<usize>>,
    covered: Vec<Bits>,
    places: Vec<Place>,
    by_commune: HashMap<u32, Vec<usize>>,
    rules: HashMap<String, Rule>,
    actions: Vec<Action>,
    overlap: Overlap,
    /// Per programme, computed once per build: the hot reads (catalogue, dashboards,
    /// département and région aggregates) are lookups.
    dashboards: Vec<Dashboard>,
    /// The declared rules' reports, computed once per build.
    reports: HashMap<String, EligibilityReport>,
}

impl ProgrammeIndex {
    pub fn new(r: &Referential, data: ProgrammeData) -> ProgrammeIndex {
        let ProgrammeData { mut catalogue, memberships, places, rules, actions } = data;
        catalogue.sort_by(|a, b| a.code.cmp(&b.code));
        let pos: HashMap<&str, usize> = catalogue.iter().enumerate().map(|(i, p)| (p.code.as_str(), i)).collect();
        let mut by_programme = vec![Vec::new(); catalogue.len()];
        let mut by_territory: HashMap<u32, Vec<usize>> = HashMap::new();
        let mut covered: Vec<Bits> = (0..catalogue.len()).map(|_| Bits::new(r.len())).collect();
        let mut at = Vec::with_capacity(memberships.len());
        for (m_i, m) in memberships.iter().enumerate() {
            let idx = r.index_of(m.territory.kind, &m.territory.code);
            at.push(idx);
            let Some(&p) = pos.get(m.programme.as_str()) else { continue };
            by_programme[p].push(m_i);
            let Some(idx) = idx else { continue };
            by_territory.entry(idx).or_default().push(m_i);
            if m.is_current() {
                for c in communes_of(r, idx) {
                    covered[p].set(c);
                }
            }
        }
        for list in &mut by_programme {
            list.sort_by(|&a, &b| {
                let key = |m: usize| (at[m].map(|i| r.folded_name(i)), &memberships[m].territory.code);
                key(a).cmp(&key(b))
            });
        }
        let mut by_commune: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, p) in places.iter().enumerate() {
            if let Some(c) = place_commune(r, &p.commune) {
                by_commune.entry(c).or_default().push(i);
            }
        }
        let mut index = ProgrammeIndex {
            catalogue,
            memberships,
            at,
            by_programme,
            by_territory,
            covered,
            places,
            by_commune,
            rules: rules.into_iter().collect(),
            actions,
            overlap: Overlap { codes: Vec::new(), communes: Vec::new() },
            dashboards: Vec::new(),
            reports: HashMap::new(),
        };
        index.overlap = index.compute_overlap();
        index.dashboards = index.catalogue.iter().filter_map(|p| index.compute_dashboard(r, &p.code)).collect();
        index.reports =
            index.rules.keys().filter_map(|code| Some((code.clone(), index.eligibility(r, code, None)?))).collect();
        index
    }

    pub fn programmes(&self) -> &[Programme] {
        &self.catalogue
    }

    /// Codes are found whatever their case and surrounding spaces (" PVD " is `pvd`).
    fn position(&self, code: &str) -> Option<usize> {
        let find = |c: &str| self.catalogue.binary_search_by(|p| p.code.as_str().cmp(c)).ok();
        find(code).or_else(|| find(&code.trim().to_lowercase()))
    }

    pub fn programme(&self, code: &str) -> Option<&Programme> {
        self.position(code).map(|i| &self.catalogue[i])
    }

    /// Every membership of a programme (exited ones included), sorted by territory
    /// name, with the territory when the referential knows it.
    pub fn members(&self, code: &str) -> impl Iterator<Item = (&Membership, Option<u32>)> {
        let list = self.position(code).map_or(&[][..], |p| &self.by_programme[p][..]);
        list.iter().map(|&m| (&self.memberships[m], self.at[m]))
    }

    /// Whether programme `code` covers the commune at `idx`.
    pub fn covers(&self, code: &str, idx: u32) -> bool {
        self.position(code).is_some_and(|p| self.covered[p].get(idx))
    }

    /// The communes programme `code` covers.
    pub fn covered_communes(&self, code: &str) -> Vec<u32> {
        self.position(code).map(|p| self.covered[p].iter().collect()).unwrap_or_default()
    }

    pub fn rule(&self, code: &str) -> Option<&Rule> {
        self.rules.get(code)
    }

    pub fn actions(&self, code: &str) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(move |a| a.programme == code)
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Memberships of the territory at `idx` and of the territories containing it,
    /// its own first, then the nearest container's.
    pub fn involvements<'a>(&'a self, r: &'a Referential, idx: u32) -> Vec<Involvement<'a>> {
        let own = self
            .by_territory
            .get(&idx)
            .into_iter()
            .flatten()
            .map(|&m| Involvement { membership: &self.memberships[m], via: None });
        let t = r.at(idx);
        let mut containers: Vec<&Territory> = Vec::new();
        if t.kind == TerritoryKind::ArrondissementMunicipal {
            containers.extend(t.parents.commune.as_deref().and_then(|c| r.get(TerritoryKind::Commune, c)));
        }
        containers.extend(r.ancestors(t).into_iter().filter(|a| a.kind != TerritoryKind::Commune));
        if t.kind == TerritoryKind::Epci {
            for d in t.departements.iter().skip(1) {
                containers.extend(r.get(TerritoryKind::Departement, d));
            }
        }
        let via = containers.into_iter().flat_map(|c| {
            let ci = r.index_of(c.kind, &c.code);
            ci.and_then(|ci| self.by_territory.get(&ci))
                .into_iter()
                .flatten()
                .map(move |&m| Involvement { membership: &self.memberships[m], via: Some(c) })
        });
        let mut all: Vec<Involvement<'a>> = own.chain(via).collect();
        all.sort_by(|a, b| a.membership.programme.cmp(&b.membership.programme));
        all
    }

    /// France services places in the territory at `idx`.
    pub fn places_in(&self, r: &Referential, idx: u32) -> Vec<&Place> {
        let t = r.at(idx);
        let mut out: Vec<&Place> = match t.kind {
            TerritoryKind::ArrondissementMunicipal => self.places.iter().filter(|p| p.commune == t.code).collect(),
            _ => communes_of(r, idx)
                .into_iter()
                .flat_map(|c| self.by_commune.get(&c).into_iter().flatten().map(|&i| &self.places[i]))
                .collect(),
        };
        out.sort_by(|a, b| (&a.commune, &a.name).cmp(&(&b.commune, &b.name)));
        out
    }

    /// The `n` places nearest to `from`, with their distance in km (great circle).
    pub fn nearest_places(&self, from: Centroid, n: usize) -> Vec<(&Place, f64)> {
        let mut all: Vec<(&Place, f64)> =
            self.places.iter().map(|p| (p, distance_km(from, Centroid { lon: p.lon, lat: p.lat }))).collect();
        let n = n.min(all.len());
        if n == 0 {
            return Vec::new();
        }
        all.select_nth_unstable_by(n - 1, |a, b| a.1.total_cmp(&b.1));
        all.truncate(n);
        all.sort_by(|a, b| a.1.total_cmp(&b.1));
        all
    }

    /// Where to measure distances from: the territory's centroid; for a commune (the
    /// referential has no commune centroids) the mean of its France services places,
    /// else its EPCI's centroid. The flag says the point is an approximation.
    pub fn location(&self, r: &Referential, idx: u32) -> Option<(Centroid, bool)> {
        let t = r.at(idx);
        if let Some(c) = t.centroid {
            return Some((c, false));
        }
        let commune = match t.kind {
            TerritoryKind::ArrondissementMunicipal => {
                t.parents.commune.as_deref().and_then(|c| r.index_of(TerritoryKind::Commune, c))
            }
            TerritoryKind::Commune => Some(idx),
            _ => None,
        }?;
        if let Some(list) = self.by_commune.get(&commune).filter(|l| !l.is_empty()) {
            let n = list.len() as f64;
            let (lon, lat) =
                list.iter().fold((0.0, 0.0), |(x, y), &i| (x + self.places[i].lon, y + self.places[i].lat));
            return Some((Centroid { lon: lon / n, lat: lat / n }, true));
        }
        let epci = r.at(commune).parents.epci.as_deref().and_then(|e| r.get(TerritoryKind::Epci, e))?;
        epci.centroid.map(|c| (c, true))
    }

    /// For each programme, its members, communes and population inside the territory
    /// at `idx` (programmes absent from it left out). For a département or a région
    /// this reads the dashboards (members counted in their main département and
    /// région); for other territories it is computed.
    pub fn aggregates(&self, r: &Referential, idx: u32) -> Vec<Share> {
        let t = r.at(idx);
        fn by_area(d: &Dashboard, kind: TerritoryKind) -> Option<&Vec<Share>> {
            match kind {
                TerritoryKind::Departement => Some(&d.by_departement),
                TerritoryKind::Region => Some(&d.by_region),
                _ => None,
            }
        }
        if matches!(t.kind, TerritoryKind::Departement | TerritoryKind::Region) && !self.dashboards.is_empty() {
            return self
                .catalogue
                .iter()
                .zip(&self.dashboards)
                .filter_map(|(prog, d)| {
                    let list = by_area(d, t.kind)?;
                    let s = list.binary_search_by(|s| s.code.as_str().cmp(&t.code)).ok().map(|i| &list[i])?;
                    Some(Share { code: prog.code.clone(), name: prog.name.clone(), ..s.clone() })
                })
                .collect();
        }
        let communes = communes_of(r, idx);
        let inside: std::collections::HashSet<u32> = r.contained(idx).iter().copied().chain([idx]).collect();
        self.catalogue
            .iter()
            .enumerate()
            .filter_map(|(p, prog)| {
                let covered: Vec<u32> = communes.iter().copied().filter(|&c| self.covered[p].get(c)).collect();
                let members = self.by_programme[p]
                    .iter()
                    .filter(|&&m| self.memberships[m].is_current() && self.at[m].is_some_and(|i| inside.contains(&i)))
                    .count();
                (members > 0 || !covered.is_empty()).then(|| Share {
                    code: prog.code.clone(),
                    name: prog.name.clone(),
                    members,
                    communes: covered.len(),
                    population: covered.iter().map(|&c| r.at(c).population.unwrap_or(0)).sum(),
                })
            })
            .collect()
    }

    /// A programme's figures, computed when the index was built.
    pub fn dashboard(&self, code: &str) -> Option<&Dashboard> {
        self.position(code).and_then(|p| self.dashboards.get(p))
    }

    /// The report of the programme's declared rule, computed when the index was built.
    pub fn eligibility_report(&self, code: &str) -> Option<&EligibilityReport> {
        self.reports.get(code)
    }

    /// A programme's figures by région, département and density level (benchmarked).
    pub fn compute_dashboard(&self, r: &Referential, code: &str) -> Option<Dashboard> {
        let p = self.position(code)?;
        let mut regions: HashMap<&str, Share> = HashMap::new();
        let mut deps: HashMap<&str, Share> = HashMap::new();
        let share = |t: &Territory| Share {
            code: t.code.clone(),
            name: t.name.clone(),
            members: 0,
            communes: 0,
            population: 0,
        };
        let mut by_density = [(0usize, 0u64); 7];
        let (mut communes, mut population) = (0, 0);
        for c in self.covered[p].iter() {
            let t = r.at(c);
            let pop = t.population.unwrap_or(0);
            communes += 1;
            population += pop;
            if let Some(l) = t.typology.density_level.filter(|l| (1..=7).contains(l)) {
                by_density[usize::from(l - 1)].0 += 1;
                by_density[usize::from(l - 1)].1 += pop;
            }
            for (map, kind, code) in [
                (&mut deps, TerritoryKind::Departement, t.parents.departement.as_deref()),
                (&mut regions, TerritoryKind::Region, t.parents.region.as_deref()),
            ] {
                if let Some(area) = code.and_then(|c| r.get(kind, c)) {
                    let s = map.entry(area.code.as_str()).or_insert_with(|| share(area));
                    s.communes += 1;
                    s.population += pop;
                }
            }
        }
        let (mut members, mut exited) = (0, 0);
        let mut groups = std::collections::HashSet::new();
        for &m in &self.by_programme[p] {
            let ms = &self.memberships[m];
            if !ms.is_current() {
                exited += 1;
                continue;
            }
            members += 1;
            groups.insert(ms.group_id.clone().unwrap_or_else(|| ms.territory.to_string()));
            let Some(t) = self.at[m].map(|i| r.at(i)) else { continue };
            let (dep, reg) = match t.kind {
                TerritoryKind::Departement => (Some(t.code.as_str()), t.parents.region.as_deref()),
                TerritoryKind::Region => (None, Some(t.code.as_str())),
                TerritoryKind::Epci => (t.departements.first().map(String::as_str), t.parents.region.as_deref()),
                _ => (t.parents.departement.as_deref(), t.parents.region.as_deref()),
            };
            for (map, kind, code) in
                [(&mut deps, TerritoryKind::Departement, dep), (&mut regions, TerritoryKind::Region, reg)]
            {
                if let Some(area) = code.and_then(|c| r.get(kind, c)) {
                    map.entry(area.code.as_str()).or_insert_with(|| share(area)).members += 1;
                }
            }
        }
        let sorted = |m: HashMap<&str, Share>| {
            let mut v: Vec<Share> = m.into_values().collect();
            v.sort_by(|a, b| a.code.cmp(&b.code));
            v
        };
        let overlap = self
            .overlap
            .codes
            .iter()
            .enumerate()
            .filter(|&(q, _)| q != p)
            .map(|(q, c)| (c.clone(), self.overlap.communes[p][q]))
            .collect();
        Some(Dashboard {
            members,
            groups: groups.len(),
            exited,
            communes,
            population,
            by_region: sorted(regions),
            by_departement: sorted(deps),
            by_density,
            overlap,
        })
    }

    /// The overlap matrix, computed when the index was built.
    pub fn overlap(&self) -> &Overlap {
        &self.overlap
    }

    /// Communes covered by both programmes, for every pair (benchmarked: `bench/`).
    pub fn compute_overlap(&self) -> Overlap {
        let n = self.catalogue.len();
        let communes = (0..n).map(|a| (0..n).map(|b| self.covered[a].and_count(&self.covered[b])).collect()).collect();
        Overlap { codes: self.catalogue.iter().map(|p| p.code.clone()).collect(), communes }
    }

    /// Evaluates the programme's rule (or `rule` when given) and compares it with the
    /// communes the programme covers. `None`: unknown programme, or no rule.
    pub fn eligibility(&self, r: &Referential, code: &str, rule: Option<&Rule>) -> Option<EligibilityReport> {
        let p = self.position(code)?;
        let rule = rule.or_else(|| self.rules.get(code))?;
        let eligible = rule.eligible(r, |q, i| self.covers(q, i));
        let covered = &self.covered[p];
        let eligible_not_member = eligible.iter().copied().filter(|&i| !covered.get(i)).collect();
        let mut flags = Bits::new(r.len());
        for &i in &eligible {
            flags.set(i);
        }
        let member_not_eligible = covered.iter().filter(|&i| !flags.get(i)).collect();
        Some(EligibilityReport { eligible, eligible_not_member, member_not_eligible })
    }

    /// Memberships whose territory is not in the referential (e.g. retired by a later COG).
    pub fn unresolved(&self) -> usize {
        self.at.iter().filter(|a| a.is_none()).count()
    }
}

/// The communes the territory at `idx` covers.
pub fn communes_of(r: &Referential, idx: u32) -> Vec<u32> {
    let t = r.at(idx);
    match t.kind {
        TerritoryKind::Commune => vec![idx],
        TerritoryKind::ArrondissementMunicipal => {
            t.parents.commune.as_deref().and_then(|c| r.index_of(TerritoryKind::Commune, c)).into_iter().collect()
        }
        _ => r.contained(idx).iter().copied().filter(|&c| r.at(c).kind == TerritoryKind::Commune).collect(),
    }
}

/// The commune a place stands in (an arrondissement's code gives its commune).
fn place_commune(r: &Referential, code: &str) -> Option<u32> {
    r.index_of(TerritoryKind::Commune, code).or_else(|| {
        let a = r.get(TerritoryKind::ArrondissementMunicipal, code)?;
        r.index_of(TerritoryKind::Commune, a.parents.commune.as_deref()?)
    })
}

/// Great-circle distance in km (haversine, mean Earth radius).
pub fn distance_km(a: Centroid, b: Centroid) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6_371.0 * h.sqrt().asin()
}

#[cfg(test)]
pub(crate) mod tests;
