//! An uploaded list (CSV or XLSX) as records with line numbers, so that the same
//! validation serves the command line, the API and (later) the page.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::import::{Fault, Faults};

use super::csv::{self, Record};

/// The ZIP signature every XLSX file starts with.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Reads CSV (UTF-8, `,` or `;`) or XLSX (first sheet; row numbers as in the
/// spreadsheet) from bytes, told apart by content.
pub fn read(source: &str, bytes: &[u8]) -> Result<Vec<Record>, Faults> {
    if bytes.starts_with(ZIP_MAGIC) {
        return read_xlsx(source, bytes);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| file_fault(source, TableFault::NotUtf8(e.to_string())))?;
    csv::parse(text).map_err(|line| Faults(vec![Fault::coded(source, line, None, TableFault::UnclosedQuote)]))
}

/// Why an uploaded list cannot be read. `Display` is the English message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableFault {
    #[error("not UTF-8 text (save the CSV as UTF-8): {0}")]
    NotUtf8(String),
    #[error("a quoted field is never closed")]
    UnclosedQuote,
    #[error("unreadable XLSX file: {0}")]
    UnreadableXlsx(String),
    #[error("the workbook has no sheet")]
    NoSheet,
    #[error("unreadable first sheet: {0}")]
    UnreadableSheet(String),
    /// A filled cell beyond [`MAX_COLUMNS`] (1-based column).
    #[error("a cell lies in column {column} (at most {MAX_COLUMNS} columns are read)")]
    FarColumn { column: u32 },
    #[error("more than {MAX_CELLS} filled cells: split the list")]
    TooManyCells,
}

fn file_fault(source: &str, code: TableFault) -> Faults {
    Faults(vec![Fault::coded(source, 0, None, code)])
}

/// The widest list read: a cell beyond this column is refused (a member list has a
/// handful of columns; a cell at `XFD2000` once made a dense grid of 1 GB).
pub const MAX_COLUMNS: u32 = 256;
/// The most non-empty cells read from a sheet.
pub const MAX_CELLS: usize = 2_000_000;

/// Reads the first sheet; a panic inside calamine is a fault of the file, never a
/// crash of the request. Found by `cargo fuzz` (target `table`): an overlong cell
/// reference (`r="AAAAAAAA1"`, `r="A99999999999"`) overflows calamine 0.38's arithmetic
/// and panics wherever overflow checks are on (debug builds, tests).
fn read_xlsx(source: &str, bytes: &[u8]) -> Result<Vec<Record>, Faults> {
    read_xlsx_sheet(source, bytes, None)
}

/// [`read`] of an XLSX workbook's sheet `sheet` (the first when `None`), cell by cell,
/// bounded like every upload (the command line's measurement files use it).
pub fn read_xlsx_sheet(source: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Vec<Record>, Faults> {
    std::panic::catch_unwind(|| read_cells(source, bytes, sheet)).unwrap_or_else(|_| {
        Err(file_fault(source, TableFault::UnreadableXlsx("the reader failed on a malformed sheet".into())))
    })
}

/// Reads the first sheet cell by cell (never as a dense grid): memory follows the
/// cells that hold something, bounded by [`MAX_COLUMNS`] and [`MAX_CELLS`].
fn read_cells(source: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Vec<Record>, Faults> {
    let fail = |code: TableFault| file_fault(source, code);
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| fail(TableFault::UnreadableXlsx(e.to_string())))?;
    let name = match sheet {
        Some(s) => s.to_owned(),
        None => book.sheet_names().first().cloned().ok_or_else(|| fail(TableFault::NoSheet))?,
    };
    let mut cells = book.worksheet_cells_reader(&name).map_err(|e| fail(TableFault::UnreadableSheet(e.to_string())))?;
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let (mut count, mut first_col, mut last_col) = (0usize, u32::MAX, 0u32);
    while let Some(cell) = cells.next_cell().map_err(|e| fail(TableFault::UnreadableSheet(e.to_string())))? {
        let (row, col) = cell.get_position();
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.trim().is_empty() {
            continue;
        }
        if col >= MAX_COLUMNS {
            return Err(Faults(vec![Fault::coded(
                source,
                row as usize + 1,
                None,
                TableFault::FarColumn { column: col + 1 },
            )]));
        }
        count += 1;
        if count > MAX_CELLS {
            return Err(fail(TableFault::TooManyCells));
        }
        first_col = first_col.min(col);
        last_col = last_col.max(col);
        rows.entry(row).or_default().push((col, text));
    }
    // Cells from the first filled column, as the sheet's used range starts there.
    let width = if count == 0 { 0 } else { (last_col - first_col + 1) as usize };
    Ok(rows
        .into_iter()
        .map(|(row, filled)| {
            let mut out = vec![String::new(); width];
            for (col, text) in filled {
                if let Some(slot) = out.get_mut((col - first_col) as usize) {
                    *slot = text;
                }
            }
            Record { line: row as usize + 1, cells: out }
        })
        .collect())
}

/// A cell as the text a CSV would hold. Whole numbers lose their `.0`; codes typed as
/// numbers keep no leading zero, which the validation then reports.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A spreadsheet date serial (days since 1899-12-30) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    super::civil_date(serial.floor() as i64 - 25_569)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_read_and_garbage_reported() {
        let r = read("l.csv", "code;statut\n42218;actif\n".as_bytes()).expect("csv");
        assert_eq!(r[1].cells, ["42218", "actif"]);
        let err = read("l.xlsx", b"PK\x03\x04not really a zip").expect_err("broken xlsx");
        assert!(err.0[0].message().contains("XLSX"), "{}", err);
        assert!(read("l.csv", &[0xff, 0xfe, 0x00]).is_err());
        assert_eq!(excel_date(44_344.0), "2021-05-28");
        assert_eq!(excel_date(45_351.5), "2024-02-29");
    }
}
