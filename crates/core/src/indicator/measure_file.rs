//! Reading a file of measurements (or objectives): one value per territory and date.
//!
//! The file is a table with a header line naming its columns (any order, other
//! columns ignored; French or English names):
//!
//! | column | content |
//! |---|---|
//! | `territoire` / `territory` | `kind:code` (`commune:42218`, `epci:200046977`), or a bare code read as below |
//! | `code_insee` / `insee` | INSEE code of a commune (5 characters), or of the `--kind` given |
//! | `siren` | SIREN of an EPCI or of a commune |
//! | `date` / `annee` / `year` | `AAAA-MM-JJ`, or `AAAA` for 1 January of that year |
//! | `valeur` / `value` | a number (`,` or `.` as decimal mark when the separator allows) |
//!
//! Exactly one of the three territory columns. Empty values (and the secret-statistics
//! markers `s`, `nd`, `n.d.`) are skipped and counted, never read as zero. Every fault is
//! reported with its line and column; the caller writes nothing unless there is none.

use crate::import::FaultLog;
use std::collections::HashMap;

use super::{Date, Indicator, ValueFault};
use crate::import::{Fault, Faults};
use crate::territory::{Referential, TerritoryKind, TerritoryRef};

/// One valid value of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedValue {
    pub line: usize,
    pub territory: TerritoryRef,
    pub date: Date,
    pub value: f64,
}

/// The valid values, and how many rows had no value (secret, not available).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedFile {
    pub values: Vec<ParsedValue>,
    pub skipped_empty: usize,
}

/// Numbered rows of a table (1-based line, cells), the header first.
pub type Rows = Vec<(usize, Vec<String>)>;

/// Splits a CSV text (`,`, `;` or tab, detected on the header; double quotes) into
/// numbered rows. Returns the separator too: decimal commas are allowed unless it is `,`.
pub fn csv_rows(source: &str, text: &str) -> Result<(Rows, char), Fault> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header = text.lines().find(|l| !l.trim().is_empty()).ok_or_else(|| Fault::file(source, "fichier vide"))?;
    let sep = [';', '\t', ','].into_iter().max_by_key(|s| header.matches(*s).count()).unwrap_or(',');
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields =
            crate::import::split_line(line, sep).map_err(|m| Fault::new(source, i + 1, None, m.to_string()))?;
        rows.push((i + 1, fields));
    }
    Ok((rows, sep))
}

#[derive(Clone, Copy, PartialEq)]
enum KeyColumn {
    Territory,
    Insee,
    Siren,
}

/// Reads the rows (header first) against the referential. `kind` is the kind of bare
/// INSEE codes (default: commune). `indicator` checks the values' range; `None` for
/// files whose values are not of one indicator.
pub fn parse_rows(
    source: &str,
    rows: &[(usize, Vec<String>)],
    decimal_comma: bool,
    referential: &Referential,
    kind: TerritoryKind,
    indicator: Option<&Indicator>,
) -> Result<ParsedFile, Faults> {
    let Some(((_, header), body)) = rows.split_first() else {
        return Err(Faults(vec![Fault::file(source, "fichier vide")]));
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |aliases: &[&str]| names.iter().position(|n| aliases.contains(&n.as_str()));
    let keys: Vec<(KeyColumn, usize)> = [
        (KeyColumn::Territory, col(&["territoire", "territory"])),
        (KeyColumn::Insee, col(&["code_insee", "insee", "codgeo", "code"])),
        (KeyColumn::Siren, col(&["siren"])),
    ]
    .into_iter()
    .filter_map(|(k, c)| c.map(|c| (k, c)))
    .collect();
    let date_col = col(&["date", "annee", "année", "year"]);
    let value_col = col(&["valeur", "value"]);
    let mut faults = FaultLog::new();
    if keys.len() != 1 {
        faults.push(Fault::new(
            source,
            1,
            None,
            "une et une seule colonne de territoire attendue : territoire, code_insee ou siren",
        ));
    }
    if date_col.is_none() {
        faults.push(Fault::new(source, 1, Some("date"), "colonne manquante"));
    }
    if value_col.is_none() {
        faults.push(Fault::new(source, 1, Some("valeur"), "colonne manquante"));
    }
    let (Some(&(key, key_col)), Some(date_col), Some(value_col)) = (keys.first(), date_col, value_col) else {
        return Err(faults.into_faults());
    };
    if !faults.is_empty() {
        return Err(faults.into_faults());
    }
    let key_name = names[key_col].clone();
    let by_siren: HashMap<&str, TerritoryRef> = if key == KeyColumn::Siren {
        referential
            .all()
            .iter()
            .filter_map(|t| t.siren.as_deref().map(|s| (s, TerritoryRef { kind: t.kind, code: t.code.clone() })))
            .collect()
    } else {
        HashMap::new()
    };
    let mut out = ParsedFile::default();
    let mut seen: HashMap<(TerritoryRef, Date), usize> = HashMap::new();
    for (line, fields) in body {
        let line = *line;
        let get = |c: usize| fields.get(c).map_or("", |s| s.trim());
        let raw_key = get(key_col);
        let territory = match key {
            KeyColumn::Territory if raw_key.contains(':') => raw_key.parse::<TerritoryRef>().map_err(|e| e.to_string()),
            KeyColumn::Territory | KeyColumn::Insee => {
                TerritoryRef::parse(kind.as_str(), raw_key).map_err(|e| e.to_string())
            }
            KeyColumn::Siren => by_siren
                .get(raw_key)
                .cloned()
                .ok_or_else(|| format!("SIREN `{raw_key}` inconnu du référentiel (ni EPCI ni commune)")),
        };
        let territory = match territory {
            Ok(t) if referential.get_ref(&t).is_some() => Some(t),
            Ok(t) => {
                faults.push(Fault::new(source, line, Some(&key_name), format!("{t} absent du référentiel")));
                None
            }
            Err(m) => {
                faults.push(Fault::new(source, line, Some(&key_name), m));
                None
            }
        };
        let date = match crate::date::iso_or_year(get(date_col)) {
            Ok(d) => Some(d),
            Err(e) => {
                faults.push(Fault::new(source, line, Some(&names[date_col]), e.to_string()));
                None
            }
        };
        let raw = get(value_col);
        if raw.is_empty() || matches!(raw.to_lowercase().as_str(), "s" | "nd" | "n.d." | "n/a") {
            out.skipped_empty += 1;
            continue;
        }
        let number = if decimal_comma { raw.replace(',', ".") } else { raw.to_owned() };
        let number: String =
            number.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}').collect();
        let value = match number.parse::<f64>() {
            Ok(v) => match indicator
                .map_or_else(|| if v.is_finite() { Ok(()) } else { Err(ValueFault::NotFinite) }, |i| i.check_value(v))
            {
                Ok(()) => Some(v),
                Err(m) => {
                    faults.push(Fault::new(source, line, Some(&names[value_col]), m.to_string()));
                    None
                }
            },
            Err(_) => {
                faults.push(Fault::new(source, line, Some(&names[value_col]), format!("`{raw}` n’est pas un nombre")));
                None
            }
        };
        let (Some(territory), Some(date), Some(value)) = (territory, date, value) else { continue };
        if let Some(first) = seen.insert((territory.clone(), date), line) {
            faults.push(Fault::new(
                source,
                line,
                Some(&key_name),
                format!("{territory} au {date} déjà donné ligne {first}"),
            ));
            continue;
        }
        out.values.push(ParsedValue { line, territory, date, value });
    }
    if out.values.is_empty() && faults.is_empty() {
        faults.push(Fault::file(source, "aucune valeur"));
    }
    if faults.is_empty() { Ok(out) } else { Err(faults.into_faults()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::find;
    use crate::territory::{Parents, Territory};

    fn referential() -> Referential {
        let com = |code: &str, siren: &str| {
            let mut t = Territory::new(TerritoryKind::Commune, code, code);
            t.siren = Some(siren.into());
            t.parents = Parents { departement: Some("42".into()), ..Parents::default() };
            t
        };
        Referential::new(
            "test",
            vec![
                Territory::new(TerritoryKind::Departement, "42", "Loire"),
                com("42218", "214202186"),
                com("42100", "214201006"),
            ],
        )
        .expect("consistent")
    }

    fn parse(text: &str, indicator: &str) -> Result<ParsedFile, Faults> {
        let (rows, sep) = csv_rows("f.csv", text).map_err(|f| Faults(vec![f]))?;
        parse_rows("f.csv", &rows, sep != ',', &referential(), TerritoryKind::Commune, find(indicator))
    }

    #[test]
    fn reads_codes_sirens_and_refs() {
        let f =
            parse("code_insee;annee;valeur;autre\n42218;2022;12,5;x\n42100;2022-06-30;s;y\n", "vacant_dwellings_share")
                .expect("valid");
        assert_eq!(f.values.len(), 1);
        assert_eq!(f.values[0].value, 12.5);
        assert_eq!(f.skipped_empty, 1);
        let f = parse("siren,date,value\n214201006,2021,3\n", "population").expect("valid");
        assert_eq!(f.values[0].territory.to_string(), "commune:42100");
        let f = parse("territoire,date,valeur\ndepartement:42,2021,\"1 234\"\n", "population").expect("valid");
        assert_eq!(f.values[0].value, 1234.0);
    }

    #[test]
    fn reports_every_fault_with_line_and_column() {
        let text = "territoire,date,valeur\n42218,2022,-3\n99999,2022,1\n42218,20x2,1\n42100,2022,abc\n42100,2023,1\n42100,2023,2\n";
        let faults = parse(text, "population").expect_err("invalid").0;
        let at: Vec<(usize, Option<&str>)> = faults.iter().map(|f| (f.line, f.field.as_deref())).collect();
        assert_eq!(
            at,
            vec![
                (2, Some("valeur")),
                (3, Some("territoire")),
                (4, Some("date")),
                (5, Some("valeur")),
                (7, Some("territoire"))
            ]
        );
        let share = parse("code_insee,date,valeur\n42218,2022,120\n", "vacant_dwellings_share").expect_err("over 100");
        assert!(share.0[0].message().contains("pourcentage"));
        assert!(parse("code_insee,siren,date,valeur\n", "population").is_err());
        assert!(
            parse("code_insee,valeur\n42218,1\n", "population").expect_err("no date").0[0].field.as_deref()
                == Some("date")
        );
    }
}
