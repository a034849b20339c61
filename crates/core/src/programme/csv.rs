//! A small RFC 4180 reader (quoted fields may hold separators, quotes and newlines),
//! keeping the line each record starts on for fault reports. The separator is `,` or
//! `;` (French spreadsheets), detected from the header line.

/// One record and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub cells: Vec<String>,
}

/// Parses the whole text; `Err` names the line of an unterminated quote.
pub fn parse(text: &str) -> Result<Vec<Record>, usize> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header = text.lines().next().unwrap_or("");
    let sep = if header.matches(';').count() > header.matches(',').count() { ';' } else { ',' };
    let mut records = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' if quoted => quoted = false,
            '"' if cell.is_empty() => quoted = true,
            '\n' if quoted => {
                line += 1;
                cell.push('\n');
            }
            '\r' if !quoted => {}
            '\n' => {
                cells.push(std::mem::take(&mut cell));
                records.push(Record { line: start, cells: std::mem::take(&mut cells) });
                line += 1;
                start = line;
                any = false;
            }
            c if c == sep && !quoted => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    if quoted {
        return Err(start);
    }
    if any {
        cells.push(cell);
        records.push(Record { line: start, cells });
    }
    records.retain(|r| !(r.cells.len() == 1 && r.cells[0].trim().is_empty()));
    Ok(records)
}

/// Where each named column is, from a header record.
pub struct Header(Vec<String>);

impl Header {
    pub fn new(record: &Record) -> Header {
        Header(record.cells.iter().map(|c| c.trim().to_lowercase()).collect())
    }

    pub fn find(&self, names: &[&str]) -> Option<usize> {
        self.0.iter().position(|h| names.contains(&h.as_str()))
    }
}

/// The cell at `i`, trimmed; empty when missing.
pub fn cell(record: &Record, i: Option<usize>) -> &str {
    i.and_then(|i| record.cells.get(i)).map_or("", |c| c.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_newlines_and_separators() {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",3\n2,\"deux\nlignes\",4\n\n5,,\n";
        let r = parse(text).expect("valid");
        assert_eq!(r.len(), 4);
        assert_eq!(r[1].cells, ["1", "x, \"y\"", "3"]);
        assert_eq!((r[2].line, r[2].cells[1].as_str()), (3, "deux\nlignes"));
        assert_eq!((r[3].line, r[3].cells.len()), (6, 3));
        assert_eq!(parse("code;statut\n42218;active").expect("valid")[1].cells, ["42218", "active"]);
        assert_eq!(parse("a\n\"open\nb"), Err(2));
    }
}
