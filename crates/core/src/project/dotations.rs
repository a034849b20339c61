//! Reads the file of the projects funded in 2019 by the State's investment grants
//! (DETR, DSIL, DSID; anct-carto/dotations_investissement_2019), one project a line:
//! `id_projet,id_dep,id_terr,nom_terr,pop19,dotation,echelon,categorie,description,
//! cout_total,montant_sub,pct_sub,lat,long`.
//!
//! The whole file is checked first: every fault comes back with its line and field,
//! and the caller writes nothing unless there is none. What the reader had to decide
//! (a merged commune mapped to today's, a territory unknown to the referential, a
//! cost of zero read as unknown, a line without its description cell) comes back as
//! notes, so that nothing is dropped or changed silently.

use crate::import::FaultLog;
use std::collections::HashSet;

use crate::import::{Fault, Faults};
use crate::territory::{TerritoryKind, TerritoryRef};

use super::csv::records;
use super::model::{ExternalId, Financing, Lead, Phase, PhaseStatus, ProjectInput, STATE, Transition};
use super::money::{parse_euros, parse_euros_rounding};

/// The tool name of the external identifiers given to these projects.
pub const TOOL: &str = "dotations-2019";

const REQUIRED: [&str; 10] = [
    "id_projet",
    "id_dep",
    "id_terr",
    "nom_terr",
    "dotation",
    "echelon",
    "categorie",
    "description",
    "cout_total",
    "montant_sub",
];

/// How the caller's referential answers for a territory of the file.
pub enum Resolution {
    /// Current, as written; with its SIREN when known.
    Current(Option<String>),
    /// A commune merged since 2019: today's commune and its SIREN.
    Merged(TerritoryRef, Option<String>),
    Unknown,
}

/// One project read from the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: usize,
    pub input: ProjectInput,
}

/// The eight categories of the file, by their number (spellings vary in the file).
const DOMAINS: [&str; 8] = [
    "Santé, sanitaire et social",
    "Économie et emploi",
    "Environnement, transition énergétique et écologie",
    "Éducation",
    "Actions et services publics",
    "Mise aux normes et sécurisation",
    "Construction, habitat, urbanisme et transports",
    "Contrat de ruralité",
];

/// The file's records, for tools that rewrite it (`cohesion data projects`).
pub fn raw_records(text: &str) -> Result<Vec<super::csv::Record>, (usize, String)> {
    records(text)
}

/// Reads and checks the whole file. `resolve` looks a territory up in the referential.
pub fn read(
    source: &str,
    text: &str,
    resolve: impl Fn(&TerritoryRef) -> Resolution,
) -> Result<(Vec<Row>, Vec<Fault>), Faults> {
    let mut faults = FaultLog::new();
    let mut notes = Vec::new();
    // One record at a time: a large file costs its rows, not its records too.
    let unclosed = |line| Faults(vec![Fault::new(source, line, None, "a quoted field is never closed")]);
    let mut it = crate::import::csv_records(text, Some(b','));
    let header = match it.next() {
        None => return Err(Faults(vec![Fault::file(source, "the file is empty")])),
        Some(Err(line)) => return Err(unclosed(line)),
        Some(Ok(header)) => header,
    };
    let col = |name: &str| header.cells.iter().position(|h| h.trim() == name);
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|c| col(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(Faults(vec![Fault::new(source, 1, None, format!("missing columns: {}", missing.join(", ")))]));
    }
    let idx = |name: &str| col(name).unwrap_or(0);
    let description_at = idx("description");
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for rec in it {
        let mut rec = rec.map_err(unclosed)?;
        let line = rec.line;
        // Four lines of the 2019 file lack the description cell (one cell short, the
        // numbers right after the category): read them with an empty description.
        if rec.cells.len() + 1 == header.cells.len() && parse_euros(&rec.cells[description_at]).is_ok() {
            rec.cells.insert(description_at, String::new());
            notes.push(Fault::new(source, line, Some("description"), "the description cell is missing; left empty"));
        }
        if rec.cells.len() != header.cells.len() {
            faults.push(Fault::new(
                source,
                line,
                None,
                format!("{} cells, {} expected", rec.cells.len(), header.cells.len()),
            ));
            continue;
        }
        let cell = |name: &str| rec.cells[idx(name)].trim();
        let mut bad = |field: &str, m: String| faults.push(Fault::new(source, line, Some(field), m));
        let id = cell("id_projet");
        if id.is_empty() {
            bad("id_projet", "empty".into());
        } else if !seen.insert(id.to_owned()) {
            bad("id_projet", format!("`{id}` appears twice"));
        }
        let kind = match cell("echelon") {
            "commune" => TerritoryKind::Commune,
            "epci" => TerritoryKind::Epci,
            "conseil_departemental" => TerritoryKind::Departement,
            other => {
                bad("echelon", format!("`{other}`: expected commune, epci or conseil_departemental"));
                continue;
            }
        };
        // Corsica is written 20A/20B for the département councils.
        let raw = match cell("id_terr") {
            "20A" if kind == TerritoryKind::Departement => "2A",
            "20B" if kind == TerritoryKind::Departement => "2B",
            other => other,
        };
        let Ok(code) = kind.parse_code(raw) else {
            bad("id_terr", format!("`{raw}` is not a {kind} code"));
            continue;
        };
        let dep = match cell("id_dep") {
            "20A" => "2A",
            "20B" => "2B",
            d => d,
        };
        let Ok(dep) = TerritoryKind::Departement.parse_code(dep) else {
            bad("id_dep", format!("`{dep}` is not a département code"));
            continue;
        };
        let written = TerritoryRef { kind, code };
        let (territory, siren) = match resolve(&written) {
            Resolution::Current(siren) => (written, siren),
            Resolution::Merged(now, siren) => {
                notes.push(Fault::new(
                    source,
                    line,
                    Some("id_terr"),
                    format!("{written} merged since 2019: now {now}"),
                ));
                (now, siren)
            }
            Resolution::Unknown => {
                let dep = TerritoryRef { kind: TerritoryKind::Departement, code: dep };
                notes.push(Fault::new(
                    source,
                    line,
                    Some("id_terr"),
                    format!(
                        "{written} ({}) is not in the referential: the project is filed under {dep}",
                        cell("nom_terr")
                    ),
                ));
                (dep, None)
            }
        };
        let scheme = cell("dotation");
        if !matches!(scheme, "DETR" | "DSIL" | "DSID") {
            bad("dotation", format!("`{scheme}`: expected DETR, DSIL or DSID"));
        }
        let category = cell("categorie");
        let number = category.split(" - ").next().and_then(|n| n.trim().parse::<usize>().ok());
        let domain = match number.and_then(|n| DOMAINS.get(n.wrapping_sub(1))) {
            Some(d) => *d,
            None => {
                bad("categorie", format!("`{category}`: expected one of the 8 numbered categories"));
                continue;
            }
        };
        let cost = parse_euros_rounding(cell("cout_total")).map_err(|m| bad("cout_total", m.to_string()));
        let grant = parse_euros_rounding(cell("montant_sub")).map_err(|m| bad("montant_sub", m.to_string()));
        let (Ok((cost, cost_rounded)), Ok((grant, grant_rounded))) = (cost, grant) else { continue };
        for (field, rounded) in [("cout_total", cost_rounded), ("montant_sub", grant_rounded)] {
            if rounded {
                let m = format!("`{}` rounded to the cent", cell(field));
                notes.push(Fault::new(source, line, Some(field), m));
            }
        }
        let total_cost_cents = if cost == 0 {
            notes.push(Fault::new(source, line, Some("cout_total"), "a cost of 0 is read as unknown"));
            None
        } else if grant > cost {
            bad("montant_sub", format!("the grant ({grant} cents) exceeds the cost ({cost} cents)"));
            continue;
        } else {
            Some(cost)
        };
        let description = rec.cells[description_at].trim().to_owned();
        let name = title(&description, scheme, cell("nom_terr"));
        let financing = if grant > 0 {
            vec![Financing {
                financer: STATE.into(),
                scheme: Some(scheme.into()),
                amount_cents: grant,
                convention: None,
            }]
        } else {
            Vec::new()
        };
        rows.push(Row {
            line,
            input: ProjectInput {
                name,
                description,
                lead: Some(Lead { name: cell("nom_terr").to_owned(), siret: siren }),
                territories: vec![territory],
                phase: Some(Phase::Operation),
                phase_status: Some(PhaseStatus::InProgress),
                transitions: if number == Some(3) { vec![Transition::Ecological] } else { Vec::new() },
                domain: Some(domain.to_owned()),
                levers: vec![],
                competences: vec![],
                start_date: None,
                end_date: None,
                total_cost_cents,
                financing,
                indicators: Vec::new(),
                budget_lines: Vec::new(),
                external_ids: vec![ExternalId { tool: TOOL.into(), id: id.to_owned() }],
            },
        });
    }
    if faults.is_empty() { Ok((rows, notes)) } else { Err(faults.into_faults()) }
}

/// A project's name from its description: the first 140 characters, cut at a word,
/// capitalised; a generic name when the file gives no description.
fn title(description: &str, scheme: &str, lead: &str) -> String {
    let d = description.split_whitespace().collect::<Vec<_>>().join(" ");
    if d.is_empty() {
        return format!("Projet financé par la {scheme} ({lead})");
    }
    let mut name = String::new();
    for word in d.split(' ') {
        if name.chars().count() + word.chars().count() + 1 > 140 {
            if name.is_empty() {
                name = word.chars().take(140).collect();
            }
            name.push('…');
            break;
        }
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(word);
    }
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name,
    }
}
