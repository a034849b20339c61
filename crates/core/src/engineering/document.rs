//! What an attached file really is, from its content (never its name): PDF, PNG,
//! JPEG, ODF text and spreadsheet, Office Open XML document and workbook, CSV.
//! ZIP-based formats are told apart by their entries (ODF's stored `mimetype`,
//! OOXML's `word/document.xml` or `xl/workbook.xml`).

use std::io::{Cursor, Read};

use serde::{Deserialize, Serialize};

/// At most 20 MB per document.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Pdf,
    Png,
    Jpeg,
    Odt,
    Ods,
    Docx,
    Xlsx,
    Csv,
}

crate::labels!(DocumentKind {
    Pdf => "pdf", "PDF";
    Png => "png", "Image PNG";
    Jpeg => "jpeg", "Image JPEG";
    Odt => "odt", "Texte OpenDocument";
    Ods => "ods", "Tableur OpenDocument";
    Docx => "docx", "Document Word";
    Xlsx => "xlsx", "Classeur Excel";
    Csv => "csv", "CSV";
});

impl DocumentKind {
    /// The media type it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::Png => "image/png",
            DocumentKind::Jpeg => "image/jpeg",
            DocumentKind::Odt => "application/vnd.oasis.opendocument.text",
            DocumentKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            DocumentKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            DocumentKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            DocumentKind::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The file name extensions that go with it.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            DocumentKind::Pdf => &["pdf"],
            DocumentKind::Png => &["png"],
            DocumentKind::Jpeg => &["jpg", "jpeg"],
            DocumentKind::Odt => &["odt"],
            DocumentKind::Ods => &["ods"],
            DocumentKind::Docx => &["docx"],
            DocumentKind::Xlsx => &["xlsx"],
            DocumentKind::Csv => &["csv"],
        }
    }
}

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentFault {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {bytes} bytes, more than the 20 MB allowed")]
    TooLarge { bytes: usize },
    #[error("the content is none of PDF, PNG, JPEG, ODT, ODS, DOCX, XLSX, CSV")]
    Unrecognised,
    #[error("the content is {content} but the name ends in .{extension}")]
    NameMismatch { content: DocumentKind, extension: String },
    #[error("a file name is 1 to 200 characters, without `/`, `\\` or control characters")]
    BadName,
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of `bytes`, checked against the size limit and against the extension
/// of `name` when it has a known one (a `.pdf` that is a PNG is refused).
pub fn sniff(name: &str, bytes: &[u8]) -> Result<DocumentKind, DocumentFault> {
    if name.trim().is_empty()
        || name.chars().count() > 200
        || name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
    {
        return Err(DocumentFault::BadName);
    }
    if bytes.is_empty() {
        return Err(DocumentFault::Empty);
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(DocumentFault::TooLarge { bytes: bytes.len() });
    }
    let kind = content_kind(bytes).ok_or(DocumentFault::Unrecognised)?;
    if let Some((_, ext)) = name.rsplit_once('.') {
        let ext = ext.to_ascii_lowercase();
        let known = DocumentKind::ALL.iter().any(|k| k.extensions().contains(&ext.as_str()));
        if known && !kind.extensions().contains(&ext.as_str()) {
            return Err(DocumentFault::NameMismatch { content: kind, extension: ext });
        }
    }
    Ok(kind)
}

fn content_kind(b: &[u8]) -> Option<DocumentKind> {
    if b.starts_with(b"%PDF-") {
        Some(DocumentKind::Pdf)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(DocumentKind::Png)
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(DocumentKind::Jpeg)
    } else if b.starts_with(b"PK\x03\x04") {
        zip_kind(b)
    } else if is_csv(b) {
        Some(DocumentKind::Csv)
    } else {
        None
    }
}

fn zip_kind(b: &[u8]) -> Option<DocumentKind> {
    let mut zip = zip::ZipArchive::new(Cursor::new(b)).ok()?;
    if let Ok(mut entry) = zip.by_name("mimetype") {
        let mut mime = String::new();
        entry.by_ref().take(100).read_to_string(&mut mime).ok()?;
        return match mime.trim() {
            "application/vnd.oasis.opendocument.text" => Some(DocumentKind::Odt),
            "application/vnd.oasis.opendocument.spreadsheet" => Some(DocumentKind::Ods),
            _ => None,
        };
    }
    let has = |n: &str| zip.index_for_name(n).is_some();
    if !has("[Content_Types].xml") {
        None
    } else if has("word/document.xml") {
        Some(DocumentKind::Docx)
    } else if has("xl/workbook.xml") {
        Some(DocumentKind::Xlsx)
    } else {
        None
    }
}

/// Text in UTF-8 (a BOM allowed), no control characters but tab and line breaks,
/// and a first line with a delimiter (`,`, `;` or tab).
fn is_csv(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let Ok(text) = std::str::from_utf8(b) else { return false };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
        return false;
    }
    let first = text.lines().next().unwrap_or("");
    first.contains([',', ';', '\t'])
}
