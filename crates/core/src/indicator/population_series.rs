//! The legal populations of every vintage shipped with the platform
//! (`data/indicators/populations.tsv.gz`), harmonised to the COG 2026 by
//! `data/populations.py`: one column per vintage of the npm package
//! `@etalab/decoupage-administratif` that carries a population year of its own, a merged
//! commune's past summed into its successor, and the cases that could not be followed
//! left out (listed in `data/indicators/populations-left-out.tsv`, never guessed).
//!
//! Each vintage is loaded as one source version of `insee-populations-legales` dated on
//! its entry into force, with the same conventions as [`super::populations`]: each value
//! dated on its reference date (1 January of the census year; Mayotte, censused apart,
//! 2017), communes and municipal arrondissements only.
//!
//! Format (text once decompressed): line 1 `#cohesion-populations<TAB>v1<TAB><geography>`,
//! then `#in_force`, `#package`, `#geography` lines (one cell per vintage), then the column
//! names `kind<TAB>code<TAB><reference year>…`, then one territory per line; an empty
//! cell is a value left out.

use super::measure_file::ParsedValue;
use super::populations::{MAYOTTE_CENSUS_YEAR, POPULATION_SOURCE};
use super::{Date, SourceInfo, find_source};
use crate::date::year_start;
use crate::territory::{TerritoryKind, TerritoryRef};

/// The shipped file's name, for messages.
pub const SHIPPED_NAME: &str = "data/indicators/populations.tsv.gz";
const MAGIC: &str = "#cohesion-populations";
/// Lines before the first territory.
pub const HEADER_LINES: usize = 5;

/// One vintage: a population year as one package version carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vintage {
    /// Year the populations came into force (1 January): the source version.
    pub in_force: i32,
    /// Census reference year (1 January).
    pub reference: i32,
    /// Version of `@etalab/decoupage-administratif` the values come from.
    pub package: String,
    /// The geography the package draws them in (`COG 2024`).
    pub geography: String,
}

/// A fault in the series file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}: {reason}")]
pub struct SeriesError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

/// The header of the series: the geography the values are harmonised to and the
/// vintages, in column order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub harmonised_to: String,
    pub vintages: Vec<Vintage>,
}

/// The whole series.
#[derive(Debug, Clone)]
pub struct Series {
    pub header: Header,
    rows: Vec<(TerritoryRef, Vec<Option<u64>>)>,
}

impl Vintage {
    /// The source version: the date of entry into force.
    pub fn version(&self) -> Option<Date> {
        year_start(self.in_force)
    }

    /// The source's metadata for this vintage: a stable name per vintage.
    pub fn source(&self, harmonised_to: &str) -> Option<SourceInfo> {
        let mut source = find_source(POPULATION_SOURCE)?.to_info();
        source.name = format!(
            "Populations légales {} en vigueur au 1er janvier {} (@etalab/decoupage-administratif {}, {}, harmonisées au {harmonised_to})",
            self.reference, self.in_force, self.package, self.geography
        );
        source.limits.push_str(&format!(
            " Harmonisées au {harmonised_to} : une commune fusionnée depuis compte pour la commune qui lui a succédé ; \
             les cas non suivis (scissions, successeur inconnu, chef-lieu seul) sont écartés et listés dans \
             data/indicators/populations-left-out.tsv."
        ));
        Some(source)
    }
}

impl Header {
    /// Reads the first [`HEADER_LINES`] lines.
    pub fn parse(file: &str, lines: &[&str]) -> Result<Header, SeriesError> {
        let fault = |line: usize, reason: String| SeriesError { file: file.to_owned(), line, reason };
        let cells = |i: usize, label: &str| -> Result<Vec<&str>, SeriesError> {
            let line = lines.get(i).ok_or_else(|| fault(i + 1, "the file ends in its header".into()))?;
            let mut cells = line.trim_end_matches('\r').split('\t');
            match cells.next() {
                Some(l) if l == label => Ok(cells.collect()),
                other => Err(fault(i + 1, format!("expected `{label}`, found `{}`", other.unwrap_or("")))),
            }
        };
        let magic = cells(0, MAGIC)?;
        let (Some(&"v1"), Some(geography)) = (magic.first(), magic.get(1)) else {
            return Err(fault(1, format!("expected `{MAGIC}<TAB>v1<TAB><geography>`")));
        };
        let in_force = cells(1, "#in_force")?;
        let package = cells(2, "#package")?;
        let geo = cells(3, "#geography")?;
        let columns = cells(4, "kind")?;
        if columns.first() != Some(&"code") {
            return Err(fault(5, "expected the columns `kind<TAB>code<TAB><years>…`".into()));
        }
        let references = &columns[1..];
        let n = references.len();
        if n == 0 || in_force.len() != n || package.len() != n || geo.len() != n {
            return Err(fault(2, format!("the header lines do not all name the same {n} vintages")));
        }
        let year = |line: usize, s: &str| s.parse::<i32>().map_err(|_| fault(line, format!("`{s}` is not a year")));
        let mut vintages = Vec::with_capacity(n);
        for (((in_force, reference), package), drawn_in) in in_force.iter().zip(references).zip(&package).zip(&geo) {
            vintages.push(Vintage {
                in_force: year(2, in_force)?,
                reference: year(5, reference)?,
                package: (*package).to_owned(),
                geography: (*drawn_in).to_owned(),
            });
        }
        Ok(Header { harmonised_to: (*geography).to_owned(), vintages })
    }
}

impl Series {
    /// Reads the whole (decompressed) file; every fault names its line.
    pub fn read(file: &str, text: &str) -> Result<Series, SeriesError> {
        let lines: Vec<&str> = text.lines().collect();
        let header = Header::parse(file, &lines)?;
        let n = header.vintages.len();
        let mut rows = Vec::with_capacity(lines.len().saturating_sub(HEADER_LINES));
        for (i, line) in lines.iter().enumerate().skip(HEADER_LINES) {
            let number = i + 1;
            let fault = |reason: String| SeriesError { file: file.to_owned(), line: number, reason };
            let cells: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
            if cells.len() != n + 2 {
                return Err(fault(format!("{} cells, expected {}", cells.len(), n + 2)));
            }
            let kind = match cells[0] {
                "commune" => TerritoryKind::Commune,
                "arrondissement_municipal" => TerritoryKind::ArrondissementMunicipal,
                other => return Err(fault(format!("`{other}` is not commune or arrondissement_municipal"))),
            };
            let code = match kind.parse_code(cells[1]) {
                Ok(code) if code == cells[1] => code,
                _ => return Err(fault(format!("`{}` is not an INSEE commune code", cells[1]))),
            };
            let values = cells[2..]
                .iter()
                .map(|c| match *c {
                    "" => Ok(None),
                    c => c.parse::<u64>().map(Some).map_err(|_| fault(format!("`{c}` is not a population"))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            if rows.last().is_some_and(|(t, _): &(TerritoryRef, _)| t.code >= code) {
                return Err(fault(format!(
                    "`{code}` is not after the line before: the file is sorted by code, each once"
                )));
            }
            rows.push((TerritoryRef { kind, code }, values));
        }
        Ok(Series { header, rows })
    }

    /// Territories with at least one value.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The value of `code` (a commune or municipal arrondissement) in the vintage whose
    /// reference year is `reference`.
    pub fn value(&self, code: &str, reference: i32) -> Option<u64> {
        let column = self.header.vintages.iter().position(|v| v.reference == reference)?;
        let row = self.rows.binary_search_by(|(t, _)| t.code.as_str().cmp(code)).ok()?;
        self.rows[row].1[column]
    }

    /// The source version (metadata, date) and the values of vintage `index`, as
    /// [`super::populations::legal_populations`] gives those of the referential.
    pub fn measurements(&self, index: usize) -> Option<(SourceInfo, Date, Vec<ParsedValue>)> {
        let vintage = self.header.vintages.get(index)?;
        let version = vintage.version()?;
        let source = vintage.source(&self.header.harmonised_to)?;
        let reference = year_start(vintage.reference)?;
        let mayotte = year_start(MAYOTTE_CENSUS_YEAR)?;
        let values = self
            .rows
            .iter()
            .filter_map(|(territory, values)| {
                let value = values[index]?;
                let date = if territory.code.starts_with("976") { mayotte } else { reference };
                Some(ParsedValue { line: 0, territory: territory.clone(), date, value: value as f64 })
            })
            .collect();
        Some((source, version, values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(body: &str) -> String {
        format!(
            "#cohesion-populations\tv1\tCOG 2026\n#in_force\t2019\t2026\n#package\t0.4.0\t6.0.0\n\
             #geography\tCOG 2019\tCOG 2026\nkind\tcode\t2016\t2023\n{body}"
        )
    }

    #[test]
    fn reads_vintages_and_values() {
        let s = Series::read("t.tsv", &sample("commune\t01001\t767\t860\ncommune\t97611\t\t71437\n")).expect("valid");
        assert_eq!(s.header.harmonised_to, "COG 2026");
        assert_eq!(
            s.header.vintages[0],
            Vintage { in_force: 2019, reference: 2016, package: "0.4.0".into(), geography: "COG 2019".into() }
        );
        assert_eq!(s.value("01001", 2016), Some(767));
        assert_eq!(s.value("97611", 2016), None);
        let (source, version, values) = s.measurements(1).expect("vintage");
        assert_eq!(version.to_string(), "2026-01-01");
        assert!(source.name.contains("6.0.0"), "{}", source.name);
        assert_eq!(values.len(), 2);
        assert_eq!(values[0].date.to_string(), "2023-01-01");
        assert_eq!(values[1].date.to_string(), "2017-01-01", "Mayotte: its own census");
        assert_eq!(s.measurements(0).map(|m| m.2.len()), Some(1), "empty cells are left out");
    }

    #[test]
    fn faults_name_their_line() {
        let e =
            Series::read("t.tsv", &sample("commune\t01001\t767\t860\ncommune\t01002\tmany\t1\n")).expect_err("faulty");
        assert_eq!((e.line, e.reason.as_str()), (7, "`many` is not a population"));
        let e = Series::read("t.tsv", &sample("region\t84\t1\t2\n")).expect_err("faulty");
        assert_eq!(e.line, 6);
        let e = Series::read("t.tsv", &sample("commune\t01001\t767\n")).expect_err("faulty");
        assert!(e.reason.contains("3 cells"), "{e}");
        let e = Series::read("t.tsv", "#cohesion-territories\tv1\tCOG 2026\n").expect_err("faulty");
        assert_eq!(e.line, 1);
        assert!(Series::read("t.tsv", "#cohesion-populations\tv1\tCOG 2026\n").is_err());
    }
}
