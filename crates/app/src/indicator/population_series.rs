//! The shipped series of legal populations (`data/indicators/populations.tsv.gz`, see
//! `cohesion_core::indicator::population_series`), loaded into the database once per
//! vintage: a start reads only the file's header and asks the database which vintages it
//! holds, so a restart that has them all decompresses nothing more.

use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

use cohesion_core::indicator::Origin;
use cohesion_core::indicator::population_series::{HEADER_LINES, Header, SHIPPED_NAME, Series};
use cohesion_core::indicator::populations::POPULATION_SOURCE;
use cohesion_store::Store;
use flate2::read::GzDecoder;

use crate::AppError;

const SHIPPED: &[u8] = include_bytes!("../../../../data/indicators/populations.tsv.gz");

fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("the shipped population series is invalid: {e}"))
}

/// The vintages the shipped file holds, from its first lines only.
pub fn shipped_header() -> Result<Header, AppError> {
    let mut lines = Vec::with_capacity(HEADER_LINES);
    for line in BufReader::new(GzDecoder::new(SHIPPED)).lines().take(HEADER_LINES) {
        lines.push(line.map_err(|e| invalid(format!("{SHIPPED_NAME}: {e}")))?);
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    Header::parse(SHIPPED_NAME, &lines).map_err(invalid)
}

/// The whole shipped series.
pub fn shipped() -> Result<Series, AppError> {
    let mut text = String::new();
    GzDecoder::new(SHIPPED).read_to_string(&mut text).map_err(|e| invalid(format!("{SHIPPED_NAME}: {e}")))?;
    Series::read(SHIPPED_NAME, &text).map_err(invalid)
}

/// Loads every vintage of the shipped series that the database does not hold yet (a
/// version already there, from an earlier start or from the referential's own
/// populations, is left as it is). Returns how many vintages were loaded.
pub(crate) async fn seed(store: &Store) -> Result<usize, AppError> {
    // Logged like App::load's components (time, resident memory added), so that the
    // territory benchmark reports what the series costs a start.
    let mut meter = crate::memory::Meter::start();
    let header = shipped_header()?;
    let mut missing = Vec::new();
    for (i, vintage) in header.vintages.iter().enumerate() {
        let version = vintage.version().ok_or_else(|| invalid(format!("in-force year {}", vintage.in_force)))?;
        if !store.source_version_exists(POPULATION_SOURCE, version, Origin::OpenData).await? {
            missing.push(i);
        }
    }
    if missing.is_empty() {
        meter.component("population series (already loaded)");
        return Ok(0);
    }
    let started = Instant::now();
    let series = shipped()?;
    for &i in &missing {
        let (source, version, values) = series.measurements(i).ok_or_else(|| invalid(format!("vintage {i}")))?;
        let summary = store
            .import_measurements("population", &source, Origin::OpenData, version, &values, "system:first-start")
            .await?;
        tracing::info!(
            values = summary.written,
            version = %version,
            reference = series.header.vintages[i].reference,
            package = %series.header.vintages[i].package,
            "population series vintage loaded as measurements"
        );
    }
    tracing::info!(vintages = missing.len(), ms = started.elapsed().as_millis() as u64, "population series loaded");
    meter.component("population series");
    Ok(missing.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohesion_core::date::year_start;
    use cohesion_core::indicator::catalogue;
    use cohesion_core::territory::TerritoryKind;
    use cohesion_store::testing::{TestDb, storage_test};

    const LEFT_OUT: &str = include_str!("../../../../data/indicators/populations-left-out.tsv");

    fn left_out(code: &str, reference: &str) -> Option<&'static str> {
        LEFT_OUT.lines().map(|l| l.split('\t').collect::<Vec<_>>()).find_map(|cells| match cells.as_slice() {
            [c, _, r, reason, ..] if *c == code && *r == reference => Some(*reason),
            _ => None,
        })
    }

    #[test]
    fn shipped_series() {
        let header = shipped_header().expect("header");
        let series = shipped().expect("series");
        assert_eq!(series.header, header);
        assert_eq!(header.harmonised_to, "COG 2026");
        let years: Vec<(i32, i32)> = header.vintages.iter().map(|v| (v.reference, v.in_force)).collect();
        assert_eq!(years, [(2016, 2019), (2019, 2022), (2020, 2023), (2021, 2024), (2022, 2025), (2023, 2026)]);
        assert!(series.len() > 34_900, "{}", series.len());

        // Oullins-Pierre-Bénite (69149), commune nouvelle of 1 January 2024: its 2020
        // population is Oullins' plus Pierre-Bénite's (69152) as package 2.3.1 gives them
        // (26,994 + 10,508); its 2021 value is left out, package 4.0.0 giving Oullins'
        // alone.
        assert_eq!(series.value("69149", 2020), Some(26_994 + 10_508));
        assert_eq!(series.value("69152", 2020), None, "merged: counted in its successor");
        assert_eq!(series.value("69149", 2021), None);
        assert_eq!(left_out("69149", "2021"), Some("chef-lieu seul"));
        // Val-d'Usiers (25060) = Usiers + Goux-les-Usiers (25282) + Sombacour (25549) in 2020.
        assert_eq!(series.value("25060", 2020), Some(699 + 781 + 632));

        // Neussargues-Moissac (15141): four of its delegated communes were re-established
        // on 1 January 2025. Its values before are not split (the shares are unknown):
        // left out and listed; only 2023, drawn after the split, is there.
        for year in [2016, 2019, 2020, 2021, 2022] {
            assert_eq!(series.value("15141", year), None, "{year}");
            assert_eq!(left_out("15141", &year.to_string()), Some("rétablissement"), "{year}");
        }
        assert!(series.value("15141", 2023).is_some());
        assert_eq!(series.value("15031", 2022), None, "Celles did not exist in 2022");

        // The 2023 vintage is the referential's own (package 6.0.0): same values.
        let referential =
            cohesion_core::territory::compact::read("territories.tsv", cohesion_core::territory::compact::SHIPPED)
                .expect("referential");
        let (_, _, own) = cohesion_core::indicator::populations::legal_populations(&referential).expect("own");
        let (source, version, values) = series.measurements(5).expect("2023");
        assert_eq!(version.to_string(), "2026-01-01");
        assert!(source.name.contains("6.0.0"), "{}", source.name);
        assert_eq!(values.len(), own.len());
        assert!(own.iter().all(|v| series.value(&v.territory.code, 2023) == Some(v.value as u64)));
        // Paris' arrondissements add up to Paris in every vintage.
        for v in &header.vintages {
            let arr: u64 = (1..=20).filter_map(|a| series.value(&format!("751{a:02}"), v.reference)).sum();
            assert_eq!(Some(arr), series.value("75056", v.reference), "{}", v.reference);
        }
    }

    /// Loaded once on either backend: every vintage a source version, the values dated
    /// on their reference year, a second start loading nothing.
    async fn loaded_once(store: &Store) {
        store.sync_catalogue(catalogue(), "test").await.expect("catalogue");
        assert_eq!(seed(store).await.expect("seed"), 6);
        assert_eq!(seed(store).await.expect("again"), 0, "idempotent");
        for year in [2019, 2022, 2023, 2024, 2025, 2026] {
            let version = year_start(year).expect("date");
            assert!(store.source_version_exists(POPULATION_SOURCE, version, Origin::OpenData).await.expect("exists"));
        }
        let (from, to) = (year_start(2010).expect("from"), year_start(2030).expect("to"));
        let values = store.effective_values("population", TerritoryKind::Commune, from, to).await.expect("values");
        let mut years: Vec<&str> = values.iter().map(|v| &v.date[..4]).collect();
        years.sort_unstable();
        years.dedup();
        assert_eq!(years, ["2016", "2017", "2019", "2020", "2021", "2022", "2023"], "2017: Mayotte's census");
        let of = |code: &str, date: &str| values.iter().find(|v| v.code == code && v.date == date).map(|v| v.value);
        assert_eq!(of("69149", "2020-01-01"), Some(37_502.0));
        assert_eq!(of("69149", "2021-01-01"), None);
        assert_eq!(of("15141", "2022-01-01"), None);
        assert_eq!(of("75056", "2016-01-01"), Some(2_190_327.0));
        let in_2016 = values.iter().filter(|v| v.date == "2016-01-01").count();
        assert!(in_2016 > 34_800, "{in_2016}");
    }

    storage_test!(population_series_loaded, |db: TestDb| async move { loaded_once(&db.store).await });
}
