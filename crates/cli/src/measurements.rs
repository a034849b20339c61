//! `cohesion import measurements|objectives`: values of one indicator per territory and
//! date, from a CSV or XLSX file (format: `cohesion_core::indicator::measure_file`).
//!
//! The whole file is read and checked against the referential and the indicator
//! before anything is written; then every value goes in one transaction with its
//! source version and audit event.

use crate::output::outln;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use calamine::{Data, Reader, open_workbook_auto};
use cohesion_core::date;
use cohesion_core::import::{Fault, Faults};
use cohesion_core::indicator::measure_file::{ParsedFile, Rows, csv_rows, parse_rows};
use cohesion_core::indicator::{self, Date, Origin, SourceInfo};
use cohesion_core::territory::{Referential, TerritoryKind, compact};

use crate::db::DbArgs;
use cohesion_app::database::Database;
use cohesion_app::indicator as indicators;

#[derive(clap::Args, Debug)]
pub struct FileArgs {
    /// Indicator code of the catalogue (see `GET /api/v1/indicators`), e.g. `poverty_rate`.
    #[arg(long)]
    pub indicator: String,
    /// Kind of the bare INSEE codes of the file: commune (default), departement, region…
    #[arg(long, default_value = "commune")]
    pub kind: String,
    /// XLSX: the sheet to read (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Check only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub db: DbArgs,
    /// CSV (`,` `;` or tab separated) or XLSX file.
    pub file: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct SourceArgs {
    /// Source code: a known one (insee-rp, insee-filosofi, dgfip-dvf, drees-apl, local…)
    /// fills the metadata below; any other needs --name, --producer and --distributor.
    #[arg(long)]
    pub source: String,
    /// Date of this version of the source (publication or millésime), YYYY-MM-DD.
    #[arg(long)]
    pub version: String,
    /// open_data (published by a producer) or local (the territory's own figures).
    #[arg(long, default_value = "open_data")]
    pub origin: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub producer: Option<String>,
    #[arg(long)]
    pub distributor: Option<String>,
    #[arg(long)]
    pub methodology: Option<String>,
    /// Known limits of the source (secret statistics, coverage…).
    #[arg(long)]
    pub limits: Option<String>,
}

impl SourceArgs {
    fn resolve(&self) -> anyhow::Result<(SourceInfo, Origin, Date)> {
        let origin =
            Origin::parse(&self.origin).with_context(|| format!("--origin `{}`: open_data or local", self.origin))?;
        let version: Date =
            date::iso_or_year(&self.version).with_context(|| format!("--version `{}`", self.version))?;
        let mut info = match indicator::find_source(&self.source) {
            Some(known) => known.to_info(),
            None => SourceInfo { code: self.source.clone(), ..SourceInfo::default() },
        };
        let set = |field: &mut String, v: &Option<String>| {
            if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
                *field = v.trim().to_owned();
            }
        };
        set(&mut info.name, &self.name);
        set(&mut info.producer, &self.producer);
        set(&mut info.distributor, &self.distributor);
        set(&mut info.methodology, &self.methodology);
        set(&mut info.limits, &self.limits);
        let missing: Vec<&str> =
            [("--name", &info.name), ("--producer", &info.producer), ("--distributor", &info.distributor)]
                .into_iter()
                .filter(|(_, v)| v.is_empty())
                .map(|(f, _)| f)
                .collect();
        if !missing.is_empty() {
            bail!("source `{}` is not a known source: give {}", self.source, missing.join(", "));
        }
        if !self.source.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            || self.source.is_empty()
        {
            bail!("--source `{}`: lower-case letters, digits and hyphens only", self.source);
        }
        Ok((info, origin, version))
    }
}

/// Reads and checks the whole file; prints every fault and fails when there is one.
async fn read_checked(args: &FileArgs, referential: &Referential) -> anyhow::Result<ParsedFile> {
    let ind = indicator::find(&args.indicator)
        .with_context(|| format!("unknown indicator `{}` (see GET /api/v1/indicators)", args.indicator))?;
    let kind: TerritoryKind = args.kind.parse().map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
    let label = args.file.display().to_string();
    let (rows, decimal_comma) = read_table(&args.file, args.sheet.as_deref()).map_err(|f| report(&Faults(vec![f])))?;
    parse_rows(&label, &rows, decimal_comma, referential, kind, Some(ind)).map_err(|f| report(&f))
}

fn report(faults: &Faults) -> anyhow::Error {
    for f in faults.0.iter().take(200) {
        eprintln!("{f}");
    }
    if faults.0.len() > 200 {
        eprintln!("… and {} more", faults.0.len() - 200);
    }
    anyhow::anyhow!("{} fault(s) found; nothing was written", faults.0.len())
}

async fn referential(db: &DbArgs) -> anyhow::Result<(Database, Referential)> {
    let store = db.open().await?;
    store.seed_if_empty().await?;
    let r = match store.referential().await? {
        Some(r) => r,
        None => compact::read("data/territories.tsv", compact::SHIPPED).map_err(|f| anyhow::anyhow!("{f}"))?,
    };
    Ok((store, r))
}

pub async fn import_measurements(file: &FileArgs, source: &SourceArgs) -> anyhow::Result<()> {
    let (info, origin, version) = source.resolve()?;
    let (store, r) = referential(&file.db).await?;
    let parsed = read_checked(file, &r).await?;
    if file.dry_run {
        outln!(
            "valid: {} value(s), {} empty cell(s) skipped; dry run, nothing written",
            parsed.values.len(),
            parsed.skipped_empty
        );
        return Ok(());
    }
    let summary =
        indicators::import_measurements(&store, &file.indicator, &info, origin, version, &parsed.values, &actor())
            .await?;
    store.close().await;
    outln!(
        "{}: {} value(s) written from {} {} ({}){}; {} empty cell(s) skipped",
        file.indicator,
        summary.written,
        info.code,
        version,
        origin.as_str(),
        if summary.new_version { ", new source version" } else { "" },
        parsed.skipped_empty
    );
    Ok(())
}

pub async fn import_objectives(file: &FileArgs) -> anyhow::Result<()> {
    let (store, r) = referential(&file.db).await?;
    let parsed = read_checked(file, &r).await?;
    if file.dry_run {
        outln!("valid: {} objective(s); dry run, nothing written", parsed.values.len());
        return Ok(());
    }
    let changed = indicators::set_objectives(&store, &file.indicator, &parsed.values, &actor()).await?;
    store.close().await;
    outln!("{}: {changed} objective(s) set or changed, {} unchanged", file.indicator, parsed.values.len() - changed);
    Ok(())
}

pub fn actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

/// A CSV or XLSX file as numbered rows; the flag tells whether decimal commas are allowed.
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<(Rows, bool), Fault> {
    let label = path.display().to_string();
    let is_xlsx = path.extension().is_some_and(|e| {
        e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xls") || e.eq_ignore_ascii_case("ods")
    });
    if !is_xlsx {
        let text =
            std::fs::read_to_string(path).map_err(|e| Fault::file(&label, format!("lecture impossible : {e}")))?;
        let (rows, sep) = csv_rows(&label, &text)?;
        return Ok((rows, sep != ','));
    }
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
        // XLSX: read cell by cell, bounded (a far cell never builds a dense grid).
        let bytes = std::fs::read(path).map_err(|e| Fault::file(&label, format!("lecture impossible : {e}")))?;
        let records = cohesion_core::programme::table::read_xlsx_sheet(&label, &bytes, sheet)
            .map_err(|f| f.0.into_iter().next().unwrap_or_else(|| Fault::file(&label, "classeur illisible")))?;
        let rows = records
            .into_iter()
            .map(|r| (r.line, r.cells))
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
            .collect();
        return Ok((rows, true));
    }
    let mut book = open_workbook_auto(path).map_err(|e| Fault::file(&label, format!("classeur illisible : {e}")))?;
    let name = match sheet {
        Some(s) => s.to_owned(),
        None => book.sheet_names().first().cloned().ok_or_else(|| Fault::file(&label, "classeur sans feuille"))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| Fault::file(&label, format!("feuille « {name} » : {e}")))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i + 1, cells.iter().map(cell_text).collect::<Vec<_>>()))
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    Ok((rows, true))
}

/// A cell as text: numbers as Rust prints them (round-trip), dates as YYYY-MM-DD.
fn cell_text(d: &Data) -> String {
    match d {
        Data::DateTime(dt) => excel_date(dt.as_f64()).unwrap_or_else(|| d.to_string()),
        Data::Error(_) => String::new(),
        other => other.to_string(),
    }
}

/// Excel's serial day (1900 system: day 0 is 1899-12-30) to YYYY-MM-DD.
fn excel_date(serial: f64) -> Option<String> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64 - 25_569; // days from 1970-01-01
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

#[cfg(test)]
mod tests {
    use super::excel_date;

    #[test]
    fn excel_serial_dates() {
        assert_eq!(excel_date(44_927.0).as_deref(), Some("2023-01-01"));
        assert_eq!(excel_date(45_351.5).as_deref(), Some("2024-02-29"));
        assert_eq!(excel_date(-3.0), None);
    }
}
