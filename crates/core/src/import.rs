//! What every importer reports: each fault with the file, line and field at fault.
//!
//! Importers validate the whole input and return every fault at once; nothing is
//! written unless the list is empty.

use std::fmt;

use serde::Serialize;

/// One fault in an input file: where (file, line, field) and what, as a typed code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// File name (or other label) of the input.
    pub source: String,
    /// 1-based line number; 0 when the fault concerns the file as a whole.
    pub line: usize,
    pub field: Option<String>,
    pub code: LineFault,
}

/// What is wrong with a line (or a file), by reader. `Display` is the English message
/// the command line prints and the API answers; the pages say the typed codes in
/// French (`web::pages::fault::line`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineFault {
    /// Reading an uploaded list (CSV or XLSX).
    #[error(transparent)]
    Table(#[from] crate::programme::table::TableFault),
    /// A programme's member list.
    #[error(transparent)]
    Membership(#[from] crate::programme::membership_import::MembershipFault),
    /// The providers' directory (`app::engineering::provider::import`).
    #[error(transparent)]
    Engineering(#[from] crate::engineering::EngineeringFault),
    /// The readers only the command line runs (territory files, the shipped data,
    /// the DETR/DSIL file, measure files), whose reasons are still sentences.
    #[error("{0}")]
    Text(String),
    /// The faults past the first [`LISTED`], counted and not listed.
    #[error("… and {0} more faults, not listed (the first {LISTED} are)")]
    More(usize),
}

/// How many faults of a file are listed; the rest are counted ([`FaultLog`]).
pub const LISTED: usize = 100;

/// The faults (or notes) of a file as a reader finds them: the first [`LISTED`] kept
/// whole, the others only counted, so that a file of millions of faulty lines costs
/// the memory of a hundred faults and its report stays readable.
#[derive(Debug, Default)]
pub struct FaultLog {
    kept: Vec<Fault>,
    more: usize,
}

impl FaultLog {
    pub fn new() -> FaultLog {
        FaultLog::default()
    }

    pub fn push(&mut self, fault: Fault) {
        if self.kept.len() < LISTED {
            self.kept.push(fault);
        } else {
            self.more += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Every fault found, listed or not.
    pub fn len(&self) -> usize {
        self.kept.len() + self.more
    }

    /// The faults listed, then one saying how many more there were (file-level, on
    /// the source of the last one listed).
    pub fn into_vec(mut self) -> Vec<Fault> {
        if self.more > 0 {
            let source = self.kept.last().map(|f| f.source.clone()).unwrap_or_default();
            self.kept.push(Fault::coded(&source, 0, None, LineFault::More(self.more)));
        }
        self.kept
    }

    pub fn into_faults(self) -> Faults {
        Faults(self.into_vec())
    }
}

impl Fault {
    /// A fault said in a sentence (the command line's readers).
    pub fn new(source: &str, line: usize, field: Option<&str>, message: impl Into<String>) -> Self {
        Fault::coded(source, line, field, LineFault::Text(message.into()))
    }

    /// A fault with its typed code.
    pub fn coded(source: &str, line: usize, field: Option<&str>, code: impl Into<LineFault>) -> Self {
        Fault { source: source.to_owned(), line, field: field.map(str::to_owned), code: code.into() }
    }

    pub fn file(source: &str, message: impl Into<String>) -> Self {
        Fault::new(source, 0, None, message)
    }

    /// The English message.
    pub fn message(&self) -> String {
        self.code.to_string()
    }
}

/// Serialised as before codes were typed: `{source, line, field, message}`.
impl Serialize for Fault {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Fault", 4)?;
        st.serialize_field("source", &self.source)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("message", &self.message())?;
        st.end()
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if self.line > 0 {
            write!(f, ", line {}", self.line)?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", shortened(&self.code.to_string(), 300))
    }
}

/// How many faults `faults` stands for: a [`LineFault::More`] counts for those it
/// counted.
pub fn count(faults: &[Fault]) -> usize {
    faults.iter().map(|f| if let LineFault::More(n) = f.code { n } else { 1 }).sum()
}

/// The text of a file that must be UTF-8; otherwise the fault names the file and the
/// line of the first byte that is not, and says what to do.
pub fn utf8(source: &str, bytes: Vec<u8>) -> Result<String, Fault> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes.get(..at).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        Fault::new(
            source,
            line,
            None,
            "the file is not UTF-8 text (probably Latin-1 or Windows-1252): save it as UTF-8 (CSV UTF-8 in a spreadsheet)",
        )
    })
}

/// `text` cut to `max` characters with an ellipsis: a fault quotes the value at fault,
/// which may be a whole megabyte cell.
pub fn shortened(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}…", &text[..cut])),
    }
}

/// Several faults; displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Faults(pub Vec<Fault>);

impl fmt::Display for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, fault) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{fault}")?;
        }
        Ok(())
    }
}

/// Turns byte offsets into 1-based line numbers, for offsets visited in increasing
/// order (each byte of the text is counted once over all calls).
pub struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    pub fn new(text: &'a str) -> Self {
        LineCounter { text: text.as_bytes(), offset: 0, line: 1 }
    }

    /// The line of byte `offset`; an offset before the previous one restarts the count.
    pub fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text[self.offset..offset].iter().filter(|&&b| b == b'\n').count();
        self.offset = offset;
        self.line
    }

    /// The line of `part`, a slice of the text this counter was made for.
    pub fn line_of(&mut self, part: &str) -> usize {
        let offset = (part.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        self.line_at(offset)
    }
}

/// One record of a delimited file and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub cells: Vec<String>,
}

/// Reads a whole delimited text with the `csv` crate: RFC 4180 quoting (quoted fields
/// may hold separators, `""` and newlines), `\n` or `\r\n`, a leading BOM dropped,
/// blank lines skipped, records of any length, each with the line it starts on.
/// `sep`: the separator, or `None` to take `;` when the first line holds more `;` than
/// `,` (French spreadsheets), `,` otherwise.
///
/// `Err(line)`: a quoted field opened on that line is never closed. The `csv` crate
/// reads such a field to the end of the text without complaint, so the last record is
/// checked: an odd number of quotes from its start means its quote was never closed.
pub fn read_csv(text: &str, sep: Option<u8>) -> Result<Vec<Record>, usize> {
    csv_records(text, sep).collect()
}

/// The records of [`read_csv`] one at a time, so that a reader holds one record of a
/// large file at a time rather than all of them. An unclosed quote comes last, as
/// `Err(line)`, after the record it swallowed: a reader stops at the first `Err`.
pub fn csv_records(text: &str, sep: Option<u8>) -> CsvRecords<'_> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sep = sep.unwrap_or_else(|| {
        let header = text.lines().next().unwrap_or("");
        if header.matches(';').count() > header.matches(',').count() { b';' } else { b',' }
    });
    let reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(sep).from_reader(text.as_bytes());
    CsvRecords {
        text,
        reader,
        lines: LineCounter::new(text),
        row: csv::StringRecord::new(),
        last_start: None,
        done: false,
    }
}

/// See [`csv_records`].
pub struct CsvRecords<'a> {
    text: &'a str,
    reader: csv::Reader<&'a [u8]>,
    // Lines are counted from byte offsets: the crate's own count skips blank lines.
    lines: LineCounter<'a>,
    row: csv::StringRecord,
    last_start: Option<(usize, usize)>,
    done: bool,
}

impl Iterator for CsvRecords<'_> {
    type Item = Result<Record, usize>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.reader.read_record(&mut self.row) {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    if let Some((line, byte)) = self.last_start
                        && self.text.get(byte..).is_some_and(|rest| rest.matches('"').count() % 2 == 1)
                    {
                        return Some(Err(line));
                    }
                    return None;
                }
                // Invalid UTF-8 cannot occur in a `&str`; any other error ends the text.
                Err(e) => {
                    self.done = true;
                    return Some(Err(e.position().map_or(1, |p| self.lines.line_at(p.byte() as usize))));
                }
            }
            // The crate's position of a record after blank lines is where those begin.
            let byte = self.row.position().map_or(0, |p| p.byte() as usize);
            let byte = byte
                + self.text.as_bytes().get(byte..).map_or(0, |r| r.iter().take_while(|b| b"\r\n".contains(b)).count());
            let line = self.lines.line_at(byte);
            self.last_start = Some((line, byte));
            if self.row.len() == 1 && self.row[0].trim().is_empty() {
                continue;
            }
            return Some(Ok(Record { line, cells: self.row.iter().map(str::to_owned).collect() }));
        }
        None
    }
}

/// A quote opened on a line is never closed there (`Display`: in French, as the
/// measure files' readers say it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("guillemet non fermé")]
pub struct UnclosedQuote;

/// Splits one line of a delimited file, honouring double quotes (`""` inside quotes is a
/// quote); `Err` when a quote is never closed on the line.
pub fn split_line(line: &str, sep: char) -> Result<Vec<String>, UnclosedQuote> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
            }
            (false, c) if c == sep => out.push(std::mem::take(&mut cur)),
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return Err(UnclosedQuote);
    }
    out.push(cur);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_many_faults_keeps_a_hundred_and_counts_the_rest() {
        let mut log = FaultLog::new();
        for line in 1..=5_000 {
            log.push(Fault::new("f.csv", line, Some("code"), "x".repeat(1000)));
        }
        assert_eq!(log.len(), 5_000);
        let faults = log.into_vec();
        assert_eq!(faults.len(), LISTED + 1);
        assert_eq!(faults[LISTED].code, LineFault::More(4_900));
        assert_eq!(count(&faults), 5_000);
        assert!(faults[LISTED].to_string().contains("4900 more faults, not listed"));
        let shown = faults[0].to_string();
        assert!(shown.chars().count() < 360 && shown.ends_with('…'), "a long value is cut: {shown}");
        assert_eq!(shortened("Saint-Étienne", 5), "Saint…");
        assert_eq!(shortened("Lyon", 5), "Lyon");
    }

    #[test]
    fn a_latin1_file_names_its_line() {
        let bytes = b"code;nom\n42218;Saint-\xc9tienne\n".to_vec();
        let fault = utf8("liste.csv", bytes).expect_err("not UTF-8");
        assert_eq!((fault.source.as_str(), fault.line), ("liste.csv", 2));
        assert!(fault.to_string().starts_with("liste.csv, line 2: the file is not UTF-8"), "{fault}");
        assert_eq!(utf8("ok.csv", "é".as_bytes().to_vec()).expect("UTF-8"), "é");
    }

    fn cells(records: &[Record]) -> Vec<(usize, Vec<&str>)> {
        records.iter().map(|r| (r.line, r.cells.iter().map(String::as_str).collect())).collect()
    }

    #[test]
    fn read_csv_keeps_lines_through_blank_lines_and_quoted_newlines() {
        let text = "\u{feff}code;nom\r\n42218;\"Saint-\nÉtienne\"\r\n\r\n\n01001;\"L'A; \"\"B\"\"\"\n   \n42181\n";
        let r = read_csv(text, None).expect("valid");
        assert_eq!(
            cells(&r),
            [
                (1, vec!["code", "nom"]),
                (2, vec!["42218", "Saint-\nÉtienne"]),
                (6, vec!["01001", "L'A; \"B\""]),
                (8, vec!["42181"]),
            ]
        );
        assert_eq!(read_csv("a,b;c\n1,2;3", None).expect("valid")[1].cells, ["1", "2;3"], "`,` when not fewer");
        assert_eq!(read_csv("a;b\n1,5;2", Some(b',')).expect("valid")[1].cells, ["1", "5;2"], "separator given");
        assert_eq!(read_csv("a\n\"ok\"\n\"open\nb,\"\"c\n", None), Err(3), "never closed: its first line");
        assert_eq!(read_csv("", None), Ok(Vec::new()));
    }
}
