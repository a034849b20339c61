//! What every importer reports: each fault with the file, line and field at fault.
//!
//! Importers validate the whole input and return every fault at once; nothing is
//! written unless the list is empty.

use std::fmt;

use serde::Serialize;

/// One fault in an input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    /// File name (or other label) of the input.
    pub source: String,
    /// 1-based line number; 0 when the fault concerns the file as a whole.
    pub line: usize,
    pub field: Option<String>,
    pub message: String,
}

impl Fault {
    pub fn new(source: &str, line: usize, field: Option<&str>, message: impl Into<String>) -> Self {
        Fault { source: source.to_owned(), line, field: field.map(str::to_owned), message: message.into() }
    }

    pub fn file(source: &str, message: impl Into<String>) -> Self {
        Fault::new(source, 0, None, message)
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
        write!(f, ": {}", self.message)
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

/// Splits one line of a delimited file, honouring double quotes (`""` inside quotes is a
/// quote); `Err` when a quote is never closed on the line.
pub fn split_line(line: &str, sep: char) -> Result<Vec<String>, String> {
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
        return Err("guillemet non fermé".into());
    }
    out.push(cur);
    Ok(out)
}
