//! Readers for the upstream files of the yearly COG update, and the builder that turns
//! them into a [`Referential`].
//!
//! Accepted inputs (detected from the file name, else from the content):
//! - `communes.json`, `epci.json`, `departements.json`, `regions.json` of the npm
//!   package `@etalab/decoupage-administratif` (one JSON array each);
//! - the INSEE/agency typology grids as CSV (`insee_com` and one of `niveau_densite`,
//!   `niveau_ruralite`, `niveau_centralite`, `niveau_montagne`);
//! - GeoJSON centroids of EPCI (`siren_epci`), départements (`insee_dep`) and régions
//!   (`insee_reg`).
//!
//! Every fault is collected with its file and line; [`Upstream::build`] refuses to
//! build anything when there is one.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::import::{Fault, Faults, LineCounter};

use super::{Centroid, DENSITY_LEVELS, Referential, Territory, TerritoryKind};

#[derive(Deserialize)]
struct RawCommune {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    zone: Option<String>,
    departement: Option<String>,
    region: Option<String>,
    commune: Option<String>,
    siren: Option<String>,
    #[serde(rename = "codesPostaux", default)]
    postcodes: Vec<String>,
    population: Option<u64>,
}

#[derive(Deserialize)]
struct RawMember {
    code: String,
}

#[derive(Deserialize)]
struct RawEpci {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    category: String,
    #[serde(rename = "modeFinancement")]
    financing: Option<String>,
    #[serde(rename = "populationMunicipale")]
    population: Option<u64>,
    membres: Vec<RawMember>,
}

#[derive(Deserialize)]
struct RawArea {
    code: String,
    nom: String,
    region: Option<String>,
    #[serde(rename = "chefLieu")]
    chef_lieu: Option<String>,
    zone: Option<String>,
}

/// A record and where it came from.
struct At<T> {
    source: String,
    line: usize,
    value: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grid {
    Density,
    Rurality,
    Centrality,
    Mountain,
}

struct TypologyCell {
    code: String,
    grid: Grid,
    value: Option<String>,
}

/// The upstream files of one import, parsed but not yet checked against each other.
#[derive(Default)]
pub struct Upstream {
    communes: Option<Vec<At<RawCommune>>>,
    epci: Option<Vec<At<RawEpci>>>,
    departements: Option<Vec<At<RawArea>>>,
    regions: Option<Vec<At<RawArea>>>,
    centroids: HashMap<(TerritoryKind, String), Centroid>,
    typologies: Vec<At<TypologyCell>>,
    faults: Vec<Fault>,
}

/// What one file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Communes,
    Epci,
    Departements,
    Regions,
    Centroids,
    Typology,
}

impl Upstream {
    pub fn new() -> Self {
        Upstream::default()
    }

    /// Parses one file; faults are kept for [`Upstream::build`]. Returns what the
    /// file was recognised as, or `None` (and a fault) if it was not.
    pub fn add_file(&mut self, name: &str, text: &str) -> Option<FileKind> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let stem = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let stem = stem.split('.').next().unwrap_or(stem);
        let trimmed = text.trim_start();
        let kind = if trimmed.starts_with('[') {
            self.add_json_array(name, stem, text)
        } else if trimmed.starts_with('{') {
            self.add_geojson(name, text)
        } else {
            self.add_typology_csv(name, text)
        };
        if kind.is_none() && !self.faults.iter().any(|f| f.source == name) {
            self.faults.push(Fault::file(name, "not a recognised upstream file (communes.json, epci.json, departements.json, regions.json, typology CSV grid, centroid GeoJSON)"));
        }
        kind
    }

    fn add_json_array(&mut self, name: &str, stem: &str, text: &str) -> Option<FileKind> {
        let items: Vec<&RawValue> = match serde_json::from_str(text) {
            Ok(items) => items,
            Err(e) => {
                self.faults.push(Fault::new(name, e.line(), None, format!("invalid JSON: {e}")));
                return None;
            }
        };
        let first: HashMap<String, serde_json::Value> =
            items.first().and_then(|v| serde_json::from_str(v.get()).ok()).unwrap_or_default();
        let kind = match stem {
            "communes" => FileKind::Communes,
            "epci" => FileKind::Epci,
            "departements" => FileKind::Departements,
            "regions" => FileKind::Regions,
            _ if first.contains_key("membres") => FileKind::Epci,
            _ if first.contains_key("type") => FileKind::Communes,
            _ if first.contains_key("region") && !first.contains_key("departement") => FileKind::Departements,
            _ if first.contains_key("chefLieu") && !first.contains_key("departement") => FileKind::Regions,
            _ => return None,
        };
        match kind {
            FileKind::Communes => self.communes = Some(self.records(name, text, &items)),
            FileKind::Epci => self.epci = Some(self.records(name, text, &items)),
            FileKind::Departements => self.departements = Some(self.records(name, text, &items)),
            FileKind::Regions => self.regions = Some(self.records(name, text, &items)),
            FileKind::Centroids | FileKind::Typology => {}
        }
        Some(kind)
    }

    fn records<T: DeserializeOwned>(&mut self, name: &str, text: &str, items: &[&RawValue]) -> Vec<At<T>> {
        let mut out = Vec::with_capacity(items.len());
        let mut lines = LineCounter::new(text);
        for raw in items {
            let line = lines.line_of(raw.get());
            match serde_json::from_str::<T>(raw.get()) {
                Ok(value) => out.push(At { source: name.to_owned(), line, value }),
                Err(e) => self.faults.push(Fault::new(name, line, None, record_error(&e))),
            }
        }
        out
    }

    fn add_geojson(&mut self, name: &str, text: &str) -> Option<FileKind> {
        #[derive(Deserialize)]
        struct Feature {
            properties: HashMap<String, serde_json::Value>,
            geometry: Option<Geometry>,
        }
        #[derive(Deserialize)]
        struct Geometry {
            coordinates: Vec<f64>,
        }
        #[derive(Deserialize)]
        struct Collection<'a> {
            #[serde(borrow)]
            features: Vec<&'a RawValue>,
        }
        let collection: Collection<'_> = match serde_json::from_str(text) {
            Ok(c) => c,
            Err(e) => {
                self.faults.push(Fault::new(name, e.line(), None, format!("invalid GeoJSON: {e}")));
                return None;
            }
        };
        let mut lines = LineCounter::new(text);
        for raw in collection.features {
            let line = lines.line_of(raw.get());
            let feature: Feature = match serde_json::from_str(raw.get()) {
                Ok(f) => f,
                Err(e) => {
                    self.faults.push(Fault::new(name, line, None, record_error(&e)));
                    continue;
                }
            };
            let prop = |k: &str| feature.properties.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            let (kind, code) = match (prop("siren_epci"), prop("insee_dep"), prop("insee_reg")) {
                (Some(c), _, _) => (TerritoryKind::Epci, c),
                (_, Some(c), _) => (TerritoryKind::Departement, c),
                (_, _, Some(c)) => (TerritoryKind::Region, c),
                // EPT (établissements publics territoriaux) share the EPCI file: not territories here.
                _ if prop("siren_ept").is_some() => continue,
                _ => {
                    self.faults.push(Fault::new(
                        name,
                        line,
                        Some("properties"),
                        "no siren_epci, insee_dep or insee_reg",
                    ));
                    continue;
                }
            };
            match feature.geometry.as_ref().map(|g| g.coordinates.as_slice()) {
                Some(&[lon, lat]) if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => {
                    // Six decimals (about 0.1 m): what the compact form keeps.
                    let round = |x: f64| (x * 1e6).round() / 1e6;
                    self.centroids.insert((kind, code), Centroid { lon: round(lon), lat: round(lat) });
                }
                _ => self.faults.push(Fault::new(name, line, Some("geometry"), "not a point in WGS 84 degrees")),
            }
        }
        Some(FileKind::Centroids)
    }

    fn add_typology_csv(&mut self, name: &str, text: &str) -> Option<FileKind> {
        let mut lines = text.lines();
        let header: Vec<String> = split_csv(lines.next()?).into_iter().map(|h| h.trim().to_owned()).collect();
        let code_col = header.iter().position(|h| h == "insee_com")?;
        let (value_col, grid) = header.iter().enumerate().find_map(|(i, h)| {
            let grid = match h.as_str() {
                "niveau_densite" => Grid::Density,
                "niveau_ruralite" => Grid::Rurality,
                "niveau_centralite" => Grid::Centrality,
                "niveau_montagne" => Grid::Mountain,
                _ => return None,
            };
            Some((i, grid))
        })?;
        for (i, line) in lines.enumerate() {
            let line_no = i + 2;
            if line.trim().is_empty() {
                continue;
            }
            let cells = split_csv(line);
            let (Some(code), Some(value)) = (cells.get(code_col), cells.get(value_col)) else {
                self.faults.push(Fault::new(
                    name,
                    line_no,
                    None,
                    format!("{} cells, expected {}", cells.len(), header.len()),
                ));
                continue;
            };
            let value = value.trim();
            let value = match grid {
                Grid::Density if !DENSITY_LEVELS.contains(&value) => {
                    self.faults.push(Fault::new(
                        name,
                        line_no,
                        Some("niveau_densite"),
                        format!("unknown density level `{value}`"),
                    ));
                    continue;
                }
                Grid::Centrality if value.trim_start_matches(['-', ' ']) == "undefined" || value.is_empty() => None,
                _ if value.is_empty() => None,
                _ => Some(value.to_owned()),
            };
            self.typologies.push(At {
                source: name.to_owned(),
                line: line_no,
                value: TypologyCell { code: code.trim().to_owned(), grid, value },
            });
        }
        Some(FileKind::Typology)
    }

    /// Checks everything against everything and builds the new referential.
    ///
    /// With the four territory files, the hierarchy is rebuilt from them and the
    /// typologies and centroids of `base` are kept unless this input brings new ones.
    /// Without them, `base` is required and only typologies and centroids change.
    pub fn build(mut self, base: Option<&Referential>, vintage: Option<&str>) -> Result<Referential, Faults> {
        let any_territory_file =
            self.communes.is_some() || self.epci.is_some() || self.departements.is_some() || self.regions.is_some();
        let mut territories = if any_territory_file {
            self.build_hierarchy(base)
        } else {
            match base {
                Some(b) => b.all().to_vec(),
                None => {
                    self.faults.push(Fault::file("import", "no referential yet: import the territory files first"));
                    Vec::new()
                }
            }
        };
        let index: HashMap<(TerritoryKind, String), usize> =
            territories.iter().enumerate().map(|(i, t)| ((t.kind, t.code.clone()), i)).collect();
        for cell in std::mem::take(&mut self.typologies) {
            let At { source, line, value: cell } = cell;
            let Some(&i) = index.get(&(TerritoryKind::Commune, cell.code.clone())) else {
                self.faults.push(Fault::new(
                    &source,
                    line,
                    Some("insee_com"),
                    format!("unknown commune `{}`", cell.code),
                ));
                continue;
            };
            let typo = &mut territories[i].typology;
            match cell.grid {
                Grid::Density => {
                    typo.density_level = cell
                        .value
                        .as_deref()
                        .and_then(|v| DENSITY_LEVELS.iter().position(|l| *l == v))
                        .and_then(|p| u8::try_from(p + 1).ok());
                }
                Grid::Rurality => typo.rurality = cell.value,
                Grid::Centrality => typo.centrality = cell.value,
                Grid::Mountain => typo.mountain = cell.value,
            }
        }
        for ((kind, code), c) in std::mem::take(&mut self.centroids) {
            match index.get(&(kind, code.clone())) {
                Some(&i) => territories[i].centroid = Some(c),
                None => self.faults.push(Fault::file("centroids", format!("unknown {kind} `{code}`"))),
            }
        }
        if !self.faults.is_empty() {
            return Err(Faults(self.faults));
        }
        let vintage = vintage.map(str::to_owned).or_else(|| base.map(|b| b.vintage().to_owned())).unwrap_or_default();
        Referential::new(vintage, territories)
            .map_err(|e| Faults(e.faults.into_iter().map(|m| Fault::file("referential", m)).collect()))
    }

    fn build_hierarchy(&mut self, base: Option<&Referential>) -> Vec<Territory> {
        let presence = [
            (self.communes.is_some(), "communes"),
            (self.epci.is_some(), "epci"),
            (self.departements.is_some(), "departements"),
            (self.regions.is_some(), "regions"),
        ];
        for (present, what) in presence {
            if !present {
                self.faults.push(Fault::file(
                    "import",
                    format!("{what}.json is missing: a COG update needs communes, epci, departements and regions"),
                ));
            }
        }
        let (Some(communes), Some(epcis), Some(deps), Some(regs)) =
            (self.communes.take(), self.epci.take(), self.departements.take(), self.regions.take())
        else {
            return Vec::new();
        };
        let mut out: Vec<Territory> = Vec::with_capacity(communes.len() + epcis.len() + 200);
        let keep = |kind: TerritoryKind, code: &str| base.and_then(|b| b.get(kind, code));

        // Régions and départements.
        for r in &regs {
            let Some(code) = self.code(r, TerritoryKind::Region, &r.value.code) else { continue };
            let mut t = Territory::new(TerritoryKind::Region, code, r.value.nom.clone());
            t.chef_lieu = r.value.chef_lieu.clone();
            t.zone = r.value.zone.clone();
            out.push(t);
        }
        for d in &deps {
            let Some(code) = self.code(d, TerritoryKind::Departement, &d.value.code) else { continue };
            let mut t = Territory::new(TerritoryKind::Departement, code, d.value.nom.clone());
            t.chef_lieu = d.value.chef_lieu.clone();
            t.zone = d.value.zone.clone();
            t.parents.region = d.value.region.clone();
            if t.parents.region.is_none() {
                self.faults.push(Fault::new(&d.source, d.line, Some("region"), "missing"));
            }
            out.push(t);
        }

        // EPCI membership of each commune.
        let mut epci_of: HashMap<String, String> = HashMap::new();
        for e in &epcis {
            for m in &e.value.membres {
                if let Some(previous) = epci_of.insert(m.code.clone(), e.value.code.clone()) {
                    self.faults.push(Fault::new(
                        &e.source,
                        e.line,
                        Some("membres"),
                        format!("commune {} is already a member of EPCI {previous}", m.code),
                    ));
                }
            }
        }

        // Communes and municipal arrondissements.
        let mut commune_dep: HashMap<String, (String, u64)> = HashMap::new();
        let mut arrondissements = Vec::new();
        for c in &communes {
            let kind = match c.value.kind.as_str() {
                "commune-actuelle" => TerritoryKind::Commune,
                "arrondissement-municipal" => TerritoryKind::ArrondissementMunicipal,
                // Delegated and associated communes are not territories of their own.
                "commune-deleguee" | "commune-associee" => continue,
                other => {
                    self.faults.push(Fault::new(&c.source, c.line, Some("type"), format!("unknown type `{other}`")));
                    continue;
                }
            };
            let Some(code) = self.code(c, kind, &c.value.code) else { continue };
            let mut t = Territory::new(kind, code.clone(), c.value.nom.clone());
            t.population = c.value.population;
            t.siren = c.value.siren.clone();
            t.postcodes = c.value.postcodes.clone();
            t.zone = c.value.zone.clone();
            t.parents.departement = c.value.departement.clone();
            t.parents.region = c.value.region.clone();
            if t.parents.departement.is_none() || t.parents.region.is_none() {
                self.faults.push(Fault::new(
                    &c.source,
                    c.line,
                    Some("departement"),
                    "département and région are required",
                ));
            }
            if let Some(prev) = keep(kind, &code) {
                t.typology = prev.typology.clone();
                t.centroid = prev.centroid;
            }
            if kind == TerritoryKind::Commune {
                t.parents.epci = epci_of.get(&code).cloned();
                if let Some(d) = &t.parents.departement {
                    commune_dep.insert(code, (d.clone(), t.population.unwrap_or(0)));
                }
                out.push(t);
            } else {
                t.parents.commune = c.value.commune.clone();
                if t.parents.commune.is_none() {
                    self.faults.push(Fault::new(
                        &c.source,
                        c.line,
                        Some("commune"),
                        "an arrondissement municipal names its commune",
                    ));
                }
                arrondissements.push(t);
            }
        }
        let epci_by_commune: HashMap<String, Option<String>> = out
            .iter()
            .filter(|t| t.kind == TerritoryKind::Commune)
            .map(|t| (t.code.clone(), t.parents.epci.clone()))
            .collect();
        for mut a in arrondissements {
            a.parents.epci = a.parents.commune.as_ref().and_then(|c| epci_by_commune.get(c).cloned().flatten());
            out.push(a);
        }

        // EPCI: départements spanned, by population.
        let region_of: HashMap<String, Option<String>> = out
            .iter()
            .filter(|t| t.kind == TerritoryKind::Departement)
            .map(|t| (t.code.clone(), t.parents.region.clone()))
            .collect();
        for e in &epcis {
            let Some(code) = self.code(e, TerritoryKind::Epci, &e.value.code) else { continue };
            let mut weights: Vec<(String, u64)> = Vec::new();
            for m in &e.value.membres {
                match commune_dep.get(&m.code) {
                    Some((d, pop)) => match weights.iter_mut().find(|(dd, _)| dd == d) {
                        Some((_, w)) => *w += pop,
                        None => weights.push((d.clone(), *pop)),
                    },
                    None => self.faults.push(Fault::new(
                        &e.source,
                        e.line,
                        Some("membres"),
                        format!("member {} is not a current commune", m.code),
                    )),
                }
            }
            weights.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let mut t = Territory::new(TerritoryKind::Epci, code.clone(), e.value.nom.clone());
            t.siren = Some(code.clone());
            t.population = e.value.population;
            t.category = Some(e.value.category.clone());
            t.financing = e.value.financing.clone();
            t.departements = weights.into_iter().map(|(d, _)| d).collect();
            t.parents.departement = t.departements.first().cloned();
            t.parents.region = t.parents.departement.as_ref().and_then(|d| region_of.get(d).cloned().flatten());
            if let Some(prev) = keep(TerritoryKind::Epci, &code) {
                t.centroid = prev.centroid;
            }
            out.push(t);
        }

        // Populations of départements and régions: sums of their communes.
        let mut sums: HashMap<(TerritoryKind, String), u64> = HashMap::new();
        for t in out.iter().filter(|t| t.kind == TerritoryKind::Commune) {
            let pop = t.population.unwrap_or(0);
            if let Some(d) = &t.parents.departement {
                *sums.entry((TerritoryKind::Departement, d.clone())).or_default() += pop;
            }
            if let Some(r) = &t.parents.region {
                *sums.entry((TerritoryKind::Region, r.clone())).or_default() += pop;
            }
        }
        for t in &mut out {
            if matches!(t.kind, TerritoryKind::Departement | TerritoryKind::Region) {
                t.population = sums.get(&(t.kind, t.code.clone())).copied();
                if let Some(prev) = keep(t.kind, &t.code) {
                    t.centroid = prev.centroid;
                }
            }
        }
        out
    }

    fn code<T>(&mut self, at: &At<T>, kind: TerritoryKind, raw: &str) -> Option<String> {
        match kind.parse_code(raw) {
            Ok(c) => Some(c),
            Err(e) => {
                self.faults.push(Fault::new(&at.source, at.line, Some("code"), e.to_string()));
                None
            }
        }
    }
}

/// A serde error inside one record, without serde's position (relative to the record,
/// hence misleading: the fault already carries the line in the file).
fn record_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    msg.split(" at line ").next().unwrap_or(&msg).to_owned()
}

/// Splits one CSV line (RFC 4180 quoting; no newline inside a field in these files),
/// with the shared reader `import::read_csv`. An unterminated quote keeps the rest of
/// the line in the last cell, as before.
fn split_csv(line: &str) -> Vec<String> {
    match crate::import::read_csv(line, Some(b',')) {
        Ok(mut records) if !records.is_empty() => records.swap_remove(0).cells,
        _ => {
            let closed = format!("{line}\"");
            crate::import::read_csv(&closed, Some(b','))
                .ok()
                .and_then(|mut r| r.pop())
                .map_or_else(Vec::new, |r| r.cells)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGIONS: &str =
        "[\n{\"code\":\"84\",\"chefLieu\":\"69123\",\"nom\":\"Auvergne-Rhône-Alpes\",\"zone\":\"metro\"}\n]\n";
    const DEPS: &str =
        "[\n{\"code\":\"42\",\"region\":\"84\",\"chefLieu\":\"42218\",\"nom\":\"Loire\",\"zone\":\"metro\"}\n]\n";
    const EPCI: &str = "[\n{\"code\":\"244200770\",\"nom\":\"Saint-Étienne Métropole\",\"type\":\"METRO\",\"modeFinancement\":\"FPU\",\"populationMunicipale\":400000,\"membres\":[{\"code\":\"42218\"}]}\n]\n";
    const COMMUNES: &str = "[\n{\"code\":\"42218\",\"nom\":\"Saint-Étienne\",\"type\":\"commune-actuelle\",\"zone\":\"metro\",\"departement\":\"42\",\"region\":\"84\",\"siren\":\"214202186\",\"codesPostaux\":[\"42000\"],\"population\":173136},\n{\"code\":\"42999\",\"nom\":\"Ancienne\",\"type\":\"commune-deleguee\",\"departement\":\"42\",\"region\":\"84\",\"zone\":\"metro\"}\n]\n";

    fn full() -> Upstream {
        let mut u = Upstream::new();
        assert_eq!(u.add_file("regions.json", REGIONS), Some(FileKind::Regions));
        assert_eq!(u.add_file("departements.json", DEPS), Some(FileKind::Departements));
        assert_eq!(u.add_file("epci.json", EPCI), Some(FileKind::Epci));
        assert_eq!(u.add_file("communes.json", COMMUNES), Some(FileKind::Communes));
        u
    }

    #[test]
    fn builds_the_hierarchy() {
        let mut u = full();
        let csv = "\u{feff}insee_com,lib_com,niveau_densite\n42218,Saint-Étienne,Grands centres urbains\n";
        assert_eq!(u.add_file("grille_densite.csv", csv), Some(FileKind::Typology));
        let r = u.build(None, Some("COG 2026")).expect("valid");
        let se = r.get(TerritoryKind::Commune, "42218").expect("commune");
        assert_eq!(se.parents.epci.as_deref(), Some("244200770"));
        assert_eq!(se.typology.density_level, Some(1));
        assert_eq!(r.get(TerritoryKind::Departement, "42").and_then(|d| d.population), Some(173_136));
        assert_eq!(
            r.get(TerritoryKind::Epci, "244200770").map(|e| e.departements.clone()),
            Some(vec!["42".to_owned()])
        );
        assert!(r.get(TerritoryKind::Commune, "42999").is_none());
    }

    #[test]
    fn reports_every_fault_with_its_line() {
        let mut u = full();
        let bad = COMMUNES.replace("\"42218\",\"nom\"", "\"4221\",\"nom\"").replace("173136", "\"many\"");
        u.add_file("communes.json", &bad);
        let csv = "insee_com,lib_com,niveau_densite\n42218,x,Grands centres urbains\n99999,y,Tout petit\n";
        u.add_file("grille_densite.csv", csv);
        let err = u.build(None, Some("COG 2026")).expect_err("faulty");
        let lines: Vec<(String, usize)> = err.0.iter().map(|f| (f.source.clone(), f.line)).collect();
        assert!(lines.contains(&("communes.json".into(), 2)), "{err}");
        assert!(lines.contains(&("grille_densite.csv".into(), 3)), "{err}");
    }

    #[test]
    fn missing_files_and_unknown_files() {
        let mut u = Upstream::new();
        u.add_file("communes.json", COMMUNES);
        assert_eq!(u.add_file("notes.txt", "hello"), None);
        let err = u.build(None, None).expect_err("incomplete");
        assert!(err.0.iter().any(|f| f.message().contains("epci.json is missing")), "{err}");
        assert!(err.0.iter().any(|f| f.source == "notes.txt"), "{err}");
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(split_csv("a,\"b, c\",\"d\"\"e\""), ["a", "b, c", "d\"e"]);
    }
}
