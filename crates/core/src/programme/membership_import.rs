//! Updating a programme's list from a file (CSV or XLSX, read into rows by the
//! caller): every line checked against the referential, every fault reported with
//! its line, then the difference with the current list (added, removed, changed)
//! shown before anything is applied.
//!
//! The file is the programme's whole current list. A territory that is current in the
//! programme but absent from the file is *removed*: applying the import marks its
//! membership exited on the import date (its history stays).
//!
//! Columns (first line, any order, case ignored; French names accepted):
//! `code` (INSEE code of a commune, SIREN of an EPCI or of a commune; aliases
//! `territory_code`, `insee`, `code_insee`, `siren`, `code_geo`), optional `kind`
//! (`commune`, `epci`, `departement`, `region`; aliases `territory_kind`, `niveau`),
//! `group_id` (`id_territoire`), `group_name` (`lib_territoire`), `status` (`statut`:
//! candidate, labelled, active, exited), `signed_on` (`date_signature`), `labelled_on`
//! (`date_labellisation`), `exited_on` (`date_sortie`), `convention`. Dates `YYYY-MM-DD`
//! or `DD/MM/YYYY`. The programme's own export (`members.csv`) reads back unchanged:
//! its `programme` column, when present, must name the programme imported, and its
//! descriptive columns (`territory_name`, `departement`, `region`, `population`) are
//! ignored.
//!
//! **A missing column is not an empty value.** A field whose column is absent keeps
//! its current value on every member already in the programme (a new member gets
//! none; the status of a new member is `active`); only an empty cell in a present
//! column erases a value, and the preview counts what would be erased, per field
//! ([`MembershipDiff::erased`]).

use crate::import::FaultLog;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::import::{Fault, Faults};
use crate::territory::{CodeError, Referential, TerritoryKind, TerritoryRef, is_valid_siren};

use super::csv::{Header, Record, cell};
use super::{Membership, MembershipStatus, parse_date};

/// What applying an import changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MembershipDiff {
    pub added: Vec<Membership>,
    /// Current memberships absent from the file, as they are now (they become exited).
    pub removed: Vec<Membership>,
    /// (before, after)
    pub changed: Vec<(Membership, Membership)>,
    pub unchanged: usize,
    /// Per field, how many changed members lose a value they had (an empty cell in a
    /// present column): said in the preview as visibly as the removals.
    pub erased: Vec<Erased>,
}

/// A field that the list empties on `count` members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// `group_name`, `signed_on`, `labelled_on`, `convention`.
    pub field: &'static str,
    pub count: usize,
}

/// A list may mark at most this share of the current members exited (in percent)
/// unless its author confirms it: a header-only file once proposed to mark every
/// member of Petites villes de demain exited.
pub const MAX_UNCONFIRMED_REMOVAL_PERCENT: usize = 10;

impl MembershipDiff {
    pub fn is_noop(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// The current members before the list: those it removes, changes or keeps.
    pub fn current_before(&self) -> usize {
        self.removed.len() + self.changed.len() + self.unchanged
    }

    /// Whether the list removes more than [`MAX_UNCONFIRMED_REMOVAL_PERCENT`] of the
    /// current members, so that applying it needs an explicit confirmation.
    pub fn is_mass_removal(&self) -> bool {
        self.removed.len() * 100 > self.current_before() * MAX_UNCONFIRMED_REMOVAL_PERCENT
    }
}

fn status_alias(raw: &str) -> Option<MembershipStatus> {
    let s = crate::territory::fold(raw);
    Some(match s.as_str() {
        "candidate" | "candidat" | "candidature" => MembershipStatus::Candidate,
        "labelled" | "labellise" | "laureat" => MembershipStatus::Labelled,
        "active" | "actif" | "signe" | "en cours" | "" => MembershipStatus::Active,
        "exited" | "sorti" | "sortie" => MembershipStatus::Exited,
        _ => return None,
    })
}

/// What is wrong with a line of a member list. `Display` is the English message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MembershipFault {
    #[error("the file is empty")]
    Empty,
    #[error("no `code` column (INSEE code or SIREN)")]
    NoCodeColumn,
    #[error("empty code")]
    EmptyCode,
    #[error("`{0}`: give a `kind` column for codes that are neither INSEE commune codes nor SIREN")]
    NeedsKind(String),
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("unknown {kind} `{code}` in the referential {vintage}")]
    Unknown { kind: TerritoryKind, code: String, vintage: String },
    #[error("`{0}` is not a date (YYYY-MM-DD or DD/MM/YYYY)")]
    NotADate(String),
    #[error("`{0}` is not one of candidate, labelled, active, exited")]
    Status(String),
    #[error("an exit date goes with the status `exited`, and only with it")]
    ExitDate,
    #[error("{0} appears twice in this file (same group)")]
    Twice(TerritoryRef),
    #[error("this line belongs to programme `{0}`, not to the one imported")]
    OtherProgramme(String),
}

/// Which optional columns the file has; a field whose column is absent keeps its
/// current value.
#[derive(Debug, Clone, Copy, Default)]
struct Present {
    group_name: bool,
    status: bool,
    signed_on: bool,
    labelled_on: bool,
    exited_on: bool,
    convention: bool,
}

/// Reads the rows of an import file (the header first) into the programme's new list,
/// for a programme with no member yet (every absent column leaves its field empty).
pub fn read_rows(
    source: &str,
    programme: &str,
    records: &[Record],
    r: &Referential,
) -> Result<Vec<Membership>, Faults> {
    read_list(source, programme, records, r, std::iter::empty())
}

/// Reads the rows of an import file (the header first) into the programme's new list,
/// given its `current` memberships: a field whose column the file lacks keeps, on a
/// member already listed (same territory and group), the value it has.
pub fn read_list<'a>(
    source: &str,
    programme: &str,
    records: &[Record],
    r: &Referential,
    current: impl IntoIterator<Item = &'a Membership>,
) -> Result<Vec<Membership>, Faults> {
    let Some(head) = records.first() else {
        return Err(Faults(vec![Fault::coded(source, 0, None, MembershipFault::Empty)]));
    };
    let h = Header::new(head);
    let code = h.find(&["code", "territory_code", "insee", "code_insee", "insee_com", "siren", "code_geo", "codgeo"]);
    if code.is_none() {
        return Err(Faults(vec![Fault::coded(source, head.line, Some("code"), MembershipFault::NoCodeColumn)]));
    }
    let kind = h.find(&["kind", "territory_kind", "niveau", "echelon"]);
    let programme_col = h.find(&["programme"]);
    let group_id = h.find(&["group_id", "id_territoire"]);
    let group_name = h.find(&["group_name", "lib_territoire"]);
    let status = h.find(&["status", "statut"]);
    let signed = h.find(&["signed_on", "date_signature"]);
    let labelled = h.find(&["labelled_on", "date_labellisation"]);
    let exited = h.find(&["exited_on", "date_sortie"]);
    let convention = h.find(&["convention", "reference_convention"]);
    let present = Present {
        group_name: group_name.is_some(),
        status: status.is_some(),
        signed_on: signed.is_some(),
        labelled_on: labelled.is_some(),
        exited_on: exited.is_some(),
        convention: convention.is_some(),
    };
    let current: HashMap<_, &Membership> = current.into_iter().map(|m| (m.key(), m)).collect();
    let commune_siren: HashMap<&str, &str> = r
        .all()
        .iter()
        .filter(|t| t.kind == TerritoryKind::Commune)
        .filter_map(|t| Some((t.siren.as_deref()?, t.code.as_str())))
        .collect();
    let mut faults = FaultLog::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for rec in &records[1..] {
        let line = rec.line;
        let mut fault = |field: &str, code: MembershipFault| faults.push(Fault::coded(source, line, Some(field), code));
        let of = cell(rec, programme_col);
        if !of.is_empty() && !of.eq_ignore_ascii_case(programme) {
            fault("programme", MembershipFault::OtherProgramme(of.to_owned()));
            continue;
        }
        let raw = cell(rec, code);
        let territory = match resolve(r, &commune_siren, cell(rec, kind), raw) {
            Ok(t) => t,
            Err(msg) => {
                fault("code", msg);
                continue;
            }
        };
        let mut dates =
            [(signed, "signed_on"), (labelled, "labelled_on"), (exited, "exited_on")].map(|(col, field)| {
                match cell(rec, col) {
                    "" => Ok(None),
                    d => parse_date(d).map(Some).ok_or((field, MembershipFault::NotADate(d.to_owned()))),
                }
            });
        let mut bad = false;
        for d in &dates {
            if let Err((field, msg)) = d {
                fault(field, msg.clone());
                bad = true;
            }
        }
        let Some(st) = status_alias(cell(rec, status)) else {
            fault("status", MembershipFault::Status(cell(rec, status).to_owned()));
            continue;
        };
        if bad {
            continue;
        }
        let [signed_on, labelled_on, exited_on] =
            std::mem::replace(&mut dates, [Ok(None), Ok(None), Ok(None)]).map(|d| d.ok().flatten());
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let group_id = some(cell(rec, group_id));
        let before = current.get(&(territory.clone(), group_id.clone())).copied();
        // A present column gives the value (empty erases); an absent one keeps the
        // member's current value.
        let keep = |here: bool, value: Option<String>, old: fn(&Membership) -> &Option<String>| {
            if here { value } else { before.and_then(|b| old(b).clone()) }
        };
        let st = match (present.status, before) {
            (false, Some(b)) => b.status,
            _ => st,
        };
        let exited_on = match (present.exited_on, before) {
            (false, Some(b)) if st == MembershipStatus::Exited => b.exited_on.clone(),
            (false, _) => None,
            (true, _) => exited_on,
        };
        if (st == MembershipStatus::Exited) != exited_on.is_some() {
            fault("exited_on", MembershipFault::ExitDate);
            continue;
        }
        let m = Membership {
            programme: programme.to_owned(),
            territory,
            group_id,
            group_name: keep(present.group_name, some(cell(rec, group_name)), |m| &m.group_name),
            status: st,
            signed_on: keep(present.signed_on, signed_on, |m| &m.signed_on),
            labelled_on: keep(present.labelled_on, labelled_on, |m| &m.labelled_on),
            exited_on,
            convention: keep(present.convention, some(cell(rec, convention)), |m| &m.convention),
        };
        if !seen.insert(m.key()) {
            fault("code", MembershipFault::Twice(m.territory.clone()));
            continue;
        }
        out.push(m);
    }
    if faults.is_empty() { Ok(out) } else { Err(faults.into_faults()) }
}

fn resolve(
    r: &Referential,
    commune_siren: &HashMap<&str, &str>,
    kind: &str,
    raw: &str,
) -> Result<TerritoryRef, MembershipFault> {
    if raw.is_empty() {
        return Err(MembershipFault::EmptyCode);
    }
    let kind = match kind.trim() {
        "" if raw.len() == 9 => TerritoryKind::Epci,
        "" if raw.len() == 5 => TerritoryKind::Commune,
        "" => {
            return Err(MembershipFault::NeedsKind(raw.to_owned()));
        }
        k => k.parse::<TerritoryKind>()?,
    };
    let code = kind.parse_code(raw)?;
    if r.get(kind, &code).is_some() {
        return Ok(TerritoryRef { kind, code });
    }
    if kind == TerritoryKind::Epci
        && is_valid_siren(&code)
        && let Some(c) = commune_siren.get(code.as_str())
    {
        return Ok(TerritoryRef { kind: TerritoryKind::Commune, code: (*c).to_owned() });
    }
    Err(MembershipFault::Unknown { kind, code, vintage: r.vintage().to_owned() })
}

/// The difference between the programme's current memberships and the new list.
pub fn diff<'a>(current: impl IntoIterator<Item = &'a Membership>, new: Vec<Membership>) -> MembershipDiff {
    let mut by_key: HashMap<_, &Membership> = current.into_iter().map(|m| (m.key(), m)).collect();
    let mut d = MembershipDiff::default();
    for m in new {
        match by_key.remove(&m.key()) {
            None => d.added.push(m),
            Some(old) if *old != m => d.changed.push((old.clone(), m)),
            Some(_) => d.unchanged += 1,
        }
    }
    let mut left: Vec<&Membership> = by_key.into_values().collect();
    left.sort_by_key(|m| m.key());
    for old in left {
        if old.is_current() {
            d.removed.push(old.clone());
        } else {
            d.unchanged += 1;
        }
    }
    d.added.sort_by_key(Membership::key);
    d.changed.sort_by_key(|c| c.0.key());
    d.erased = erased(&d.changed);
    d
}

/// A membership's optional field, read.
type Field = fn(&Membership) -> &Option<String>;

/// Per field, the changed members that lose a value they had.
fn erased(changed: &[(Membership, Membership)]) -> Vec<Erased> {
    let fields: [(&'static str, Field); 4] = [
        ("group_name", |m| &m.group_name),
        ("signed_on", |m| &m.signed_on),
        ("labelled_on", |m| &m.labelled_on),
        ("convention", |m| &m.convention),
    ];
    fields
        .into_iter()
        .map(|(field, get)| Erased {
            field,
            count: changed.iter().filter(|(b, a)| get(b).is_some() && get(a).is_none()).count(),
        })
        .filter(|e| e.count > 0)
        .collect()
}

/// A removed membership as it is kept: exited on `today`.
pub fn exited(m: &Membership, today: &str) -> Membership {
    Membership { status: MembershipStatus::Exited, exited_on: Some(today.to_owned()), ..m.clone() }
}

#[cfg(test)]
mod tests;
