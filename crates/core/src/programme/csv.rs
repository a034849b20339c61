//! Programme lists as records with their lines (the shared reader,
//! `import::read_csv`: RFC 4180 quoting, `,` or `;` detected from the header line),
//! and the columns found by name.

pub use crate::import::Record;

/// Parses the whole text (`,` or `;`, told from the header line); `Err` names the
/// line of an unterminated quote. See [`crate::import::read_csv`].
pub fn parse(text: &str) -> Result<Vec<Record>, usize> {
    crate::import::read_csv(text, None)
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
