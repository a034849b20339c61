//! The one optimistic-concurrency convention of the API: an editable entity answers
//! its version (or revision) as a strong `ETag`, and a change names the one it read in
//! `If-Match` (a stale one is a 409 from the use case).

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::error::ApiError;

/// `response` with `version` as its `ETag`.
pub fn with(version: i64, mut response: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// The version named in `If-Match` (`"3"`, `W/"3"` or `3`); `detail` says what to send
/// when it is missing or unreadable.
pub fn if_match(headers: &HeaderMap, detail: &'static str) -> Result<i64, ApiError> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().trim_start_matches("W/").trim_matches('"').parse().ok())
        .ok_or_else(|| ApiError::bad_request("if_match_required", detail))
}
