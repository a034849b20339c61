//! The compact programme files shipped inside the binary (`data/programmes/`): one
//! tab-separated file for the catalogue, one per programme for its memberships, one
//! for the France services places. Line 1 is a magic line with the format version,
//! line 2 the column names; empty cell = unknown; lists are space-separated.

use crate::import::{Fault, Faults};
use crate::territory::TerritoryRef;

use super::{Domain, Membership, MembershipStatus, Place, Programme, ProgrammeData, ProgrammeStatus, parse_date};

pub const CATALOGUE_COLUMNS: [&str; 11] = [
    "code",
    "acronym",
    "name",
    "domains",
    "owner",
    "started_on",
    "ended_on",
    "status",
    "upstream",
    "source",
    "description",
];
pub const MEMBER_COLUMNS: [&str; 9] =
    ["kind", "code", "group_id", "group_name", "status", "signed_on", "labelled_on", "exited_on", "convention"];
pub const PLACE_COLUMNS: [&str; 19] = [
    "id",
    "name",
    "address",
    "address_complement",
    "postcode",
    "commune",
    "lat",
    "lon",
    "hours_mon",
    "hours_tue",
    "hours_wed",
    "hours_thu",
    "hours_fri",
    "hours_sat",
    "type",
    "format",
    "labelled_on",
    "phone",
    "email",
];

macro_rules! shipped_members {
    ($($code:literal),+ $(,)?) => {
        /// The memberships shipped with this build, by programme code.
        pub const SHIPPED_MEMBERS: &[(&str, &str)] = &[
            $(($code, include_str!(concat!("../../../../data/programmes/members/", $code, ".tsv")))),+
        ];
    };
}
shipped_members!(
    "acv", "acv2", "ami", "amm", "cde", "citeduc", "fabp", "fabt", "frla", "fs", "manuprox", "pao", "pvd", "te", "ti",
    "va"
);

pub const SHIPPED_CATALOGUE: &str = include_str!("../../../../data/programmes/catalogue.tsv");
pub const SHIPPED_PLACES: &str = include_str!("../../../../data/programmes/fs_lieux.tsv");
/// The platform's reading of some programmes' published eligibility criteria (see
/// `docs/programmes.md`): one JSON rule per line.
pub const SHIPPED_RULES: &str = include_str!("../../../../data/programmes/eligibility.tsv");

/// Everything shipped, read and checked (catalogue, memberships, places, eligibility
/// rules; no actions: those are the programme teams' to write).
pub fn shipped() -> Result<ProgrammeData, Faults> {
    let mut faults = Vec::new();
    let mut data = ProgrammeData::default();
    match read_catalogue("catalogue.tsv", SHIPPED_CATALOGUE) {
        Ok(c) => data.catalogue = c,
        Err(f) => faults.extend(f.0),
    }
    for (code, text) in SHIPPED_MEMBERS {
        match read_members(&format!("members/{code}.tsv"), code, text) {
            Ok(m) => data.memberships.extend(m),
            Err(f) => faults.extend(f.0),
        }
    }
    match read_places("fs_lieux.tsv", SHIPPED_PLACES) {
        Ok(p) => data.places = p,
        Err(f) => faults.extend(f.0),
    }
    match read_rules("eligibility.tsv", SHIPPED_RULES) {
        Ok(r) => data.rules = r,
        Err(f) => faults.extend(f.0),
    }
    if faults.is_empty() { Ok(data) } else { Err(Faults(faults)) }
}

/// Reads `code<TAB>JSON rule` lines.
pub fn read_rules(source: &str, text: &str) -> Result<Vec<(String, super::eligibility::Rule)>, Faults> {
    let mut out = Vec::new();
    let mut faults = Vec::new();
    for (line, c) in rows(source, text, "#cohesion-eligibility\tv1", &["code", "rule"])? {
        match serde_json::from_str(c[1]) {
            Ok(rule) => out.push((c[0].to_owned(), rule)),
            Err(e) => faults.push(Fault::new(source, line, Some("rule"), e.to_string())),
        }
    }
    if faults.is_empty() { Ok(out) } else { Err(Faults(faults)) }
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ").trim().to_owned()
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(clean).unwrap_or_default()
}

fn write_table(magic: &str, columns: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = format!("{magic}\n{}\n", columns.join("\t"));
    for row in rows {
        out.push_str(&row.join("\t"));
        out.push('\n');
    }
    out
}

/// The data lines of a table, each with its line number, after checking the magic
/// line and the column names.
fn rows<'a>(source: &str, text: &'a str, magic: &str, columns: &[&str]) -> Result<Vec<(usize, Vec<&'a str>)>, Faults> {
    let mut lines = text.lines();
    if lines.next().map(|l| l.starts_with(magic)) != Some(true) {
        return Err(Faults(vec![Fault::new(source, 1, None, format!("expected `{magic}`"))]));
    }
    if lines.next().map(|h| h.split('\t').eq(columns.iter().copied())) != Some(true) {
        return Err(Faults(vec![Fault::new(source, 2, None, "unexpected column names")]));
    }
    let mut out = Vec::new();
    let mut faults = Vec::new();
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() == columns.len() {
            out.push((i + 3, cells));
        } else {
            faults.push(Fault::new(
                source,
                i + 3,
                None,
                format!("{} columns instead of {}", cells.len(), columns.len()),
            ));
        }
    }
    if faults.is_empty() { Ok(out) } else { Err(Faults(faults)) }
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

fn date(s: &str, field: &'static str) -> Result<Option<String>, (&'static str, String)> {
    match s {
        "" => Ok(None),
        d => parse_date(d).map(Some).ok_or((field, format!("`{d}` is not a date (YYYY-MM-DD)"))),
    }
}

pub fn write_catalogue(catalogue: &[Programme], upstream: &dyn Fn(&str) -> String) -> String {
    write_table(
        "#cohesion-programmes\tv1",
        &CATALOGUE_COLUMNS,
        catalogue.iter().map(|p| {
            vec![
                p.code.clone(),
                clean(&p.acronym),
                clean(&p.name),
                p.domains.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(" "),
                opt(&p.owner),
                opt(&p.started_on),
                opt(&p.ended_on),
                p.status.as_str().to_owned(),
                upstream(&p.code),
                clean(&p.source),
                clean(&p.description),
            ]
        }),
    )
}

/// Reads the catalogue; also returns nothing of the `upstream` column, which only the
/// compile step uses (see [`catalogue_upstreams`]).
pub fn read_catalogue(source: &str, text: &str) -> Result<Vec<Programme>, Faults> {
    let mut out = Vec::new();
    let mut faults = Vec::new();
    for (line, c) in rows(source, text, "#cohesion-programmes\tv1", &CATALOGUE_COLUMNS)? {
        let parsed = (|| -> Result<Programme, (&'static str, String)> {
            let code = c[0];
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
                return Err(("code", format!("`{code}` is not a lowercase acronym")));
            }
            let domains = c[3]
                .split(' ')
                .filter(|d| !d.is_empty())
                .map(|d| d.parse::<Domain>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ("domains", e.to_string()))?;
            Ok(Programme {
                code: code.to_owned(),
                acronym: c[1].to_owned(),
                name: c[2].to_owned(),
                domains,
                owner: some(c[4]),
                started_on: date(c[5], "started_on")?,
                ended_on: date(c[6], "ended_on")?,
                status: c[7].parse::<ProgrammeStatus>().map_err(|e| ("status", e.to_string()))?,
                source: c[9].to_owned(),
                description: c[10].to_owned(),
            })
        })();
        match parsed {
            Ok(p) => out.push(p),
            Err((field, msg)) => faults.push(Fault::new(source, line, Some(field), msg)),
        }
    }
    if faults.is_empty() { Ok(out) } else { Err(Faults(faults)) }
}

/// (code, upstream file names) of each catalogue line, for the compile step.
pub fn catalogue_upstreams(source: &str, text: &str) -> Result<Vec<(String, String)>, Faults> {
    Ok(rows(source, text, "#cohesion-programmes\tv1", &CATALOGUE_COLUMNS)?
        .into_iter()
        .map(|(_, c)| (c[0].to_owned(), c[8].to_owned()))
        .collect())
}

pub fn write_members(code: &str, members: &[Membership]) -> String {
    write_table(
        &format!("#cohesion-memberships\tv1\t{code}"),
        &MEMBER_COLUMNS,
        members.iter().map(|m| {
            vec![
                m.territory.kind.as_str().to_owned(),
                m.territory.code.clone(),
                opt(&m.group_id),
                opt(&m.group_name),
                m.status.as_str().to_owned(),
                opt(&m.signed_on),
                opt(&m.labelled_on),
                opt(&m.exited_on),
                opt(&m.convention),
            ]
        }),
    )
}

pub fn read_members(source: &str, programme: &str, text: &str) -> Result<Vec<Membership>, Faults> {
    let mut out = Vec::new();
    let mut faults = Vec::new();
    for (line, c) in rows(source, text, "#cohesion-memberships\tv1", &MEMBER_COLUMNS)? {
        let parsed = (|| -> Result<Membership, (&'static str, String)> {
            Ok(Membership {
                programme: programme.to_owned(),
                territory: TerritoryRef::parse(c[0], c[1]).map_err(|e| ("code", e.to_string()))?,
                group_id: some(c[2]),
                group_name: some(c[3]),
                status: c[4].parse::<MembershipStatus>().map_err(|e| ("status", e.to_string()))?,
                signed_on: date(c[5], "signed_on")?,
                labelled_on: date(c[6], "labelled_on")?,
                exited_on: date(c[7], "exited_on")?,
                convention: some(c[8]),
            })
        })();
        match parsed {
            Ok(m) => out.push(m),
            Err((field, msg)) => faults.push(Fault::new(source, line, Some(field), msg)),
        }
    }
    if faults.is_empty() { Ok(out) } else { Err(Faults(faults)) }
}

pub fn write_places(places: &[Place]) -> String {
    write_table(
        "#cohesion-fs-places\tv1",
        &PLACE_COLUMNS,
        places.iter().map(|p| {
            let mut row = vec![
                clean(&p.id),
                clean(&p.name),
                clean(&p.address),
                opt(&p.address_complement),
                clean(&p.postcode),
                p.commune.clone(),
                format!("{:.6}", p.lat),
                format!("{:.6}", p.lon),
            ];
            row.extend(p.hours.iter().map(opt));
            row.extend([clean(&p.place_type), clean(&p.format), opt(&p.labelled_on), opt(&p.phone), opt(&p.email)]);
            row
        }),
    )
}

pub fn read_places(source: &str, text: &str) -> Result<Vec<Place>, Faults> {
    let mut out = Vec::new();
    let mut faults = Vec::new();
    for (line, c) in rows(source, text, "#cohesion-fs-places\tv1", &PLACE_COLUMNS)? {
        let parsed = (|| -> Result<Place, (&'static str, String)> {
            let num = |s: &str, field: &'static str, range: std::ops::RangeInclusive<f64>| {
                s.parse::<f64>()
                    .ok()
                    .filter(|v| range.contains(v))
                    .ok_or((field, format!("`{s}` is not a coordinate in degrees")))
            };
            Ok(Place {
                id: c[0].to_owned(),
                name: c[1].to_owned(),
                address: c[2].to_owned(),
                address_complement: some(c[3]),
                postcode: c[4].to_owned(),
                commune: crate::territory::TerritoryKind::Commune
                    .parse_code(c[5])
                    .map_err(|e| ("commune", e.to_string()))?,
                lat: num(c[6], "lat", -90.0..=90.0)?,
                lon: num(c[7], "lon", -180.0..=180.0)?,
                hours: [some(c[8]), some(c[9]), some(c[10]), some(c[11]), some(c[12]), some(c[13])],
                place_type: c[14].to_owned(),
                format: c[15].to_owned(),
                labelled_on: date(c[16], "labelled_on")?,
                phone: some(c[17]),
                email: some(c[18]),
            })
        })();
        match parsed {
            Ok(p) => out.push(p),
            Err((field, msg)) => faults.push(Fault::new(source, line, Some(field), msg)),
        }
    }
    if faults.is_empty() { Ok(out) } else { Err(Faults(faults)) }
}
