//! The one real set of values shipped with the platform: the legal populations carried
//! by the territory referential (COG), loaded as measurements of `population`.
//!
//! The referential of vintage "COG N" carries INSEE's legal populations in force on
//! 1 January N, whose reference date is 1 January N−3 (census cycle). Mayotte, censused
//! apart, carries its 2017 census in the packaged referential. The communes of the
//! overseas collectivities (COM) have their own census calendars and are left out, as
//! are territories without a population and every level above the commune (their
//! populations in the referential are sums, not published values: the roll-up computes
//! them).

use super::measure_file::ParsedValue;
use super::{Date, SourceInfo, find_source};
use crate::date::year_start;
use crate::territory::{Referential, TerritoryKind, TerritoryRef};

pub const POPULATION_SOURCE: &str = "insee-populations-legales";
/// Census year of Mayotte's populations in the packaged referential.
pub const MAYOTTE_CENSUS_YEAR: i32 = 2017;

/// The date the legal populations of referential vintage `vintage` ("COG N") came into
/// force (1 January N): the version [`legal_populations`] loads, known without reading
/// the referential (a restart checks it before anything else).
pub fn in_force(vintage: &str) -> Option<Date> {
    year_start(vintage.rsplit(' ').next()?.parse().ok()?)
}

/// The source version (its date = entry into force) and the values, or `None` when the
/// vintage does not end with a year.
pub fn legal_populations(referential: &Referential) -> Option<(SourceInfo, Date, Vec<ParsedValue>)> {
    let in_force = in_force(referential.vintage())?;
    let year = in_force.year();
    let reference = year_start(year - 3)?;
    let mayotte = year_start(MAYOTTE_CENSUS_YEAR)?;
    let mut source = find_source(POPULATION_SOURCE)?.to_info();
    source.name = format!("Populations légales en vigueur au 1er janvier {year} ({})", referential.vintage());
    let values = referential
        .all()
        .iter()
        .filter(|t| matches!(t.kind, TerritoryKind::Commune | TerritoryKind::ArrondissementMunicipal))
        .filter(|t| t.zone.as_deref() != Some("com"))
        .filter_map(|t| {
            let population = t.population?;
            let date = if t.code.starts_with("976") { mayotte } else { reference };
            Some(ParsedValue {
                line: 0,
                territory: TerritoryRef { kind: t.kind, code: t.code.clone() },
                date,
                value: population as f64,
            })
        })
        .collect();
    Some((source, in_force, values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::territory::compact;

    #[test]
    fn shipped_populations() {
        let r = compact::read("territories.tsv", compact::SHIPPED).expect("shipped");
        let (source, version, values) = legal_populations(&r).expect("dated vintage");
        assert_eq!(version.to_string(), "2026-01-01");
        assert_eq!(source.producer, "Insee");
        let communes: Vec<&ParsedValue> =
            values.iter().filter(|v| v.territory.kind == TerritoryKind::Commune).collect();
        assert!(communes.len() > 34_800 && communes.len() < 34_969, "{}", communes.len());
        assert!(values.iter().all(|v| v.value >= 0.0));
        let se = communes.iter().find(|v| v.territory.code == "42218").expect("Saint-Étienne");
        assert_eq!(se.date.to_string(), "2023-01-01");
        assert!(communes.iter().filter(|v| v.territory.code.starts_with("976")).all(|v| v.date.year() == 2017));
    }
}
