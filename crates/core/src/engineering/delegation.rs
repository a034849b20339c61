//! The directory of the agency's territorial delegations: who qualifies the requests
//! of each département (the prefecture, a sub-prefecture, the DDT…), as contact
//! points of services, never of named people.
//!
//! Shipped as `data/engineering/delegations.tsv` (provenance in `data/README.md`),
//! compiled from the agency's published list by [`compile`] and read by [`read`].
//! Format: line 1 `#cohesion-delegations<TAB>v1<TAB><source>`, line 2 the column
//! names, then one contact point per line.

use serde::Serialize;

use crate::date::{iso_or_french, to_iso};
use crate::import::{Fault, Faults, read_csv};

pub const SHIPPED: &str = include_str!("../../../../data/engineering/delegations.tsv");

const MAGIC: &str = "#cohesion-delegations";
const COLUMNS: [&str; 14] = [
    "id",
    "source_id",
    "departement",
    "departement_name",
    "region_name",
    "office",
    "function",
    "service",
    "address",
    "address_extra",
    "postcode",
    "city",
    "phone",
    "email",
];
/// The columns after [`COLUMNS`].
const TAIL: [&str; 2] = ["website", "updated"];

/// One contact point of a département's delegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delegation {
    /// `<département>-<rank>`: the agency's own ids are sometimes empty or repeated.
    pub id: String,
    /// The agency's id of the line, as given (may be empty or repeated).
    pub source_id: String,
    /// INSEE code of the département.
    pub departement: String,
    pub departement_name: String,
    pub region_name: String,
    /// The office (e.g. "Préfecture de l'Ain", "Direction départementale des territoires").
    pub office: String,
    /// The function of the contact (e.g. "Secrétaire général").
    pub function: String,
    pub service: String,
    pub address: String,
    pub address_extra: String,
    pub postcode: String,
    pub city: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    /// When the agency last updated the line (`YYYY-MM-DD`), if it says.
    pub updated: String,
}

/// Whether `code` is written as a département's INSEE code (`01`…`95`, `2A`, `2B`,
/// `971`…`976`).
pub fn is_departement_code(code: &str) -> bool {
    match code.len() {
        2 => code == "2A" || code == "2B" || (code.bytes().all(|b| b.is_ascii_digit()) && code != "00" && code != "20"),
        3 => code.starts_with("97") && matches!(code.as_bytes()[2], b'1'..=b'6'),
        _ => false,
    }
}

fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Compiles the agency's CSV (`delegues_anct_sans_nominatif.csv`) into the shipped
/// format; every faulty line is reported, and nothing is produced if one is.
pub fn compile(source: &str, csv: &str) -> Result<String, Faults> {
    let records = read_csv(csv, Some(b',')).map_err(|line| Faults(vec![Fault::new(source, line, None, "not CSV")]))?;
    let Some((header, rows)) = records.split_first() else {
        return Err(Faults(vec![Fault::file(source, "the file is empty")]));
    };
    let upstream = [
        "id",
        "insee_dep",
        "lib_dep",
        "lib_reg",
        "fiche_lib_admin",
        "interlocuteur_fonction",
        "interlocuteur_service",
        "interlocuteur_adresse",
        "interlocuteur_comp_adresse",
        "interlocuteur_cp",
        "interlocuteur_ville",
        "fiche_telephone",
        "fiche_mel",
        "site_web",
        "Date mise à jour",
    ];
    let col = |name: &str| header.cells.iter().position(|c| c.trim() == name);
    let mut faults = Vec::new();
    let idx: Vec<usize> = upstream
        .iter()
        .filter_map(|name| {
            let i = col(name);
            if i.is_none() {
                faults.push(Fault::new(source, header.line, Some(name), "missing column"));
            }
            i
        })
        .collect();
    if !faults.is_empty() {
        return Err(Faults(faults));
    }
    let mut out = format!("{MAGIC}\tv1\t{source}\n{}\t{}\n", COLUMNS.join("\t"), TAIL.join("\t"));
    let mut ranks = std::collections::HashMap::<String, u32>::new();
    for r in rows {
        let cell = |i: usize| clean(r.cells.get(idx[i]).map_or("", String::as_str));
        let mut cells: Vec<String> = (0..upstream.len()).map(cell).collect();
        let fault = |field: &str, m: String| Fault::new(source, r.line, Some(field), m);
        if !is_departement_code(&cells[1]) {
            faults.push(fault("insee_dep", format!("`{}` is not a département code", cells[1])));
        }
        if cells[4].is_empty() {
            faults.push(fault("fiche_lib_admin", "the office is empty".into()));
        }
        let updated = &cells[14];
        if !updated.is_empty() {
            // The agency writes D/M/YYYY as well as DD/MM/YYYY.
            let padded: Vec<String> = updated.split('/').map(|p| format!("{p:0>2}")).collect();
            match iso_or_french(&padded.join("/")) {
                Some(d) => cells[14] = to_iso(d),
                None => faults.push(fault("Date mise à jour", format!("`{updated}` is not a date DD/MM/YYYY"))),
            }
        }
        let rank = ranks.entry(cells[1].clone()).or_insert(0);
        *rank += 1;
        out.push_str(&format!("{}-{rank}\t", cells[1]));
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    if faults.is_empty() { Ok(out) } else { Err(Faults(faults)) }
}

/// Reads the shipped format.
pub fn read(source: &str, text: &str) -> Result<Vec<Delegation>, Faults> {
    let mut lines = text.lines().enumerate();
    let bad = |line: usize, m: &str| Faults(vec![Fault::new(source, line, None, m)]);
    match lines.next() {
        Some((_, l)) if l.split('\t').next() == Some(MAGIC) && l.split('\t').nth(1) == Some("v1") => {}
        _ => return Err(bad(1, "not a delegations file (#cohesion-delegations v1)")),
    }
    let expected = format!("{}\t{}", COLUMNS.join("\t"), TAIL.join("\t"));
    if lines.next().map(|(_, l)| l) != Some(expected.as_str()) {
        return Err(bad(2, "unexpected column names"));
    }
    let mut out = Vec::new();
    let mut faults = Vec::new();
    for (i, line) in lines {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() != COLUMNS.len() + TAIL.len() {
            faults.push(Fault::new(
                source,
                i + 1,
                None,
                format!("{} cells, not {}", c.len(), COLUMNS.len() + TAIL.len()),
            ));
            continue;
        }
        if !is_departement_code(c[2]) {
            faults.push(Fault::new(
                source,
                i + 1,
                Some("departement"),
                format!("`{}` is not a département code", c[2]),
            ));
            continue;
        }
        let s = |k: usize| c[k].to_owned();
        out.push(Delegation {
            id: s(0),
            source_id: s(1),
            departement: s(2),
            departement_name: s(3),
            region_name: s(4),
            office: s(5),
            function: s(6),
            service: s(7),
            address: s(8),
            address_extra: s(9),
            postcode: s(10),
            city: s(11),
            phone: s(12),
            email: s(13),
            website: s(14),
            updated: s(15),
        });
    }
    if faults.is_empty() { Ok(out) } else { Err(Faults(faults)) }
}

/// The contact points of one département, in the agency's order.
pub fn of_departement<'a>(all: &'a [Delegation], departement: &str) -> Vec<&'a Delegation> {
    all.iter().filter(|d| d.departement == departement).collect()
}
