//! Former communes still known by their name and code: the communes déléguées and
//! associées of a merged commune (`data/former-communes.tsv`, from the COG's
//! `communes.json`). People still search "Arbignieu" or its code; the search leads
//! them to today's commune and says through which former commune
//! ([`super::search::SearchIndex::with_former`]).

use super::Referential;
use super::TerritoryKind;

/// The former communes shipped with this build (COG 2026).
pub const SHIPPED: &str = include_str!("../../../../data/former-communes.tsv");

/// How a former commune lives on inside today's commune.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormerKind {
    /// Commune déléguée (of a commune nouvelle).
    Delegated,
    /// Commune associée (an older kind of merger).
    Associated,
}

impl FormerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FormerKind::Delegated => "delegated",
            FormerKind::Associated => "associated",
        }
    }
}

/// A former commune and today's commune it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Former {
    /// Its own INSEE code (the same as today's commune for the seat of a merger).
    pub code: String,
    pub name: String,
    pub kind: FormerKind,
    /// Today's commune (INSEE code).
    pub commune: String,
}

/// Reads the shipped list; `Err` names the first malformed line (a build fault: the
/// file is written by `data/build.sh`).
pub fn read(text: &str) -> Result<Vec<Former>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let [code, name, kind, commune] = cells[..] else {
            return Err(format!("former-communes.tsv, line {}: 4 columns expected", i + 1));
        };
        let kind = match kind {
            "delegated" => FormerKind::Delegated,
            "associated" => FormerKind::Associated,
            other => return Err(format!("former-communes.tsv, line {}: unknown kind `{other}`", i + 1)),
        };
        out.push(Former { code: code.to_owned(), name: name.to_owned(), kind, commune: commune.to_owned() });
    }
    Ok(out)
}

/// The shipped former communes whose commune is in `referential` (a later COG may
/// have merged or renamed it: then the former commune is left out, never guessed).
pub fn shipped_for(referential: &Referential) -> Vec<Former> {
    read(SHIPPED)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| referential.get(TerritoryKind::Commune, &f.commune).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_reads_whole() {
        let all = read(SHIPPED).expect("valid");
        assert_eq!(all.len(), 2_576);
        assert_eq!(all.iter().filter(|f| f.kind == FormerKind::Associated).count(), 471);
        let arbignieu = all.iter().find(|f| f.name == "Arbignieu").expect("Arbignieu");
        assert_eq!((arbignieu.code.as_str(), arbignieu.commune.as_str()), ("01015", "01015"));
        assert!(read("code\tname\tkind\tcommune\n1\t2\n").is_err());
    }
}
