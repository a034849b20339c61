//! Comma-separated records with RFC 4180 quoting, quoted fields spanning lines
//! included (the DETR/DSIL file has 216 such descriptions). A dozen lines do not
//! justify a dependency.

/// One record and the 1-based line it starts on.
pub struct Record {
    pub line: usize,
    pub cells: Vec<String>,
}

/// Splits `text` into records; an unterminated quote is reported with its line.
pub fn records(text: &str) -> Result<Vec<Record>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let (mut line, mut start_line) = (1, 1);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                cell.push(c);
            }
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => cells.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                cells.push(std::mem::take(&mut cell));
                if !(cells.len() == 1 && cells[0].is_empty()) {
                    out.push(Record { line: start_line, cells: std::mem::take(&mut cells) });
                }
                cells.clear();
                line += 1;
                start_line = line;
            }
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err((start_line, "a quoted field is never closed".into()));
    }
    if !cell.is_empty() || !cells.is_empty() {
        cells.push(cell);
        out.push(Record { line: start_line, cells });
    }
    Ok(out)
}

/// Quotes a cell for CSV output when it needs it.
pub fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) { format!("\"{}\"", cell.replace('"', "\"\"")) } else { cell.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_and_lines() {
        let r = records("a,b\n1,\"x, \"\"y\"\"\nz\"\n\n2,3").expect("valid");
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].cells, ["1", "x, \"y\"\nz"]);
        assert_eq!((r[1].line, r[2].line), (2, 5));
        assert_eq!(records("a\n\"open").err().map(|e| e.0), Some(2));
        assert_eq!(quote("a,b"), "\"a,b\"");
    }
}
