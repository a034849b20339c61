//! Territory kinds and codes: parsed once at the edge, trusted afterwards.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of territory the platform knows.
///
/// `ArrondissementMunicipal` is one of the 45 municipal arrondissements of Paris,
/// Lyon and Marseille: a child of its commune, never counted among the communes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerritoryKind {
    Commune,
    ArrondissementMunicipal,
    Epci,
    Departement,
    Region,
}

impl TerritoryKind {
    pub const ALL: [TerritoryKind; 5] = [
        TerritoryKind::Commune,
        TerritoryKind::ArrondissementMunicipal,
        TerritoryKind::Epci,
        TerritoryKind::Departement,
        TerritoryKind::Region,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TerritoryKind::Commune => "commune",
            TerritoryKind::ArrondissementMunicipal => "arrondissement_municipal",
            TerritoryKind::Epci => "epci",
            TerritoryKind::Departement => "departement",
            TerritoryKind::Region => "region",
        }
    }

    /// Rank from the smallest to the largest level; used to tell what can contain what.
    pub fn level(self) -> u8 {
        match self {
            TerritoryKind::ArrondissementMunicipal => 0,
            TerritoryKind::Commune => 1,
            TerritoryKind::Epci => 2,
            TerritoryKind::Departement => 3,
            TerritoryKind::Region => 4,
        }
    }

    /// Checks the shape of a code of this kind and returns it normalised
    /// (upper case, so that "2a004" is "2A004").
    pub fn parse_code(self, raw: &str) -> Result<String, CodeError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok = match self {
            TerritoryKind::Commune | TerritoryKind::ArrondissementMunicipal => is_insee_commune(&code),
            TerritoryKind::Epci => is_valid_siren(&code),
            TerritoryKind::Departement => is_departement(&code),
            TerritoryKind::Region => (code.len() == 2 || code.len() == 3) && code.bytes().all(|b| b.is_ascii_digit()),
        };
        if ok { Ok(code) } else { Err(CodeError::Malformed { kind: self, code: raw.to_owned() }) }
    }
}

impl fmt::Display for TerritoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TerritoryKind {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TerritoryKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| CodeError::UnknownKind(s.to_owned()))
    }
}

/// A reference to one territory: `commune:42218`, `epci:200046977`, `departement:2A`.
///
/// Written as an object `{"kind": "commune", "code": "42218"}`; read from that object
/// or from the text `commune:42218` (what the lists, the CSV exports and the `territory`
/// filters write), so that what the platform writes anywhere it also reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TerritoryRef {
    pub kind: TerritoryKind,
    pub code: String,
}

/// The object form, as written.
#[derive(Deserialize)]
struct RefObject {
    kind: TerritoryKind,
    code: String,
}

impl<'de> Deserialize<'de> for TerritoryRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = TerritoryRef;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a territory: {\"kind\": \"commune\", \"code\": \"42218\"} or \"commune:42218\"")
            }

            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<TerritoryRef, E> {
                s.parse().map_err(E::custom)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<TerritoryRef, A::Error> {
                let o = RefObject::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(TerritoryRef { kind: o.kind, code: o.code })
            }
        }
        d.deserialize_any(Either)
    }
}

impl TerritoryRef {
    pub fn parse(kind: &str, code: &str) -> Result<Self, CodeError> {
        let kind: TerritoryKind = kind.parse()?;
        Ok(TerritoryRef { kind, code: kind.parse_code(code)? })
    }
}

impl fmt::Display for TerritoryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.code)
    }
}

impl FromStr for TerritoryRef {
    type Err = CodeError;

    /// Parses `kind:code`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, code) = s.split_once(':').ok_or_else(|| CodeError::NotARef(s.to_owned()))?;
        TerritoryRef::parse(kind, code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("unknown territory kind `{0}` (expected commune, arrondissement_municipal, epci, departement or region)")]
    UnknownKind(String),
    #[error("`{code}` is not a valid {kind} code")]
    Malformed { kind: TerritoryKind, code: String },
    #[error("`{0}` is not a territory reference of the form kind:code (e.g. commune:42218)")]
    NotARef(String),
}

/// INSEE commune code: two département characters (digits, or 2A/2B) and three digits.
fn is_insee_commune(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5
        && (b[..2].iter().all(u8::is_ascii_digit) || (b[0] == b'2' && (b[1] == b'A' || b[1] == b'B')))
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// INSEE département code: `01`–`95`, `2A`, `2B`, or three digits overseas (971…989).
fn is_departement(code: &str) -> bool {
    let b = code.as_bytes();
    match b.len() {
        2 => b.iter().all(u8::is_ascii_digit) || code == "2A" || code == "2B",
        3 => b[0] == b'9' && b.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// SIREN: nine digits whose Luhn checksum is valid.
pub fn is_valid_siren(code: &str) -> bool {
    code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit()) && luhn(code)
}

pub(crate) fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commune_codes() {
        assert_eq!(TerritoryKind::Commune.parse_code("42218"), Ok("42218".into()));
        assert_eq!(TerritoryKind::Commune.parse_code("2a004"), Ok("2A004".into()));
        assert!(TerritoryKind::Commune.parse_code("2C004").is_err());
        assert!(TerritoryKind::Commune.parse_code("4221").is_err());
        assert!(TerritoryKind::Commune.parse_code("42218x").is_err());
    }

    #[test]
    fn siren_checksum() {
        assert!(is_valid_siren("200046977"));
        assert!(!is_valid_siren("200046978"));
        assert!(!is_valid_siren("20004697"));
    }

    #[test]
    fn departement_and_region_codes() {
        for ok in ["01", "2A", "2B", "95", "971", "976", "989"] {
            assert!(TerritoryKind::Departement.parse_code(ok).is_ok(), "{ok}");
        }
        for bad in ["1", "2C", "1234", "A1"] {
            assert!(TerritoryKind::Departement.parse_code(bad).is_err(), "{bad}");
        }
        assert!(TerritoryKind::Region.parse_code("84").is_ok());
        assert!(TerritoryKind::Region.parse_code("8x").is_err());
    }

    #[test]
    fn refs_round_trip() {
        let r: TerritoryRef = "departement:42".parse().expect("valid");
        assert_eq!(r.to_string(), "departement:42");
        assert!("canton:42".parse::<TerritoryRef>().is_err());
        assert!("42".parse::<TerritoryRef>().is_err());
    }
}
