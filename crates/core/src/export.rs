//! The one CSV writer of every export (the API's downloads, the command line's
//! files): the `csv` crate, comma-separated, `\n` after every line, a cell quoted only
//! when it needs it (a comma, a quote, a line break; quotes doubled inside).

use std::io;

/// A CSV file being written in memory.
pub struct CsvWriter {
    out: csv::Writer<Vec<u8>>,
    error: Option<csv::Error>,
}

impl CsvWriter {
    /// A file that starts with the `header` line.
    pub fn with_header(header: &[&str]) -> CsvWriter {
        let out =
            csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).flexible(true).from_writer(Vec::new());
        let mut w = CsvWriter { out, error: None };
        w.row(header);
        w
    }

    /// Writes one line; the first failure is kept for [`CsvWriter::finish`].
    pub fn row<I, T>(&mut self, cells: I)
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        if self.error.is_none()
            && let Err(e) = self.out.write_record(cells)
        {
            self.error = Some(e);
        }
    }

    /// The text written.
    pub fn finish(self) -> io::Result<String> {
        if let Some(e) = self.error {
            return Err(e.into());
        }
        let bytes = self.out.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        let mut w = CsvWriter::with_header(&["a", "b", "c"]);
        w.row(["plain", "a,b", "say \"hi\""]);
        w.row(["two\nlines", "cr\r", ""]);
        let text = w.finish().expect("written");
        assert_eq!(text, "a,b,c\nplain,\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"cr\r\",\n");
    }

    /// Byte for byte what the hand-written quoters it replaced wrote.
    #[test]
    fn same_bytes_as_the_former_quoting() {
        let former = |c: &str| {
            if c.contains([',', '"', '\n', '\r']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c.to_owned() }
        };
        let cells = ["", " espace ", "l'Œuvre", "a;b", "1,5", "\"", "x\r\ny", "#", "État (DSIL)", "0.2500", "é\"\""];
        let mut w = CsvWriter::with_header(&["h1", "h2"]);
        let mut expected = String::from("h1,h2\n");
        for pair in cells.windows(2) {
            w.row(pair);
            expected.push_str(&format!("{},{}\n", former(pair[0]), former(pair[1])));
        }
        assert_eq!(w.finish().expect("written"), expected);
    }
}
