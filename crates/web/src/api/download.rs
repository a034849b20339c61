//! The one way the API hands over a file (CSV, GeoJSON): its `Content-Type`, and
//! `Content-Disposition: attachment` with the name to save it under.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cohesion_core::export::CsvWriter;

use crate::error::ApiError;

/// UTF-8 CSV, comma-separated, with its header line.
pub const CSV: &str = "text/csv; charset=utf-8";

/// `body` as a file named `filename`.
pub fn attachment(body: String, content_type: &'static str, filename: &str) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The CSV file written by `file`, named `filename`.
pub fn csv(file: CsvWriter, filename: &str) -> Result<Response, ApiError> {
    let body = file.finish().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(attachment(body, CSV, filename))
}
