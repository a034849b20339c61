//! Compiling the agency's published programme lists into the shipped compact files
//! (`cohesion data programmes`), against the COG referential of this build.
//!
//! Codes that the referential does not hold are never dropped silently: each one is
//! either mapped (a commune merged since the list was made → the commune it merged
//! into, through the delegated/associated communes of the COG; a municipal
//! arrondissement → its commune; a commune's SIREN → the commune) or reported as
//! unmapped, with the file and line, in the [`Report`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use crate::import::{Fault, Faults};
use crate::territory::{Referential, TerritoryKind, TerritoryRef};

use super::csv::{self, Header, cell};
use super::{Membership, MembershipStatus, Place, parse_date};

/// What happened to one code of an upstream file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeNote {
    pub file: String,
    pub line: usize,
    pub code: String,
    pub label: String,
    /// `Some(territory)` when mapped, `None` when left out.
    pub mapped_to: Option<TerritoryRef>,
    pub reason: String,
}

/// Every code that needed attention, and how many lines were merged as duplicates.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub notes: Vec<CodeNote>,
    pub duplicates: BTreeMap<String, usize>,
}

impl Report {
    /// Writes the notes as a TSV (shipped as `data/programmes/codes.tsv` for review).
    pub fn to_tsv(&self) -> String {
        let mut out = String::from("file\tline\tcode\tlabel\toutcome\tmapped_to\treason\n");
        for n in &self.notes {
            let (outcome, to) = match &n.mapped_to {
                Some(t) => ("mapped", t.to_string()),
                None => ("unmapped", String::new()),
            };
            out.push_str(&format!("{}\t{}\t{}\t{}\t{outcome}\t{to}\t{}\n", n.file, n.line, n.code, n.label, n.reason));
        }
        out
    }
}

/// The COG's former communes (delegated, associated) and the commune each belongs to.
pub fn former_communes(communes_json: &str) -> Result<HashMap<String, String>, serde_json::Error> {
    #[derive(Deserialize)]
    struct C {
        code: String,
        #[serde(rename = "type")]
        kind: String,
        #[serde(rename = "chefLieu")]
        chef_lieu: Option<String>,
    }
    let all: Vec<C> = serde_json::from_str(communes_json)?;
    Ok(all
        .into_iter()
        .filter(|c| c.kind == "commune-deleguee" || c.kind == "commune-associee")
        .filter_map(|c| Some((c.code, c.chef_lieu?)))
        .collect())
}

/// Why an upstream code resolves to no territory (`Display`: the note's reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unresolved {
    #[error(transparent)]
    Code(#[from] crate::territory::CodeError),
    #[error("INSEE code not in the COG referential, and not a former commune of it")]
    Commune,
    #[error(
        "SIREN of no current EPCI or commune (a dissolved EPCI, a commune merged since, a PETR, an EPT or another syndicate)"
    )]
    Siren,
    #[error("unknown département")]
    Departement,
    #[error("unknown région")]
    Region,
    #[error("unknown level `{0}`")]
    Level(String),
}

/// Resolves upstream codes against the referential.
pub struct Resolver<'a> {
    r: &'a Referential,
    former: HashMap<String, String>,
    commune_siren: HashMap<&'a str, &'a str>,
}

impl<'a> Resolver<'a> {
    pub fn new(r: &'a Referential, former: HashMap<String, String>) -> Self {
        let commune_siren = r
            .all()
            .iter()
            .filter(|t| t.kind == TerritoryKind::Commune)
            .filter_map(|t| Some((t.siren.as_deref()?, t.code.as_str())))
            .collect();
        Resolver { r, former, commune_siren }
    }

    /// `Ok((territory, Some(reason)))` when mapped, `Ok((territory, None))` when found
    /// as is, `Err(reason)` when unknown.
    pub fn resolve(&self, kind: &str, code: &str) -> Result<(TerritoryRef, Option<String>), Unresolved> {
        let r = self.r;
        let found = |k: TerritoryKind, c: &str| r.get(k, c).map(|t| TerritoryRef { kind: k, code: t.code.clone() });
        match kind {
            "commune" | "insee_com" => {
                // Spreadsheets drop the leading zero of codes such as 01053.
                let unpadded = code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit());
                let padded = if unpadded { format!("0{code}") } else { code.to_owned() };
                let code = TerritoryKind::Commune.parse_code(&padded)?;
                if let Some(t) = found(TerritoryKind::Commune, &code) {
                    return Ok((t, unpadded.then(|| "INSEE code without its leading zero".to_owned())));
                }
                if let Some(a) = r.get(TerritoryKind::ArrondissementMunicipal, &code)
                    && let Some(t) = a.parents.commune.as_deref().and_then(|c| found(TerritoryKind::Commune, c))
                {
                    return Ok((
                        t,
                        Some(format!("municipal arrondissement of {}", a.parents.commune.as_deref().unwrap_or(""))),
                    ));
                }
                if let Some(t) = self.former.get(&code).and_then(|c| found(TerritoryKind::Commune, c)) {
                    return Ok((
                        t,
                        Some("former commune (delegated or associated in the COG) merged into this one".into()),
                    ));
                }
                Err(Unresolved::Commune)
            }
            "epci" | "siren" => {
                if let Some(t) = found(TerritoryKind::Epci, code) {
                    return Ok((t, None));
                }
                if let Some(c) = self.commune_siren.get(code).and_then(|c| found(TerritoryKind::Commune, c)) {
                    return Ok((c, Some("SIREN of a commune".into())));
                }
                Err(Unresolved::Siren)
            }
            "departement" => {
                let padded = if code.len() == 1 { format!("0{code}") } else { code.to_owned() };
                match found(TerritoryKind::Departement, &padded) {
                    Some(t) if padded != code => Ok((t, Some("département code without its leading zero".into()))),
                    Some(t) => Ok((t, None)),
                    None => Err(Unresolved::Departement),
                }
            }
            "region" => found(TerritoryKind::Region, code).map(|t| (t, None)).ok_or(Unresolved::Region),
            other => Err(Unresolved::Level(other.to_owned())),
        }
    }
}

/// Collects memberships, merging duplicates (same territory and group).
struct Collector {
    programme: String,
    seen: HashSet<(TerritoryRef, Option<String>)>,
    out: Vec<Membership>,
    duplicates: usize,
}

impl Collector {
    fn push(&mut self, m: Membership) {
        if self.seen.insert(m.key()) {
            self.out.push(m);
        } else {
            self.duplicates += 1;
        }
    }
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// The engagement list's schemes spelled out (`dispositif`: the names the agency's
/// own map gives them, anct-carto/engagement-citoyen `src/app.js`).
pub fn engagement_scheme(code: &str) -> &str {
    match code {
        "AI" => "Ateliers interactifs de l’Agence",
        "CCO" => "Cellule de conseil et d’orientation",
        "PATDE" => "Parcours d’accompagnement Territoires d’engagement",
        "PPTDE" => "Projets partagés Territoires d’engagement",
        other => other,
    }
}

/// Reads one upstream membership list. Two layouts are known: the agency's
/// cartography lists (`id_territoire,lib_territoire,code_geo,type_code,lib_geo,date_signature`)
/// and the engagement list (`id_engcit,codgeo,libgeo,echelon,dispositif,periode`).
/// France services memberships are per commune (the places carry the ids), with the
/// earliest labelling date of the commune's places.
pub fn read_list(
    programme: &str,
    file: &str,
    text: &str,
    resolver: &Resolver,
    places: &[Place],
    report: &mut Report,
) -> Result<Vec<Membership>, Faults> {
    let records = csv::parse(text).map_err(|l| Faults(vec![Fault::new(file, l, None, "unterminated quote")]))?;
    let Some(head) = records.first() else { return Ok(Vec::new()) };
    let h = Header::new(head);
    let engagement = h.find(&["id_engcit"]).is_some();
    let (id, name, code, kind, date) = if engagement {
        (h.find(&["id_engcit"]), h.find(&["dispositif"]), h.find(&["codgeo"]), h.find(&["echelon"]), None)
    } else {
        (
            h.find(&["id_territoire"]),
            h.find(&["lib_territoire"]),
            h.find(&["code_geo"]),
            h.find(&["type_code"]),
            h.find(&["date_signature"]),
        )
    };
    let (Some(_), Some(_)) = (code, kind) else {
        return Err(Faults(vec![Fault::new(
            file,
            1,
            None,
            "unknown layout (no code_geo/type_code nor codgeo/echelon)",
        )]));
    };
    let period = h.find(&["periode"]);
    let label = h.find(&["lib_geo", "libgeo"]);
    let fs = programme == "fs";
    let mut labelled: HashMap<&str, String> = HashMap::new();
    for p in places {
        if let Some(d) = &p.labelled_on {
            let e = labelled.entry(p.commune.as_str()).or_insert_with(|| d.clone());
            if d < e {
                *e = d.clone();
            }
        }
    }
    let mut faults = Vec::new();
    let mut c = Collector { programme: programme.to_owned(), seen: HashSet::new(), out: Vec::new(), duplicates: 0 };
    for rec in &records[1..] {
        let raw = cell(rec, code);
        let level = cell(rec, kind);
        let territory = match resolver.resolve(level, raw) {
            Ok((t, None)) => t,
            Ok((t, Some(reason))) => {
                report.notes.push(note(file, rec.line, raw, cell(rec, label), Some(t.clone()), reason));
                t
            }
            Err(reason) => {
                report.notes.push(note(file, rec.line, raw, cell(rec, label), None, reason.to_string()));
                continue;
            }
        };
        let signed_on = match cell(rec, date) {
            "" => None,
            d => match parse_date(d) {
                Some(d) => Some(d),
                None => {
                    faults.push(Fault::new(file, rec.line, Some("date_signature"), format!("`{d}` is not a date")));
                    continue;
                }
            },
        };
        let mut group_name = some(cell(rec, name));
        if engagement && let Some(n) = &group_name {
            group_name = Some(engagement_scheme(n).to_owned());
        }
        if let (true, Some(n), p) = (engagement, &group_name, cell(rec, period))
            && !p.is_empty()
        {
            group_name = Some(format!("{n} ({p})"));
        }
        c.push(Membership {
            programme: c.programme.clone(),
            group_id: if fs { None } else { some(cell(rec, id)) },
            group_name: if fs { None } else { group_name },
            status: if fs { MembershipStatus::Labelled } else { MembershipStatus::Active },
            signed_on,
            labelled_on: if fs {
                labelled.get(raw).or_else(|| labelled.get(territory.code.as_str())).cloned()
            } else {
                None
            },
            exited_on: None,
            convention: None,
            territory,
        });
    }
    if !faults.is_empty() {
        return Err(Faults(faults));
    }
    if c.duplicates > 0 {
        report.duplicates.insert(programme.to_owned(), c.duplicates);
    }
    Ok(c.out)
}

fn note(file: &str, line: usize, code: &str, label: &str, to: Option<TerritoryRef>, reason: String) -> CodeNote {
    CodeNote {
        file: file.to_owned(),
        line,
        code: code.to_owned(),
        label: label.replace(['\t', '\n'], " "),
        mapped_to: to,
        reason,
    }
}

/// Reads the France services places (`liste-fs-…csv` of anct-carto/france_services).
pub fn read_places(file: &str, text: &str, resolver: &Resolver, report: &mut Report) -> Result<Vec<Place>, Faults> {
    let records = csv::parse(text).map_err(|l| Faults(vec![Fault::new(file, l, None, "unterminated quote")]))?;
    let Some(head) = records.first() else { return Ok(Vec::new()) };
    let h = Header::new(head);
    let col = |n: &str| h.find(&[n]);
    let days = ["h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi"].map(col);
    let mut faults = Vec::new();
    let mut out = Vec::new();
    for rec in &records[1..] {
        let get = |n: &str| cell(rec, col(n));
        let raw = get("insee_com");
        let commune = match resolver.resolve("insee_com", raw) {
            Ok((_, None)) => raw.to_owned(),
            // A place in an arrondissement keeps the arrondissement's code (finer).
            Ok((_, Some(_))) if resolver.r.get(TerritoryKind::ArrondissementMunicipal, raw).is_some() => raw.to_owned(),
            Ok((t, Some(reason))) => {
                report.notes.push(note(file, rec.line, raw, get("lib_fs"), Some(t.clone()), reason));
                t.code
            }
            Err(reason) => {
                report.notes.push(note(file, rec.line, raw, get("lib_fs"), None, reason.to_string()));
                continue;
            }
        };
        let coord = |n: &str| get(n).parse::<f64>().ok();
        let (Some(lat), Some(lon)) = (coord("latitude"), coord("longitude")) else {
            faults.push(Fault::new(file, rec.line, Some("latitude"), "missing or malformed coordinates"));
            continue;
        };
        let labelled_on = get("labellisation_fs").rsplit(' ').next().and_then(parse_date);
        out.push(Place {
            id: get("id_fs").to_owned(),
            name: get("lib_fs").to_owned(),
            address: get("adresse").to_owned(),
            address_complement: some(get("complement_adresse")),
            postcode: get("code_postal").to_owned(),
            commune,
            lat,
            lon,
            hours: days.map(|d| some(cell(rec, d))),
            place_type: get("type_fs").to_owned(),
            format: get("format_fs").to_owned(),
            labelled_on,
            phone: some(get("telephone")),
            email: some(get("mail")),
        });
    }
    if faults.is_empty() { Ok(out) } else { Err(Faults(faults)) }
}
