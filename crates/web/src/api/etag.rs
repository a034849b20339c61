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

/// What an optional `If-Match` asks: nothing when absent, `*` (the entity must exist),
/// or a version; an unreadable one is refused.
pub fn if_match_optional(headers: &HeaderMap) -> Result<cohesion_app::project::IfMatch, ApiError> {
    use cohesion_app::project::IfMatch;
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(IfMatch::Nothing) };
    let text = v.to_str().map(str::trim).unwrap_or_default();
    if text == "*" {
        return Ok(IfMatch::Exists);
    }
    text.trim_start_matches("W/").trim_matches('"').parse().map(IfMatch::Version).map_err(|_| {
        ApiError::bad_request("invalid_if_match", "If-Match: a version as its ETag gives it (\"3\"), or *")
    })
}
